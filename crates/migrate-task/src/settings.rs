//! Flags and env twins resolved into one typed [`Settings`] before any AWS call: everything
//! that can be wrong without asking AWS is reported here, as a usage error (exit 2).

use std::time::Duration;

use slipway_aws::AwsArgs;
use slipway_core::{ProgressMode, env};

use crate::cli::RunArgs;
use crate::error::Error;
use crate::image::{self, ImageRef};

/// Which service the task copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `--cluster C --service S`.
    Service { cluster: String, service: String },
    /// `--copilot APP/ENV/SVC`, optionally narrowed to one cluster.
    Copilot {
        app: String,
        env: String,
        svc: String,
        cluster: Option<String>,
    },
}

/// Which image the task runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageChoice {
    /// `--image URI`.
    Uri(ImageRef),
    /// `--image-tag TAG`: same repository as the container's current image.
    Tag(String),
}

/// How often DescribeTasks is called: from `initial`, growing by half each time, to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(6),
        }
    }
}

impl PollPolicy {
    /// A fixed interval (tests against moto).
    pub fn fixed(interval: Duration) -> Self {
        Self {
            initial: interval,
            max: interval,
        }
    }

    /// The interval after `current`.
    pub fn next(&self, current: Duration) -> Duration {
        (current + current / 2).min(self.max)
    }
}

/// Everything a run needs, resolved and checked.
#[derive(Clone, Debug)]
pub struct Settings {
    pub target: Target,
    pub container: Option<String>,
    pub image: ImageChoice,
    pub timeout: Option<Duration>,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    /// `--env` additions, in order, names unique.
    pub env: Vec<(String, String)>,
    /// The argv the container runs.
    pub command: Vec<String>,
    pub dry_run: bool,
    pub json: bool,
    pub progress: ProgressMode,
    pub poll: PollPolicy,
    pub aws: AwsArgs,
}

impl Settings {
    /// Resolves the parsed flags (clap has already applied the env twins); `lookup` reads
    /// the environment for what clap cannot (`MIGRATE_TASK_ENV`).
    pub fn resolve(
        args: RunArgs,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, Error> {
        let usage = |msg: String| Error::Usage(msg);
        let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());

        args.aws.validate().map_err(usage)?;

        let cluster = given(args.cluster);
        let service = given(args.service);
        let target = match (given(args.copilot), service) {
            (Some(_), Some(_)) => {
                return Err(usage(
                    "--service and --copilot both name the service; give one of them".into(),
                ));
            }
            (Some(names), None) => {
                let (app, env, svc) = parse_copilot(&names)?;
                Target::Copilot {
                    app,
                    env,
                    svc,
                    cluster,
                }
            }
            (None, Some(service)) => match cluster {
                Some(cluster) => Target::Service { cluster, service },
                None => {
                    return Err(usage(format!(
                        "--service {service:?} needs --cluster (or {})",
                        env::MIGRATE_TASK_CLUSTER
                    )));
                }
            },
            (None, None) => {
                return Err(usage(
                    "name the service to copy: --cluster C --service S, or --copilot APP/ENV/SVC"
                        .into(),
                ));
            }
        };

        let image = match (given(args.image), given(args.image_tag)) {
            (Some(_), Some(_)) => {
                return Err(usage(
                    "--image and --image-tag both name the image; give one of them".into(),
                ));
            }
            (Some(uri), None) => ImageChoice::Uri(image::parse(&uri).map_err(usage)?),
            (None, Some(tag)) => {
                image::check_tag(&tag).map_err(|e| usage(format!("--image-tag: {e}")))?;
                ImageChoice::Tag(tag)
            }
            (None, None) => {
                return Err(usage(
                    "name the image to run: --image URI or --image-tag TAG".into(),
                ));
            }
        };

        let timeout = given(args.timeout)
            .map(|t| parse_duration(&t))
            .transpose()
            .map_err(|e| usage(format!("--timeout: {e}")))?;
        let cpu = given(args.cpu)
            .map(|v| parse_units(&v, "--cpu", "CPU units"))
            .transpose()?;
        let memory = given(args.memory)
            .map(|v| parse_units(&v, "--memory", "MiB"))
            .transpose()?;

        let env_lines: Vec<String> = if args.env.is_empty() {
            lookup(env::MIGRATE_TASK_ENV)
                .map(|all| {
                    all.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            args.env
        };
        let env = parse_env(&env_lines)?;

        if args.command.is_empty() || args.command[0].trim().is_empty() {
            return Err(usage(
                "no command: put it after `--`, e.g. migrate-task run ... -- bin/rails db:migrate"
                    .into(),
            ));
        }

        let poll = match args.poll_interval_ms {
            Some(0) => return Err(usage("--poll-interval-ms must be at least 1".into())),
            Some(ms) => PollPolicy::fixed(Duration::from_millis(ms)),
            None => PollPolicy::default(),
        };

        Ok(Settings {
            target,
            container: given(args.container),
            image,
            timeout,
            cpu,
            memory,
            env,
            command: args.command,
            dry_run: args.dry_run,
            json: args.json,
            progress: args.progress,
            poll,
            aws: args.aws,
        })
    }
}

fn parse_copilot(names: &str) -> Result<(String, String, String), Error> {
    let parts: Vec<&str> = names.split('/').map(str::trim).collect();
    match parts.as_slice() {
        [app, env, svc] if !app.is_empty() && !env.is_empty() && !svc.is_empty() => {
            Ok(((*app).to_owned(), (*env).to_owned(), (*svc).to_owned()))
        }
        _ => Err(Error::Usage(format!(
            "--copilot {names:?}: expected APP/ENV/SVC, e.g. shop/production/web"
        ))),
    }
}

/// `45m`, `2h`, `1h30m`, `90s`, an ISO 8601 duration, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let duration = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let signed: jiff::SignedDuration = text
                .parse()
                .map_err(|_| format!("{text:?} is not a duration such as 45m, 2h or 90s"))?;
            Duration::try_from(signed).map_err(|_| format!("{text:?} is negative"))?
        }
    };
    if duration.is_zero() {
        return Err(format!(
            "{text:?} is zero; leave --timeout out for no limit"
        ));
    }
    Ok(duration)
}

