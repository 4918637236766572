//! The bad-input catalogue, `docs/bad-input.md`, read as data: the doc is the source of truth
//! for what each binary prints and exits with on bad input, and the tests hold the binaries
//! to it.
//!
//! Each case is a `### ID title` section with a `- **Exit:** N` line, a ```` ```stderr ````
//! block holding every stderr line the binary prints (blank lines aside), and, where the
//! case has data, a ```` ```stdout ```` block of lines stdout must contain (without one,
//! stdout must be empty). Placeholders such as `<DIR>` stand for what differs between runs;
//! the test names its substitutions.
//!
//! Tests call [`assert_case`] with the case id as a string literal; a unit test here checks
//! that every id in the doc is asserted by exactly one call in its binary's
//! `tests/bad_input.rs`, and that no call names an id the doc lacks.

use std::sync::OnceLock;

use crate::Output;

/// The catalogue's text, compiled in so a test never reads it from a different checkout.
pub const DOC: &str = include_str!("../../docs/bad-input.md");

/// One catalogued case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// `AS-01`, `DT-03`, `MT-07`: the binary's initials and a number.
    pub id: String,
    pub title: String,
    pub exit: i32,
    /// Every non-blank stderr line, in order, with placeholders.
    pub stderr: Vec<String>,
    /// Lines stdout must contain; empty means stdout must be empty.
    pub stdout: Vec<String>,
}

/// A catalogue that does not parse, with the line at fault.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

/// Every case of the catalogue, in document order.
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| parse(DOC).unwrap_or_else(|e| panic!("docs/bad-input.md: {}", e.0)))
}

/// The case `id`; panics if the catalogue lacks it.
pub fn case(id: &str) -> &'static Case {
    cases()
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("docs/bad-input.md has no case {id}"))
}

/// Whether `s` is a case id: two capital letters, a dash, two or more digits.
pub fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2] == b'-'
        && b[3..].iter().all(u8::is_ascii_digit)
}

/// Parses the catalogue's case sections (everything before the first `### ` is prose).
pub fn parse(doc: &str) -> Result<Vec<Case>, ParseError> {
    let mut cases: Vec<Case> = Vec::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut current: Option<(Case, bool, bool)> = None; // case, saw exit, saw stderr
    let finish = |c: Option<(Case, bool, bool)>, cases: &mut Vec<Case>| match c {
        None => Ok(()),
        Some((case, true, true)) => {
            cases.push(case);
            Ok(())
        }
        Some((case, exit, _)) => Err(ParseError(format!(
            "case {} lacks {}",
            case.id,
            if exit {
                "a ```stderr block"
            } else {
                "an Exit line"
            }
        ))),
    };
    while let Some((n, line)) = lines.next() {
        if line.starts_with("## ") {
            finish(current.take(), &mut cases)?;
            continue;
        }
        if let Some(rest) = line.strip_prefix("### ") {
            finish(current.take(), &mut cases)?;
            let (id, title) = rest.split_once(' ').unwrap_or((rest, ""));
            if !is_id(id) {
                return Err(ParseError(format!(
                    "line {}: a case heading starts with its id, e.g. `### AS-01 ...`: {line:?}",
                    n + 1
                )));
            }
            if cases.iter().any(|c| c.id == id) {
                return Err(ParseError(format!("line {}: case {id} twice", n + 1)));
            }
            let case = Case {
                id: id.to_owned(),
                title: title.trim_start_matches(['-', '—', ' ']).to_owned(),
                exit: -1,
                stderr: Vec::new(),
                stdout: Vec::new(),
            };
            current = Some((case, false, false));
            continue;
        }
        let Some((case, saw_exit, saw_stderr)) = current.as_mut() else {
            continue;
        };
        if let Some(rest) = line.trim_start().strip_prefix("- **Exit:**") {
            let digits: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            case.exit = digits.parse().map_err(|_| {
                ParseError(format!(
                    "line {}: {}: `- **Exit:**` must start with the code",
                    n + 1,
                    case.id
                ))
            })?;
            *saw_exit = true;
        } else if let Some(kind @ ("stderr" | "stdout")) = line.strip_prefix("```") {
            let mut block = Vec::new();
            loop {
                match lines.next() {
                    Some((_, "```")) => break,
                    Some((_, l)) => {
                        if !l.trim().is_empty() {
                            block.push(l.to_owned());
                        }
                    }
                    None => {
                        return Err(ParseError(format!(
                            "line {}: {}: unclosed ```{kind} block",
                            n + 1,
                            case.id
                        )));
                    }
                }
            }
            if kind == "stderr" {
                case.stderr = block;
                *saw_stderr = true;
            } else {
                case.stdout = block;
            }
        }
    }
    finish(current.take(), &mut cases)?;
    Ok(cases)
}

/// `text` with each `(placeholder, value)` replaced, in the order given.
pub fn fill(text: &str, subs: &[(&str, &str)]) -> String {
    subs.iter()
        .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
}

