//! `aws_s3_bucket` against moto: create with tags, no-op plan, a destroy refused while the
//! bucket holds objects, and `force_destroy` emptying every object version.

use super::fault_proxy::{Fault, FaultProxy};
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
    s3_at(&moto.endpoint())
}

fn s3_at(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
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

fn settings_stack(status: &str, policy_text: &str) -> String {
    format!(
        r#"provider "aws" {{}}

resource "aws_s3_bucket" "data" {{
  bucket        = "plat-test-data"
  force_destroy = true
}}

resource "aws_s3_bucket_versioning" "data" {{
  bucket = aws_s3_bucket.data.id
  versioning_configuration {{
    status = "{status}"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {{
  bucket = aws_s3_bucket.data.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "data" {{
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_policy" "data" {{
  bucket = aws_s3_bucket.data.id
  policy = {policy_text}
}}
"#
    )
}

const BUCKET_POLICY: &str = r#"jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadForTheAccount"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = ["s3:GetObject"]
      Resource  = "arn:aws:s3:::plat-test-data/*"
    }]
  })"#;

/// The same policy, keys in another order and the action as a plain string.
const SAME_BUCKET_POLICY: &str = r#"jsonencode({
    Statement = [{
      Resource  = "arn:aws:s3:::plat-test-data/*"
      Action    = "s3:GetObject"
      Principal = { AWS = ["arn:aws:iam::123456789012:root"] }
      Effect    = "Allow"
      Sid       = "ReadForTheAccount"
    }]
    Version = "2012-10-17"
  })"#;

#[test]
fn s3_bucket_settings_against_moto() {
    let moto = Moto::start();
    // moto 5.2.5 answers GetBucketVersioning with a `GetBucketVersioningResponse` root element,
    // which no AWS SDK parses (AWS answers `VersioningConfiguration`): the proxy repairs the
    // root, so what is tested is plat's request and its handling of AWS's answer.
    let proxy = FaultProxy::start(moto.port);
    proxy.inject(
        "GET /plat-test-data/",
        Fault::Rewrite {
            from: "GetBucketVersioningResponse".into(),
            to: "VersioningConfiguration".into(),
        },
        10_000,
    );
    let endpoint = proxy.endpoint();
    let root = scratch("aws-s3-settings");
    std::fs::create_dir_all(root.join("data")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("data/main.hcl"), text).expect("write");

    write(settings_stack("Enabled", BUCKET_POLICY));
    let (code, out, err) = run(&endpoint, &root, &["apply", "data", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}\nrequests: {:?}", proxy.seen());
    let versioning = block_on(async {
        s3_at(&proxy.endpoint())
            .get_bucket_versioning()
            .bucket("plat-test-data")
            .send()
            .await
            .expect("versioning")
    });
    assert_eq!(
        versioning.status(),
        Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled)
    );
    let (code, out, err) = run(&endpoint, &root, &["plan", "data", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    // The same policy written differently is no change; suspending versioning is an update.
    write(settings_stack("Enabled", SAME_BUCKET_POLICY));
    let (code, out, err) = run(&endpoint, &root, &["plan", "data", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    write(settings_stack("Suspended", SAME_BUCKET_POLICY));
    let (code, out, _) = run(&endpoint, &root, &["plan", "data"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_s3_bucket_versioning.data will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "data", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&endpoint, &root, &["plan", "data", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = run(&endpoint, &root, &["destroy", "data", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(buckets(&moto).is_empty());
}
