//! Immutable or mutable: whether an object may ever change under its key.

use regex::Regex;

/// A fingerprint in a file name: `-` or `.` then 7 to 128 hex digits, then an extension
/// (`app-1a2b3c4d.js`, `app.js-<64 hex>.map`, `chunk.abc1234.js`).
pub const DEFAULT_FINGERPRINT: &str = r"[-.][0-9a-f]{7,128}\.[A-Za-z0-9]";

/// How an object is cached and when it is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Fingerprinted: cached for a year, never overwritten once present.
    Immutable,
    /// Same name, changing content: short cache, replaced when the content changed.
    Mutable,
    /// An asset-pipeline manifest: mutable, and uploaded only after every asset.
    Manifest,
}

/// Decides the class of each file from the manifests and the fingerprint pattern.
#[derive(Clone, Debug)]
pub struct Classifier {
    fingerprint: Regex,
}

impl Classifier {
    pub fn new(pattern: &str) -> Result<Self, String> {
        Regex::new(pattern)
            .map(|fingerprint| Self { fingerprint })
            .map_err(|e| {
                // The regex crate explains syntax errors over several lines; keep the last.
                let text = e.to_string();
                let reason = text
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches("error: ");
                format!("invalid --fingerprint-regex {pattern:?}: {reason}")
            })
    }

    /// Whether the file name (last path segment) carries a fingerprint.
    pub fn has_fingerprint(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        self.fingerprint.is_match(name)
    }

    /// The class of `rel`, given whether it is a manifest and whether a manifest names it as
    /// a digested path. A compression companion (`x.js.gz`) takes the class of `x.js`.
    pub fn class(&self, rel: &str, is_manifest: bool, digested_by_manifest: bool) -> Class {
        if is_manifest {
            return Class::Manifest;
        }
        let base = companion_base(rel).map(|(b, _)| b).unwrap_or(rel);
        if digested_by_manifest || self.has_fingerprint(base) {
            Class::Immutable
        } else {
            Class::Mutable
        }
    }
}

/// For `x.gz` / `x.br`: `(x, "gzip" | "br")`.
pub fn companion_base(rel: &str) -> Option<(&str, &'static str)> {
    if let Some(base) = rel.strip_suffix(".gz") {
        Some((base, "gzip"))
    } else {
        rel.strip_suffix(".br").map(|base| (base, "br"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> Classifier {
        Classifier::new(DEFAULT_FINGERPRINT).unwrap()
    }

    #[test]
    fn fingerprints_of_every_pipeline() {
        let yes = [
            // Sprockets 4 (64 hex) and its map naming
            "application-4fcfc6e519c649ebc10d7edc6bf5d5ccf6017a02f261954a22bf29d248510b0e.css",
            "application.js-4fcfc6e519c649ebc10d7edc6bf5d5ccf6017a02f261954a22bf29d248510b0e.map",
            // Propshaft (8 hex), compound names
            "controllers/index-110e0370.js",
            "stimulus.min-2395e199.js.map",
            "rails_admin/application.js-5e701860.erb",
            // Webpacker (20 hex, chunk suffix, 32-hex media)
            "js/application-7accec684b8faf0f2567.js",
            "js/auto-track-d622afcf0f98aa68b5b6.chunk.js",
            "media/fonts/x-0123456789abcdef0123456789abcdef.woff2",
            // dotted
            "main.1a2b3c4d.js",
        ];
        for rel in yes {
            assert!(c().has_fingerprint(rel), "{rel}");
        }
        let no = [
            "robots.txt",
            "js/sdk.js",
            "encoderWorker.min.js",
            "jquery-3.6.0.min.js",
            "tinymce/tinymce.min.js",
            "favicon.ico",
            // Vite's base64url hashes are not hex: the Vite manifest names those
            "assets/index-lVzqX2jn.js",
        ];
        for rel in no {
            assert!(!c().has_fingerprint(rel), "{rel}");
        }
    }

    #[test]
    fn classes() {
        let c = c();
        assert_eq!(c.class(".manifest.json", true, false), Class::Manifest);
        assert_eq!(
            c.class("assets/index-lVzqX2jn.js", false, true),
            Class::Immutable
        );
        assert_eq!(
            c.class("app-1a2b3c4d.js.gz", false, false),
            Class::Immutable
        );
        assert_eq!(c.class("robots.txt", false, false), Class::Mutable);
        assert_eq!(c.class("sdk.js.br", false, false), Class::Mutable);
    }

    #[test]
    fn bad_pattern_is_named() {
        let err = Classifier::new("([").unwrap_err();
        assert_eq!(
            err,
            "invalid --fingerprint-regex \"([\": unclosed character class"
        );
    }
}
