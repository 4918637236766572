//! Real local servers for tests: `rclone serve s3` (file-backed S3) and `moto_server`
//! (S3, ECR, ECS, CloudWatch Logs, ELBv2 in memory).
//!
//! `shared()` starts one server per test binary on first use; it lives until the process
//! exits. Tests isolate themselves by bucket (or cluster, repository) name.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::process::{free_port, has_exited, remove_at_exit, spawn_kept};
use crate::tools::tool;
use crate::{ACCESS_KEY, SECRET_KEY};

/// How long a server may take to accept connections before the test gives up.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// A running `rclone serve s3` whose buckets are the top-level folders of `root`.
pub struct RcloneS3 {
    pub pid: u32,
    pub addr: SocketAddr,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

impl RcloneS3 {
    /// The server shared by every test in this test binary.
    pub fn shared() -> &'static RcloneS3 {
        static SERVER: OnceLock<RcloneS3> = OnceLock::new();
        SERVER.get_or_init(|| {
            let server = RcloneS3::start();
            // A static is never dropped: remove its buckets' files when the process exits.
            remove_at_exit(server._dir.path().to_path_buf());
            server
        })
    }

    /// Starts a new server on a free port.
    pub fn start() -> RcloneS3 {
        let dir = tempfile::Builder::new()
            .prefix("slipway-rclone-")
            .tempdir()
            .expect("temp dir for rclone");
        let root = dir.path().join("data");
        std::fs::create_dir_all(&root).expect("create rclone root");
        let log = dir.path().join("rclone.log");
        let (pid, addr) = start_with_retries("rclone serve s3", &log, |port| {
            let mut cmd = Command::new(tool("rclone"));
            cmd.args(["serve", "s3", "--addr"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("--auth-key")
                .arg(format!("{ACCESS_KEY},{SECRET_KEY}"))
                .args(["--log-level", "ERROR", "--force-path-style=true"])
                .arg(&root)
                .env("RCLONE_CONFIG", dir.path().join("rclone.conf"));
            cmd
        });
        RcloneS3 {
            pid,
            addr,
            root,
            _dir: dir,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The folder holding the server's buckets.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a bucket (through the S3 API, so the server's directory cache knows it) with a
    /// name unique to this call.
    pub fn bucket(&self, hint: &str) -> String {
        let name = unique_name(hint);
        crate::S3Probe::new(&self.endpoint()).create_bucket(&name);
        name
    }

    /// The file that stores `key` in `bucket`.
    pub fn object_path(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    /// Every key stored in `bucket`, sorted, read from the server's own storage.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let base = self.root.join(bucket);
        let mut keys = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&base) {
                    keys.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        keys.sort();
        keys
    }
}

/// A running `moto_server`.
pub struct MotoServer {
    pub pid: u32,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl MotoServer {
    /// The server shared by every test in this test binary.
    pub fn shared() -> &'static MotoServer {
        static SERVER: OnceLock<MotoServer> = OnceLock::new();
        SERVER.get_or_init(|| {
            let server = MotoServer::start();
            remove_at_exit(server._dir.path().to_path_buf());
            server
        })
    }

    pub fn start() -> MotoServer {
        let dir = tempfile::Builder::new()
            .prefix("slipway-moto-")
            .tempdir()
            .expect("temp dir for moto");
        let log = dir.path().join("moto.log");
        let (pid, addr) = start_with_retries("moto_server", &log, |port| {
            let mut cmd = Command::new(tool("moto_server"));
            cmd.args(["-H", "127.0.0.1", "-p"])
                .arg(port.to_string())
                .env("MOTO_ALLOW_NONEXISTENT_REGION", "true")
                .current_dir(dir.path());
            cmd
        });
        MotoServer {
            pid,
            addr,
            _dir: dir,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A name no other test in this process (or a recent run) uses: `hint-<pid>-<n>`, lowercased
/// and cut to what S3 bucket names allow.
pub fn unique_name(hint: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let clean: String = hint
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(30)
        .collect();
    format!("{}-{}-{n}", clean.trim_matches('-'), std::process::id())
}

fn start_with_retries(what: &str, log: &Path, make: impl Fn(u16) -> Command) -> (u32, SocketAddr) {
    let mut last_log = String::new();
    for _attempt in 0..3 {
        let port = free_port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log_file = std::fs::File::create(log).expect("server log file");
        let mut cmd = make(port);
        cmd.stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone log handle"))
            .stderr(log_file);
        let pid = spawn_kept(cmd).unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        if wait_until_listening(pid, addr) {
            return (pid, addr);
        }
        crate::process::stop(pid);
        last_log = std::fs::read_to_string(log).unwrap_or_default();
    }
    panic!("{what} did not start on 127.0.0.1; its log:\n{last_log}");
}

/// Polls until `addr` accepts a connection, the child exits, or the startup limit passes.
fn wait_until_listening(pid: u32, addr: SocketAddr) -> bool {
    let started = Instant::now();
    let mut delay = Duration::from_millis(10);
    while started.elapsed() < STARTUP_LIMIT {
        if has_exited(pid).is_some() {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
    false
}
