//! An Elastic IP and a NAT gateway: the create polls through `pending` until `available`; a
//! NAT that stays `pending` past its `timeouts.create` fails the apply with its last status, is
//! saved as tainted (nothing orphaned), and the next apply replaces it.

use super::fault_proxy::{Fault, FaultProxy};
use super::{block_on, ec2, plat_at, run, Moto};
use crate::support::scratch;

fn stack(timeout: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}}

resource "aws_internet_gateway" "gw" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_eip" "nat" {{
  domain = "vpc"
}}

# Private, so that replacing it needs no address: moto 5.2.5 keeps an Elastic IP associated
# with a NAT gateway after the gateway is deleted, which AWS does not.
resource "aws_nat_gateway" "main" {{
  connectivity_type = "private"
  subnet_id         = aws_subnet.public.id
  depends_on        = [aws_internet_gateway.gw]

  timeouts {{
    create = "{timeout}"
  }}
}}

output "nat_ip" {{
  value = aws_nat_gateway.main.private_ip
}}

output "eip" {{
  value = aws_eip.nat.public_ip
}}
"#
    )
}

fn live_nats(endpoint: &str) -> usize {
    block_on(async {
        ec2(endpoint)
            .describe_nat_gateways()
            .send()
            .await
            .expect("describe_nat_gateways")
            .nat_gateways()
            .iter()
            .filter(|g| g.state() != Some(&aws_sdk_ec2::types::NatGatewayState::Deleted))
            .count()
    })
}

const PENDING: &str = "<state>pending</state>";

#[test]
fn nat_gateway_waits_times_out_and_is_replaced() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let endpoint = proxy.endpoint();
    let root = scratch("aws-nat");
    std::fs::create_dir_all(root.join("nat")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("nat/main.hcl"), text).expect("write");
    let pending = |count| {
        proxy.inject(
            "DescribeNatGateways",
            Fault::Rewrite {
                from: "<state>available</state>".into(),
                to: PENDING.into(),
            },
            count,
        )
    };

    // Pending for three polls, then available.
    pending(3);
    write(stack("5m"));
    // Heartbeats every 300 ms instead of 10 s, counted from the start of the operation.
    let applied = plat_at(&endpoint)
        .current_dir(&root)
        .env("PLAT_HEARTBEAT", "300ms")
        .args(["apply", "nat", "--auto-approve"])
        .output()
        .expect("run plat");
    let (out, err) = (
        String::from_utf8_lossy(&applied.stdout),
        String::from_utf8_lossy(&applied.stderr),
    );
    assert!(applied.status.success(), "{out}{err}");
    assert!(proxy.count("DescribeNatGateways").0 >= 4, "it polled");
    assert!(
        out.contains("aws_nat_gateway.main: Still creating... [1s elapsed]"),
        "a heartbeat while it waits: {out}"
    );
    assert!(
        out.contains("aws_nat_gateway.main: Creation complete"),
        "{out}"
    );
    assert_eq!(live_nats(&moto.endpoint()), 1);
    let (code, out, err) = run(&endpoint, &root, &["plan", "nat", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    // Replace it (a new timeout alone is no change; taint by --replace), and this time it never
    // becomes available within 2 s.
    proxy.clear();
    pending(100_000);
    write(stack("2s"));
    let (code, out, err) = run(
        &endpoint,
        &root,
        &[
            "apply",
            "nat",
            "--auto-approve",
            "--replace",
            "aws_nat_gateway.main",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("aws_nat_gateway.main: create failed: timed out"),
        "{err}"
    );
    assert!(err.contains("last status pending"), "{err}");
    assert!(err.contains("is saved as tainted"), "{err}");

    // Nothing orphaned: the next plan replaces the tainted gateway, and destroy leaves none.
    proxy.clear();
    write(stack("5m"));
    let (code, out, _) = run(&endpoint, &root, &["plan", "nat"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_nat_gateway.main is tainted, so it must be replaced"),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "nat", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        live_nats(&moto.endpoint()),
        1,
        "the tainted one was deleted"
    );
    let (code, out, err) = run(&endpoint, &root, &["destroy", "nat", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(live_nats(&moto.endpoint()), 0);
}
