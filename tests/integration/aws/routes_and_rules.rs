//! `aws_route` and `aws_security_group_rule` against moto: standalone routes and rules next to a
//! table and a group that leave them alone, one describe per type on refresh, in-place target and
//! description changes, replacement, drift put back, import by Terraform's ids, destroy.

use super::{block_on, ec2, run, Moto};
use crate::support::scratch;

/// `target` is the default route's target attribute; `description` the HTTPS rule's.
fn stack(target: &str, description: &str, cidrs: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}}

resource "aws_internet_gateway" "gw" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_nat_gateway" "nat" {{
  subnet_id         = aws_subnet.a.id
  connectivity_type = "private"
}}

resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_route" "default" {{
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  {target}
}}

resource "aws_route" "peer" {{
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "172.16.0.0/12"
  gateway_id             = aws_internet_gateway.gw.id
}}

resource "aws_security_group" "web" {{
  name   = "web"
  vpc_id = aws_vpc.main.id
}}

resource "aws_security_group" "lb" {{
  name   = "lb"
  vpc_id = aws_vpc.main.id
}}

resource "aws_security_group_rule" "https" {{
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = [{cidrs}]
  description       = "{description}"
}}

resource "aws_security_group_rule" "from_lb" {{
  type                     = "ingress"
  security_group_id        = aws_security_group.web.id
  from_port                = 8080
  to_port                  = 8080
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.lb.id
}}

resource "aws_security_group_rule" "out" {{
  type              = "egress"
  security_group_id = aws_security_group.web.id
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
}}
"#
    )
}

const TO_IGW: &str = "gateway_id             = aws_internet_gateway.gw.id";
const TO_NAT: &str = "nat_gateway_id         = aws_nat_gateway.nat.id";
const CIDRS: &str = r#""10.0.0.0/16", "192.168.0.0/24""#;

