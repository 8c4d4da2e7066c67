//! `aws_efs_file_system`, `aws_efs_mount_target` and `aws_efs_access_point` against moto: a file
//! system with a mount target in each of two subnets and an access point; the create polls
//! through a faked `creating` with heartbeats; a no-op plan; security groups and the lifecycle
//! policy changed in place; import of all three; destroy deletes the mount targets before the
//! file system (which retries `FileSystemInUse`) and leaves nothing.
//!
//! moto 5.2.5 has no UpdateFileSystem (HTML 500), so the throughput change is tested with a
//! recorded AWS response: what plat sends, and that it waits and reads back afterwards.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, plat_at, run, Moto};
use crate::support::scratch;

fn stack(security_group: &str, transition: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "net" {{
  for_each          = {{ a = "10.0.1.0/24", b = "10.0.2.0/24" }}
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "us-east-1${{each.key}}"
}}

resource "aws_security_group" "one" {{
  name   = "efs-one"
  vpc_id = aws_vpc.main.id
}}

resource "aws_security_group" "two" {{
  name   = "efs-two"
  vpc_id = aws_vpc.main.id
}}

resource "aws_efs_file_system" "data" {{
  encrypted = true

  lifecycle_policy {{
    transition_to_ia = "{transition}"
  }}

  tags = {{
    Name = "plat-data"
  }}
}}

resource "aws_efs_mount_target" "data" {{
  for_each        = aws_subnet.net
  file_system_id  = aws_efs_file_system.data.id
  subnet_id       = each.value.id
  security_groups = [aws_security_group.{security_group}.id]
}}

resource "aws_efs_access_point" "app" {{
  file_system_id = aws_efs_file_system.data.id

  posix_user {{
    uid = 1000
    gid = 1000
  }}

  root_directory {{
    path = "/app"
    creation_info {{
      owner_uid   = 1000
      owner_gid   = 1000
      permissions = "755"
    }}
  }}

  tags = {{
    app = "web"
  }}
}}

output "dns" {{
  value = aws_efs_file_system.data.dns_name
}}

output "zones" {{
  value = sort([for m in aws_efs_mount_target.data : m.availability_zone_name])
}}
"#
    )
}

pub fn efs(endpoint: &str) -> aws_sdk_efs::Client {
    let config = aws_sdk_efs::Config::builder()
        .behavior_version(aws_sdk_efs::config::BehaviorVersion::latest())
        .region(aws_sdk_efs::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_efs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_efs::Client::from_conf(config)
}

fn file_systems(endpoint: &str) -> Vec<aws_sdk_efs::types::FileSystemDescription> {
    block_on(async {
        efs(endpoint)
            .describe_file_systems()
            .send()
            .await
            .expect("describe_file_systems")
            .file_systems()
            .to_vec()
    })
}

fn mount_targets(endpoint: &str, fs: &str) -> Vec<aws_sdk_efs::types::MountTargetDescription> {
    block_on(async {
        efs(endpoint)
            .describe_mount_targets()
            .file_system_id(fs)
            .send()
            .await
            .expect("describe_mount_targets")
            .mount_targets()
            .to_vec()
    })
}

fn groups_of(endpoint: &str, mount_target: &str) -> Vec<String> {
    block_on(async {
        efs(endpoint)
            .describe_mount_target_security_groups()
            .mount_target_id(mount_target)
            .send()
            .await
            .expect("describe_mount_target_security_groups")
            .security_groups()
            .to_vec()
    })
}

fn group_id(endpoint: &str, name: &str) -> String {
    block_on(async {
        super::ec2(endpoint)
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values(name)
                    .build(),
            )
            .send()
            .await
            .expect("describe_security_groups")
            .security_groups()
            .first()
            .and_then(|g| g.group_id())
            .expect("the group")
            .to_owned()
    })
}

fn transition(endpoint: &str, fs: &str) -> Option<String> {
    block_on(async {
        efs(endpoint)
            .describe_lifecycle_configuration()
            .file_system_id(fs)
            .send()
            .await
            .expect("describe_lifecycle_configuration")
            .lifecycle_policies()
            .first()
            .and_then(|p| p.transition_to_ia())
            .map(|r| r.as_str().to_owned())
    })
}

const AVAILABLE: &str = r#""LifeCycleState": "available""#;

