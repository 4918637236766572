//! Shared helpers for asset-sync's binary tests.
#![allow(dead_code)]

use std::path::Path;

use sha2::{Digest, Sha256};
use slipway_testkit::{MotoServer, Output, RcloneS3, S3Probe, SlipwayCommand};

pub fn asset_sync() -> SlipwayCommand {
    SlipwayCommand::new(env!("CARGO_BIN_EXE_asset-sync"))
}

/// A bucket on a real local server, with a probe to read what landed.
pub struct Target {
    pub endpoint: String,
    pub bucket: String,
    pub probe: S3Probe,
}

impl Target {
    /// A fresh bucket on this test binary's rclone serve s3.
    pub fn rclone(hint: &str) -> Self {
        let server = RcloneS3::shared();
        let bucket = server.bucket(hint);
        Self {
            endpoint: server.endpoint(),
            probe: S3Probe::new(&server.endpoint()),
            bucket,
        }
    }

    /// A fresh bucket on this test binary's moto_server.
    pub fn moto(hint: &str) -> Self {
        let server = MotoServer::shared();
        let bucket = slipway_testkit::servers::unique_name(hint);
        let probe = S3Probe::new(&server.endpoint());
        probe.create_bucket(&bucket);
        Self {
            endpoint: server.endpoint(),
            probe,
            bucket,
        }
    }

    /// `asset-sync upload DIR` into this bucket, through `endpoint` (a proxy) if given.
    pub fn upload(&self, dir: &Path, endpoint: Option<&str>, extra: &[&str]) -> Output {
        asset_sync()
            .arg("upload")
            .arg(dir)
            .args(["--bucket", &self.bucket, "--progress", "never", "--json"])
            .args(["--endpoint-url", endpoint.unwrap_or(&self.endpoint)])
            .args(extra)
            .run()
    }

    pub fn keys(&self) -> Vec<String> {
        self.probe.keys(&self.bucket, "")
    }

    pub fn records(&self) -> Vec<String> {
        self.probe.keys(&self.bucket, "assets/.slipway/releases/")
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Writes files and returns the temp dir holding them.
pub fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    slipway_testkit::tree::write_files(dir.path(), files).unwrap();
    dir
}

/// The listing requests among `seen`, checking that they form ONE listing of the prefix: a
/// single delimited request for its top level, then each sub-folder listed once (no page
/// fetched twice). Returns how many requests that took.
pub fn one_listing(seen: &[slipway_testkit::proxy::Seen]) -> usize {
    let lists: Vec<&str> = seen
        .iter()
        .filter(|s| s.method == "GET" && s.query.contains("list-type=2"))
        .map(|s| s.query.as_str())
        .collect();
    let delimited = lists.iter().filter(|q| q.contains("delimiter=")).count();
    assert_eq!(delimited, 1, "one top-level listing: {lists:?}");
    let unique: std::collections::BTreeSet<&&str> = lists.iter().collect();
    assert_eq!(
        unique.len(),
        lists.len(),
        "a listing page fetched twice: {lists:?}"
    );
    lists.len()
}

/// Every key rclone stores for `bucket`, read from its backing directory (not through S3).
pub fn rclone_keys(bucket: &str) -> std::collections::BTreeSet<String> {
    RcloneS3::shared().keys(bucket).into_iter().collect()
}

/// The bytes rclone stores under `key`, read from its backing directory (not through S3).
pub fn rclone_bytes(bucket: &str, key: &str) -> Option<Vec<u8>> {
    std::fs::read(RcloneS3::shared().object_path(bucket, key)).ok()
}

/// Release `n` of a `files`-file Rails-like tree (tree seed 1) with small files (sizes scaled
/// by 0.01: a 3,000-file tree is under 2 MB), written once per test process and shared.
pub fn small_tree(files: usize, n: u32) -> &'static slipway_testkit::tree::SharedTree {
    slipway_testkit::tree::shared(&slipway_testkit::tree::TreeSpec {
        files,
        release: n,
        scale: 0.01,
        ..Default::default()
    })
}

/// Keeps a test's figures (requests sent, faults injected, objects checked) out of the test
/// output: writes `line` to `target/tmp/asset-sync-figures/<name>.txt`, replacing what an
/// earlier run wrote there.
pub fn write_figures(name: &str, line: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("asset-sync-figures");
    std::fs::create_dir_all(&dir).expect("create the figures folder");
    std::fs::write(dir.join(format!("{name}.txt")), format!("{line}\n")).expect("write figures");
}
