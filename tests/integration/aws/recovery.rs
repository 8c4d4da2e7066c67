//! `kill -9` while AWS is creating: the next command finds the journal's unfinished create,
//! finds the object by its ownership tags, adopts it, and nothing is created twice. A second
//! provider configuration (`alias`, another region) is used per resource.

use std::time::{Duration, Instant};

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, ec2, plat_at, run, Moto};
use crate::support::scratch;

const STACK: &str = r#"provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

resource "aws_vpc" "east" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.1.0.0/16"
}
"#;

fn vpcs_in(moto: &Moto, region: &str) -> Vec<String> {
    block_on(async {
        let client = aws_sdk_ec2::Client::from_conf(
            ec2(&moto.endpoint())
                .config()
                .to_builder()
                .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
                .build(),
        );
        client
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:plat:stack")
                    .values("crashy")
                    .build(),
            )
            .send()
            .await
            .expect("describe_vpcs")
            .vpcs()
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_owned))
            .collect()
    })
}

#[test]
fn kill_9_during_a_create_then_the_next_run_adopts_it() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let root = scratch("aws-recovery");
    std::fs::create_dir_all(root.join("crashy")).expect("mkdir");
    std::fs::write(root.join("crashy/main.hcl"), STACK).expect("write");

    // Moto creates the VPCs at once, but the answers take a minute: plat is killed meanwhile.
    proxy.inject("CreateVpc", Fault::DelayAfter(Duration::from_secs(60)), 2);
    let mut child = plat_at(&proxy.endpoint())
        .current_dir(&root)
        .args(["apply", "crashy", "--auto-approve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start plat");
    let started = Instant::now();
    while proxy.count("CreateVpc").1 < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "plat never sent both creates"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Moto's first EC2 call takes a moment: wait until both VPCs exist.
    while vpcs_in(&moto, "us-east-1").is_empty() || vpcs_in(&moto, "us-west-2").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto never made the VPCs"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert_eq!(vpcs_in(&moto, "us-east-1").len(), 1);
    assert_eq!(vpcs_in(&moto, "us-west-2").len(), 1);

    // The next plan recovers: both VPCs are adopted from their ownership tags, each in its
    // provider configuration's region, and there is nothing left to do.
    proxy.clear();
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["plan", "crashy", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("2 unfinished operation(s) whose object exists adopted"),
        "{err}"
    );
    assert_eq!(proxy.count("CreateVpc").0, 2, "nothing created again");

    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["destroy", "crashy", "--auto-approve"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(vpcs_in(&moto, "us-east-1").is_empty());
    assert!(vpcs_in(&moto, "us-west-2").is_empty());
}

const PREFIXED: &str = r#"provider "aws" {}

resource "aws_iam_role" "runner" {
  name_prefix = "ci-runner-"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
"#;

fn roles_named(moto: &Moto, prefix: &str) -> Vec<String> {
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
            .map(|r| r.role_name().to_owned())
            .filter(|name| name.starts_with(prefix))
            .collect()
    })
}

/// A role named from a `name_prefix` has no name until plat makes one up: it is made up before
/// the create and recorded in the journal, so the role is found by it after a crash.
#[test]
fn kill_9_during_a_name_prefix_create_then_the_next_run_adopts_it() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let root = scratch("aws-recovery-prefix");
    std::fs::create_dir_all(root.join("crashy")).expect("mkdir");
    std::fs::write(root.join("crashy/main.hcl"), PREFIXED).expect("write");

    proxy.inject("CreateRole", Fault::DelayAfter(Duration::from_secs(60)), 1);
    let mut child = plat_at(&proxy.endpoint())
        .current_dir(&root)
        .args(["apply", "crashy", "--auto-approve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start plat");
    let started = Instant::now();
    while roles_named(&moto, "ci-runner-").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto never made the role"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();

    proxy.clear();
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["plan", "crashy", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("1 unfinished operation(s) whose object exists adopted"),
        "{err}"
    );
    assert_eq!(proxy.count("CreateRole").0, 1, "nothing created again");
    assert_eq!(roles_named(&moto, "ci-runner-").len(), 1);

    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["destroy", "crashy", "--auto-approve"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(roles_named(&moto, "ci-runner-").is_empty());
}
