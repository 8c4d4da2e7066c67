//! `aws_s3_object`: one object of a bucket. `bucket` and `key` replace it; everything else
//! updates in place: a change of the content or of a setting S3 keeps with the bytes
//! (`content_type`, `cache_control`, `metadata`, `storage_class`, encryption, ...) uploads the
//! object again (one PutObject, which is idempotent: a lost answer is simply put again); a change
//! of tags alone is one PutObjectTagging. The tags, plat's ownership tags included, travel with
//! the upload (the `x-amz-tagging` header), so an object never exists without them.
//!
//! The content is exactly one of `source` (a local file, read at plan time and at upload),
//! `content` (text) and `content_base64` (bytes); none is an empty object.
//!
//! **How content changes are seen without `etag = filemd5(...)`.** plat keeps `content_md5`, the
//! hex MD5 of the bytes it last uploaded (state only; S3 knows nothing of it, and `Content-MD5`
//! on the upload makes S3 refuse bytes that do not match it). The plan hook hashes the
//! configured content (reading the `source` file; a missing file is an error naming its path)
//! and compares it with `content_md5`: a difference is an upload, planned with the new `etag`
//! (the MD5, when the object is not KMS-encrypted; KMS ETags are not MD5s, so then `etag` is
//! known after apply) and a new `version_id`. The engine calls the plan hook only for
//! instances whose arguments changed, so refresh does the other half: `read` hashes what the
//! stored `source`/`content`/`content_base64` describe, and when the object does not hold those
//! bytes (the file was edited, or someone put other bytes under the key) the refreshed value
//! has that argument null, which the plan shows as an in-place update putting it back. What the
//! object holds is its ETag when the ETag is an MD5 (no SSE-KMS, no multipart upload); else the
//! stored `content_md5` as long as the ETag is still the one plat saw, and unknown once it
//! changed. (An object configured with no content argument, i.e. empty, has no argument to
//! report that way: other bytes put under its key are not seen.)
//!
//! `etag` may also be set, as in Terraform configurations (`etag = filemd5(...)`): it must then be
//! the MD5 of the content, and cannot be combined with KMS encryption.
//!
//! Refresh reads each object with one HeadObject and one GetObjectTagging: S3 has no call that
//! describes several objects with their settings and tags. Deleting an object whose bucket is
//! versioned (state has a `version_id`) deletes every version and delete marker of its key, as
//! Terraform's provider does; otherwise it is one DeleteObject. A create refuses to overwrite an
//! object that this instance did not write (import it instead); one that carries this
//! instance's ownership tags (a create whose answer was lost) is written again. Import takes
//! `BUCKET/KEY` or `s3://BUCKET/KEY`. S3 allows 10 tags per object; plat's 3 ownership tags
//! leave 7 for `tags` and the provider's `default_tags`.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ServerSideEncryption, StorageClass};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};

use super::errors::classify;
use super::handle::{carries_address, owned_identity, Aws};
use super::tags;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

/// The arguments that hold the content; at most one is set.
const CONTENT_ARGS: [&str; 3] = ["source", "content", "content_base64"];

/// S3's limit of tags per object (plat's three ownership tags count).
const MAX_TAGS: usize = 10;

/// Server-side encryption values S3 accepts.
const ENCRYPTIONS: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];

pub struct AwsS3Object {
    schema: ResourceSchema,
}

