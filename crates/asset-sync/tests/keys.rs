//! S3 keys never escape the prefix.
//!
//! A key is `PREFIX + rel`, where PREFIX comes from `--prefix` (normalised or refused by
//! `settings::normalize_prefix`) and `rel` is a file's path inside the asset directory (from
//! `scan`; manifests only decide how a file is treated, never add a key). So the guarantee
//! rests on three rules, each tested here as a property and through the binary on rclone
//! serve s3 (file-backed, so a key with `..` in it would really land outside the bucket):
//!
//! | input | what happens |
//! |---|---|
//! | `--prefix assets` / `assets/` / `a/b` | normalised to `assets/`, `a/b/` |
//! | `--prefix ""` | the bucket root |
//! | `--prefix` with a leading `/`, a `..` or `.` segment, `//`, a backslash, a control character, or `.slipway` | refused, exit 2, one line, no request |
//! | a file name with a backslash or a control character | refused, exit 2, one line naming the file, no request |
//! | a symlink pointing out of the directory, or nowhere | refused, exit 2, one line naming it, no request |
//! | a manifest naming `../x`, `/x`, `a\b`, `a//b`, `./a` | refused, exit 2, one line naming the manifest, no request |
//! | a file name like `..x`, `...`, `a..b`, `%2e%2e%2f`, `.well-known/x` | uploaded as named, under the prefix (they are ordinary names) |

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use asset_sync::classify::{Classifier, DEFAULT_FINGERPRINT};
use asset_sync::cli::CompressedMode;
use asset_sync::plan::{SpecSettings, objects};
use asset_sync::scan::scan;
use asset_sync::settings::normalize_prefix;
use common::{Target, asset_sync, tree};
use proptest::prelude::*;
use slipway_testkit::{FaultProxy, RcloneS3};

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = n;
    }
    config
}

/// The key invariant: under `prefix`, relative, no `..`/`.`/empty segment, no backslash,
/// one line.
fn check_key(prefix: &str, key: &str) -> Result<(), TestCaseError> {
    prop_assert!(key.starts_with(prefix), "{key:?} is not under {prefix:?}");
    prop_assert!(key.len() > prefix.len(), "{key:?} is the prefix itself");
    prop_assert!(!key.starts_with('/'), "{key:?} starts with /");
    prop_assert!(!key.contains('\\'), "{key:?} has a backslash");
    prop_assert!(
        !key.chars().any(char::is_control),
        "{key:?} has a control character"
    );
    for segment in key.split('/') {
        prop_assert!(
            !segment.is_empty() && segment != "." && segment != "..",
            "{key:?} has the segment {segment:?}"
        );
    }
    Ok(())
}

/// One path segment: ordinary names, names that only look like `..`, and hostile ones.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z0-9]{1,6}(-[0-9a-f]{10})?\\.(js|css|png|js\\.gz|css\\.br|json)",
        1 => prop::sample::select(vec![
            "..", ".", "", "...", "..x", "x..", "a..b", ".hidden", ".well-known", "%2e%2e",
            "%2e%2e%2fx", "%5c", "\\", "a\\b", "..\\..", "~", "a b", " ", "é", "日本",
            "a\nb", "a\tb", "\u{7f}", "\u{85}", "*", "?", "#", ":", "CON", "nul",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{1,8}",
    ]
}

fn rel_path() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(segment(), 1..4)
}

