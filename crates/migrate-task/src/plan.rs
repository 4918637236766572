//! The plan: everything read from AWS and everything that would be written, built before
//! the first write. `--dry-run` prints it and stops; a run registers [`Plan::copy`] and sends
//! [`Plan::request`].

use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, Service, TaskDefinition};
use serde::Serialize;
use slipway_core::Printer;

use crate::api::{EcrApi, EcsApi};
use crate::container;
use crate::error::Error;
use crate::image::{self, EcrImage, ImageRef};
use crate::logs::LogSource;
use crate::redact;
use crate::settings::{ImageChoice, Settings};
use crate::target::{self, COPILOT_SERVICE, ServiceRef};

/// `startedBy` on every task migrate-task runs (ECS allows 36 characters).
pub const STARTED_BY: &str = "slipway-migrate-task";
/// The tag that marks a task as a migrate-task run.
pub const PURPOSE_TAG: (&str, &str) = ("slipway:purpose", "migrate-task");
/// The tag naming the service whose settings the task copied.
pub const SERVICE_TAG: &str = "slipway:service";
/// The copy is registered under `<family><FAMILY_SUFFIX>`, apart from the service's family.
pub const FAMILY_SUFFIX: &str = "-migrate";

/// The image the task runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolvedImage {
    /// What goes into the task definition: `repo@sha256:...` for ECR images.
    pub reference: String,
    pub digest: Option<String>,
    pub tag: Option<String>,
    /// Whether ECR confirmed that the image exists.
    pub checked: bool,
}

/// A value before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    pub from: T,
    pub to: T,
}

/// One environment variable added or replaced; values as they may be printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvChange {
    pub name: String,
    pub from: Option<String>,
    pub to: String,
}

/// A `secrets[]` entry, printed by its ARN only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretRef {
    pub name: String,
    pub value_from: String,
}

/// How the copy differs from the service's task definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub family: Change<String>,
    pub image: Change<String>,
    /// `None`: the image's default command.
    pub command: Change<Option<Vec<String>>>,
    /// Kept as it is; shown because the command runs through it.
    pub entry_point: Option<Vec<String>>,
    pub cpu: Option<Change<Option<String>>>,
    pub memory: Option<Change<Option<String>>>,
    pub environment: Vec<EnvChange>,
    /// The container's health check is dropped: a one-off command serves no health endpoint.
    pub health_check_removed: bool,
}

