//! The real implementation of [`crate::api`] over the AWS SDK clients (built once in `main`
//! from `slipway_aws::Clients` and passed in).

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride,
    LaunchType, NetworkConfiguration, PlacementConstraint, PlacementConstraintType,
    PlacementStrategy, PlacementStrategyType, ServiceField, Tag, Task, TaskDefinition,
    TaskOverride,
};
use slipway_aws::{AwsErrorKind, Clients};

use crate::api::{
    ApiError, EcrApi, EcsApi, ImageDetail, LogEvent, LogPage, LogStream, LogsApi, RunTaskOutput,
    ServicesPage,
};
use crate::image::{EcrImage, Reference};
use crate::plan::RunTaskRequest;

/// ECS, ECR and CloudWatch Logs through the AWS SDK.
#[derive(Clone, Debug)]
pub struct SdkApi {
    ecs: aws_sdk_ecs::Client,
    ecr: aws_sdk_ecr::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
}

impl SdkApi {
    pub fn new(clients: &Clients) -> Self {
        Self {
            ecs: clients.ecs(),
            ecr: clients.ecr(),
            logs: clients.logs(),
        }
    }
}

/// Classifies an SDK error by its service error code and describes it on one line.
///
/// `action` is the IAM action the call needs (`ecs:DescribeServices`): what a refusal of the
/// role or its credentials names, since that is what the user must grant or refresh (the
/// caller's context already names the resource). Other failures name `what` was asked for.
fn api_error<E>(err: SdkError<E, HttpResponse>, action: &str, what: &str) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let kind = slipway_aws::classify(&err);
    let code = slipway_aws::error::code_of(&err);
    let message = match kind {
        AwsErrorKind::AccessDenied => format!(
            "access denied to {action}{}; the role needs that IAM permission",
            code.as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        ),
        AwsErrorKind::ExpiredCredentials | AwsErrorKind::BadCredentials => {
            slipway_aws::describe(&err, action)
        }
        _ => slipway_aws::describe(&err, what),
    };
    ApiError {
        kind,
        code,
        message,
    }
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        slipway_aws::AwsErrorKind::Rejected,
        None,
        format!("{what}: the answer lacked it"),
    )
}

impl EcsApi for SdkApi {
    async fn list_clusters(&self) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut pages = self.ecs.list_clusters().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_error(e, "ecs:ListClusters", "ListClusters"))?;
            out.extend(page.cluster_arns.unwrap_or_default());
        }
        Ok(out)
    }

    async fn list_services(&self, cluster: &str) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut pages = self
            .ecs
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_error(e, "ecs:ListServices", &format!("cluster {cluster}")))?;
            out.extend(page.service_arns.unwrap_or_default());
        }
        Ok(out)
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<ServicesPage, ApiError> {
        let out = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:DescribeServices", &format!("cluster {cluster}")))?;
        Ok(ServicesPage {
            services: out.services.unwrap_or_default(),
            failures: out.failures.unwrap_or_default(),
        })
    }

    async fn describe_task_definition(
        &self,
        task_definition: &str,
    ) -> Result<TaskDefinition, ApiError> {
        let what = format!("task definition {task_definition}");
        self.ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:DescribeTaskDefinition", &what))?
            .task_definition
            .ok_or_else(|| missing(&what))
    }

    async fn register_task_definition(
        &self,
        copy: &TaskDefinition,
    ) -> Result<TaskDefinition, ApiError> {
        let what = format!("family {}", copy.family().unwrap_or("?"));
        register_input(self.ecs.register_task_definition(), copy)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:RegisterTaskDefinition", &what))?
            .task_definition
            .ok_or_else(|| missing(&what))
    }

    async fn run_task(&self, request: &RunTaskRequest) -> Result<RunTaskOutput, ApiError> {
        let out = run_task_input(self.ecs.run_task(), request)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:RunTask", &format!("cluster {}", request.cluster)))?;
        Ok(RunTaskOutput {
            tasks: out.tasks.unwrap_or_default(),
            failures: out.failures.unwrap_or_default(),
        })
    }

    async fn describe_task(&self, cluster: &str, task_arn: &str) -> Result<Option<Task>, ApiError> {
        let out = self
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .tasks(task_arn)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:DescribeTasks", &format!("task {task_arn}")))?;
        Ok(out.tasks.unwrap_or_default().into_iter().next())
    }

    async fn stop_task(&self, cluster: &str, task_arn: &str, reason: &str) -> Result<(), ApiError> {
        self.ecs
            .stop_task()
            .cluster(cluster)
            .task(task_arn)
            .reason(reason)
            .send()
            .await
            .map_err(|e| api_error(e, "ecs:StopTask", &format!("task {task_arn}")))?;
        Ok(())
    }
}

