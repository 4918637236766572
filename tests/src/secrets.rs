//! Planted secrets: values a test puts wherever a binary could read a secret (AWS
//! credentials, CodeBuild variables, a task definition, a git remote), and the check that
//! none of them reaches what the binary printed, in clear or in a common encoding.
//!
//! Each value is long and unlike anything a binary prints, so a hit is a leak, never a
//! coincidence. The encodings checked are those a careless message produces: `{:?}` and
//! JSON escaping, percent-encoding (a URL put back together), base64 at every alignment (a
//! header or a blob dumped whole) and hex; and a 16-character head or tail of the value (a
//! "helpful" partial print such as `AKIA…abcd`).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Output, SECRET_KEY, SlipwayCommand};

/// A secret access key for servers that accept any key (moto); never valid for rclone.
pub const AWS_SECRET_ACCESS_KEY: &str = "PLANTEDaws/Secret+Access/Key7f3c9e1b5d2a8046";
/// A session token (STS tokens are long base64 strings with `+`, `/` and `=`).
pub const AWS_SESSION_TOKEN: &str =
    "IQoJPLANTEDb3JpZ2luX2VjE+session/Token//////////wEaCXVzLWVhc3QtMSJH4b6e==";
/// A personal access token, as found in a git remote URL or `GITHUB_TOKEN`.
pub const GIT_TOKEN: &str = "ghp_PLANTEDgitToken0c4e8a1f6b9d2e7a3c5f";
/// A database password, inside a `DATABASE_URL`.
pub const DB_PASSWORD: &str = "PLANTED-db-pass+word~9c1e4b7f";
/// An API token handed to a task with `--env` or set in its task definition.
pub const API_TOKEN: &str = "PLANTED_api_token_5d8b2f0e9a61c7";
/// Rails' master key and secret_key_base, as a build's environment may hold them.
pub const RAILS_MASTER_KEY: &str = "PLANTEDrailsmasterkey3f0a9b8c7d6e5f4a";
pub const SECRET_KEY_BASE: &str = "PLANTEDsecretkeybase0a1b2c3d4e5f60718293a4b5c6d7e8f9";

/// Every planted value, plus the secret key the local test servers really accept (it signs
/// every request of an rclone run, so it is the most exposed of all).
pub const ALL: [&str; 8] = [
    AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN,
    GIT_TOKEN,
    DB_PASSWORD,
    API_TOKEN,
    RAILS_MASTER_KEY,
    SECRET_KEY_BASE,
    SECRET_KEY,
];

/// `https://x-access-token:TOKEN@github.com/shop/app.git`: a remote with its credentials.
pub fn git_remote_url() -> String {
    format!("https://x-access-token:{GIT_TOKEN}@github.com/shop/app.git")
}

/// The header `actions/checkout` and CodeBuild's GitHub source leave in a checkout's git
/// config (`http.https://github.com/.extraheader`): the token, base64-encoded.
pub fn git_extra_header() -> String {
    let basic = STANDARD.encode(format!("x-access-token:{GIT_TOKEN}"));
    format!("AUTHORIZATION: basic {basic}")
}

/// `postgres://app:PASSWORD@db.internal:5432/shop`.
pub fn database_url() -> String {
    format!("postgres://app:{DB_PASSWORD}@db.internal:5432/shop")
}

/// Environment variables a build may carry that no Slipway binary needs: every one holds a
/// planted secret. (AWS credentials are not among them: each test sets those itself, as the
/// server it talks to requires.)
pub fn bystander_env() -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_TOKEN", GIT_TOKEN.to_owned()),
        ("DATABASE_URL", database_url()),
        ("RAILS_MASTER_KEY", RAILS_MASTER_KEY.to_owned()),
        ("SECRET_KEY_BASE", SECRET_KEY_BASE.to_owned()),
        ("API_TOKEN", API_TOKEN.to_owned()),
        // CodeBuild sets the source URL; for some sources it carries a token.
        ("CODEBUILD_SOURCE_REPO_URL", git_remote_url()),
    ]
}

/// `cmd` with [`bystander_env`] and the planted session token added.
pub fn plant(mut cmd: SlipwayCommand) -> SlipwayCommand {
    for (k, v) in bystander_env() {
        cmd = cmd.env(k, v);
    }
    cmd.env("AWS_SESSION_TOKEN", AWS_SESSION_TOKEN)
}

