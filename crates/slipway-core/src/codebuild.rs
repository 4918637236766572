//! The build context CodeBuild (and CodePipeline through it) gives a build, read from the
//! environment through a lookup function so that tests can pass any variable set.

use crate::env;

/// The CodeBuild variables Slipway reads; every field is `None` outside CodeBuild.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeBuildContext {
    pub build_id: Option<String>,
    pub resolved_source_version: Option<String>,
    pub source_version: Option<String>,
    pub webhook_trigger: Option<String>,
    pub webhook_head_ref: Option<String>,
    pub webhook_base_ref: Option<String>,
    pub webhook_event: Option<String>,
    pub initiator: Option<String>,
}

impl CodeBuildContext {
    /// Reads the context from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the context through `lookup`; empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Self {
            build_id: get(env::CODEBUILD_BUILD_ID),
            resolved_source_version: get(env::CODEBUILD_RESOLVED_SOURCE_VERSION),
            source_version: get(env::CODEBUILD_SOURCE_VERSION),
            webhook_trigger: get(env::CODEBUILD_WEBHOOK_TRIGGER),
            webhook_head_ref: get(env::CODEBUILD_WEBHOOK_HEAD_REF),
            webhook_base_ref: get(env::CODEBUILD_WEBHOOK_BASE_REF),
            webhook_event: get(env::CODEBUILD_WEBHOOK_EVENT),
            initiator: get(env::CODEBUILD_INITIATOR),
        }
    }

    /// True inside a CodeBuild build.
    pub fn is_codebuild(&self) -> bool {
        self.build_id.is_some()
    }

    /// The CodePipeline name when CodePipeline started this build
    /// (`CODEBUILD_INITIATOR=codepipeline/NAME`).
    pub fn pipeline(&self) -> Option<&str> {
        self.initiator
            .as_deref()
            .and_then(|i| i.strip_prefix("codepipeline/"))
            .filter(|name| !name.is_empty())
    }
}

/// True when running under any CI system we know: `CI` (most systems) or CodeBuild's own
/// `CODEBUILD_BUILD_ID` (CodeBuild does not set `CI`).
pub fn is_ci(lookup: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| lookup(name).is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    set(env::CI) || set(env::CODEBUILD_BUILD_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn pipeline_name_comes_from_initiator() {
        let ctx = CodeBuildContext::from_lookup(lookup(&[
            ("CODEBUILD_BUILD_ID", "proj:1"),
            ("CODEBUILD_INITIATOR", "codepipeline/shop-production"),
        ]));
        assert!(ctx.is_codebuild());
        assert_eq!(ctx.pipeline(), Some("shop-production"));
    }

    #[test]
    fn webhook_initiator_is_not_a_pipeline() {
        let ctx =
            CodeBuildContext::from_lookup(lookup(&[("CODEBUILD_INITIATOR", "GitHub-Hookshot/1")]));
        assert_eq!(ctx.pipeline(), None);
        assert!(!ctx.is_codebuild());
    }

    #[test]
    fn empty_values_are_unset() {
        let ctx = CodeBuildContext::from_lookup(lookup(&[("CODEBUILD_WEBHOOK_TRIGGER", " ")]));
        assert_eq!(ctx.webhook_trigger, None);
    }

    #[test]
    fn ci_detection_knows_codebuild() {
        assert!(is_ci(lookup(&[("CODEBUILD_BUILD_ID", "p:1")])));
        assert!(is_ci(lookup(&[("CI", "true")])));
        assert!(!is_ci(lookup(&[("CI", "false")])));
        assert!(!is_ci(lookup(&[])));
    }
}
