//! `aws_iam_policy` and `aws_iam_role_policy_attachment` against moto: seven successive policy
//! documents never hit IAM's five-version limit, the attachment is refreshed with one listing
//! per role, and destroy detaches before deleting.

use super::{run, Moto};
use crate::support::scratch;

fn stack(bucket_number: usize) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_iam_role" "app" {{
  name = "plat-test-app"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_policy" "logs" {{
  name = "plat-test-logs"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::logs-{bucket_number}/*" }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "logs" {{
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.logs.arn
}}
"#
    )
}

#[test]
fn iam_policy_versions_and_attachments_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-iam-policy");
    std::fs::create_dir_all(root.join("policies")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("policies/main.hcl"), text).expect("write");

    write(stack(0));
    let (code, out, err) = run(&endpoint, &root, &["apply", "policies", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "policies", "--detailed-exitcode", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("aws iam ListAttachedRolePolicies: 1\n"),
        "{err}"
    );

    // Seven documents in a row: IAM keeps five versions, so old ones must be pruned.
    for n in 1..=6 {
        write(stack(n));
        let (code, out, err) = run(&endpoint, &root, &["apply", "policies", "--auto-approve"]);
        assert_eq!(code, 0, "document {n}: {out}{err}");
        assert!(
            out.contains("aws_iam_policy.logs: Modifications complete"),
            "{out}"
        );
    }
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "policies", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = run(&endpoint, &root, &["destroy", "policies", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(&endpoint, &root, &["state", "list", "policies"]);
    assert_eq!(code, 0);
    assert!(out.trim().is_empty(), "{out}");
}

#[test]
fn a_policy_document_with_a_statement_not_known_yet_is_read_at_apply() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-iam-deferred-document");
    std::fs::create_dir_all(root.join("doc")).expect("mkdir");
    // The unknown ARN reaches the statement through a local, not a direct reference.
    std::fs::write(
        root.join("doc/main.hcl"),
        r#"provider "aws" {}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

locals {
  bucket_arn = "arn:aws:s3:::logs-${random_string.suffix.result}"
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/*"]
  }
}

output "policy" {
  value = data.aws_iam_policy_document.read.json
}
"#,
    )
    .expect("write");
    let (code, out, err) = run(&endpoint, &root, &["plan", "doc"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("data.aws_iam_policy_document.read will be read during apply"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "doc", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("arn:aws:s3:::logs-"), "{out}");
}
