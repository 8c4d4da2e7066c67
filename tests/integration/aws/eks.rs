//! `aws_eks_cluster`, `aws_eks_node_group` and `data "aws_eks_cluster"` against moto: the
//! creates poll through a faked `CREATING` with heartbeats; a no-op plan; the node group's
//! scaling, labels and taints change in place; a desired size moved by an autoscaler is no
//! drift; logging and endpoint access change in place; a subnet change plans a replacement; a
//! skipped minor version or a downgrade is refused at plan time; destroy deletes the node group
//! before the cluster, waits through a faked `DELETING` for each, and leaves nothing.
//!
//! moto 5.2.5 has no UpdateClusterVersion or DescribeUpdate (HTML 404), so the version upgrade
//! is tested with recorded AWS responses: what plat sends, that it follows the update until
//! `Successful`, and that it reads the cluster back afterwards.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, plat_at, run, Moto};
use crate::support::scratch;

struct Knobs<'a> {
    version: &'a str,
    subnets: &'a str,
    logs: &'a str,
    public: bool,
    desired: u32,
    label: &'a str,
    taint_value: &'a str,
}

const FIRST: Knobs = Knobs {
    version: "1.29",
    subnets: "[aws_subnet.net[\"a\"].id, aws_subnet.net[\"b\"].id]",
    logs: "[\"api\"]",
    public: true,
    desired: 2,
    label: "general",
    taint_value: "t3_large",
};

