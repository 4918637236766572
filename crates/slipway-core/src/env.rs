//! Every environment variable a Slipway binary reads, in one place.
//!
//! Flags that a buildspec sets have an env-var twin named here; `--help` shows each twin next
//! to its flag (clap's `[env: ...]`), and the README's table is written from this list.
//! Precedence everywhere: flag, then env twin, then fallbacks named beside it, then default.

// ---- shared by every binary -------------------------------------------------------------

/// `--progress auto|always|never`.
pub const PROGRESS: &str = "SLIPWAY_PROGRESS";
/// `--region` (the SDK's own variable; asset-sync also reads `FOG_REGION`).
pub const AWS_REGION: &str = "AWS_REGION";
/// `--endpoint-url` (the SDK also reads the per-service `AWS_ENDPOINT_URL_<SERVICE>`).
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The endpoint variables the SDK reads for the services Slipway calls, the global one
/// first; a per-service one wins over the global one, and `--endpoint-url` over both.
pub const AWS_ENDPOINT_URL_VARIABLES: &[&str] = &[
    AWS_ENDPOINT_URL,
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
];
/// `--path-style`: address S3 buckets in the path, as S3-compatible stores need.
pub const AWS_S3_FORCE_PATH_STYLE: &str = "AWS_S3_FORCE_PATH_STYLE";
/// Generic CI marker (GitHub Actions, GitLab, Buildkite, ...). CodeBuild does not set it.
pub const CI: &str = "CI";

// ---- CodeBuild and CodePipeline (read, never set) ---------------------------------------

pub const CODEBUILD_BUILD_ID: &str = "CODEBUILD_BUILD_ID";
pub const CODEBUILD_RESOLVED_SOURCE_VERSION: &str = "CODEBUILD_RESOLVED_SOURCE_VERSION";
pub const CODEBUILD_SOURCE_VERSION: &str = "CODEBUILD_SOURCE_VERSION";
pub const CODEBUILD_WEBHOOK_TRIGGER: &str = "CODEBUILD_WEBHOOK_TRIGGER";
pub const CODEBUILD_WEBHOOK_HEAD_REF: &str = "CODEBUILD_WEBHOOK_HEAD_REF";
pub const CODEBUILD_WEBHOOK_BASE_REF: &str = "CODEBUILD_WEBHOOK_BASE_REF";
pub const CODEBUILD_WEBHOOK_EVENT: &str = "CODEBUILD_WEBHOOK_EVENT";
pub const CODEBUILD_INITIATOR: &str = "CODEBUILD_INITIATOR";

// ---- asset-sync -------------------------------------------------------------------------

/// `--bucket`; falls back to asset_sync's `FOG_DIRECTORY`.
pub const ASSET_SYNC_BUCKET: &str = "ASSET_SYNC_BUCKET";
pub const FOG_DIRECTORY: &str = "FOG_DIRECTORY";
/// `--region` fallback used by asset_sync users.
pub const FOG_REGION: &str = "FOG_REGION";
/// `--prefix` (asset_sync reads the same name).
pub const ASSET_SYNC_PREFIX: &str = "ASSET_SYNC_PREFIX";
/// `--release`; falls back to `CODEBUILD_RESOLVED_SOURCE_VERSION`, then `git rev-parse HEAD`.
pub const ASSET_SYNC_RELEASE: &str = "ASSET_SYNC_RELEASE";
/// `--environment`; falls back to `DEPLOY_ENVIRONMENT` (what `deploy-target select` exports).
pub const ASSET_SYNC_ENVIRONMENT: &str = "ASSET_SYNC_ENVIRONMENT";
pub const DEPLOY_ENVIRONMENT: &str = "DEPLOY_ENVIRONMENT";
pub const ASSET_SYNC_CONCURRENCY: &str = "ASSET_SYNC_CONCURRENCY";
pub const ASSET_SYNC_COMPRESSED: &str = "ASSET_SYNC_COMPRESSED";
pub const ASSET_SYNC_CACHE_CONTROL_MUTABLE: &str = "ASSET_SYNC_CACHE_CONTROL_MUTABLE";
pub const ASSET_SYNC_FINGERPRINT_REGEX: &str = "ASSET_SYNC_FINGERPRINT_REGEX";
pub const ASSET_SYNC_ACL: &str = "ASSET_SYNC_ACL";
pub const ASSET_SYNC_MULTIPART_THRESHOLD: &str = "ASSET_SYNC_MULTIPART_THRESHOLD";
/// `--max-file-size`: a larger file in the asset directory is refused before any request.
pub const ASSET_SYNC_MAX_FILE_SIZE: &str = "ASSET_SYNC_MAX_FILE_SIZE";
pub const ASSET_SYNC_DRY_RUN: &str = "ASSET_SYNC_DRY_RUN";
pub const ASSET_SYNC_JSON: &str = "ASSET_SYNC_JSON";
/// asset_sync's `keep|delete|ignore`; we never delete during upload (see `prune`).
pub const ASSET_SYNC_EXISTING_REMOTE_FILES: &str = "ASSET_SYNC_EXISTING_REMOTE_FILES";
pub const ASSET_SYNC_KEEP_RELEASES: &str = "ASSET_SYNC_KEEP_RELEASES";
pub const ASSET_SYNC_KEEP_DAYS: &str = "ASSET_SYNC_KEEP_DAYS";
pub const ASSET_SYNC_MIN_AGE: &str = "ASSET_SYNC_MIN_AGE";
pub const ASSET_SYNC_MAX_DELETE: &str = "ASSET_SYNC_MAX_DELETE";
pub const ASSET_SYNC_FORCE: &str = "ASSET_SYNC_FORCE";
/// `verify --deep`: download every object and compare its SHA-256.
pub const ASSET_SYNC_DEEP: &str = "ASSET_SYNC_DEEP";
/// `verify --release`: a name of its own, so a buildspec's `ASSET_SYNC_RELEASE` (for upload)
/// never turns `verify DIR` into a record check.
pub const ASSET_SYNC_VERIFY_RELEASE: &str = "ASSET_SYNC_VERIFY_RELEASE";