/// The table's routes other than the VPC's local one: (destination, target id).
fn routes(endpoint: &str) -> Vec<(String, String)> {
    block_on(async {
        let tables = ec2(endpoint)
            .describe_route_tables()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:plat:address")
                    .values("aws_route_table.public")
                    .build(),
            )
            .send()
            .await
            .expect("describe_route_tables");
        let mut out: Vec<(String, String)> = tables
            .route_tables()
            .iter()
            .flat_map(|t| t.routes())
            .filter(|r| r.gateway_id() != Some("local"))
            .map(|r| {
                (
                    r.destination_cidr_block().unwrap_or_default().to_owned(),
                    r.gateway_id()
                        .or(r.nat_gateway_id())
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    })
}

/// A rule as (port, source, description).
type Rule = (i32, String, String);

/// The web group's ingress and egress rules.
fn rules(endpoint: &str) -> (Vec<Rule>, Vec<Rule>) {
    block_on(async {
        let groups = ec2(endpoint)
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values("web")
                    .build(),
            )
            .send()
            .await
            .expect("describe_security_groups");
        let flatten = |permissions: &[aws_sdk_ec2::types::IpPermission]| {
            let mut out = Vec::new();
            for p in permissions {
                let port = p.from_port().unwrap_or(-1);
                for r in p.ip_ranges() {
                    out.push((
                        port,
                        r.cidr_ip().unwrap_or_default().to_owned(),
                        r.description().unwrap_or_default().to_owned(),
                    ));
                }
                for g in p.user_id_group_pairs() {
                    out.push((
                        port,
                        g.group_id().unwrap_or_default().to_owned(),
                        g.description().unwrap_or_default().to_owned(),
                    ));
                }
            }
            out.sort();
            out
        };
        let group = groups.security_groups().first().expect("the web group");
        (
            flatten(group.ip_permissions()),
            flatten(group.ip_permissions_egress()),
        )
    })
}

fn id_in_state(root: &std::path::Path, address: &str) -> String {
    let state = std::fs::read_to_string(root.join("state/net/default.json")).expect("state");
    let state: serde_json::Value = serde_json::from_str(&state).expect("state JSON");
    state["resources"][address]["instances"][""]["attributes"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} in state"))
        .to_owned()
}

#[test]
fn routes_and_rules_lifecycle_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-routes-rules");
    let dir = root.join("net");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let write = |text: String| std::fs::write(dir.join("main.hcl"), text).expect("write");

    write(stack(TO_IGW, "https", CIDRS));
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let igw = id_in_state(&root, "aws_internet_gateway.gw");
    let nat = id_in_state(&root, "aws_nat_gateway.nat");
    let lb = id_in_state(&root, "aws_security_group.lb");
    assert_eq!(
        routes(&endpoint),
        vec![
            ("0.0.0.0/0".to_owned(), igw.clone()),
            ("172.16.0.0/12".to_owned(), igw.clone())
        ]
    );
    let (ingress, egress) = rules(&endpoint);
    assert_eq!(
        ingress,
        vec![
            (443, "10.0.0.0/16".to_owned(), "https".to_owned()),
            (443, "192.168.0.0/24".to_owned(), "https".to_owned()),
            (8080, lb.clone(), String::new()),
        ]
    );
    assert_eq!(egress, vec![(-1, "0.0.0.0/0".to_owned(), String::new())]);
    // Terraform's ids.
    let table = id_in_state(&root, "aws_route_table.public");
    let web = id_in_state(&root, "aws_security_group.web");
    assert_eq!(
        id_in_state(&root, "aws_route.default"),
        format!("{table}_0.0.0.0/0")
    );
    assert_eq!(
        id_in_state(&root, "aws_security_group_rule.https"),
        format!("{web}_ingress_tcp_443_443_10.0.0.0/16_192.168.0.0/24")
    );

    // The table and the group leave the standalone routes and rules alone: nothing to do, and
    // refresh reads the two routes with one describe and the three rules with one (the others
    // are the tables' and groups' own, and the VPC's for its main table and default group).
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["plan", "net", "--detailed-exitcode", "--stats"],
    );
    assert_eq!(code, 0, "no changes expected:\n{out}{err}");
    assert!(err.contains("aws ec2 DescribeRouteTables: 3\n"), "{err}");
    assert!(err.contains("aws ec2 DescribeSecurityGroups: 3\n"), "{err}");

    // A new target and a new description change in place.
    write(stack(TO_NAT, "https from inside", CIDRS));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_route.default will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("# aws_security_group_rule.https will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(routes(&endpoint).contains(&("0.0.0.0/0".to_owned(), nat.clone())));
    assert!(rules(&endpoint).0.contains(&(
        443,
        "10.0.0.0/16".to_owned(),
        "https from inside".to_owned()
    )));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");

    // Another source replaces the rule.
    write(stack(TO_NAT, "https from inside", r#""10.0.0.0/16""#));
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_security_group_rule.https must be replaced"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (ingress, _) = rules(&endpoint);
    assert!(
        !ingress
            .iter()
            .any(|(_, source, _)| source == "192.168.0.0/24"),
        "{ingress:?}"
    );

    // Changes made outside plat are put back: a revoked rule and a deleted route come back.
    block_on(async {
        let client = ec2(&endpoint);
        client
            .revoke_security_group_egress()
            .group_id(&web)
            .ip_permissions(
                aws_sdk_ec2::types::IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(
                        aws_sdk_ec2::types::IpRange::builder()
                            .cidr_ip("0.0.0.0/0")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("revoke");
        client
            .delete_route()
            .route_table_id(&table)
            .destination_cidr_block("172.16.0.0/12")
            .send()
            .await
            .expect("delete route");
    });
    let (code, out, _) = run(&endpoint, &root, &["plan", "net"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(rules(&endpoint).1.len(), 1);
    assert!(routes(&endpoint).contains(&("172.16.0.0/12".to_owned(), igw.clone())));

    // Import by Terraform's ids.
    for address in ["aws_route.peer", "aws_security_group_rule.from_lb"] {
        let id = id_in_state(&root, address);
        let (code, _, err) = run(
            &endpoint,
            &root,
            &["state", "rm", "net", "--address", address],
        );
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = run(&endpoint, &root, &["import", address, &id, "net"]);
        assert_eq!(code, 0, "{address} {id}: {out}{err}");
    }
    let (code, out, _) = run(&endpoint, &root, &["plan", "net", "--detailed-exitcode"]);
    assert_eq!(
        code, 0,
        "imported routes and rules match the configuration: {out}"
    );

    // Destroy: no route or rule is left behind.
    let (code, out, err) = run(&endpoint, &root, &["destroy", "net", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(routes(&endpoint).is_empty());
    let left = block_on(async {
        ec2(&endpoint)
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag:plat:stack")
                    .values("net")
                    .build(),
            )
            .send()
            .await
            .expect("describe")
            .security_groups()
            .len()
    });
    assert_eq!(left, 0);
}
