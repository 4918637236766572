//! Fuzzing the manifest parsers (Sprockets, Propshaft, Webpacker/Shakapacker, Vite) with
//! proptest, inside `cargo test` and bounded in time: every case is at most a few KiB of
//! generated input (or one real manifest, mutated), and each test runs a fixed number of
//! cases (`PROPTEST_CASES` overrides it, for a longer run by hand).
//!
//! Whatever the bytes, `manifest::parse` must not panic, and must answer one of:
//! - `Ok(None)`: not a pipeline manifest (only a top-level `manifest.json` may say so);
//! - `Ok(Some(m))`: every file it names is a clean relative path inside the asset directory
//!   (no `..` or `.` segment, no empty segment, no leading `/`, no backslash, no control
//!   character), since these names decide which files are uploaded and how;
//! - `Err(message)`: one non-empty line (it becomes `error: failed to parse manifest ...`).

use std::path::Path;

use asset_sync::manifest::{self, Manifest};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

/// Every name the parser treats as a manifest, and one it does not.
const NAMES: [&str; 8] = [
    ".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
    "manifest-0123456789abcdef0123456789abcdef.json",
    ".manifest.json",
    "manifest.json",
    ".vite/manifest.json",
    ".vite/manifest-assets.json",
    "manifest-assets.json",
    "application-1a2b3c4d.js",
];

/// The real manifests in tests/fixtures/manifests, each with a name it is read under.
const FIXTURES: [(&str, &str); 10] = [
    (
        "sprockets4-amica.json",
        ".sprockets-manifest-12c9b66b558eb0461b964cf34538b4e5.json",
    ),
    (
        "sprockets3-dlpcurate.json",
        ".sprockets-manifest-46ae4ad268517fea90fb48b719ecb78c.json",
    ),
    ("propshaft-calcumake.json", ".manifest.json"),
    ("propshaft-legacy-identityreporting.json", ".manifest.json"),
    ("webpacker5-chatwoot.json", "manifest.json"),
    ("webpacker6-prsdigg.json", "manifest.json"),
    ("vite5-canopy.json", ".vite/manifest.json"),
    (
        "vite5-canopy.manifest-assets.json",
        ".vite/manifest-assets.json",
    ),
    ("vite5-chatwoot.json", ".vite/manifest.json"),
    (
        "vite5-chatwoot.manifest-assets.json",
        ".vite/manifest-assets.json",
    ),
];

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = n;
    }
    config
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/manifests")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path a manifest may name, as the uploader needs it.
fn is_clean(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// The property every parse must have.
fn check(rel: &str, bytes: &[u8], dir_name: &str) -> Result<Option<Manifest>, TestCaseError> {
    match manifest::parse(rel, bytes, dir_name) {
        Ok(None) => {
            prop_assert!(
                rel == "manifest.json" || !manifest::may_be_manifest(rel),
                "only a top-level manifest.json may turn out not to be a manifest: {rel}"
            );
            Ok(None)
        }
        Ok(Some(m)) => {
            prop_assert_eq!(&m.rel, rel);
            for name in m.entries.keys() {
                prop_assert!(is_clean(name), "{rel} names an unclean path {name:?}");
            }
            Ok(Some(m))
        }
        Err(e) => {
            prop_assert!(!e.trim().is_empty(), "{rel}: empty error");
            prop_assert!(
                !e.contains(['\n', '\r']),
                "{rel}: the error is not one line: {e:?}"
            );
            Ok(None)
        }
    }
}

/// Path-like strings, hostile ones over-represented.
fn path_like() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        24 => "[a-z0-9_-]{1,8}(\\.[a-z0-9]{1,4})?",
        2 => "\\.{1,3}[a-z0-9]{1,4}",
        1 => Just("..".to_owned()),
        1 => Just(".".to_owned()),
        1 => Just(String::new()),
        1 => Just("..\\..".to_owned()),
        1 => Just("%2e%2e".to_owned()),
        1 => "\\PC{1,6}",
    ];
    let joined = prop::collection::vec(segment, 1..5).prop_map(|s| s.join("/"));
    prop_oneof![
        16 => joined.clone(),
        1 => joined.clone().prop_map(|p| format!("/{p}")),
        1 => joined.clone().prop_map(|p| format!("/packs/{p}")),
        1 => joined.clone().prop_map(|p| format!("https://cdn.example.com/packs/{p}?v=1#x")),
        1 => joined.prop_map(|p| p.replace('/', "\\")),
        1 => "\\PC{0,12}",
        1 => any::<String>(),
    ]
}

