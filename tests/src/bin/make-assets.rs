//! make-assets DIR [--files N] [--seed S] [--release K] [--mtime fixed|now|EPOCH]
//!
//! Writes a deterministic Rails-like precompiled asset tree (see `slipway_testkit::tree`).

use clap::Parser;
use slipway_testkit::tree::{Mtime, TreeSpec, write_rails_tree};

#[derive(Parser)]
#[command(about = "Write a deterministic Rails-like precompiled asset tree")]
struct Args {
    /// Folder to write into (created if absent).
    dir: std::path::PathBuf,
    /// Files in release 1 (companions and manifest included).
    #[arg(long, default_value_t = 3000)]
    files: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Release number K >= 1.
    #[arg(long, default_value_t = 1)]
    release: u32,
    /// fixed, now, or a Unix time.
    #[arg(long, default_value = "fixed")]
    mtime: String,
    /// Empty DIR first.
    #[arg(long)]
    force: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.release >= 1, "--release must be 1 or more");
    let mtime = match args.mtime.as_str() {
        "fixed" => Mtime::Fixed,
        "now" => Mtime::Now,
        n => Mtime::Epoch(n.parse().map_err(|_| {
            anyhow::anyhow!("--mtime must be fixed, now or a Unix time, not {n:?}")
        })?),
    };
    if args.force && args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
        anyhow::bail!("{} is not empty (use --force)", args.dir.display());
    }
    let summary = write_rails_tree(
        &args.dir,
        &TreeSpec {
            files: args.files,
            seed: args.seed,
            release: args.release,
            mtime,
            ..TreeSpec::default()
        },
    )?;
    eprintln!(
        "make-assets: {} files, {:.1} MB in {} (release {})",
        summary.files.len(),
        summary.bytes as f64 / 1e6,
        args.dir.display(),
        args.release
    );
    Ok(())
}
