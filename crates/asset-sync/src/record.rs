//! Release records: one small JSON object per upload, listing every key the release needs.
//!
//! Key: `<prefix>.slipway/releases/<YYYYMMDDTHHMMSSZ>-<release>.json`. Written last, after
//! every asset and manifest, so a record never names a missing object. `prune` keeps the keys
//! of recent records; `verify --release` checks one.

use serde::{Deserialize, Serialize};

use crate::classify::Class;

/// The folder (under the prefix) that holds Slipway's own objects; never an asset.
pub const RESERVED_DIR: &str = ".slipway/";
/// Where records live, under the prefix.
pub const RELEASES_DIR: &str = ".slipway/releases/";
/// The `format` field of records this version writes.
pub const FORMAT: &str = "slipway-release/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub format: String,
    pub release: String,
    pub environment: String,
    /// RFC 3339 UTC time of the upload.
    pub created_at: String,
    pub prefix: String,
    /// The tool that wrote the record, e.g. `asset-sync 0.1.0`.
    pub tool: String,
    pub objects: Vec<RecordedObject>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedObject {
    pub key: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes stored under the key.
    pub sha256: String,
    pub class: Class,
    pub content_type: String,
    pub cache_control: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
}

impl<'de> Deserialize<'de> for Class {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "immutable" => Ok(Class::Immutable),
            "mutable" => Ok(Class::Mutable),
            "manifest" => Ok(Class::Manifest),
            other => Err(serde::de::Error::unknown_variant(
                other,
                &["immutable", "mutable", "manifest"],
            )),
        }
    }
}

/// The record key for `release` created at `at`.
pub fn key(prefix: &str, at: jiff::Timestamp, release: &str) -> String {
    format!(
        "{prefix}{RELEASES_DIR}{}-{release}.json",
        at.strftime("%Y%m%dT%H%M%SZ")
    )
}

/// A release id or environment name: 1 to 128 of `A-Z a-z 0-9 . _ -`, so it is safe in a
/// key, a log line and a shell.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !s.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_layout() {
        let at: jiff::Timestamp = "2026-11-27T16:05:09Z".parse().unwrap();
        assert_eq!(
            key("assets/", at, "abc123"),
            "assets/.slipway/releases/20261127T160509Z-abc123.json"
        );
        assert_eq!(
            key("", at, "r1"),
            ".slipway/releases/20261127T160509Z-r1.json"
        );
    }

    #[test]
    fn names() {
        assert!(valid_name("3f1c2a9"));
        assert!(valid_name("v1.2.3_rc-1"));
        assert!(!valid_name(""));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("$(id)"));
        assert!(!valid_name(".."));
        assert!(!valid_name(&"x".repeat(129)));
    }

    #[test]
    fn round_trips() {
        let r = ReleaseRecord {
            format: FORMAT.into(),
            release: "r1".into(),
            environment: "production".into(),
            created_at: "2026-11-27T16:05:09Z".into(),
            prefix: "assets/".into(),
            tool: "asset-sync 0.1.0".into(),
            objects: vec![RecordedObject {
                key: "assets/a-1234567.js".into(),
                size: 3,
                sha256: "00".repeat(32),
                class: Class::Immutable,
                content_type: "text/javascript; charset=utf-8".into(),
                cache_control: crate::headers::IMMUTABLE_CACHE_CONTROL.into(),
                content_encoding: None,
            }],
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ReleaseRecord>(&json).unwrap(), r);
    }
}
