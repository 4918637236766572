//! The one owner of stdout (data) and stderr (people).
//!
//! Nothing else in Slipway prints: the workspace denies `print_stdout`/`print_stderr`, and
//! this module is the single exception.

use std::io::Write;

/// Where output goes and how much of it. Cheap to copy and pass around.
#[derive(Clone, Copy, Debug, Default)]
pub struct Printer {
    /// Suppress informational lines on stderr (warnings and errors still print).
    pub quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    /// Data for the next command in the pipeline: one line on stdout.
    pub fn data(&self, line: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        // A closed pipe on stdout is the reader's choice, not our failure.
        let _ = writeln!(out, "{}", line.as_ref());
        let _ = out.flush();
    }

    /// A human-readable progress or summary line on stderr.
    pub fn info(&self, line: impl AsRef<str>) {
        if !self.quiet {
            Self::stderr(line.as_ref());
        }
    }

    /// Something the user should look at, even with `--quiet`.
    pub fn warn(&self, line: impl AsRef<str>) {
        Self::stderr(&format!("warning: {}", line.as_ref()));
    }

    /// The reason we are about to exit non-zero.
    pub fn error(&self, line: impl AsRef<str>) {
        Self::stderr(&format!("error: {}", line.as_ref()));
    }

    fn stderr(line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

/// `text` with every control character (a newline, a tab, an escape sequence) shown escaped
/// (`\n`, `\u{1b}`), so a message that quotes user input stays one line and writes nothing
/// to the terminal.
pub fn one_line(text: &str) -> String {
    if !text.contains(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