/// RunTask's request, in the API's own JSON shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTaskRequest {
    pub cluster: String,
    pub task_definition: String,
    pub count: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<Placement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub placement_strategy: Vec<Placement>,
    pub overrides: Overrides,
    pub started_by: String,
    pub tags: Vec<Tag>,
    pub client_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderItem {
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkConfiguration {
    pub awsvpc_configuration: AwsVpcConfiguration,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsVpcConfiguration {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<String>,
}

/// A placement constraint (`type`, `expression`) or strategy (`type`, `field`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placement {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overrides {
    pub container_overrides: Vec<ContainerOverride>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContainerOverride {
    pub name: String,
    /// The argv, element by element: never joined into a shell string.
    pub command: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Everything a run reads, and everything it would write.
#[derive(Clone, Debug)]
pub struct Plan {
    pub cluster: String,
    pub service_name: String,
    pub service_arn: Option<String>,
    pub source_task_definition_arn: String,
    pub container: String,
    /// Other essential containers of the task: if one of them fails, the run fails.
    pub other_essential: Vec<String>,
    pub image: ResolvedImage,
    /// The task definition to register (a copy with the changes applied).
    pub copy: TaskDefinition,
    pub changes: Changes,
    pub secrets: Vec<SecretRef>,
    /// `taskDefinition` holds the new family until the run registers the revision.
    pub request: RunTaskRequest,
    pub logs: LogSource,
}

/// Reads the service, its current task definition and the image, and builds the plan.
pub async fn build(
    settings: &Settings,
    ecs: &impl EcsApi,
    ecr: &impl EcrApi,
    printer: &Printer,
) -> Result<Plan, Error> {
    let target = target::resolve(ecs, &settings.target).await?;
    let source_arn = current_task_definition(&target.service).ok_or_else(|| {
        Error::Usage(format!(
            "service {} in cluster {} has no task definition",
            target.name(),
            target.cluster
        ))
    })?;
    let source = ecs
        .describe_task_definition(&source_arn)
        .await
        .map_err(|e| Error::aws(format!("describe task definition {source_arn}"), e))?;
    let mut service_names = vec![target.name()];
    if let Some(copilot) = target.tag(COPILOT_SERVICE) {
        service_names.push(copilot);
    }
    let index = container::choose(
        source.container_definitions(),
        settings.container.as_deref(),
        &service_names,
        &source_arn,
    )?;
    let current_image = source.container_definitions()[index]
        .image()
        .unwrap_or_default()
        .to_owned();
    let image = resolve_image(&settings.image, &current_image, ecr, printer).await?;
    assemble(settings, &target, source, index, image, client_token())
}

/// The task definition the service runs now: its PRIMARY deployment's (the one a rolling
/// update is moving to), else the service's own field. Never "the latest revision".
pub fn current_task_definition(service: &Service) -> Option<String> {
    service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.task_definition())
        .or(service.task_definition())
        .map(str::to_owned)
}

/// Checks an ECR image and pins it to its digest; other registries pass as given.
async fn resolve_image(
    choice: &ImageChoice,
    current: &str,
    ecr: &impl EcrApi,
    printer: &Printer,
) -> Result<ResolvedImage, Error> {
    let ecr_image = match choice {
        ImageChoice::Tag(tag) => match image::parse(current) {
            Ok(ImageRef::Ecr(img)) => img.with_tag(tag),
            _ => {
                return Err(Error::Usage(format!(
                    "--image-tag needs the container's current image to be in ECR, but it is {current:?}; pass the full --image URI"
                )));
            }
        },
        ImageChoice::Uri(ImageRef::Ecr(img)) => img.clone(),
        ImageChoice::Uri(ImageRef::Other(uri)) => {
            printer.warn(format!(
                "image {uri} is not in ECR, so it cannot be checked before the task starts; using it as given"
            ));
            return Ok(ResolvedImage {
                reference: uri.clone(),
                digest: None,
                tag: None,
                checked: false,
            });
        }
    };
    check_in_ecr(&ecr_image, ecr).await
}

async fn check_in_ecr(img: &EcrImage, ecr: &impl EcrApi) -> Result<ResolvedImage, Error> {
    match ecr.describe_image(img).await {
        Ok(detail) => Ok(ResolvedImage {
            reference: img.pinned(&detail.digest),
            digest: Some(detail.digest),
            tag: img.tag().map(str::to_owned),
            checked: true,
        }),
        Err(e) if e.is_not_found() => {
            let detail = match e.code.as_deref() {
                Some("RepositoryNotFoundException") => format!(
                    "repository {} does not exist in registry {} ({})",
                    img.repository, img.registry_id, img.region
                ),
                _ => match img.tag() {
                    Some(tag) => format!(
                        "tag {tag} is not in repository {} (registry {}, {}); was the image pushed?",
                        img.repository, img.registry_id, img.region
                    ),
                    None => format!(
                        "that digest is not in repository {} (registry {}, {})",
                        img.repository, img.registry_id, img.region
                    ),
                },
            };
            Err(Error::ImageNotFound {
                image: img.to_string(),
                detail,
            })
        }
        Err(e) => Err(Error::aws(format!("check image {img} in ECR"), e)),
    }
}

/// A token that makes RunTask idempotent across the SDK's retries of this one request.
fn client_token() -> String {
    format!(
        "migrate-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// The copy's family: `<family>-migrate`, within ECS's 255 characters.
pub fn copy_family(family: &str) -> String {
    let keep = 255 - FAMILY_SUFFIX.len();
    let base: String = family.chars().take(keep).collect();
    format!("{base}{FAMILY_SUFFIX}")
}

/// Builds the plan from what was read. No AWS calls: unit-tested directly.
pub fn assemble(
    settings: &Settings,
    target: &ServiceRef,
    source: TaskDefinition,
    index: usize,
    image: ResolvedImage,
    client_token: String,
) -> Result<Plan, Error> {
    let source_arn = source.task_definition_arn().unwrap_or_default().to_owned();
    let family = source.family().unwrap_or_default().to_owned();
    let mut copy = source.clone();
    copy.family = Some(copy_family(&family));

    let containers = copy.container_definitions.get_or_insert_with(Vec::new);
    let other_essential: Vec<String> = containers
        .iter()
        .enumerate()
        .filter(|(i, c)| *i != index && c.essential().unwrap_or(true))
        .filter_map(|(_, c)| c.name().map(str::to_owned))
        .collect();
    let depends_on_our_health = {
        let ours = containers[index].name().unwrap_or_default();
        containers.iter().any(|c| {
            c.depends_on()
                .iter()
                .any(|d| d.container_name() == ours && d.condition().as_str() == "HEALTHY")
        })
    };
    let def: &mut ContainerDefinition = &mut containers[index];
    let name = def.name().unwrap_or_default().to_owned();

    let secrets: Vec<SecretRef> = def
        .secrets()
        .iter()
        .map(|s| SecretRef {
            name: s.name().to_owned(),
            value_from: s.value_from().to_owned(),
        })
        .collect();
    if let Some((taken, _)) = settings
        .env
        .iter()
        .find(|(k, _)| secrets.iter().any(|s| &s.name == k))
    {
        return Err(Error::Usage(format!(
            "--env {taken}: container {name} already sets {taken} from a secret; ECS does not allow both"
        )));
    }

    let previous_image = def.image().unwrap_or_default().to_owned();
    def.image = Some(image.reference.clone());

    let mut environment = Vec::new();
    let env = def.environment.get_or_insert_with(Vec::new);
    for (key, value) in &settings.env {
        let pair = KeyValuePair::builder().name(key).value(value).build();
        match env.iter_mut().find(|p| p.name() == Some(key.as_str())) {
            Some(existing) => {
                let old = existing.value().unwrap_or_default().to_owned();
                environment.push(EnvChange {
                    name: key.clone(),
                    from: Some(redact::shown(key, &old).to_owned()),
                    to: redact::shown(key, value).to_owned(),
                });
                *existing = pair;
            }
            None => {
                environment.push(EnvChange {
                    name: key.clone(),
                    from: None,
                    to: redact::shown(key, value).to_owned(),
                });
                env.push(pair);
            }
        }
    }
    if env.is_empty() {
        def.environment = None;
    }

    let health_check_removed = def.health_check.is_some() && !depends_on_our_health;
    if health_check_removed {
        def.health_check = None;
    }
    // Shown, not sent: the copy keeps the entry point as it is.
    let previous_command = def.command.as_deref().map(redact::argv_shown);
    let entry_point = def
        .entry_point
        .as_deref()
        .filter(|e| !e.is_empty())
        .map(redact::argv_shown);
    let logs = LogSource::from_container(def);

    let cpu = settings.cpu.map(|cpu| Change {
        from: source.cpu().map(str::to_owned),
        to: Some(cpu.to_string()),
    });
    if let Some(cpu) = settings.cpu {
        copy.cpu = Some(cpu.to_string());
    }
    let memory = settings.memory.map(|memory| Change {
        from: source.memory().map(str::to_owned),
        to: Some(memory.to_string()),
    });
    if let Some(memory) = settings.memory {
        copy.memory = Some(memory.to_string());
    }

    let changes = Changes {
        family: Change {
            from: family.clone(),
            to: copy.family.clone().unwrap_or_default(),
        },
        image: Change {
            from: previous_image,
            to: image.reference.clone(),
        },
        command: Change {
            from: previous_command,
            to: Some(settings.command.clone()),
        },
        entry_point,
        cpu,
        memory,
        environment,
        health_check_removed,
    };

    let request = run_task_request(
        target,
        copy.family.clone().unwrap_or_default(),
        &name,
        &settings.command,
        client_token,
    );

    Ok(Plan {
        cluster: target.cluster.clone(),
        service_name: target.name().to_owned(),
        service_arn: target.service.service_arn().map(str::to_owned),
        source_task_definition_arn: source_arn,
        container: name,
        other_essential,
        image,
        copy,
        changes,
        secrets,
        request,
        logs,
    })
}

/// RunTask on the service's own network, launch type or capacity providers and platform.
fn run_task_request(
    target: &ServiceRef,
    task_definition: String,
    container: &str,
    command: &[String],
    client_token: String,
) -> RunTaskRequest {
    let service = &target.service;
    let primary = service
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"));
    let network = service
        .network_configuration()
        .or_else(|| primary.and_then(|d| d.network_configuration()))
        .and_then(|n| n.awsvpc_configuration())
        .map(|vpc| NetworkConfiguration {
            awsvpc_configuration: AwsVpcConfiguration {
                subnets: vpc.subnets().to_vec(),
                security_groups: vpc.security_groups().to_vec(),
                assign_public_ip: vpc.assign_public_ip().map(|a| a.as_str().to_owned()),
            },
        });
    let items = |strategy: &[aws_sdk_ecs::types::CapacityProviderStrategyItem]| {
        strategy
            .iter()
            .map(|s| CapacityProviderItem {
                capacity_provider: s.capacity_provider().to_owned(),
                weight: s.weight(),
                base: s.base(),
            })
            .collect::<Vec<_>>()
    };
    let mut strategy = items(service.capacity_provider_strategy());
    if strategy.is_empty()
        && let Some(d) = primary
    {
        strategy = items(d.capacity_provider_strategy());
    }
    // RunTask takes a launch type or a strategy, never both.
    let launch_type = if strategy.is_empty() {
        service
            .launch_type()
            .or_else(|| primary.and_then(|d| d.launch_type()))
            .map(|l| l.as_str().to_owned())
    } else {
        None
    };
    let platform_version = service
        .platform_version()
        .or_else(|| primary.and_then(|d| d.platform_version()))
        .map(str::to_owned);
    let placement_constraints = service
        .placement_constraints()
        .iter()
        .filter_map(|c| {
            c.r#type().map(|t| Placement {
                kind: t.as_str().to_owned(),
                expression: c.expression().map(str::to_owned),
                field: None,
            })
        })
        .collect();
    let placement_strategy = service
        .placement_strategy()
        .iter()
        .filter_map(|s| {
            s.r#type().map(|t| Placement {
                kind: t.as_str().to_owned(),
                expression: None,
                field: s.field().map(str::to_owned),
            })
        })
        .collect();
    RunTaskRequest {
        cluster: target.cluster.clone(),
        task_definition,
        count: 1,
        launch_type,
        capacity_provider_strategy: strategy,
        platform_version,
        network_configuration: network,
        placement_constraints,
        placement_strategy,
        overrides: Overrides {
            container_overrides: vec![ContainerOverride {
                name: container.to_owned(),
                command: command.to_vec(),
            }],
        },
        started_by: STARTED_BY.to_owned(),
        tags: vec![
            Tag {
                key: PURPOSE_TAG.0.to_owned(),
                value: PURPOSE_TAG.1.to_owned(),
            },
            Tag {
                key: SERVICE_TAG.to_owned(),
                value: target.name().chars().take(256).collect(),
            },
        ],
        client_token,
    }
}

