//! What to write: the objects a release needs (from the local files, manifests and the
//! compression mode), and for each one whether the bucket already has it.
//!
//! Pure functions over plain data, so every rule is unit-tested without a server.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::classify::{Class, Classifier, companion_base};
use crate::cli::CompressedMode;
use crate::headers::Headers;
use crate::manifest::Manifest;
use crate::scan::LocalFile;

/// One object the release needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSpec {
    /// Key suffix (the key is prefix + rel).
    pub rel: String,
    /// Index into the scanned files of the file whose bytes are written.
    pub source: usize,
    pub class: Class,
    pub headers: Headers,
}

/// Settings the object list depends on.
#[derive(Clone, Debug)]
pub struct SpecSettings<'a> {
    pub compressed: CompressedMode,
    pub mutable_cache_control: &'a str,
}

/// Builds the object list. Manifests come last; everything else is sorted by key.
pub fn objects(
    files: &[LocalFile],
    manifests: &[Manifest],
    classifier: &Classifier,
    settings: &SpecSettings<'_>,
) -> Vec<ObjectSpec> {
    let index: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.rel.as_str(), i))
        .collect();
    let manifest_rels: BTreeSet<&str> = manifests.iter().map(|m| m.rel.as_str()).collect();
    let mut named: BTreeMap<&str, bool> = BTreeMap::new();
    for m in manifests {
        for (rel, digested) in &m.entries {
            let d = named.entry(rel.as_str()).or_insert(false);
            *d |= *digested;
        }
    }
    let digested = |rel: &str| named.get(rel).copied().unwrap_or(false);

    // In `replace` mode, the compressed bytes chosen for each base file (.gz preferred).
    let mut replacement: HashMap<&str, (usize, &'static str)> = HashMap::new();
    if settings.compressed == CompressedMode::Replace {
        for (i, f) in files.iter().enumerate() {
            if let Some((base, enc)) = companion_base(&f.rel)
                && index.contains_key(base)
            {
                let better = match replacement.get(base) {
                    None => true,
                    Some((_, existing)) => *existing == "br" && enc == "gzip",
                };
                if better {
                    replacement.insert(base, (i, enc));
                }
            }
        }
    }

    let mut out = Vec::with_capacity(files.len());
    let mut last = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let rel = f.rel.as_str();
        let is_manifest = manifest_rels.contains(rel);
        let class = classifier.class(rel, is_manifest, digested(rel));
        let companion = companion_base(rel).filter(|(base, _)| index.contains_key(base));
        let spec = match companion {
            Some((base, encoding)) => {
                let keep = match settings.compressed {
                    CompressedMode::Companion => true,
                    // Named by a manifest: the app may link to it, so it is a file of its own.
                    CompressedMode::Replace | CompressedMode::Skip => named.contains_key(rel),
                };
                if !keep {
                    continue;
                }
                ObjectSpec {
                    rel: rel.to_owned(),
                    source: i,
                    class,
                    headers: Headers::new(
                        base,
                        class,
                        Some(encoding),
                        settings.mutable_cache_control,
                    ),
                }
            }
            None => {
                let (source, encoding) = match replacement.get(rel) {
                    Some((j, enc)) => (*j, Some(*enc)),
                    None => (i, None),
                };
                ObjectSpec {
                    rel: rel.to_owned(),
                    source,
                    class,
                    headers: Headers::new(rel, class, encoding, settings.mutable_cache_control),
                }
            }
        };
        if is_manifest {
            last.push(spec);
        } else {
            out.push(spec);
        }
    }
    out.extend(last);
    out
}

/// What the bucket holds for a key, from one listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteObject {
    pub size: u64,
    pub etag: Option<String>,
    /// Seconds since the Unix epoch.
    pub last_modified: Option<i64>,
}

/// Why an object is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Not in the bucket.
    New,
    /// A mutable object whose content differs.
    Changed,
    /// An immutable object present with another size: a broken earlier upload.
    SizeMismatch,
    /// Remote state ignored (`ASSET_SYNC_EXISTING_REMOTE_FILES=ignore`).
    Forced,
}

/// What to do with one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Upload(Reason),
    /// Present and correct.
    Skip,
    /// Mutable, same size: compare content (read the remote object's recorded SHA-256).
    Check,
}

/// Decides from the listing alone: an immutable object present with the same size is never
/// sent again; a mutable one of the same size needs a content check.
pub fn decide(class: Class, size: u64, remote: Option<&RemoteObject>) -> Decision {
    match (class, remote) {
        (_, None) => Decision::Upload(Reason::New),
        (Class::Immutable, Some(r)) if r.size == size => Decision::Skip,
        (Class::Immutable, Some(_)) => Decision::Upload(Reason::SizeMismatch),
        (_, Some(r)) if r.size != size => Decision::Upload(Reason::Changed),
        (_, Some(_)) => Decision::Check,
    }
}

