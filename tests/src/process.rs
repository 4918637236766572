//! Child processes that never outlive the test process.
//!
//! Each server is spawned from one long-lived "keeper" thread with `PR_SET_PDEATHSIG`, so the
//! kernel kills it if the test process dies (the signal fires when the spawning *thread*
//! ends, hence the dedicated thread that never ends). On a normal exit an `atexit` hook stops
//! every child by its PID and waits for it.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

type SpawnRequest = (Command, mpsc::Sender<io::Result<u32>>);

static KEEPER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
static CHILDREN: Mutex<Vec<Child>> = Mutex::new(Vec::new());

extern "C" fn stop_children() {
    let mut children = match CHILDREN.lock() {
        Ok(c) => c,
        Err(e) => e.into_inner(),
    };
    for child in children.iter_mut() {
        // SAFETY: plain kill(2) on a PID we spawned and have not reaped.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
    }
    for child in children.iter_mut() {
        let _ = child.wait();
    }
    children.clear();
}

fn keeper() -> &'static Mutex<mpsc::Sender<SpawnRequest>> {
    KEEPER.get_or_init(|| {
        // SAFETY: registering a plain extern "C" fn with atexit(3).
        unsafe {
            libc::atexit(stop_children);
        }
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("testkit-keeper".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    // SAFETY: prctl is async-signal-safe; it runs in the child before exec.
                    unsafe {
                        command.pre_exec(|| {
                            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                                return Err(io::Error::last_os_error());
                            }
                            Ok(())
                        });
                    }
                    let result = command.spawn().map(|child| {
                        let pid = child.id();
                        CHILDREN
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(child);
                        pid
                    });
                    let _ = reply.send(result);
                }
                // The sender lives in a static, so this loop never ends: the thread (and with
                // it PR_SET_PDEATHSIG's parent) lives as long as the process.
            })
            .expect("spawn keeper thread");
        Mutex::new(tx)
    })
}

/// Spawns `command` as a child that dies with this process; returns its PID.
pub fn spawn_kept(command: Command) -> io::Result<u32> {
    let (reply_tx, reply_rx) = mpsc::channel();
    keeper()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((command, reply_tx))
        .map_err(|_| io::Error::other("keeper thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("keeper thread is gone"))?
}

/// Whether the child with this PID has exited (reaping it if so).
pub fn has_exited(pid: u32) -> Option<std::process::ExitStatus> {
    let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    children
        .iter_mut()
        .find(|c| c.id() == pid)
        .and_then(|c| c.try_wait().ok().flatten())
}

/// Stops one child by PID now and waits for it.
pub fn stop(pid: u32) {
    let mut children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(pos) = children.iter().position(|c| c.id() == pid) {
        let mut child = children.remove(pos);
        // SAFETY: plain kill(2) on a PID we spawned and have not reaped.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
        let _ = child.wait();
    }
}

static DIRS: Mutex<Vec<std::path::PathBuf>> = Mutex::new(Vec::new());

extern "C" fn remove_dirs() {
    let dirs = match DIRS.lock() {
        Ok(d) => d,
        Err(e) => e.into_inner(),
    };
    for dir in dirs.iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Removes `dir` (and everything in it) when the test process exits: for scratch data that
/// lives in a `static`, which Rust never drops.
pub fn remove_at_exit(dir: std::path::PathBuf) {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: registering a plain extern "C" fn with atexit(3).
        unsafe {
            libc::atexit(remove_dirs);
        }
    });
    DIRS.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
}

/// A free TCP port on 127.0.0.1 (the kernel's choice; the caller binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}
