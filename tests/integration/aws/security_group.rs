//! `aws_security_group` against moto: rules as sets (how they are written or grouped makes no
//! difference), rules referring to other groups and to the group itself, AWS's default egress
//! rule removed, in-place rule changes, destroy.

use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

fn stack(web_ingress: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_security_group" "web" {{
  name   = "web"
  vpc_id = aws_vpc.main.id
{web_ingress}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "db" {{
  name        = "db"
  description = "PostgreSQL"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.web.id]
    self            = true
  }}
}}
"#
    )
}

const WEB: &str = r#"
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16", "192.168.0.0/24"]
  }
"#;

/// The same rules written differently: protocol by number, one block per CIDR, other order.
const WEB_REWRITTEN: &str = r#"
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "6"
    cidr_blocks = ["192.168.0.0/24"]
  }

  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
"#;

const WEB_MORE: &str = r#"
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16", "192.168.0.0/24"]
  }

  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
"#;

fn group(endpoint: &str, name: &str) -> aws_sdk_ec2::types::SecurityGroup {
    block_on(async {
        ec2(endpoint)
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values(name)
                    .build(),
            )
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:plat:stack")
                    .values("groups")
                    .build(),
            )
            .send()
            .await
            .expect("describe_security_groups")
            .security_groups()
            .first()
            .cloned()
            .expect("the group")
    })
}

#[test]
fn security_group_lifecycle_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-security-groups");
    std::fs::create_dir_all(root.join("groups")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("groups/main.hcl"), text).expect("write");

    write(stack(WEB));
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let db = group(&endpoint, "db");
    assert!(
        db.ip_permissions_egress().is_empty(),
        "the default egress rule is gone"
    );
    let pairs: Vec<_> = db.ip_permissions()[0]
        .user_id_group_pairs()
        .iter()
        .filter_map(|p| p.group_id())
        .collect();
    assert_eq!(
        pairs.len(),
        2,
        "the web group and the group itself: {pairs:?}"
    );

    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "groups", "--detailed-exitcode", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    // One call reads both groups; the other finds the VPC's default group.
    assert!(err.contains("aws ec2 DescribeSecurityGroups: 2\n"), "{err}");

    write(stack(WEB_REWRITTEN));
    let (code, out, err) = run(&endpoint, &root, &["plan", "groups", "--detailed-exitcode"]);
    assert_eq!(code, 0, "the same rules written differently: {out}{err}");

    write(stack(WEB_MORE));
    let (code, out, _) = run(&endpoint, &root, &["plan", "groups"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_security_group.web will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let web = group(&endpoint, "web");
    let ports: Vec<_> = web
        .ip_permissions()
        .iter()
        .filter_map(|p| p.from_port())
        .collect();
    assert!(ports.contains(&8080) && ports.contains(&443), "{ports:?}");
    let (code, out, err) = run(&endpoint, &root, &["plan", "groups", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = run(&endpoint, &root, &["destroy", "groups", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
}
