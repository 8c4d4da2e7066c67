//! `stacks/aws-mlops` end to end against moto: the plan of the whole stack as a snapshot of
//! addresses and actions; apply, then a no-op plan; turning MLflow off removes only MLflow's
//! database, bucket and their dependants; a larger database class is an in-place update; another
//! VPC CIDR shows the replacement cascade with its reasons; secrets never reach the output; destroy
//! leaves nothing plat made in any service. The same apply through the fault proxy (10%
//! throttling and about 8% server errors) reaches the same end state.
//!
//! moto runs with AWS's managed IAM policies loaded (the EKS roles attach them), and the stack
//! runs with `local.platvars` (moto has no EKS add-on API).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, run, Moto};
use crate::support::scratch;

/// A copy of the stack and the modules it uses, as in the repository.
fn workspace(name: &str) -> PathBuf {
    let root = scratch(name);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["stacks/aws-mlops", "modules"] {
        copy_dir(&repo.join(dir), &root.join(dir));
    }
    root
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

const STACK: &str = "stacks/aws-mlops";

/// plat with the stack, its environment and the emulator's var file, then `extra`.
fn args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        command,
        STACK,
        "--env",
        "e2e",
        "--var-file",
        "stacks/aws-mlops/local.platvars",
    ];
    args.extend_from_slice(extra);
    args
}

