//! The README lists every environment variable and every exit code: checked here, so a new
//! flag twin or code cannot ship undocumented.

const README: &str = include_str!("../../../README.md");
const ENV_RS: &str = include_str!("../src/env.rs");

/// The values of every `pub const NAME: &str = "VALUE";` in env.rs.
fn env_names() -> Vec<&'static str> {
    ENV_RS
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| l.split_once("= \""))
        .map(|(_, rest)| rest.trim_end_matches("\";"))
        .collect()
}

#[test]
fn env_rs_declares_names() {
    assert!(env_names().len() > 40, "{:?}", env_names());
}

#[test]
fn readme_lists_every_environment_variable() {
    let missing: Vec<_> = env_names()
        .into_iter()
        .filter(|name| !README.contains(&format!("`{name}`")))
        .collect();
    assert!(missing.is_empty(), "README.md does not list: {missing:?}");
}

#[test]
fn readme_lists_every_exit_code() {
    for (code, name, _) in slipway_core::ExitCode::TABLE {
        let row = format!("| {code} | `{name}` |");
        assert!(
            README.contains(&row),
            "README.md lacks the exit-code row {row:?}"
        );
    }
}
