//! `aws_s3_object` against moto: objects from `content` and from a `source` file; a no-op plan;
//! an edited source file planned as an in-place upload without `etag = filemd5(...)`; bytes put
//! by someone else shown as a change and put back; tags updated without an upload; a create that
//! refuses to overwrite an object the stack did not write, and imports by `BUCKET/KEY` and
//! `s3://BUCKET/KEY`; a deleted source file named in the error; every version of an object in a
//! versioned bucket deleted with it.

use std::collections::BTreeMap;
use std::path::Path;

use super::{block_on, run, Moto};
use crate::support::scratch;

const BUCKET: &str = "plat-test-objects";
const VERSIONED: &str = "plat-test-versioned";

/// The stack: two buckets (neither `force_destroy`, so a destroy only succeeds when the objects'
/// own deletes left nothing behind) and the objects `objects` adds.
fn stack(objects: &str) -> String {
    format!(
        r#"provider "aws" {{
  default_tags {{
    tags = {{ stack = "objects-test" }}
  }}
}}

resource "aws_s3_bucket" "data" {{
  bucket = "{BUCKET}"
}}

resource "aws_s3_bucket" "versioned" {{
  bucket = "{VERSIONED}"
}}
{objects}
output "model_etag" {{
  value = aws_s3_object.model.etag
}}
"#
    )
}

fn readme(kind: &str) -> String {
    format!(
        r#"
resource "aws_s3_object" "readme" {{
  bucket       = aws_s3_bucket.data.id
  key          = "docs/readme.txt"
  content      = "hello"
  content_type = "text/plain"
  tags = {{
    kind = "{kind}"
  }}
}}
"#
    )
}

fn model(source: &str) -> String {
    format!(
        r#"
resource "aws_s3_object" "model" {{
  bucket = aws_s3_bucket.data.id
  key    = "models/model.bin"
  source = "${{path.module}}/{source}"
  metadata = {{
    stage = "dev"
  }}
}}
"#
    )
}

const IMPORTED: &str = r#"
resource "aws_s3_object" "imported" {
  bucket  = aws_s3_bucket.data.id
  key     = "imported.txt"
  content = "made elsewhere"
}
"#;

fn versioned(content: &str) -> String {
    format!(
        r#"
resource "aws_s3_object" "versioned" {{
  bucket  = aws_s3_bucket.versioned.id
  key     = "v.txt"
  content = "{content}"
}}
"#
    )
}

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
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

fn bytes_of(endpoint: &str, bucket: &str, key: &str) -> Vec<u8> {
    block_on(async {
        s3(endpoint)
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get_object {bucket}/{key}: {e:?}"))
            .body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec()
    })
}

fn tags_of(endpoint: &str, bucket: &str, key: &str) -> BTreeMap<String, String> {
    block_on(async {
        s3(endpoint)
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .expect("get_object_tagging")
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    })
}

fn put_outside(endpoint: &str, bucket: &str, key: &str, body: &str) {
    block_on(async {
        s3(endpoint)
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put_object")
    });
}

