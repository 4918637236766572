//! Fuzzing deploy-target's parsers with proptest, inside `cargo test` and bounded in time
//! (small inputs, a fixed number of cases; `PROPTEST_CASES` overrides it for a longer run):
//! the config (`deploy-targets.toml`: any text, TOML-shaped documents with random keys and
//! values, the shipped example mutated), the build context (every CodeBuild variable, flag and
//! git value random, then rendered in every format), branch globs, and Copilot manifests.
//!
//! The properties: no panic; a config is valid or refused with problems that are each one
//! non-empty line; everything `explain` prints is one line per line; `select` prints a value
//! in every format or refuses it in one line.
//!
//! What it found is pinned by the `regression_*` tests at the end (through the binary) and
//! beside the fixes in `copilot.rs` and `diagnostic.rs`. The strategies are boxed: unboxed,
//! proptest's own value trees for them overflow a test thread's stack in a debug build.

use std::path::Path;

use clap::CommandFactory;
use deploy_target::cli::{Cli, Command, Settings};
use deploy_target::config::Config;
use deploy_target::context::{Context, Inputs, Overrides};
use deploy_target::copilot::Workspace;
use deploy_target::diagnostic::Location;
use deploy_target::explain;
use deploy_target::git::GitInfo;
use deploy_target::output::{Format, Selection};
use deploy_target::pattern::Pattern;
use deploy_target::rules;
use proptest::prelude::*;
use proptest::sample::Index;
use slipway_core::codebuild::CodeBuildContext;

/// `n` cases, unless `PROPTEST_CASES` asks for another number.
fn cases(n: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = n;
    }
    config
}

fn example() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy-targets.example.toml"),
    )
    .expect("the example config")
}

fn one_line(what: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!text.trim().is_empty(), "{what}: empty");
    prop_assert!(
        !text.contains(['\n', '\r']),
        "{what}: not one line: {text:?}"
    );
    Ok(())
}

/// Parses `text`; checks the problems, or renders the config against `ctx` in every way
/// the binary does.
fn check_config(text: &str, ctx: &Context) -> Result<(), TestCaseError> {
    match Config::parse(Path::new("deploy-targets.toml"), text) {
        Err(problems) => {
            prop_assert!(!problems.is_empty(), "refused without a problem");
            for p in &problems {
                one_line("problem", &p.to_string())?;
            }
        }
        Ok(config) => {
            prop_assert!(!config.targets.is_empty());
            for p in rules::shadowed(&config) {
                one_line("shadowing", &p.to_string())?;
            }
            check_rendering(&config, ctx)?;
        }
    }
    Ok(())
}

fn check_rendering(config: &Config, ctx: &Context) -> Result<(), TestCaseError> {
    let ev = rules::evaluate(config, ctx);
    for line in explain::report_lines(config, ctx, &ev)
        .iter()
        .chain(&explain::context_lines(ctx))
        .chain(&explain::rule_lines(config, &ev))
    {
        prop_assert!(!line.contains(['\n', '\r']), "explain line: {line:?}");
    }
    one_line("describe", &ctx.describe())?;
    let report = explain::Report::new(config, ctx, &ev);
    serde_json::to_string(&report).expect("the explain report serializes");
    let selection = Selection::new(ev.selected(config), ctx);
    for format in [Format::Shell, Format::Env, Format::Json] {
        match selection.render(format) {
            Ok(text) => match format {
                Format::Json => {
                    serde_json::from_str::<serde_json::Value>(&text).expect("JSON");
                }
                Format::Env => {
                    prop_assert_eq!(text.lines().count(), selection.exports.len());
                }
                Format::Shell => {
                    prop_assert!(text.lines().all(|l| !l.is_empty()) || text.is_empty());
                }
            },
            Err(e) => {
                one_line("render error", &e.to_string())?;
                prop_assert_eq!(e.exit_code(), slipway_core::ExitCode::USAGE);
            }
        }
    }
    Ok(())
}

/// Strings a branch, tag, variable or config value may hold, hostile ones over-represented.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z0-9/._-]{0,16}",
        1 => prop::sample::select(vec![
            "", "main", "feature/**", "release/*", "v[0-9]*", "{a,b}", "[", "\\", "**/**",
            "it's", "$(touch x)", "`id`", "a\nb", "a\rb", "\0", "\u{7f}", "é", "refs/heads/",
            "refs/tags/v1", "branch/", "pr/", "pr/12", "tag/", "codepipeline/", "arn:aws:s3:::x",
            "https://user:pw@host/x", "PATH", "IFS", "DEPLOY_TARGET", "CODEBUILD_X", "1A",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(24).collect()),
    ]
    .boxed()
}