#[test]
fn efs_file_system_mount_targets_and_access_point_against_moto() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let direct = moto.endpoint();
    let root = scratch("aws-efs");
    std::fs::create_dir_all(root.join("efs")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("efs/main.hcl"), text).expect("write");
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };

    // The file system is `creating` for three polls, the mount targets for two.
    proxy.inject(
        "GET /2015-02-01/file-systems",
        Fault::Rewrite {
            from: AVAILABLE.into(),
            to: r#""LifeCycleState": "creating""#.into(),
        },
        3,
    );
    proxy.inject(
        "GET /2015-02-01/mount-targets",
        Fault::Rewrite {
            from: AVAILABLE.into(),
            to: r#""LifeCycleState": "creating""#.into(),
        },
        2,
    );
    write(stack("one", "AFTER_30_DAYS"));
    let applied = plat_at(&endpoint)
        .current_dir(&root)
        .env("PLAT_HEARTBEAT", "300ms")
        .args(["apply", "efs", "--auto-approve"])
        .output()
        .expect("run plat");
    let (out, err) = (
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr),
    );
    assert!(applied.status.success(), "{out}{err}");
    assert!(
        proxy.count("GET /2015-02-01/file-systems").0 >= 4,
        "it polled through creating: {:?}",
        proxy.seen()
    );
    assert!(
        out.contains("aws_efs_file_system.data: Still creating... ["),
        "a heartbeat while it waits: {out}"
    );
    assert!(
        out.contains("aws_efs_file_system.data: Creation complete"),
        "{out}"
    );
    let systems = file_systems(&direct);
    assert_eq!(systems.len(), 1, "{systems:?}");
    let fs = systems[0].file_system_id().to_owned();
    assert!(systems[0].creation_token().starts_with("terraform-"));
    assert_eq!(systems[0].encrypted(), Some(true));
    assert!(
        out.contains(&format!("dns = \"{fs}.efs.us-east-1.amazonaws.com\"")),
        "{out}"
    );
    assert!(out.contains("\"us-east-1a\""), "{out}");
    assert!(out.contains("\"us-east-1b\""), "{out}");
    let targets = mount_targets(&direct, &fs);
    assert_eq!(targets.len(), 2, "{targets:?}");
    let one = group_id(&direct, "efs-one");
    for target in &targets {
        assert_eq!(
            groups_of(&direct, target.mount_target_id()),
            vec![one.clone()]
        );
    }
    assert_eq!(transition(&direct, &fs).as_deref(), Some("AFTER_30_DAYS"));
    let points = block_on(async {
        efs(&direct)
            .describe_access_points()
            .file_system_id(&fs)
            .send()
            .await
            .expect("describe_access_points")
            .access_points()
            .to_vec()
    });
    assert_eq!(points.len(), 1);
    let point = &points[0];
    assert_eq!(point.posix_user().map(|p| p.uid()), Some(1000));
    assert_eq!(point.root_directory().and_then(|r| r.path()), Some("/app"));
    assert!(point
        .tags()
        .iter()
        .any(|t| t.key() == "plat:address" && t.value() == "aws_efs_access_point.app"));
    expect(&["plan", "efs", "--detailed-exitcode"], 0);

    // Security groups of both mount targets change in place.
    write(stack("two", "AFTER_30_DAYS"));
    let (out, _) = expect(&["plan", "efs", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 2 to change, 0 to destroy"), "{out}");
    expect(&["apply", "efs", "--auto-approve"], 0);
    let two = group_id(&direct, "efs-two");
    let after = mount_targets(&direct, &fs);
    for target in &after {
        assert_eq!(
            groups_of(&direct, target.mount_target_id()),
            vec![two.clone()]
        );
    }
    let ids = |t: &[aws_sdk_efs::types::MountTargetDescription]| {
        let mut ids: Vec<String> = t.iter().map(|m| m.mount_target_id().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&after), ids(&targets), "updated, not replaced");
    expect(&["plan", "efs", "--detailed-exitcode"], 0);

    // The lifecycle policy changes in place.
    write(stack("two", "AFTER_60_DAYS"));
    let (out, _) = expect(&["plan", "efs", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    expect(&["apply", "efs", "--auto-approve"], 0);
    assert_eq!(transition(&direct, &fs).as_deref(), Some("AFTER_60_DAYS"));
    assert_eq!(
        file_systems(&direct)[0].file_system_id(),
        fs,
        "not replaced"
    );
    expect(&["plan", "efs", "--detailed-exitcode"], 0);

    // A changed POSIX user replaces the access point (planned only).
    write(stack("two", "AFTER_60_DAYS").replace("uid = 1000", "uid = 1001"));
    let (out, _) = expect(&["plan", "efs"], 0);
    assert!(
        out.contains("aws_efs_access_point.app must be replaced")
            && out.contains("forces replacement"),
        "{out}"
    );
    write(stack("two", "AFTER_60_DAYS"));

    // Import all three by their ids after forgetting them.
    let point_id = point.access_point_id().expect("id").to_owned();
    let target_a = after
        .iter()
        .find(|m| m.availability_zone_name() == Some("us-east-1a"))
        .expect("the mount target in us-east-1a")
        .mount_target_id()
        .to_owned();
    let imports = [
        ("aws_efs_access_point.app", point_id.as_str()),
        ("aws_efs_mount_target.data[\"a\"]", target_a.as_str()),
        ("aws_efs_file_system.data", fs.as_str()),
    ];
    for (address, _) in imports {
        expect(&["state", "rm", "efs", "--address", address], 0);
    }
    for (address, id) in imports {
        expect(&["import", address, id, "efs"], 0);
    }
    expect(&["plan", "efs", "--detailed-exitcode"], 0);

    // Destroy: mount targets first, waited for; the file system's delete retries while AWS
    // still says FileSystemInUse, then nothing is left.
    let delete_fs = format!("DELETE /2015-02-01/file-systems/{fs}");
    proxy.inject(&delete_fs, Fault::Error("FileSystemInUse"), 2);
    expect(&["destroy", "efs", "--auto-approve"], 0);
    assert_eq!(proxy.count(&delete_fs), (3, 1), "retried while in use");
    let seen = proxy.seen();
    let last_target = seen
        .iter()
        .rposition(|op| op.starts_with("DELETE /2015-02-01/mount-targets/"))
        .expect("mount targets deleted");
    let first_fs = seen
        .iter()
        .position(|op| *op == delete_fs)
        .expect("file system deleted");
    assert!(last_target < first_fs, "{seen:?}");
    assert!(file_systems(&direct).is_empty());
    let left = block_on(async {
        efs(&direct)
            .describe_access_points()
            .send()
            .await
            .expect("describe_access_points")
            .access_points()
            .len()
    });
    assert_eq!(left, 0);
}

#[test]
fn efs_throughput_mode_change_with_recorded_responses() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-efs-throughput");
    std::fs::create_dir_all(root.join("efs")).expect("mkdir");
    let write = |mode: &str| {
        let throughput = if mode == "provisioned" {
            "\n  provisioned_throughput_in_mibps = 128"
        } else {
            ""
        };
        std::fs::write(
            root.join("efs/main.hcl"),
            format!(
                "provider \"aws\" {{}}\n\nresource \"aws_efs_file_system\" \"data\" {{\n  creation_token  = \"plat-data\"\n  throughput_mode = \"{mode}\"{throughput}\n}}\n"
            ),
        )
        .expect("write")
    };
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };
    write("bursting");
    expect(&["apply", "efs", "--auto-approve"], 0);
    let fs = file_systems(&moto.endpoint())[0]
        .file_system_id()
        .to_owned();

    // What AWS answers UpdateFileSystem with (202, the file system `updating`); moto would
    // answer HTML 500. From then on, moto's descriptions show the new throughput, as AWS's do.
    let update = format!("PUT /2015-02-01/file-systems/{fs}");
    proxy.inject(
        &update,
        Fault::Respond {
            status: 202,
            body: format!(
                r#"{{"OwnerId":"123456789012","CreationToken":"plat-data","FileSystemId":"{fs}","FileSystemArn":"arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/{fs}","CreationTime":1795342502.0,"LifeCycleState":"updating","NumberOfMountTargets":0,"SizeInBytes":{{"Value":6144,"ValueInStandard":6144}},"PerformanceMode":"generalPurpose","Encrypted":false,"ThroughputMode":"provisioned","ProvisionedThroughputInMibps":128.0,"Tags":[]}}"#
            ),
        },
        1,
    );
    write("provisioned");
    let (out, _) = expect(&["plan", "efs", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    // The apply's refresh reads the file system as it was (one describe passes unchanged);
    // every describe after the update shows the new throughput.
    proxy.inject(
        "GET /2015-02-01/file-systems",
        Fault::Rewrite {
            from: "nothing to change".into(),
            to: String::new(),
        },
        1,
    );
    proxy.inject(
        "GET /2015-02-01/file-systems",
        Fault::Rewrite {
            from: r#""ThroughputMode": "bursting", "ProvisionedThroughputInMibps": null"#.into(),
            to: r#""ThroughputMode": "provisioned", "ProvisionedThroughputInMibps": 128.0"#.into(),
        },
        100_000,
    );
    let (out, _) = expect(&["apply", "efs", "--auto-approve"], 0);
    assert!(out.contains("Modifications complete"), "{out}");
    let sent = proxy.bodies(&update);
    assert_eq!(sent.len(), 1, "one UpdateFileSystem: {:?}", proxy.seen());
    let body: serde_json::Value = serde_json::from_str(&sent[0]).expect("a JSON body");
    assert_eq!(body["ThroughputMode"], "provisioned", "{body}");
    assert_eq!(body["ProvisionedThroughputInMibps"], 128.0, "{body}");
    assert_eq!(proxy.count(&update), (1, 0), "moto never saw it");
    expect(&["plan", "efs", "--detailed-exitcode"], 0);
}
