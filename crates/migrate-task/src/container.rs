//! Which container of the task definition runs the command.

use aws_sdk_ecs::types::ContainerDefinition;

use crate::error::Error;

/// Picks the container: `requested` if given (it must exist); otherwise the only essential
/// container; otherwise the essential one named like the service (`service_names`: the ECS
/// service name and, if tagged, its Copilot service name). Anything else is ambiguous, and
/// the error names the candidates.
pub fn choose(
    containers: &[ContainerDefinition],
    requested: Option<&str>,
    service_names: &[&str],
    task_definition: &str,
) -> Result<usize, Error> {
    let name_of = |c: &ContainerDefinition| c.name().unwrap_or("").to_owned();
    let all_names = || {
        containers
            .iter()
            .map(name_of)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(requested) = requested {
        return containers
            .iter()
            .position(|c| c.name() == Some(requested))
            .ok_or_else(|| Error::NoSuchContainer {
                name: requested.to_owned(),
                task_definition: task_definition.to_owned(),
                available: all_names(),
            });
    }
    // `essential` defaults to true when the task definition leaves it out.
    let essential: Vec<usize> = containers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.essential().unwrap_or(true))
        .map(|(i, _)| i)
        .collect();
    if let [only] = essential.as_slice() {
        return Ok(*only);
    }
    let candidates = if essential.is_empty() {
        (0..containers.len()).collect()
    } else {
        essential
    };
    let named: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            containers[i]
                .name()
                .is_some_and(|n| service_names.contains(&n))
        })
        .collect();
    if let [only] = named.as_slice() {
        return Ok(*only);
    }
    if let ([only], true) = (candidates.as_slice(), containers.len() == 1) {
        return Ok(*only);
    }
    Err(Error::AmbiguousContainer {
        task_definition: task_definition.to_owned(),
        count: candidates.len(),
        candidates: candidates
            .iter()
            .map(|&i| name_of(&containers[i]))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, essential: Option<bool>) -> ContainerDefinition {
        ContainerDefinition::builder()
            .name(name)
            .set_essential(essential)
            .build()
    }

    #[test]
    fn the_only_essential_container() {
        let defs = [c("log_router", Some(false)), c("app", None)];
        assert_eq!(choose(&defs, None, &["web"], "td").unwrap(), 1);
    }

    #[test]
    fn the_one_named_like_the_service() {
        let defs = [c("envoy", Some(true)), c("web", Some(true))];
        assert_eq!(
            choose(&defs, None, &["shop-prod-web-Svc", "web"], "td").unwrap(),
            1
        );
    }

    #[test]
    fn ambiguity_names_the_candidates() {
        let defs = [
            c("app", Some(true)),
            c("worker", None),
            c("sidecar", Some(false)),
        ];
        let err = choose(&defs, None, &["web"], "web:3").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("app, worker"), "{msg}");
        assert!(!msg.contains("sidecar"), "{msg}");
        assert!(msg.contains("--container"), "{msg}");
        assert_eq!(err.exit_code(), slipway_core::ExitCode::USAGE);
    }

    #[test]
    fn requested_container_must_exist() {
        let defs = [c("app", Some(true)), c("worker", Some(true))];
        assert_eq!(choose(&defs, Some("worker"), &[], "td").unwrap(), 1);
        let msg = choose(&defs, Some("db"), &[], "td")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("\"db\"") && msg.contains("app, worker"),
            "{msg}"
        );
    }

    #[test]
    fn no_essential_flag_anywhere_means_all_essential() {
        let defs = [c("a", Some(false))];
        assert_eq!(choose(&defs, None, &[], "td").unwrap(), 0);
    }
}
