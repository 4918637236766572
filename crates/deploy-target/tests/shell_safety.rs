//! `eval "$(deploy-target select)"` must never run anything a value carries, in bash or in
//! a POSIX sh, and every value must come out of the shell exactly as it went in.
//!
//! Hostile values arrive the ways a real build can see them: a branch name from CodeBuild's
//! webhook variables, flags, and a target variable in the config. Each would create a marker
//! file if any shell ever interpreted it.

mod common;

use common::*;
use proptest::prelude::*;

/// Values that would run `touch MARKER` if interpreted, plus every quoting edge.
fn hostile(marker: &str) -> Vec<String> {
    vec![
        format!("$(touch {marker})"),
        format!("`touch {marker}`"),
        format!("main; touch {marker}"),
        format!("main && touch {marker}"),
        format!("main | touch {marker}"),
        format!("' ; touch {marker} ; '"),
        format!("'$(touch {marker})'"),
        format!("\"$(touch {marker})\""),
        format!("main\ntouch {marker}\n"),
        format!("main\n'\ntouch {marker}\n'"),
        format!("x'\\''$(touch {marker})"),
        format!("${{IFS}}touch${{IFS}}{marker}"),
        format!("$((1+1))$(touch {marker})"),
        format!("main #\ntouch {marker}"),
        format!("\\'; touch {marker}; echo \\'"),
        "  leading and trailing spaces  ".to_owned(),
        "tab\there".to_owned(),
        "glob * ? [a]".to_owned(),
        "$HOME $PATH ~ !! !$".to_owned(),
        "'".to_owned(),
        "''".to_owned(),
        "\\".to_owned(),
        "feature/ünïcødé-枝".to_owned(),
        String::new(),
    ]
}

