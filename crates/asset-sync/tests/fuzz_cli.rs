//! Fuzzing asset-sync's command lines with proptest, inside `cargo test` and bounded in time
//! (`PROPTEST_CASES` overrides the case count): any mix of flags and values for `upload`,
//! `prune` and `verify`, resolved into settings as the binary does before any request.
//!
//! The properties: no panic; settings that resolve keep every invariant the commands rely
//! on (a bucket name S3 accepts, a prefix that is empty or ends in `/` with no `..`, `.`,
//! empty segment, backslash or control character); a refusal is one line with exit code 2,
//! clap's own included (as `slipway_core::usage` prints them).

use std::ffi::OsString;

use asset_sync::cli::{Cli, Command};
use asset_sync::settings::{PruneSettings, UploadSettings, VerifySettings};
use clap::{CommandFactory, Parser};
use proptest::prelude::*;

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = n;
    }
    config
}

fn value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9/._=:%-]{0,16}",
        1 => prop::sample::select(vec![
            "", " ", "0", "-1", "5MiB", "16MiB", "4GiB", "1e9", "50%", "150%", "0%", "90s",
            "PT1H", "2h30m", "assets", "assets/", "../x", "/x", "a//b", "a\\b", ".slipway",
            "my-bucket", "My_Bucket", "http://127.0.0.1:9", "ftp://u:p@h", "([", "\u{7f}",
            "a\nb", "r1", "$(id)", "companion", "replace", "skip", "bucket-owner-full-control",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
    .boxed()
}

/// Flags each command takes (each at most once, as clap requires).
fn names(command: &str) -> Vec<&'static str> {
    let mut all = vec![
        "--bucket",
        "--prefix",
        "--concurrency",
        "--region",
        "--endpoint-url",
        "--progress",
        "--json",
        "-q",
        "--path-style",
    ];
    match command {
        "upload" => all.extend([
            "--release",
            "--environment",
            "--compressed",
            "--cache-control-mutable",
            "--fingerprint-regex",
            "--max-file-size",
            "--acl",
            "--multipart-threshold",
            "--dry-run",
        ]),
        "prune" => all.extend([
            "--keep-releases",
            "--keep-days",
            "--min-age",
            "--max-delete",
            "--force",
            "--dry-run",
        ]),
        _ => all.extend([
            "--release",
            "--compressed",
            "--cache-control-mutable",
            "--fingerprint-regex",
            "--deep",
        ]),
    }
    all
}

/// A value for `flag`: usually one of the right shape, sometimes anything.
fn value_for(flag: &'static str) -> BoxedStrategy<String> {
    let good: BoxedStrategy<String> = match flag {
        "--bucket" => "[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]".boxed(),
        "--prefix" => "([a-z0-9._-]{1,6}/){0,3}".boxed(),
        "--release" | "--environment" => "[A-Za-z0-9._-]{1,12}".boxed(),
        "--concurrency" | "--keep-releases" | "--keep-days" => "[0-9]{1,3}".boxed(),
        "--compressed" => prop::sample::select(vec!["companion", "replace", "skip"])
            .prop_map(str::to_owned)
            .boxed(),
        "--max-file-size" | "--multipart-threshold" => "[0-9]{1,4}(B|KiB|MiB|GiB)".boxed(),
        "--min-age" => "[0-9]{1,3}(s|m|h)".boxed(),
        "--max-delete" => "[0-9]{1,3}%?".boxed(),
        "--region" => "[a-z]{2}-[a-z]{4,7}-[1-3]".boxed(),
        "--endpoint-url" => "http://127\\.0\\.0\\.1:[0-9]{1,5}".boxed(),
        "--progress" => prop::sample::select(vec!["auto", "always", "never"])
            .prop_map(str::to_owned)
            .boxed(),
        "--acl" => prop::sample::select(vec!["private", "bucket-owner-full-control"])
            .prop_map(str::to_owned)
            .boxed(),
        _ => value(),
    };
    prop_oneof![3 => good, 1 => value()].boxed()
}

