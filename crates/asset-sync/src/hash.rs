//! Hashing local files once, on every core: the whole-file SHA-256 (sent as the object's
//! checksum, reused as the SigV4 payload hash, and written to the release record) and, for
//! multipart uploads, each part's SHA-256 in the same pass.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// Multipart part size for an object of `size` bytes: 8 MiB, or more so that no upload needs
/// more than 10,000 parts.
pub fn part_size(size: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    let min = 8 * MIB;
    let needed = size.div_ceil(10_000).div_ceil(MIB) * MIB;
    min.max(needed)
}

/// A file's digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    pub sha256: [u8; 32],
    /// Per-part SHA-256s when the file is split into parts of `part_size` bytes.
    pub parts: Vec<[u8; 32]>,
    pub part_size: u64,
}

impl FileDigest {
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// What to hash: a path, and the part size if the file is uploaded in parts.
#[derive(Clone, Debug)]
pub struct HashJob {
    pub path: PathBuf,
    pub part_size: Option<u64>,
}

/// Hashes every job in parallel; the result is in the same order.
pub fn hash_all(jobs: &[HashJob]) -> Result<Vec<FileDigest>> {
    jobs.par_iter()
        .map(|job| hash_file(&job.path, job.part_size))
        .collect()
}

fn hash_file(path: &Path, part_size: Option<u64>) -> Result<FileDigest> {
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut whole = Sha256::new();
    let mut part = Sha256::new();
    let mut parts = Vec::new();
    let mut in_part: u64 = 0;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        whole.update(chunk);
        if let Some(ps) = part_size {
            while !chunk.is_empty() {
                let room = (ps - in_part) as usize;
                let take = room.min(chunk.len());
                part.update(&chunk[..take]);
                in_part += take as u64;
                chunk = &chunk[take..];
                if in_part == ps {
                    parts.push(part.finalize_reset().into());
                    in_part = 0;
                }
            }
        }
    }
    if part_size.is_some() && in_part > 0 {
        parts.push(part.finalize().into());
    }
    Ok(FileDigest {
        sha256: whole.finalize().into(),
        parts,
        part_size: part_size.unwrap_or(0),
    })
}

/// The MD5 of a file, hex, to compare with a plain S3 ETag (only for the few mutable objects
/// whose remote copy has no recorded SHA-256).
pub fn md5_hex(path: &Path) -> Result<String> {
    use md5::Digest as _;
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(hex::encode(md5::Md5::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_and_whole_hash_matches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let data: Vec<u8> = (0..2_500_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let d = hash_file(&path, Some(1_000_000)).unwrap();
        assert_eq!(d.sha256, <[u8; 32]>::from(Sha256::digest(&data)));
        assert_eq!(d.parts.len(), 3);
        assert_eq!(
            d.parts[0],
            <[u8; 32]>::from(Sha256::digest(&data[..1_000_000]))
        );
        assert_eq!(
            d.parts[2],
            <[u8; 32]>::from(Sha256::digest(&data[2_000_000..]))
        );
    }

    #[test]
    fn part_sizes() {
        assert_eq!(part_size(1), 8 << 20);
        assert_eq!(part_size(200 << 30), 21 << 20);
        assert!(part_size(5 << 40).div_ceil(1) * 10_000 >= 5 << 40);
    }

    #[test]
    fn md5_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(md5_hex(&path).unwrap(), "900150983cd24fb0d6963f7d28e17f72");
    }
}