fn maybe_text() -> BoxedStrategy<Option<String>> {
    prop::option::weighted(0.6, text()).boxed()
}

/// A TOML value, typed at random.
fn toml_value() -> BoxedStrategy<toml::Value> {
    let leaf = prop_oneof![
        4 => text().prop_map(toml::Value::String),
        1 => any::<i64>().prop_map(toml::Value::Integer),
        1 => any::<bool>().prop_map(toml::Value::Boolean),
        1 => any::<f64>().prop_map(toml::Value::Float),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(toml::Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| toml::Value::Table(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Keys the config knows, among random ones.
fn key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "name", "environment", "approval", "services", "jobs", "variables", "branches",
            "tags", "pipelines", "pull_requests", "base_branches", "events", "RAILS_ENV",
            "PATH", "DEPLOY_TARGET", "ASSET_HOST",
        ])
        .prop_map(str::to_owned),
        1 => text(),
    ]
    .boxed()
}

/// A value for a known key, usually of the right type.
fn list_of_strings() -> BoxedStrategy<toml::Value> {
    prop::collection::vec(text().prop_map(toml::Value::String), 0..4)
        .prop_map(toml::Value::Array)
        .boxed()
}

/// One `[[target]]`: mostly the right keys with the right types, some wrong.
fn target_table() -> BoxedStrategy<toml::Table> {
    (
        text(),
        prop::option::of(text()),
        prop::option::of(any::<bool>()),
        prop::option::of(list_of_strings()),
        prop::option::of(list_of_strings()),
        prop::option::of(list_of_strings()),
        prop::option::of(list_of_strings()),
        prop::option::of((
            prop::option::of(list_of_strings()),
            prop::option::of(list_of_strings()),
        )),
        prop::collection::vec((key(), toml_value()), 0..3),
        prop::collection::vec((key(), toml_value()), 0..2),
    )
        .prop_map(
            |(name, env, approval, services, branches, tags, pipelines, prs, vars, stray)| {
                let mut t = toml::Table::new();
                t.insert("name".into(), toml::Value::String(name));
                if let Some(e) = env {
                    t.insert("environment".into(), toml::Value::String(e));
                }
                if let Some(a) = approval {
                    t.insert("approval".into(), toml::Value::Boolean(a));
                }
                for (k, v) in [
                    ("services", services),
                    ("branches", branches),
                    ("tags", tags),
                    ("pipelines", pipelines),
                ] {
                    if let Some(v) = v {
                        t.insert(k.into(), v);
                    }
                }
                if let Some((base, events)) = prs {
                    let mut pr = toml::Table::new();
                    if let Some(b) = base {
                        pr.insert("base_branches".into(), b);
                    }
                    if let Some(e) = events {
                        pr.insert("events".into(), e);
                    }
                    t.insert("pull_requests".into(), toml::Value::Table(pr));
                }
                if !vars.is_empty() {
                    t.insert(
                        "variables".into(),
                        toml::Value::Table(vars.into_iter().collect()),
                    );
                }
                for (k, v) in stray {
                    t.insert(k, v);
                }
                t
            },
        )
        .boxed()
}

fn config_doc() -> BoxedStrategy<String> {
    (
        prop::option::of(text()),
        prop::option::of(prop::sample::select(vec!["fail", "skip", "maybe", ""])),
        prop::collection::vec(target_table(), 0..4),
        prop::collection::vec((key(), toml_value()), 0..2),
    )
        .prop_map(|(branch_variable, on_no_match, targets, stray)| {
            let mut doc = toml::Table::new();
            if let Some(b) = branch_variable {
                doc.insert("branch_variable".into(), toml::Value::String(b));
            }
            if let Some(o) = on_no_match {
                doc.insert("on_no_match".into(), toml::Value::String(o.into()));
            }
            doc.insert(
                "target".into(),
                toml::Value::Array(targets.into_iter().map(toml::Value::Table).collect()),
            );
            for (k, v) in stray {
                doc.insert(k, v);
            }
            toml::to_string(&doc).unwrap_or_default()
        })
        .boxed()
}

