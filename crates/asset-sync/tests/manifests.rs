//! Trees rebuilt from real manifests written by public apps (tests/fixtures/manifests), with
//! each manifest back under its original name and place: the binary must find every file it
//! names, classify them, and refuse a tree where a named file is missing.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::Target;
use serde_json::Value;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/manifests")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Files a manifest names, worked out here independently of the parser under test.
fn referenced(kind: &str, json: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match kind {
        "sprockets" => out.extend(json["files"].as_object().unwrap().keys().cloned()),
        "propshaft" => {
            for v in json.as_object().unwrap().values() {
                let p = v.as_str().or_else(|| v["digested_path"].as_str()).unwrap();
                out.insert(p.to_owned());
            }
        }
        "webpacker" => {
            fn leaves(v: &Value, out: &mut BTreeSet<String>) {
                match v {
                    Value::String(s) => {
                        out.insert(s.trim_start_matches("/packs/").to_owned());
                    }
                    Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
                    Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
                    _ => {}
                }
            }
            leaves(json, &mut out);
        }
        "vite" => {
            for chunk in json.as_object().unwrap().values() {
                out.insert(chunk["file"].as_str().unwrap().to_owned());
                for list in ["css", "assets"] {
                    for f in chunk[list].as_array().into_iter().flatten() {
                        out.insert(f.as_str().unwrap().to_owned());
                    }
                }
            }
        }
        _ => unreachable!(),
    }
    out
}

/// Builds `public/<dir>` with every named file (minus `skip`) and the manifests in place.
fn build(
    dir: &str,
    manifests: &[(&str, &str)],
    kind: &str,
    skip: Option<&str>,
) -> (tempfile::TempDir, PathBuf, BTreeSet<String>) {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("public").join(dir);
    let mut named = BTreeSet::new();
    for (fixture_name, place) in manifests {
        let bytes = fixture(fixture_name);
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        named.extend(referenced(kind, &json));
        let path = base.join(place);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    for rel in &named {
        if skip.is_some_and(|s| rel.contains(s)) {
            continue;
        }
        let path = base.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("content of {rel}")).unwrap();
    }
    (root, base, named)
}

fn planned(t: &Target, dir: &Path) -> Vec<Value> {
    let out = t.upload(dir, None, &["--dry-run", "--compressed", "companion"]);
    out.assert_success().json()["planned"]
        .as_array()
        .unwrap()
        .clone()
}

fn check_case(dir: &str, manifests: &[(&str, &str)], kind: &str, all_immutable: bool) {
    let t = Target::rclone(kind);
    let (_root, base, named) = build(dir, manifests, kind, None);
    let plan = planned(&t, &base);
    let keys: BTreeSet<String> = plan
        .iter()
        .map(|p| {
            p["key"]
                .as_str()
                .unwrap()
                .strip_prefix("assets/")
                .unwrap()
                .to_owned()
        })
        .collect();
    for rel in &named {
        assert!(keys.contains(rel), "{kind}: {rel} not planned");
    }
    for (_, place) in manifests {
        let m = plan
            .iter()
            .find(|p| p["key"] == format!("assets/{place}"))
            .unwrap();
        assert_ne!(
            m["cache_control"], IMMUTABLE,
            "{place} is a manifest, not immutable"
        );
    }
    // Manifests come after every asset.
    let first_manifest = plan
        .iter()
        .position(|p| {
            manifests
                .iter()
                .any(|(_, place)| p["key"] == format!("assets/{place}"))
        })
        .unwrap();
    assert_eq!(first_manifest, plan.len() - manifests.len());
    if all_immutable {
        for p in plan
            .iter()
            .filter(|p| named.contains(p["key"].as_str().unwrap().strip_prefix("assets/").unwrap()))
        {
            assert_eq!(p["cache_control"], IMMUTABLE, "{}", p["key"]);
        }
    }
}

#[test]
fn sprockets4_amica() {
    check_case(
        "assets",
        &[(
            "sprockets4-amica.json",
            ".sprockets-manifest-12c9b66b558eb0461b964cf34538b4e5.json",
        )],
        "sprockets",
        true,
    );
}

