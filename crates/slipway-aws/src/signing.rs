//! Sign S3 uploads with the SHA-256 we already computed, instead of hashing each body again.
//!
//! SigV4 covers the payload by its SHA-256 (`x-amz-content-sha256`). By default the SDK hashes
//! every in-memory body to get it, which doubles the hashing work of an uploader that already
//! hashed each file to send `x-amz-checksum-sha256`. When a request carries that checksum
//! header, this interceptor hands the same digest to the signer as a precomputed payload
//! hash: one hash per file, and S3 still verifies both the signature and the checksum.

use aws_runtime::auth::PayloadSigningOverride;
use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use base64::Engine;

/// The header whose value (base64 SHA-256 of the body) is reused for signing.
pub const CHECKSUM_HEADER: &str = "x-amz-checksum-sha256";

#[derive(Debug, Default)]
pub struct PrecomputedPayloadHash;

impl Intercept for PrecomputedPayloadHash {
    fn name(&self) -> &'static str {
        "PrecomputedPayloadHash"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(b64) = context.request().headers().get(CHECKSUM_HEADER) else {
            return Ok(());
        };
        // A checksum that does not decode to 32 bytes is left for S3 to reject; the SDK then
        // signs the body the normal way.
        if let Ok(digest) = base64::engine::general_purpose::STANDARD.decode(b64)
            && digest.len() == 32
        {
            cfg.interceptor_state()
                .store_put(PayloadSigningOverride::Precomputed(hex::encode(digest)));
        }
        Ok(())
    }
}
