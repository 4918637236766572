//! Fixtures for driving the real `migrate-task` binary against moto_server: a cluster, an
//! ECS service with awsvpc networking and a task definition with awslogs options, an ECR
//! repository with two tagged images, and a log group.
//!
//! The fixtures are made with the AWS SDK for Rust, except two things the workspace has no
//! SDK crate for: moto's default VPC subnets and security group (EC2's query API) and moto's
//! own state-manager API (to hold tasks in RUNNING). Those go over plain HTTP to moto.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, HealthCheck,
    KeyValuePair, LaunchType, LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode,
    Secret, Tag,
};
use slipway_testkit::servers::unique_name;
use slipway_testkit::{ACCESS_KEY, MotoServer, REGION, SECRET_KEY, SlipwayCommand};

/// The account moto answers as.
pub const ACCOUNT: &str = "123456789012";
/// A secret value planted in every fixture's task definition; it must never be printed.
pub const PLANTED_DB_PASSWORD: &str = "planted-db-password-5a1e";
/// How long a test waits for the binary to say something before it fails (a guard against
/// hanging forever, never a timing assumption).
pub const PATIENCE: Duration = Duration::from_secs(120);

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// SDK clients pointed at one moto server.
pub struct Aws {
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl Aws {
    pub fn new(moto: &MotoServer) -> Aws {
        let endpoint = moto.endpoint();
        let creds =
            aws_sdk_ecs::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
        Aws {
            ecs: aws_sdk_ecs::Client::from_conf(
                aws_sdk_ecs::Config::builder()
                    .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
                    .region(aws_sdk_ecs::config::Region::new(REGION))
                    .credentials_provider(creds.clone())
                    .endpoint_url(&endpoint)
                    .build(),
            ),
            ecr: aws_sdk_ecr::Client::from_conf(
                aws_sdk_ecr::Config::builder()
                    .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
                    .region(aws_sdk_ecr::config::Region::new(REGION))
                    .credentials_provider(creds.clone())
                    .endpoint_url(&endpoint)
                    .build(),
            ),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::Config::builder()
                    .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
                    .region(aws_sdk_cloudwatchlogs::config::Region::new(REGION))
                    .credentials_provider(creds)
                    .endpoint_url(&endpoint)
                    .build(),
            ),
        }
    }
}

/// One plain HTTP/1.1 request to moto; returns the response body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to moto");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send to moto");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read from moto");
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split(' ').nth(1).unwrap_or("");
    assert!(status.starts_with('2'), "{method} {path}: {out}");
    body.to_owned()
}

/// An EC2 query-API call. moto routes requests by the service named in the credential
/// scope and does not check signatures, so a fixed header is enough.
fn ec2(moto: &MotoServer, params: &str) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/{REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0"
    );
    http(
        moto.addr,
        "POST",
        "/",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("Version=2016-11-15&{params}"),
    )
}

fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(v, _)| v.to_owned()))
        .collect()
}

/// moto's default VPC: two subnets and the default security group.
#[derive(Clone, Debug)]
pub struct Network {
    pub subnets: Vec<String>,
    pub security_group: String,
}

pub fn default_network(moto: &MotoServer) -> Network {
    let subnets = xml_values(
        &ec2(
            moto,
            "Action=DescribeSubnets&Filter.1.Name=default-for-az&Filter.1.Value.1=true",
        ),
        "subnetId",
    );
    let groups = xml_values(
        &ec2(
            moto,
            "Action=DescribeSecurityGroups&Filter.1.Name=group-name&Filter.1.Value.1=default",
        ),
        "groupId",
    );
    assert!(
        subnets.len() >= 2,
        "moto has no default subnets: {subnets:?}"
    );
    Network {
        subnets: subnets.into_iter().take(2).collect(),
        security_group: groups
            .first()
            .cloned()
            .expect("moto's default security group"),
    }
}

/// Keeps every ECS task of this moto server in RUNNING until [`release_tasks`] (moto's
/// state manager: a task advances one state per this many DescribeTasks calls).
pub fn hold_tasks(moto: &MotoServer) {
    http(
        moto.addr,
        "POST",
        "/moto-api/state-manager/set-transition",
        &[("Content-Type", "application/json")],
        r#"{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000000}}"#,
    );
}