/// Characters a URL path or userinfo keeps as they are (RFC 3986 unreserved).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The forms of `secret` to look for, each with its name. Forms shorter than 12 characters
/// are left out: they could match by chance.
pub fn forms(secret: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![
        ("as is".into(), secret.to_owned()),
        (
            "debug-escaped".into(),
            format!("{secret:?}").trim_matches('"').to_owned(),
        ),
        (
            "json-escaped".into(),
            serde_json::to_string(secret)
                .expect("a string serializes")
                .trim_matches('"')
                .to_owned(),
        ),
        (
            "percent-encoded".into(),
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        ),
        (
            "percent-encoded (unreserved kept)".into(),
            utf8_percent_encode(secret, UNRESERVED).to_string(),
        ),
        ("hex".into(), hex::encode(secret)),
    ];
    // base64 of the secret inside a larger blob depends on its offset modulo 3: encode it
    // after 0, 1 and 2 filler bytes and keep only the characters that the secret alone
    // decides (drop the first characters that mix in the filler and the last partial group).
    for (engine_name, engine) in [("base64", &STANDARD), ("base64url", &URL_SAFE)] {
        for pad in 0..3usize {
            let mut bytes = vec![0u8; pad];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            let skip = match pad {
                0 => 0,
                1 => 2,
                _ => 3,
            };
            let full_groups = (bytes.len() / 3) * 4;
            if full_groups > skip {
                out.push((
                    format!("{engine_name} at offset {pad}"),
                    encoded[skip..full_groups].to_owned(),
                ));
            }
        }
    }
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 24 {
        out.push(("first 16 characters".into(), chars[..16].iter().collect()));
        out.push((
            "last 16 characters".into(),
            chars[chars.len() - 16..].iter().collect(),
        ));
    }
    out.retain(|(_, form)| form.chars().count() >= 12);
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// Every place one of `secrets` (in any of its [`forms`]) occurs in `text`: one line each,
/// naming the secret's form and the line it was found on.
pub fn find_leaks(text: &str, secrets: &[&str]) -> Vec<String> {
    let mut leaks = Vec::new();
    for secret in secrets {
        for (form, needle) in forms(secret) {
            for (n, line) in text.lines().enumerate() {
                if line.contains(&needle) {
                    leaks.push(format!("{secret:?} ({form}) on line {}: {line}", n + 1));
                }
            }
        }
    }
    leaks
}

/// Panics, naming each leak and showing the whole output, if any of `secrets` appears in
/// `out`'s stdout or stderr. `what` names the run (`"upload --dry-run"`).
#[track_caller]
pub fn assert_no_secrets(out: &Output, secrets: &[&str], what: &str) {
    let mut leaks = Vec::new();
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for leak in find_leaks(text, secrets) {
            leaks.push(format!("{stream}: {leak}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "{what}: planted secrets in the output:\n  {}\n--- stdout:\n{}\n--- stderr:\n{}",
        leaks.join("\n  "),
        out.stdout,
        out.stderr
    );
}

/// Runs `cmd`, checks that it exited `code` and that none of `secrets` is in what it printed.
/// `what` names the run in a failure.
#[track_caller]
pub fn run_checked(cmd: SlipwayCommand, secrets: &[&str], what: &str, code: i32) -> Output {
    let out = cmd.run();
    assert_eq!(
        out.code,
        Some(code),
        "{what}: exit code\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    assert_no_secrets(&out, secrets, what);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planted_value_is_distinct_and_long() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(a.len() >= 16, "{a}");
            for b in &ALL[i + 1..] {
                assert!(!a.contains(b) && !b.contains(a), "{a} / {b}");
            }
        }
    }

    #[test]
    fn leaks_are_found_in_clear_and_encoded() {
        let s = AWS_SESSION_TOKEN;
        let cases = [
            format!("token={s}"),
            format!("Token {s:?} rejected"),
            format!("https://h/?t={}", utf8_percent_encode(s, NON_ALPHANUMERIC)),
            format!("x-amz: {}", STANDARD.encode(format!("a:{s}"))),
            format!("x-amz: {}", STANDARD.encode(format!("ab:{s}"))),
            format!("x-amz: {}", URL_SAFE.encode(format!("abc:{s}"))),
            format!("using key {}…", &s[..16]),
            format!("key ending …{}", &s[s.len() - 16..]),
            format!("{{\"token\":{}}}", serde_json::to_string(s).unwrap()),
            hex::encode(s),
        ];
        for text in cases {
            assert!(!find_leaks(&text, &[s]).is_empty(), "missed in {text}");
        }
    }

    #[test]
    fn ordinary_output_is_clean() {
        let text = "asset-sync: release r1 (default): uploaded 3 of 3 objects (12 B) to \
                    s3://b/assets/, 0 already present, 0 failed, in 0.10s\n\
                    error: bucket \"b\": AWS rejected the credentials (SignatureDoesNotMatch)";
        assert!(find_leaks(text, &ALL).is_empty());
    }
}