/// Keys a parser looks for, among random ones.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "files", "assets", "entrypoints", "file", "css", "js", "digested_path", "src",
            "isEntry", "imports", "application.js", "integrity", "mtime", "size",
        ])
        .prop_map(str::to_owned),
        2 => path_like(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        path_like().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A manifest of the right shape for `rel`'s pipeline, with hostile paths and stray fields.
fn shaped(kind: usize) -> BoxedStrategy<Value> {
    let paths = || prop::collection::vec(path_like(), 0..6);
    match kind {
        // Sprockets: {"files": {path: {...}}, "assets": {logical: path}}
        0 => (paths(), paths(), json_value())
            .prop_map(|(files, assets, extra)| {
                let files: Map<_, _> = files
                    .into_iter()
                    .map(|f| (f, serde_json::json!({"logical_path": "a.js", "size": 1})))
                    .collect();
                let assets: Map<_, _> = assets
                    .into_iter()
                    .map(|a| (a.clone(), Value::String(a)))
                    .collect();
                serde_json::json!({"files": files, "assets": assets, "extra": extra})
            })
            .boxed(),
        // Propshaft: {logical: digested} or {logical: {"digested_path": digested}}
        1 => prop::collection::vec((path_like(), path_like(), any::<bool>()), 0..8)
            .prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(logical, digested, nested)| {
                            let v = if nested {
                                serde_json::json!({"digested_path": digested, "integrity": null})
                            } else {
                                Value::String(digested)
                            };
                            (logical, v)
                        })
                        .collect(),
                )
            })
            .boxed(),
        // Webpacker: {name: "/packs/..."} plus "entrypoints": {name: {"assets": {"js": [...]}}}
        2 => (
            prop::collection::vec((key(), path_like()), 1..8),
            paths(),
        )
            .prop_map(|(entries, entry_js)| {
                let mut map: Map<_, _> = entries
                    .into_iter()
                    .map(|(k, p)| {
                        let v = if p.starts_with('/') || p.contains("://") {
                            p
                        } else {
                            format!("/packs/{p}")
                        };
                        (k, Value::String(v))
                    })
                    .collect();
                map.insert(
                    "entrypoints".into(),
                    serde_json::json!({"application": {"assets": {"js": entry_js}}}),
                );
                Value::Object(map)
            })
            .boxed(),
        // Vite: {chunk: {"file": path, "css": [...], "assets": [...]}}
        _ => prop::collection::vec((key(), path_like(), paths(), paths()), 0..6)
            .prop_map(|chunks| {
                Value::Object(
                    chunks
                        .into_iter()
                        .map(|(name, file, css, assets)| {
                            (
                                name,
                                serde_json::json!({"file": file, "css": css, "assets": assets, "isEntry": true}),
                            )
                        })
                        .collect(),
                )
            })
            .boxed(),
    }
}

/// One edit to a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, &'static [u8]),
    Duplicate(Index, usize),
    Truncate(Index),
}

/// Tokens that change JSON structure or plant a hostile path.
const TOKENS: [&[u8]; 16] = [
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"\"../../etc/passwd\"",
    b"\"/etc/passwd\"",
    b"\"a\\\\b.js\"",
    b"\"\\u0000\"",
    b"1e999",
    b"-0",
    b"\"\\ud800\"",
    b"\xff\xfe",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), prop::sample::select(TOKENS.to_vec()))
            .prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<Index>(), 1usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    let at = i.index(len);
                    bytes[at] ^= b | 1;
                }
            }
            Mutation::Delete(i, n) => {
                let at = i.index(len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Insert(i, t) => {
                let at = i.index(len + 1).min(bytes.len());
                bytes.splice(at..at, t.iter().copied());
            }
            Mutation::Duplicate(i, n) => {
                let at = i.index(len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(len)),
        }
    }
    bytes
}

