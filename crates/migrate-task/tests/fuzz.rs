//! Fuzzing migrate-task's input parsing with proptest, inside `cargo test` and bounded in
//! time (short strings, a fixed number of cases; `PROPTEST_CASES` overrides it): image
//! references, tags, durations, the whole `run` command line, and the redaction of what the
//! plan prints.
//!
//! The properties: no panic; a refusal is one non-empty line; an accepted ECR image prints
//! back to a reference that parses to the same image; redaction never lets the password of a
//! URL, or the value of a secret-looking `NAME=value`, through.

use std::ffi::OsString;

use clap::{CommandFactory, Parser};
use migrate_task::cli::{Cli, Command};
use migrate_task::image::{self, ImageRef};
use migrate_task::settings::{Settings, parse_duration};
use migrate_task::{Error, redact};
use proptest::prelude::*;

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = n;
    }
    config
}

fn one_line(what: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!text.trim().is_empty(), "{what}: empty");
    prop_assert!(
        !text.contains(['\n', '\r']),
        "{what}: not one line: {text:?}"
    );
    Ok(())
}

/// Image references as people write them, and broken ones.
fn image_ref() -> BoxedStrategy<String> {
    let account = prop_oneof!["[0-9]{12}", "[0-9]{1,14}"];
    let region = prop_oneof!["[a-z]{2}-[a-z]{4,9}-[1-3]", "[a-zA-Z0-9-]{0,12}"];
    let host = (account, any::<bool>(), region, any::<bool>()).prop_map(|(a, fips, r, cn)| {
        format!(
            "{a}.dkr.ecr{}.{r}.amazonaws.com{}",
            if fips { "-fips" } else { "" },
            if cn { ".cn" } else { "" }
        )
    });
    let repo = prop_oneof![
        3 => "[a-z0-9]{1,8}(/[a-z0-9._-]{1,8}){0,2}",
        1 => "\\PC{0,12}",
    ];
    let reference = prop_oneof![
        2 => Just(String::new()),
        3 => "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}".prop_map(|t| format!(":{t}")),
        1 => "[0-9a-f]{64}".prop_map(|d| format!("@sha256:{d}")),
        1 => "\\PC{0,12}".prop_map(|t| format!(":{t}")),
        1 => "[a-z0-9]{1,6}:[A-Za-z0-9=_-]{0,70}".prop_map(|d| format!("@{d}")),
    ];
    prop_oneof![
        4 => (host, repo.clone(), reference.clone()).prop_map(|(h, r, x)| format!("{h}/{r}{x}")),
        2 => ("[a-z0-9.-]{1,12}(:[0-9]{1,5})?", repo, reference)
            .prop_map(|(h, r, x)| format!("{h}/{r}{x}")),
        1 => "\\PC{0,40}",
        1 => any::<String>().prop_map(|s| s.chars().take(40).collect()),
    ]
    .boxed()
}