/// RegisterTaskDefinition with every field DescribeTaskDefinition returned that it accepts:
/// roles, network mode, compatibilities, cpu/memory, containers (with their env, secrets and
/// log configuration), volumes, placement constraints, and the rest.
pub fn register_input(
    builder: RegisterTaskDefinitionFluentBuilder,
    td: &TaskDefinition,
) -> RegisterTaskDefinitionFluentBuilder {
    builder
        .set_family(td.family.clone())
        .set_task_role_arn(td.task_role_arn.clone())
        .set_execution_role_arn(td.execution_role_arn.clone())
        .set_network_mode(td.network_mode.clone())
        .set_container_definitions(td.container_definitions.clone())
        .set_volumes(td.volumes.clone().filter(|v| !v.is_empty()))
        .set_placement_constraints(td.placement_constraints.clone().filter(|p| !p.is_empty()))
        .set_requires_compatibilities(
            td.requires_compatibilities
                .clone()
                .filter(|r| !r.is_empty()),
        )
        .set_cpu(td.cpu.clone())
        .set_memory(td.memory.clone())
        .set_pid_mode(td.pid_mode.clone())
        .set_ipc_mode(td.ipc_mode.clone())
        .set_proxy_configuration(td.proxy_configuration.clone())
        .set_ephemeral_storage(td.ephemeral_storage.clone())
        .set_runtime_platform(td.runtime_platform.clone())
        .set_enable_fault_injection(td.enable_fault_injection)
}

/// RunTask from the plan's request, field for field.
pub fn run_task_input(builder: RunTaskFluentBuilder, r: &RunTaskRequest) -> RunTaskFluentBuilder {
    let network = r.network_configuration.as_ref().map(|n| {
        let vpc = &n.awsvpc_configuration;
        NetworkConfiguration::builder()
            .set_awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .set_subnets(Some(vpc.subnets.clone()))
                    .set_security_groups(Some(vpc.security_groups.clone()))
                    .set_assign_public_ip(vpc.assign_public_ip.as_deref().map(AssignPublicIp::from))
                    .build()
                    .ok(),
            )
            .build()
    });
    let strategy: Vec<CapacityProviderStrategyItem> = r
        .capacity_provider_strategy
        .iter()
        .filter_map(|s| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&s.capacity_provider)
                .weight(s.weight)
                .base(s.base)
                .build()
                .ok()
        })
        .collect();
    let constraints: Vec<PlacementConstraint> = r
        .placement_constraints
        .iter()
        .map(|p| {
            PlacementConstraint::builder()
                .r#type(PlacementConstraintType::from(p.kind.as_str()))
                .set_expression(p.expression.clone())
                .build()
        })
        .collect();
    let strategies: Vec<PlacementStrategy> = r
        .placement_strategy
        .iter()
        .map(|p| {
            PlacementStrategy::builder()
                .r#type(PlacementStrategyType::from(p.kind.as_str()))
                .set_field(p.field.clone())
                .build()
        })
        .collect();
    let overrides = TaskOverride::builder()
        .set_container_overrides(Some(
            r.overrides
                .container_overrides
                .iter()
                .map(|o| {
                    ContainerOverride::builder()
                        .name(&o.name)
                        .set_command(Some(o.command.clone()))
                        .build()
                })
                .collect(),
        ))
        .build();
    let tags: Vec<Tag> = r
        .tags
        .iter()
        .map(|t| Tag::builder().key(&t.key).value(&t.value).build())
        .collect();
    builder
        .cluster(&r.cluster)
        .task_definition(&r.task_definition)
        .count(r.count)
        .set_launch_type(r.launch_type.as_deref().map(LaunchType::from))
        .set_capacity_provider_strategy(Some(strategy).filter(|s| !s.is_empty()))
        .set_platform_version(r.platform_version.clone())
        .set_network_configuration(network)
        .set_placement_constraints(Some(constraints).filter(|c| !c.is_empty()))
        .set_placement_strategy(Some(strategies).filter(|s| !s.is_empty()))
        .overrides(overrides)
        .started_by(&r.started_by)
        .set_tags(Some(tags))
        .client_token(&r.client_token)
}

