//! RDS against moto: DB instances wait through faked `creating` / `modifying` / `deleting`
//! states with heartbeats, time out into tainted state, update in place, refuse at plan time to
//! be destroyed without a final-snapshot decision, and are imported by identifier; subnet and
//! parameter groups change in place.
//!
//! moto 5.2.5 makes every instance `available` at once and deletes at once, so the fault proxy
//! fakes the states in between. It also lacks ResetDBParameterGroup (HTML 500) and its
//! ModifyDBSubnetGroup deletes the group (see `shared/peers/aws-moto.md`): those two calls get
//! recorded AWS answers from the proxy, and the tests check what plat sent.

use std::path::Path;

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, ec2, plat_at, run, Moto};
use crate::support::scratch;

const PASSWORD: &str = "Sup3r-Secret-Db-Pa55word";
const NEW_PASSWORD: &str = "An0ther-Secret-Db-Pa55word";

fn rds(endpoint: &str) -> aws_sdk_rds::Client {
    let config = aws_sdk_rds::Config::builder()
        .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
        .region(aws_sdk_rds::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_rds::Client::from_conf(config)
}

/// `(identifier, class, backup retention, status)` of every instance in moto.
fn instances(endpoint: &str) -> Vec<(String, String, i32, String)> {
    block_on(async {
        rds(endpoint)
            .describe_db_instances()
            .send()
            .await
            .expect("describe_db_instances")
            .db_instances()
            .iter()
            .map(|d| {
                (
                    d.db_instance_identifier().unwrap_or_default().to_owned(),
                    d.db_instance_class().unwrap_or_default().to_owned(),
                    d.backup_retention_period().unwrap_or_default(),
                    d.db_instance_status().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    })
}

fn tags_of(endpoint: &str, arn: &str) -> Vec<(String, String)> {
    block_on(async {
        rds(endpoint)
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .expect("list_tags_for_resource")
            .tag_list()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    })
}

fn subnet_groups(endpoint: &str) -> usize {
    block_on(async {
        rds(endpoint)
            .describe_db_subnet_groups()
            .send()
            .await
            .expect("describe_db_subnet_groups")
            .db_subnet_groups()
            .len()
    })
}

fn parameter_groups(endpoint: &str) -> usize {
    block_on(async {
        rds(endpoint)
            .describe_db_parameter_groups()
            .send()
            .await
            .expect("describe_db_parameter_groups")
            .db_parameter_groups()
            .iter()
            .filter(|g| {
                g.db_parameter_group_name()
                    .is_some_and(|n| n.starts_with("plat-test"))
            })
            .count()
    })
}

const NETWORK: &str = r#"provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_subnet" "c" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.3.0/24"
  availability_zone = "us-east-1c"
}
"#;

/// The settings of the instance a step configures.
struct Db<'a> {
    class: &'a str,
    retention: u32,
    version: &'a str,
    team: &'a str,
    skip_final_snapshot: bool,
    extra: &'a str,
}

impl Default for Db<'_> {
    fn default() -> Self {
        Db {
            class: "db.t3.micro",
            retention: 1,
            version: "15.4",
            team: "data",
            skip_final_snapshot: false,
            extra: "",
        }
    }
}

fn stack(db: Option<&Db>) -> String {
    let mut text = format!(
        r#"{NETWORK}
resource "aws_db_subnet_group" "main" {{
  name       = "plat-test-db"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}}
"#
    );
    if let Some(db) = db {
        text.push_str(&format!(
            r#"
resource "aws_db_instance" "main" {{
  identifier              = "plat-test-db"
  engine                  = "postgres"
  engine_version          = "{version}"
  instance_class          = "{class}"
  allocated_storage       = 20
  db_name                 = "app"
  username                = "app"
  password                = "{PASSWORD}"
  db_subnet_group_name    = aws_db_subnet_group.main.name
  backup_retention_period = {retention}
  apply_immediately       = true
  skip_final_snapshot     = {skip}
  {extra}

  tags = {{
    team = "{team}"
  }}
}}

output "endpoint" {{
  value = aws_db_instance.main.endpoint
}}
"#,
            version = db.version,
            class = db.class,
            retention = db.retention,
            skip = db.skip_final_snapshot,
            extra = db.extra,
            team = db.team,
        ));
    }
    text
}

const AVAILABLE: &str = "<DBInstanceStatus>available</DBInstanceStatus>";

fn status(to: &str) -> Fault {
    Fault::Rewrite {
        from: AVAILABLE.into(),
        to: format!("<DBInstanceStatus>{to}</DBInstanceStatus>"),
    }
}

/// plat with heartbeats every 300 ms: (exit code, stdout, stderr).
fn run_beating(endpoint: &str, root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = plat_at(endpoint)
        .current_dir(root)
        .env("PLAT_HEARTBEAT", "300ms")
        .args(args)
        .output()
        .expect("run plat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every output plat printed in a test, to check that no secret is among it.
#[derive(Default)]
struct Printed(Vec<String>);

impl Printed {
    fn keep(&mut self, result: (i32, String, String)) -> (i32, String, String) {
        self.0.push(result.1.clone());
        self.0.push(result.2.clone());
        result
    }

    fn assert_never(&self, secret: &str) {
        for text in &self.0 {
            assert!(!text.contains(secret), "a secret was printed: {text}");
        }
    }
}

#[test]
fn rds_instance_waits_updates_and_refuses_to_destroy_without_a_snapshot_decision() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-rds");
    std::fs::create_dir_all(root.join("rds")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("rds/main.hcl"), text).expect("write");
    let mut printed = Printed::default();

    // Create: the answer to CreateDBInstance is lost after RDS acted, so the retry finds the
    // instance by identifier and ownership tags instead of creating it again; then `creating`
    // for three polls, then available; heartbeats while it waits.
    proxy.inject("CreateDBInstance", Fault::ResetAfter, 1);
    proxy.inject("DescribeDBInstances", status("creating"), 3);
    write(stack(Some(&Db::default())));
    let (code, out, err) = printed.keep(run_beating(
        &endpoint,
        &root,
        &["apply", "rds", "--auto-approve"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(proxy.count("DescribeDBInstances").0 >= 4, "it polled");
    assert!(
        out.contains("aws_db_instance.main: Still creating... ["),
        "a heartbeat while it waits: {out}"
    );
    assert!(
        out.contains("aws_db_instance.main: Creation complete"),
        "{out}"
    );
    assert!(
        out.contains("endpoint = \"plat-test-db.aaaaaaaaaa.us-east-1.rds.amazonaws.com:5432\""),
        "{out}"
    );
    assert_eq!(
        instances(&moto.endpoint()),
        vec![(
            "plat-test-db".into(),
            "db.t3.micro".into(),
            1,
            "available".into()
        )]
    );
    // The create went out once (the lost answer was not followed by a second create), with
    // the ownership tags.
    assert_eq!(proxy.count("CreateDBInstance"), (1, 1));
    let arn = "arn:aws:rds:us-east-1:123456789012:db:plat-test-db";
    let tags = tags_of(&moto.endpoint(), arn);
    assert!(
        tags.contains(&("plat:address".into(), "aws_db_instance.main".into()))
            && tags.contains(&("team".into(), "data".into())),
        "{tags:?}"
    );
    // The password is in state (AWS never returns it) and was never printed.
    let state = std::fs::read_to_string(root.join("state/rds/default.json")).expect("state");
    assert!(state.contains(PASSWORD), "the password is kept in state");

    let (code, out, err) = printed.keep(run(
        &endpoint,
        &root,
        &["plan", "rds", "--detailed-exitcode"],
    ));
    assert_eq!(code, 0, "no changes: {out}{err}");

    // In place: class, backup retention and a tag, waiting through `modifying`.
    write(stack(Some(&Db {
        class: "db.t3.small",
        retention: 7,
        team: "platform",
        ..Db::default()
    })));
    let (code, out, _) = printed.keep(run(&endpoint, &root, &["plan", "rds"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_db_instance.main will be updated in-place"),
        "{out}"
    );
    proxy.inject("DescribeDBInstances", status("modifying"), 3);
    let polls = proxy.count("DescribeDBInstances").0;
    let (code, out, err) = printed.keep(run_beating(
        &endpoint,
        &root,
        &["apply", "rds", "--auto-approve"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        proxy.count("DescribeDBInstances").0 >= polls + 4,
        "it polled through modifying"
    );
    assert!(
        out.contains("aws_db_instance.main: Still modifying... ["),
        "{out}"
    );
    assert!(
        out.contains("aws_db_instance.main: Modifications complete"),
        "{out}"
    );
    let modify = proxy.bodies("ModifyDBInstance");
    assert_eq!(modify.len(), 1, "{modify:?}");
    for part in [
        "DBInstanceClass=db.t3.small",
        "BackupRetentionPeriod=7",
        "ApplyImmediately=true",
    ] {
        assert!(modify[0].contains(part), "{part} in {}", modify[0]);
    }
    assert!(
        !modify[0].contains("MasterUserPassword"),
        "an unchanged password is not sent: {}",
        modify[0]
    );
    assert_eq!(instances(&moto.endpoint())[0].1.as_str(), "db.t3.small");
    assert!(tags_of(&moto.endpoint(), arn).contains(&("team".into(), "platform".into())));
    let (code, out, err) = printed.keep(run(
        &endpoint,
        &root,
        &["plan", "rds", "--detailed-exitcode"],
    ));
    assert_eq!(code, 0, "no changes after the update: {out}{err}");
    let updated = Db {
        class: "db.t3.small",
        retention: 7,
        team: "platform",
        ..Db::default()
    };

    // A major version change without allow_major_version_upgrade is a plan error naming both.
    write(stack(Some(&Db {
        version: "16.1",
        ..updated
    })));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["plan", "rds"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("aws_db_instance.main") && err.contains("from 15.4 to 16.1"),
        "{err}"
    );
    assert!(err.contains("allow_major_version_upgrade = true"), "{err}");

    // Another engine replaces the instance; the plan warns that the new one starts empty and
    // where the old data goes (planned only, after a final snapshot is named).
    let named = Db {
        extra: "final_snapshot_identifier = \"plat-test-final\"",
        ..updated
    };
    write(stack(Some(&named)));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["apply", "rds", "--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    write(stack(Some(&named)).replace("\"postgres\"", "\"mysql\""));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["plan", "rds"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("aws_db_instance.main must be replaced"),
        "{out}"
    );
    assert!(out.contains("forces replacement"), "{out}");
    assert!(
        err.contains("warning")
            && err.contains("aws_db_instance.main will be replaced, and the new one starts empty"),
        "{err}"
    );
    assert!(err.contains("final snapshot plat-test-final"), "{err}");
    write(stack(Some(&updated)));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["apply", "rds", "--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");

    // Destroying with skip_final_snapshot = false and no final_snapshot_identifier fails at
    // plan time, naming the instance and the fix: by plat destroy and by removing it.
    write(stack(Some(&Db {
        class: "db.t3.small",
        retention: 7,
        team: "platform",
        ..Db::default()
    })));
    let (code, out, err) =
        printed.keep(run(&endpoint, &root, &["destroy", "rds", "--auto-approve"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("aws_db_instance.main cannot be destroyed"),
        "{err}"
    );
    assert!(
        err.contains("skip_final_snapshot = true") && err.contains("final_snapshot_identifier"),
        "{err}"
    );
    write(stack(None));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["plan", "rds"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("aws_db_instance.main cannot be destroyed"),
        "{err}"
    );
    assert_eq!(proxy.count("DeleteDBInstance").0, 0);
    assert_eq!(instances(&moto.endpoint()).len(), 1);

    // skip_final_snapshot = true lives in state only: applying it calls nothing at AWS.
    write(stack(Some(&Db {
        class: "db.t3.small",
        retention: 7,
        team: "platform",
        skip_final_snapshot: true,
        ..Db::default()
    })));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["apply", "rds", "--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(proxy.bodies("ModifyDBInstance").len(), 1, "no new modify");

    // Now destroy works, waiting through `deleting` (moto deletes at once: recorded answers
    // stand in for the polls; the first is the plan's refresh), and the subnet group goes after
    // the instance.
    let deleting = format!(
        "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>plat-test-db</DBInstanceIdentifier><DBInstanceStatus>deleting</DBInstanceStatus><Engine>postgres</Engine><DBInstanceArn>{arn}</DBInstanceArn></DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></DescribeDBInstancesResponse>"
    );
    proxy.clear();
    proxy.inject(
        "DescribeDBInstances",
        Fault::Respond {
            status: 200,
            body: deleting,
        },
        4,
    );
    let (code, out, err) = printed.keep(run_beating(
        &endpoint,
        &root,
        &["destroy", "rds", "--auto-approve"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("aws_db_instance.main: Still destroying... ["),
        "{out}"
    );
    assert!(
        out.contains("aws_db_instance.main: Destruction complete"),
        "{out}"
    );
    let delete = proxy.bodies("DeleteDBInstance");
    assert_eq!(delete.len(), 1, "{delete:?}");
    assert!(
        delete[0].contains("SkipFinalSnapshot=true"),
        "{}",
        delete[0]
    );
    assert!(instances(&moto.endpoint()).is_empty());
    assert_eq!(subnet_groups(&moto.endpoint()), 0);

    printed.assert_never(PASSWORD);
}

#[test]
fn rds_instance_create_timeout_is_tainted_then_import_by_identifier() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-rds-timeout");
    std::fs::create_dir_all(root.join("db")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("db/main.hcl"), text).expect("write");
    let mut printed = Printed::default();
    let with = |password: &str, timeout: &str| {
        stack(Some(&Db {
            skip_final_snapshot: true,
            extra: &format!("timeouts {{\n    create = \"{timeout}\"\n  }}"),
            ..Db::default()
        }))
        .replace(PASSWORD, password)
    };

    // `creating` for ever: the create times out after 2 s, naming the instance and its last
    // status, and state keeps it as tainted (nothing orphaned).
    proxy.inject("DescribeDBInstances", status("creating"), 100_000);
    write(with(PASSWORD, "2s"));
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["apply", "db", "--auto-approve"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("aws_db_instance.main: create failed: timed out"),
        "{err}"
    );
    assert!(err.contains("last status creating"), "{err}");
    assert!(err.contains("is saved as tainted"), "{err}");
    let state = std::fs::read_to_string(root.join("state/db/default.json")).expect("state");
    assert!(state.contains("plat-test-db"), "the instance is in state");
    proxy.clear();
    let (code, out, _) = printed.keep(run(&endpoint, &root, &["plan", "db"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_db_instance.main is tainted, so it must be replaced"),
        "{out}"
    );

    // Forget it and import it by identifier: the password is not readable from AWS, so the
    // configured one is set in place (as Terraform does after an import).
    let (code, out, err) = printed.keep(run(
        &endpoint,
        &root,
        &["state", "rm", "db", "--address", "aws_db_instance.main"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    write(with(NEW_PASSWORD, "40m"));
    let (code, out, err) = printed.keep(run(
        &endpoint,
        &root,
        &["import", "aws_db_instance.main", "plat-test-db", "db"],
    ));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["plan", "db"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("# aws_db_instance.main will be updated in-place"),
        "{out}"
    );
    assert!(!out.contains("must be replaced"), "{out}");
    let (code, out, err) = printed.keep(run(&endpoint, &root, &["apply", "db", "--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    let modify = proxy.bodies("ModifyDBInstance");
    assert_eq!(modify.len(), 1, "{modify:?}");
    assert!(
        modify[0].contains(&format!("MasterUserPassword={NEW_PASSWORD}")),
        "the configured password is set"
    );
    let (code, out, err) = printed.keep(run(
        &endpoint,
        &root,
        &["plan", "db", "--detailed-exitcode"],
    ));
    assert_eq!(code, 0, "no changes: {out}{err}");

    let (code, out, err) =
        printed.keep(run(&endpoint, &root, &["destroy", "db", "--auto-approve"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(instances(&moto.endpoint()).is_empty());

    printed.assert_never(PASSWORD);
    printed.assert_never(NEW_PASSWORD);
}

fn groups_stack(
    subnets: &str,
    description: &str,
    parameters: &[(&str, &str)],
    team: &str,
) -> String {
    let blocks: String = parameters
        .iter()
        .map(|(name, value)| {
            format!("\n  parameter {{\n    name  = \"{name}\"\n    value = \"{value}\"\n  }}\n")
        })
        .collect();
    format!(
        r#"{NETWORK}
resource "aws_db_subnet_group" "main" {{
  name        = "plat-test-groups"
  description = "{description}"
  subnet_ids  = [{subnets}]

  tags = {{
    team = "{team}"
  }}
}}

resource "aws_db_parameter_group" "main" {{
  name   = "plat-test-pg"
  family = "postgres15"
{blocks}
  tags = {{
    team = "{team}"
  }}
}}

output "vpc_of_group" {{
  value = aws_db_subnet_group.main.vpc_id == aws_vpc.main.id
}}
"#
    )
}

#[test]
fn rds_subnet_and_parameter_groups_change_in_place() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-rds-groups");
    std::fs::create_dir_all(root.join("groups")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("groups/main.hcl"), text).expect("write");
    let two = "aws_subnet.a.id, aws_subnet.b.id";
    let three = "aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id";
    let no_changes = |what: &str| {
        let (code, out, err) = run(&endpoint, &root, &["plan", "groups", "--detailed-exitcode"]);
        assert_eq!(code, 0, "no changes {what}: {out}{err}");
    };

    // Lost answers to both creates: each is found by name and ownership tags, not made again.
    proxy.inject("CreateDBSubnetGroup", Fault::ResetAfter, 1);
    proxy.inject("CreateDBParameterGroup", Fault::ResetAfter, 1);
    write(groups_stack(
        two,
        "first",
        &[("log_min_duration_statement", "100")],
        "data",
    ));
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(proxy.count("CreateDBSubnetGroup"), (1, 1));
    assert_eq!(proxy.count("CreateDBParameterGroup"), (1, 1));
    assert!(out.contains("vpc_of_group = true"), "{out}");
    assert_eq!(subnet_groups(&moto.endpoint()), 1);
    assert_eq!(parameter_groups(&moto.endpoint()), 1);
    let modify = proxy.bodies("ModifyDBParameterGroup");
    assert_eq!(modify.len(), 1, "the parameters are set after the create");
    assert!(
        modify[0].contains("ParameterName=log_min_duration_statement")
            && modify[0].contains("ParameterValue=100")
            && modify[0].contains("ApplyMethod=immediate"),
        "{}",
        modify[0]
    );
    no_changes("after create");

    // A parameter changed and one added: in place.
    write(groups_stack(
        two,
        "first",
        &[("log_min_duration_statement", "250"), ("work_mem", "8192")],
        "data",
    ));
    let (code, out, _) = run(&endpoint, &root, &["plan", "groups"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_db_parameter_group.main will be updated in-place"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let modify = proxy.bodies("ModifyDBParameterGroup");
    assert_eq!(modify.len(), 2, "{modify:?}");
    assert!(
        modify[1].contains("ParameterValue=250") && modify[1].contains("ParameterName=work_mem"),
        "{}",
        modify[1]
    );
    no_changes("after a parameter change");

    // A parameter removed goes back to its default through ResetDBParameterGroup, which moto
    // lacks (HTML 500): a recorded AWS answer stands in, and the request is checked. moto still
    // lists the parameter, without AWS's source "user", so it is not read as drift.
    proxy.inject(
        "ResetDBParameterGroup",
        Fault::Respond {
            status: 200,
            body: "<ResetDBParameterGroupResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><ResetDBParameterGroupResult><DBParameterGroupName>plat-test-pg</DBParameterGroupName></ResetDBParameterGroupResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></ResetDBParameterGroupResponse>".into(),
        },
        1,
    );
    write(groups_stack(
        two,
        "first",
        &[("log_min_duration_statement", "250")],
        "data",
    ));
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let reset = proxy.bodies("ResetDBParameterGroup");
    assert_eq!(reset.len(), 1, "{reset:?}");
    assert!(
        reset[0].contains("DBParameterGroupName=plat-test-pg")
            && reset[0].contains("ParameterName=work_mem")
            && !reset[0].contains("log_min_duration_statement"),
        "{}",
        reset[0]
    );
    assert_eq!(proxy.bodies("ModifyDBParameterGroup").len(), 2);
    no_changes("after a reset");

    // Tags of both groups change in place, through the ARN.
    write(groups_stack(
        two,
        "first",
        &[("log_min_duration_statement", "250")],
        "platform",
    ));
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    for arn in [
        "arn:aws:rds:us-east-1:123456789012:subgrp:plat-test-groups",
        "arn:aws:rds:us-east-1:123456789012:pg:plat-test-pg",
    ] {
        let tags = tags_of(&moto.endpoint(), arn);
        assert!(
            tags.contains(&("team".into(), "platform".into()))
                && tags.contains(&("plat:stack".into(), "groups".into())),
            "{arn}: {tags:?}"
        );
    }
    assert!(proxy.bodies("ModifyDBSubnetGroup").is_empty());
    no_changes("after a tag change");

    // Subnets and description change in place through ModifyDBSubnetGroup. moto 5.2.5's
    // ModifyDBSubnetGroup deletes the group, so a recorded AWS answer (the group with the three
    // subnets) stands in and the request is checked; moto keeps the two subnets, so going back
    // to them is no change.
    let subnet_ids: Vec<String> = block_on(async {
        ec2(&moto.endpoint())
            .describe_subnets()
            .send()
            .await
            .expect("describe_subnets")
            .subnets()
            .iter()
            .filter(|s| s.cidr_block().is_some_and(|c| c.starts_with("10.0.")))
            .filter_map(|s| s.subnet_id().map(str::to_owned))
            .collect()
    });
    assert_eq!(subnet_ids.len(), 3, "{subnet_ids:?}");
    let members: String = subnet_ids
        .iter()
        .map(|id| format!("<Subnet><SubnetIdentifier>{id}</SubnetIdentifier><SubnetStatus>Active</SubnetStatus></Subnet>"))
        .collect();
    proxy.inject(
        "ModifyDBSubnetGroup",
        Fault::Respond {
            status: 200,
            body: format!("<ModifyDBSubnetGroupResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><ModifyDBSubnetGroupResult><DBSubnetGroup><DBSubnetGroupName>plat-test-groups</DBSubnetGroupName><DBSubnetGroupDescription>second</DBSubnetGroupDescription><SubnetGroupStatus>Complete</SubnetGroupStatus><Subnets>{members}</Subnets><DBSubnetGroupArn>arn:aws:rds:us-east-1:123456789012:subgrp:plat-test-groups</DBSubnetGroupArn></DBSubnetGroup></ModifyDBSubnetGroupResult><ResponseMetadata><RequestId>recorded</RequestId></ResponseMetadata></ModifyDBSubnetGroupResponse>"),
        },
        1,
    );
    write(groups_stack(
        three,
        "second",
        &[("log_min_duration_statement", "250")],
        "platform",
    ));
    let (code, out, _) = run(&endpoint, &root, &["plan", "groups"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_db_subnet_group.main will be updated in-place"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let modify = proxy.bodies("ModifyDBSubnetGroup");
    assert_eq!(modify.len(), 1, "{modify:?}");
    assert!(
        modify[0].contains("DBSubnetGroupDescription=second"),
        "{}",
        modify[0]
    );
    for id in &subnet_ids {
        assert!(modify[0].contains(id.as_str()), "{id} in {}", modify[0]);
    }
    write(groups_stack(
        two,
        "first",
        &[("log_min_duration_statement", "250")],
        "platform",
    ));
    no_changes("back to what moto holds");

    let (code, out, err) = run(&endpoint, &root, &["destroy", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(subnet_groups(&moto.endpoint()), 0);
    assert_eq!(parameter_groups(&moto.endpoint()), 0);
}
