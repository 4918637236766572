//! Which environment values may be printed.
//!
//! Task definitions routinely carry credentials in plain `environment` entries
//! (`DATABASE_URL=postgres://app:pw@db/app`), and sometimes in the command itself. migrate-task
//! prints env values only in the dry-run plan, and only through [`shown`]: a value is replaced
//! by `<redacted>` when its name looks secret or the value itself holds URL credentials. The
//! service's command and entry point go through [`argv_shown`], by the same rules.
//! `secrets[]` entries are printed as their `valueFrom` ARN, never resolved.

/// What replaces a hidden value.
pub const REDACTED: &str = "<redacted>";

/// Name fragments that mark a variable as secret (compared upper-case).
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "SESSION",
    "COOKIE",
    "SALT",
    "SIGNATURE",
    "CERT",
    "DSN",
    "DATABASE_URL",
];

/// True when the variable's name suggests its value is a secret.
pub fn name_looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// True when `value` is a URL carrying credentials (`scheme://user:pw@host`).
pub fn value_has_credentials(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| !userinfo.is_empty())
}

/// The value as it may be printed.
pub fn shown<'a>(name: &str, value: &'a str) -> &'a str {
    if name_looks_secret(name) || value_has_credentials(value) {
        REDACTED
    } else {
        value
    }
}

/// An argv as it may be printed (the service's own command and entry point in the plan): an
/// argument holding a URL with credentials becomes `<redacted>`, and one shaped
/// `NAME=value` or `--name=value` keeps its name and hides its value when the name looks
/// secret (`--master-key=...`, `DB_PASSWORD=...`).
pub fn argv_shown(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|arg| {
            if value_has_credentials(arg) {
                return REDACTED.to_owned();
            }
            match arg.split_once('=') {
                Some((name, _)) if name_looks_secret(name) => format!("{name}={REDACTED}"),
                _ => arg.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_redacted() {
        for name in [
            "DATABASE_URL",
            "SECRET_KEY_BASE",
            "RAILS_MASTER_KEY",
            "API_TOKEN",
            "db_password",
            "AWS_SECRET_ACCESS_KEY",
            "SENTRY_DSN",
            "SMTP_PASS",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            assert_eq!(shown(name, "hunter2"), REDACTED, "{name}");
        }
    }

    #[test]
    fn plain_values_are_shown() {
        for (name, value) in [
            ("RAILS_ENV", "production"),
            ("RAILS_LOG_TO_STDOUT", "1"),
            ("WEB_CONCURRENCY", "2"),
            ("APP_HOST", "https://shop.example.com/path"),
        ] {
            assert_eq!(shown(name, value), value, "{name}");
        }
    }

    #[test]
    fn argv_keeps_its_shape_and_hides_credentials() {
        let argv: Vec<String> = [
            "bundle",
            "exec",
            "sidekiq",
            "-r",
            "redis://:pw@cache:6379/0",
            "--master-key=abc123",
            "RAILS_ENV=production",
            "DB_PASSWORD=hunter2",
            "https://example.com/a@b",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            argv_shown(&argv),
            [
                "bundle",
                "exec",
                "sidekiq",
                "-r",
                "<redacted>",
                "--master-key=<redacted>",
                "RAILS_ENV=production",
                "DB_PASSWORD=<redacted>",
                "https://example.com/a@b",
            ]
        );
    }

    #[test]
    fn urls_with_credentials_are_redacted_whatever_the_name() {
        assert_eq!(shown("REDIS", "redis://:pw@cache:6379/0"), REDACTED);
        assert_eq!(shown("PRIMARY", "postgres://app:pw@db/app"), REDACTED);
        assert_eq!(
            shown("HOME_PAGE", "https://example.com/a@b"),
            "https://example.com/a@b"
        );
    }
}