impl EcrApi for SdkApi {
    async fn describe_image(&self, image: &EcrImage) -> Result<ImageDetail, ApiError> {
        let id = match &image.reference {
            Reference::Tag(tag) => aws_sdk_ecr::types::ImageIdentifier::builder().image_tag(tag),
            Reference::Digest(d) => aws_sdk_ecr::types::ImageIdentifier::builder().image_digest(d),
        }
        .build();
        let mut call = self
            .ecr
            .describe_images()
            .registry_id(&image.registry_id)
            .repository_name(&image.repository)
            .image_ids(id)
            .customize();
        if self.ecr.config().region().map(|r| r.as_ref()) != Some(image.region.as_str()) {
            call = call.config_override(
                aws_sdk_ecr::config::Builder::default()
                    .region(aws_sdk_ecr::config::Region::new(image.region.clone())),
            );
        }
        let what = format!("image {image}");
        let out = call
            .send()
            .await
            .map_err(|e| api_error(e, "ecr:DescribeImages", &what))?;
        let detail = out
            .image_details
            .unwrap_or_default()
            .into_iter()
            .next()
            .ok_or_else(|| {
                ApiError::new(
                    slipway_aws::AwsErrorKind::NotFound,
                    Some("ImageNotFoundException"),
                    format!("{what}: not found"),
                )
            })?;
        Ok(ImageDetail {
            digest: detail.image_digest.ok_or_else(|| missing(&what))?,
            tags: detail.image_tags.unwrap_or_default(),
        })
    }
}

