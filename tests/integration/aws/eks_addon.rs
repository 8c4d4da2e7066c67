//! `aws_eks_addon` and `data "aws_eks_cluster_auth"`.
//!
//! moto 5.2.5 has no add-on operations (CreateAddon, DescribeAddon, UpdateAddon, DescribeUpdate
//! and DeleteAddon answer with HTML 404 pages), so every add-on call is answered by a recorded
//! AWS response through the fault proxy, and the tests check what plat sent: the create's body
//! and its polling through `CREATING`, a reformatted configuration that plans nothing, a version
//! change made in place (UpdateAddon, then DescribeUpdate polled through `InProgress`), and a
//! destroy that waits until DescribeAddon says ResourceNotFoundException; import by
//! `CLUSTER:ADDON`; an add-on someone else made is a conflict naming the import command; a create
//! whose answer was lost is adopted, not repeated; a `DEGRADED` add-on is saved tainted.
//!
//! The cluster token is made locally; the test checks that it never reaches plat's output
//! unless its output is named.

use base64::Engine;

use super::fault_proxy::{Fault, FaultProxy};
use super::{run, Moto};
use crate::support::scratch;

const CREATE: &str = "POST /clusters/plat-test/addons";
const DESCRIBE: &str = "GET /clusters/plat-test/addons/vpc-cni";
const UPDATE: &str = "POST /clusters/plat-test/addons/vpc-cni/update";
const DELETE: &str = "DELETE /clusters/plat-test/addons/vpc-cni";
const UPDATE_ID: &str = "b7a4c2de-5f1e-4c39-9a0e-3f61d2a8e901";
const ROLE: &str = "arn:aws:iam::123456789012:role/vpc-cni";
/// The configuration as `jsonencode` writes it, and as EKS gives it back.
const CONFIG: &str = r#"{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_IP_TARGET":"5"}}"#;
/// The same configuration in the stack.
const ENCODED: &str =
    r#"jsonencode({ env = { WARM_IP_TARGET = "5", ENABLE_PREFIX_DELEGATION = "true" } })"#;

fn stack(version: &str, configuration: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_eks_addon" "vpc_cni" {{
  cluster_name                = "plat-test"
  addon_name                  = "vpc-cni"
  addon_version               = "{version}"
  configuration_values        = {configuration}
  service_account_role_arn    = "{ROLE}"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"

  tags = {{
    team = "net"
  }}
}}

output "addon" {{
  value = aws_eks_addon.vpc_cni.id
}}
"#
    )
}

/// DescribeAddon's (and CreateAddon's, DeleteAddon's) answer: the add-on in `status`.
fn addon(status: &str, version: &str) -> String {
    serde_json::json!({
        "addon": {
            "addonName": "vpc-cni",
            "clusterName": "plat-test",
            "status": status,
            "addonVersion": version,
            "health": { "issues": [] },
            "addonArn": "arn:aws:eks:us-east-1:123456789012:addon/plat-test/vpc-cni/a6c9b7e2-1d3f-4e5a-8b9c-0d1e2f3a4b5c",
            "createdAt": 1795342502.0,
            "modifiedAt": 1795342562.0,
            "serviceAccountRoleArn": ROLE,
            "tags": { "team": "net", "plat:address": "aws_eks_addon.vpc_cni" },
            "configurationValues": CONFIG,
        }
    })
    .to_string()
}

/// UpdateAddon's and DescribeUpdate's answer: the update in `status`.
fn update(status: &str) -> String {
    serde_json::json!({
        "update": {
            "id": UPDATE_ID,
            "status": status,
            "type": "AddonUpdate",
            "params": [
                { "type": "AddonVersion", "value": "v1.19.0-eksbuild.1" },
                { "type": "ResolveConflicts", "value": "PRESERVE" }
            ],
            "createdAt": 1795342600.0,
            "errors": []
        }
    })
    .to_string()
}

fn respond(proxy: &FaultProxy, operation: &str, body: String, count: usize) {
    proxy.inject(operation, Fault::Respond { status: 200, body }, count);
}

