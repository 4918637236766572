//! No code path hands user data to a shell: every process a Slipway binary starts is named by
//! a literal program from a short, reviewed list, and nothing runs `sh -c` (or any other
//! shell) at all. Checked on the source of every crate, so a new subprocess cannot ship
//! without someone updating the list below on purpose.
//!
//! Today the only subprocess is `git` (argv only, never a shell): `asset-sync` reads
//! `git rev-parse HEAD` for a default release id, and `deploy-target` reads the branch, HEAD
//! and its tags for dry runs on a laptop.

use std::path::{Path, PathBuf};

/// Programs Slipway may start, each with why.
const ALLOWED_PROGRAMS: &[(&str, &str)] = &[(
    "git",
    "asset-sync's default release id; deploy-target's local context",
)];

/// Programs that interpret a string as a command line. (`env` is not one: a
/// `Command::new("env")` would still have to pass the reviewed list of programs.)
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "mksh",
    "fish",
    "csh",
    "tcsh",
    "ash",
    "busybox",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
];

/// Calls that run a command line through a shell without naming one.
const SHELL_CALLS: &[&str] = &[
    "libc::system(",
    "libc::popen(",
    "execvp(",
    "CommandExt::exec(",
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every `crates/*/src/**/*.rs`.
fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut crates: Vec<_> = std::fs::read_dir(crates_dir())
        .expect("read crates/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    crates.sort();
    for krate in crates {
        rust_files(&krate.join("src"), &mut files);
    }
    files
}

/// The source with comments blanked out (line structure kept), so documentation that
/// mentions `sh -c` is not code that runs it. String literals are kept as they are.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_str = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            out.push(c as char);
            if c == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1] as char);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        if let Some(len) = raw_string_len(&text[i..], i > 0 && is_ident(bytes[i - 1])) {
            // r"..." / r#"..."#: no escapes inside, and it ends only at its own delimiter.
            out.push_str(&text[i..i + len]);
            i += len;
        } else if c == b'"' {
            // A char literal '"' is not the start of a string.
            let is_char_literal =
                i > 0 && bytes[i - 1] == b'\'' && bytes.get(i + 1) == Some(&b'\'');
            in_str = !is_char_literal;
            out.push('"');
            i += 1;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                if bytes[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else {
            // Non-ASCII bytes only occur in strings and comments; keep the width anyway.
            out.push(if c.is_ascii() { c as char } else { ' ' });
            i += 1;
        }
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The length of the raw string literal (`r"…"`, `r#"…"#`, `br#"…"#`) starting `rest`, if one
/// does (and `rest` is not the tail of an identifier such as `bar"`).
fn raw_string_len(rest: &str, after_ident: bool) -> Option<usize> {
    if after_ident {
        return None;
    }
    let body = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = body.len() - body.trim_start_matches('#').len();
    let inner = body[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = inner.find(&close)?;
    Some(rest.len() - inner.len() + end + close.len())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

/// What `Command::new(` at `offset` starts: the literal program, or the expression text.
fn program_at(code: &str, offset: usize) -> Result<String, String> {
    let rest = code[offset..].trim_start();
    if let Some(lit) = rest.strip_prefix('"') {
        let end = lit.find('"').unwrap_or(lit.len());
        Ok(lit[..end].to_owned())
    } else {
        let end = rest.find([')', '\n']).unwrap_or(rest.len());
        Err(rest[..end].trim().to_owned())
    }
}

/// Every process start in the sources: (file:line, program or the non-literal expression).
fn spawns() -> Vec<(String, Result<String, String>)> {
    let mut found = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).expect("read source");
        let code = code_only(&text);
        let rel = file
            .strip_prefix(crates_dir())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (at, _) in code.match_indices("Command::new(") {
            let program = program_at(&code, at + "Command::new(".len());
            found.push((format!("crates/{rel}:{}", line_of(&code, at)), program));
        }
    }
    found
}

#[test]
fn no_source_starts_a_shell() {
    let mut problems = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).expect("read source");
        let code = code_only(&text);
        let rel = file
            .strip_prefix(crates_dir())
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut flag = |offset: usize, what: String| {
            problems.push(format!("crates/{rel}:{}: {what}", line_of(&code, offset)));
        };
        for shell in SHELLS {
            for quoted in [
                format!("\"{shell}\""),
                format!("\"/bin/{shell}\""),
                format!("\"/usr/bin/{shell}\""),
            ] {
                for (at, _) in code.match_indices(&quoted) {
                    flag(at, format!("names the shell {quoted}"));
                }
            }
        }
        for (at, _) in code.match_indices("\"-c\"") {
            flag(
                at,
                "passes \"-c\" (a command line for a shell to interpret)".to_owned(),
            );
        }
        for call in SHELL_CALLS {
            for (at, _) in code.match_indices(call) {
                flag(at, format!("calls {call}..)"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "shells in the sources (run programs with an argv instead):\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_subprocess_is_a_literal_program_from_the_reviewed_list() {
    let found = spawns();
    let mut problems = Vec::new();
    for (at, program) in &found {
        match program {
            Ok(p) if ALLOWED_PROGRAMS.iter().any(|(name, _)| name == p) => {}
            Ok(p) => problems.push(format!(
                "{at}: starts {p:?}, which is not in ALLOWED_PROGRAMS (add it there with a reason, if it must be)"
            )),
            Err(expr) => problems.push(format!(
                "{at}: starts a program named by an expression ({expr}); name a literal program"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The inventory the module documentation describes: if it changes, so must the docs.
    let programs: Vec<&str> = found
        .iter()
        .filter_map(|(_, p)| p.as_deref().ok())
        .collect();
    assert!(
        programs.iter().all(|p| *p == "git") && found.len() >= 2,
        "{found:?}"
    );
}

#[test]
fn the_scanner_sees_what_it_must() {
    let src = r##"
        // Command::new("sh") in a comment is documentation.
        /* "-c" in a block comment too */
        let quote = '"';
        let a = Command::new("git").arg("x");
        let b = std::process::Command::new(
            "bash",
        ).arg("-c");
        let c = tokio::process::Command::new(program);
        let d = r#"{"a.js":"a\\b // not a comment"}"#; let e = Command::new("git");
    "##;
    let code = code_only(src);
    assert!(!code.contains("Command::new(\"sh\")"));
    assert!(!code.contains("block comment"));
    let programs: Vec<_> = code
        .match_indices("Command::new(")
        .map(|(at, _)| program_at(&code, at + "Command::new(".len()))
        .collect();
    assert_eq!(
        programs,
        vec![
            Ok("git".to_owned()),
            Ok("bash".to_owned()),
            Err("program".to_owned()),
            Ok("git".to_owned())
        ]
    );
    assert!(code.contains("\"-c\""));
}
