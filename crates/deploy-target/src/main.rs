//! `deploy-target`: parse the flags, hand the real environment and git to the library, map
//! the outcome to an exit code from the shared table.

use anyhow::Context as _;
use clap::CommandFactory;
use deploy_target::World;
use deploy_target::cli::{Cli, Settings};
use deploy_target::error::Error;
use slipway_core::{ExitCode, Printer, generate};

fn main() -> std::process::ExitCode {
    if let Some(code) = generate::handle(&Cli::command(), std::env::args_os(), Printer::default()) {
        return code.into();
    }
    let settings = match Settings::parse_from(std::env::args_os()) {
        // --help, --version and usage errors: clap prints them and exits 0 or 2.
        Err(clap_error) => clap_error.exit(),
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
