//! `deploy-target`: parse the flags, hand the real environment and git to the library, map
//! the outcome to an exit code from the shared table.

use std::ffi::OsString;

use anyhow::Context as _;
use clap::CommandFactory;
use deploy_target::World;
use deploy_target::cli::{Cli, Settings};
use deploy_target::error::Error;
use slipway_core::{ExitCode, Printer, generate, usage};

fn main() -> std::process::ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(code) = generate::handle(&Cli::command(), &args, Printer::default()) {
        return code.into();
    }
    let settings = match Settings::parse_from(&args) {
        // --help and --version as clap prints them (exit 0), a usage error in one line (2).
        Err(clap_error) => {
            return usage::report(clap_error, &Cli::command(), &args, Printer::default()).into();
        }
        Ok(Err(e)) => {
            Printer::default().error(e.to_string());
            return e.exit_code().into();
        }
        Ok(Ok(settings)) => settings,
    };
    let printer = Printer::new(settings.quiet);
    match run(&settings, printer) {
        Ok(code) => code.into(),
        Err(err) => {
            let code = match err.downcast_ref::<Error>() {
                Some(e) => {
                    for line in e.lines() {
                        printer.error(line);
                    }
                    e.exit_code()
                }
                None => {
                    printer.error(format!("{err:#}"));
                    ExitCode::UNEXPECTED
                }
            };
            code.into()
        }
    }
}

fn run(settings: &Settings, printer: Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("failed to read the current directory")?;
    let var = |name: &str| std::env::var(name).ok();
    let git = || deploy_target::git::read(&cwd);
    Ok(deploy_target::run(
        settings,
        &World {
            var: &var,
            git: &git,
        },
        printer,
    )?)
}