impl AwsS3Object {
    pub fn new() -> AwsS3Object {
        let text = |name| AttributeSchema::optional(name, Type::String);
        let strings = || Type::Map(Box::new(Type::String));
        let mut attributes = vec![
            AttributeSchema::required("bucket", Type::String)
                .force_new()
                .describe("Bucket the object is in."),
            AttributeSchema::required("key", Type::String)
                .force_new()
                .describe("Name of the object in the bucket (leading and repeated / are ignored, as in Terraform)."),
            text("source").describe(
                "Path of a local file whose bytes are the content (relative to where plat runs; use path.module).",
            ),
            text("content").describe("Text to store as the content (UTF-8)."),
            text("content_base64").describe("Base64 of the bytes to store as the content."),
            AttributeSchema::optional_computed("content_type", Type::String)
                .describe("MIME type; S3's default (binary/octet-stream) when unset."),
            text("cache_control"),
            text("content_disposition"),
            text("content_encoding"),
            text("content_language"),
            AttributeSchema::optional("metadata", strings())
                .describe("User metadata (x-amz-meta-*); keys in lowercase."),
            AttributeSchema::optional_computed("storage_class", Type::String)
                .describe("Storage class; STANDARD when unset."),
            AttributeSchema::optional_computed("server_side_encryption", Type::String)
                .describe("AES256, aws:kms or aws:kms:dsse; the bucket's default when unset."),
            AttributeSchema::optional_computed("kms_key_id", Type::String)
                .describe("ARN (or id) of the KMS key for SSE-KMS; setting it implies aws:kms."),
            text("source_hash").describe(
                "Any value; a change uploads the object again (kept in state only, as in Terraform).",
            ),
            AttributeSchema::optional_computed("etag", Type::String).describe(
                "ETag S3 reports. plat plans it from the content; when set it must be the content's MD5.",
            ),
            AttributeSchema::computed("content_md5", Type::String).describe(
                "Hex MD5 of the bytes plat last uploaded (state only): how content changes are seen when the ETag is not an MD5.",
            ),
            AttributeSchema::computed("version_id", Type::String)
                .describe("Version of the object plat wrote, in a versioned bucket."),
            AttributeSchema::computed("id", Type::String).describe("The key."),
            AttributeSchema::computed("arn", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsS3Object {
            schema: ResourceSchema {
                type_name: "aws_s3_object",
                description: "An object in an S3 bucket.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    fn attrs<'v>(&'v self, value: &'v Value) -> Attrs<'v> {
        Attrs::new(&self.schema, value)
    }
}

impl Default for AwsS3Object {
    fn default() -> Self {
        AwsS3Object::new()
    }
}

/// Where an object is, as S3 names it: the bucket and the key as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Location {
    bucket: String,
    key: String,
}

impl Location {
    fn of(attrs: &Attrs) -> Result<Location, ProviderError> {
        let bucket = attrs
            .string("bucket")?
            .ok_or_else(|| ProviderError::validation("bucket", "is not set"))?;
        let key = attrs
            .string("key")?
            .ok_or_else(|| ProviderError::validation("key", "is not set"))?;
        let cleaned = clean_key(&key);
        if cleaned.is_empty() {
            return Err(ProviderError::validation(
                "key",
                format!("\"{key}\" names no object: give the object a name"),
            ));
        }
        Ok(Location {
            bucket,
            key: cleaned,
        })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The key as Terraform's provider sends it: no leading `./` or `/`, runs of `/` as one.
fn clean_key(key: &str) -> String {
    let key = key.strip_prefix("./").unwrap_or(key);
    let mut out = String::with_capacity(key.len());
    for c in key.trim_start_matches('/').chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// What an import id names: `BUCKET/KEY` or `s3://BUCKET/KEY`.
fn parse_import_id(id: &str) -> Result<(String, String), ProviderError> {
    let rest = id.strip_prefix("s3://").unwrap_or(id);
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !clean_key(key).is_empty() => {
            Ok((bucket.to_owned(), key.to_owned()))
        }
        _ => Err(ProviderError::validation(
            "id",
            format!("\"{id}\" is not BUCKET/KEY or s3://BUCKET/KEY"),
        )),
    }
}

/// The bytes of the object, as the configuration gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// The configured content; `None` while an argument holding it is unknown.
fn body_of(attrs: &Attrs) -> Result<Option<Body>, ProviderError> {
    let set: Vec<&str> = CONTENT_ARGS
        .into_iter()
        .filter(|name| !attrs.get(name).is_null())
        .collect();
    if set.len() > 1 {
        return Err(ProviderError::validation(
            set[0],
            format!(
                "set only one of source, content and content_base64 (this sets {})",
                set.join(" and ")
            ),
        ));
    }
    if set.iter().any(|name| !attrs.is_known(name)) {
        return Ok(None);
    }
    Ok(Some(match set.first().copied() {
        None => Body::Bytes(Vec::new()),
        Some("source") => {
            let path = attrs.string("source")?.unwrap_or_default();
            if path.is_empty() {
                return Err(ProviderError::validation("source", "must name a file"));
            }
            Body::File(PathBuf::from(path))
        }
        Some("content_base64") => {
            let encoded = attrs.string("content_base64")?.unwrap_or_default();
            Body::Bytes(STANDARD.decode(encoded.trim()).map_err(|e| {
                ProviderError::validation("content_base64", format!("is not base64: {e}"))
            })?)
        }
        Some(_) => Body::Bytes(attrs.string("content")?.unwrap_or_default().into_bytes()),
    }))
}

/// The MD5 of a file, read in pieces (sources may be large). One run asks for it several times
/// (refresh, the plan rules, the upload), so it is kept per path while the file's size and
/// modification time stay the same.
fn md5_file(path: &Path) -> std::io::Result<[u8; 16]> {
    type Seen =
        std::collections::HashMap<std::path::PathBuf, (u64, std::time::SystemTime, [u8; 16])>;
    static SEEN: std::sync::OnceLock<std::sync::Mutex<Seen>> = std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let meta = std::fs::metadata(path)?;
    let stamp = (meta.len(), meta.modified()?);
    if let Some((len, modified, md5)) = seen.lock().ok().and_then(|s| s.get(path).copied()) {
        if (len, modified) == stamp {
            return Ok(md5);
        }
    }
    let md5 = md5_file_uncached(path)?;
    if let Ok(mut seen) = seen.lock() {
        seen.insert(path.to_owned(), (stamp.0, stamp.1, md5));
    }
    Ok(md5)
}

fn md5_file_uncached(path: &Path) -> std::io::Result<[u8; 16]> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher.finalize().into());
        }
        hasher.update(&buffer[..n]);
    }
}

impl Body {
    /// The content's MD5; an unreadable source file is an error naming its path.
    fn md5(&self) -> Result<[u8; 16], ProviderError> {
        match self {
            Body::Bytes(bytes) => Ok(Md5::digest(bytes).into()),
            Body::File(path) => md5_file(path).map_err(|e| {
                ProviderError::validation("source", format!("cannot read {}: {e}", path.display()))
            }),
        }
    }