fn parse_units(value: &str, flag: &str, unit: &str) -> Result<u32, Error> {
    match value.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::Usage(format!(
            "{flag} {value:?}: expected a positive whole number of {unit}"
        ))),
    }
}

fn parse_env(lines: &[String]) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once('=') else {
            // Never echo the line: it may hold a secret value without its '='.
            return Err(Error::Usage(
                "--env expects KEY=VALUE; one entry has no '='".into(),
            ));
        };
        let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-';
        if let Some(bad) = name.find(|c: char| !name_char(c)) {
            // Echo the name only up to the first character that cannot be in one: after a
            // mistyped separator (`TOKEN:value=...`), the rest is the secret value.
            let shown = &name[..bad];
            let c = name[bad..].chars().next().unwrap_or_default();
            return Err(Error::Usage(format!(
                "--env {shown:?} is followed by {c:?} before the '=': a name is letters, digits, '_', '.' or '-' (the rest of the entry is not shown)"
            )));
        }
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Error::Usage(format!(
                "--env {name:?}=...: the name must be letters, digits, '_', '.' or '-' and not start with a digit"
            )));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(Error::Usage(format!("--env {name} is given twice")));
        }
        out.push((name.to_owned(), value.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(argv: &[&str]) -> RunArgs {
        let mut full = vec!["migrate-task", "run"];
        full.extend_from_slice(argv);
        match crate::cli::Cli::try_parse_from(full).unwrap().command {
            crate::cli::Command::Run(args) => args,
        }
    }

    fn resolve(argv: &[&str]) -> Result<Settings, Error> {
        Settings::resolve(args(argv), |_| None)
    }

    fn usage_message(argv: &[&str]) -> String {
        match resolve(argv) {
            Err(Error::Usage(msg)) => msg,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn cluster_and_service() {
        let s = resolve(&[
            "--cluster",
            "c",
            "--service",
            "s",
            "--image-tag",
            "v1",
            "--",
            "bin/rails",
            "db:migrate",
        ])
        .unwrap();
        assert_eq!(
            s.target,
            Target::Service {
                cluster: "c".into(),
                service: "s".into()
            }
        );
        assert_eq!(s.image, ImageChoice::Tag("v1".into()));
        assert_eq!(s.command, ["bin/rails", "db:migrate"]);
        assert_eq!(s.timeout, None);
        assert_eq!(s.poll, PollPolicy::default());
    }

    #[test]
    fn copilot_names() {
        let s = resolve(&["--copilot", "shop/prod/web", "--image-tag", "v1", "--", "x"]).unwrap();
        assert_eq!(
            s.target,
            Target::Copilot {
                app: "shop".into(),
                env: "prod".into(),
                svc: "web".into(),
                cluster: None
            }
        );
        assert!(
            usage_message(&["--copilot", "shop/web", "--image-tag", "v1", "--", "x"])
                .contains("APP/ENV/SVC")
        );
        assert!(
            usage_message(&[
                "--copilot",
                "a/b/c",
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v",
                "--",
                "x"
            ])
            .contains("both")
        );
    }

    #[test]
    fn target_is_required() {
        assert!(usage_message(&["--image-tag", "v1", "--", "x"]).contains("--cluster"));
        assert!(
            usage_message(&["--service", "s", "--image-tag", "v1", "--", "x"])
                .contains("needs --cluster")
        );
    }

    #[test]
    fn image_choice() {
        assert!(
            usage_message(&["--cluster", "c", "--service", "s", "--", "x"]).contains("--image")
        );
        assert!(
            usage_message(&[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image",
                "a:b",
                "--image-tag",
                "b",
                "--",
                "x"
            ])
            .contains("both")
        );
        assert!(
            usage_message(&[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v1@sha256:00",
                "--",
                "x"
            ])
            .contains("invalid image tag")
        );
        let s = resolve(&[
            "--cluster",
            "c",
            "--service",
            "s",
            "--image",
            "docker.io/library/ruby:3.3",
            "--",
            "x",
        ])
        .unwrap();
        assert_eq!(
            s.image,
            ImageChoice::Uri(ImageRef::Other("docker.io/library/ruby:3.3".into()))
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45m").unwrap(), Duration::from_secs(2700));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("PT2H").unwrap(), Duration::from_secs(7200));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn cpu_memory_and_env() {
        let s = resolve(&[
            "--cluster",
            "c",
            "--service",
            "s",
            "--image-tag",
            "v",
            "--cpu",
            "1024",
            "--memory",
            "2048",
            "--env",
            "A=1",
            "--env",
            "B=x=y",
            "--",
            "x",
        ])
        .unwrap();
        assert_eq!((s.cpu, s.memory), (Some(1024), Some(2048)));
        assert_eq!(
            s.env,
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
        let base = ["--cluster", "c", "--service", "s", "--image-tag", "v"];
        let with = |extra: &[&str]| {
            let mut v: Vec<&str> = base.to_vec();
            v.extend_from_slice(extra);
            v.extend_from_slice(&["--", "x"]);
            usage_message(&v)
        };
        assert!(with(&["--cpu", "lots"]).contains("--cpu"));
        assert!(with(&["--memory", "0"]).contains("--memory"));
        assert!(with(&["--env", "A=1", "--env", "A=2"]).contains("twice"));
        let no_equals = with(&["--env", "TOKEN-hunter2"]);
        assert!(!no_equals.contains("hunter2"), "{no_equals}");
    }

    /// Found by fuzzing: `--service "a<newline>b"` without --cluster made a two-line error.
    #[test]
    fn regression_a_service_name_is_quoted_in_the_error() {
        let msg = usage_message(&["--service", "a\nb", "--image-tag", "v", "--", "x"]);
        assert_eq!(
            msg,
            "--service \"a\\nb\" needs --cluster (or MIGRATE_TASK_CLUSTER)"
        );
    }

    /// Found by the secrets test: `--env TOKEN:hunter2=x` (a mistyped separator) echoed the
    /// whole "name", value included.
    #[test]
    fn regression_an_invalid_env_name_is_not_echoed_past_its_first_bad_character() {
        let base = ["--cluster", "c", "--service", "s", "--image-tag", "v"];
        for entry in [
            "API_TOKEN:hunter2=x",
            "API_TOKEN hunter2=x",
            "API_TOKEN/hunter2=x",
        ] {
            let mut v: Vec<&str> = base.to_vec();
            v.extend_from_slice(&["--env", entry, "--", "x"]);
            let msg = usage_message(&v);
            assert!(!msg.contains("hunter2"), "{msg}");
            assert!(msg.contains("\"API_TOKEN\""), "{msg}");
        }
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(&["--env", "1ABC=x", "--", "x"]);
        assert!(usage_message(&v).contains("not start with a digit"));
    }

    #[test]
    fn env_lines_from_the_environment() {
        let s = Settings::resolve(
            args(&[
                "--cluster",
                "c",
                "--service",
                "s",
                "--image-tag",
                "v",
                "--",
                "x",
            ]),
            |name| (name == env::MIGRATE_TASK_ENV).then(|| "A=1,2\n\nB=two\n".to_owned()),
        )
        .unwrap();
        assert_eq!(
            s.env,
            vec![("A".into(), "1,2".into()), ("B".into(), "two".into())]
        );
    }

    #[test]
    fn poll_backoff_grows_to_the_cap() {
        let p = PollPolicy::default();
        let mut d = p.initial;
        let mut seen = vec![d];
        for _ in 0..6 {
            d = p.next(d);
            seen.push(d);
        }
        assert_eq!(seen[1], Duration::from_millis(1500));
        assert_eq!(seen[2], Duration::from_millis(2250));
        assert_eq!(*seen.last().unwrap(), Duration::from_secs(6));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    }
}