/// Asserts that `out` is exactly what the catalogue says for `id`: the exit code, every
/// non-blank stderr line, and the stdout lines (or an empty stdout).
#[track_caller]
pub fn assert_case(id: &str, out: &Output, subs: &[(&str, &str)]) {
    let case = case(id);
    let context = || {
        format!(
            "{id} ({}), as docs/bad-input.md says\n--- stdout:\n{}\n--- stderr:\n{}",
            case.title, out.stdout, out.stderr
        )
    };
    assert_eq!(out.code, Some(case.exit), "exit code of {}", context());
    let expected: Vec<String> = case.stderr.iter().map(|l| fill(l, subs)).collect();
    assert_eq!(out.stderr_lines(), expected, "stderr of {}", context());
    if case.stdout.is_empty() {
        assert_eq!(out.stdout, "", "stdout of {}", context());
    } else {
        let lines: Vec<&str> = out.stdout.lines().collect();
        for want in case.stdout.iter().map(|l| fill(l, subs)) {
            assert!(
                lines.contains(&want.as_str()),
                "stdout lacks the line {want:?}: {}",
                context()
            );
        }
    }
}

/// The case ids asserted in a test file's source: the string literal that opens each
/// `assert_case(` call.
pub fn asserted_ids(source: &str) -> Vec<String> {
    source
        .split("assert_case(")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start().strip_prefix('"')?;
            let (id, _) = rest.split_once('"')?;
            Some(id.to_owned())
        })
        .filter(|id| is_id(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Each binary's bad-input tests, by the prefix of the ids they own.
    const TEST_FILES: [(&str, &str, &str); 3] = [
        (
            "AS",
            "crates/asset-sync/tests/bad_input.rs",
            include_str!("../../crates/asset-sync/tests/bad_input.rs"),
        ),
        (
            "DT",
            "crates/deploy-target/tests/bad_input.rs",
            include_str!("../../crates/deploy-target/tests/bad_input.rs"),
        ),
        (
            "MT",
            "crates/migrate-task/tests/bad_input.rs",
            include_str!("../../crates/migrate-task/tests/bad_input.rs"),
        ),
    ];

    #[test]
    fn the_catalogue_parses_and_holds_at_least_30_cases_over_every_binary() {
        let cases = cases();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        for (prefix, ..) in TEST_FILES {
            assert!(
                cases.iter().any(|c| c.id.starts_with(prefix)),
                "no {prefix} case"
            );
        }
        for c in cases {
            assert!(!c.stderr.is_empty(), "{}: no stderr lines", c.id);
            assert!(!c.title.is_empty(), "{}: no title", c.id);
        }
    }

    #[test]
    fn every_case_is_asserted_exactly_once_by_its_binarys_tests() {
        let mut asserted: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (prefix, path, source) in TEST_FILES {
            for id in asserted_ids(source) {
                assert!(
                    id.starts_with(prefix),
                    "{path} asserts {id}, which belongs to another binary"
                );
                asserted.entry(id).or_default().push(path);
            }
        }
        let documented: Vec<&str> = cases().iter().map(|c| c.id.as_str()).collect();
        let unasserted: Vec<&&str> = documented
            .iter()
            .filter(|id| !asserted.contains_key(**id))
            .collect();
        assert!(unasserted.is_empty(), "no test asserts {unasserted:?}");
        let unknown: Vec<&String> = asserted
            .keys()
            .filter(|id| !documented.contains(&id.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "tests assert {unknown:?}, which docs/bad-input.md lacks"
        );
        let twice: Vec<(&String, &Vec<&str>)> =
            asserted.iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(twice.is_empty(), "asserted more than once: {twice:?}");
    }

    #[test]
    fn the_overview_table_agrees_with_the_cases() {
        // Rows of the overview: `| ID | command | case | exit |`.
        let rows: Vec<(String, i32)> = DOC
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.trim().trim_matches('|').split('|').collect();
                let id = cells.first()?.trim();
                if !is_id(id) {
                    return None;
                }
                let exit = cells.last()?.trim().parse().ok()?;
                Some((id.to_owned(), exit))
            })
            .collect();
        let cases: Vec<(String, i32)> = cases().iter().map(|c| (c.id.clone(), c.exit)).collect();
        assert_eq!(
            rows, cases,
            "the overview table lists every case, in order, with its exit code"
        );
    }

    #[test]
    fn the_parser_reads_blocks_and_rejects_what_it_cannot_use() {
        let doc = "intro\n## Group\n### XY-01 — a case\n- **Input:** x\n- **Exit:** 2 (`USAGE`)\n\
                   ```stderr\nerror: <DIR>: no\n\nFor more\n```\n```stdout\nA=1\n```\n";
        let cases = parse(doc).unwrap();
        assert_eq!(
            cases,
            vec![Case {
                id: "XY-01".into(),
                title: "a case".into(),
                exit: 2,
                stderr: vec!["error: <DIR>: no".into(), "For more".into()],
                stdout: vec!["A=1".into()],
            }]
        );
        assert!(parse("### XY-01 a\n- **Exit:** 2\n").is_err());
        assert!(parse("### XY-01 a\n```stderr\nx\n```\n").is_err());
        assert!(parse("### nope\n").is_err());
        assert_eq!(
            asserted_ids(
                "assert_case(\n    \"AS-01\",\n &out); assert_case(\"AS-02\", &o); assert_case(id, &o)"
            ),
            ["AS-01", "AS-02"]
        );
        assert_eq!(fill("<DIR>/<DIR>", &[("<DIR>", "/t")]), "/t//t");
    }
}
