//! `migrate-task`: parse, resolve settings, build the AWS clients once, run, map the result
//! to an exit code. Everything else lives in the library.

use std::ffi::OsString;

use anyhow::Context;
use clap::CommandFactory;
use migrate_task::cli::{Cli, Command};
use migrate_task::sdk::SdkApi;
use migrate_task::{Deps, Settings, Signals};
use slipway_aws::{Clients, RetryPolicy, load_config};
use slipway_core::{ExitCode, Printer, generate, usage};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let printer = Printer::default();
    let argv: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = generate::handle(&Cli::command(), &argv, printer) {
        return code.into();
    }
    let Command::Run(args) = match usage::parse_from::<Cli>(&argv, printer) {
        Ok(cli) => cli.command,
        Err(code) => return code.into(),
    };
    let settings = match Settings::resolve(args, |name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(err) => {
            printer.error(err.to_string());
            return err.exit_code().into();
        }
    };
    match run(&settings, printer).await {
        Ok(code) => code.into(),
        Err(err) => {
            printer.error(format!("{err:#}"));
            ExitCode::UNEXPECTED.into()
        }
    }
}

/// Errors returned here are unexpected (exit 1); expected failures come back as codes.
async fn run(settings: &Settings, printer: Printer) -> anyhow::Result<ExitCode> {
    let mut signals = Signals::listen().context("failed to listen for SIGINT and SIGTERM")?;
    let config = load_config(&settings.aws, None, RetryPolicy::default()).await;
    let clients = Clients::new(config, settings.aws.path_style);
    if clients.region().is_none() {
        printer.error("no AWS region: pass --region or set AWS_REGION");
        return Ok(ExitCode::USAGE);
    }
    let api = SdkApi::new(&clients);
    let deps = Deps {
        ecs: &api,
        ecr: &api,
        logs: &api,
        printer,
    };
    Ok(
        match migrate_task::run(settings, &deps, &mut signals).await {
            Ok(report) => report.exit_code(),
            Err(err) => {
                printer.error(err.to_string());
                err.exit_code()
            }
        },
    )
}
