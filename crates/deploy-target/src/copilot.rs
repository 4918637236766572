//! A Copilot workspace's workloads (`copilot/*/manifest.yml`): each manifest's `name` and
//! `type`, read with a YAML parser. Copilot itself is never run.
//!
//! `Scheduled Job` is a job; the service types are `Load Balanced Web Service`,
//! `Backend Service`, `Worker Service`, `Request-Driven Web Service` and `Static Site`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

use crate::config::{Config, Named};
use crate::diagnostic::{Location, Problem};
use crate::error::Error;

pub const SERVICE_TYPES: [&str; 5] = [
    "Load Balanced Web Service",
    "Backend Service",
    "Worker Service",
    "Request-Driven Web Service",
    "Static Site",
];
pub const JOB_TYPES: [&str; 1] = ["Scheduled Job"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Service,
    Job,
    /// A type we do not know (a newer Copilot, or a typo).
    Unknown,
}

impl Kind {
    fn of(workload_type: &str) -> Self {
        if SERVICE_TYPES.contains(&workload_type) {
            Self::Service
        } else if JOB_TYPES.contains(&workload_type) {
            Self::Job
        } else {
            Self::Unknown
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Job => "job",
            Self::Unknown => "workload",
        }
    }
}

/// One `copilot/<dir>/manifest.yml`.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub workload_type: String,
    pub kind: Kind,
    pub manifest: PathBuf,
}

/// The workloads of a Copilot workspace, and the manifests that could not be read.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub dir: PathBuf,
    pub workloads: Vec<Workload>,
    pub problems: Vec<Problem>,
}

impl Workspace {
    /// The `copilot/` folder beside the config, else in the current directory.
    pub fn find(config_path: &Path) -> Option<PathBuf> {
        let beside = config_path
            .parent()
            .map(|p| p.join("copilot"))
            .filter(|p| p.is_dir());
        beside.or_else(|| Some(PathBuf::from("copilot")).filter(|p| p.is_dir()))
    }

