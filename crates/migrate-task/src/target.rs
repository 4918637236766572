//! Finding the ECS service whose settings the task copies: by cluster and name, or by the
//! tags Copilot put on the services it deployed.

use aws_sdk_ecs::types::Service;

use crate::api::EcsApi;
use crate::error::Error;
use crate::settings::Target;

pub const COPILOT_APPLICATION: &str = "copilot-application";
pub const COPILOT_ENVIRONMENT: &str = "copilot-environment";
pub const COPILOT_SERVICE: &str = "copilot-service";

/// A service, found.
#[derive(Clone, Debug)]
pub struct ServiceRef {
    /// The cluster as given (name or ARN) or, for Copilot, its ARN.
    pub cluster: String,
    pub service: Service,
}

impl ServiceRef {
    pub fn name(&self) -> &str {
        self.service.service_name().unwrap_or("?")
    }

    /// The value of one of the service's tags.
    pub fn tag(&self, key: &str) -> Option<&str> {
        tag_value(&self.service, key)
    }
}

fn tag_value<'a>(service: &'a Service, key: &str) -> Option<&'a str> {
    service
        .tags()
        .iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

/// Finds the service `target` names.
pub async fn resolve(ecs: &impl EcsApi, target: &Target) -> Result<ServiceRef, Error> {
    match target {
        Target::Service { cluster, service } => by_name(ecs, cluster, service).await,
        Target::Copilot {
            app,
            env,
            svc,
            cluster,
        } => by_copilot_tags(ecs, app, env, svc, cluster.as_deref()).await,
    }
}

async fn by_name(ecs: &impl EcsApi, cluster: &str, service: &str) -> Result<ServiceRef, Error> {
    let page = ecs
        .describe_services(cluster, &[service.to_owned()])
        .await
        .map_err(|e| {
            if e.code.as_deref() == Some("ClusterNotFoundException") {
                Error::ServiceNotFound {
                    cluster: cluster.to_owned(),
                    service: service.to_owned(),
                    reason: "the cluster does not exist".into(),
                }
            } else {
                Error::aws(
                    format!("describe service {service} in cluster {cluster}"),
                    e,
                )
            }
        })?;
    let found = page
        .services
        .into_iter()
        .find(|s| s.status() != Some("INACTIVE"));
    match found {
        Some(svc) => Ok(ServiceRef {
            cluster: cluster.to_owned(),
            service: svc,
        }),
        None => {
            let reason = page
                .failures
                .first()
                .and_then(|f| f.reason())
                .unwrap_or("INACTIVE");
            Err(Error::ServiceNotFound {
                cluster: cluster.to_owned(),
                service: service.to_owned(),
                reason: reason.to_owned(),
            })
        }
    }
}

async fn by_copilot_tags(
    ecs: &impl EcsApi,
    app: &str,
    env: &str,
    svc: &str,
    cluster: Option<&str>,
) -> Result<ServiceRef, Error> {
    let clusters = match cluster {
        Some(c) => vec![c.to_owned()],
        None => ecs
            .list_clusters()
            .await
            .map_err(|e| Error::aws("list ECS clusters", e))?,
    };
    let mut matches: Vec<ServiceRef> = Vec::new();
    for cluster in &clusters {
        let arns = ecs
            .list_services(cluster)
            .await
            .map_err(|e| Error::aws(format!("list services of cluster {cluster}"), e))?;
        for chunk in arns.chunks(10) {
            let page = ecs
                .describe_services(cluster, chunk)
                .await
                .map_err(|e| Error::aws(format!("describe services of cluster {cluster}"), e))?;
            for service in page.services {
                let is_it = service.status() != Some("INACTIVE")
                    && tag_value(&service, COPILOT_APPLICATION) == Some(app)
                    && tag_value(&service, COPILOT_ENVIRONMENT) == Some(env)
                    && tag_value(&service, COPILOT_SERVICE) == Some(svc);
                if is_it {
                    matches.push(ServiceRef {
                        cluster: cluster.clone(),
                        service,
                    });
                }
            }
        }
    }
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(Error::CopilotNotFound {
            app: app.to_owned(),
            env: env.to_owned(),
            svc: svc.to_owned(),
            scope: match cluster {
                Some(c) => format!(" in cluster {c}"),
                None if clusters.len() == 1 => " in the only cluster".to_owned(),
                None => format!(" in any of {} clusters", clusters.len()),
            },
        }),
        count => Err(Error::CopilotAmbiguous {
            names: format!("{app}/{env}/{svc}"),
            count,
            candidates: matches
                .iter()
                .map(|m| {
                    m.service
                        .service_arn()
                        .unwrap_or_else(|| m.name())
                        .to_owned()
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
