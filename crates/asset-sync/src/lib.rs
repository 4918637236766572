//! asset-sync: a parallel, fingerprint-aware uploader (and, later, pruner and verifier) of
//! precompiled static assets to S3, built so that old and new releases can serve at once
//! during a rolling update.
//!
//! The modules follow the upload's steps: [`scan`] the directory, read each [`manifest`],
//! [`classify`] files as immutable or mutable and give them [`headers`], [`hash`] them while
//! [`remote`] lists the bucket, [`plan`] what to write, [`upload`] it, and write the
//! [`record`] of the release; [`report`] holds what is printed.

pub mod classify;
pub mod cli;
pub mod error;
pub mod hash;
pub mod headers;
pub mod manifest;
pub mod plan;
pub mod prune;
pub mod record;
pub mod releases;
pub mod remote;
pub mod report;
pub mod retry;
pub mod scan;
pub mod settings;
pub mod upload;
pub mod verify;

pub use error::{Error, Result};