// ---- deploy-target ----------------------------------------------------------------------

// The context twins (`--branch` ... `--commit`) override what CodeBuild and git say; the
// branch a CodePipeline-started build runs for is read from the variable the config names
// (`branch_variable`), not from a fixed name.

/// `--config`: the targets file (default `deploy-targets.toml`).
pub const DEPLOY_TARGET_CONFIG: &str = "DEPLOY_TARGET_CONFIG";
/// `select --format shell|env|json`.
pub const DEPLOY_TARGET_FORMAT: &str = "DEPLOY_TARGET_FORMAT";
/// `--branch`: the branch pushed (or a pull request's head branch).
pub const DEPLOY_TARGET_BRANCH: &str = "DEPLOY_TARGET_BRANCH";
/// `--tag`: the tag pushed.
pub const DEPLOY_TARGET_TAG: &str = "DEPLOY_TARGET_TAG";
/// `--pr`: the pull-request number.
pub const DEPLOY_TARGET_PR: &str = "DEPLOY_TARGET_PR";
/// `--base-branch`: the branch a pull request goes into.
pub const DEPLOY_TARGET_BASE_BRANCH: &str = "DEPLOY_TARGET_BASE_BRANCH";
/// `--event`: the pull-request event (`PULL_REQUEST_CREATED`, ...).
pub const DEPLOY_TARGET_EVENT: &str = "DEPLOY_TARGET_EVENT";
/// `--pipeline`: the CodePipeline name.
pub const DEPLOY_TARGET_PIPELINE: &str = "DEPLOY_TARGET_PIPELINE";
/// `--commit`: the commit (exported as `DEPLOY_RELEASE`).
pub const DEPLOY_TARGET_COMMIT: &str = "DEPLOY_TARGET_COMMIT";
/// `check --copilot-dir`: the Copilot workspace to check service and job names against.
pub const DEPLOY_TARGET_COPILOT_DIR: &str = "DEPLOY_TARGET_COPILOT_DIR";

// ---- migrate-task -----------------------------------------------------------------------

/// `--cluster`: the ECS cluster of the service whose settings the task copies.
pub const MIGRATE_TASK_CLUSTER: &str = "MIGRATE_TASK_CLUSTER";
/// `--service`: the ECS service whose task definition, network and launch type the task copies.
pub const MIGRATE_TASK_SERVICE: &str = "MIGRATE_TASK_SERVICE";
/// `--copilot APP/ENV/SVC`: find the service by the tags Copilot put on it.
pub const MIGRATE_TASK_COPILOT: &str = "MIGRATE_TASK_COPILOT";
/// `--container`: the container whose image and command are replaced.
pub const MIGRATE_TASK_CONTAINER: &str = "MIGRATE_TASK_CONTAINER";
/// `--image`: the full image URI to run.
pub const MIGRATE_TASK_IMAGE: &str = "MIGRATE_TASK_IMAGE";
/// `--image-tag`: a tag in the ECR repository of the service's current image.
pub const MIGRATE_TASK_IMAGE_TAG: &str = "MIGRATE_TASK_IMAGE_TAG";
/// `--timeout`: stop the task and fail after this long (default: no limit).
pub const MIGRATE_TASK_TIMEOUT: &str = "MIGRATE_TASK_TIMEOUT";
/// `--cpu`: task-level CPU units for the copy.
pub const MIGRATE_TASK_CPU: &str = "MIGRATE_TASK_CPU";
/// `--memory`: task-level memory (MiB) for the copy.
pub const MIGRATE_TASK_MEMORY: &str = "MIGRATE_TASK_MEMORY";
/// `--dry-run`: read everything, write nothing, print the plan.
pub const MIGRATE_TASK_DRY_RUN: &str = "MIGRATE_TASK_DRY_RUN";
/// `--json`: one JSON object on stdout.
pub const MIGRATE_TASK_JSON: &str = "MIGRATE_TASK_JSON";
/// `--env` additions when no `--env` flag is given: one `KEY=VALUE` per line (values may
/// hold commas, so lines, not a delimiter, separate them).
pub const MIGRATE_TASK_ENV: &str = "MIGRATE_TASK_ENV";
/// Hidden `--poll-interval-ms`: the first DescribeTasks poll interval (the default backs off
/// from 1 s to 6 s). Tests against moto shorten it; nobody else needs it.
pub const MIGRATE_TASK_POLL_INTERVAL_MS: &str = "MIGRATE_TASK_POLL_INTERVAL_MS";
