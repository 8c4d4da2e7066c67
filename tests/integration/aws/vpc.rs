//! `aws_vpc` and the region data sources: create, no-op plan, in-place update, replacement,
//! import, destroy; ownership tags never show; refresh is one DescribeVpcs for all VPCs.

use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

fn stack(vpcs: &[(&str, &str, &str)]) -> String {
    let mut text = String::from(
        r#"provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { team = "ml" }
  }
}

data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
data "aws_partition" "this" {}
data "aws_availability_zones" "zones" {
  state = "available"
}

output "account" {
  value = data.aws_caller_identity.me.account_id
}

output "first_zone" {
  value = data.aws_availability_zones.zones.names[0]
}

output "partition" {
  value = data.aws_partition.this.partition
}
"#,
    );
    for (name, cidr, tag) in vpcs {
        text.push_str(&format!(
            r#"
resource "aws_vpc" "{name}" {{
  cidr_block           = "{cidr}"
  enable_dns_hostnames = true
  tags = {{
    Name = "{tag}"
  }}
}}
"#
        ));
    }
    text
}

fn vpcs_tagged(endpoint: &str, key: &str, value: &str) -> Vec<aws_sdk_ec2::types::Vpc> {
    block_on(async {
        ec2(endpoint)
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name(format!("tag:{key}"))
                    .values(value)
                    .build(),
            )
            .send()
            .await
            .expect("describe_vpcs")
            .vpcs()
            .to_vec()
    })
}

#[test]
fn vpc_lifecycle_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-vpc");
    let dir = root.join("net");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let write = |text: String| std::fs::write(dir.join("main.hcl"), text).expect("write");

    write(stack(&[
        ("main", "10.0.0.0/16", "one"),
        ("other", "10.1.0.0/16", "two"),
    ]));
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("aws_vpc.main: Creation complete"), "{out}");
    assert!(out.contains("account = \"123456789012\""), "{out}");
    assert!(out.contains("first_zone = \"us-east-1a\""), "{out}");
    assert!(out.contains("partition = \"aws\""), "{out}");

    // Every tag is on the object, ownership tags included...
    let created = vpcs_tagged(&endpoint, "plat:address", "aws_vpc.main");
    assert_eq!(created.len(), 1, "one VPC carries the address tag");
    let tags: std::collections::BTreeMap<_, _> = created[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert_eq!(tags.get("Name"), Some(&"one"));
    assert_eq!(tags.get("team"), Some(&"ml"), "default tags are merged");
    assert_eq!(tags.get("plat:stack"), Some(&"net"));
    assert_eq!(tags.get("plat:env"), Some(&"default"));

    // ...but ownership tags never show, and a second plan has nothing to do. Refresh reads both
    // VPCs with one DescribeVpcs call.
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "net", "--detailed-exitcode", "--stats"],
    );
    assert_eq!(code, 0, "no changes expected:\n{out}{err}");
    assert!(err.contains("aws ec2 DescribeVpcs: 1\n"), "{err}");
    let (code, out, _) = run(
        &endpoint,
        &root,
        &["state", "show", "net", "--address", "aws_vpc.main"],
    );
    assert_eq!(code, 0);
    assert!(
        !out.contains("plat:"),
        "ownership tags stay out of state: {out}"
    );
    assert!(
        out.contains("\"team\" = \"ml\"") || out.contains("team = \"ml\""),
        "{out}"
    );

    // Tags update in place.
    write(stack(&[
        ("main", "10.0.0.0/16", "renamed"),
        ("other", "10.1.0.0/16", "two"),
    ]));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_vpc.main will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let renamed = vpcs_tagged(&endpoint, "Name", "renamed");
    assert_eq!(renamed.len(), 1);
    assert_eq!(
        renamed[0].vpc_id(),
        created[0].vpc_id(),
        "updated, not replaced"
    );

    // New default tags change tags_all of every resource, though no resource block changed:
    // an in-place update that says why, applied to the objects, then nothing to do.
    let renamed_stack = stack(&[
        ("main", "10.0.0.0/16", "renamed"),
        ("other", "10.1.0.0/16", "two"),
    ]);
    write(renamed_stack.replace(
        "tags = { team = \"ml\" }",
        "tags = { team = \"platform\", cost = \"c1\" }",
    ));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_vpc.main will be updated in-place\n  # (the provider's configuration changes tags_all)"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let retagged = vpcs_tagged(&endpoint, "team", "platform");
    assert_eq!(retagged.len(), 2, "both VPCs carry the new default tag");
    assert_eq!(vpcs_tagged(&endpoint, "cost", "c1").len(), 2);
    assert_eq!(
        vpcs_tagged(&endpoint, "plat:address", "aws_vpc.main").len(),
        1,
        "ownership tags stay"
    );
    let (code, out, _) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    // And back: the default tag that went away is removed from the objects.
    write(renamed_stack);
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(vpcs_tagged(&endpoint, "cost", "c1").is_empty());
    assert_eq!(vpcs_tagged(&endpoint, "team", "ml").len(), 2);

    // A new CIDR replaces the VPC.
    write(stack(&[
        ("main", "10.2.0.0/16", "renamed"),
        ("other", "10.1.0.0/16", "two"),
    ]));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("# aws_vpc.main must be replaced"), "{out}");
    assert!(out.contains("forces replacement"), "{out}");
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");

    // Import: forget the VPC, import it by id, and the plan is empty again.
    let id = vpcs_tagged(&endpoint, "plat:address", "aws_vpc.other")[0]
        .vpc_id()
        .expect("id")
        .to_owned();
    let (code, _, err) = run(
        &endpoint,
        &root,
        &["state", "rm", "net", "--address", "aws_vpc.other"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&endpoint, &root, &["import", "aws_vpc.other", &id, "net"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(code, 0, "an imported VPC matches its configuration: {out}");

    // Destroy removes both; nothing plat made is left.
    let (code, out, err) = run(&endpoint, &root, &["destroy", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(vpcs_tagged(&endpoint, "plat:stack", "net").is_empty());
    assert!(vpcs_tagged(&endpoint, "Name", "two").is_empty());
}

#[test]
fn unreachable_endpoint_and_bad_region_are_explained() {
    let root = scratch("aws-unreachable");
    let dir = root.join("net");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("main.hcl"),
        stack(&[("main", "10.0.0.0/16", "one")]),
    )
    .expect("write");
    // Nothing listens on this port; one retry is enough to show the message.
    let endpoint = format!("http://127.0.0.1:{}", super::moto::free_port());
    let text = stack(&[("main", "10.0.0.0/16", "one")]).replacen(
        "region = \"us-east-1\"",
        "region      = \"us-east-1\"\n  max_retries = 1",
        1,
    );
    std::fs::write(dir.join("main.hcl"), text).expect("write");
    let (code, out, err) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains(&format!("cannot reach {endpoint}")), "{err}");

    std::fs::write(
        dir.join("main.hcl"),
        "provider \"aws\" {\n  region = \"moon-1\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )
    .expect("write");
    let (code, out, err) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("\"moon-1\" is not an AWS region name"),
        "{err}"
    );
}
