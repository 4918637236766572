//! What `select` prints: the same `KEY=value` pairs as shell `export` lines (safe to `eval`),
//! as plain `KEY=value` lines, or as JSON.
//!
//! Shell: every value is single-quoted and each `'` written as `'\''`, so nothing in a value
//! (spaces, quotes, `$()`, backticks, `;`, newlines) is ever interpreted by the shell: the
//! only character a shell variable cannot hold, NUL, is refused. Keys are checked to be shell
//! identifiers when the config is loaded, and again here.

use serde::Serialize;

use crate::config::Target;
use crate::context::Context;
use crate::error::Error;

/// The keys `select` always prints, in order; a target's own variables follow.
pub const OUTPUT_KEYS: [&str; 10] = [
    "DEPLOY_TARGET",
    "DEPLOY_ENVIRONMENT",
    "DEPLOY_APPROVAL",
    "DEPLOY_SERVICES",
    "DEPLOY_JOBS",
    "DEPLOY_RELEASE",
    "DEPLOY_BRANCH",
    "DEPLOY_TAG",
    "DEPLOY_PR",
    "DEPLOY_PIPELINE",
];

/// `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `export KEY='value'` lines, safe to `eval "$(deploy-target select)"`.
    #[default]
    Shell,
    /// `KEY=value` lines, values verbatim (refused when a value has a newline or other
    /// control character).
    Env,
    /// One JSON object.
    Json,
}

/// The outcome of `select`, ready to print.
#[derive(Clone, Debug, Serialize)]
pub struct Selection {
    pub matched: bool,
    pub target: Option<String>,
    pub environment: Option<String>,
    pub approval: bool,
    pub services: Vec<String>,
    pub jobs: Vec<String>,
    pub release: Option<String>,
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// Exactly the pairs the shell and env formats print, in their order.
    #[serde(serialize_with = "serialize_pairs")]
    pub exports: Vec<(String, String)>,
    pub context: Context,
}

impl Selection {
    /// The selection for `target` (or for no match) in `ctx`.
    pub fn new(target: Option<&Target>, ctx: &Context) -> Self {
        let value = |v: &Option<crate::context::Sourced>| {
            v.as_ref().map(|s| s.value.clone()).unwrap_or_default()
        };
        let services: Vec<String> = target
            .map(|t| t.services.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        let jobs: Vec<String> = target
            .map(|t| t.jobs.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        let approval = target.is_some_and(|t| t.approval);
        let mut exports: Vec<(String, String)> = [
            target.map(|t| t.name.clone()).unwrap_or_default(),
            target.map(|t| t.environment.clone()).unwrap_or_default(),
            approval.to_string(),
            services.join(" "),
            jobs.join(" "),
            value(&ctx.commit),
            value(&ctx.branch),
            value(&ctx.tag),
            value(&ctx.pull_request),
            value(&ctx.pipeline),
        ]
        .into_iter()
        .zip(OUTPUT_KEYS)
        .map(|(v, k)| (k.to_owned(), v))
        .collect();
        let mut variables = serde_json::Map::new();
        for (k, v) in target.map(|t| t.variables.as_slice()).unwrap_or_default() {
            exports.push((k.clone(), v.clone()));
            variables.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        Self {
            matched: target.is_some(),
            target: target.map(|t| t.name.clone()),
            environment: target.map(|t| t.environment.clone()),
            approval,
            services,
            jobs,
            release: ctx.commit.as_ref().map(|c| c.value.clone()),
            variables,
            exports,
            context: ctx.clone(),
        }
    }

    /// The text to print on stdout in `format`.
    pub fn render(&self, format: Format) -> Result<String, Error> {
        match format {
            Format::Shell => render_shell(&self.exports),
            Format::Env => render_env(&self.exports),
            Format::Json => serde_json::to_string_pretty(self)
                .map_err(|e| Error::Unexpected(format!("failed to write JSON: {e}"))),
        }
    }
}

fn serialize_pairs<S: serde::Serializer>(
    pairs: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// `export KEY='value'` lines.
pub fn render_shell(pairs: &[(String, String)]) -> Result<String, Error> {
    let mut out = String::new();
    for (key, value) in pairs {
        check_key(key)?;
        if value.contains('\0') {
            return Err(Error::UnsafeValue {
                key: key.clone(),
                what: "a NUL byte, which no shell variable can hold",
            });
        }
        out.push_str("export ");
        out.push_str(key);
        out.push('=');
        out.push_str(&shell_quote(value));
        out.push('\n');
    }
    Ok(out)
}

/// `KEY=value` lines, values verbatim, as docker's `--env-file` and a
/// `while IFS= read -r kv; do export "$kv"; done` loop read them.
pub fn render_env(pairs: &[(String, String)]) -> Result<String, Error> {
    let mut out = String::new();
    for (key, value) in pairs {
        check_key(key)?;
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(Error::UnsafeValue {
                key: key.clone(),
                what: match c {
                    '\n' => "a newline",
                    '\r' => "a carriage return",
                    '\0' => "a NUL byte",
                    _ => "a control character",
                },
            });
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
        out.push('\n');
    }
    Ok(out)
}

fn check_key(key: &str) -> Result<(), Error> {
    if is_shell_identifier(key) {
        Ok(())
    } else {
        Err(Error::Unexpected(format!(
            "variable name {key:?} is not a shell identifier"
        )))
    }
}

/// Single-quotes `value` for a POSIX shell: `it's` becomes `'it'\''s'`.
pub fn shell_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a name every POSIX shell accepts in `export NAME=...`.
pub fn is_shell_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("main"), "'main'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(x) `y`"), "'$(x) `y`'");
        assert_eq!(shell_quote("a\nb"), "'a\nb'");
    }

    #[test]
    fn identifiers() {
        assert!(is_shell_identifier("A"));
        assert!(is_shell_identifier("_a1"));
        assert!(!is_shell_identifier(""));
        assert!(!is_shell_identifier("1A"));
        assert!(!is_shell_identifier("A-B"));
        assert!(!is_shell_identifier("A B"));
        assert!(!is_shell_identifier("Ä"));
    }

    #[test]
    fn shell_lines() {
        assert_eq!(
            render_shell(&pairs(&[("A", "x y"), ("B", "")])).unwrap(),
            "export A='x y'\nexport B=''\n"
        );
        assert!(render_shell(&pairs(&[("A", "a\0b")])).is_err());
        assert!(render_shell(&pairs(&[("A-B", "x")])).is_err());
    }

    #[test]
    fn env_lines_refuse_what_they_cannot_carry() {
        assert_eq!(
            render_env(&pairs(&[("A", "x y 'z' $(q)")])).unwrap(),
            "A=x y 'z' $(q)\n"
        );
        for bad in ["a\nb", "a\rb", "a\u{1b}[31m", "a\u{7f}"] {
            let err = render_env(&pairs(&[("A", bad)])).unwrap_err();
            assert!(err.to_string().contains("A"), "{err}");
        }
    }
}
