//! `buildspec/migrate.yml` stays in step with the CLI: its `migrate-task run` line parses and
//! resolves with the real argument parser.

use std::path::Path;

use clap::Parser;
use migrate_task::Settings;
use migrate_task::cli::{Cli, Command};
use migrate_task::settings::{ImageChoice, Target, parse_duration};
use yaml_rust2::YamlLoader;

#[test]
fn the_buildspec_example_parses_with_the_real_cli() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../buildspec/migrate.yml");
    let text = std::fs::read_to_string(&path).expect("read buildspec/migrate.yml");
    let docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    let spec = &docs[0];
    assert_eq!(spec["version"].as_f64(), Some(0.2));
    let commands = spec["phases"]["build"]["commands"]
        .as_vec()
        .expect("build commands");
    let commands: Vec<&str> = commands.iter().filter_map(|c| c.as_str()).collect();
    let push = commands
        .iter()
        .position(|c| c.starts_with("docker push"))
        .expect("the image is pushed");
    let migrate = commands
        .iter()
        .position(|c| c.starts_with("migrate-task run"))
        .expect("a migrate-task run command");
    assert!(
        push < migrate,
        "the image must be pushed before it is migrated from"
    );

    // The example quotes only whole "$VAR" words, so a whitespace split is its shell split.
    let sample = |word: &str| match word {
        "$ECS_CLUSTER" => "shop-production".to_owned(),
        "$ECS_SERVICE" => "web".to_owned(),
        "$CODEBUILD_RESOLVED_SOURCE_VERSION" => "3f9c2e1a".to_owned(),
        other => {
            assert!(!other.contains('$'), "unexpected variable in {other}");
            other.to_owned()
        }
    };
    let argv: Vec<String> = commands[migrate]
        .split_whitespace()
        .map(|w| sample(w.trim_matches('"')))
        .collect();
    let Command::Run(args) = Cli::try_parse_from(&argv)
        .expect("the CLI accepts it")
        .command;
    let settings = Settings::resolve(args, |_| None).expect("the settings resolve");
    assert_eq!(
        settings.target,
        Target::Service {
            cluster: "shop-production".into(),
            service: "web".into()
        }
    );
    assert_eq!(settings.image, ImageChoice::Tag("3f9c2e1a".into()));
    assert_eq!(settings.command, ["bin/rails", "db:migrate"]);

    let timeout = spec["env"]["variables"]["MIGRATE_TASK_TIMEOUT"]
        .as_str()
        .expect("a timeout twin");
    assert!(parse_duration(timeout).is_ok(), "{timeout}");
}
