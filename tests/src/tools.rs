//! Where the external test tools live: `scripts/setup` installs them into a virtualenv under
//! `target/tools` (or `$SLIPWAY_TOOLS_DIR`); anything on `PATH` is the fallback.

use std::path::{Path, PathBuf};

/// The repository root (the parent of this crate, which lives in `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The folder `scripts/setup` installs tools into.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("SLIPWAY_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target").join("tools"))
}

/// Finds `name` in the tools virtualenv, then on `PATH`; panics with the fix if absent.
pub fn tool(name: &str) -> PathBuf {
    let local = tools_dir().join("venv").join("bin").join(name);
    if local.is_file() {
        return local;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            // pyenv shims add a slow lookup per call and may point at an old version.
            if candidate.is_file() && !dir.ends_with("shims") {
                return candidate;
            }
        }
    }
    panic!(
        "{name} is not installed: run scripts/setup (it installs test tools into {})",
        tools_dir().display()
    );
}
