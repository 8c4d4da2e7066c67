//! The AWS provider against moto (each test starts its own server): lifecycles per resource
//! family, batching, and behaviour under injected faults.

mod data_network;
mod ecr;
mod efs;
mod eks;
mod eks_addon;
mod fault_proxy;
mod faults;
mod iam;
mod iam_more;
mod iam_policy;
mod mlops;
mod moto;
mod nat;
mod network;
mod rds;
mod recovery;
mod routes_and_rules;
mod s3;
mod s3_object;
mod security_group;
mod vpc;

use std::path::Path;
use std::process::Command;

use crate::support::plat;
pub use moto::Moto;

/// plat with a clean AWS environment pointed at `endpoint`: static test credentials, us-east-1,
/// no shared config files and no instance metadata (nothing leaves 127.0.0.1).
pub fn plat_at(endpoint: &str) -> Command {
    let mut cmd = plat();
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/plat-test-aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/plat-test-aws-credentials",
        );
    cmd
}

/// Runs plat in `root` against `endpoint`: (exit code, stdout, stderr).
pub fn run(endpoint: &str, root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = plat_at(endpoint)
        .current_dir(root)
        .args(args)
        .output()
        .expect("run plat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An EC2 client of the test's own, to look at what plat did.
pub fn ec2(endpoint: &str) -> aws_sdk_ec2::Client {
    let config = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_ec2::Client::from_conf(config)
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}
