//! `aws_s3_bucket` against moto: create with tags, no-op plan, a destroy refused while the
//! bucket holds objects, and `force_destroy` emptying every object version.

use super::{block_on, run, Moto};
use crate::support::scratch;

fn stack(force_destroy: bool) -> String {
    format!(
        r#"provider "aws" {{
  default_tags {{
    tags = {{ stack = "s3-test" }}
  }}
}}

resource "aws_s3_bucket" "artifacts" {{
  bucket        = "plat-test-artifacts"
  force_destroy = {force_destroy}
  tags = {{
    purpose = "mlflow"
  }}
}}

resource "aws_s3_bucket" "logs" {{
  bucket_prefix = "plat-logs-"
}}

output "arn" {{
  value = aws_s3_bucket.artifacts.arn
}}
"#
    )
}

fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn buckets(moto: &Moto) -> Vec<String> {
    block_on(async {
        s3(moto)
            .list_buckets()
            .send()
            .await
            .expect("list_buckets")
            .buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect()
    })
}

#[test]
fn s3_bucket_lifecycle_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-s3");
    std::fs::create_dir_all(root.join("s3")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("s3/main.hcl"), text).expect("write");

    write(stack(false));
    let (code, out, err) = run(&endpoint, &root, &["apply", "s3", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("arn = \"arn:aws:s3:::plat-test-artifacts\""),
        "{out}"
    );
    let names = buckets(&moto);
    assert!(
        names.contains(&"plat-test-artifacts".to_owned()),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("plat-logs-")),
        "a name made from the prefix: {names:?}"
    );
    let (code, out, err) = run(&endpoint, &root, &["plan", "s3", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    // Versioned objects in the bucket.
    block_on(async {
        let client = s3(&moto);
        client
            .put_bucket_versioning()
            .bucket("plat-test-artifacts")
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning");
        for round in 0..3 {
            client
                .put_object()
                .bucket("plat-test-artifacts")
                .key("model.pkl")
                .body(format!("version {round}").into_bytes().into())
                .send()
                .await
                .expect("put_object");
        }
        client
            .delete_object()
            .bucket("plat-test-artifacts")
            .key("model.pkl")
            .send()
            .await
            .expect("delete marker");
    });

    let (code, out, err) = run(&endpoint, &root, &["destroy", "s3", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("set force_destroy = true"), "{err}");
    assert!(buckets(&moto).contains(&"plat-test-artifacts".to_owned()));

    write(stack(true));
    let (code, out, err) = run(&endpoint, &root, &["apply", "s3", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&endpoint, &root, &["destroy", "s3", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(buckets(&moto).is_empty(), "{:?}", buckets(&moto));
}
