//! `aws_ecr_repository` and `aws_ecr_lifecycle_policy` against moto: create, a no-op plan, a
//! policy rewritten with the same meaning planning no change, mutability and scan-on-push
//! changed in place, an encryption change planned as a replacement, import of both, and destroy
//! refused while the repository holds an image unless `force_delete` is set.

use super::{block_on, run, Moto};
use crate::support::scratch;

const POLICY: &str = r#"{"rules":[{"rulePriority":1,"description":"keep 5","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#;

/// The same policy: other key order and whitespace.
const POLICY_REWRITTEN: &str = r#"{
  "rules": [
    {
      "action": { "type": "expire" },
      "selection": { "countNumber": 5, "countType": "imageCountMoreThan", "tagStatus": "any" },
      "description": "keep 5",
      "rulePriority": 1
    }
  ]
}"#;

fn stack(mutability: &str, scan: bool, force_delete: bool, policy: &str, extra: &str) -> String {
    format!(
        r#"provider "aws" {{
  default_tags {{
    tags = {{ stack = "ecr-test" }}
  }}
}}

resource "aws_ecr_repository" "app" {{
  name                 = "plat-test-app"
  image_tag_mutability = "{mutability}"
  force_delete         = {force_delete}

  image_scanning_configuration {{
    scan_on_push = {scan}
  }}
{extra}
  tags = {{
    team = "ml"
  }}
}}

resource "aws_ecr_lifecycle_policy" "app" {{
  repository = aws_ecr_repository.app.name
  policy     = <<EOT
{policy}
EOT
}}

output "url" {{
  value = aws_ecr_repository.app.repository_url
}}
"#
    )
}

fn ecr(endpoint: &str) -> aws_sdk_ecr::Client {
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
        .region(aws_sdk_ecr::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

fn repositories(endpoint: &str) -> Vec<aws_sdk_ecr::types::Repository> {
    block_on(async {
        ecr(endpoint)
            .describe_repositories()
            .send()
            .await
            .expect("describe_repositories")
            .repositories()
            .to_vec()
    })
}

#[test]
fn ecr_repository_and_lifecycle_policy_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-ecr");
    std::fs::create_dir_all(root.join("ecr")).expect("mkdir");
    let write = |text: String| std::fs::write(root.join("ecr/main.hcl"), text).expect("write");
    let expect = |args: &[&str], code: i32| {
        let (got, out, err) = run(&endpoint, &root, args);
        assert_eq!(got, code, "plat {args:?}:\n{out}{err}");
        (out, err)
    };

    write(stack("MUTABLE", false, false, POLICY, ""));
    let (out, _) = expect(&["apply", "ecr", "--auto-approve"], 0);
    assert!(
        out.contains("url = \"123456789012.dkr.ecr.us-east-1.amazonaws.com/plat-test-app\""),
        "{out}"
    );
    let repos = repositories(&endpoint);
    assert_eq!(repos.len(), 1, "{repos:?}");
    let arn = repos[0].repository_arn().expect("arn").to_owned();
    let tags: Vec<(String, String)> = block_on(async {
        ecr(&endpoint)
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .expect("tags")
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    });
    for (key, value) in [
        ("team", "ml"),
        ("stack", "ecr-test"),
        ("plat:address", "aws_ecr_repository.app"),
    ] {
        assert!(
            tags.contains(&(key.to_owned(), value.to_owned())),
            "{key}={value} in {tags:?}"
        );
    }
    let policy = block_on(async {
        ecr(&endpoint)
            .get_lifecycle_policy()
            .repository_name("plat-test-app")
            .send()
            .await
            .expect("get_lifecycle_policy")
            .lifecycle_policy_text()
            .unwrap_or_default()
            .to_owned()
    });
    assert!(policy.contains("imageCountMoreThan"), "{policy}");
    expect(&["plan", "ecr", "--detailed-exitcode"], 0);

    // The same policy written differently is no change.
    write(stack("MUTABLE", false, false, POLICY_REWRITTEN, ""));
    expect(&["plan", "ecr", "--detailed-exitcode"], 0);

    // Mutability and scan on push change in place.
    write(stack("IMMUTABLE", true, false, POLICY_REWRITTEN, ""));
    let (out, _) = expect(&["plan", "ecr", "--detailed-exitcode"], 2);
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    expect(&["apply", "ecr", "--auto-approve"], 0);
    let repos = repositories(&endpoint);
    assert_eq!(
        repos[0].image_tag_mutability(),
        Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable)
    );
    assert!(repos[0]
        .image_scanning_configuration()
        .is_some_and(|c| c.scan_on_push()));
    assert_eq!(
        repos[0].repository_arn(),
        Some(arn.as_str()),
        "not replaced"
    );
    expect(&["plan", "ecr", "--detailed-exitcode"], 0);

    // Another encryption type replaces the repository (planned only).
    write(stack(
        "IMMUTABLE",
        true,
        false,
        POLICY_REWRITTEN,
        "\n  encryption_configuration {\n    encryption_type = \"KMS\"\n  }\n",
    ));
    let (out, _) = expect(&["plan", "ecr"], 0);
    assert!(
        out.contains("aws_ecr_repository.app must be replaced")
            && out.contains("forces replacement"),
        "{out}"
    );
    // Writing out the default (AES256) is no change.
    write(stack(
        "IMMUTABLE",
        true,
        false,
        POLICY_REWRITTEN,
        "\n  encryption_configuration {\n    encryption_type = \"AES256\"\n  }\n",
    ));
    expect(&["plan", "ecr", "--detailed-exitcode"], 0);
    write(stack("IMMUTABLE", true, false, POLICY_REWRITTEN, ""));

    // Import both by their ids (the repository name) after forgetting them.
    for address in ["aws_ecr_lifecycle_policy.app", "aws_ecr_repository.app"] {
        expect(&["state", "rm", "ecr", "--address", address], 0);
    }
    let (_, err) = expect(&["import", "aws_ecr_repository.app", "nope", "ecr"], 1);
    assert!(err.contains("no ECR repository named nope"), "{err}");
    expect(
        &["import", "aws_ecr_repository.app", "plat-test-app", "ecr"],
        0,
    );
    expect(
        &[
            "import",
            "aws_ecr_lifecycle_policy.app",
            "plat-test-app",
            "ecr",
        ],
        0,
    );
    expect(&["plan", "ecr", "--detailed-exitcode"], 0);

    // An image in the repository: destroy refuses without force_delete, and says what to do.
    block_on(async {
        let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[]}"#;
        ecr(&endpoint)
            .put_image()
            .repository_name("plat-test-app")
            .image_manifest(manifest)
            .image_tag("v1")
            .send()
            .await
            .expect("put_image");
    });
    let (_, err) = expect(&["destroy", "ecr", "--auto-approve"], 1);
    assert!(
        err.contains("RepositoryNotEmptyException") && err.contains("set force_delete = true"),
        "{err}"
    );
    assert_eq!(repositories(&endpoint).len(), 1, "still there");

    // With force_delete (a state-only change applied first), destroy deletes it and its images.
    write(stack("IMMUTABLE", true, true, POLICY_REWRITTEN, ""));
    expect(&["apply", "ecr", "--auto-approve"], 0);
    expect(&["destroy", "ecr", "--auto-approve"], 0);
    assert!(repositories(&endpoint).is_empty());
}