fn dir_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["assets", "packs", "vite"]).prop_map(str::to_owned),
        1 => "[a-z./]{0,8}",
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any bytes under any manifest name.
    #[test]
    fn arbitrary_bytes(
        rel in prop::sample::select(NAMES.to_vec()),
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        dir in dir_name(),
    ) {
        check(rel, &bytes, &dir)?;
    }

    /// Any JSON document under any manifest name.
    #[test]
    fn arbitrary_json(
        rel in prop::sample::select(NAMES.to_vec()),
        value in json_value(),
        dir in dir_name(),
    ) {
        check(rel, value.to_string().as_bytes(), &dir)?;
    }

    /// Manifests of each pipeline's shape, with hostile paths: parsed, or refused in one line.
    #[test]
    fn shaped_manifests_with_hostile_paths(
        (rel, value) in (0usize..4).prop_flat_map(|kind| {
            let rel = match kind {
                0 => NAMES[0],
                1 => ".manifest.json",
                2 => "manifest.json",
                _ => ".vite/manifest.json",
            };
            (Just(rel), shaped(kind))
        }),
        dir in dir_name(),
    ) {
        check(rel, value.to_string().as_bytes(), &dir)?;
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Real manifests from public apps, mutated a few times.
    #[test]
    fn mutated_real_manifests(
        (file, rel) in prop::sample::select(FIXTURES.to_vec()),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        let dir = if rel == "manifest.json" { "packs" } else { "assets" };
        check(rel, &mutate(fixture(file), &mutations), dir)?;
    }
}

/// One edit to a parsed manifest: a node replaced, or an object key renamed.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, Value),
    Rename(Index, Index, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), path_like().prop_map(Value::String))
            .prop_map(|(i, v)| Edit::Replace(i, v)),
        (any::<Index>(), json_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
        (any::<Index>(), any::<Index>(), path_like())
            .prop_map(|(o, k, name)| Edit::Rename(o, k, name)),
    ]
}

/// JSON pointers to every node of `v` (the root is `""`).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn apply(mut value: Value, edits: &[Edit]) -> Value {
    for e in edits {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        match e {
            Edit::Replace(i, new) => {
                let at = &all[i.index(all.len())];
                *value.pointer_mut(at).expect("a pointer into the value") = new.clone();
            }
            Edit::Rename(o, k, name) => {
                let objects: Vec<&String> = all
                    .iter()
                    .filter(|p| {
                        value
                            .pointer(p)
                            .is_some_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
                    })
                    .collect();
                if objects.is_empty() {
                    continue;
                }
                let at = objects[o.index(objects.len())].clone();
                let map = value
                    .pointer_mut(&at)
                    .and_then(Value::as_object_mut)
                    .expect("an object");
                let old = map.keys().nth(k.index(map.len())).expect("a key").clone();
                let v = map.remove(&old).expect("the value");
                map.insert(name.clone(), v);
            }
        }
    }
    value
}

proptest! {
    #![proptest_config(cases(64))]

    /// Real manifests from public apps with a few nodes replaced or keys renamed: the
    /// structure stays mostly valid, so the parser's deeper paths are reached.
    #[test]
    fn real_manifests_with_edited_nodes(
        (file, rel) in prop::sample::select(FIXTURES.to_vec()),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let value: Value = serde_json::from_slice(&fixture(file)).expect("a fixture is JSON");
        let dir = if rel == "manifest.json" { "packs" } else { "vite" };
        check(rel, apply(value, &edits).to_string().as_bytes(), dir)?;
    }
}

/// Each real manifest, unmutated, parses (the fuzzing above starts from valid input).
#[test]
fn every_fixture_parses() {
    for (file, rel) in FIXTURES {
        let dir = if rel == "manifest.json" {
            "packs"
        } else {
            "vite"
        };
        let parsed = check(rel, &fixture(file), dir).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(parsed.is_some(), "{file} is not read as a manifest");
    }
}

/// Nesting far deeper than any manifest: refused (or, for a top-level manifest.json, "not a
/// manifest"), never a stack overflow.
#[test]
fn deep_nesting_is_refused_not_a_crash() {
    for depth in [127usize, 128, 129, 10_000, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let doc = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            for rel in NAMES {
                check(rel, doc.as_bytes(), "assets")
                    .unwrap_or_else(|e| panic!("{rel} at depth {depth}: {e}"));
            }
        }
    }
}
