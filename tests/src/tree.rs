//! Deterministic, Rails-like precompiled asset trees (what `rails assets:precompile` with
//! Sprockets 4 leaves in `public/assets`), for tests, the demo and the benchmark.
//!
//! Release 1 has about `files` files. Each later release changes the content of ~10% of the
//! logical assets (so their fingerprints change and their companions follow), adds ~1% new
//! ones and drops ~0.5%. The same `(files, seed, release)` always gives the same bytes.
//!
//! What is written:
//! - fingerprinted files `name-<64 hex sha256>.ext` in Sprockets-like sub-folders;
//! - source maps named `name.js-<hex>.map`;
//! - `.gz` (real gzip) and `.br` companions for every text asset (the `.br` holds a raw
//!   deflate stream of about brotli's size: no brotli encoder is needed to test uploads);
//! - a few non-digested files (`robots.txt`, `tinymce/tinymce.min.js`) whose content may
//!   change under the same name;
//! - the manifest `.sprockets-manifest-<32 hex>.json` (`files` and `assets`).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// What tree to write.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeSpec {
    /// Files in release 1 (companions and the manifest included).
    pub files: usize,
    pub seed: u64,
    /// Release number, 1 or more.
    pub release: u32,
    pub mtime: Mtime,
    /// Multiplies every asset's size: 1.0 gives realistic sizes (a 3,000-file tree is about
    /// 200 MB); 0.01 keeps the same names, kinds and churn in a few MB, for quick tests.
    pub scale: f64,
}

impl Default for TreeSpec {
    fn default() -> Self {
        Self {
            files: 40,
            seed: 1,
            release: 1,
            mtime: Mtime::Fixed,
            scale: 1.0,
        }
    }
}

/// Modification times to stamp on the written files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mtime {
    /// 2024-01-01T12:00:00Z plus (release - 1) days.
    Fixed,
    /// The time of writing, as after a fresh precompile in CI.
    Now,
    /// This Unix time.
    Epoch(u64),
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct TreeSummary {
    /// Relative path -> size, for every file written.
    pub files: BTreeMap<String, u64>,
    /// Relative path of the Sprockets manifest.
    pub manifest: String,
    pub bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Js,
    Css,
    Svg,
    Png,
    Jpg,
    Gif,
    Webp,
    Woff2,
    Woff,
    Json,
    Ico,
}

impl Kind {
    fn ext(self) -> &'static str {
        match self {
            Kind::Js => "js",
            Kind::Css => "css",
            Kind::Svg => "svg",
            Kind::Png => "png",
            Kind::Jpg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Woff2 => "woff2",
            Kind::Woff => "woff",
            Kind::Json => "json",
            Kind::Ico => "ico",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Kind::Js | Kind::Css | Kind::Svg | Kind::Json)
    }

    fn folder(self) -> &'static [&'static str] {
        match self {
            Kind::Js => &["", "admin/", "controllers/", "vendor/"],
            Kind::Css => &["", "admin/"],
            Kind::Svg => &["icons/", "images/"],
            Kind::Png | Kind::Jpg | Kind::Webp | Kind::Gif => {
                &["images/", "images/products/", "images/banners/"]
            }
            Kind::Woff2 | Kind::Woff => &["fonts/"],
            Kind::Json => &["locales/"],
            Kind::Ico => &[""],
        }
    }

    /// (median size in bytes, spread factor)
    fn size(self) -> (f64, f64) {
        match self {
            Kind::Js => (41_800.0, 3.0),
            Kind::Css => (34_200.0, 3.0),
            Kind::Svg => (4_750.0, 2.5),
            Kind::Png => (76_000.0, 2.5),
            Kind::Jpg => (171_000.0, 2.0),
            Kind::Gif => (22_800.0, 2.0),
            Kind::Webp => (85_500.0, 2.0),
            Kind::Woff2 => (85_500.0, 1.5),
            Kind::Woff => (114_000.0, 1.5),
            Kind::Json => (11_400.0, 2.0),
            Kind::Ico => (8_000.0, 1.2),
        }
    }
}