#[test]
fn propshaft_current_and_legacy() {
    check_case(
        "assets",
        &[("propshaft-calcumake.json", ".manifest.json")],
        "propshaft",
        true,
    );
    check_case(
        "assets",
        &[("propshaft-legacy-identityreporting.json", ".manifest.json")],
        "propshaft",
        true,
    );
}

#[test]
fn webpacker5_and_6() {
    check_case(
        "packs",
        &[("webpacker5-chatwoot.json", "manifest.json")],
        "webpacker",
        false,
    );
    check_case(
        "packs",
        &[("webpacker6-prsdigg.json", "manifest.json")],
        "webpacker",
        false,
    );
}

#[test]
fn webpacker_unhashed_entries_are_mutable_and_hashed_ones_immutable() {
    let t = Target::rclone("wp-classes");
    let (_root, base, _) = build(
        "packs",
        &[("webpacker5-chatwoot.json", "manifest.json")],
        "webpacker",
        None,
    );
    let plan = planned(&t, &base);
    let cache = |rel: &str| {
        plan.iter()
            .find(|p| p["key"] == format!("assets/{rel}"))
            .unwrap()["cache_control"]
            .clone()
    };
    assert_ne!(cache("js/sdk.js"), IMMUTABLE);
    assert_ne!(cache("encoderWorker.min.js"), IMMUTABLE);
    assert_eq!(cache("js/application-7accec684b8faf0f2567.js"), IMMUTABLE);
    assert_eq!(cache("css/application-fcabf52c.css"), IMMUTABLE);
}

#[test]
fn vite5_canopy_and_chatwoot() {
    check_case(
        "vite",
        &[
            ("vite5-canopy.json", ".vite/manifest.json"),
            (
                "vite5-canopy.manifest-assets.json",
                ".vite/manifest-assets.json",
            ),
        ],
        "vite",
        true,
    );
    check_case(
        "vite",
        &[
            ("vite5-chatwoot.json", ".vite/manifest.json"),
            (
                "vite5-chatwoot.manifest-assets.json",
                ".vite/manifest-assets.json",
            ),
        ],
        "vite",
        true,
    );
}

#[test]
fn a_cyrillic_name_with_a_space_lands_under_the_right_key() {
    let t = Target::rclone("cyrillic");
    let (_root, base, _) = build(
        "vite",
        &[
            ("vite5-canopy.json", ".vite/manifest.json"),
            (
                "vite5-canopy.manifest-assets.json",
                ".vite/manifest-assets.json",
            ),
        ],
        "vite",
        None,
    );
    t.upload(&base, None, &[]).assert_success();
    let key = "assets/assets/на высоте-D40gn2ZI.jpeg";
    assert_eq!(
        t.probe.get(&t.bucket, key),
        "content of assets/на высоте-D40gn2ZI.jpeg".as_bytes()
    );
    assert_eq!(
        t.probe
            .head(&t.bucket, key)
            .unwrap()
            .content_type
            .as_deref(),
        Some("image/jpeg")
    );
}

/// The real dlp-curate tree lacks one file its manifest names (the app's .gitignore ignores
/// `coverage`): the upload must stop before any request, naming it.
#[test]
fn sprockets3_dlpcurate_with_its_real_missing_file_fails_before_any_write() {
    let t = Target::rclone("dlpcurate");
    let manifest = [(
        "sprockets3-dlpcurate.json",
        ".sprockets-manifest-46ae4ad268517fea90fb48b719ecb78c.json",
    )];
    let (_root, base, named) = build(
        "assets",
        &manifest,
        "sprockets",
        Some("unique-filename/coverage/sort-arrow-sprite-"),
    );
    assert_eq!(named.len(), 317);
    let out = t.upload(&base, None, &[]);
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("names 1 file(s) missing")
            && lines[0].contains("unique-filename/coverage/sort-arrow-sprite-"),
        "{lines:?}"
    );
    assert!(t.keys().is_empty());

    // With the file back, all 317 land.
    let (_root2, base2, _) = build("assets", &manifest, "sprockets", None);
    let out = t.upload(&base2, None, &[]);
    assert_eq!(out.assert_success().json()["uploaded"], 318);
}