/// Versions and delete markers of `key`.
fn versions_of(endpoint: &str, bucket: &str, key: &str) -> usize {
    block_on(async {
        let out = s3(endpoint)
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .send()
            .await
            .expect("list_object_versions");
        out.versions().len() + out.delete_markers().len()
    })
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn assert_no_changes(endpoint: &str, root: &Path, why: &str) {
    let (code, out, err) = run(endpoint, root, &["plan", "objects", "--detailed-exitcode"]);
    assert_eq!(code, 0, "no changes expected ({why}):\n{out}{err}");
}

#[test]
fn s3_object_lifecycle_against_moto() {
    let moto = Moto::start();
    let endpoint = moto.endpoint();
    let root = scratch("aws-s3-object");
    let dir = root.join("objects");
    std::fs::create_dir_all(dir.join("files")).expect("mkdir");
    let write = |text: String| std::fs::write(dir.join("main.hcl"), text).expect("write");
    let model_file = dir.join("files/model.bin");
    std::fs::write(&model_file, "weights v1").expect("write model");

    // Create from content and from a source file.
    let objects = format!("{}{}", readme("doc"), model("files/model.bin"));
    write(stack(&objects));
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("model_etag = \"{}\"", md5_hex(b"weights v1"))),
        "{out}"
    );
    assert_eq!(bytes_of(&endpoint, BUCKET, "docs/readme.txt"), b"hello");
    assert_eq!(
        bytes_of(&endpoint, BUCKET, "models/model.bin"),
        b"weights v1"
    );
    let tags = tags_of(&endpoint, BUCKET, "docs/readme.txt");
    assert_eq!(
        tags.get("kind").map(String::as_str),
        Some("doc"),
        "{tags:?}"
    );
    assert_eq!(
        tags.get("stack").map(String::as_str),
        Some("objects-test"),
        "default tags are merged: {tags:?}"
    );
    assert_eq!(
        tags.get("plat:address").map(String::as_str),
        Some("aws_s3_object.readme"),
        "ownership tags travel with the upload: {tags:?}"
    );
    let head = block_on(async {
        s3(&endpoint)
            .head_object()
            .bucket(BUCKET)
            .key("models/model.bin")
            .send()
            .await
            .expect("head_object")
    });
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("stage"))
            .map(String::as_str),
        Some("dev")
    );
    let (code, out, _) = run(
        &endpoint,
        &root,
        &[
            "state",
            "show",
            "objects",
            "--address",
            "aws_s3_object.readme",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("text/plain"), "{out}");
    assert!(
        !out.contains("plat:"),
        "ownership tags stay out of state: {out}"
    );
    assert_no_changes(&endpoint, &root, "right after apply");

    // An edited source file is an in-place upload, seen without etag = filemd5(...).
    std::fs::write(&model_file, "weights v2").expect("write model");
    let (code, out, err) = run(&endpoint, &root, &["plan", "objects"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("# aws_s3_object.model will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains(&md5_hex(b"weights v2")),
        "the new etag is planned: {out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        bytes_of(&endpoint, BUCKET, "models/model.bin"),
        b"weights v2"
    );
    assert!(
        out.contains(&format!("model_etag = \"{}\"", md5_hex(b"weights v2"))),
        "{out}"
    );
    assert_no_changes(&endpoint, &root, "after the re-upload");

    // Bytes put by someone else are drift, and apply puts the configured ones (and the tags,
    // which the other upload dropped) back.
    put_outside(&endpoint, BUCKET, "docs/readme.txt", "vandalised");
    let (code, out, err) = run(&endpoint, &root, &["plan", "objects"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("# aws_s3_object.readme will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(bytes_of(&endpoint, BUCKET, "docs/readme.txt"), b"hello");
    let tags = tags_of(&endpoint, BUCKET, "docs/readme.txt");
    assert_eq!(
        tags.get("kind").map(String::as_str),
        Some("doc"),
        "{tags:?}"
    );
    assert_no_changes(&endpoint, &root, "after putting the object back");

    // Tags alone update in place with one PutObjectTagging and no upload.
    let objects = format!("{}{}", readme("manual"), model("files/model.bin"));
    write(stack(&objects));
    let (code, out, _) = run(&endpoint, &root, &["plan", "objects"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("# aws_s3_object.readme will be updated in-place"),
        "{out}"
    );
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["apply", "objects", "--auto-approve", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("aws s3 PutObjectTagging: 1\n"), "{err}");
    assert!(!err.contains("aws s3 PutObject: "), "no upload: {err}");
    let tags = tags_of(&endpoint, BUCKET, "docs/readme.txt");
    assert_eq!(
        tags.get("kind").map(String::as_str),
        Some("manual"),
        "{tags:?}"
    );
    assert_no_changes(&endpoint, &root, "after the tags update");

    // An object the stack did not write is not overwritten; imported (s3:// form), it is
    // adopted without an upload, since it holds the configured bytes already.
    put_outside(&endpoint, BUCKET, "imported.txt", "made elsewhere");
    let objects = format!("{objects}{IMPORTED}");
    write(stack(&objects));
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("already exists and this stack did not write it"),
        "{err}"
    );
    let (code, out, err) = run(
        &endpoint,
        &root,
        &[
            "import",
            "aws_s3_object.imported",
            &format!("s3://{BUCKET}/imported.txt"),
            "objects",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["apply", "objects", "--auto-approve", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("aws s3 PutObject: "), "no upload: {err}");
    assert_eq!(
        tags_of(&endpoint, BUCKET, "imported.txt")
            .get("plat:address")
            .map(String::as_str),
        Some("aws_s3_object.imported")
    );
    assert_no_changes(&endpoint, &root, "after adopting the imported object");

    // Import by BUCKET/KEY.
    let (code, _, err) = run(
        &endpoint,
        &root,
        &[
            "state",
            "rm",
            "objects",
            "--address",
            "aws_s3_object.readme",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        &endpoint,
        &root,
        &[
            "import",
            "aws_s3_object.readme",
            &format!("{BUCKET}/docs/readme.txt"),
            "objects",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        &endpoint,
        &root,
        &["apply", "objects", "--auto-approve", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("aws s3 PutObject: "), "no upload: {err}");
    assert_no_changes(&endpoint, &root, "after importing by BUCKET/KEY");

    // A source file that is gone is an error naming it (read at plan time), and a config
    // naming a file that does not exist as well.
    std::fs::remove_file(&model_file).expect("remove model");
    let (code, out, err) = run(&endpoint, &root, &["plan", "objects"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("files/model.bin"), "{err}");
    assert!(err.contains("aws_s3_object.model"), "{err}");
    std::fs::write(&model_file, "weights v2").expect("write model");
    let missing = format!(
        "{}{}{IMPORTED}",
        readme("manual"),
        model("files/missing.bin")
    );
    write(stack(&missing));
    let (code, out, err) = run(&endpoint, &root, &["plan", "objects"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("cannot read"), "{err}");
    assert!(err.contains("files/missing.bin"), "{err}");
    write(stack(&objects));
    assert_no_changes(&endpoint, &root, "with the source back");

    // In a versioned bucket every version plat's object has is deleted with it. (Versioning is
    // switched on with the SDK: moto 5.2.5 answers GetBucketVersioning with a root element no
    // SDK parses, see s3.rs, and the bucket resource does not read it.)
    block_on(async {
        s3(&endpoint)
            .put_bucket_versioning()
            .bucket(VERSIONED)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning")
    });
    write(stack(&format!("{objects}{}", versioned("one"))));
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    write(stack(&format!("{objects}{}", versioned("two"))));
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(bytes_of(&endpoint, VERSIONED, "v.txt"), b"two");
    assert_eq!(versions_of(&endpoint, VERSIONED, "v.txt"), 2);
    let (code, out, _) = run(
        &endpoint,
        &root,
        &[
            "state",
            "show",
            "objects",
            "--address",
            "aws_s3_object.versioned",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("version_id"), "{out}");
    assert_no_changes(&endpoint, &root, "in the versioned bucket");

    // Removing the object from the configuration deletes both versions; destroying the rest
    // succeeds only if no object left anything behind (the buckets are not force_destroy).
    write(stack(&objects));
    let (code, out, err) = run(&endpoint, &root, &["apply", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(versions_of(&endpoint, VERSIONED, "v.txt"), 0);
    let (code, out, err) = run(&endpoint, &root, &["destroy", "objects", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let left = block_on(async {
        s3(&endpoint)
            .list_buckets()
            .send()
            .await
            .expect("list_buckets")
            .buckets()
            .len()
    });
    assert_eq!(left, 0, "destroy leaves no bucket");
}

/// `kill -9` while S3 answers an upload: the next run finds the object by its bucket, key and
/// ownership tags and adopts it; the first apply after that uploads nothing (the object holds
/// the configured bytes) and only records the content arguments.
#[test]
fn kill_9_during_an_upload_then_the_next_run_adopts_the_object() {
    use super::fault_proxy::{Fault, FaultProxy};
    use std::time::{Duration, Instant};

    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    let root = scratch("aws-s3-object-crash");
    let dir = root.join("objects");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let text = format!(
        r#"provider "aws" {{}}

resource "aws_s3_bucket" "data" {{
  bucket = "{BUCKET}"
}}
{}"#,
        readme("doc")
    );
    std::fs::write(dir.join("main.hcl"), text).expect("write");

    // Moto stores the object at once, but the answer takes a minute: plat is killed meanwhile.
    let upload = format!("PUT /{BUCKET}/docs/readme.txt");
    proxy.inject(&upload, Fault::DelayAfter(Duration::from_secs(60)), 1);
    let mut child = super::plat_at(&proxy.endpoint())
        .current_dir(&root)
        .args(["apply", "objects", "--auto-approve"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start plat");
    let started = Instant::now();
    let stored = || {
        block_on(async {
            s3(&moto.endpoint())
                .head_object()
                .bucket(BUCKET)
                .key("docs/readme.txt")
                .send()
                .await
                .is_ok()
        })
    };
    while proxy.count(&upload).1 < 1 || !stored() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "plat never uploaded: {:?}",
            proxy.seen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill -9");
    let _ = child.wait();

    proxy.clear();
    let (code, out, err) = run(&proxy.endpoint(), &root, &["plan", "objects"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("1 unfinished operation(s) whose object exists adopted"),
        "{err}"
    );
    assert!(
        out.contains("# aws_s3_object.readme will be updated in-place"),
        "the content argument is recorded by an update: {out}"
    );
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["apply", "objects", "--auto-approve", "--stats"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("aws s3 PutObject: "), "no upload: {err}");
    assert_eq!(proxy.count(&upload).0, 1, "uploaded once");
    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["plan", "objects", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        bytes_of(&moto.endpoint(), BUCKET, "docs/readme.txt"),
        b"hello"
    );

    let (code, out, err) = run(
        &proxy.endpoint(),
        &root,
        &["destroy", "objects", "--auto-approve"],
    );
    assert_eq!(code, 0, "{out}{err}");
}
