//! `asset-sync verify` (in progress).

use aws_sdk_s3::Client;
use serde::Serialize;
use slipway_core::{ExitCode, Printer};

use crate::error::{Error, Result};
use crate::report::Report;
use crate::settings::VerifySettings;

#[derive(Debug, Serialize)]
pub struct VerifyReport {}

impl Report for VerifyReport {
    fn exit_code(&self) -> ExitCode {
        ExitCode::SUCCESS
    }
    fn summary(&self) -> String {
        String::new()
    }
}

pub async fn run(_s3: &Client, _s: &VerifySettings, _printer: Printer) -> Result<VerifyReport> {
    Err(Error::Usage("verify is not written yet".to_owned()))
}