/// Text for any flag value, hostile ones over-represented.
fn value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9/._=:-]{0,16}",
        1 => prop::sample::select(vec![
            "", " ", "0", "-1", "18446744073709551616", "PT2H", "1h30m", "45m", "P1Y", "PT-1S",
            "a/b/c", "a//c", "/", "KEY=v", "=v", "K=", "A:B=C", "$(id)", "a\nb", "\u{0}",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
    .boxed()
}

fn flag() -> BoxedStrategy<Vec<String>> {
    let names = prop::sample::select(vec![
        "--cluster",
        "--service",
        "--copilot",
        "--container",
        "--image",
        "--image-tag",
        "--timeout",
        "--cpu",
        "--memory",
        "--env",
        "--region",
        "--endpoint-url",
        "--progress",
    ]);
    prop_oneof![
        8 => (names, value()).prop_map(|(n, v)| vec![format!("{n}={v}")]),
        1 => prop::sample::select(vec!["--dry-run", "--json", "--bogus"])
            .prop_map(|f| vec![f.to_owned()]),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(cases(512))]

    /// Any image reference: refused in one line, used as given (not ECR), or an ECR image
    /// whose printed form parses back to itself.
    #[test]
    fn any_image_reference(text in image_ref()) {
        match image::parse(&text) {
            Err(e) => one_line("image error", &e)?,
            Ok(ImageRef::Other(s)) => prop_assert_eq!(s, text),
            Ok(ImageRef::Ecr(img)) => {
                let again = image::parse(&img.to_string());
                prop_assert_eq!(again, Ok(ImageRef::Ecr(img.clone())));
                prop_assert!(img.registry_id.len() == 12);
                if let Some(tag) = img.tag() {
                    prop_assert!(image::check_tag(tag).is_ok());
                }
            }
        }
    }

    /// Any tag: Docker's grammar, or one line saying why not.
    #[test]
    fn any_tag(tag in value()) {
        match image::check_tag(&tag) {
            Ok(()) => {
                prop_assert!((1..=128).contains(&tag.len()));
                prop_assert!(!tag.contains([':', '/', '@', ' ']));
            }
            Err(e) => one_line("tag error", &e)?,
        }
    }

    /// Any duration: positive, or one line saying why not.
    #[test]
    fn any_duration(text in prop_oneof![value(), "[0-9]{1,25}[smhdw]?", "P(T[0-9]{1,20}[HMS]){1,3}"]) {
        match parse_duration(&text) {
            Ok(d) => prop_assert!(!d.is_zero()),
            Err(e) => one_line("duration error", &e)?,
        }
    }

    /// Any `run` command line: parsed into settings, or refused in one line (clap's own
    /// refusals too, as `slipway_core::usage` prints them), with exit code 2.
    #[test]
    fn any_run_command_line(
        flags in prop::collection::vec(flag(), 0..8),
        command in prop::collection::vec(value(), 0..3),
    ) {
        let mut argv = vec!["migrate-task".to_owned(), "run".to_owned()];
        argv.extend(flags.into_iter().flatten());
        argv.push("--".to_owned());
        argv.extend(command);
        let cli = match Cli::try_parse_from(&argv) {
            Ok(cli) => cli,
            Err(e) => {
                let args: Vec<OsString> = argv.iter().map(OsString::from).collect();
                let line = slipway_core::usage::one_line(e, &Cli::command(), &args);
                one_line("clap's refusal", &line)?;
                prop_assert!(!line.contains(char::is_control), "{line:?}");
                return Ok(());
            }
        };
        let Command::Run(args) = cli.command;
        match Settings::resolve(args, |_| None) {
            Ok(s) => prop_assert!(!s.command.is_empty()),
            Err(e) => {
                one_line("usage error", &e.to_string())?;
                prop_assert!(matches!(e, Error::Usage(_)), "{e:?}");
                prop_assert_eq!(e.exit_code(), slipway_core::ExitCode::USAGE);
            }
        }
    }

    /// What the plan prints of env values and argv never holds a URL's password or the value
    /// of a secret-looking name.
    #[test]
    fn redaction_never_lets_a_credential_through(
        scheme in "[a-z][a-z0-9+.-]{0,8}",
        user in "[a-zA-Z0-9._-]{0,8}",
        password in "PW[a-zA-Z0-9._~-]{8,16}",
        host in "[a-z0-9.-]{1,12}(:[0-9]{1,5})?",
        path in "(/[a-zA-Z0-9@._-]{0,8}){0,3}",
        name in "[A-Z_]{1,6}(PASSWORD|TOKEN|SECRET|KEY|AUTH)[A-Z_]{0,6}",
        prefix in "(--)?",
        plain in "[a-z0-9 ._-]{0,12}",
    ) {
        let url = format!("{scheme}://{user}:{password}@{host}{path}");
        prop_assert_eq!(redact::shown("PLAIN", &url), redact::REDACTED);
        prop_assert_eq!(redact::shown(&name, &password), redact::REDACTED);
        let argv = vec![
            plain.clone(),
            url.clone(),
            format!("{prefix}{name}={password}"),
            format!("{prefix}{}={url}", name.to_lowercase()),
        ];
        for shown in redact::argv_shown(&argv) {
            prop_assert!(!shown.contains(&password), "{shown:?} from {argv:?}");
        }
        prop_assert_eq!(&redact::argv_shown(&argv)[0], &plain);
    }
}
