//! `aws_iam_role` against moto: trust policies compared by meaning (written with jsonencode or
//! an `aws_iam_policy_document`), in-place updates, a create whose response is lost adopted by
//! name, destroy.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, run, Moto};
use crate::support::scratch;

fn stack(policy: &str, description: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_iam_role" "cluster" {{
  name               = "plat-test-cluster"
  description        = "{description}"
  assume_role_policy = {policy}
  tags = {{
    component = "eks"
  }}
}}

data "aws_iam_policy_document" "trust" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "nodes" {{
  name               = "plat-test-nodes"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}

output "arn" {{
  value = aws_iam_role.cluster.arn
}}
"#
    )
}

const POLICY: &str = r#"jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "eks.amazonaws.com" }
    }]
  })"#;

/// The same policy written differently: keys reordered, one-element lists.
const SAME_POLICY: &str = r#"jsonencode({
    Statement = [{
      Principal = { Service = ["eks.amazonaws.com"] }
      Action    = ["sts:AssumeRole"]
      Effect    = "Allow"
    }]
    Version = "2012-10-17"
  })"#;

fn role_count(moto: &Moto) -> usize {
    block_on(async {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build();
        aws_sdk_iam::Client::from_conf(config)
            .list_roles()
            .send()
            .await
            .expect("list_roles")
            .roles()
            .iter()
            .filter(|r| r.role_name().starts_with("plat-test-"))
            .count()
    })
}

#[test]
fn iam_role_lifecycle_against_moto() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-iam");
    std::fs::create_dir_all(root.join("iam")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("iam/main.hcl"), text).expect("write");

    // The create's response is lost after IAM made the role: the retry finds it by name and
    // its ownership tags instead of failing on EntityAlreadyExists.
    proxy.inject("CreateRole", Fault::ResetAfter, 1);
    write(stack(POLICY, "first"));
    let (code, out, err) = run(&endpoint, &root, &["apply", "iam", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("arn = \"arn:aws:iam::123456789012:role/plat-test-cluster\""),
        "{out}"
    );
    assert_eq!(role_count(&moto), 2);

    let (code, out, err) = run(&endpoint, &root, &["plan", "iam", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    // The same trust policy written differently is no change.
    write(stack(SAME_POLICY, "first"));
    let (code, out, err) = run(&endpoint, &root, &["plan", "iam", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    write(stack(
        &POLICY.replace("eks.amazonaws.com", "ec2.amazonaws.com"),
        "second",
    ));
    let (code, out, _) = run(&endpoint, &root, &["plan", "iam"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_iam_role.cluster will be updated in-place"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "iam", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&endpoint, &root, &["plan", "iam", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = run(&endpoint, &root, &["destroy", "iam", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(role_count(&moto), 0);
}