/// A random build context: CodeBuild variables, flags, `branch_variable`, git.
#[derive(Clone, Debug)]
struct World {
    vars: Vec<(&'static str, Option<String>)>,
    flags: [Option<String>; 7],
    branch_variable: Option<(String, Option<String>)>,
    git: GitInfo,
}

fn trigger() -> BoxedStrategy<Option<String>> {
    prop::option::weighted(
        0.7,
        prop_oneof![
            text().prop_map(|b| format!("branch/{b}")),
            text().prop_map(|t| format!("tag/{t}")),
            "[0-9]{0,4}".prop_map(|n| format!("pr/{n}")),
            text(),
        ],
    )
    .boxed()
}

fn reference() -> BoxedStrategy<Option<String>> {
    prop::option::weighted(
        0.6,
        prop_oneof![
            text().prop_map(|b| format!("refs/heads/{b}")),
            text().prop_map(|t| format!("refs/tags/{t}")),
            "[0-9a-f]{40}",
            "[0-9]{1,3}".prop_map(|n| format!("pr/{n}")),
            text(),
        ],
    )
    .boxed()
}

fn world() -> BoxedStrategy<World> {
    (
        (
            trigger(),
            reference(),
            reference(),
            reference(),
            maybe_text(),
            prop::option::weighted(
                0.5,
                prop_oneof![text().prop_map(|p| format!("codepipeline/{p}")), text(),],
            ),
            prop::option::weighted(0.5, "[0-9a-f]{40}|[0-9a-f]{64}|[a-z]{0,8}"),
        ),
        prop::array::uniform7(prop::option::weighted(
            0.15,
            prop_oneof![
                3 => text(),
                1 => "[0-9]{1,4}",
                1 => prop::sample::select(deploy_target::config::PULL_REQUEST_EVENTS.to_vec())
                    .prop_map(str::to_owned),
            ],
        )),
        // The config only accepts an environment variable name here.
        prop::option::of(("[A-Za-z_][A-Za-z0-9_]{0,12}", maybe_text())),
        // What git.rs can return: ref names (git refuses control characters in them), and
        // the first line of git's complaint.
        (
            prop::option::of("\\PC{1,16}"),
            maybe_text(),
            prop::collection::vec("\\PC{1,12}", 0..3),
            prop::option::of("\\PC{1,30}"),
        ),
    )
        .prop_map(
            |(
                (trig, head, base, source, event, initiator, resolved),
                flags,
                bv,
                (branch, commit, tags, problem),
            )| {
                World {
                    vars: vec![
                        ("CODEBUILD_WEBHOOK_TRIGGER", trig),
                        ("CODEBUILD_WEBHOOK_HEAD_REF", head),
                        ("CODEBUILD_WEBHOOK_BASE_REF", base),
                        ("CODEBUILD_SOURCE_VERSION", source),
                        ("CODEBUILD_WEBHOOK_EVENT", event),
                        ("CODEBUILD_INITIATOR", initiator),
                        ("CODEBUILD_RESOLVED_SOURCE_VERSION", resolved),
                        ("CODEBUILD_BUILD_ID", Some("shop:1".into())),
                    ],
                    flags,
                    branch_variable: bv,
                    git: GitInfo {
                        branch,
                        commit,
                        tags,
                        problem,
                    },
                }
            },
        )
        .boxed()
}

impl World {
    /// The context flags, through the real command line (which refuses some values and
    /// combinations: a non-numeric --pr, --tag with --pr, an unknown --event, ...); `None`
    /// when it refuses them, after checking the refusal is one line.
    fn overrides(&self) -> Option<Overrides> {
        let names = [
            "branch",
            "tag",
            "pr",
            "base-branch",
            "event",
            "pipeline",
            "commit",
        ];
        let mut args = vec!["deploy-target".to_owned(), "explain".to_owned()];
        for (name, value) in names.iter().zip(&self.flags) {
            if let Some(v) = value {
                args.push(format!("--{name}={v}"));
            }
        }
        match Settings::parse_from(&args) {
            Ok(Ok(settings)) => match settings.command {
                Command::Explain { overrides, .. } => Some(overrides),
                other => panic!("explain parsed as {other:?}"),
            },
            Ok(Err(usage)) => {
                let text = usage.to_string();
                assert!(!text.trim().is_empty() && !text.contains('\n'), "{text:?}");
                None
            }
            // clap's own refusal, as the binary prints it.
            Err(e) => {
                let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
                let line = slipway_core::usage::one_line(e, &Cli::command(), &args);
                assert!(
                    !line.trim().is_empty() && !line.contains(char::is_control),
                    "{line:?}"
                );
                None
            }
        }
    }

