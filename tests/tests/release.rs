//! `scripts/release` packages binaries, man pages and completions into a reproducible archive
//! with a SHA256SUMS line `sha256sum -c` accepts.
//!
//! A `--release` build takes minutes on CI's two cores, so this drives the packaging half on
//! its own (`--bin-dir`) with small stand-in executables: what is under test is the archive's
//! layout, modes, owners, times and checksums; compiling is cargo's job.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use slipway_testkit::tools::repo_root;

const BINS: [&str; 3] = ["asset-sync", "deploy-target", "migrate-task"];
const TARGET: &str = "x86_64-unknown-linux-musl";
/// 2023-11-14T22:13:20Z
const EPOCH: &str = "1700000000";

fn archive_name() -> String {
    format!("slipway-{}-{TARGET}", env!("CARGO_PKG_VERSION"))
}

/// Stand-in executables, each with its own content.
fn stand_ins(dir: &Path) -> PathBuf {
    let bin_dir = dir.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    for bin in BINS {
        let path = bin_dir.join(bin);
        std::fs::write(&path, format!("\x7fELF stand-in for {bin}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    bin_dir
}

fn release(args: &[&Path], more: &[&str]) -> Output {
    let mut cmd = Command::new(repo_root().join("scripts/release"));
    cmd.args(more).env("SOURCE_DATE_EPOCH", EPOCH);
    for pair in args.chunks(2) {
        cmd.arg(pair[0]).arg(pair[1]);
    }
    cmd.output().expect("run scripts/release")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn release_packages_binaries_docs_and_checksums_reproducibly() {
    let scratch = tempfile::tempdir().unwrap();
    let bin_dir = stand_ins(scratch.path());
    let out = scratch.path().join("dist");
    let run = release(
        &[Path::new("--bin-dir"), &bin_dir, Path::new("--out"), &out],
        &["--target", TARGET],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let archive = out.join(format!("{}.tar.gz", archive_name()));
    // stdout: the files written, and nothing else.
    assert_eq!(
        text(&run.stdout),
        format!(
            "{}\n{}\n",
            archive.display(),
            out.join("SHA256SUMS").display()
        )
    );

    // SHA256SUMS: one line for the archive, in sha256sum's format, which sha256sum accepts.
    let bytes = std::fs::read(&archive).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("SHA256SUMS")).unwrap(),
        format!(
            "{}  {}.tar.gz\n",
            hex::encode(Sha256::digest(&bytes)),
            archive_name()
        )
    );
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stdout));

    // Entries sorted, owned by 0/0, every time the epoch, modes normalised.
    let listing = Command::new("tar")
        .args(["--numeric-owner", "-tvzf"])
        .arg(&archive)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(listing.status.success());
    let listing = text(&listing.stdout);
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries are sorted");
    for line in listing.lines() {
        assert!(line.contains(" 0/0 "), "owner 0: {line}");
        assert!(line.contains(" 2023-11-14 22:13 "), "mtime: {line}");
        let mode = line.split(' ').next().unwrap();
        let expected = if line.starts_with('d') || line.contains("/bin/") {
            "rwxr-xr-x"
        } else {
            "rw-r--r--"
        };
        assert_eq!(&mode[1..], expected, "{line}");
    }

    // The layout: a prefix to extract into /usr/local with --strip-components=1.
    let x = scratch.path().join("x");
    std::fs::create_dir(&x).unwrap();
    let extract = Command::new("tar")
        .args(["-xzf"])
        .arg(&archive)
        .args(["--strip-components=1", "-C"])
        .arg(&x)
        .output()
        .unwrap();
    assert!(extract.status.success(), "{}", text(&extract.stderr));
    let docs = repo_root().join("docs");
    let same = |packaged: &str, original: &Path| {
        assert_eq!(
            std::fs::read(x.join(packaged)).unwrap_or_default(),
            std::fs::read(original).unwrap(),
            "{packaged} is {}",
            original.display()
        );
    };
    for bin in BINS {
        same(&format!("bin/{bin}"), &bin_dir.join(bin));
        let completions = docs.join("completions");
        same(
            &format!("share/bash-completion/completions/{bin}"),
            &completions.join(format!("bash/{bin}.bash")),
        );
        same(
            &format!("share/zsh/site-functions/_{bin}"),
            &completions.join(format!("zsh/_{bin}")),
        );
        same(
            &format!("share/fish/vendor_completions.d/{bin}.fish"),
            &completions.join(format!("fish/{bin}.fish")),
        );
        same(
            &format!("share/elvish/lib/{bin}.elv"),
            &completions.join(format!("elvish/{bin}.elv")),
        );
        same(
            &format!("share/powershell/_{bin}.ps1"),
            &completions.join(format!("powershell/_{bin}.ps1")),
        );
    }
    let mut pages = 0;
    for page in std::fs::read_dir(docs.join("man")).unwrap() {
        let page = page.unwrap().path();
        same(
            &format!(
                "share/man/man1/{}",
                page.file_name().unwrap().to_str().unwrap()
            ),
            &page,
        );
        pages += 1;
    }
    assert!(pages >= 3 + 7, "a page per binary and per subcommand");
    same(
        "share/doc/slipway/README.md",
        &repo_root().join("README.md"),
    );

    // The same input makes the same bytes.
    let again = scratch.path().join("again");
    let run = release(
        &[Path::new("--bin-dir"), &bin_dir, Path::new("--out"), &again],
        &["--target", TARGET],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read(again.join(format!("{}.tar.gz", archive_name()))).unwrap(),
        bytes,
        "the archive is reproducible"
    );
}

#[test]
fn release_refuses_a_bin_dir_without_every_binary_and_writes_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let bin_dir = stand_ins(scratch.path());
    std::fs::remove_file(bin_dir.join("migrate-task")).unwrap();
    let out = scratch.path().join("dist");
    let run = release(
        &[Path::new("--bin-dir"), &bin_dir, Path::new("--out"), &out],
        &[],
    );
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        text(&run.stderr),
        format!(
            "scripts/release: no executable {}/migrate-task to package\n",
            bin_dir.display()
        )
    );
    assert!(!out.exists(), "nothing written");
}