/// Back to moto's default: one state per DescribeTasks, STOPPED after four.
pub fn release_tasks(moto: &MotoServer) {
    http(
        moto.addr,
        "POST",
        "/moto-api/state-manager/unset-transition",
        &[("Content-Type", "application/json")],
        r#"{"model_name": "ecs::task"}"#,
    );
}

/// What a fixture holds.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub endpoint: String,
    pub cluster: String,
    pub service: String,
    pub family: String,
    pub task_definition_arn: String,
    pub repository: String,
    pub repository_uri: String,
    pub digest_v1: String,
    pub digest_v2: String,
    pub log_group: String,
    pub log_prefix: String,
    pub secret_arn: String,
    pub network: Network,
}

/// How a fixture differs from the default one.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    /// Container names (all essential); default: one container named `web`.
    pub containers: Vec<String>,
    /// Copilot tags (app, env, svc) on the service.
    pub copilot: Option<(String, String, String)>,
}

fn layer_digest(seed: &str) -> String {
    // Any 64 lowercase hex characters will do; moto's image digest is a hash of the layer
    // digests, so different seeds give different image digests.
    let hex: String = seed
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .chain(std::iter::repeat('0'))
        .take(64)
        .collect();
    format!("sha256:{hex}")
}

fn manifest(seed: &str) -> String {
    serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1000,
            "digest": layer_digest(&format!("config-{seed}")),
        },
        "layers": [{
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 2000,
            "digest": layer_digest(seed),
        }],
    })
    .to_string()
}

/// Creates a cluster, an ECR repository with tags v1 and v2, a log group, a task definition
/// running `<repo>:v1` and a FARGATE service on moto's default VPC.
pub async fn fixture(moto: &MotoServer, aws: &Aws, hint: &str, spec: Spec) -> Fixture {
    let network = default_network(moto);
    let name = unique_name(hint);
    let cluster = format!("{name}-cluster");
    let service = format!("{name}-svc");
    let family = format!("{name}-family");
    let repository = format!("{name}/app");
    let log_group = format!("/slipway-test/{name}");
    let log_prefix = "ecs".to_owned();
    let secret_arn = format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name}/secret-key-base");

    aws.ecs
        .create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("create cluster");
    let repo = aws
        .ecr
        .create_repository()
        .repository_name(&repository)
        .send()
        .await
        .expect("create repository");
    let repository_uri = repo
        .repository()
        .and_then(|r| r.repository_uri())
        .expect("uri")
        .to_owned();
    let mut digests = Vec::new();
    for tag in ["v1", "v2"] {
        let put = aws
            .ecr
            .put_image()
            .repository_name(&repository)
            .image_tag(tag)
            .image_manifest(manifest(&format!("{name}-{tag}")))
            .send()
            .await
            .expect("put image");
        digests.push(
            put.image()
                .and_then(|i| i.image_id())
                .and_then(|i| i.image_digest())
                .expect("digest")
                .to_owned(),
        );
    }
    assert_ne!(digests[0], digests[1], "the two images must differ");
    aws.logs
        .create_log_group()
        .log_group_name(&log_group)
        .send()
        .await
        .expect("log group");

    let names = if spec.containers.is_empty() {
        vec!["web".to_owned()]
    } else {
        spec.containers.clone()
    };
    let mut td = aws
        .ecs
        .register_task_definition()
        .family(&family)
        .task_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}-task"))
        .execution_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}-exec"))
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("1024");
    for container in &names {
        td = td.container_definitions(
            ContainerDefinition::builder()
                .name(container)
                .image(format!("{repository_uri}:v1"))
                .essential(true)
                // moto needs container-level memory to place a task.
                .memory(256)
                .command("bundle")
                .command("exec")
                .command("puma")
                .environment(
                    KeyValuePair::builder()
                        .name("RAILS_ENV")
                        .value("production")
                        .build(),
                )
                .environment(
                    KeyValuePair::builder()
                        .name("DATABASE_URL")
                        .value(format!(
                            "postgres://app:{PLANTED_DB_PASSWORD}@db.internal/app"
                        ))
                        .build(),
                )
                .secrets(
                    Secret::builder()
                        .name("SECRET_KEY_BASE")
                        .value_from(&secret_arn)
                        .build()
                        .expect("secret"),
                )
                .health_check(
                    HealthCheck::builder()
                        .command("CMD-SHELL")
                        .command("curl -f http://localhost:3000/up || exit 1")
                        .build()
                        .expect("health check"),
                )
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", &log_group)
                        .options("awslogs-region", REGION)
                        .options("awslogs-stream-prefix", &log_prefix)
                        .build()
                        .expect("log configuration"),
                )
                .build(),
        );
    }
    let td = td.send().await.expect("register task definition");
    let task_definition_arn = td
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("task definition arn")
        .to_owned();

    let mut create = aws
        .ecs
        .create_service()
        .cluster(&cluster)
        .service_name(&service)
        .task_definition(&task_definition_arn)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .platform_version("1.4.0")
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .set_subnets(Some(network.subnets.clone()))
                        .security_groups(&network.security_group)
                        .assign_public_ip(AssignPublicIp::Disabled)
                        .build()
                        .expect("awsvpc"),
                )
                .build(),
        );
    if let Some((app, env, svc)) = &spec.copilot {
        for (k, v) in [
            ("copilot-application", app),
            ("copilot-environment", env),
            ("copilot-service", svc),
        ] {
            create = create.tags(Tag::builder().key(k).value(v).build());
        }
    }
    create.send().await.expect("create service");

    Fixture {
        endpoint: moto.endpoint(),
        cluster,
        service,
        family,
        task_definition_arn,
        repository,
        repository_uri,
        digest_v1: digests[0].clone(),
        digest_v2: digests[1].clone(),
        log_group,
        log_prefix,
        secret_arn,
        network,
    }
}