/// Prefixes as users (and typos) write them.
fn prefix_input() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(segment(), 0..4).prop_map(|s| s.join("/")),
        1 => prop::collection::vec(segment(), 0..4).prop_map(|s| format!("{}/", s.join("/"))),
        1 => prop::collection::vec(segment(), 0..4).prop_map(|s| format!("/{}", s.join("/"))),
        1 => prop::sample::select(vec![
            "", "assets", "assets/", "/", "//", "../x", "/x", "a//b", "a\\b", "./a", "a/./b",
            "a/..", "..", ".", ".slipway", "a/.slipway/b", "a\n", "static/v1",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A link in the generated tree: its name and where it points.
#[derive(Clone, Debug)]
enum LinkTarget {
    /// A file elsewhere in the tree (by index, if there is one).
    Inside(prop::sample::Index),
    /// `..`, `../outside.txt`, an absolute path outside, the directory itself, nowhere.
    Outside(&'static str),
}

fn links() -> impl Strategy<Value = Vec<(String, LinkTarget)>> {
    let target = prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(LinkTarget::Inside),
        1 => prop::sample::select(vec!["..", "../outside.txt", "OUTSIDE", ".", "nowhere", "sub/../.."])
            .prop_map(LinkTarget::Outside),
    ];
    prop::collection::vec(("[a-z]{1,6}-link\\.js", target), 0..3)
}

proptest! {
    #![proptest_config(cases(512))]

    /// Any prefix is refused in one line naming --prefix, or normalised to one that keeps
    /// every key below it.
    #[test]
    fn a_prefix_is_normalised_or_refused(input in prefix_input()) {
        match normalize_prefix(&input) {
            Ok(prefix) => {
                prop_assert!(prefix.is_empty() || prefix.ends_with('/'), "{prefix:?}");
                if !prefix.is_empty() {
                    check_key("", prefix.trim_end_matches('/'))?;
                }
                prop_assert!(!prefix.contains(".slipway"), "{prefix:?}");
                // Normalising is idempotent: what is printed can be passed back.
                prop_assert_eq!(normalize_prefix(&prefix).ok(), Some(prefix.clone()));
                check_key(&prefix, &format!("{prefix}app-1a2b3c4d5e.js"))?;
            }
            Err(e) => {
                let e = e.to_string();
                prop_assert!(e.contains("--prefix") && !e.contains(['\n', '\r']), "{e:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(48))]

    /// Any tree of files and links on disk: `scan` refuses it in one line when it holds a
    /// name or a link that cannot be a key, and otherwise every object of every compression
    /// mode gets a key under the prefix that names a real file inside the directory.
    #[test]
    fn every_key_of_a_scanned_tree_is_under_the_prefix(
        paths in prop::collection::vec(rel_path(), 1..8),
        links in links(),
        prefix in prefix_input(),
    ) {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("outside.txt"), b"secret").unwrap();
        let holder = tempfile::tempdir().unwrap();
        let dir = holder.path().join("assets");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(holder.path().join("outside.txt"), b"secret").unwrap();

        let mut written: Vec<String> = Vec::new();
        for segments in &paths {
            // Only names a file system can hold: no empty, `.` or `..` segment (those would
            // write outside `dir`, not test anything).
            if segments.iter().any(|s| s.is_empty() || s == "." || s == ".." || s.contains('/')) {
                continue;
            }
            let rel = segments.join("/");
            let path = dir.join(&rel);
            if std::fs::create_dir_all(path.parent().unwrap()).is_ok()
                && !path.is_dir()
                && std::fs::write(&path, rel.as_bytes()).is_ok()
            {
                written.push(rel);
            }
        }
        for (name, target) in &links {
            let target = match target {
                LinkTarget::Inside(i) if !written.is_empty() => {
                    dir.join(&written[i.index(written.len())])
                }
                LinkTarget::Inside(_) => continue,
                LinkTarget::Outside("OUTSIDE") => outside.path().join("outside.txt"),
                LinkTarget::Outside(t) => Path::new(t).to_path_buf(),
            };
            let _ = std::os::unix::fs::symlink(&target, dir.join(name));
        }

        // What must be refused, worked out from the tree as written.
        let root = std::fs::canonicalize(&dir).unwrap();
        let mut refuse = false;
        for entry in walk(&dir) {
            let rel = entry.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
            if rel.contains('\\') || rel.chars().any(char::is_control) {
                refuse = true;
            }
            if entry.is_symlink() {
                match std::fs::canonicalize(&entry) {
                    Ok(t) if t.starts_with(&root) => {}
                    _ => refuse = true,
                }
            }
        }

        match scan(&dir) {
            Err(e) => {
                let e = e.to_string();
                prop_assert!(refuse, "refused a tree it should take: {e}");
                prop_assert!(!e.contains(['\n', '\r']), "not one line: {e:?}");
            }
            Ok(files) => {
                prop_assert!(!refuse, "took a tree it should refuse: {files:?}");
                let prefix = normalize_prefix(&prefix).unwrap_or_else(|_| "assets/".to_owned());
                let classifier = Classifier::new(DEFAULT_FINGERPRINT).unwrap();
                for mode in [CompressedMode::Companion, CompressedMode::Replace, CompressedMode::Skip] {
                    let settings = SpecSettings { compressed: mode, mutable_cache_control: "public, max-age=60" };
                    for o in objects(&files, &[], &classifier, &settings) {
                        check_key(&prefix, &format!("{prefix}{}", o.rel))?;
                        let real = std::fs::canonicalize(dir.join(&o.rel)).unwrap();
                        prop_assert!(real.starts_with(&root), "{} reads {}", o.rel, real.display());
                        let source = std::fs::canonicalize(&files[o.source].path).unwrap();
                        prop_assert!(source.starts_with(&root), "{} reads {}", o.rel, source.display());
                    }
                }
            }
        }
    }
}

/// Every entry under `dir` (files, links and folders; links not followed).
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// Every file rclone stores for `bucket`, as a key.
fn stored(bucket: &str) -> BTreeSet<String> {
    RcloneS3::shared().keys(bucket).into_iter().collect()
}

/// Files anywhere under the rclone root that are not inside a bucket folder: a key that
/// escaped its bucket would be one.
fn stray_files() -> Vec<String> {
    let root = RcloneS3::shared().root();
    std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_type().unwrap().is_dir())
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn names_that_only_look_like_escapes_land_under_the_prefix_and_nowhere_else() {
    let t = Target::rclone("lookalike");
    let names: &[&str] = &[
        "..hidden-1a2b3c4d5e.js",
        "...",
        "a..b.css",
        ".well-known/security.txt",
        "%2e%2e%2fescape.txt",
        "%2e%2e/x.txt",
        "sp ace.txt",
        "é/ü-1a2b3c4d5e.css",
        "q?x=1.txt",
        "h#frag.txt",
        "~tilde",
        "sub/..x/...y",
    ];
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, n.as_bytes())).collect();
    let dir = tree(&files);
    let out = t.upload(
        dir.path(),
        None,
        &["--prefix", "static/v1", "--release", "r1"],
    );
    let json = out.assert_success().json();
    assert_eq!(json["prefix"], "static/v1/");
    let keys: BTreeSet<String> = t.keys().into_iter().collect();
    let mut expected: BTreeSet<String> = names.iter().map(|n| format!("static/v1/{n}")).collect();
    expected.extend(
        keys.iter()
            .filter(|k| k.starts_with("static/v1/.slipway/releases/"))
            .cloned(),
    );
    assert_eq!(keys, expected);
    assert_eq!(stored(&t.bucket), expected, "rclone's own files");
    for key in &keys {
        assert!(!t.probe.get(&t.bucket, key).is_empty(), "{key}");
    }
    assert_eq!(
        t.probe.get(&t.bucket, "static/v1/%2e%2e%2fescape.txt"),
        b"%2e%2e%2fescape.txt"
    );
    assert!(stray_files().is_empty(), "{:?}", stray_files());
}

#[test]
fn the_bucket_root_prefix_keeps_keys_relative() {
    let t = Target::rclone("rootprefix");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1"), ("sub/b.css", b"2")]);
    let out = t.upload(dir.path(), None, &["--prefix", "", "--release", "r1"]);
    assert_eq!(out.assert_success().json()["prefix"], "");
    let keys = t.keys();
    assert!(keys.contains(&"a-1a2b3c4d5e.js".to_owned()), "{keys:?}");
    assert!(keys.contains(&"sub/b.css".to_owned()), "{keys:?}");
    assert!(keys.iter().all(|k| !k.starts_with('/')), "{keys:?}");
}

/// Runs `asset-sync ARGS` through a proxy that records requests; asserts exit 2, one stderr
/// line containing `needle`, no request at all, and an empty bucket.
fn refused_before_any_request(t: &Target, args: &[&str], needle: &str) {
    let proxy = FaultProxy::start(&t.endpoint, vec![], 7);
    let out = asset_sync()
        .args(args)
        .args(["--bucket", &t.bucket, "--endpoint-url", &proxy.endpoint()])
        .args(["--progress", "never"])
        .run();
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{args:?}: {lines:?}"
    );
    assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    assert!(proxy.seen().is_empty(), "{args:?}: {:?}", proxy.seen());
    assert!(t.keys().is_empty(), "{args:?}: {:?}", t.keys());
}

#[test]
fn prefixes_that_could_escape_are_refused_by_every_command() {
    let t = Target::rclone("badprefix");
    let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
    let d = dir.path().to_str().unwrap();
    for prefix in [
        "../x", "/x", "/", "a//b", "a\\b", "./a", "a/./b", "a/..", "..", ".", ".slipway", "a\nb",
    ] {
        for command in [
            vec!["upload", d],
            vec!["upload", d, "--dry-run"],
            vec!["prune"],
            vec!["verify", d],
            vec!["verify", "--release", "r1"],
        ] {
            let mut args = command.clone();
            args.extend(["--prefix", prefix]);
            refused_before_any_request(&t, &args, "--prefix");
        }
    }
    // The env twin is checked the same way.
    let proxy = FaultProxy::start(&t.endpoint, vec![], 7);
    let out = asset_sync()
        .args([
            "upload",
            d,
            "--bucket",
            &t.bucket,
            "--endpoint-url",
            &proxy.endpoint(),
        ])
        .env("ASSET_SYNC_PREFIX", "../../etc")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("--prefix \"../../etc\""),
        "{}",
        out.stderr
    );
    assert!(proxy.seen().is_empty());
}

#[test]
fn a_file_name_with_a_backslash_or_a_control_character_is_refused_naming_it() {
    let t = Target::rclone("badname");
    for (name, needle) in [
        ("..\\..\\escape.js", "backslash"),
        ("sub\\x-1a2b3c4d5e.css", "backslash"),
        ("line\nbreak-1a2b3c4d5e.js", "control character"),
        ("tab\tname.txt", "control character"),
        ("esc\u{1b}[31m.txt", "control character"),
    ] {
        let dir = tree(&[("ok-1a2b3c4d5e.js", b"1"), (name, b"2")]);
        let d = dir.path().to_str().unwrap();
        for command in [
            vec!["upload", d],
            vec!["upload", d, "--dry-run"],
            vec!["verify", d],
        ] {
            refused_before_any_request(&t, &command, needle);
        }
        let out = asset_sync()
            .args([
                "upload",
                d,
                "--bucket",
                &t.bucket,
                "--endpoint-url",
                &t.endpoint,
            ])
            .run();
        let shown = format!("{:?}", dir.path().join(name).display().to_string());
        let shown = if name.chars().any(char::is_control) {
            shown
        } else {
            dir.path().join(name).display().to_string()
        };
        assert!(out.stderr.contains(&shown), "{shown} in {}", out.stderr);
    }
}

#[test]
fn a_manifest_naming_a_path_outside_the_directory_is_refused() {
    let t = Target::rclone("badmanifest");
    for (manifest, path) in [
        (".manifest.json", "../../etc/passwd"),
        (".manifest.json", "/etc/passwd"),
        (".manifest.json", "..\\..\\x.js"),
        (".manifest.json", "a//b.js"),
        (".manifest.json", "./a.js"),
        (".vite/manifest.json", "../outside-1a2b3c4d.js"),
        (
            ".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
            "../outside-1a2b3c4d.js",
        ),
        ("manifest.json", "/packs/../../outside.js"),
    ] {
        let body = match manifest {
            ".vite/manifest.json" => {
                serde_json::json!({"app.js": {"file": path, "isEntry": true}})
            }
            ".manifest.json" => serde_json::json!({"app.js": path}),
            "manifest.json" => serde_json::json!({"app.js": path}),
            _ => serde_json::json!({"files": {path: {}}, "assets": {}}),
        };
        let body = body.to_string();
        let dir = tree(&[("a-1a2b3c4d5e.js", b"1"), (manifest, body.as_bytes())]);
        let d = dir.path().to_str().unwrap();
        for command in [vec!["upload", d], vec!["verify", d]] {
            refused_before_any_request(&t, &command, manifest);
        }
        let out = asset_sync()
            .args([
                "upload",
                d,
                "--bucket",
                &t.bucket,
                "--endpoint-url",
                &t.endpoint,
            ])
            .run();
        // A Webpacker URL path is named without its leading `/` (DIR here is not `packs`).
        let shown = match path.strip_prefix('/') {
            Some(url) if manifest == "manifest.json" => url,
            _ => path,
        };
        assert!(out.stderr.contains(&format!("{shown:?}")), "{}", out.stderr);
    }
}

#[test]
fn a_symlink_to_the_parent_or_outside_is_refused_naming_it() {
    let t = Target::rclone("badlink");
    for target in ["..", "../..", "/etc/passwd", "/"] {
        let dir = tree(&[("a-1a2b3c4d5e.js", b"1")]);
        std::os::unix::fs::symlink(target, dir.path().join("up")).unwrap();
        let d = dir.path().to_str().unwrap();
        refused_before_any_request(&t, &["upload", d], "up");
    }
}