/// Whether an S3 ETag is a plain MD5 of the body (not multipart, not SSE-KMS/SSE-C, where the
/// ETag is something else and content must be compared another way).
pub fn etag_md5(etag: &str) -> Option<String> {
    let e = etag.trim_matches('"').to_ascii_lowercase();
    (e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::DEFAULT_FINGERPRINT;
    use std::path::PathBuf;

    fn files(rels: &[&str]) -> Vec<LocalFile> {
        rels.iter()
            .map(|r| LocalFile {
                rel: (*r).to_owned(),
                path: PathBuf::from(r),
                size: 10,
            })
            .collect()
    }

    fn spec(mode: CompressedMode) -> SpecSettings<'static> {
        SpecSettings {
            compressed: mode,
            mutable_cache_control: "public, max-age=60",
        }
    }

    fn classifier() -> Classifier {
        Classifier::new(DEFAULT_FINGERPRINT).unwrap()
    }

    #[test]
    fn companion_mode_uploads_companions_with_inner_type() {
        let f = files(&[
            "app-1234567.js",
            "app-1234567.js.gz",
            "app-1234567.js.br",
            "robots.txt",
        ]);
        let objs = objects(&f, &[], &classifier(), &spec(CompressedMode::Companion));
        assert_eq!(objs.len(), 4);
        let gz = objs.iter().find(|o| o.rel == "app-1234567.js.gz").unwrap();
        assert_eq!(gz.headers.content_type, "text/javascript; charset=utf-8");
        assert_eq!(gz.headers.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(gz.class, Class::Immutable);
        let br = objs.iter().find(|o| o.rel == "app-1234567.js.br").unwrap();
        assert_eq!(br.headers.content_encoding.as_deref(), Some("br"));
        let robots = objs.iter().find(|o| o.rel == "robots.txt").unwrap();
        assert_eq!(robots.class, Class::Mutable);
    }

    #[test]
    fn replace_mode_puts_gzip_bytes_under_the_original_key() {
        let f = files(&["app-1234567.js", "app-1234567.js.br", "app-1234567.js.gz"]);
        let objs = objects(&f, &[], &classifier(), &spec(CompressedMode::Replace));
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].rel, "app-1234567.js");
        assert_eq!(f[objs[0].source].rel, "app-1234567.js.gz");
        assert_eq!(objs[0].headers.content_encoding.as_deref(), Some("gzip"));
    }

    #[test]
    fn skip_mode_drops_companions_unless_a_manifest_names_them() {
        let f = files(&[
            "a-1234567.js",
            "a-1234567.js.gz",
            "b-1234567.css",
            "b-1234567.css.br",
            "manifest.json",
        ]);
        let m = Manifest {
            rel: "manifest.json".into(),
            kind: crate::manifest::Kind::Webpacker,
            entries: [
                ("b-1234567.css.br".to_owned(), false),
                ("b-1234567.css".to_owned(), false),
            ]
            .into_iter()
            .collect(),
        };
        let objs = objects(&f, &[m], &classifier(), &spec(CompressedMode::Skip));
        let rels: Vec<_> = objs.iter().map(|o| o.rel.as_str()).collect();
        assert_eq!(
            rels,
            vec![
                "a-1234567.js",
                "b-1234567.css",
                "b-1234567.css.br",
                "manifest.json"
            ]
        );
        assert_eq!(objs.last().unwrap().class, Class::Manifest);
    }

    #[test]
    fn a_lone_gz_is_a_file_of_its_own() {
        let f = files(&["downloads/data.tar.gz"]);
        let objs = objects(&f, &[], &classifier(), &spec(CompressedMode::Skip));
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].headers.content_type, "application/gzip");
        assert_eq!(objs[0].headers.content_encoding, None);
    }

    #[test]
    fn vite_names_are_immutable_through_the_manifest() {
        let f = files(&["assets/index-lVzqX2jn.js", ".vite/manifest.json"]);
        let m = Manifest {
            rel: ".vite/manifest.json".into(),
            kind: crate::manifest::Kind::Vite,
            entries: [("assets/index-lVzqX2jn.js".to_owned(), true)]
                .into_iter()
                .collect(),
        };
        let objs = objects(&f, &[m], &classifier(), &spec(CompressedMode::Companion));
        assert_eq!(objs[0].class, Class::Immutable);
        assert_eq!(objs[1].class, Class::Manifest);
    }

    #[test]
    fn decisions() {
        let r = |size| RemoteObject {
            size,
            etag: None,
            last_modified: None,
        };
        assert_eq!(
            decide(Class::Immutable, 5, None),
            Decision::Upload(Reason::New)
        );
        assert_eq!(decide(Class::Immutable, 5, Some(&r(5))), Decision::Skip);
        assert_eq!(
            decide(Class::Immutable, 5, Some(&r(4))),
            Decision::Upload(Reason::SizeMismatch)
        );
        assert_eq!(
            decide(Class::Mutable, 5, Some(&r(4))),
            Decision::Upload(Reason::Changed)
        );
        assert_eq!(decide(Class::Mutable, 5, Some(&r(5))), Decision::Check);
        assert_eq!(decide(Class::Manifest, 5, Some(&r(5))), Decision::Check);
    }

    #[test]
    fn etags() {
        assert_eq!(
            etag_md5("\"900150983cd24fb0d6963f7d28e17f72\"").as_deref(),
            Some("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(etag_md5("900150983cd24fb0d6963f7d28e17f72-3"), None);
        assert_eq!(etag_md5("kms-opaque-etag"), None);
    }
}
