//! Asset-pipeline manifests: which files the release needs, and which names are digested.
//!
//! Read from the asset directory:
//!
//! | pipeline              | file (relative to DIR)                                  | files named                          |
//! |-----------------------|---------------------------------------------------------|--------------------------------------|
//! | Sprockets 3/4         | `.sprockets-manifest-<32 hex>.json`, legacy `manifest-<32 hex>.json` | every key of `files`     |
//! | Propshaft             | `.manifest.json` (`{logical: digested}` or `{logical: {digested_path}}`) | the digested paths |
//! | Webpacker/Shakapacker | `manifest.json` (URL paths; `entrypoints`)              | every path, URL prefix removed       |
//! | Vite (vite_ruby)      | `.vite/manifest.json`, `.vite/manifest-assets.json` (older: top level) | `file`, `css[]`, `assets[]` |
//!
//! A top-level `manifest.json` is read as Webpacker's or Vite's only when its shape says so;
//! anything else with that name (a web app manifest) is an ordinary file.

use std::collections::BTreeMap;

use serde_json::Value;

/// Which pipeline wrote a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Sprockets,
    Propshaft,
    Webpacker,
    Vite,
}

/// A parsed manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest's own path, relative to DIR.
    pub rel: String,
    pub kind: Kind,
    /// Files it names (relative to DIR) -> whether the manifest says the name is digested.
    pub entries: BTreeMap<String, bool>,
}

/// What a path looks like before reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Candidate {
    Sprockets,
    Propshaft,
    Vite,
    /// A top-level `manifest.json`: Webpacker, Vite, or not a manifest at all.
    Sniff,
}

fn candidate(rel: &str) -> Option<Candidate> {
    let is_hex32 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match rel {
        ".manifest.json" => return Some(Candidate::Propshaft),
        ".vite/manifest.json" | ".vite/manifest-assets.json" | "manifest-assets.json" => {
            return Some(Candidate::Vite);
        }
        "manifest.json" => return Some(Candidate::Sniff),
        _ => {}
    }
    if rel.contains('/') {
        return None;
    }
    let hex = rel
        .strip_prefix(".sprockets-manifest-")
        .or_else(|| rel.strip_prefix("manifest-"))
        .and_then(|r| r.strip_suffix(".json"))?;
    is_hex32(hex).then_some(Candidate::Sprockets)
}

/// Whether `rel` may be a manifest (to read before planning the upload).
pub fn may_be_manifest(rel: &str) -> bool {
    candidate(rel).is_some()
}

/// Parses the manifest at `rel` with contents `bytes`. `dir_name` is the asset directory's
/// own name (`packs`), used to turn Webpacker's URL paths (`/packs/js/a.js`) into paths
/// relative to it. `Ok(None)`: a top-level `manifest.json` that is not a pipeline manifest.
pub fn parse(rel: &str, bytes: &[u8], dir_name: &str) -> Result<Option<Manifest>, String> {
    let Some(cand) = candidate(rel) else {
        return Ok(None);
    };
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) if cand == Candidate::Sniff => {
            let _ = e;
            return Ok(None);
        }
        Err(e) => return Err(format!("not valid JSON: {e}")),
    };
    let Value::Object(map) = value else {
        return match cand {
            Candidate::Sniff => Ok(None),
            _ => Err("expected a JSON object at the top level".to_owned()),
        };
    };
    let mut entries = BTreeMap::new();
    let kind = match cand {
        Candidate::Sprockets => {
            let files = match map.get("files") {
                Some(Value::Object(files)) => files,
                Some(_) => return Err("\"files\" is not an object".to_owned()),
                None => return Err("no \"files\" object (not a Sprockets manifest)".to_owned()),
            };
            for key in files.keys() {
                entries.insert(clean_path(key)?, true);
            }
            Kind::Sprockets
        }
        Candidate::Propshaft => {
            for (logical, v) in &map {
                let digested = match v {
                    Value::String(s) => s.as_str(),
                    Value::Object(o) => match o.get("digested_path") {
                        Some(Value::String(s)) => s.as_str(),
                        _ => {
                            return Err(format!(
                                "entry {logical:?} has no \"digested_path\" string"
                            ));
                        }
                    },
                    _ => {
                        return Err(format!(
                            "entry {logical:?} is neither a string nor an object"
                        ));
                    }
                };
                entries.insert(clean_path(digested)?, true);
            }
            Kind::Propshaft
        }
        Candidate::Vite => {
            read_vite(&map, &mut entries)?;
            Kind::Vite
        }
        Candidate::Sniff => {
            if looks_like_vite(&map) {
                read_vite(&map, &mut entries)?;
                Kind::Vite
            } else if looks_like_webpacker(&map) {
                for (key, v) in &map {
                    if key == "entrypoints" {
                        collect_strings(v, &mut |s| {
                            entries.insert(clean_path(&url_to_rel(s, dir_name))?, false);
                            Ok(())
                        })?;
                    } else if let Value::String(s) = v {
                        entries.insert(clean_path(&url_to_rel(s, dir_name))?, false);
                    }
                }
                Kind::Webpacker
            } else {
                return Ok(None);
            }
        }
    };
    Ok(Some(Manifest {
        rel: rel.to_owned(),
        kind,
        entries,
    }))
}

