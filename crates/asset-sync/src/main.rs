//! `asset-sync`: parse, resolve settings, run, map the result to an exit code.

use clap::Parser;
use slipway_aws::{Clients, RetryPolicy, load_config};
use slipway_core::{ExitCode, Printer, env};

use asset_sync::cli::{Cli, Command, UploadArgs};
use asset_sync::settings::UploadSettings;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Upload(args) => upload(args),
    };
    code.into()
}

fn lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

fn upload(args: UploadArgs) -> ExitCode {
    let printer = Printer::new(args.output.quiet);
    let settings = match UploadSettings::resolve(&args, &lookup) {
        Ok(s) => s,
        Err(e) => {
            printer.error(e.to_string());
            return e.exit_code();
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(format!("{e:#}"));
            return ExitCode::UNEXPECTED;
        }
    };
    let result = rt.block_on(async {
        let config = load_config(&args.aws, lookup(env::FOG_REGION), RetryPolicy::default()).await;
        let clients = Clients::new(config, args.aws.path_style);
        if clients.region().is_none() {
            return Err(asset_sync::Error::Usage(
                "no AWS region: pass --region or set AWS_REGION (or FOG_REGION)".to_owned(),
            ));
        }
        asset_sync::upload::run(&clients.s3(), &settings, printer).await
    });
    match result {
        Ok(report) => {
            if settings.json {
                printer.data(serde_json::to_string(&report).expect("a report serializes"));
            } else {
                for line in report.plan_lines() {
                    printer.data(line);
                }
            }
            if !report.failed.is_empty() {
                printer.error(
                    asset_sync::Error::UploadFailed {
                        failed: report.failed.clone(),
                    }
                    .to_string(),
                );
            }
            printer.info(asset_sync::upload::summary(&report));
            report.exit_code()
        }
        Err(e) => {
            printer.error(e.to_string());
            e.exit_code()
        }
    }
}