#[test]
fn eks_addon_lifecycle_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-eks-addon");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("eks/main.hcl"), text).expect("write");
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(
            got,
            code,
            "plat {args:?}:\n{out}{err}\nseen: {:?}",
            proxy.seen()
        );
        (out, err)
    };
    let v1 = "v1.18.0-eksbuild.1";
    let v2 = "v1.19.0-eksbuild.1";

    // Create: EKS answers CREATING, and says so twice more before ACTIVE.
    respond(&proxy, CREATE, addon("CREATING", v1), 1);
    respond(&proxy, DESCRIBE, addon("CREATING", v1), 2);
    respond(&proxy, DESCRIBE, addon("ACTIVE", v1), 100_000);
    write(stack(v1, ENCODED));
    let (out, _) = expect(&["apply", "eks", "--auto-approve"], 0);
    assert!(
        out.contains("aws_eks_addon.vpc_cni: Creation complete"),
        "{out}"
    );
    assert!(out.contains("addon = \"plat-test:vpc-cni\""), "{out}");
    assert_eq!(
        proxy.count(CREATE),
        (1, 0),
        "one CreateAddon, answered here"
    );
    assert!(
        proxy.count(DESCRIBE).0 >= 3,
        "it polled through CREATING: {:?}",
        proxy.seen()
    );
    let sent = proxy.bodies(CREATE);
    let body: serde_json::Value = serde_json::from_str(&sent[0]).expect("a JSON body");
    assert_eq!(body["addonName"], "vpc-cni", "{body}");
    assert_eq!(body["addonVersion"], v1, "{body}");
    assert_eq!(body["configurationValues"], CONFIG, "{body}");
    assert_eq!(body["serviceAccountRoleArn"], ROLE, "{body}");
    assert_eq!(body["resolveConflicts"], "OVERWRITE", "{body}");
    assert!(
        body["clientRequestToken"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    let tags = &body["tags"];
    assert_eq!(tags["team"], "net", "{body}");
    assert_eq!(tags["plat:address"], "aws_eks_addon.vpc_cni", "{body}");
    assert_eq!(tags["plat:stack"], "eks", "{body}");
    assert!(tags["plat:env"].is_string(), "{body}");
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // The same configuration written differently plans nothing.
    write(stack(
        v1,
        "<<EOT\n{\n  \"env\": {\n    \"WARM_IP_TARGET\": \"5\",\n    \"ENABLE_PREFIX_DELEGATION\": \"true\"\n  }\n}\nEOT",
    ));
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // A new version is an update in place: UpdateAddon, then DescribeUpdate until Successful.
    write(stack(v2, ENCODED));
    let before = proxy.count(DESCRIBE).0;
    let (out, _) = expect(&["plan", "eks", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    let refreshes = proxy.count(DESCRIBE).0 - before;
    // The apply's refresh reads the add-on as it was; every read after the update shows v2.
    proxy.clear();
    respond(&proxy, DESCRIBE, addon("ACTIVE", v1), refreshes);
    respond(&proxy, DESCRIBE, addon("ACTIVE", v2), 100_000);
    respond(&proxy, UPDATE, update("InProgress"), 1);
    let describe_update = format!("GET /clusters/plat-test/updates/{UPDATE_ID}");
    respond(&proxy, &describe_update, update("InProgress"), 1);
    respond(&proxy, &describe_update, update("Successful"), 100_000);
    let (out, _) = expect(&["apply", "eks", "--auto-approve"], 0);
    assert!(out.contains("Modifications complete"), "{out}");
    let sent = proxy.bodies(UPDATE);
    assert_eq!(sent.len(), 1, "one UpdateAddon: {:?}", proxy.seen());
    let body: serde_json::Value = serde_json::from_str(&sent[0]).expect("a JSON body");
    assert_eq!(body["addonVersion"], v2, "{body}");
    assert_eq!(body["resolveConflicts"], "PRESERVE", "{body}");
    // As Terraform does, the configured values are sent again, unchanged.
    assert_eq!(body["configurationValues"], CONFIG, "{body}");
    assert_eq!(body["serviceAccountRoleArn"], ROLE, "{body}");
    assert_eq!(
        proxy.count(&describe_update).0,
        2,
        "polled through InProgress: {:?}",
        proxy.seen()
    );
    let seen = proxy.seen();
    let updated = seen.iter().position(|op| op == UPDATE).expect("updated");
    assert!(
        seen[updated..].iter().any(|op| op == DESCRIBE),
        "waited for ACTIVE after the update: {seen:?}"
    );
    assert_eq!(proxy.count(CREATE).0, 1, "not replaced");
    expect(&["plan", "eks", "--detailed-exitcode"], 0);

    // Import by CLUSTER:ADDON. How conflicts are resolved lives only in state, so the plan
    // after it sets them there, and its apply calls nothing but DescribeAddon.
    expect(
        &["state", "rm", "eks", "--address", "aws_eks_addon.vpc_cni"],
        0,
    );
    let (_, err) = expect(&["import", "aws_eks_addon.vpc_cni", "vpc-cni", "eks"], 1);
    assert!(err.contains("CLUSTER:ADDON"), "{err}");
    expect(
        &[
            "import",
            "aws_eks_addon.vpc_cni",
            "plat-test:vpc-cni",
            "eks",
        ],
        0,
    );
    let (out, _) = expect(&["plan", "eks", "--detailed-exitcode"], 2);
    assert!(out.contains("resolve_conflicts_on_update"), "{out}");
    assert!(!out.contains("addon_version"), "{out}");
    let calls = proxy.seen().len();
    expect(&["apply", "eks", "--auto-approve"], 0);
    let seen = proxy.seen();
    assert!(
        seen[calls..].iter().all(|op| op == DESCRIBE),
        "only reads: {:?}",
        &seen[calls..]
    );
    expect(&["plan", "eks", "--detailed-exitcode"], 0);
    let seen = proxy.seen();

    // Destroy: DeleteAddon, then DescribeAddon until EKS no longer knows the add-on.
    let before = seen.len();
    proxy.clear();
    respond(&proxy, DELETE, addon("DELETING", v2), 1);
    respond(&proxy, DESCRIBE, addon("ACTIVE", v2), refreshes);
    respond(&proxy, DESCRIBE, addon("DELETING", v2), 1);
    proxy.inject(
        DESCRIBE,
        Fault::Respond {
            status: 404,
            body: r#"{"message":"No addon: vpc-cni found in cluster: plat-test","__type":"ResourceNotFoundException"}"#.into(),
        },
        100_000,
    );
    let (out, _) = expect(&["destroy", "eks", "--auto-approve"], 0);
    assert!(out.contains("Destruction complete"), "{out}");
    assert_eq!(proxy.count(DELETE), (1, 0));
    let seen = proxy.seen();
    let deleted = seen.iter().position(|op| op == DELETE).expect("deleted");
    assert!(deleted >= before, "{seen:?}");
    assert!(
        seen[deleted..].iter().filter(|op| *op == DESCRIBE).count() >= 2,
        "waited through DELETING until gone: {seen:?}"
    );
}

#[test]
fn eks_addon_owned_by_someone_else_is_a_conflict_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-eks-addon-conflict");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    std::fs::write(
        root.join("eks/main.hcl"),
        stack("v1.18.0-eksbuild.1", "null"),
    )
    .expect("write");
    proxy.inject(
        CREATE,
        Fault::Respond {
            status: 409,
            body: r#"{"message":"Addon already exists.","__type":"ResourceInUseException"}"#.into(),
        },
        1,
    );
    // The add-on there carries no ownership tags of this stack.
    respond(
        &proxy,
        DESCRIBE,
        addon("ACTIVE", "v1.18.0-eksbuild.1").replace("aws_eks_addon.vpc_cni", "elsewhere"),
        100_000,
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "eks", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("already exists on EKS cluster plat-test")
            && err.contains("plat import aws_eks_addon.vpc_cni plat-test:vpc-cni"),
        "{err}"
    );
    assert_eq!(proxy.count(CREATE).0, 1, "not retried");

    // A cluster that does not exist is named as such.
    proxy.inject(
        CREATE,
        Fault::Respond {
            status: 404,
            body: r#"{"message":"No cluster found for name: plat-test.","__type":"ResourceNotFoundException"}"#.into(),
        },
        1,
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "eks", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("there is no EKS cluster plat-test in us-east-1"),
        "{err}"
    );
}

#[test]
fn eks_cluster_auth_token_stays_secret() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-eks-auth");
    std::fs::create_dir_all(root.join("auth")).expect("mkdir");
    std::fs::write(
        root.join("auth/main.hcl"),
        r#"provider "aws" {}

data "aws_eks_cluster_auth" "this" {
  name = "plat-test"
}

# Something to apply that uses the token, as a Kubernetes provider would.
resource "plat_data" "kube" {
  input = {
    cluster = data.aws_eks_cluster_auth.this.id
    token   = data.aws_eks_cluster_auth.this.token
  }
}

output "token" {
  value     = data.aws_eks_cluster_auth.this.token
  sensitive = true
}

output "cluster" {
  value = data.aws_eks_cluster_auth.this.id
}
"#,
    )
    .expect("write");
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };
    let secret = |out: &str, err: &str| {
        assert!(
            !out.contains("k8s-aws-v1") && !err.contains("k8s-aws-v1"),
            "the token leaked:\n{out}{err}"
        );
    };
    let (out, err) = expect(&["plan", "auth"], 0);
    secret(&out, &err);
    assert!(
        out.contains("(sensitive value)"),
        "the plan masks it: {out}"
    );
    let (out, err) = expect(&["apply", "auth", "--auto-approve"], 0);
    secret(&out, &err);
    assert!(out.contains("cluster = \"plat-test\""), "{out}");
    let (out, err) = expect(&["output", "auth"], 0);
    secret(&out, &err);
    assert!(out.contains("token = (sensitive value)"), "{out}");
    let (out, err) = expect(&["output", "auth", "--json"], 0);
    secret(&out, &err);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(doc["token"]["value"].is_null(), "{doc}");
    assert_eq!(doc["token"]["sensitive"], true, "{doc}");

    // Named, it is shown: a presigned GetCallerIdentity at the STS endpoint in use, signed for
    // this cluster.
    let (out, _) = expect(&["output", "auth", "token", "--raw"], 0);
    let encoded = out
        .trim()
        .strip_prefix("k8s-aws-v1.")
        .unwrap_or_else(|| panic!("not a token: {} characters", out.len()));
    let url = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .expect("URL-safe base64"),
    )
    .expect("a URL");
    assert!(
        url.starts_with(&format!(
            "{endpoint}/?Action=GetCallerIdentity&Version=2011-06-15&"
        )),
        "{url}"
    );
    for part in [
        "X-Amz-Expires=60",
        "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
        "X-Amz-Credential=testing%2F",
        "%2Fus-east-1%2Fsts%2Faws4_request",
        "X-Amz-Signature=",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
}

