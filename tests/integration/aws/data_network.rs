//! The network data sources against moto: `aws_vpc` selecting one of two tagged VPCs by tag,
//! by filter, by id and as the region's default VPC; `aws_subnets` by `vpc-id` (sorted ids) and
//! with no match (an empty list); data sources that wait for resources created in the same
//! apply; a second plan with nothing to do; and the errors for several VPCs or none.

use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

const STACK: &str = r#"provider "aws" {}

resource "aws_vpc" "blue" {
  cidr_block           = "10.10.0.0/16"
  enable_dns_hostnames = true
  tags = {
    Name = "blue"
    tier = "apps"
  }
}

resource "aws_vpc" "green" {
  cidr_block = "10.20.0.0/16"
  tags = {
    Name = "green"
    tier = "apps"
  }
}

resource "aws_subnet" "blue" {
  for_each   = { a = "10.10.1.0/24", b = "10.10.2.0/24", c = "10.10.3.0/24" }
  vpc_id     = aws_vpc.blue.id
  cidr_block = each.value
  tags = {
    Name = "blue-${each.key}"
  }
}

resource "aws_subnet" "green" {
  vpc_id     = aws_vpc.green.id
  cidr_block = "10.20.1.0/24"
}

data "aws_vpc" "by_tag" {
  tags = {
    Name = "blue"
  }
  depends_on = [aws_vpc.blue, aws_vpc.green]
}

data "aws_vpc" "by_filter" {
  filter {
    name   = "cidr"
    values = ["10.20.0.0/16"]
  }
  filter {
    name   = "tag:tier"
    values = ["apps"]
  }
  depends_on = [aws_vpc.blue, aws_vpc.green]
}

data "aws_vpc" "by_id" {
  id = aws_vpc.blue.id
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "blue" {
  filter {
    name   = "vpc-id"
    values = [aws_vpc.blue.id]
  }
  depends_on = [aws_subnet.blue, aws_subnet.green]
}

data "aws_subnets" "none" {
  tags = {
    Name = "no-such-subnet"
  }
  depends_on = [aws_subnet.blue]
}

output "by_tag" {
  value = data.aws_vpc.by_tag.id
}

output "by_tag_cidr" {
  value = data.aws_vpc.by_tag.cidr_block
}

output "by_filter" {
  value = data.aws_vpc.by_filter.id
}

output "by_filter_name" {
  value = data.aws_vpc.by_filter.tags.Name
}

# Arguments the data source fills in are unknown until it is read, so functions wait for them.
output "by_tag_first_subnet" {
  value = cidrsubnet(data.aws_vpc.by_tag.cidr_block, 8, 1)
}

output "by_id_dns_hostnames" {
  value = data.aws_vpc.by_id.enable_dns_hostnames
}

output "by_id_matches_resource" {
  value = (data.aws_vpc.by_id.main_route_table_id == aws_vpc.blue.main_route_table_id
    && data.aws_vpc.by_id.arn == aws_vpc.blue.arn
    && data.aws_vpc.by_id.owner_id == aws_vpc.blue.owner_id
    && !data.aws_vpc.by_id.default
    && data.aws_vpc.by_id.state == "available"
    && data.aws_vpc.by_id.instance_tenancy == "default"
  && data.aws_vpc.by_id.dhcp_options_id == aws_vpc.blue.dhcp_options_id)
}

output "default_cidr" {
  value = data.aws_vpc.default.cidr_block
}

output "blue_subnets" {
  value = join(",", data.aws_subnets.blue.ids)
}

output "no_subnets" {
  value = length(data.aws_subnets.none.ids)
}

output "subnets_region" {
  value = data.aws_subnets.blue.id
}
"#;

/// The ids of VPCs tagged `Name = name`.
fn vpc_named(endpoint: &str, name: &str) -> String {
    block_on(async {
        let out = ec2(endpoint)
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:Name")
                    .values(name)
                    .build(),
            )
            .send()
            .await
            .expect("describe_vpcs");
        assert_eq!(out.vpcs().len(), 1, "one VPC named {name}");
        out.vpcs()[0].vpc_id().expect("id").to_owned()
    })
}

fn subnets_of(endpoint: &str, vpc: &str) -> Vec<String> {
    block_on(async {
        ec2(endpoint)
            .describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("vpc-id")
                    .values(vpc)
                    .build(),
            )
            .send()
            .await
            .expect("describe_subnets")
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_owned))
            .collect()
    })
}

#[test]
fn network_data_sources_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-data-network");
    std::fs::create_dir_all(root.join("net")).expect("mkdir");
    std::fs::write(root.join("net/main.hcl"), STACK).expect("write");

    // The first plan cannot read the data sources that wait for new VPCs and subnets: they
    // are read during apply.
    let (code, out, err) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("data.aws_vpc.by_tag will be read during apply"),
        "{out}"
    );
    assert!(
        out.contains("data.aws_subnets.blue will be read during apply"),
        "{out}"
    );

    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let blue = vpc_named(&endpoint, "blue");
    let green = vpc_named(&endpoint, "green");
    let mut blue_subnets = subnets_of(&endpoint, &blue);
    blue_subnets.sort();
    assert_eq!(blue_subnets.len(), 3);
    let expected = [
        format!("by_tag = \"{blue}\""),
        "by_tag_cidr = \"10.10.0.0/16\"".to_owned(),
        "by_tag_first_subnet = \"10.10.1.0/24\"".to_owned(),
        format!("by_filter = \"{green}\""),
        "by_filter_name = \"green\"".to_owned(),
        "by_id_dns_hostnames = true".to_owned(),
        "by_id_matches_resource = true".to_owned(),
        // The region's default VPC; moto, like AWS, makes it 172.31.0.0/16.
        "default_cidr = \"172.31.0.0/16\"".to_owned(),
        format!("blue_subnets = \"{}\"", blue_subnets.join(",")),
        "no_subnets = 0".to_owned(),
        "subnets_region = \"us-east-1\"".to_owned(),
    ];
    for line in &expected {
        assert!(
            out.contains(line.as_str()),
            "{line} missing after apply:\n{out}"
        );
    }

    // Nothing changes now: the data sources are read at plan time and give the same values.
    let (code, out, err) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(code, 0, "no changes expected:\n{out}{err}");
    let (code, out, err) = run(&endpoint, &root, &["output", "net"]);
    assert_eq!(code, 0, "{out}{err}");
    for line in &expected {
        assert!(
            out.contains(line.as_str()),
            "{line} missing from the outputs:\n{out}"
        );
    }

    // Two VPCs carry tier = apps, and none is named nope: both are errors naming the data
    // source.
    std::fs::create_dir_all(root.join("lookup")).expect("mkdir");
    std::fs::write(
        root.join("lookup/main.hcl"),
        r#"provider "aws" {}

data "aws_vpc" "apps" {
  tags = {
    tier = "apps"
  }
}

data "aws_vpc" "nope" {
  tags = {
    Name = "nope"
  }
}
"#,
    )
    .expect("write");
    let (code, out, err) = run(&endpoint, &root, &["plan", "lookup"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("data.aws_vpc.apps: multiple VPCs matched; use additional constraints to reduce matches to a single VPC"),
        "{err}"
    );
    assert!(
        err.contains(&blue) && err.contains(&green),
        "the matches are named: {err}"
    );
    assert!(
        err.contains("data.aws_vpc.nope: no matching VPC found"),
        "{err}"
    );

    let (code, out, err) = run(&endpoint, &root, &["destroy", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(subnets_of(&endpoint, &blue).is_empty());
}
