//! A Copilot workspace's workloads (`copilot/*/manifest.yml`): each manifest's `name` and
//! `type`, read with a YAML parser. Copilot itself is never run.
//!
//! `Scheduled Job` is a job; the service types are `Load Balanced Web Service`,
//! `Backend Service`, `Worker Service`, `Request-Driven Web Service` and `Static Site`.

use std::path::{Path, PathBuf};

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
    let docs = YamlLoader::load_from_str(&text).map_err(|e| {
        let at = Location {
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
        };
        Problem::new(path, Some(at), format!("invalid YAML: {}", e.info()))
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