/// `(address, action)` of every change of a `--json` plan, data reads and no-ops left out.
fn changes(json: &str) -> Vec<(String, String)> {
    let plan: serde_json::Value = serde_json::from_str(json).expect("a JSON plan");
    let mut out: Vec<(String, String)> = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_owned(),
                c["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .filter(|(_, action)| action != "no_op" && action != "read")
        .collect();
    out.sort();
    out
}

/// Every secret value state holds (random passwords and results marked sensitive).
fn secrets(root: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(root.join("state/aws-mlops/e2e.json")).expect("state");
    let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    let mut found = Vec::new();
    for resource in state["resources"]
        .as_object()
        .into_iter()
        .flat_map(|r| r.values())
    {
        if resource["type_name"] != "random_password" {
            continue;
        }
        for instance in resource["instances"]
            .as_object()
            .into_iter()
            .flat_map(|i| i.values())
        {
            if let Some(result) = instance["attributes"]["result"].as_str() {
                found.push(result.to_owned());
            }
        }
    }
    found
}

macro_rules! client {
    ($name:ident, $krate:ident) => {
        fn $name(endpoint: &str) -> $krate::Client {
            let config = $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new("us-east-1"))
                .endpoint_url(endpoint)
                .credentials_provider($krate::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .build();
            $krate::Client::from_conf(config)
        }
    };
}
client!(iam, aws_sdk_iam);
client!(rds, aws_sdk_rds);
client!(efs, aws_sdk_efs);
client!(ecr, aws_sdk_ecr);
client!(eks, aws_sdk_eks);

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// What plat made that is still in the emulator, per service (empty when nothing is left).
fn leftovers(endpoint: &str) -> Vec<String> {
    block_on(async {
        let mut left = Vec::new();
        let ec2 = super::ec2(endpoint);
        let owned = aws_sdk_ec2::types::Filter::builder()
            .name("tag-key")
            .values("plat:stack")
            .build();
        let vpcs = ec2
            .describe_vpcs()
            .filters(owned.clone())
            .send()
            .await
            .expect("vpcs");
        left.extend(vpcs.vpcs().iter().map(|v| format!("vpc {:?}", v.vpc_id())));
        let subnets = ec2
            .describe_subnets()
            .filters(owned.clone())
            .send()
            .await
            .expect("subnets");
        left.extend(
            subnets
                .subnets()
                .iter()
                .map(|s| format!("subnet {:?}", s.subnet_id())),
        );
        let gateways = ec2
            .describe_internet_gateways()
            .filters(owned.clone())
            .send()
            .await
            .expect("igws");
        left.extend(
            gateways
                .internet_gateways()
                .iter()
                .map(|g| format!("igw {:?}", g.internet_gateway_id())),
        );
        let nats = ec2.describe_nat_gateways().send().await.expect("nats");
        left.extend(
            nats.nat_gateways()
                .iter()
                .filter(|n| n.state() != Some(&aws_sdk_ec2::types::NatGatewayState::Deleted))
                .map(|n| format!("nat {:?}", n.nat_gateway_id())),
        );
        let eips = ec2.describe_addresses().send().await.expect("eips");
        left.extend(
            eips.addresses()
                .iter()
                .map(|a| format!("eip {:?}", a.allocation_id())),
        );
        let tables = ec2
            .describe_route_tables()
            .filters(owned.clone())
            .send()
            .await
            .expect("route tables");
        left.extend(
            tables
                .route_tables()
                .iter()
                .map(|t| format!("route table {:?}", t.route_table_id())),
        );
        let groups = ec2
            .describe_security_groups()
            .filters(owned)
            .send()
            .await
            .expect("groups");
        left.extend(
            groups
                .security_groups()
                .iter()
                .map(|g| format!("security group {:?}", g.group_id())),
        );
        let iam = iam(endpoint);
        let roles = iam.list_roles().send().await.expect("roles");
        left.extend(
            roles
                .roles()
                .iter()
                .map(|r| format!("role {}", r.role_name())),
        );
        let policies = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .expect("policies");
        left.extend(
            policies
                .policies()
                .iter()
                .map(|p| format!("policy {:?}", p.policy_name())),
        );
        let oidc = iam
            .list_open_id_connect_providers()
            .send()
            .await
            .expect("oidc");
        left.extend(
            oidc.open_id_connect_provider_list()
                .iter()
                .map(|p| format!("oidc provider {:?}", p.arn())),
        );
        let users = iam.list_users().send().await.expect("users");
        left.extend(
            users
                .users()
                .iter()
                .map(|u| format!("user {}", u.user_name())),
        );
        let clusters = eks(endpoint)
            .list_clusters()
            .send()
            .await
            .expect("clusters");
        left.extend(
            clusters
                .clusters()
                .iter()
                .map(|c| format!("eks cluster {c}")),
        );
        let rds = rds(endpoint);
        let instances = rds
            .describe_db_instances()
            .send()
            .await
            .expect("db instances");
        left.extend(
            instances
                .db_instances()
                .iter()
                .map(|d| format!("db instance {:?}", d.db_instance_identifier())),
        );
        let groups = rds
            .describe_db_subnet_groups()
            .send()
            .await
            .expect("db subnet groups");
        left.extend(
            groups
                .db_subnet_groups()
                .iter()
                .map(|g| format!("db subnet group {:?}", g.db_subnet_group_name())),
        );
        let systems = efs(endpoint)
            .describe_file_systems()
            .send()
            .await
            .expect("efs");
        left.extend(
            systems
                .file_systems()
                .iter()
                .map(|f| format!("file system {}", f.file_system_id())),
        );
        let buckets = s3(endpoint).list_buckets().send().await.expect("buckets");
        left.extend(
            buckets
                .buckets()
                .iter()
                .map(|b| format!("bucket {:?}", b.name())),
        );
        let repositories = ecr(endpoint)
            .describe_repositories()
            .send()
            .await
            .expect("repositories");
        left.extend(
            repositories
                .repositories()
                .iter()
                .map(|r| format!("ecr repository {:?}", r.repository_name())),
        );
        left
    })
}

#[test]
fn aws_mlops_stack_end_to_end_against_moto() {
    let moto = Moto::with_managed_policies();
    let endpoint = moto.endpoint();
    let root = workspace("aws-mlops");
    let printed = std::cell::RefCell::new(String::new());
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        printed.borrow_mut().push_str(&out);
        printed.borrow_mut().push_str(&err);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };

    // The plan of the whole stack.
    let started = Instant::now();
    let (json, _) = expect(&args("plan", &["--json"]), 0);
    let plan_time = started.elapsed();
    let planned = changes(&json);
    let listing: Vec<String> = planned
        .iter()
        .map(|(address, action)| format!("{action:<8} {address}"))
        .collect();
    insta::assert_snapshot!("aws_mlops_plan", listing.join("\n"));
    assert!(planned.iter().all(|(_, action)| action == "create"));

    // Apply, then nothing to do.
    let started = Instant::now();
    expect(&args("apply", &["--auto-approve"]), 0);
    let apply_time = started.elapsed();
    let started = Instant::now();
    let mut with_stats = vec!["--stats"];
    with_stats.extend(args("plan", &["--detailed-exitcode"]));
    let (_, stats) = expect(&with_stats, 0);
    let noop_time = started.elapsed();
    eprintln!(
        "aws-mlops against moto: plan {plan_time:?}, apply {apply_time:?}, no-op plan {noop_time:?} ({} resources)\n{stats}",
        planned.len()
    );
    let (outputs, _) = expect(&["output", STACK, "--env", "e2e"], 0);
    assert!(outputs.contains("cluster_endpoint"), "{outputs}");
    expect(&["show", STACK, "--env", "e2e"], 0);

    // Turning MLflow off removes only MLflow's database, bucket and what depends on them.
    let (json, _) = expect(
        &args("plan", &["--var", "deploy_mlflow=false", "--json"]),
        0,
    );
    let removed = changes(&json);
    assert!(!removed.is_empty());
    for (address, action) in &removed {
        assert_eq!(action, "delete", "{address}: {removed:?}");
        assert!(
            address.contains("mlflow"),
            "{address} is not MLflow's: {removed:?}"
        );
    }
    assert!(
        removed.iter().any(|(a, _)| a.contains("aws_db_instance")),
        "{removed:?}"
    );
    assert!(
        removed.iter().any(|(a, _)| a.contains("aws_s3_bucket")),
        "{removed:?}"
    );

    // A larger database class is an in-place update of both databases.
    let (out, _) = expect(
        &args("plan", &["--var", "rds_instance_class=db.t3.small"]),
        0,
    );
    assert!(out.contains("0 to add, 2 to change, 0 to destroy"), "{out}");
    assert!(
        out.contains("module.airflow_db[0].aws_db_instance.this will be updated in-place"),
        "{out}"
    );

    // Another VPC CIDR: the VPC is replaced and everything in it with it, each with its reason.
    let (json, _) = expect(
        &args("plan", &["--var", "vpc_cidr=10.1.0.0/16", "--json"]),
        0,
    );
    let plan: serde_json::Value = serde_json::from_str(&json).expect("JSON plan");
    let replaced: Vec<&serde_json::Value> = plan["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| {
            matches!(
                c["action"].as_str(),
                Some("delete_then_create" | "create_then_delete")
            )
        })
        .collect();
    let vpc = replaced
        .iter()
        .find(|c| c["type"] == "aws_vpc")
        .expect("the VPC is replaced");
    assert!(vpc["reasons"].to_string().contains("cidr_block"), "{vpc}");
    let kinds: BTreeSet<&str> = replaced.iter().filter_map(|c| c["type"].as_str()).collect();
    for kind in ["aws_subnet", "aws_eks_cluster", "aws_eks_node_group"] {
        assert!(kinds.contains(kind), "{kind} is replaced too: {kinds:?}");
    }
    for change in &replaced {
        assert!(
            change["reasons"].as_array().is_some_and(|r| !r.is_empty()),
            "every replacement says why: {change}"
        );
    }

    // Secrets never reached the output.
    let secrets = secrets(&root);
    assert!(
        !secrets.is_empty(),
        "the stack generates database passwords"
    );
    for secret in &secrets {
        assert!(
            !printed.borrow().contains(secret.as_str()),
            "a secret was printed"
        );
    }

    // Destroy leaves nothing in any service.
    expect(&args("destroy", &["--auto-approve"]), 0);
    let left = leftovers(&endpoint);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn aws_mlops_apply_through_throttling_and_server_errors_reaches_the_same_end_state() {
    let moto = Moto::with_managed_policies();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = workspace("aws-mlops-faults");
    let (code, json, err) = run(&endpoint, &root, &args("plan", &["--json"]));
    assert_eq!(code, 0, "{err}");
    let planned: BTreeSet<String> = changes(&json).into_iter().map(|(a, _)| a).collect();

    proxy.every(10, Fault::Throttle);
    proxy.every(13, Fault::ServerError);
    let started = Instant::now();
    let (code, out, err) = run(&endpoint, &root, &args("apply", &["--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    eprintln!(
        "aws-mlops apply through the fault proxy: {:?}",
        started.elapsed()
    );
    let faults = proxy.seen().len();
    assert!(
        faults > 100,
        "the faults were injected into a real run: {faults} requests"
    );

    proxy.clear();
    let (code, out, err) = run(&endpoint, &root, &args("plan", &["--detailed-exitcode"]));
    assert_eq!(code, 0, "the same end state: nothing to do\n{out}{err}");
    let (_, listed, _) = run(&endpoint, &root, &["state", "list", STACK, "--env", "e2e"]);
    let in_state: BTreeSet<String> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.split('.').any(|part| part == "data"))
        .map(str::to_owned)
        .collect();
    assert_eq!(in_state, planned, "state holds exactly what was planned");
    let (code, out, err) = run(&endpoint, &root, &args("destroy", &["--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(leftovers(&moto.endpoint()).is_empty());
}