impl Plan {
    /// The plan for people (stderr).
    pub fn human_lines(&self) -> Vec<String> {
        let c = &self.changes;
        let mut lines = vec![
            format!(
                "service:         {} in cluster {}",
                self.service_arn.as_deref().unwrap_or(&self.service_name),
                self.cluster
            ),
            format!(
                "task definition: {} -> a new revision of family {}",
                self.source_task_definition_arn, c.family.to
            ),
            format!("container:       {}", self.container),
            format!(
                "image:           {} -> {}{}",
                c.image.from,
                c.image.to,
                match (&self.image.tag, self.image.checked) {
                    (Some(tag), true) => format!(" (tag {tag}, found in ECR)"),
                    (None, true) => " (found in ECR)".to_owned(),
                    (_, false) => " (not in ECR: not checked)".to_owned(),
                }
            ),
            format!(
                "command:         {} -> {}",
                show_argv(c.command.from.as_deref()),
                show_argv(c.command.to.as_deref())
            ),
        ];
        if let Some(entry) = &c.entry_point {
            lines.push(format!(
                "entry point:     {} (kept; the command runs through it)",
                show_argv(Some(entry))
            ));
        }
        let resources = |label: &str,
                         change: &Option<Change<Option<String>>>,
                         now: Option<&str>| {
            match change {
                Some(ch) => format!(
                    "{label}{} -> {}",
                    ch.from.as_deref().unwrap_or("(unset)"),
                    ch.to.as_deref().unwrap_or("(unset)")
                ),
                None => format!("{label}{} (unchanged)", now.unwrap_or("(unset)")),
            }
        };
        lines.push(resources("cpu:             ", &c.cpu, self.copy.cpu()));
        lines.push(resources(
            "memory:          ",
            &c.memory,
            self.copy.memory(),
        ));
        if c.environment.is_empty() {
            lines.push("environment:     (unchanged)".to_owned());
        }
        for (i, e) in c.environment.iter().enumerate() {
            let label = if i == 0 {
                "environment:     "
            } else {
                "                 "
            };
            match &e.from {
                Some(old) => lines.push(format!("{label}~ {}={} (was {old})", e.name, e.to)),
                None => lines.push(format!("{label}+ {}={}", e.name, e.to)),
            }
        }
        for (i, s) in self.secrets.iter().enumerate() {
            let label = if i == 0 {
                "secrets:         "
            } else {
                "                 "
            };
            lines.push(format!(
                "{label}{} from {} (unchanged)",
                s.name, s.value_from
            ));
        }
        if c.health_check_removed {
            lines.push(format!(
                "health check:    removed from {} (a one-off command serves no health endpoint)",
                self.container
            ));
        }
        let r = &self.request;
        lines.push(match &r.network_configuration {
            Some(n) => format!(
                "network:         awsvpc, subnets {}, security groups {}, public IP {}",
                n.awsvpc_configuration.subnets.join(", "),
                n.awsvpc_configuration.security_groups.join(", "),
                n.awsvpc_configuration
                    .assign_public_ip
                    .as_deref()
                    .unwrap_or("(default)")
            ),
            None => format!(
                "network:         {} (no awsvpc configuration)",
                self.copy.network_mode().map_or("(default)", |m| m.as_str())
            ),
        });
        let launch = match (&r.launch_type, r.capacity_provider_strategy.is_empty()) {
            (Some(lt), _) => format!("launch type {lt}"),
            (None, false) => format!(
                "capacity providers {}",
                r.capacity_provider_strategy
                    .iter()
                    .map(|s| format!(
                        "{} (weight {}, base {})",
                        s.capacity_provider, s.weight, s.base
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, true) => "the cluster's default capacity provider strategy".to_owned(),
        };
        let platform = r
            .platform_version
            .as_deref()
            .map(|p| format!(", platform {p}"))
            .unwrap_or_default();
        lines.push(format!("launch:          {launch}{platform}"));
        lines.push(format!("logs:            {}", self.logs.describe(None)));
        lines
    }

    /// The plan as one JSON object (stdout with `--json --dry-run`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "dry_run": true,
            "cluster": self.cluster,
            "service": self.service_name,
            "service_arn": self.service_arn,
            "container": self.container,
            "source_task_definition_arn": self.source_task_definition_arn,
            "task_definition_family": self.changes.family.to,
            "image": self.image,
            "changes": self.changes,
            "secrets": self.secrets,
            "network_configuration": self.request.network_configuration,
            "logs": self.logs,
            "run_task_request": self.request,
        })
    }
}