fn command_line() -> BoxedStrategy<Vec<String>> {
    prop::sample::select(vec!["upload", "prune", "verify"])
        .prop_flat_map(|command| {
            let names = names(command);
            let n = names.len();
            (
                Just(command),
                prop::sample::subsequence(names, 0..=n),
                prop::option::weighted(0.9, value_for("--bucket")),
            )
        })
        .prop_flat_map(|(command, flags, bucket)| {
            let values: Vec<BoxedStrategy<String>> = flags
                .iter()
                .copied()
                .map(|f| match f {
                    "--json" | "-q" | "--path-style" | "--dry-run" | "--force" | "--deep" => {
                        Just(f.to_string()).boxed()
                    }
                    _ => value_for(f).prop_map(move |v| format!("{f}={v}")).boxed(),
                })
                .collect();
            let mut head = vec!["asset-sync".to_owned(), command.to_owned()];
            if let Some(b) = bucket.filter(|_| !flags.contains(&"--bucket")) {
                head.push(format!("--bucket={b}"));
            }
            (Just(head), values)
        })
        .prop_map(|(mut head, values)| {
            head.extend(values);
            head
        })
        .boxed()
}

fn check_prefix(prefix: &str) -> Result<(), TestCaseError> {
    if prefix.is_empty() {
        return Ok(());
    }
    prop_assert!(prefix.ends_with('/'), "{prefix:?}");
    prop_assert!(
        !prefix.contains('\\') && !prefix.contains(char::is_control),
        "{prefix:?}"
    );
    for segment in prefix.trim_end_matches('/').split('/') {
        prop_assert!(
            !segment.is_empty() && segment != "." && segment != ".." && segment != ".slipway",
            "{prefix:?}"
        );
    }
    Ok(())
}

fn check_bucket(bucket: &str) -> Result<(), TestCaseError> {
    prop_assert!((3..=63).contains(&bucket.len()), "{bucket:?}");
    prop_assert!(
        bucket
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.'),
        "{bucket:?}"
    );
    Ok(())
}

fn check_refusal(e: &asset_sync::Error) -> Result<(), TestCaseError> {
    let text = e.to_string();
    prop_assert!(
        !text.trim().is_empty() && !text.contains(['\n', '\r']),
        "{text:?}"
    );
    prop_assert_eq!(e.exit_code(), slipway_core::ExitCode::USAGE, "{}", text);
    Ok(())
}

/// clap's refusal of `argv`, as the binary prints it: one line.
fn check_clap_refusal(e: clap::Error, argv: &[String]) -> Result<(), TestCaseError> {
    let args: Vec<OsString> = argv.iter().map(OsString::from).collect();
    let line = slipway_core::usage::one_line(e, &Cli::command(), &args);
    prop_assert!(
        !line.trim().is_empty() && !line.contains(char::is_control),
        "{line:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn any_command_line(argv in command_line()) {
        let cli = match Cli::try_parse_from(&argv) {
            Ok(cli) => cli,
            Err(e) => return check_clap_refusal(e, &argv),
        };
        // A release id from CodeBuild, so no case runs git.
        let lookup = |name: &str| {
            (name == "CODEBUILD_RESOLVED_SOURCE_VERSION").then(|| "4f2a9c1e0b7d".to_owned())
        };
        match cli.command {
            Command::Upload(args) => match UploadSettings::resolve(&args, &lookup) {
                Ok(s) => {
                    check_bucket(&s.bucket)?;
                    check_prefix(&s.prefix)?;
                    prop_assert!(s.concurrency > 0);
                    prop_assert!(s.multipart_threshold >= 5 << 20);
                }
                Err(e) => check_refusal(&e)?,
            },
            Command::Prune(args) => match PruneSettings::resolve(&args, &lookup) {
                Ok(s) => {
                    check_bucket(&s.bucket)?;
                    check_prefix(&s.prefix)?;
                }
                Err(e) => check_refusal(&e)?,
            },
            Command::Verify(args) => match VerifySettings::resolve(&args, &lookup) {
                Ok(s) => {
                    check_bucket(&s.bucket)?;
                    check_prefix(&s.prefix)?;
                }
                Err(e) => check_refusal(&e)?,
            },
        }
    }
}
