//! Walking the asset directory: every regular file, with its path relative to the directory
//! (`/`-separated, the S3 key suffix). Links are followed only when they stay inside.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file found in the asset directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFile {
    /// Relative path with `/` separators, e.g. `admin/app-1a2b3c4.js`.
    pub rel: String,
    /// Where to read the bytes (the link target for a symlink inside the directory).
    pub path: PathBuf,
    pub size: u64,
}

/// Files that editors and operating systems leave behind; never assets.
const JUNK: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// Lists every file under `dir`, sorted by relative path.
///
/// Refused (an error naming the path, before anything is uploaded): a missing or unreadable
/// directory, a link that points outside `dir` or nowhere, a name that is not UTF-8, a
/// name with a backslash (it would make a different key on another system), and a name with
/// a control character (a newline would split the key across lines of every listing).
pub fn scan(dir: &Path) -> Result<Vec<LocalFile>> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::BadInput {
        path: dir.to_path_buf(),
        problem: match e.kind() {
            std::io::ErrorKind::NotFound => "no such directory".to_owned(),
            _ => format!("cannot read the directory: {e}"),
        },
    })?;
    if !meta.is_dir() {
        return Err(Error::BadInput {
            path: dir.to_path_buf(),
            problem: "not a directory".to_owned(),
        });
    }
    let root = std::fs::canonicalize(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;

    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.to_path_buf());
            Error::BadInput {
                path,
                problem: format!(
                    "cannot read: {}",
                    e.io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string)
                ),
            }
        })?;
        let path = entry.path();
        let rel_path = path.strip_prefix(dir).unwrap_or(path);
        let Some(rel) = rel_path.to_str() else {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                problem: "the file name is not valid UTF-8, so it cannot be an S3 key".to_owned(),
            });
        };
        if rel.contains('\\') {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                problem: "the file name contains a backslash, which S3 clients treat differently"
                    .to_owned(),
            });
        }
        if rel.chars().any(char::is_control) {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                problem: "the file name contains a control character (a newline, tab, ...), \
                          which would break the key in listings, logs and URLs"
                    .to_owned(),
            });
        }
        let rel = rel.to_owned();
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        if JUNK.contains(&entry.file_name().to_str().unwrap_or_default()) {
            continue;
        }
        let (read_path, size) = if file_type.is_symlink() {
            let target = std::fs::canonicalize(path).map_err(|_| Error::BadInput {
                path: path.to_path_buf(),
                problem: "a dangling symlink (its target does not exist)".to_owned(),
            })?;
            if !target.starts_with(&root) {
                return Err(Error::BadInput {
                    path: path.to_path_buf(),
                    problem: format!(
                        "refusing a symlink that points outside {}: {}",
                        dir.display(),
                        target.display()
                    ),
                });
            }
            let meta = std::fs::metadata(&target).map_err(|e| Error::Io {
                path: target.clone(),
                source: e,
            })?;
            if meta.is_dir() {
                // Its files are reached through their real place inside the directory.
                continue;
            }
            (target, meta.len())
        } else if file_type.is_file() {
            let size = entry
                .metadata()
                .map_err(|e| Error::BadInput {
                    path: path.to_path_buf(),
                    problem: format!("cannot read: {e}"),
                })?
                .len();
            (path.to_path_buf(), size)
        } else {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                problem: "not a regular file (a socket, FIFO or device)".to_owned(),
            });
        };
        files.push(LocalFile {
            rel: rel.replace(std::path::MAIN_SEPARATOR, "/"),
            path: read_path,
            size,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_sorted_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/x-1234567.js"), b"x").unwrap();
        std::fs::write(dir.path().join("a.css"), b"yy").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), b"junk").unwrap();
        let files = scan(dir.path()).unwrap();
        let rels: Vec<_> = files.iter().map(|f| (f.rel.as_str(), f.size)).collect();
        assert_eq!(rels, vec![("a.css", 2), ("b/x-1234567.js", 1)]);
    }

    #[test]
    fn symlink_inside_is_followed_outside_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.js"), b"abc").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real.js"), dir.path().join("alias.js"))
            .unwrap();
        let files = scan(dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].rel, "alias.js");
        assert_eq!(files[0].size, 3);

        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("leak.txt"))
            .unwrap();
        let err = scan(dir.path()).unwrap_err().to_string();
        assert!(err.contains("leak.txt") && err.contains("outside"), "{err}");
    }

    #[test]
    fn dangling_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("x.js")).unwrap();
        let err = scan(dir.path()).unwrap_err().to_string();
        assert!(err.contains("dangling"), "{err}");
    }

    #[test]
    fn missing_dir_is_named() {
        let err = scan(Path::new("/nonexistent/public/assets"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "/nonexistent/public/assets: no such directory");
    }

    #[test]
    fn a_control_character_in_a_name_is_refused_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/app\n-1a2b3c4d5e.js"), b"x").unwrap();
        let err = scan(dir.path()).unwrap_err().to_string();
        assert!(err.contains("control character"), "{err}");
        assert!(err.contains("app\\n-1a2b3c4d5e.js"), "{err}");
        assert!(!err.contains('\n'), "{err:?}");
    }

    #[test]
    fn non_utf8_name_is_refused() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad-\xff.js");
        std::fs::write(dir.path().join(name), b"x").unwrap();
        let err = scan(dir.path()).unwrap_err().to_string();
        assert!(err.contains("UTF-8"), "{err}");
    }
}
