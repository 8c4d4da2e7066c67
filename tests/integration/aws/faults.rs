//! With faults injected between plat and moto (throttling, 5xx, resets before and after the
//! request reaches moto, pending states), an apply completes, creates nothing twice and leaves a
//! correct state; destroy leaves nothing behind.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

const STACK: &str = r#"provider "aws" {}

data "aws_caller_identity" "me" {}

data "aws_availability_zones" "zones" {}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = data.aws_caller_identity.me.account_id
  }
}

output "zones" {
  value = length(data.aws_availability_zones.zones.names)
}
"#;

fn vpcs_of(moto: &Moto, stack: &str) -> usize {
    block_on(async {
        ec2(&moto.endpoint())
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:plat:stack")
                    .values(stack)
                    .build(),
            )
            .send()
            .await
            .expect("describe_vpcs")
            .vpcs()
            .len()
    })
}

#[test]
fn apply_under_faults_creates_nothing_twice() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let root = scratch("aws-faults");
    std::fs::create_dir_all(root.join("faulty")).expect("mkdir");
    std::fs::write(root.join("faulty/main.hcl"), STACK).expect("write");

    // The create's response is lost after moto made the VPC; reads are throttled, fail with
    // 500s, are slow and lose their connections; the new VPC shows as pending for two polls.
    proxy.inject("CreateVpc", Fault::ResetAfter, 1);
    proxy.inject("DescribeVpcs", Fault::Throttle, 2);
    proxy.inject("DescribeAvailabilityZones", Fault::ServerError, 1);
    proxy.inject(
        "DescribeAvailabilityZones",
        Fault::Delay(std::time::Duration::from_millis(300)),
        1,
    );
    proxy.inject("GetCallerIdentity", Fault::ResetBefore, 1);
    proxy.inject(
        "DescribeVpcs",
        Fault::Rewrite {
            from: "<state>available</state>".into(),
            to: "<state>pending</state>".into(),
        },
        2,
    );
    // Then, for a moment, EC2 does not know the new VPC (eventual consistency).
    proxy.inject("DescribeVpcs", Fault::Error("InvalidVpcID.NotFound"), 1);
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["apply", "faulty", "--auto-approve", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(vpcs_of(&moto, "faulty"), 1, "exactly one VPC: {out}{err}");
    assert_eq!(
        proxy.count("CreateVpc"),
        (1, 1),
        "the lost create was found by its tags, not sent again"
    );
    assert!(err.contains("aws ec2 DescribeVpcs"), "{err}");

    proxy.clear();
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["plan", "faulty", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "the state is right: {out}{err}");

    proxy.inject("DeleteVpc", Fault::Throttle, 2);
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["destroy", "faulty", "--auto-approve"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(vpcs_of(&moto, "faulty"), 0, "nothing left behind");
}
