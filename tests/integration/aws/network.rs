//! Subnets, an internet gateway, a route table and its associations in a VPC: one subnet per zone with `for_each`, refresh in one
//! call per type, in-place updates, replacement by CIDR, and a destroy that waits out
//! `DependencyViolation` and leaves nothing.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

fn stack(public: bool, second_cidr: &str) -> String {
    format!(
        r#"provider "aws" {{}}

data "aws_availability_zones" "zones" {{
  state = "available"
}}

locals {{
  cidrs = {{
    a = "10.0.1.0/24"
    b = "{second_cidr}"
  }}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "public" {{
  for_each                = local.cidrs
  vpc_id                  = aws_vpc.main.id
  cidr_block              = each.value
  availability_zone       = data.aws_availability_zones.zones.names[each.key == "a" ? 0 : 1]
  map_public_ip_on_launch = {public}
  tags = {{
    Name = "public-${{each.key}}"
  }}
}}

resource "aws_internet_gateway" "gw" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }}
}}

resource "aws_route_table_association" "public" {{
  for_each       = local.cidrs
  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}}

output "subnets" {{
  value = [for s in aws_subnet.public : s.availability_zone]
}}
"#
    )
}

fn owned(endpoint: &str) -> (usize, usize, usize) {
    block_on(async {
        let client = ec2(endpoint);
        let filter = || {
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:plat:stack")
                .values("network")
                .build()
        };
        let vpcs = client
            .describe_vpcs()
            .filters(filter())
            .send()
            .await
            .expect("vpcs");
        let subnets = client
            .describe_subnets()
            .filters(filter())
            .send()
            .await
            .expect("subnets");
        let gateways = client
            .describe_internet_gateways()
            .filters(filter())
            .send()
            .await
            .expect("gateways");
        (
            vpcs.vpcs().len(),
            subnets.subnets().len(),
            gateways.internet_gateways().len(),
        )
    })
}

#[test]
fn network_lifecycle_against_moto() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-network");
    std::fs::create_dir_all(root.join("network")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("network/main.hcl"), text).expect("write");

    write(stack(false, "10.0.2.0/24"));
    let (code, out, err) = run(&endpoint, &root, &["apply", "network", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("subnets = [\n  \"us-east-1a\",\n  \"us-east-1b\",\n]"),
        "{out}"
    );
    assert_eq!(owned(&moto.endpoint()), (1, 2, 1));

    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "network", "--detailed-exitcode", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    for call in [
        "aws ec2 DescribeSubnets: 1\n",
        "aws ec2 DescribeInternetGateways: 1\n",
        "aws ec2 DescribeVpcs: 1\n",
        // One each: the VPC's main table, the route table, the associations.
        "aws ec2 DescribeRouteTables: 3\n",
    ] {
        assert!(err.contains(call), "{call} in {err}");
    }

    // map_public_ip_on_launch updates both subnets in place; a new CIDR replaces one.
    write(stack(true, "10.0.3.0/24"));
    let (code, out, _) = run(&endpoint, &root, &["plan", "network"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_subnet.public[\"a\"] will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("# aws_subnet.public[\"b\"] must be replaced"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "network", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(
        &endpoint,
        &root,
        &["plan", "network", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(owned(&moto.endpoint()), (1, 2, 1));

    // While network interfaces drain, AWS refuses to delete the subnet and the VPC for a while.
    proxy.inject("DeleteSubnet", Fault::Error("DependencyViolation"), 2);
    proxy.inject("DeleteVpc", Fault::Error("DependencyViolation"), 1);
    let (code, out, err) = run(&endpoint, &root, &["destroy", "network", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(owned(&moto.endpoint()), (0, 0, 0), "nothing left: {out}");
    assert_eq!(proxy.count("DeleteVpc").0, 2, "the VPC delete was retried");
}