    fn context(&self) -> Context {
        let vars = self.vars.clone();
        let codebuild = CodeBuildContext::from_lookup(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.clone())
        });
        let overrides = self.overrides().unwrap_or_default();
        let git = self.git.clone();
        let read_git = move || git.clone();
        Context::resolve(&Inputs {
            overrides: &overrides,
            codebuild: &codebuild,
            branch_variable: self
                .branch_variable
                .as_ref()
                .map(|(n, v)| (n.as_str(), v.clone())),
            git: &read_git,
        })
    }
}

/// One edit to a byte string (as text: invalid UTF-8 is not a config the binary can read).
#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, &'static str),
    Duplicate(Index, usize),
    Truncate(Index),
}

const TOKENS: [&str; 18] = [
    "\"",
    "'",
    "[",
    "]",
    "[[target]]\n",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "#",
    "\"\"\"",
    "'''",
    "\\u0000",
    "**",
    "name = \"x\"\n",
    "[target.variables]\nA = 1\n",
    "1979-05-27T07:32:00Z",
];

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        (any::<Index>(), 1usize..32).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), prop::sample::select(TOKENS.to_vec()))
            .prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<Index>(), 1usize..200).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
    .boxed()
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(mut s: String, mutations: &[Mutation]) -> String {
    for m in mutations {
        let len = s.len().max(1);
        match m {
            Mutation::Delete(i, n) => {
                let at = boundary(&s, i.index(len));
                let end = boundary(&s, at + n);
                s.replace_range(at..end, "");
            }
            Mutation::Insert(i, t) => {
                let at = boundary(&s, i.index(len + 1));
                s.insert_str(at, t);
            }
            Mutation::Duplicate(i, n) => {
                let at = boundary(&s, i.index(len));
                let end = boundary(&s, at + n);
                let copy = s[at..end].to_owned();
                s.insert_str(end, &copy);
            }
            Mutation::Truncate(i) => {
                let at = boundary(&s, i.index(len));
                s.truncate(at);
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any text as a config.
    #[test]
    fn any_text_is_a_config_or_located_problems(text in "\\PC{0,400}|[\\[\\]a-z_=\"{}, \n.*]{0,400}", w in world()) {
        check_config(&text, &w.context())?;
    }

    /// TOML documents with the config's keys, random keys and values of random types.
    #[test]
    fn toml_shaped_configs(doc in config_doc(), w in world()) {
        check_config(&doc, &w.context())?;
    }

    /// Any build context, against the shipped example config, in every output.
    #[test]
    fn any_build_context(w in world()) {
        let ctx = w.context();
        for note in &ctx.notes {
            one_line("note", note)?;
        }
        let config = Config::parse(Path::new("deploy-targets.toml"), &example()).expect("the example is valid");
        check_rendering(&config, &ctx)?;
    }

    /// Any glob: compiled, or refused with a one-line reason; matching never panics.
    #[test]
    fn any_glob(glob in text(), other in text(), names in prop::collection::vec(text(), 0..6)) {
        match Pattern::new(&glob, Location::default()) {
            Ok(p) => {
                for n in &names {
                    let _ = p.is_match(n);
                }
                if let Ok(q) = Pattern::new(&other, Location::default())
                    && p.covers(&q)
                {
                    for n in names.iter().filter(|n| q.is_match(n)) {
                        prop_assert!(p.is_match(n), "{glob:?} covers {other:?} but misses {n:?}");
                    }
                }
            }
            Err(e) => one_line("glob error", &e)?,
        }
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// The shipped example, mutated.
    #[test]
    fn mutated_example_configs(mutations in prop::collection::vec(mutation(), 1..6), w in world()) {
        check_config(&mutate(example(), &mutations), &w.context())?;
    }

    /// Copilot manifests: real ones mutated, or any YAML-ish text.
    #[test]
    fn copilot_manifests(
        texts in prop::collection::vec(
            prop_oneof![
                (prop::sample::select(vec!["web", "worker", "db-cleanup", "report-mailer"]),
                 prop::collection::vec(mutation(), 0..4))
                    .prop_map(|(w, m)| mutate(copilot_fixture(w), &m)),
                "\\PC{0,200}",
                "(name|type|image|\\[|\\]|\\{|\\}|: |- |\n|  |&a |\\*a |!!str |\"|'|#)*",
            ],
            1..4,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (i, text) in texts.iter().enumerate() {
            let svc = dir.path().join(format!("svc{i}"));
            std::fs::create_dir(&svc).unwrap();
            std::fs::write(svc.join("manifest.yml"), text).unwrap();
        }
        let ws = Workspace::read(dir.path()).expect("the folder is readable");
        prop_assert_eq!(ws.workloads.len() + ws.problems.len(), texts.len());
        for p in &ws.problems {
            one_line("copilot problem", &p.to_string())?;
        }
        let config = Config::parse(Path::new("deploy-targets.toml"), &example()).expect("valid");
        for p in ws.check(&config) {
            one_line("copilot check", &p.to_string())?;
        }
    }
}

fn copilot_fixture(workload: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/copilot")
            .join(workload)
            .join("manifest.yml"),
    )
    .expect("a fixture manifest")
}

/// Nesting far deeper than any config: refused in one line, never a stack overflow.
#[test]
fn deeply_nested_configs_and_manifests_are_refused_not_a_crash() {
    for depth in [64usize, 128, 1_000, 50_000] {
        let arrays = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let tables = format!("x = {}1{}\n", "{a = ".repeat(depth), "}".repeat(depth));
        let dotted = format!("{} = 1\n", vec!["a"; depth].join("."));
        for doc in [arrays, tables, dotted] {
            check_config(&doc, &Context::default())
                .unwrap_or_else(|e| panic!("depth {depth}: {e}"));
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("svc")).unwrap();
        for yaml in [
            format!(
                "name: {}1{}\ntype: Backend Service\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
            format!(
                "name: x\ntype: {}a: 1{}\n",
                "{".repeat(depth),
                "}".repeat(depth)
            ),
            format!("{}name: x\n", "- ".repeat(depth)),
        ] {
            std::fs::write(dir.path().join("svc/manifest.yml"), yaml).unwrap();
            let ws = Workspace::read(dir.path()).expect("readable");
            for p in &ws.problems {
                assert!(!p.to_string().contains('\n'), "{p}");
            }
        }
    }
}

/// `deploy-target check` in a scratch folder holding the example config and `copilot/web`
/// with `manifest`.
fn check_with_manifest(manifest: &str) -> slipway_testkit::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy-targets.toml"), example()).unwrap();
    std::fs::create_dir_all(dir.path().join("copilot/web")).unwrap();
    std::fs::write(dir.path().join("copilot/web/manifest.yml"), manifest).unwrap();
    slipway_testkit::SlipwayCommand::new(env!("CARGO_BIN_EXE_deploy-target"))
        .current_dir(dir.path())
        .arg("check")
        .run()
}

/// Found by this fuzzing: a Copilot manifest of 5,000 nested block sequences (10 KB)
/// aborted `deploy-target check` with a stack overflow (exit 134).
#[test]
fn regression_check_survives_a_deeply_nested_copilot_manifest() {
    let out = check_with_manifest(&format!("{}name: web\n", "- ".repeat(50_000)));
    out.assert_code(2);
    let errors: Vec<&str> = out
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains("copilot/web/manifest.yml"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].contains("invalid YAML: nested deeper than 64 levels"),
        "{}",
        out.stderr
    );
}

/// Found by this fuzzing: aliases of aliases made `deploy-target check` expand a 300-byte
/// manifest to a billion nodes (memory exhausted, or a hang).
#[test]
fn regression_check_refuses_exponential_aliases() {
    let mut yaml =
        "name: web\ntype: Backend Service\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let out = check_with_manifest(&yaml);
    out.assert_code(2);
    assert!(
        out.stderr.contains("aliases are expanded"),
        "{}",
        out.stderr
    );
}

/// Found by this fuzzing: a TOML key with a newline (`"a\nb" = 1`) made the "unknown field"
/// problem two lines.
#[test]
fn regression_check_prints_one_line_per_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deploy-targets.toml"),
        format!("\"a\\nb\" = 1\n{}", example()),
    )
    .unwrap();
    let out = slipway_testkit::SlipwayCommand::new(env!("CARGO_BIN_EXE_deploy-target"))
        .current_dir(dir.path())
        .arg("check")
        .run();
    out.assert_code(2);
    let lines = out.stderr_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("error: deploy-targets.toml:1:1: unknown field `a\\nb`"),
        "{lines:?}"
    );
}