fn stack(k: &Knobs) -> String {
    format!(
        r#"provider "aws" {{
  default_tags {{
    tags = {{ stack = "eks-test" }}
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "net" {{
  for_each          = {{ a = "10.0.1.0/24", b = "10.0.2.0/24" }}
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "us-east-1${{each.key}}"
}}

resource "aws_iam_role" "cluster" {{
  name = "plat-test-cluster"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "eks.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_role" "node" {{
  name = "plat-test-node"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_eks_cluster" "main" {{
  name                      = "plat-test"
  role_arn                  = aws_iam_role.cluster.arn
  version                   = "{version}"
  enabled_cluster_log_types = {logs}

  vpc_config {{
    subnet_ids             = {subnets}
    endpoint_public_access = {public}
  }}

  tags = {{
    team = "ml"
  }}
}}

resource "aws_eks_node_group" "workers" {{
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "workers"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = [for s in aws_subnet.net : s.id]
  instance_types  = ["t3.medium"]

  scaling_config {{
    min_size     = 1
    max_size     = 6
    desired_size = {desired}
  }}

  labels = {{
    role = "{label}"
  }}

  taint {{
    key    = "dedicated"
    value  = "{taint_value}"
    effect = "NO_SCHEDULE"
  }}
}}

data "aws_eks_cluster" "main" {{
  name = aws_eks_cluster.main.name
}}

output "endpoint" {{
  value = aws_eks_cluster.main.endpoint
}}

output "same_endpoint" {{
  value = data.aws_eks_cluster.main.endpoint == aws_eks_cluster.main.endpoint
}}

output "issuer" {{
  value = aws_eks_cluster.main.identity[0].oidc[0].issuer
}}

output "has_ca" {{
  value = length(aws_eks_cluster.main.certificate_authority[0].data) > 100
}}
"#,
        version = k.version,
        logs = k.logs,
        subnets = k.subnets,
        public = k.public,
        desired = k.desired,
        label = k.label,
        taint_value = k.taint_value,
    )
}

pub fn eks(endpoint: &str) -> aws_sdk_eks::Client {
    let config = aws_sdk_eks::Config::builder()
        .behavior_version(aws_sdk_eks::config::BehaviorVersion::latest())
        .region(aws_sdk_eks::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_eks::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_eks::Client::from_conf(config)
}

fn cluster(endpoint: &str) -> aws_sdk_eks::types::Cluster {
    block_on(async {
        eks(endpoint)
            .describe_cluster()
            .name("plat-test")
            .send()
            .await
            .expect("describe_cluster")
            .cluster()
            .cloned()
            .expect("the cluster")
    })
}

fn node_group(endpoint: &str) -> aws_sdk_eks::types::Nodegroup {
    block_on(async {
        eks(endpoint)
            .describe_nodegroup()
            .cluster_name("plat-test")
            .nodegroup_name("workers")
            .send()
            .await
            .expect("describe_nodegroup")
            .nodegroup()
            .cloned()
            .expect("the node group")
    })
}

const ACTIVE: &str = r#""status": "ACTIVE""#;

#[test]
fn eks_cluster_and_node_group_lifecycle_against_moto_version_upgrade_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let direct = moto.endpoint();
    let root = scratch("aws-eks");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("eks/main.hcl"), text).expect("write");
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };

    // The cluster is CREATING for three polls, the node group for two.
    let creating = |op: &str, polls: usize| {
        proxy.inject(
            op,
            Fault::Rewrite {
                from: ACTIVE.into(),
                to: r#""status": "CREATING""#.into(),
            },
            polls,
        )
    };
    creating("GET /clusters/plat-test", 3);
    creating("GET /clusters/plat-test/node-groups/workers", 2);
    write(stack(&FIRST));
    let applied = plat_at(&endpoint)
        .current_dir(&root)
        .env("PLAT_HEARTBEAT", "300ms")
        .args(["apply", "eks", "--auto-approve"])
        .output()
        .expect("run plat");
    let (out, err) = (
        String::from_utf8_lossy(&applied.stdout).into_owned(),
        String::from_utf8_lossy(&applied.stderr).into_owned(),
    );
    assert!(applied.status.success(), "{out}{err}");
    assert!(
        out.contains("aws_eks_cluster.main: Still creating... ["),
        "a heartbeat while the cluster is CREATING: {out}"
    );
    assert!(
        proxy.count("GET /clusters/plat-test/node-groups/workers").0 >= 3,
        "it polled the node group through CREATING: {:?}",
        proxy.seen()
    );
    let created = cluster(&direct);
    assert_eq!(created.version(), Some("1.29"));
    let endpoint_url = created.endpoint().expect("endpoint").to_owned();
    assert!(
        out.contains(&format!("endpoint = \"{endpoint_url}\"")),
        "{out}"
    );
    assert!(out.contains("same_endpoint = true"), "{out}");
    assert!(out.contains("has_ca = true"), "{out}");
    assert!(
        out.contains("issuer = \"https://oidc.eks.us-east-1"),
        "{out}"
    );
    let tags = created.tags().cloned().unwrap_or_default();
    assert_eq!(tags.get("team").map(String::as_str), Some("ml"));
    assert_eq!(tags.get("stack").map(String::as_str), Some("eks-test"));
    assert_eq!(
        tags.get("plat:address").map(String::as_str),
        Some("aws_eks_cluster.main")
    );
    let group = node_group(&direct);
    let scaling = group.scaling_config().expect("scaling");
    assert_eq!(
        (
            scaling.min_size(),
            scaling.max_size(),
            scaling.desired_size()
        ),
        (Some(1), Some(6), Some(2))
    );
    assert_eq!(group.taints().len(), 1);
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // Scaling, labels and the taint change in place: one UpdateNodegroupConfig.
    let second = Knobs {
        desired: 4,
        label: "compute",
        taint_value: "gpu",
        ..FIRST
    };
    write(stack(&second));
    let (out, _) = expect(&["plan", "eks", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    assert!(
        out.contains("aws_eks_node_group.workers will be updated in-place"),
        "{out}"
    );
    expect(&["apply", "eks", "--auto-approve"], 0);
    let group = node_group(&direct);
    assert_eq!(
        group.scaling_config().and_then(|s| s.desired_size()),
        Some(4)
    );
    assert_eq!(
        group
            .labels()
            .and_then(|l| l.get("role"))
            .map(String::as_str),
        Some("compute")
    );
    let taints: Vec<_> = group
        .taints()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert_eq!(taints, vec![("dedicated", "gpu")]);
    assert_eq!(
        proxy
            .count("POST /clusters/plat-test/node-groups/workers/update-config")
            .0,
        1
    );
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // An autoscaler moves the desired size within the bounds: not drift.
    block_on(async {
        eks(&direct)
            .update_nodegroup_config()
            .cluster_name("plat-test")
            .nodegroup_name("workers")
            .scaling_config(
                aws_sdk_eks::types::NodegroupScalingConfig::builder()
                    .desired_size(6)
                    .build(),
            )
            .send()
            .await
            .expect("scale up as an autoscaler would")
    });
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // Logging and endpoint access change in place; the cluster is followed until ACTIVE again.
    let third = Knobs {
        logs: "[\"api\", \"audit\"]",
        public: false,
        ..second
    };
    write(stack(&third));
    let (out, _) = expect(&["plan", "eks", "--detailed-exitcode"], 2);
    assert!(
        out.contains("aws_eks_cluster.main will be updated in-place"),
        "{out}"
    );
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    proxy.inject(
        "GET /clusters/plat-test",
        Fault::Rewrite {
            from: ACTIVE.into(),
            to: r#""status": "UPDATING""#.into(),
        },
        1,
    );
    expect(&["apply", "eks", "--auto-approve"], 0);
    let updated = cluster(&direct);
    let enabled: Vec<String> = updated
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str().to_owned()))
        .collect();
    assert_eq!(enabled, vec!["api".to_owned(), "audit".to_owned()]);
    let configs = proxy.bodies("POST /clusters/plat-test/update-config");
    assert_eq!(
        configs.len(),
        2,
        "logging and endpoint access are separate updates: {configs:?}"
    );
    assert!(
        configs
            .iter()
            .any(|b| b.contains("\"endpointPublicAccess\":false")),
        "{configs:?}"
    );
    assert!(
        !configs.iter().any(|b| b.contains("subnetIds")),
        "subnets are never sent to UpdateClusterConfig: {configs:?}"
    );
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // Versions: a skipped minor and a downgrade are refused at plan time.
    for (version, says) in [
        ("1.31", "apply version = \"1.30\" first"),
        ("1.28", "does not downgrade"),
    ] {
        write(stack(&Knobs { version, ..third }));
        let (_, err) = expect(&["plan", "eks"], 1);
        assert!(
            err.contains("aws_eks_cluster.main") && err.contains(says),
            "{version}: {err}"
        );
    }

    // One minor version up, in place, with recorded responses for what moto lacks.
    let fourth = Knobs {
        version: "1.30",
        ..third
    };
    write(stack(&fourth));
    let (out, _) = expect(&["plan", "eks", "--detailed-exitcode"], 2);
    assert!(out.contains("~ version"), "{out}");
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    let update = |status: &str| {
        format!(
            r#"{{"update":{{"id":"u-1","status":"{status}","type":"VersionUpdate","params":[{{"type":"Version","value":"1.30"}}],"errors":[]}}}}"#
        )
    };
    proxy.inject(
        "POST /clusters/plat-test/updates",
        Fault::Respond {
            status: 200,
            body: update("InProgress"),
        },
        1,
    );
    proxy.inject(
        "GET /clusters/plat-test/updates/u-1",
        Fault::Respond {
            status: 200,
            body: update("InProgress"),
        },
        1,
    );
    proxy.inject(
        "GET /clusters/plat-test/updates/u-1",
        Fault::Respond {
            status: 200,
            body: update("Successful"),
        },
        1,
    );
    proxy.inject_after(
        "POST /clusters/plat-test/updates",
        "GET /clusters/plat-test",
        Fault::Rewrite {
            from: r#""version": "1.29""#.into(),
            to: r#""version": "1.30""#.into(),
        },
        usize::MAX,
    );
    expect(&["apply", "eks", "--auto-approve"], 0);
    let sent = proxy.bodies("POST /clusters/plat-test/updates");
    assert_eq!(sent.len(), 1, "{:?}", proxy.seen());
    assert!(sent[0].contains("\"version\":\"1.30\""), "{sent:?}");
    assert_eq!(
        proxy.count("GET /clusters/plat-test/updates/u-1").0,
        2,
        "followed the update until Successful"
    );
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // Other subnets replace the cluster (planned only).
    write(stack(&Knobs {
        subnets: "[aws_subnet.net[\"a\"].id]",
        ..fourth
    }));
    let (out, _) = expect(&["plan", "eks"], 0);
    assert!(
        out.contains("aws_eks_cluster.main must be replaced"),
        "{out}"
    );
    assert!(out.contains("forces replacement"), "{out}");
    write(stack(&fourth));

    // Destroy: the node group goes first, then the cluster; nothing is left. moto deletes at
    // once, so each is answered as DELETING once after its delete call, and plat waits on.
    proxy.inject_after(
        "DELETE /clusters/plat-test/node-groups/workers",
        "GET /clusters/plat-test/node-groups/workers",
        Fault::Respond {
            status: 200,
            body: r#"{"nodegroup":{"nodegroupName":"workers","clusterName":"plat-test","status":"DELETING"}}"#.into(),
        },
        1,
    );
    proxy.inject_after(
        "DELETE /clusters/plat-test",
        "GET /clusters/plat-test",
        Fault::Respond {
            status: 200,
            body: r#"{"cluster":{"name":"plat-test","status":"DELETING"}}"#.into(),
        },
        1,
    );
    let polled = |op: &str| proxy.seen().iter().filter(|o| o.as_str() == op).count();
    let (groups_before, clusters_before) = (
        polled("GET /clusters/plat-test/node-groups/workers"),
        polled("GET /clusters/plat-test"),
    );
    let (out, _) = expect(&["destroy", "eks", "--auto-approve"], 0);
    assert!(
        polled("GET /clusters/plat-test/node-groups/workers") >= groups_before + 3,
        "refresh, DELETING, then gone: {:?}",
        proxy.seen()
    );
    assert!(
        polled("GET /clusters/plat-test") >= clusters_before + 3,
        "{:?}",
        proxy.seen()
    );
    let group_done = out
        .find("aws_eks_node_group.workers: Destruction complete")
        .expect("the node group is destroyed");
    let cluster_start = out
        .find("aws_eks_cluster.main: Destroying...")
        .expect("the cluster is destroyed");
    assert!(
        group_done < cluster_start,
        "node group before cluster:\n{out}"
    );
    let left = block_on(async {
        eks(&direct)
            .list_clusters()
            .send()
            .await
            .expect("list_clusters")
            .clusters()
            .to_vec()
    });
    assert!(left.is_empty(), "{left:?}");
}

/// A cluster that is `CREATING` for a while, and beside it a bucket and a file system that do
/// not depend on it.
const SLOW_AND_FAST: &str = r#"provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "net" {
  for_each          = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "us-east-1${each.key}"
}

resource "aws_iam_role" "cluster" {
  name               = "plat-test-cluster"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_eks_cluster" "main" {
  name     = "plat-test"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids = [for s in aws_subnet.net : s.id]
  }

  timeouts {
    create = "TIMEOUT"
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "plat-test-logs"
}

resource "aws_efs_file_system" "shared" {
  creation_token = "plat-test-shared"
}
"#;

#[test]
fn a_slow_cluster_create_does_not_hold_up_unrelated_resources_and_times_out_with_its_status() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-eks-slow");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    let write = |timeout: &str| {
        std::fs::write(
            root.join("eks/main.hcl"),
            SLOW_AND_FAST.replace("TIMEOUT", timeout),
        )
        .expect("write")
    };
    let apply = || {
        let out = plat_at(&endpoint)
            .current_dir(&root)
            .args(["apply", "eks", "--auto-approve"])
            .output()
            .expect("run plat");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };

    // CREATING for good: the create times out, naming the cluster and its last status, while
    // the bucket and the file system are made meanwhile.
    proxy.inject(
        "GET /clusters/plat-test",
        Fault::Rewrite {
            from: ACTIVE.into(),
            to: r#""status": "CREATING""#.into(),
        },
        usize::MAX,
    );
    write("4s");
    let (code, out) = apply();
    assert_eq!(code, Some(1), "{out}");
    let line = |what: &str| {
        out.find(what)
            .unwrap_or_else(|| panic!("no \"{what}\" in:\n{out}"))
    };
    let cluster_started = line("aws_eks_cluster.main: Creating...");
    assert!(
        line("aws_s3_bucket.logs: Creation complete") > cluster_started,
        "{out}"
    );
    assert!(
        line("aws_efs_file_system.shared: Creation complete") > cluster_started,
        "{out}"
    );
    assert!(
        out.contains("aws_eks_cluster.main") && out.contains("CREATING"),
        "the error names the cluster and its last status:\n{out}"
    );
    // State records the cluster that exists (tainted: its create did not finish).
    let (_, listed, _) = run(&endpoint, &root, &["state", "list", "eks"]);
    assert!(listed.contains("aws_eks_cluster.main"), "{listed}");
    assert!(listed.contains("aws_s3_bucket.logs"), "{listed}");

    // Once the cluster is ACTIVE, the next apply replaces the tainted cluster.
    proxy.clear();
    write("30m");
    let (code, out) = apply();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("aws_eks_cluster.main"), "{out}");
    let (code, out, err) = run(&endpoint, &root, &["plan", "eks", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
}
