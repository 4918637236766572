//! `asset-sync`: parse, resolve settings, run, map the result to an exit code.

use std::ffi::OsString;
use std::future::Future;

use clap::CommandFactory;
use slipway_aws::{AwsArgs, Clients, RetryPolicy, load_config};
use slipway_core::{ExitCode, Printer, env, generate, usage};

use asset_sync::cli::{Cli, Command};
use asset_sync::report::Report;
use asset_sync::settings::{PruneSettings, UploadSettings, VerifySettings};

fn main() -> std::process::ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = generate::handle(&Cli::command(), &args, Printer::default()) {
        return code.into();
    }
    let cli: Cli = match usage::parse_from(&args, Printer::default()) {
        Ok(cli) => cli,
        Err(code) => return code.into(),
    };
    let code = match cli.command {
        Command::Upload(args) => {
            let printer = Printer::new(args.output.quiet);
            run(
                printer,
                &args.aws,
                UploadSettings::resolve(&args, &lookup),
                |s3, s| async move {
                    let report = asset_sync::upload::run(&s3, &s, printer).await?;
                    Ok((report, s.json))
                },
            )
        }
        Command::Prune(args) => {
            let printer = Printer::new(args.output.quiet);
            run(
                printer,
                &args.aws,
                PruneSettings::resolve(&args, &lookup),
                |s3, s| async move {
                    let report = asset_sync::prune::run(&s3, &s, printer).await?;
                    Ok((report, s.json))
                },
            )
        }
        Command::Verify(args) => {
            let printer = Printer::new(args.output.quiet);
            run(
                printer,
                &args.aws,
                VerifySettings::resolve(&args, &lookup),
                |s3, s| async move {
                    let report = asset_sync::verify::run(&s3, &s, printer).await?;
                    Ok((report, s.json))
                },
            )
        }
    };
    code.into()
}

fn lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Builds the runtime and the S3 client once, runs `work` with the resolved settings, and
/// prints its report: JSON or data lines on stdout, errors and the summary on stderr.
fn run<S, R, F, Fut>(
    printer: Printer,
    aws: &AwsArgs,
    settings: asset_sync::Result<S>,
    work: F,
) -> ExitCode
where
    R: Report,
    F: FnOnce(aws_sdk_s3::Client, S) -> Fut,
    Fut: Future<Output = asset_sync::Result<(R, bool)>>,
{
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            printer.error(e.to_string());
            return e.exit_code();
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(format!("failed to start the async runtime: {e}"));
            return ExitCode::UNEXPECTED;
        }
    };
    let result = rt.block_on(async {
        let config = load_config(aws, lookup(env::FOG_REGION), RetryPolicy::default()).await;
        let clients = Clients::new(config, aws.path_style);
        if clients.region().is_none() {
            return Err(asset_sync::Error::Usage(
                "no AWS region: pass --region or set AWS_REGION (or FOG_REGION)".to_owned(),
            ));
        }
        work(clients.s3(), settings).await
    });
    match result {
        Ok((report, json)) => {
            if json {
                printer.data(serde_json::to_string(&report).expect("a report serializes"));
            } else {
                for line in report.data_lines() {
                    printer.data(line);
                }
            }
            for e in report.errors() {
                printer.error(e);
            }
            printer.info(report.summary());
            report.exit_code()
        }
        Err(e) => {
            printer.error(e.to_string());
            e.exit_code()
        }
    }
}