/// Everything matches, and the target also carries a hostile variable.
fn config(marker: &str) -> String {
    let var = format!("$(touch {marker})'\"`touch {marker}`\"'\n; touch {marker}");
    format!(
        "[[target]]\nname = \"any\"\nbranches = [\"**\"]\nservices = [\"web\"]\n\
         variables = {{ NOTE = {} }}\n",
        toml_string(&var)
    )
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn hostile_values_never_run_and_round_trip_exactly() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("PWNED");
    let m = marker.display().to_string();
    let scratch = Scratch::new(&config(&m));
    let note = format!("$(touch {m})'\"`touch {m}`\"'\n; touch {m}");

    for value in hostile(&m) {
        // 1. As the branch CodeBuild reports for a webhook push (an empty branch is no
        //    branch at all, so it cannot match; skip it there).
        if !value.is_empty() {
            let mut vars = webhook_push(&value);
            // A commit id nobody validates either.
            vars.retain(|(k, _)| *k != "CODEBUILD_RESOLVED_SOURCE_VERSION");
            vars.push(("CODEBUILD_RESOLVED_SOURCE_VERSION", value.clone()));
            let out = with_env(scratch.cmd(["select"]), &vars).run();
            out.assert_success();
            for shell in ["bash", "sh"] {
                let got = eval_in(
                    shell,
                    &out.stdout,
                    &["DEPLOY_BRANCH", "DEPLOY_RELEASE", "NOTE", "DEPLOY_TARGET"],
                );
                assert!(!marker.exists(), "{shell} ran something in {value:?}");
                assert_eq!(
                    got,
                    [value.as_str(), value.as_str(), note.as_str(), "any"],
                    "{shell}: {value:?}"
                );
            }
        }
        // 2. As flags (with `=` so values starting with `-` stay values).
        let out = scratch
            .cmd([
                "select".to_owned(),
                "--branch=main".to_owned(),
                format!("--commit={value}"),
                format!("--pipeline={value}"),
            ])
            .run();
        if value.is_empty() {
            // Empty flag values count as not given.
            out.assert_success();
            continue;
        }
        out.assert_success();
        for shell in ["bash", "sh"] {
            let got = eval_in(shell, &out.stdout, &["DEPLOY_RELEASE", "DEPLOY_PIPELINE"]);
            assert!(!marker.exists(), "{shell} ran something in {value:?}");
            assert_eq!(got, [value.as_str(), value.as_str()], "{shell}: {value:?}");
        }
    }
    // 3. `explain` prints them escaped, never raw, so a log cannot be forged.
    let out = with_env(scratch.cmd(["explain"]), &webhook_push("a\nfake: line")).run();
    out.assert_success();
    assert!(out.stdout.contains(r#""a\nfake: line""#), "{}", out.stdout);
    assert!(!out.stdout.contains("\nfake: line"));

    assert!(
        !marker.exists(),
        "a value was run by the shell: {} exists",
        marker.display()
    );
}

#[test]
fn the_eval_idiom_from_the_buildspec_runs_nothing() {
    // Exactly the `eval` form the README's buildspec examples use.
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("PWNED");
    let m = marker.display().to_string();
    let scratch = Scratch::new(&config(&m));
    let branch = format!("x\"$(touch {m})\"'`touch {m}`'");
    let out = with_env(scratch.cmd(["select"]), &webhook_push(&branch)).run();
    out.assert_success();
    let script = "targets=$(cat) || exit 1\neval \"$targets\"\nprintf '%s' \"$DEPLOY_BRANCH\"";
    for shell in ["bash", "sh"] {
        let res = run_with_stdin(
            std::process::Command::new(shell).arg("-c").arg(script),
            &out.stdout,
        );
        assert!(!marker.exists(), "{shell} ran something");
        assert!(res.status.success(), "{shell}");
        assert_eq!(String::from_utf8(res.stdout).unwrap(), branch);
    }
    assert!(!marker.exists());
}

#[test]
fn variable_names_that_are_not_identifiers_are_refused() {
    let scratch = Scratch::new(
        "[[target]]\nname = \"x\"\nbranches = [\"**\"]\nvariables = { \"A;touch /tmp/x\" = \"1\" }\n",
    );
    let out = scratch.cmd(["select", "--branch", "main"]).run();
    out.assert_code(2);
    assert_stdout_empty(&out);
    assert_eq!(
        out.stderr_lines(),
        [
            "error: deploy-targets.toml:4:15: target \"x\": variable \"A;touch /tmp/x\" is not a shell variable name (letters, digits and _, not starting with a digit)"
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any string (argv cannot hold NUL) given as the commit comes back from
    /// `bash -c 'eval "$(cat)"; printf %s "$DEPLOY_RELEASE"'` byte for byte.
    #[test]
    fn shell_output_round_trips_any_string_through_bash(value in "[^\u{0}]{1,40}") {
        let scratch = Scratch::new("[[target]]\nname = \"x\"\nbranches = [\"main\"]\n");
        let out = scratch
            .cmd(["select".to_owned(), "--branch=main".to_owned(), format!("--commit={value}")])
            .run();
        prop_assert_eq!(out.code, Some(0), "{}", out.stderr);
        let res = run_with_stdin(
            std::process::Command::new("bash")
                .arg("-c")
                .arg("eval \"$(cat)\"; printf %s \"$DEPLOY_RELEASE\""),
            &out.stdout,
        );
        prop_assert!(res.status.success());
        prop_assert_eq!(String::from_utf8(res.stdout).unwrap(), value);
    }

    /// The quoting function itself, on many more strings (ASCII controls and quotes
    /// weighted in), through sh.
    #[test]
    fn quoting_round_trips_through_sh(value in "(['\"\\\\$`;&|<>(){}\n\t !*?~#a-z]|[^\u{0}]){0,60}") {
        let line = format!("export X={}\n", deploy_target::output::shell_quote(&value));
        let res = run_with_stdin(
            std::process::Command::new("sh").arg("-c").arg("eval \"$(cat)\"; printf %s \"$X\""),
            &line,
        );
        prop_assert!(res.status.success());
        prop_assert_eq!(String::from_utf8(res.stdout).unwrap(), value);
    }
}