fn looks_like_vite(map: &serde_json::Map<String, Value>) -> bool {
    !map.is_empty()
        && map
            .values()
            .all(|v| matches!(v.get("file"), Some(Value::String(_))))
}

fn looks_like_webpacker(map: &serde_json::Map<String, Value>) -> bool {
    let mut paths = 0;
    for (key, v) in map {
        match (key.as_str(), v) {
            ("entrypoints", Value::Object(_)) => {}
            (_, Value::String(s)) if s.starts_with('/') || s.contains("://") => paths += 1,
            _ => return false,
        }
    }
    paths > 0
}

fn read_vite(
    map: &serde_json::Map<String, Value>,
    entries: &mut BTreeMap<String, bool>,
) -> Result<(), String> {
    for (name, chunk) in map {
        let Value::Object(chunk) = chunk else {
            return Err(format!("chunk {name:?} is not an object"));
        };
        match chunk.get("file") {
            Some(Value::String(f)) => {
                entries.insert(clean_path(f)?, true);
            }
            _ => return Err(format!("chunk {name:?} has no \"file\" string")),
        }
        for list in ["css", "assets"] {
            match chunk.get(list) {
                None => {}
                Some(Value::Array(items)) => {
                    for item in items {
                        let Value::String(f) = item else {
                            return Err(format!("chunk {name:?}: \"{list}\" holds a non-string"));
                        };
                        entries.insert(clean_path(f)?, true);
                    }
                }
                Some(_) => return Err(format!("chunk {name:?}: \"{list}\" is not a list")),
            }
        }
    }
    Ok(())
}

fn collect_strings(v: &Value, f: &mut dyn FnMut(&str) -> Result<(), String>) -> Result<(), String> {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().try_for_each(|i| collect_strings(i, f)),
        Value::Object(map) => map.values().try_for_each(|i| collect_strings(i, f)),
        _ => Ok(()),
    }
}

/// `/packs/js/a.js` or `https://cdn.example.com/packs/js/a.js` -> `js/a.js` for DIR `packs`.
fn url_to_rel(url: &str, dir_name: &str) -> String {
    let mut s = url;
    if let Some(i) = s.find("://") {
        s = &s[i + 3..];
        s = s.find('/').map_or("", |j| &s[j..]);
    }
    let s = s.split(['?', '#']).next().unwrap_or("");
    let s = s.trim_start_matches('/');
    match s.strip_prefix(dir_name).and_then(|r| r.strip_prefix('/')) {
        Some(rest) if !dir_name.is_empty() => rest.to_owned(),
        _ => s.to_owned(),
    }
}