    /// As [`Body::md5`], off the async threads.
    async fn md5_async(&self) -> Result<[u8; 16], ProviderError> {
        let body = self.clone();
        tokio::task::spawn_blocking(move || body.md5())
            .await
            .map_err(|e| ProviderError::other(format!("hashing the content stopped: {e}")))?
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an ETag is the MD5 of the object's bytes (32 hex digits: not a multipart ETag).
fn is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.chars().all(|c| c.is_ascii_hexdigit())
}

fn is_kms_encryption(sse: &str) -> bool {
    sse.starts_with("aws:kms")
}

/// Whether the object is (or will be) encrypted with SSE-KMS, whose ETags are not MD5s. An
/// unknown setting counts as KMS: nothing is promised about the ETag then.
fn wants_kms(attrs: &Attrs) -> bool {
    let sse = match attrs.string("server_side_encryption") {
        Ok(sse) => sse,
        Err(_) => return true,
    };
    sse.as_deref().is_some_and(is_kms_encryption) || !attrs.get("kms_key_id").is_null()
}

/// The settings S3 keeps with the bytes: a change means a new upload.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    content_type: Option<String>,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    content_language: Option<String>,
    metadata: BTreeMap<String, String>,
    storage_class: String,
    server_side_encryption: Option<String>,
    kms_key_id: Option<String>,
    source_hash: Option<String>,
}

impl Settings {
    /// The settings as planned or stored; an unknown one is an error (when planning, a change).
    fn of(attrs: &Attrs) -> Result<Settings, ProviderError> {
        Settings::read(attrs, |name| attrs.string(name))
    }

    /// The settings to upload with: what S3 decides (the optional-computed arguments the
    /// configuration leaves unset, unknown in a create's plan) is left to S3.
    fn to_send(attrs: &Attrs) -> Result<Settings, ProviderError> {
        Settings::read(attrs, |name| {
            if attrs.get(name).is_unknown() {
                Ok(None)
            } else {
                attrs.string(name)
            }
        })
    }

    fn read(
        attrs: &Attrs,
        string: impl Fn(&str) -> Result<Option<String>, ProviderError>,
    ) -> Result<Settings, ProviderError> {
        Ok(Settings {
            content_type: string("content_type")?,
            cache_control: string("cache_control")?,
            content_disposition: string("content_disposition")?,
            content_encoding: string("content_encoding")?,
            content_language: string("content_language")?,
            metadata: attrs.string_map("metadata")?,
            storage_class: string("storage_class")?.unwrap_or_else(|| "STANDARD".into()),
            server_side_encryption: string("server_side_encryption")?,
            kms_key_id: string("kms_key_id")?,
            source_hash: string("source_hash")?,
        })
    }
}

/// Checks of the known arguments, at plan time.
fn check(attrs: &Attrs) -> Result<(), ProviderError> {
    if let (Ok(Some(_)), Ok(Some(_))) = (attrs.string("bucket"), attrs.string("key")) {
        Location::of(attrs)?;
    }
    if let Ok(Some(sse)) = attrs.string("server_side_encryption") {
        if !ENCRYPTIONS.contains(&sse.as_str()) {
            return Err(ProviderError::validation(
                "server_side_encryption",
                format!("must be one of {}, not \"{sse}\"", ENCRYPTIONS.join(", ")),
            ));
        }
    }
    if let Ok(Some(key)) = attrs.string("kms_key_id") {
        if key.starts_with("alias/") || key.contains(":alias/") {
            return Err(ProviderError::validation(
                "kms_key_id",
                format!("\"{key}\" is an alias: give the key's ARN (aws_kms_key.NAME.arn, or an alias's target_key_arn), which is what S3 reports, or every plan would show a change"),
            ));
        }
    }
    if let Ok(metadata) = attrs.string_map("metadata") {
        if let Some(key) = metadata.keys().find(|k| k.to_lowercase() != **k) {
            return Err(ProviderError::validation(
                "metadata",
                format!("key \"{key}\" must be lowercase: S3 reports metadata keys in lowercase, so it would show a change on every plan"),
            ));
        }
    }
    if let Ok(own) = attrs.string_map("tags") {
        let room = MAX_TAGS - 3;
        if own.len() > room {
            return Err(ProviderError::validation(
                "tags",
                format!("an S3 object carries at most {MAX_TAGS} tags, and plat puts 3 ownership tags on each, so at most {room} are left; this sets {}", own.len()),
            ));
        }
    }
    Ok(())
}

/// Tags as the `x-amz-tagging` header takes them: a URL query string.
fn tagging_header(all: &BTreeMap<String, String>) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const QUERY: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    all.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY),
                utf8_percent_encode(v, QUERY)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Every tag of the object (default tags, its own, ownership: see [`tags::carried`]), checked
/// against S3's limit.
fn all_tags(
    all: BTreeMap<String, String>,
    location: &Location,
) -> Result<BTreeMap<String, String>, ProviderError> {
    if all.len() > MAX_TAGS {
        return Err(ProviderError::validation(
            "tags",
            format!(
                "{location} would carry {} tags (the provider's default_tags, its own tags and plat's 3 ownership tags), but S3 allows {MAX_TAGS} per object: remove some",
                all.len()
            ),
        ));
    }
    Ok(all)
}

/// An object as S3 describes it.
struct Found {
    head: HeadObjectOutput,
    tags: Vec<(String, String)>,
}

impl Found {
    fn etag(&self) -> Option<String> {
        self.head.e_tag().map(|e| e.trim_matches('"').to_owned())
    }

    fn encryption(&self) -> Option<&str> {
        self.head.server_side_encryption().map(|s| s.as_str())
    }

