//! `buildspec/build-and-deploy.yml` stays in step with the CLI: each of its `migrate-task run`
//! lines parses and resolves with the real argument parser, and the image is pushed before it
//! is migrated from. (`scripts/rehearse`'s tests run the whole file against moto.)

use std::path::Path;

use clap::Parser;
use migrate_task::Settings;
use migrate_task::cli::{Cli, Command};
use migrate_task::settings::{ImageChoice, Target, parse_duration};
use yaml_rust2::YamlLoader;

#[test]
fn the_buildspec_migrate_lines_parse_with_the_real_cli() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../buildspec/build-and-deploy.yml");
    let text = std::fs::read_to_string(&path).expect("read buildspec/build-and-deploy.yml");
    let docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    let spec = &docs[0];
    assert_eq!(spec["version"].as_f64(), Some(0.2));
    let commands = spec["phases"]["build"]["commands"]
        .as_vec()
        .expect("build commands");
    let commands: Vec<&str> = commands.iter().filter_map(|c| c.as_str()).collect();
    let push = commands
        .iter()
        .position(|c| c.contains("docker push \"$IMAGE_URI\""))
        .expect("the image is pushed");
    let migrate = commands
        .iter()
        .position(|c| c.contains("migrate-task run"))
        .expect("a migrate-task run command");
    assert!(
        push < migrate,
        "the image must be pushed before it is migrated from"
    );

    // The lines quote only whole "$VAR" words, so a whitespace split is their shell split.
    let sample = |word: &str| match word {
        "$ECS_CLUSTER" => "shop-production".to_owned(),
        "$MIGRATE_SERVICE" => "web".to_owned(),
        "$IMAGE_TAG" => "3f9c2e1a".to_owned(),
        "$APP_NAME/$DEPLOY_ENVIRONMENT/$MIGRATE_SERVICE" => "shop/production/web".to_owned(),
        other => {
            assert!(!other.contains('$'), "unexpected variable in {other}");
            other.to_owned()
        }
    };
    let lines: Vec<&str> = commands[migrate]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("migrate-task run"))
        .collect();
    let mut targets = Vec::new();
    for line in &lines {
        let argv: Vec<String> = line
            .split_whitespace()
            .map(|w| sample(w.trim_matches('"')))
            .collect();
        let Command::Run(args) = Cli::try_parse_from(&argv)
            .unwrap_or_else(|e| panic!("the CLI refuses {line}: {e}"))
            .command;
        let settings = Settings::resolve(args, |_| None).expect("the settings resolve");
        assert_eq!(settings.image, ImageChoice::Tag("3f9c2e1a".into()));
        assert_eq!(settings.command, ["bin/rails", "db:migrate"]);
        targets.push(settings.target);
    }
    // One line per way of naming the service: the cluster and service, or Copilot's names.
    assert_eq!(targets.len(), 2, "{lines:?}");
    assert!(targets.contains(&Target::Service {
        cluster: "shop-production".into(),
        service: "web".into()
    }));
    assert!(targets.contains(&Target::Copilot {
        app: "shop".into(),
        env: "production".into(),
        svc: "web".into(),
        cluster: None
    }));

    let timeout = spec["env"]["variables"]["MIGRATE_TASK_TIMEOUT"]
        .as_str()
        .expect("a timeout twin");
    assert!(parse_duration(timeout).is_ok(), "{timeout}");
}
