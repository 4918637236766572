//! Branch, tag and pipeline globs, and the provable "every name this matches, that matches
//! too" relation the shadowing check needs.
//!
//! Syntax is globset's with `/` as a separator, as in GitHub Actions branch filters: `*` and
//! `?` never match `/`, `**` matches anything, `{a,b}` is either, `[abc]` a class, `\` escapes.

use globset::{GlobBuilder, GlobMatcher};

use crate::diagnostic::Location;

/// One compiled glob with where it was written.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: String,
    matcher: GlobMatcher,
    pub at: Location,
}

impl Pattern {
    /// Compiles `text`; the error is globset's reason, for the caller to locate.
    pub fn new(text: &str, at: Location) -> Result<Self, String> {
        let glob = GlobBuilder::new(text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Self {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
            at,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }

    /// True when the pattern has no glob syntax: it matches exactly its own text.
    pub fn is_literal(&self) -> bool {
        !self.text.contains(['*', '?', '[', ']', '{', '}', '\\'])
    }

    /// True only when it is *provable* that every name `other` matches is matched by `self`.
    /// False means "not proven", never "proven not": the shadowing check must not cry wolf.
    pub fn covers(&self, other: &Pattern) -> bool {
        if self.text == other.text || self.text == "**" {
            return true;
        }
        if other.is_literal() {
            return self.is_match(&other.text);
        }
        // `*` matches every name without a `/`. `other` matches only such names when it has
        // no `/` and no syntax that could produce one (`**`, classes, escapes).
        self.text == "*"
            && !other.text.contains(['/', '[', ']', '\\'])
            && !other.text.contains("**")
    }
}

/// A non-empty list of patterns: a name matches when any of them does.
#[derive(Clone, Debug)]
pub struct PatternList {
    pub patterns: Vec<Pattern>,
    pub at: Location,
}

impl PatternList {
    /// The first pattern matching `name`.
    pub fn find(&self, name: &str) -> Option<&Pattern> {
        self.patterns.iter().find(|p| p.is_match(name))
    }

    /// Provably: every name `other` matches, `self` matches too.
    pub fn covers(&self, other: &PatternList) -> bool {
        other
            .patterns
            .iter()
            .all(|o| self.patterns.iter().any(|s| s.covers(o)))
    }

    /// `"a", "b*"` for messages.
    pub fn describe(&self) -> String {
        self.patterns
            .iter()
            .map(|p| format!("{:?}", p.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> Pattern {
        Pattern::new(text, Location::default()).unwrap()
    }

    #[test]
    fn globs_follow_branch_filter_rules() {
        assert!(p("main").is_match("main"));
        assert!(!p("main").is_match("main2"));
        assert!(p("release/*").is_match("release/1.2"));
        assert!(!p("release/*").is_match("release/1/2"));
        assert!(!p("*").is_match("feature/x"));
        assert!(p("**").is_match("feature/x/y"));
        assert!(p("feature/**").is_match("feature/x/y"));
        assert!(p("v*").is_match("v1.2.3"));
        assert!(p("{main,master}").is_match("master"));
        assert!(p("v[0-9]*").is_match("v2"));
        assert!(!p("v[0-9]*").is_match("vx"));
        // Hostile names are just names.
        assert!(p("**").is_match("a\nb $(touch x)"));
        assert!(p("*").is_match("it's `here`"));
    }

    #[test]
    fn bad_globs_are_refused() {
        assert!(Pattern::new("feature/[", Location::default()).is_err());
        assert!(Pattern::new("{a,b", Location::default()).is_err());
    }

    #[test]
    fn coverage_is_proven_or_denied() {
        assert!(p("main").covers(&p("main")));
        assert!(p("**").covers(&p("feature/**")));
        assert!(p("*").covers(&p("main")));
        assert!(p("*").covers(&p("hotfix-*")));
        assert!(!p("*").covers(&p("feature/x")));
        assert!(!p("*").covers(&p("**")));
        assert!(p("release/*").covers(&p("release/1.0")));
        assert!(!p("release/*").covers(&p("release/**")));
        // Not provable by these rules, although true: must answer false, not guess.
        assert!(!p("v*").covers(&p("v1.*")));
        assert!(!p("main").covers(&p("*")));
    }

    proptest! {
        /// Soundness: whenever `covers` says yes, every name the covered pattern matches is
        /// matched by the covering one (checked on names built from the same alphabet).
        #[test]
        fn covers_never_lies(
            a in prop::sample::select(vec!["*", "**", "main", "v*", "release/*", "a*", "{a,b}", "feature/**", "?"]),
            b in prop::sample::select(vec!["*", "**", "main", "v1", "release/1", "a?", "{a,b}", "feature/x/y", "b", "a*b"]),
            name in "[abmainv1/ .-]{0,12}",
        ) {
            let (a, b) = (p(a), p(b));
            if a.covers(&b) && b.is_match(&name) {
                prop_assert!(a.is_match(&name), "{:?} covers {:?} but misses {:?}", a.as_str(), b.as_str(), name);
            }
        }
    }
}