impl Fixture {
    /// `migrate-task run --cluster .. --service .. --endpoint-url .. <args>`; the caller adds
    /// the image flags and `-- COMMAND`.
    pub fn command(&self, args: &[&str]) -> SlipwayCommand {
        SlipwayCommand::new(env!("CARGO_BIN_EXE_migrate-task"))
            .args([
                "run",
                "--cluster",
                &self.cluster,
                "--service",
                &self.service,
            ])
            .args(["--endpoint-url", &self.endpoint])
            .env(slipway_core::env::MIGRATE_TASK_POLL_INTERVAL_MS, "50")
            .args(args)
    }

    pub fn migrate_family(&self) -> String {
        format!("{}-migrate", self.family)
    }
}

/// Task definition revisions registered in `family`.
pub async fn revisions(aws: &Aws, family: &str) -> Vec<String> {
    aws.ecs
        .list_task_definitions()
        .family_prefix(family)
        .send()
        .await
        .expect("list task definitions")
        .task_definition_arns
        .unwrap_or_default()
        .into_iter()
        .filter(|arn| {
            arn.rsplit_once(':')
                .is_some_and(|(head, _)| head.ends_with(&format!("/{family}")))
        })
        .collect()
}

/// Tasks ever started in `cluster`.
pub async fn tasks(aws: &Aws, cluster: &str) -> Vec<String> {
    aws.ecs
        .list_tasks()
        .cluster(cluster)
        .send()
        .await
        .expect("list tasks")
        .task_arns
        .unwrap_or_default()
}

/// A running binary whose stderr is read line by line as it comes.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    all: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn spawn(cmd: SlipwayCommand) -> Running {
        let mut child = cmd
            .into_command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn migrate-task");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        let all = Arc::new(Mutex::new(String::new()));
        let all2 = Arc::clone(&all);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                all2.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            all,
            reader: Some(reader),
        }
    }

    /// Waits for a stderr line containing `needle`; returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let give_up = Instant::now() + PATIENCE;
        loop {
            let left = give_up.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "no stderr line with {needle:?}; stderr so far:\n{}",
                    self.all.lock().unwrap()
                ),
            }
        }
    }

    /// Waits for the exit; returns the code, stdout and all of stderr.
    pub fn finish(mut self) -> slipway_testkit::Output {
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout).expect("read stdout");
        }
        let status = self.child.wait().expect("wait for migrate-task");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("stderr reader");
        }
        let stderr = self.all.lock().unwrap().clone();
        slipway_testkit::Output {
            code: status.code(),
            stdout,
            stderr,
        }
    }
}