/// (kind, weight) among logical assets.
const KINDS: [(Kind, u32); 11] = [
    (Kind::Js, 22),
    (Kind::Css, 5),
    (Kind::Svg, 14),
    (Kind::Png, 30),
    (Kind::Jpg, 10),
    (Kind::Gif, 2),
    (Kind::Webp, 6),
    (Kind::Woff2, 4),
    (Kind::Woff, 2),
    (Kind::Json, 4),
    (Kind::Ico, 1),
];

#[derive(Clone, Debug)]
struct Logical {
    /// e.g. `admin/orders-12.js`
    path: String,
    kind: Kind,
    size: usize,
    version: u32,
    with_map: bool,
}

/// A small deterministic generator (splitmix64), seeded by hashing names.
struct Rng(u64);

impl Rng {
    fn from(parts: &[&str]) -> Self {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p.as_bytes());
            h.update([0]);
        }
        let d = h.finalize();
        Rng(u64::from_le_bytes(d[..8].try_into().expect("8 bytes")))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn files_per_logical(l: &Logical) -> usize {
    let per_text = if l.kind.is_text() { 3 } else { 1 };
    per_text + if l.with_map { 3 } else { 0 }
}

fn new_logical(seed: &str, n: usize, tag: &str, scale: f64) -> Logical {
    let mut r = Rng::from(&[seed, tag, &n.to_string()]);
    let total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    let mut pick = r.below(u64::from(total)) as u32;
    let mut kind = Kind::Js;
    for (k, w) in KINDS {
        if pick < w {
            kind = k;
            break;
        }
        pick -= w;
    }
    let folders = kind.folder();
    let folder = folders[r.below(folders.len() as u64) as usize];
    const WORDS: [&str; 16] = [
        "application",
        "orders",
        "checkout",
        "catalog",
        "rental",
        "calendar",
        "search",
        "profile",
        "banner",
        "logo",
        "item",
        "cart",
        "invoice",
        "review",
        "map",
        "dashboard",
    ];
    let word = WORDS[r.below(WORDS.len() as u64) as usize];
    let (median, spread) = kind.size();
    // Log-uniform around the median within [median/spread, median*spread].
    let factor = spread.powf(2.0 * r.unit() - 1.0);
    let size = ((median * factor * scale) as usize).max(16);
    let with_map = matches!(kind, Kind::Js | Kind::Css) && r.below(3) == 0;
    Logical {
        path: format!("{folder}{word}-{tag}{n}.{}", kind.ext()),
        kind,
        size,
        version: 1,
        with_map,
    }
}

fn plan(spec: &TreeSpec) -> Vec<Logical> {
    let seed = spec.seed.to_string();
    let mut logical = Vec::new();
    let mut count = 1 + 3; // the manifest and the non-digested files
    let mut n = 0;
    while count < spec.files {
        let l = new_logical(&seed, n, "a", spec.scale);
        count += files_per_logical(&l);
        logical.push(l);
        n += 1;
    }
    for release in 2..=spec.release {
        let rel = release.to_string();
        let mut kept = Vec::with_capacity(logical.len());
        for mut l in logical {
            let mut r = Rng::from(&[&seed, &rel, &l.path]);
            let roll = r.unit();
            if roll < 0.005 {
                continue; // dropped
            }
            if roll < 0.105 {
                l.version = release;
            }
            kept.push(l);
        }
        let adds = (kept.len() / 100).max(1);
        for i in 0..adds {
            kept.push(new_logical(&seed, i, &format!("r{release}x"), spec.scale));
        }
        logical = kept;
    }
    logical
}