impl LogsApi for SdkApi {
    async fn get_log_events(
        &self,
        stream: &LogStream,
        next_token: Option<&str>,
    ) -> Result<LogPage, ApiError> {
        let mut call = self
            .logs
            .get_log_events()
            .log_group_name(&stream.group)
            .log_stream_name(&stream.stream)
            .start_from_head(true)
            .set_next_token(next_token.map(str::to_owned))
            .customize();
        if let Some(region) = &stream.region
            && self.logs.config().region().map(|r| r.as_ref()) != Some(region.as_str())
        {
            call = call.config_override(
                aws_sdk_cloudwatchlogs::config::Builder::default()
                    .region(aws_sdk_cloudwatchlogs::config::Region::new(region.clone())),
            );
        }
        let out = call.send().await.map_err(|e| {
            api_error(
                e,
                "logs:GetLogEvents",
                &format!("log stream {} in group {}", stream.stream, stream.group),
            )
        })?;
        Ok(LogPage {
            events: out
                .events
                .unwrap_or_default()
                .into_iter()
                .map(|e| LogEvent {
                    timestamp: e.timestamp,
                    message: e.message.unwrap_or_default(),
                })
                .collect(),
            next_token: out.next_forward_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{
        AwsVpcConfiguration as Vpc, ContainerOverride as Override, NetworkConfiguration as Net,
        Overrides, Placement, Tag as PlanTag,
    };
    use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};

    fn offline_client() -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::from_conf(
            aws_sdk_ecs::Config::builder()
                .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
                .region(aws_sdk_ecs::config::Region::new("us-east-1"))
                .build(),
        )
    }

    #[test]
    fn register_keeps_roles_network_and_compatibilities() {
        let td = TaskDefinition::builder()
            .task_definition_arn("arn:td/web:3")
            .revision(3)
            .family("web-migrate")
            .task_role_arn("arn:role/task")
            .execution_role_arn("arn:role/exec")
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .compatibilities(Compatibility::Ec2)
            .cpu("256")
            .memory("512")
            .container_definitions(ContainerDefinition::builder().name("web").build())
            .build();
        let input = register_input(offline_client().register_task_definition(), &td);
        let input = input.as_input();
        assert_eq!(input.get_family().as_deref(), Some("web-migrate"));
        assert_eq!(input.get_task_role_arn().as_deref(), Some("arn:role/task"));
        assert_eq!(
            input.get_execution_role_arn().as_deref(),
            Some("arn:role/exec")
        );
        assert_eq!(input.get_network_mode(), &Some(NetworkMode::Awsvpc));
        assert_eq!(
            input.get_requires_compatibilities(),
            &Some(vec![Compatibility::Fargate])
        );
        assert_eq!(input.get_cpu().as_deref(), Some("256"));
        assert_eq!(input.get_memory().as_deref(), Some("512"));
        assert_eq!(
            input.get_container_definitions().as_ref().map(Vec::len),
            Some(1)
        );
        // Empty lists are left out rather than sent empty.
        assert_eq!(input.get_volumes(), &None);
    }

    #[test]
    fn run_task_sends_the_argv_untouched() {
        let argv = vec![
            "bin/rails".to_owned(),
            "runner".to_owned(),
            "puts \"it's\"; $(id) && puts 'a  b'".to_owned(),
        ];
        let request = RunTaskRequest {
            cluster: "c".into(),
            task_definition: "arn:td/web-migrate:1".into(),
            count: 1,
            launch_type: Some("FARGATE".into()),
            capacity_provider_strategy: vec![],
            platform_version: Some("LATEST".into()),
            network_configuration: Some(Net {
                awsvpc_configuration: Vpc {
                    subnets: vec!["subnet-a".into()],
                    security_groups: vec!["sg-1".into()],
                    assign_public_ip: Some("DISABLED".into()),
                },
            }),
            placement_constraints: vec![Placement {
                kind: "distinctInstance".into(),
                expression: None,
                field: None,
            }],
            placement_strategy: vec![],
            overrides: Overrides {
                container_overrides: vec![Override {
                    name: "web".into(),
                    command: argv.clone(),
                }],
            },
            started_by: "slipway-migrate-task".into(),
            tags: vec![PlanTag {
                key: "slipway:purpose".into(),
                value: "migrate-task".into(),
            }],
            client_token: "tok".into(),
        };
        let builder = run_task_input(offline_client().run_task(), &request);
        let input = builder.as_input();
        let overrides = input.get_overrides().as_ref().unwrap();
        assert_eq!(
            overrides.container_overrides()[0].command(),
            argv.as_slice()
        );
        assert_eq!(input.get_launch_type(), &Some(LaunchType::Fargate));
        assert_eq!(input.get_capacity_provider_strategy(), &None);
        assert_eq!(input.get_client_token().as_deref(), Some("tok"));
        assert_eq!(
            input.get_started_by().as_deref(),
            Some("slipway-migrate-task")
        );
        let vpc = input
            .get_network_configuration()
            .as_ref()
            .and_then(|n| n.awsvpc_configuration())
            .unwrap();
        assert_eq!(vpc.security_groups(), ["sg-1"]);
        assert_eq!(vpc.assign_public_ip(), Some(&AssignPublicIp::Disabled));
        assert_eq!(
            input.get_placement_constraints().as_ref().map(Vec::len),
            Some(1)
        );
    }
}
