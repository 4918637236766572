//! Problems found in a file, located as `file:line:column` so editors and CI logs can jump to
//! them.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// A place in a text file: 1-based line and column (columns count characters, not bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text and to a char boundary).
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Self { line, column }
    }

    /// The start of `span` in `text`.
    pub fn of_span(text: &str, span: &Range<usize>) -> Self {
        Self::of_offset(text, span.start)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One thing wrong with a file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// Where in the file; `None` when the problem is the whole file (e.g. unreadable).
    #[serde(flatten)]
    pub at: Option<Location>,
    pub message: String,
}

impl Problem {
    /// A problem, always one line: a control character in the message or the file name (a
    /// TOML key or a manifest value with a newline, quoted back by a parser) is written as
    /// its escape.
    pub fn new(file: &Path, at: Option<Location>, message: impl Into<String>) -> Self {
        Self {
            file: one_line(file.display().to_string()),
            at,
            message: one_line(message.into()),
        }
    }
}

fn one_line(text: String) -> String {
    slipway_core::printer::one_line(&text)
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(f, "{}:{at}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n\nc";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 6),
            Location { line: 2, column: 1 }
        );
        // `=` after the two-byte `é` is the fourth character of line 2.
        assert_eq!(
            Location::of_offset(text, 10),
            Location { line: 2, column: 4 }
        );
        assert_eq!(
            Location::of_offset(text, 14),
            Location { line: 3, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 999),
            Location { line: 4, column: 2 }
        );
        // Inside a multi-byte character: the character's own column.
        assert_eq!(
            Location::of_offset(text, 8),
            Location { line: 2, column: 2 }
        );
    }

    #[test]
    fn problems_read_like_compiler_messages() {
        let p = Problem::new(
            Path::new("deploy-targets.toml"),
            Some(Location { line: 3, column: 7 }),
            "empty list",
        );
        assert_eq!(p.to_string(), "deploy-targets.toml:3:7: empty list");
        let p = Problem::new(Path::new("x.toml"), None, "unreadable");
        assert_eq!(p.to_string(), "x.toml: unreadable");
    }

    /// Found by fuzzing: `"a\nb" = 1` in the config made TOML's "unknown field" message, and
    /// so `check`'s problem line, two lines.
    #[test]
    fn regression_a_problem_is_one_line_whatever_it_quotes() {
        let p = Problem::new(
            Path::new("dir\n/x.toml"),
            Some(Location { line: 1, column: 1 }),
            "unknown field `a\nb`, expected one of `target`",
        );
        assert_eq!(
            p.to_string(),
            "dir\\n/x.toml:1:1: unknown field `a\\nb`, expected one of `target`"
        );
    }
}