fn content(seed: &str, l: &Logical) -> Vec<u8> {
    let mut r = Rng::from(&[seed, &l.path, &l.version.to_string()]);
    let mut out = Vec::with_capacity(l.size);
    if l.kind.is_text() {
        const TOKENS: [&str; 12] = [
            "function", "return", "const", "this.", "=>", "{", "}", "render", "items", "document",
            ".class", "var(--c)",
        ];
        while out.len() < l.size {
            let t = TOKENS[r.below(TOKENS.len() as u64) as usize];
            out.extend_from_slice(t.as_bytes());
            out.push(if r.below(9) == 0 { b'\n' } else { b' ' });
            if r.below(7) == 0 {
                out.extend_from_slice(format!("{:x}", r.next() & 0xffff).as_bytes());
            }
        }
    } else {
        while out.len() < l.size {
            out.extend_from_slice(&r.next().to_le_bytes());
        }
    }
    out.truncate(l.size);
    out
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("gzip in memory");
    e.finish().expect("gzip in memory")
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("deflate in memory");
    e.finish().expect("deflate in memory")
}

/// Splits `dir/name.ext` into (`dir/name`, `ext`).
fn split_ext(path: &str) -> (&str, &str) {
    match path.rfind('.') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, ""),
    }
}

/// Writes the tree for `spec` into `dir` (which must be empty or absent).
pub fn write_rails_tree(dir: &Path, spec: &TreeSpec) -> io::Result<TreeSummary> {
    std::fs::create_dir_all(dir)?;
    let seed = spec.seed.to_string();
    let mut summary = TreeSummary::default();
    let mut manifest_files = serde_json::Map::new();
    let mut manifest_assets = serde_json::Map::new();
    let mtime = match spec.mtime {
        Mtime::Fixed => Some(
            SystemTime::UNIX_EPOCH
                + Duration::from_secs(1_704_110_400 + u64::from(spec.release - 1) * 86_400),
        ),
        Mtime::Now => None,
        Mtime::Epoch(secs) => Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
    };
    let mut written: Vec<PathBuf> = Vec::new();
    let mut put = |rel: &str, data: &[u8], summary: &mut TreeSummary| -> io::Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, data)?;
        summary.files.insert(rel.to_owned(), data.len() as u64);
        summary.bytes += data.len() as u64;
        written.push(path);
        Ok(())
    };

    for l in plan(spec) {
        let data = content(&seed, &l);
        let digest = hex_sha256(&data);
        let (stem, ext) = split_ext(&l.path);
        let digested = format!("{stem}-{digest}.{ext}");
        put(&digested, &data, &mut summary)?;
        if l.kind.is_text() {
            put(&format!("{digested}.gz"), &gzip(&data), &mut summary)?;
            put(&format!("{digested}.br"), &deflate(&data), &mut summary)?;
        }
        manifest_files.insert(
            digested.clone(),
            serde_json::json!({
                "logical_path": l.path,
                "mtime": "2024-01-01T12:00:00+00:00",
                "size": data.len(),
                "digest": digest,
                "integrity": null,
            }),
        );
        manifest_assets.insert(l.path.clone(), serde_json::Value::String(digested.clone()));
        if l.with_map {
            let map = format!(
                "{{\"version\":3,\"file\":\"{digested}\",\"sources\":[\"{}\"],\"mappings\":\"{}\"}}",
                l.path,
                "AAAA;".repeat(l.size / 40)
            );
            let map_digest = hex_sha256(map.as_bytes());
            let logical_map = format!("{}.map", l.path);
            // Sprockets 4 names maps `name.js-<hex>.map`.
            let digested_map = format!("{}-{map_digest}.map", l.path);
            put(&digested_map, map.as_bytes(), &mut summary)?;
            put(
                &format!("{digested_map}.gz"),
                &gzip(map.as_bytes()),
                &mut summary,
            )?;
            put(
                &format!("{digested_map}.br"),
                &deflate(map.as_bytes()),
                &mut summary,
            )?;
            manifest_files.insert(
                digested_map.clone(),
                serde_json::json!({"logical_path": logical_map, "size": map.len(), "digest": map_digest}),
            );
            manifest_assets.insert(logical_map, serde_json::Value::String(digested_map));
        }
    }

    // Non-digested files: one stable, one that changes every release.
    put("robots.txt", b"User-agent: *\nDisallow:\n", &mut summary)?;
    let tinymce = format!(
        "/* tinymce build {} */\nwindow.tinymce={{}};\n",
        spec.release
    );
    put("tinymce/tinymce.min.js", tinymce.as_bytes(), &mut summary)?;
    put(
        "tinymce/skins/ui/oxide/skin.min.css",
        b".tox{display:block}\n",
        &mut summary,
    )?;

    let manifest = serde_json::json!({"files": manifest_files, "assets": manifest_assets});
    let mut r = Rng::from(&[&seed, "manifest", &spec.release.to_string()]);
    let name = format!(
        ".sprockets-manifest-{:016x}{:016x}.json",
        r.next(),
        r.next()
    );
    let body = serde_json::to_vec(&manifest).expect("manifest json");
    put(&name, &body, &mut summary)?;
    summary.manifest = name;

    if let Some(t) = mtime {
        for path in &written {
            std::fs::File::options()
                .write(true)
                .open(path)?
                .set_modified(t)?;
        }
    }
    Ok(summary)
}