/// An argv as JSON, so quoting is unambiguous.
pub fn show_argv(argv: Option<&[String]>) -> String {
    match argv {
        Some(argv) => serde_json::to_string(argv).unwrap_or_default(),
        None => "(the image's default)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{PollPolicy, Target};
    use aws_sdk_ecs::types::{
        AssignPublicIp, AwsVpcConfiguration as SdkVpc, CapacityProviderStrategyItem, Deployment,
        HealthCheck, LaunchType, NetworkConfiguration as SdkNetwork, Secret,
    };

    fn settings() -> Settings {
        Settings {
            target: Target::Service {
                cluster: "c".into(),
                service: "web".into(),
            },
            container: None,
            image: ImageChoice::Tag("v2".into()),
            timeout: None,
            cpu: None,
            memory: None,
            env: vec![],
            command: vec!["bin/rails".into(), "db:migrate".into()],
            dry_run: false,
            json: false,
            progress: slipway_core::ProgressMode::Never,
            poll: PollPolicy::default(),
            aws: Default::default(),
        }
    }

    fn service() -> Service {
        Service::builder()
            .service_name("web")
            .service_arn("arn:aws:ecs:us-east-1:1:service/c/web")
            .task_definition("arn:aws:ecs:us-east-1:1:task-definition/web:7")
            .launch_type(LaunchType::Fargate)
            .platform_version("1.4.0")
            .network_configuration(
                SdkNetwork::builder()
                    .awsvpc_configuration(
                        SdkVpc::builder()
                            .subnets("subnet-a")
                            .subnets("subnet-b")
                            .security_groups("sg-1")
                            .assign_public_ip(AssignPublicIp::Disabled)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    }

    fn task_definition() -> TaskDefinition {
        TaskDefinition::builder()
            .task_definition_arn("arn:aws:ecs:us-east-1:1:task-definition/web:7")
            .family("web")
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("web")
                    .image("1.dkr.ecr.us-east-1.amazonaws.com/shop:v1")
                    .essential(true)
                    .environment(
                        KeyValuePair::builder()
                            .name("RAILS_ENV")
                            .value("production")
                            .build(),
                    )
                    .environment(
                        KeyValuePair::builder()
                            .name("DATABASE_URL")
                            .value("postgres://app:pw@db/app")
                            .build(),
                    )
                    .secrets(
                        Secret::builder()
                            .name("SECRET_KEY_BASE")
                            .value_from("arn:aws:ssm:us-east-1:1:parameter/skb")
                            .build()
                            .unwrap(),
                    )
                    .health_check(HealthCheck::builder().command("CMD").build().unwrap())
                    .build(),
            )
            .build()
    }

    fn image() -> ResolvedImage {
        ResolvedImage {
            reference: "1.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:abc".into(),
            digest: Some("sha256:abc".into()),
            tag: Some("v2".into()),
            checked: true,
        }
    }

    fn target(service: Service) -> ServiceRef {
        ServiceRef {
            cluster: "c".into(),
            service,
        }
    }

    #[test]
    fn the_copy_changes_only_what_was_asked() {
        let mut s = settings();
        s.cpu = Some(1024);
        s.env = vec![("RAILS_LOG_LEVEL".into(), "debug".into())];
        let plan = assemble(
            &s,
            &target(service()),
            task_definition(),
            0,
            image(),
            "tok".into(),
        )
        .unwrap();
        assert_eq!(plan.copy.family(), Some("web-migrate"));
        assert_eq!(plan.copy.cpu(), Some("1024"));
        assert_eq!(plan.copy.memory(), Some("512"));
        let def = &plan.copy.container_definitions()[0];
        assert_eq!(
            def.image(),
            Some("1.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:abc")
        );
        assert_eq!(def.environment().len(), 3);
        assert_eq!(def.secrets().len(), 1);
        assert!(def.health_check().is_none());
        assert!(plan.changes.health_check_removed);
        // The command is an override, not part of the copy.
        assert!(def.command().is_empty());
        assert_eq!(
            plan.request.overrides.container_overrides[0].command,
            ["bin/rails", "db:migrate"]
        );
    }

    #[test]
    fn the_request_copies_the_service_network_and_launch_type() {
        let plan = assemble(
            &settings(),
            &target(service()),
            task_definition(),
            0,
            image(),
            "tok".into(),
        )
        .unwrap();
        let json = serde_json::to_value(&plan.request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "cluster": "c",
                "taskDefinition": "web-migrate",
                "count": 1,
                "launchType": "FARGATE",
                "platformVersion": "1.4.0",
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": ["subnet-a", "subnet-b"],
                    "securityGroups": ["sg-1"],
                    "assignPublicIp": "DISABLED"
                }},
                "overrides": {"containerOverrides": [
                    {"name": "web", "command": ["bin/rails", "db:migrate"]}
                ]},
                "startedBy": "slipway-migrate-task",
                "tags": [
                    {"key": "slipway:purpose", "value": "migrate-task"},
                    {"key": "slipway:service", "value": "web"}
                ],
                "clientToken": "tok"
            })
        );
    }

    #[test]
    fn a_capacity_provider_strategy_replaces_the_launch_type() {
        let mut svc = service();
        svc.capacity_provider_strategy = Some(vec![
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .weight(1)
                .build()
                .unwrap(),
        ]);
        let plan = assemble(
            &settings(),
            &target(svc),
            task_definition(),
            0,
            image(),
            "t".into(),
        )
        .unwrap();
        assert_eq!(plan.request.launch_type, None);
        assert_eq!(
            plan.request.capacity_provider_strategy[0].capacity_provider,
            "FARGATE_SPOT"
        );
    }

    #[test]
    fn the_primary_deployment_names_the_current_task_definition() {
        let mut svc = service();
        svc.deployments = Some(vec![
            Deployment::builder()
                .status("ACTIVE")
                .task_definition("arn:td/web:6")
                .build(),
            Deployment::builder()
                .status("PRIMARY")
                .task_definition("arn:td/web:8")
                .build(),
        ]);
        assert_eq!(
            current_task_definition(&svc).as_deref(),
            Some("arn:td/web:8")
        );
        assert_eq!(
            current_task_definition(&service()).as_deref(),
            Some("arn:aws:ecs:us-east-1:1:task-definition/web:7")
        );
    }

    #[test]
    fn secret_values_never_reach_the_plan_output() {
        let mut s = settings();
        s.env = vec![
            (
                "DATABASE_URL".into(),
                "postgres://app:planted-new@db/app".into(),
            ),
            ("API_TOKEN".into(), "planted-token".into()),
            ("RAILS_LOG_LEVEL".into(), "debug".into()),
        ];
        let plan = assemble(
            &s,
            &target(service()),
            task_definition(),
            0,
            image(),
            "t".into(),
        )
        .unwrap();
        let text = format!("{}\n{}", plan.human_lines().join("\n"), plan.to_json());
        for secret in ["planted-new", "planted-token", ":pw@"] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        assert!(text.contains("RAILS_LOG_LEVEL=debug"), "{text}");
        assert!(
            text.contains("arn:aws:ssm:us-east-1:1:parameter/skb"),
            "{text}"
        );
        assert!(text.contains("<redacted>"), "{text}");
    }

    #[test]
    fn env_may_not_shadow_a_secret() {
        let mut s = settings();
        s.env = vec![("SECRET_KEY_BASE".into(), "x".into())];
        let err = assemble(
            &s,
            &target(service()),
            task_definition(),
            0,
            image(),
            "t".into(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), slipway_core::ExitCode::USAGE);
    }

    #[test]
    fn family_stays_within_limits() {
        assert_eq!(copy_family("web"), "web-migrate");
        assert_eq!(copy_family(&"f".repeat(255)).len(), 255);
    }
}
