//! The results a run prints: JSON on stdout with `--json`, one summary line on stderr.

use serde::Serialize;
use slipway_core::ExitCode;

use crate::headers::Headers;
use crate::plan::Reason;

/// What every subcommand's result offers the binary's edge, which prints it.
pub trait Report: Serialize {
    /// How many things went wrong (failed keys, problems found).
    fn failures(&self) -> usize;
    /// The exit code the result maps to: success, or "operation failed" when anything did.
    fn exit_code(&self) -> ExitCode {
        if self.failures() == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILED
        }
    }
    /// One line for stderr.
    fn summary(&self) -> String;
    /// Data lines for stdout when `--json` is not given.
    fn data_lines(&self) -> Vec<String> {
        Vec::new()
    }
    /// Problems to report on stderr as `error:` lines (at most a few; the rest are counted).
    fn errors(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The result of `asset-sync upload`.
#[derive(Clone, Debug, Serialize)]
pub struct UploadReport {
    pub release: String,
    pub environment: String,
    pub bucket: String,
    pub prefix: String,
    pub dry_run: bool,
    /// Objects the release needs.
    pub objects: usize,
    pub uploaded: usize,
    /// Already present and correct.
    pub skipped: usize,
    /// Keys that could not be written after retries.
    pub failed: Vec<String>,
    pub bytes_uploaded: u64,
    pub seconds: f64,
    /// The release record written (or, in a dry run, that would be written).
    pub record: Option<String>,
    /// In a dry run: every object that would be written, with its headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<Vec<Planned>>,
}

/// An object a dry run would write.
#[derive(Clone, Debug, Serialize)]
pub struct Planned {
    pub key: String,
    pub size: u64,
    pub reason: Reason,
    #[serde(flatten)]
    pub headers: Headers,
}

impl Report for UploadReport {
    fn failures(&self) -> usize {
        self.failed.len()
    }

    fn summary(&self) -> String {
        crate::upload::summary(self)
    }

    fn data_lines(&self) -> Vec<String> {
        self.plan_lines()
    }

    fn errors(&self) -> Vec<String> {
        if self.failed.is_empty() {
            Vec::new()
        } else {
            vec![
                crate::Error::UploadFailed {
                    failed: self.failed.clone(),
                }
                .to_string(),
            ]
        }
    }
}

impl UploadReport {
    /// The dry run's plan as lines for stdout: `PUT s3://bucket/key size reason headers`.
    pub fn plan_lines(&self) -> Vec<String> {
        let Some(planned) = &self.planned else {
            return Vec::new();
        };
        let mut lines: Vec<String> = planned
            .iter()
            .map(|p| {
                let mut line = format!(
                    "PUT s3://{}/{}\tsize={}\treason={}\tcontent-type={}\tcache-control={}",
                    self.bucket,
                    p.key,
                    p.size,
                    serde_json::to_value(p.reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    p.headers.content_type,
                    p.headers.cache_control
                );
                if let Some(enc) = &p.headers.content_encoding {
                    line.push_str(&format!("\tcontent-encoding={enc}"));
                }
                line
            })
            .collect();
        if let Some(record) = &self.record {
            lines.push(format!(
                "PUT s3://{}/{record}\treason=release-record\tcontent-type=application/json\tcache-control=no-cache",
                self.bucket
            ));
        }
        lines
    }
}