/// A manifest path must stay inside DIR: relative, no `..`, no backslash, no empty segment;
/// and be one line (no control character), like the file names `scan` accepts.
fn clean_path(p: &str) -> Result<String, String> {
    let bad = p.is_empty()
        || p.starts_with('/')
        || p.contains('\\')
        || p.split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..");
    if bad {
        return Err(format!(
            "names a path that escapes the asset directory: {p:?}"
        ));
    }
    if p.chars().any(char::is_control) {
        return Err(format!("names a path with a control character: {p:?}"));
    }
    Ok(p.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/manifests/",
                $name
            ))
        };
    }

    fn parse_ok(rel: &str, bytes: &[u8], dir: &str) -> Manifest {
        parse(rel, bytes, dir).unwrap().expect("a manifest")
    }

    #[test]
    fn sprockets4_amica_names_every_file_including_history() {
        let m = parse_ok(
            ".sprockets-manifest-12c9b66b558eb0461b964cf34538b4e5.json",
            fixture!("sprockets4-amica.json"),
            "assets",
        );
        assert_eq!(m.kind, Kind::Sprockets);
        assert_eq!(m.entries.len(), 41);
        assert!(
            m.entries
                .keys()
                .any(|k| k.starts_with("active_admin/print-"))
        );
        assert!(m.entries.values().all(|d| *d));
    }

    #[test]
    fn sprockets3_dlpcurate_reads_all_317() {
        let m = parse_ok(
            ".sprockets-manifest-46ae4ad268517fea90fb48b719ecb78c.json",
            fixture!("sprockets3-dlpcurate.json"),
            "assets",
        );
        assert_eq!(m.entries.len(), 317);
        assert!(
            m.entries
                .keys()
                .any(|k| k.starts_with("unique-filename/coverage/sort-arrow-sprite-"))
        );
    }

    #[test]
    fn propshaft_both_formats() {
        let new = parse_ok(
            ".manifest.json",
            fixture!("propshaft-calcumake.json"),
            "assets",
        );
        assert_eq!(new.kind, Kind::Propshaft);
        assert_eq!(new.entries.len(), 142);
        assert!(new.entries.contains_key("application-56936b4e.css"));
        let old = parse_ok(
            ".manifest.json",
            fixture!("propshaft-legacy-identityreporting.json"),
            "assets",
        );
        assert_eq!(old.entries.len(), 23);
        assert!(old.entries.contains_key("manifest-c8186244.json"));
        assert!(old.entries.contains_key("email.css-637409d3.scss"));
    }

    #[test]
    fn webpacker_5_and_6() {
        let five = parse_ok(
            "manifest.json",
            fixture!("webpacker5-chatwoot.json"),
            "packs",
        );
        assert_eq!(five.kind, Kind::Webpacker);
        assert_eq!(five.entries.len(), 63);
        assert!(five.entries.contains_key("js/sdk.js"));
        assert!(five.entries.contains_key("encoderWorker.min.js"));
        assert!(
            five.entries
                .keys()
                .all(|k| !k.starts_with('/') && !k.starts_with("packs/"))
        );
        let six = parse_ok(
            "manifest.json",
            fixture!("webpacker6-prsdigg.json"),
            "packs",
        );
        assert_eq!(six.entries.len(), 586);
        assert_eq!(
            six.entries.keys().filter(|k| k.ends_with(".br")).count(),
            181
        );
        assert_eq!(
            six.entries.keys().filter(|k| k.ends_with(".gz")).count(),
            179
        );
    }

    #[test]
    fn vite_manifests() {
        let canopy = parse_ok(".vite/manifest.json", fixture!("vite5-canopy.json"), "vite");
        assert_eq!(canopy.kind, Kind::Vite);
        assert_eq!(canopy.entries.len(), 17);
        assert!(
            canopy
                .entries
                .contains_key("assets/на высоте-D40gn2ZI.jpeg")
        );
        let assets = parse_ok(
            ".vite/manifest-assets.json",
            fixture!("vite5-canopy.manifest-assets.json"),
            "vite",
        );
        assert_eq!(assets.entries.len(), 11);
        let chatwoot = parse_ok(
            ".vite/manifest.json",
            fixture!("vite5-chatwoot.json"),
            "vite",
        );
        assert_eq!(chatwoot.entries.len(), 245);
        let empty = parse_ok(
            ".vite/manifest-assets.json",
            fixture!("vite5-chatwoot.manifest-assets.json"),
            "vite",
        );
        assert!(empty.entries.is_empty());
    }

    #[test]
    fn a_web_app_manifest_is_not_a_pipeline_manifest() {
        let pwa = br#"{"name":"Shop","start_url":"/","icons":[{"src":"/icon.png"}]}"#;
        assert_eq!(parse("manifest.json", pwa, "assets").unwrap(), None);
        assert_eq!(parse("manifest.json", b"not json", "assets").unwrap(), None);
    }

    #[test]
    fn a_dot_manifest_that_is_not_json_is_an_error() {
        let err = parse(".manifest.json", b"{oops", "assets").unwrap_err();
        assert!(err.starts_with("not valid JSON"), "{err}");
    }

    #[test]
    fn escaping_paths_are_refused() {
        for bad in [
            r#"{"a.js":"../../etc/passwd"}"#,
            r#"{"a.js":"/etc/passwd"}"#,
            r#"{"a.js":"a\\b.js"}"#,
        ] {
            let err = parse(".manifest.json", bad.as_bytes(), "assets").unwrap_err();
            assert!(err.contains("escapes"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_path_with_a_control_character_is_refused() {
        let err = parse(
            ".manifest.json",
            br#"{"a.js":"a\nb-1a2b3c4d.js"}"#,
            "assets",
        )
        .unwrap_err();
        assert!(
            err.contains("control character") && !err.contains('\n'),
            "{err:?}"
        );
    }

    #[test]
    fn names_are_recognised() {
        assert!(may_be_manifest(
            ".sprockets-manifest-12c9b66b558eb0461b964cf34538b4e5.json"
        ));
        assert!(may_be_manifest(
            "manifest-12c9b66b558eb0461b964cf34538b4e5.json"
        ));
        assert!(!may_be_manifest("manifest-c8186244.json"));
        assert!(!may_be_manifest("admin/.manifest.json"));
        assert!(may_be_manifest(".vite/manifest.json"));
    }

    #[test]
    fn urls_become_relative_paths() {
        assert_eq!(url_to_rel("/packs/js/a.js", "packs"), "js/a.js");
        assert_eq!(
            url_to_rel("https://cdn.example.com/packs/js/a.js?x=1", "packs"),
            "js/a.js"
        );
        assert_eq!(url_to_rel("/packs-test/a.js", "packs"), "packs-test/a.js");
    }
}