    /// The MD5 of the bytes the object holds, if it can be told: its ETag when that is an MD5,
    /// else what plat stored as long as the ETag is the one plat saw.
    fn content_md5(&self, stored: &Attrs) -> Option<String> {
        let etag = self.etag()?;
        let opaque = self.encryption().is_some_and(is_kms_encryption) || !is_md5(&etag);
        if !opaque {
            return Some(etag.to_ascii_lowercase());
        }
        let stored_etag = stored.string("etag").ok().flatten();
        if stored_etag.as_deref() == Some(etag.as_str()) {
            stored.string("content_md5").ok().flatten()
        } else {
            None
        }
    }
}

fn text(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::string(s),
        _ => Value::Null,
    }
}

impl AwsS3Object {
    /// HeadObject and GetObjectTagging; `None` when the object (or its bucket) is gone.
    async fn fetch(&self, aws: &Aws, at: &Location) -> Result<Option<Found>, ProviderError> {
        let head = match aws
            .s3()
            .head_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
        {
            Ok(head) => head,
            Err(e) => {
                return super::errors::gone_as(
                    classify(aws, e, "s3:HeadObject", &at.to_string()),
                    None,
                )
            }
        };
        let tags = match self.tags_of(aws, at).await {
            Ok(tags) => tags,
            Err(ProviderError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(Found { head, tags }))
    }

    async fn tags_of(
        &self,
        aws: &Aws,
        at: &Location,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        let out = aws
            .s3()
            .get_object_tagging()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
            .map_err(|e| classify(aws, e, "s3:GetObjectTagging", &at.to_string()))?;
        Ok(tags::s3_pairs(out.tag_set()))
    }

    /// The value of a found object. `current` is what state (or the plan) holds for it: the
    /// arguments S3 does not keep (`source`, `content`, `content_base64`, `source_hash`) come
    /// from there, as do the configured key and the shape of `tags`.
    fn value(&self, aws: &Aws, at: &Location, found: &Found, current: &Value) -> Value {
        let stored = self.attrs(current);
        let head = &found.head;
        let key = match stored.string("key") {
            Ok(Some(key)) => key,
            _ => at.key.clone(),
        };
        let metadata: BTreeMap<String, String> = head
            .metadata()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let metadata = if metadata.is_empty() && stored.get("metadata").is_null() {
            Value::Null
        } else {
            tags::map_value(&metadata)
        };
        // S3 reports the key's ARN; a configured key id that it ends with is the same key.
        let kms_key_id = match (head.ssekms_key_id(), stored.string("kms_key_id")) {
            (Some(reported), Ok(Some(configured))) if reported.ends_with(&configured) => {
                Value::string(configured)
            }
            (reported, _) => text(reported),
        };
        let partition = super::data_partition::partition_of(&aws.region);
        let (tags, tags_all) = tags::read_values(aws, found.tags.iter().cloned(), &stored);
        complete(
            &self.schema,
            &Value::Null,
            [
                ("bucket", Value::string(at.bucket.clone())),
                ("key", Value::string(key.clone())),
                ("source", stored.raw("source").clone()),
                ("content", stored.raw("content").clone()),
                ("content_base64", stored.raw("content_base64").clone()),
                ("source_hash", stored.raw("source_hash").clone()),
                ("content_type", text(head.content_type())),
                ("cache_control", text(head.cache_control())),
                ("content_disposition", text(head.content_disposition())),
                ("content_encoding", text(head.content_encoding())),
                ("content_language", text(head.content_language())),
                ("metadata", metadata),
                (
                    "storage_class",
                    Value::string(head.storage_class().map_or("STANDARD", |s| s.as_str())),
                ),
                ("server_side_encryption", text(found.encryption())),
                ("kms_key_id", kms_key_id),
                ("etag", text(found.etag().as_deref())),
                ("content_md5", text(found.content_md5(&stored).as_deref())),
                ("version_id", text(head.version_id())),
                ("id", Value::string(key)),
                (
                    "arn",
                    Value::string(format!(
                        "arn:{}:s3:::{}/{}",
                        partition.name, at.bucket, at.key
                    )),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    /// Refresh: the object as S3 has it, with the content argument null when the object no
    /// longer holds the bytes it describes (see the module documentation).
    async fn refreshed(
        &self,
        aws: &Aws,
        at: &Location,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let Some(found) = self.fetch(aws, at).await? else {
            return Ok(None);
        };
        let value = self.value(aws, at, &found, current);
        let attrs = self.attrs(&value);
        let Some(argument) = CONTENT_ARGS
            .into_iter()
            .find(|name| !attrs.get(name).is_null())
        else {
            return Ok(Some(value));
        };
        let holds = attrs.string("content_md5").ok().flatten();
        let described = match body_of(&attrs) {
            Ok(Some(body)) => body.md5_async().await.ok().map(|md5| hex(&md5)),
            _ => None,
        };
        if holds.is_some() && holds == described {
            return Ok(Some(value));
        }
        Ok(Some(complete(
            &self.schema,
            &value,
            [(argument, Value::Null)],
        )))
    }

    /// One PutObject of the planned content and settings; returns the content's MD5 (hex), the
    /// ETag and the version S3 answered with.
    async fn put(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        at: &Location,
        planned: &Value,
        all_tags: &BTreeMap<String, String>,
    ) -> Result<(String, Option<String>, Option<String>), ProviderError> {
        let attrs = self.attrs(planned);
        let body = body_of(&attrs)?
            .ok_or_else(|| ProviderError::other("the object's content is not known yet"))?;
        let md5 = body.md5_async().await?;
        let stream = match &body {
            Body::Bytes(bytes) => ByteStream::from(bytes.clone()),
            Body::File(path) => ByteStream::from_path(path).await.map_err(|e| {
                ProviderError::validation("source", format!("cannot read {}: {e}", path.display()))
            })?,
        };
        let settings = Settings::to_send(&attrs)?;
        let encryption = match (&settings.server_side_encryption, &settings.kms_key_id) {
            (Some(sse), _) => Some(ServerSideEncryption::from(sse.as_str())),
            (None, Some(_)) => Some(ServerSideEncryption::AwsKms),
            (None, None) => None,
        };
        let metadata: HashMap<String, String> = settings.metadata.clone().into_iter().collect();
        ctx.check("uploading")?;
        let out = aws
            .s3()
            .put_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .body(stream)
            // S3 refuses bytes that do not match: what `content_md5` records is what S3 holds,
            // even when the source file changes during the upload.
            .content_md5(STANDARD.encode(md5))
            .set_content_type(settings.content_type)
            .set_cache_control(settings.cache_control)
            .set_content_disposition(settings.content_disposition)
            .set_content_encoding(settings.content_encoding)
            .set_content_language(settings.content_language)
            .set_metadata((!metadata.is_empty()).then_some(metadata))
            // STANDARD is S3's default (and not every bucket type takes it spelled out).
            .set_storage_class(
                (settings.storage_class != "STANDARD")
                    .then(|| StorageClass::from(settings.storage_class.as_str())),
            )
            .set_server_side_encryption(encryption)
            .set_ssekms_key_id(settings.kms_key_id)
            .set_tagging((!all_tags.is_empty()).then(|| tagging_header(all_tags)))
            .send()
            .await
            .map_err(
                |e| match classify(aws, e, "s3:PutObject", &at.to_string()) {
                    ProviderError::Other(message) if message.contains("BadDigest") => {
                        ProviderError::other(format!(
                            "{message}; the source file changed while it was uploaded: apply again"
                        ))
                    }
                    other => other,
                },
            )?;
        Ok((
            hex(&md5),
            out.e_tag().map(|e| e.trim_matches('"').to_owned()),
            out.version_id().map(str::to_owned),
        ))
    }

    async fn put_tags(
        &self,
        aws: &Aws,
        at: &Location,
        all: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let tagging = tags::s3_tagging(all)?;
        aws.s3()
            .put_object_tagging()
            .bucket(&at.bucket)
            .key(&at.key)
            .tagging(tagging)
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(aws, e, "s3:PutObjectTagging", &at.to_string()))
    }

    /// The value after an upload or a tagging: S3's description, with what plat knows of the
    /// bytes it wrote.
    async fn written(
        &self,
        aws: &Aws,
        at: &Location,
        planned: &Value,
        written: [(&'static str, Value); 2],
        all_tags: &BTreeMap<String, String>,
    ) -> Result<Value, ProviderError> {
        let current = complete(&self.schema, planned, written);
        let head = aws
            .s3()
            .head_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
            .map_err(|e| classify(aws, e, "s3:HeadObject", &at.to_string()))?;
        let found = Found {
            head,
            tags: all_tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        Ok(self.value(aws, at, &found, &current))
    }

    /// Deletes every version and delete marker of exactly this key, a thousand at a time.
    async fn delete_versions(
        &self,
        ctx: &OpContext,
        aws: &Aws,
        at: &Location,
    ) -> Result<(), ProviderError> {
        let mut key_marker: Option<String> = None;
        let mut version_marker: Option<String> = None;
        let mut objects: Vec<ObjectIdentifier> = Vec::new();
        loop {
            let page = match aws
                .s3()
                .list_object_versions()
                .bucket(&at.bucket)
                .prefix(&at.key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    return super::errors::gone_as(
                        classify(aws, e, "s3:ListObjectVersions", &at.to_string()),
                        (),
                    )
                }
            };
            let entries = page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    page.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            for (key, version) in entries {
                if key == Some(at.key.as_str()) {
                    objects.extend(
                        ObjectIdentifier::builder()
                            .key(&at.key)
                            .set_version_id(version.map(str::to_owned))
                            .build()
                            .ok(),
                    );
                }
            }
            if page.is_truncated() != Some(true) {
                break;
            }
            key_marker = page.next_key_marker().map(str::to_owned);
            version_marker = page.next_version_id_marker().map(str::to_owned);
            if key_marker.is_none() {
                break;
            }
        }
        for chunk in objects.chunks(1000) {
            ctx.check("deleting object versions")?;
            let delete = Delete::builder()
                .set_objects(Some(chunk.to_vec()))
                .quiet(true)
                .build()
                .map_err(|e| ProviderError::other(format!("building the delete: {e}")))?;
            let out = aws
                .s3()
                .delete_objects()
                .bucket(&at.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| classify(aws, e, "s3:DeleteObjects", &at.to_string()))?;
            if let Some(error) = out.errors().first() {
                return Err(ProviderError::other(format!(
                    "s3:DeleteObjects on {at}: version {} was not deleted: {}: {}",
                    error.version_id().unwrap_or("null"),
                    error.code().unwrap_or("error"),
                    error.message().unwrap_or("")
                )));
            }
        }
        Ok(())
    }
}

impl ResourceType for AwsS3Object {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    /// Validates the known arguments, hashes the content (reading `source`), and plans an
    /// upload when the content or a setting S3 keeps with it changed: `content_md5` and (without
    /// KMS) `etag` become the new MD5, `version_id` is known after apply.
    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&crate::providers::resource::ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = self.attrs(&proposed);
        check(&attrs)?;
        let md5 = match body_of(&attrs)? {
            Some(body) => Some(hex(&body.md5()?)),
            None => None,
        };
        let kms = wants_kms(&attrs);
        // An etag the configuration sets (Terraform's `etag = filemd5(...)`): proposed and
        // different from what the object has.
        let prior_etag = prior.map(|p| self.attrs(p).get("etag").clone());
        let configured_etag = match attrs.get("etag") {
            Value::String(etag) if prior_etag.as_ref().and_then(|p| p.as_str()) != Some(etag) => {
                Some(etag.clone())
            }
            _ => None,
        };
        if let Some(etag) = &configured_etag {
            if kms {
                return Err(ProviderError::validation(
                    "etag",
                    "cannot be set for a KMS-encrypted object (its ETag is not an MD5): remove it; plat sees content changes itself",
                ));
            }
            if let Some(md5) = &md5 {
                if !etag.eq_ignore_ascii_case(md5) {
                    return Err(ProviderError::validation(
                        "etag",
                        format!("is \"{etag}\" but the content's MD5 is \"{md5}\": remove etag (plat plans it from the content) or set it to filemd5() of the source"),
                    ));
                }
            }
        }
        let new_etag = match (&md5, kms) {
            (Some(md5), false) => Value::string(md5.clone()),
            _ => unknown(&self.schema, "etag"),
        };
        let new_md5 = md5
            .clone()
            .map_or_else(|| unknown(&self.schema, "content_md5"), Value::String);
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let Some(prior) = prior else {
            let id = match attrs.string("key") {
                Ok(Some(key)) => Value::String(key),
                _ => unknown(&self.schema, "id"),
            };
            return Ok(complete(
                &self.schema,
                &proposed,
                [
                    ("id", id),
                    ("arn", unknown(&self.schema, "arn")),
                    // The bucket's default encryption may be SSE-KMS: known after apply.
                    ("etag", unknown(&self.schema, "etag")),
                    ("content_md5", new_md5),
                    ("version_id", unknown(&self.schema, "version_id")),
                    ("tags_all", tags_all),
                ],
            ));
        };
        let before = self.attrs(prior);
        let planned = keep_computed(&self.schema, prior, &proposed);
        let settings_changed = match (Settings::of(&before), Settings::of(&attrs)) {
            (Ok(before), Ok(after)) => before != after,
            _ => true,
        };
        let content_changed = md5.is_none() || before.string("content_md5").ok().flatten() != md5;
        let set = if settings_changed || content_changed {
            vec![
                ("etag", new_etag),
                ("content_md5", new_md5),
                ("version_id", unknown(&self.schema, "version_id")),
                ("tags_all", tags_all),
            ]
        } else {
            vec![("etag", before.raw("etag").clone()), ("tags_all", tags_all)]
        };
        Ok(complete(&self.schema, &planned, set))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let at = Location::of(&self.attrs(planned))?;
            let address = ctx.address.as_deref();
            let all = all_tags(tags::carried(aws, &self.schema, planned, address)?, &at)?;
            // Never overwrite an object this instance did not write.
            if let Some(found) = self.fetch(aws, &at).await? {
                let carried = found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                if !carries_address(carried, address) {
                    return Err(ProviderError::Conflict(format!(
                        "an object {at} already exists and this stack did not write it: import it with plat import (id {}/{}), or choose another key",
                        at.bucket, at.key
                    )));
                }
            }
            let (md5, etag, _) = self.put(ctx, aws, &at, planned, &all).await?;
            self.written(
                aws,
                &at,
                planned,
                [
                    ("content_md5", Value::String(md5)),
                    ("etag", text(etag.as_deref())),
                ],
                &all,
            )
            .await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let at = Location::of(&self.attrs(current))?;
            self.refreshed(aws, &at, current).await
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let before = self.attrs(prior);
            let after = self.attrs(planned);
            let at = Location::of(&after)?;
            let address = ctx.address.as_deref();
            let all = all_tags(tags::carried(aws, &self.schema, planned, address)?, &at)?;
            let body = body_of(&after)?
                .ok_or_else(|| ProviderError::other("the object's content is not known yet"))?;
            let md5 = hex(&body.md5_async().await?);
            let upload = Settings::of(&before)? != Settings::of(&after)?
                || before.string("content_md5")?.as_deref() != Some(md5.as_str());
            let written = if upload {
                let (md5, etag, _) = self.put(ctx, aws, &at, planned, &all).await?;
                [
                    ("content_md5", Value::String(md5)),
                    ("etag", text(etag.as_deref())),
                ]
            } else {
                // What the object carries, not what state says: an imported object has
                // neither the default tags nor plat's ownership tags yet.
                let had: BTreeMap<String, String> =
                    self.tags_of(aws, &at).await?.into_iter().collect();
                if had != all {
                    self.put_tags(aws, &at, &all).await?;
                }
                [
                    ("content_md5", before.raw("content_md5").clone()),
                    ("etag", before.raw("etag").clone()),
                ]
            };
            self.written(aws, &at, planned, written, &all).await
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = self.attrs(current);
            let at = Location::of(&attrs)?;
            // In a versioned bucket a plain delete only adds a delete marker: remove every
            // version of the key, as Terraform's provider does.
            if attrs.string("version_id")?.is_some_and(|v| !v.is_empty()) {
                return self.delete_versions(ctx, aws, &at).await;
            }
            match aws
                .s3()
                .delete_object()
                .bucket(&at.bucket)
                .key(&at.key)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => {
                    super::errors::gone_as(classify(aws, e, "s3:DeleteObject", &at.to_string()), ())
                }
            }
        })
    }

    /// Imports `BUCKET/KEY` or `s3://BUCKET/KEY`. The content arguments cannot be read back,
    /// so the first plan after an import shows them as an update; it uploads nothing when the
    /// object already holds those bytes.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (bucket, key) = parse_import_id(id)?;
            let at = Location {
                bucket,
                key: clean_key(&key),
            };
            let current = complete(&self.schema, &Value::Null, [("key", Value::String(key))]);
            let found = self
                .fetch(aws, &at)
                .await?
                .ok_or_else(|| ProviderError::validation("id", format!("no object {at}")))?;
            Ok(self.value(aws, &at, &found, &current))
        })
    }

    /// The bucket and key, with the instance's address for the ownership check.
    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let at = Location::of(&self.attrs(planned)).ok()?;
        let mut identity = owned_identity(ctx)?;
        identity["bucket"] = serde_json::Value::String(at.bucket);
        identity["key"] = serde_json::Value::String(at.key);
        Some(identity)
    }

    /// The object at the identity's bucket and key, if this instance wrote it.
    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let field = |name: &str| identity.get(name).and_then(|v| v.as_str());
            let (Some(bucket), Some(key), Some(address)) =
                (field("bucket"), field("key"), field("address"))
            else {
                return Ok(None);
            };
            let at = Location {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            };
            let Some(found) = self.fetch(aws, &at).await? else {
                return Ok(None);
            };
            let carried = found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if !carries_address(carried, Some(address)) {
                return Ok(None);
            }
            Ok(Some(self.value(aws, &at, &found, &Value::Null)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{attr, config, text as text_of};

    fn object() -> AwsS3Object {
        AwsS3Object::new()
    }

    fn md5_hex(bytes: &[u8]) -> String {
        hex(&Md5::digest(bytes))
    }

    fn base(extra: &[(&'static str, Value)]) -> Vec<(&'static str, Value)> {
        let mut set: Vec<(&'static str, Value)> =
            vec![("bucket", Value::string("b")), ("key", Value::string("k"))];
        set.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
        set.extend(extra.iter().cloned());
        set
    }

    fn planned_create(extra: &[(&'static str, Value)]) -> Result<Value, ProviderError> {
        let o = object();
        let set: Vec<(&str, Value)> = base(extra).into_iter().collect();
        o.plan(None, config(&o.schema, &set))
    }

    /// A stored object holding `content`, as refresh would report it (ETag = MD5).
    fn stored(content: &str, extra: &[(&'static str, Value)]) -> Value {
        let o = object();
        let md5 = md5_hex(content.as_bytes());
        let mut set = base(extra);
        set.extend([
            ("content", Value::string(content)),
            ("content_type", Value::string("binary/octet-stream")),
            ("storage_class", Value::string("STANDARD")),
            ("etag", Value::string(md5.clone())),
            ("content_md5", Value::string(md5)),
            ("version_id", Value::string("v1")),
            ("id", Value::string("k")),
            ("arn", Value::string("arn:aws:s3:::b/k")),
        ]);
        complete(&o.schema, &Value::Null, set)
    }

    /// The proposed value of an update: the configuration over the prior's computed values.
    fn proposed(prior: &Value, set: &[(&'static str, Value)]) -> Value {
        complete(&object().schema, prior, set.iter().cloned())
    }

    #[test]
    fn keys_and_import_ids_read_as_terraform_does() {
        assert_eq!(clean_key("/a//b///c"), "a/b/c");
        assert_eq!(clean_key("./x.txt"), "x.txt");
        assert_eq!(clean_key("///"), "");
        assert_eq!(
            parse_import_id("bucket/dir/key.txt").unwrap(),
            ("bucket".into(), "dir/key.txt".into())
        );
        assert_eq!(
            parse_import_id("s3://bucket/key").unwrap(),
            ("bucket".into(), "key".into())
        );
        assert!(parse_import_id("bucket").is_err());
        assert!(parse_import_id("s3://bucket/").is_err());
    }

    #[test]
    fn tagging_header_is_a_query_string() {
        let tags = BTreeMap::from([
            (
                "plat:address".to_owned(),
                "aws_s3_object.a[\"x y\"]".to_owned(),
            ),
            ("team".to_owned(), "ml&ops".to_owned()),
        ]);
        assert_eq!(
            tagging_header(&tags),
            "plat%3Aaddress=aws_s3_object.a%5B%22x%20y%22%5D&team=ml%26ops"
        );
    }

    #[test]
    fn create_hashes_the_content_and_leaves_the_etag_to_s3() {
        let planned = planned_create(&[("content", Value::string("hello"))]).unwrap();
        assert_eq!(text_of(&planned, "content_md5"), md5_hex(b"hello"));
        assert!(attr(&planned, "etag").is_unknown());
        assert!(attr(&planned, "version_id").is_unknown());
        assert_eq!(text_of(&planned, "id"), "k");

        let planned = planned_create(&[("content_base64", Value::string("aGVsbG8="))]).unwrap();
        assert_eq!(text_of(&planned, "content_md5"), md5_hex(b"hello"));
        let planned = planned_create(&[]).unwrap();
        assert_eq!(text_of(&planned, "content_md5"), md5_hex(b""));
    }

    #[test]
    fn arguments_are_checked_at_plan_time() {
        let err = planned_create(&[
            ("content", Value::string("a")),
            ("source", Value::string("f")),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("set only one of"), "{err}");
        let err = planned_create(&[("source", Value::string("/nonexistent/plat/model.bin"))])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot read /nonexistent/plat/model.bin"),
            "{err}"
        );
        let err = planned_create(&[("content_base64", Value::string("%%%"))]).unwrap_err();
        assert!(err.to_string().contains("not base64"), "{err}");
        let err =
            planned_create(&[("server_side_encryption", Value::string("rot13"))]).unwrap_err();
        assert!(err.to_string().contains("must be one of"), "{err}");
        let err = planned_create(&[("kms_key_id", Value::string("alias/s3"))]).unwrap_err();
        assert!(err.to_string().contains("is an alias"), "{err}");
        let metadata = Value::Map([("Owner".to_owned(), Value::string("x"))].into());
        let err = planned_create(&[("metadata", metadata)]).unwrap_err();
        assert!(err.to_string().contains("must be lowercase"), "{err}");
        let err = planned_create(&[("etag", Value::string("0123"))]).unwrap_err();
        assert!(err.to_string().contains("content's MD5"), "{err}");
        let err = planned_create(&[
            ("server_side_encryption", Value::string("aws:kms")),
            ("etag", Value::string(md5_hex(b""))),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("KMS"), "{err}");
        let err = planned_create(&[("key", Value::string("//"))]).unwrap_err();
        assert!(err.to_string().contains("names no object"), "{err}");
        let tags = Value::Map(
            (0..8)
                .map(|i| (format!("t{i}"), Value::string("v")))
                .collect(),
        );
        let err = planned_create(&[("tags", tags)]).unwrap_err();
        assert!(err.to_string().contains("at most 7"), "{err}");
        // Unknown content is fine: hashed at apply.
        let planned = planned_create(&[("content", Value::Unknown(Type::String))]).unwrap();
        assert!(attr(&planned, "content_md5").is_unknown());
    }

    #[test]
    fn new_content_plans_the_new_etag_and_a_new_version() {
        let o = object();
        let prior = stored("one", &[]);
        let planned = o
            .plan(
                Some(&prior),
                proposed(&prior, &[("content", Value::string("two"))]),
            )
            .unwrap();
        assert_eq!(text_of(&planned, "etag"), md5_hex(b"two"));
        assert_eq!(text_of(&planned, "content_md5"), md5_hex(b"two"));
        assert!(attr(&planned, "version_id").is_unknown());
    }

    #[test]
    fn kms_objects_plan_an_unknown_etag() {
        let o = object();
        let kms = [("server_side_encryption", Value::string("aws:kms"))];
        let prior = stored("one", &kms);
        let mut set = kms.to_vec();
        set.push(("content", Value::string("two")));
        let planned = o.plan(Some(&prior), proposed(&prior, &set)).unwrap();
        assert!(attr(&planned, "etag").is_unknown());
        assert_eq!(text_of(&planned, "content_md5"), md5_hex(b"two"));
    }

    #[test]
    fn tags_alone_keep_the_etag_and_version() {
        let o = object();
        let prior = stored("one", &[]);
        let tags = Value::Map([("a".to_owned(), Value::string("b"))].into());
        let planned = o
            .plan(Some(&prior), proposed(&prior, &[("tags", tags)]))
            .unwrap();
        assert_eq!(text_of(&planned, "etag"), md5_hex(b"one"));
        assert_eq!(text_of(&planned, "version_id"), "v1");
        assert!(attr(&planned, "tags_all").is_unknown());
    }

    #[test]
    fn a_changed_setting_uploads_again() {
        let o = object();
        let prior = stored("one", &[]);
        let planned = o
            .plan(
                Some(&prior),
                proposed(&prior, &[("cache_control", Value::string("no-cache"))]),
            )
            .unwrap();
        assert_eq!(text_of(&planned, "etag"), md5_hex(b"one"));
        assert!(attr(&planned, "version_id").is_unknown());
    }

    #[test]
    fn a_changed_source_file_plans_an_upload() {
        let dir = std::env::temp_dir().join(format!("plat-s3-object-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.txt");
        std::fs::write(&path, "one").unwrap();
        let o = object();
        let source = Value::string(path.to_string_lossy().into_owned());
        let mut prior = stored("one", &[]);
        prior = complete(
            &o.schema,
            &prior,
            [("content", Value::Null), ("source", source.clone())],
        );
        std::fs::write(&path, "two").unwrap();
        let planned = o
            .plan(Some(&prior), proposed(&prior, &[("source", source)]))
            .unwrap();
        assert_eq!(text_of(&planned, "etag"), md5_hex(b"two"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
