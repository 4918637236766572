//! `asset-sync prune` (in progress).

use aws_sdk_s3::Client;
use serde::Serialize;
use slipway_core::{ExitCode, Printer};

use crate::error::{Error, Result};
use crate::report::Report;
use crate::settings::PruneSettings;

#[derive(Debug, Serialize)]
pub struct PruneReport {}

impl Report for PruneReport {
    fn exit_code(&self) -> ExitCode {
        ExitCode::SUCCESS
    }
    fn summary(&self) -> String {
        String::new()
    }
}

pub async fn run(_s3: &Client, _s: &PruneSettings, _printer: Printer) -> Result<PruneReport> {
    Err(Error::Usage("prune is not written yet".to_owned()))
}
