//! Image references: which are in ECR (and so can be checked and pinned to a digest), and
//! which tags are valid at all.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`.
static ECR_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
        .expect("valid regex")
});

/// Docker's tag grammar: 1 to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("valid regex"));

/// ECR repository names: lowercase path components separated by `/`.
static ECR_REPOSITORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
        .expect("valid regex")
});

/// A content digest as registries write it.
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$").expect("valid regex")
});

static SHA256_DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^sha256:[a-f0-9]{64}$").expect("valid regex"));

/// A parsed `--image` (or the service's current image).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageRef {
    /// An image in an ECR registry: checked with DescribeImages and pinned to its digest.
    Ecr(EcrImage),
    /// Anything else (Docker Hub, GHCR, a private registry): used exactly as given.
    Other(String),
}

/// An image in ECR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcrImage {
    /// The 12-digit account that owns the registry.
    pub registry_id: String,
    pub region: String,
    /// `<account>.dkr.ecr.<region>.amazonaws.com`.
    pub host: String,
    pub repository: String,
    pub reference: Reference,
}

/// A tag or a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    Tag(String),
    Digest(String),
}

impl EcrImage {
    /// `<host>/<repository>`, without tag or digest.
    pub fn repository_uri(&self) -> String {
        format!("{}/{}", self.host, self.repository)
    }

    /// The same repository with another tag.
    pub fn with_tag(&self, tag: &str) -> EcrImage {
        EcrImage {
            reference: Reference::Tag(tag.to_owned()),
            ..self.clone()
        }
    }

    /// `<host>/<repository>@<digest>`: what the task definition runs.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}@{digest}", self.repository_uri())
    }

    pub fn tag(&self) -> Option<&str> {
        match &self.reference {
            Reference::Tag(tag) => Some(tag),
            Reference::Digest(_) => None,
        }
    }
}

impl fmt::Display for EcrImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reference {
            Reference::Tag(tag) => write!(f, "{}:{tag}", self.repository_uri()),
            Reference::Digest(digest) => write!(f, "{}@{digest}", self.repository_uri()),
        }
    }
}

/// Checks an `--image-tag`: Docker's tag grammar (no `@`, `:`, `/`, spaces; at most 128).
pub fn check_tag(tag: &str) -> Result<(), String> {
    if TAG.is_match(tag) {
        Ok(())
    } else {
        Err(format!(
            "invalid image tag {tag:?}: a tag is 1 to 128 letters, digits, '_', '.' or '-' \
             and does not start with '.' or '-' (to run a digest, pass --image REPO@sha256:...)"
        ))
    }
}

/// Parses an image reference. An ECR image without tag or digest means `:latest`, as for
/// `docker pull`.
pub fn parse(image: &str) -> Result<ImageRef, String> {
    let bad = |why: &str| Err(format!("invalid image {image:?}: {why}"));
    if image.is_empty() {
        return bad("it is empty");
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains whitespace or control characters");
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => {
            if !DIGEST.is_match(digest) {
                return bad("the part after '@' is not a digest such as sha256:<64 hex>");
            }
            (name, Some(digest))
        }
        None => (image, None),
    };
    // A ':' after the last '/' starts the tag; one before it is a registry port.
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if let Some(tag) = tag {
        check_tag(tag).map_err(|e| format!("invalid image {image:?}: {e}"))?;
    }
    if path.is_empty() || path.ends_with('/') || path.starts_with('/') {
        return bad("it names no repository");
    }
    let Some((host, repository)) = path.split_once('/') else {
        return Ok(ImageRef::Other(image.to_owned()));
    };
    let Some(caps) = ECR_HOST.captures(host) else {
        return Ok(ImageRef::Other(image.to_owned()));
    };
    if !ECR_REPOSITORY.is_match(repository) {
        return bad(
            "the ECR repository name is not valid (lowercase letters, digits, '.', '_', '-', '/')",
        );
    }
    let reference = match (digest, tag) {
        (Some(digest), _) => {
            if !SHA256_DIGEST.is_match(digest) {
                return bad("ECR digests are sha256:<64 lowercase hex>");
            }
            Reference::Digest(digest.to_owned())
        }
        (None, Some(tag)) => Reference::Tag(tag.to_owned()),
        (None, None) => Reference::Tag("latest".to_owned()),
    };
    Ok(ImageRef::Ecr(EcrImage {
        registry_id: caps[1].to_owned(),
        region: caps[2].to_owned(),
        host: host.to_owned(),
        repository: repository.to_owned(),
        reference,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST_A: &str =
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn ecr(s: &str) -> EcrImage {
        match parse(s).unwrap() {
            ImageRef::Ecr(e) => e,
            other => panic!("not ECR: {other:?}"),
        }
    }

    #[test]
    fn ecr_uri_with_tag() {
        let img = ecr("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.2");
        assert_eq!(img.registry_id, "123456789012");
        assert_eq!(img.region, "eu-west-1");
        assert_eq!(img.repository, "shop/web");
        assert_eq!(img.reference, Reference::Tag("v1.2".into()));
        assert_eq!(
            img.to_string(),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1.2"
        );
        assert_eq!(
            img.pinned(DIGEST_A),
            format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@{DIGEST_A}")
        );
    }

    #[test]
    fn ecr_uri_without_tag_means_latest() {
        let img = ecr("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop");
        assert_eq!(img.reference, Reference::Tag("latest".into()));
    }

    #[test]
    fn ecr_uri_with_digest_wins_over_tag() {
        let img = ecr(&format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1@{DIGEST_A}"
        ));
        assert_eq!(img.reference, Reference::Digest(DIGEST_A.into()));
    }

    #[test]
    fn fips_and_china_hosts_are_ecr() {
        assert_eq!(
            ecr("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/a:b").region,
            "us-gov-west-1"
        );
        assert_eq!(
            ecr("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a:b").region,
            "cn-north-1"
        );
    }

    #[test]
    fn other_registries_are_used_as_given() {
        for s in [
            "docker.io/library/ruby:3.3",
            "ruby:3.3",
            "ghcr.io/acme/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "registry.local:5000/shop",
            "public.ecr.aws/docker/library/ruby:3.3",
        ] {
            assert_eq!(parse(s).unwrap(), ImageRef::Other(s.to_owned()), "{s}");
        }
    }

    #[test]
    fn registry_port_is_not_a_tag() {
        assert_eq!(
            parse("registry.local:5000/shop").unwrap(),
            ImageRef::Other("registry.local:5000/shop".into())
        );
        assert!(parse("registry.local:5000/shop:bad tag").is_err());
    }

    #[test]
    fn bad_images_are_refused() {
        for s in [
            "",
            " ",
            "shop:v1 ; rm -rf /",
            "shop:",
            "shop:-v1",
            "shop@sha256:short",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/Shop:v1",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@md5:0123456789abcdef0123456789abcdef",
            "/shop",
        ] {
            assert!(parse(s).is_err(), "{s:?} should be refused");
        }
    }

    #[test]
    fn tags_follow_docker_grammar() {
        for ok in [
            "v1",
            "latest",
            "0f3c2a1",
            "release_2024.06-1",
            &"a".repeat(128),
        ] {
            assert!(check_tag(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "v1@sha256:abc",
            "a:b",
            "a/b",
            ".hidden",
            "-x",
            "has space",
            "$(id)",
            &"a".repeat(129),
        ] {
            assert!(check_tag(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn with_tag_keeps_the_repository() {
        let img = ecr("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:old").with_tag("new");
        assert_eq!(img.tag(), Some("new"));
        assert_eq!(img.repository, "shop");
    }
}