#[test]
fn eks_addon_degraded_after_create_is_saved_tainted_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-eks-addon-degraded");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    std::fs::write(
        root.join("eks/main.hcl"),
        stack("v1.18.0-eksbuild.1", "null"),
    )
    .expect("write");
    respond(&proxy, CREATE, addon("CREATING", "v1.18.0-eksbuild.1"), 1);
    let degraded = addon("DEGRADED", "v1.18.0-eksbuild.1").replace(
        r#""issues":[]"#,
        r#""issues":[{"code":"InsufficientNumberOfReplicas","message":"The add-on is unhealthy because it doesn't have the desired number of replicas.","resourceIds":["kube-system/aws-node"]}]"#,
    );
    assert!(degraded.contains("InsufficientNumberOfReplicas"));
    respond(&proxy, DESCRIBE, degraded, 100_000);
    let (code, out, err) = run(&endpoint, &root, &["apply", "eks", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    let text = format!("{out}{err}");
    assert!(
        text.contains("DEGRADED")
            && text.contains("InsufficientNumberOfReplicas")
            && text.contains("kube-system/aws-node")
            && text.contains("tainted"),
        "{text}"
    );
    // State holds it, tainted: the next plan replaces it.
    let (code, out, err) = run(&endpoint, &root, &["plan", "eks"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 to add, 0 to change, 1 to destroy"), "{out}");
}

#[test]
fn eks_addon_create_answer_lost_is_adopted_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-eks-addon-lost");
    std::fs::create_dir_all(root.join("eks")).expect("mkdir");
    std::fs::write(
        root.join("eks/main.hcl"),
        stack("v1.18.0-eksbuild.1", ENCODED),
    )
    .expect("write");
    // The create's connection drops before any answer; the add-on is there afterwards, with
    // this instance's ownership tag, as if EKS had acted.
    proxy.inject(CREATE, Fault::ResetBefore, 1);
    respond(
        &proxy,
        DESCRIBE,
        addon("ACTIVE", "v1.18.0-eksbuild.1"),
        100_000,
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "eks", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        proxy.count(CREATE).0,
        1,
        "found by its names and tags, not created again: {:?}",
        proxy.seen()
    );
    let (code, out, err) = run(&endpoint, &root, &["plan", "eks", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
}