/// A tree written once per test process and shared by its tests, which must only read it.
#[derive(Debug)]
pub struct SharedTree {
    pub dir: PathBuf,
    pub summary: TreeSummary,
}

/// The tree for `spec`, written on first use into a folder removed when the process exits:
/// tests that all need the same large tree pay for writing it once.
pub fn shared(spec: &TreeSpec) -> &'static SharedTree {
    static TREES: std::sync::Mutex<Vec<(TreeSpec, &'static SharedTree)>> =
        std::sync::Mutex::new(Vec::new());
    let mut trees = TREES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, tree)) = trees.iter().find(|(s, _)| s == spec) {
        return tree;
    }
    let dir = tempfile::Builder::new()
        .prefix("slipway-tree-")
        .tempdir()
        .expect("temp dir for a shared tree")
        .keep();
    crate::process::remove_at_exit(dir.clone());
    let summary = write_rails_tree(&dir, spec).expect("write a shared tree");
    let tree: &'static SharedTree = Box::leak(Box::new(SharedTree { dir, summary }));
    trees.push((spec.clone(), tree));
    tree
}

/// Writes each `(relative path, content)` under `dir`, creating folders.
pub fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> io::Result<()> {
    for (rel, data) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, data)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spec_same_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let spec = TreeSpec::default();
        let sa = write_rails_tree(a.path(), &spec).unwrap();
        let sb = write_rails_tree(b.path(), &spec).unwrap();
        assert_eq!(sa.files, sb.files);
        for rel in sa.files.keys() {
            assert_eq!(
                std::fs::read(a.path().join(rel)).unwrap(),
                std::fs::read(b.path().join(rel)).unwrap()
            );
        }
        assert!(sa.files.len() >= spec.files, "{} files", sa.files.len());
    }

    #[test]
    fn a_scaled_tree_has_the_same_shape_in_fewer_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let spec = TreeSpec {
            files: 300,
            ..TreeSpec::default()
        };
        let full = write_rails_tree(a.path(), &spec).unwrap();
        let small = write_rails_tree(
            b.path(),
            &TreeSpec {
                scale: 0.01,
                ..spec
            },
        )
        .unwrap();
        assert_eq!(full.files.len(), small.files.len());
        assert!(
            small.bytes * 20 < full.bytes,
            "{} vs {}",
            small.bytes,
            full.bytes
        );
    }

    #[test]
    fn next_release_changes_some_but_not_all() {
        let spec1 = TreeSpec {
            files: 400,
            ..TreeSpec::default()
        };
        let spec2 = TreeSpec {
            release: 2,
            ..spec1.clone()
        };
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let s1 = write_rails_tree(a.path(), &spec1).unwrap();
        let s2 = write_rails_tree(b.path(), &spec2).unwrap();
        let new = s2
            .files
            .keys()
            .filter(|k| !s1.files.contains_key(*k))
            .count();
        assert!(
            new > 0 && new < s2.files.len() / 3,
            "{new} new of {}",
            s2.files.len()
        );
    }
}
