//! HTTP headers for each object: a web-correct Content-Type, Cache-Control by class, and
//! Content-Encoding for compressed companions.

use crate::classify::Class;

/// Cache-Control for immutable (fingerprinted) objects.
pub const IMMUTABLE_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Content types that browsers and CDNs expect, where mime_guess's answer differs or is
/// missing. Text types get `; charset=utf-8` (see [`content_type`]).
pub const OVERRIDES: &[(&str, &str)] = &[
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("cjs", "text/javascript"),
    ("es6", "text/javascript"),
    ("css", "text/css"),
    ("map", "application/json"),
    ("json", "application/json"),
    ("webmanifest", "application/manifest+json"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("txt", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    ("bmp", "image/bmp"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("eot", "application/vnd.ms-fontobject"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/wav"),
    ("gz", "application/gzip"),
    ("br", "application/x-brotli"),
    ("zip", "application/zip"),
    // Sources that Propshaft copies as assets: readable, never executed.
    ("scss", "text/plain"),
    ("sass", "text/plain"),
    ("erb", "text/plain"),
    ("coffee", "text/plain"),
    ("ts", "text/plain"),
];

/// Types that are text although they do not start with `text/`.
const TEXT_LIKE: &[&str] = &[
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
];

/// The Content-Type for a file name, by its last extension.
pub fn content_type(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let base = OVERRIDES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| (*t).to_owned())
        .or_else(|| {
            mime_guess::from_ext(&ext)
                .first()
                .map(|m| m.essence_str().to_owned())
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    if base.starts_with("text/") || TEXT_LIKE.contains(&base.as_str()) {
        format!("{base}; charset=utf-8")
    } else {
        base
    }
}

/// The headers an object is written with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Headers {
    pub content_type: String,
    pub cache_control: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
}

impl Headers {
    /// Headers for the object at key suffix `rel` of class `class`; `encoding` is set for a
    /// compressed body, whose type is that of the file it compresses (`type_of`).
    pub fn new(type_of: &str, class: Class, encoding: Option<&str>, mutable_cache: &str) -> Self {
        Self {
            content_type: content_type(type_of),
            cache_control: match class {
                Class::Immutable => IMMUTABLE_CACHE_CONTROL.to_owned(),
                Class::Mutable | Class::Manifest => mutable_cache.to_owned(),
            },
            content_encoding: encoding.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_override_row() {
        for (ext, ty) in OVERRIDES {
            let got = content_type(&format!("dir/file-1234567.{ext}"));
            let text = ty.starts_with("text/") || TEXT_LIKE.contains(ty);
            let want = if text {
                format!("{ty}; charset=utf-8")
            } else {
                (*ty).to_owned()
            };
            assert_eq!(got, want, ".{ext}");
        }
    }

    #[test]
    fn case_and_compound_names() {
        assert_eq!(content_type("LOGO.PNG"), "image/png");
        assert_eq!(
            content_type("app.js-abc1234.map"),
            "application/json; charset=utf-8"
        );
        assert_eq!(
            content_type("stimulus.min-2395e199.js.map"),
            "application/json; charset=utf-8"
        );
        assert_eq!(content_type("Makefile"), "application/octet-stream");
        assert_eq!(
            content_type("archive.unknownext"),
            "application/octet-stream"
        );
    }

    #[test]
    fn falls_back_to_mime_guess() {
        assert_eq!(content_type("a.tiff"), "image/tiff");
    }

    #[test]
    fn headers_by_class() {
        let h = Headers::new(
            "app.js",
            Class::Immutable,
            Some("gzip"),
            "public, max-age=60",
        );
        assert_eq!(h.cache_control, IMMUTABLE_CACHE_CONTROL);
        assert_eq!(h.content_type, "text/javascript; charset=utf-8");
        assert_eq!(h.content_encoding.as_deref(), Some("gzip"));
        let m = Headers::new(".manifest.json", Class::Manifest, None, "no-cache");
        assert_eq!(m.cache_control, "no-cache");
    }
}