    /// Reads every `DIR/*/manifest.yml`, in name order.
    pub fn read(dir: &Path) -> Result<Self, Error> {
        // std::fs, not fs_err: the error names the folder already, once.
        let entries = std::fs::read_dir(dir).map_err(|e| Error::CopilotWorkspace {
            path: dir.to_owned(),
            reason: e.to_string(),
        })?;
        let mut manifests: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path().join("manifest.yml"))
            .filter(|p| p.is_file())
            .collect();
        manifests.sort();
        let mut workloads = Vec::new();
        let mut problems = Vec::new();
        for manifest in manifests {
            match read_manifest(&manifest) {
                Ok(w) => workloads.push(w),
                Err(p) => problems.push(p),
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            workloads,
            problems,
        })
    }

    pub fn workload(&self, name: &str) -> Option<&Workload> {
        self.workloads.iter().find(|w| w.name == name)
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.workloads.iter().filter(|w| w.kind == kind).count()
    }

    /// Every service and job a target names must be a workload of the right kind.
    pub fn check(&self, config: &Config) -> Vec<Problem> {
        let mut problems = Vec::new();
        for target in &config.targets {
            for (named, want) in target
                .services
                .iter()
                .map(|n| (n, Kind::Service))
                .chain(target.jobs.iter().map(|n| (n, Kind::Job)))
            {
                if let Some(message) = self.mismatch(named, want) {
                    problems.push(Problem::new(
                        &config.path,
                        Some(named.at),
                        format!("target {:?}: {message}", target.name),
                    ));
                }
            }
        }
        problems
    }

    fn mismatch(&self, named: &Named, want: Kind) -> Option<String> {
        let list = if want == Kind::Job {
            "jobs"
        } else {
            "services"
        };
        match self.workload(&named.name) {
            None => {
                let known = self
                    .workloads
                    .iter()
                    .filter(|w| w.kind == want)
                    .map(|w| w.name.as_str())
                    .collect::<Vec<_>>();
                Some(format!(
                    "{list}: {:?} is not in the Copilot workspace {} (its {}s: {})",
                    named.name,
                    self.dir.display(),
                    want.noun(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            }
            Some(w) if w.kind != want => Some(format!(
                "{list}: {:?} is a {} ({:?} in {}), not a {}",
                named.name,
                w.kind.noun(),
                w.workload_type,
                w.manifest.display(),
                want.noun()
            )),
            Some(_) => None,
        }
    }
}

fn read_manifest(path: &Path) -> Result<Workload, Problem> {
    let text = fs_err::read_to_string(path).map_err(|e| Problem::new(path, None, e.to_string()))?;
    let located = |mark: &Marker| Location {
        line: mark.line().max(1),
        column: mark.col() + 1,
    };
    if let Some((mark, why)) = Limits::exceeded(&text) {
        return Err(Problem::new(
            path,
            Some(located(&mark)),
            format!("invalid YAML: {why}"),
        ));
    }
    let docs = YamlLoader::load_from_str(&text).map_err(|e| {
        Problem::new(
            path,
            Some(located(e.marker())),
            format!("invalid YAML: {}", e.info()),
        )
    })?;
    let doc = docs.first().unwrap_or(&Yaml::Null);
    let dir_name = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = doc["name"].as_str().map(str::to_owned).unwrap_or(dir_name);
    let Some(workload_type) = doc["type"].as_str() else {
        return Err(Problem::new(path, None, "has no `type:`"));
    };
    Ok(Workload {
        name,
        workload_type: workload_type.to_owned(),
        kind: Kind::of(workload_type),
        manifest: path.to_owned(),
    })
}

/// A Copilot manifest is a few levels deep and a few hundred nodes. Far beyond that, the
/// document is refused before a tree is built: a tree thousands of levels deep overflows the
/// stack when it is dropped, and aliases of aliases expand exponentially (a 300-byte file can
/// stand for a billion nodes).
const MAX_DEPTH: usize = 64;
const MAX_NODES: u64 = 100_000;

/// Nesting and nodes (aliases expanded, as the loader would) counted from parser events.
#[derive(Default)]
struct Limits {
    /// Open collections: (anchor id, nodes in it so far, itself included).
    open: Vec<(usize, u64)>,
    /// Nodes each anchor stands for.
    anchors: HashMap<usize, u64>,
    /// Nodes the loaded documents would hold.
    total: u64,
    exceeded: Option<(Marker, String)>,
}

impl Limits {
    /// Where and why `text` goes beyond the limits, from the parser's events alone (read in
    /// a loop: the parser's own `load` recurses once per level). A syntax error is left for
    /// the loader to report, in its own words.
    fn exceeded(text: &str) -> Option<(Marker, String)> {
        let mut parser = Parser::new_from_str(text);
        let mut limits = Limits::default();
        while limits.exceeded.is_none() {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) | Err(_) => break,
                Ok((event, mark)) => limits.see(event, mark),
            }
        }
        limits.exceeded
    }

    fn see(&mut self, event: Event, mark: Marker) {
        let size = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
                self.total = self.total.saturating_add(1);
                if self.open.len() > MAX_DEPTH {
                    self.exceeded = Some((mark, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                return;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, size) = self.open.pop().unwrap_or((0, 1));
                if anchor > 0 {
                    self.anchors.insert(anchor, size);
                }
                // Counted in `total` as its nodes arrived.
                size
            }
            Event::Scalar(_, _, anchor, _) => {
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
                self.total = self.total.saturating_add(1);
                1
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.total = self.total.saturating_add(size);
                size
            }
            _ => return,
        };
        if let Some((_, parent)) = self.open.last_mut() {
            *parent = parent.saturating_add(size);
        }
        if self.total > MAX_NODES {
            self.exceeded = Some((
                mark,
                format!("more than {MAX_NODES} nodes once its aliases are expanded"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(Kind::of("Scheduled Job"), Kind::Job);
        assert_eq!(Kind::of("Backend Service"), Kind::Service);
        assert_eq!(Kind::of("Static Site"), Kind::Service);
        assert_eq!(Kind::of("Environment"), Kind::Unknown);
    }

    fn read_one(yaml: &str) -> Result<Workload, Problem> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.yml");
        std::fs::write(&path, yaml).unwrap();
        read_manifest(&path)
    }

    /// Found by fuzzing: `deploy-target check` aborted (stack overflow) on a manifest of a
    /// few thousand nested block sequences, a 10 KB file.
    #[test]
    fn regression_deep_block_nesting_is_refused_not_a_stack_overflow() {
        for depth in [65, 5_000, 100_000] {
            let yaml = format!("{}name: x\ntype: Backend Service\n", "- ".repeat(depth));
            let p = read_one(&yaml).unwrap_err();
            assert!(p.message.contains("nested deeper than 64 levels"), "{p}");
            assert!(!p.to_string().contains('\n'), "{p}");
        }
        let yaml = format!("{}x\n", "- ".repeat(40));
        let p = read_one(&format!(
            "name: web\ntype: Backend Service\nsidecars:\n{yaml}"
        ));
        assert!(p.is_ok(), "{p:?}");
    }

    /// Found by fuzzing: aliases of aliases ("billion laughs") made `check` expand a 300-byte
    /// manifest into a billion nodes and exhaust memory.
    #[test]
    fn regression_alias_expansion_is_bounded() {
        let mut yaml =
            "name: web\ntype: Backend Service\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            yaml.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let p = read_one(&yaml).unwrap_err();
        assert!(p.message.contains("aliases are expanded"), "{p}");
        // Ordinary anchors still work.
        let w = read_one("base: &t Backend Service\nname: api\ntype: *t\n").unwrap();
        assert_eq!(w.kind, Kind::Service);
    }

    #[test]
    fn manifests_are_read_with_quotes_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let svc = dir.path().join("api");
        std::fs::create_dir(&svc).unwrap();
        std::fs::write(
            svc.join("manifest.yml"),
            "# The manifest for the \"api\" service.\nname: 'api'   # quoted\ntype: \"Backend Service\"\nimage:\n  build: Dockerfile\n",
        )
        .unwrap();
        let bad = dir.path().join("bad");
        std::fs::create_dir(&bad).unwrap();
        std::fs::write(bad.join("manifest.yml"), "name: [unclosed\n").unwrap();
        let ws = Workspace::read(dir.path()).unwrap();
        assert_eq!(ws.workloads.len(), 1);
        assert_eq!(ws.workloads[0].name, "api");
        assert_eq!(ws.workloads[0].kind, Kind::Service);
        assert_eq!(ws.problems.len(), 1);
        assert!(ws.problems[0].message.starts_with("invalid YAML"));
        assert!(ws.problems[0].at.is_some());
    }
}
