//! `local_file`: a file on the local machine, written atomically.
//!
//! Every argument forces a new file. Read reports a deleted file as gone and an edited file with
//! its on-disk content (so the plan replaces it). The file's path and content hash identify it,
//! so a file written just before a crash is adopted by `find`.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha1::Digest;

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

/// The computed attributes: hashes of the content (`id` is its SHA-1).
const HASHES: [&str; 7] = [
    "id",
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_base64sha256",
    "content_sha512",
    "content_base64sha512",
];

pub struct LocalFile {
    schema: ResourceSchema,
}

impl LocalFile {
    pub fn new() -> LocalFile {
        LocalFile { schema: schema() }
    }
}

impl Default for LocalFile {
    fn default() -> Self {
        LocalFile::new()
    }
}

fn schema() -> ResourceSchema {
    let permission = |name| {
        AttributeSchema::optional(name, Type::String)
            .force_new()
            .default("0777")
            .describe("Unix permissions in octal, as created (subject to the umask).")
    };
    let mut attributes = vec![
        AttributeSchema::required("filename", Type::String)
            .force_new()
            .describe("Path of the file; parent directories are created."),
        AttributeSchema::optional("content", Type::String)
            .force_new()
            .describe("Text to write; exactly one of content and content_base64."),
        AttributeSchema::optional("content_base64", Type::String)
            .force_new()
            .describe("Base64 of the bytes to write."),
        permission("file_permission"),
        permission("directory_permission"),
    ];
    attributes.extend(
        HASHES
            .iter()
            .map(|name| AttributeSchema::computed(name, Type::String)),
    );
    ResourceSchema {
        type_name: "local_file",
        description: "A file on the machine that runs plat.",
        attributes,
        blocks: Vec::new(),
    }
}

/// Which argument holds the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Text,
    Base64,
}

/// What a configuration asks for.
struct Desired {
    filename: PathBuf,
    bytes: Vec<u8>,
    encoding: Encoding,
    file_mode: u32,
    directory_mode: u32,
}

impl Desired {
    fn from_attrs(attrs: &Attrs) -> Result<Desired, ProviderError> {
        let filename = attrs.string("filename")?.unwrap_or_default();
        if filename.is_empty() {
            return Err(ProviderError::validation("filename", "must not be empty"));
        }
        let (bytes, encoding) = content(attrs)?;
        Ok(Desired {
            filename: PathBuf::from(filename),
            bytes,
            encoding,
            file_mode: mode(attrs, "file_permission")?,
            directory_mode: mode(attrs, "directory_permission")?,
        })
    }
}

/// The bytes to write: exactly one of `content` and `content_base64`.
fn content(attrs: &Attrs) -> Result<(Vec<u8>, Encoding), ProviderError> {
    match (attrs.string("content")?, attrs.string("content_base64")?) {
        (Some(text), None) => Ok((text.into_bytes(), Encoding::Text)),
        (None, Some(encoded)) => STANDARD
            .decode(encoded.trim())
            .map(|bytes| (bytes, Encoding::Base64))
            .map_err(|e| {
                ProviderError::validation("content_base64", format!("is not base64: {e}"))
            }),
        (Some(_), Some(_)) => Err(ProviderError::validation(
            "content",
            "set only one of content and content_base64",
        )),
        (None, None) => Err(ProviderError::validation(
            "content",
            "set one of content and content_base64",
        )),
    }
}

/// A permission: three or four octal digits ("0644", "755").
fn mode(attrs: &Attrs, name: &str) -> Result<u32, ProviderError> {
    let text = attrs.string(name)?.unwrap_or_else(|| "0777".to_owned());
    let valid = matches!(text.len(), 3 | 4) && text.chars().all(|c| matches!(c, '0'..='7'));
    match u32::from_str_radix(&text, 8) {
        Ok(mode) if valid => Ok(mode),
        _ => Err(ProviderError::validation(
            name,
            format!("\"{text}\" is not a permission: write 3 or 4 octal digits, like \"0644\""),
        )),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex(&sha1::Sha1::digest(bytes))
}

/// The computed attributes of this content.
pub(super) fn hashes(bytes: &[u8]) -> Vec<(&'static str, Value)> {
    let sha1 = sha1_hex(bytes);
    let sha256 = sha2::Sha256::digest(bytes);
    let sha512 = sha2::Sha512::digest(bytes);
    vec![
        ("id", Value::string(sha1.clone())),
        ("content_md5", Value::String(hex(&md5::Md5::digest(bytes)))),
        ("content_sha1", Value::String(sha1)),
        ("content_sha256", Value::String(hex(&sha256))),
        (
            "content_base64sha256",
            Value::String(STANDARD.encode(sha256)),
        ),
        ("content_sha512", Value::String(hex(&sha512))),
        (
            "content_base64sha512",
            Value::String(STANDARD.encode(sha512)),
        ),
    ]
}

/// The content attributes for bytes found on disk, in the encoding the resource uses.
fn content_attributes(
    bytes: &[u8],
    encoding: Encoding,
    sensitive: bool,
) -> Vec<(&'static str, Value)> {
    let (content, content_base64) = match encoding {
        Encoding::Text => (
            Value::String(String::from_utf8_lossy(bytes).into_owned()).mark_if(sensitive),
            Value::Null,
        ),
        Encoding::Base64 => (
            Value::Null,
            Value::String(STANDARD.encode(bytes)).mark_if(sensitive),
        ),
    };
    let mut set = vec![("content", content), ("content_base64", content_base64)];
    set.extend(hashes(bytes));
    set
}

fn io_error(action: &str, path: &Path, e: std::io::Error) -> ProviderError {
    ProviderError::other(format!("cannot {action} {}: {e}", path.display()))
}

/// Runs blocking file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ProviderError> + Send + 'static,
) -> Result<T, ProviderError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ProviderError::other(format!("file operation stopped: {e}")))?
}

/// The file's bytes, or None when there is no file.
pub(super) fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, ProviderError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path, e)),
    }
}

/// Writes the file through a temporary file in the same directory and a rename, so a reader
/// (or a crash) never sees a partial file.
fn write_atomically(desired: &Desired) -> Result<(), ProviderError> {
    let path = &desired.filename;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, desired.directory_mode);
    builder
        .create(&parent)
        .map_err(|e| io_error("create directory", &parent, e))?;

    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ProviderError::validation("filename", "names a directory, not a file"))?;
    let temp = parent.join(format!(
        ".{name}.plat-{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, desired.file_mode);
    let written = options
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(&desired.bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error("write", path, e));
    }
    Ok(())
}

#[cfg(unix)]
fn permission_of(metadata: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!("{:04o}", metadata.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn permission_of(_metadata: &std::fs::Metadata) -> String {
    "0777".to_owned()
}

impl ResourceType for LocalFile {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    /// Validates known arguments; the hashes are known at plan time when the content is.
    fn plan(&self, _prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        let computed = if attrs.arguments_known() {
            hashes(&Desired::from_attrs(&attrs)?.bytes)
        } else {
            HASHES
                .iter()
                .map(|name| (*name, unknown(&self.schema, name)))
                .collect()
        };
        Ok(complete(&self.schema, &proposed, computed))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let desired = Desired::from_attrs(&Attrs::new(&self.schema, planned))?;
            ctx.check("writing the file")?;
            let computed = hashes(&desired.bytes);
            blocking(move || write_atomically(&desired)).await?;
            Ok(complete(&self.schema, planned, computed))
        })
    }

    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, current);
            let filename = PathBuf::from(attrs.string("filename")?.unwrap_or_default());
            let Some(bytes) = blocking(move || read_bytes(&filename)).await? else {
                return Ok(None);
            };
            if attrs.string("id").ok().flatten() == Some(sha1_hex(&bytes)) {
                return Ok(Some(complete(&self.schema, current, [])));
            }
            let encoding = if attrs.get("content_base64").is_null() {
                Encoding::Text
            } else {
                Encoding::Base64
            };
            let sensitive =
                attrs.raw("content").is_sensitive() || attrs.raw("content_base64").is_sensitive();
            let set = content_attributes(&bytes, encoding, sensitive);
            Ok(Some(complete(&self.schema, current, set)))
        })
    }

    /// Every argument forces a new file, so an update only rewrites the same file.
    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        self.create(ctx, planned)
    }

    fn delete<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let filename = Attrs::new(&self.schema, current).string("filename")?;
            let Some(filename) = filename.map(PathBuf::from) else {
                return Ok(());
            };
            blocking(move || match std::fs::remove_file(&filename) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error("delete", &filename, e)),
            })
            .await
        })
    }

    /// Imports an existing file: the id is its path. Its content goes to `content` when it is
    /// UTF-8 text, else to `content_base64`.
    fn import<'a>(
        &'a self,
        _ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let path = PathBuf::from(id);
            let found = blocking(move || {
                let metadata = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(io_error("read", &path, e)),
                };
                Ok(read_bytes(&path)?.map(|bytes| (bytes, permission_of(&metadata))))
            })
            .await?;
            let Some((bytes, permission)) = found else {
                return Err(ProviderError::NotFound);
            };
            let encoding = match std::str::from_utf8(&bytes) {
                Ok(_) => Encoding::Text,
                Err(_) => Encoding::Base64,
            };
            let mut set = content_attributes(&bytes, encoding, false);
            set.push(("filename", Value::string(id)));
            set.push(("file_permission", Value::String(permission)));
            set.push(("directory_permission", Value::string("0777")));
            Ok(complete(&self.schema, &Value::Null, set))
        })
    }

    /// The path, the content's hash and the arguments `find` needs to rebuild the value.
    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let attrs = Attrs::new(&self.schema, planned);
        let desired = Desired::from_attrs(&attrs).ok()?;
        Some(serde_json::json!({
            "filename": attrs.string("filename").ok()??,
            "content_sha1": sha1_hex(&desired.bytes),
            "encoding": match desired.encoding { Encoding::Text => "text", Encoding::Base64 => "base64" },
            "sensitive": attrs.raw("content").is_sensitive() || attrs.raw("content_base64").is_sensitive(),
            "file_permission": attrs.string("file_permission").ok()??,
            "directory_permission": attrs.string("directory_permission").ok()??,
        }))
    }

    /// The file at the identity's path, if it holds the expected content.
    fn find<'a>(
        &'a self,
        _ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let field = |name: &str| identity.get(name).and_then(serde_json::Value::as_str);
            let (Some(filename), Some(expected)) = (field("filename"), field("content_sha1"))
            else {
                return Err(ProviderError::other("local_file identity lacks filename"));
            };
            let path = PathBuf::from(filename);
            let Some(bytes) = blocking(move || read_bytes(&path)).await? else {
                return Ok(None);
            };
            if sha1_hex(&bytes) != expected {
                return Ok(None);
            }
            let encoding = match field("encoding") {
                Some("base64") => Encoding::Base64,
                _ => Encoding::Text,
            };
            let sensitive = identity
                .get("sensitive")
                .and_then(serde_json::Value::as_bool);
            let mut set = content_attributes(&bytes, encoding, sensitive == Some(true));
            set.push(("filename", Value::string(filename)));
            for name in ["file_permission", "directory_permission"] {
                set.push((name, Value::string(field(name).unwrap_or("0777"))));
            }
            Ok(Some(complete(&self.schema, &Value::Null, set)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("plat-local-file-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn file(&self, name: &str) -> String {
            self.0.join(name).to_string_lossy().into_owned()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn create_read_update_delete() {
        let r = LocalFile::new();
        let ctx = OpContext::new();
        let dir = TempDir::new();
        let filename = dir.file("a/b/out.txt");
        let cfg = config(
            r.schema(),
            &[
                ("filename", Value::string(&filename)),
                ("content", Value::from("hello\n")),
                ("file_permission", Value::from("0640")),
            ],
        );
        let planned = r.plan(None, cfg).unwrap();
        assert_eq!(
            text(&planned, "id"),
            "f572d396fae9206628714fb2ce00f72e94f2258f"
        );
        assert_eq!(
            text(&planned, "content_sha256"),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(
            text(&planned, "content_md5"),
            "b1946ac92492d2347c6235b4d2611184"
        );

        let created = r.create(&ctx, &planned).await.unwrap();
        assert_complete(r.schema(), &created);
        assert_eq!(created, planned, "plan knew every value");
        assert_eq!(std::fs::read_to_string(&filename).unwrap(), "hello\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&filename).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.0.join("a/b")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");

        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));
        let updated = r.update(&ctx, &created, &created).await.unwrap();
        assert_eq!(updated, created);

        r.delete(&ctx, &created).await.unwrap();
        assert!(!Path::new(&filename).exists());
        r.delete(&ctx, &created).await.unwrap();
        assert_eq!(r.read(&ctx, &created).await.unwrap(), None, "gone");
    }

    #[tokio::test]
    async fn read_reports_external_edits() {
        let r = LocalFile::new();
        let ctx = OpContext::new();
        let dir = TempDir::new();
        let filename = dir.file("f");
        let secret = Value::from("one").sensitive();
        let cfg = config(
            r.schema(),
            &[("filename", Value::string(&filename)), ("content", secret)],
        );
        let created = r.create(&ctx, &r.plan(None, cfg).unwrap()).await.unwrap();
        std::fs::write(&filename, "two").unwrap();
        let read = r.read(&ctx, &created).await.unwrap().unwrap();
        assert_eq!(text(&read, "content"), "two");
        assert!(attr(&read, "content").is_sensitive(), "marks kept");
        assert_eq!(text(&read, "id"), sha1_hex(b"two"));
        assert_eq!(text(&read, "filename"), filename);

        std::fs::remove_file(&filename).unwrap();
        assert_eq!(r.read(&ctx, &created).await.unwrap(), None);
    }

    #[tokio::test]
    async fn base64_content_round_trips() {
        let r = LocalFile::new();
        let ctx = OpContext::new();
        let dir = TempDir::new();
        let filename = dir.file("bin");
        let cfg = config(
            r.schema(),
            &[
                ("filename", Value::string(&filename)),
                ("content_base64", Value::from("AP8=")),
            ],
        );
        let created = r.create(&ctx, &r.plan(None, cfg).unwrap()).await.unwrap();
        assert_eq!(std::fs::read(&filename).unwrap(), vec![0u8, 0xff]);
        std::fs::write(&filename, [0xffu8]).unwrap();
        let read = r.read(&ctx, &created).await.unwrap().unwrap();
        assert_eq!(text(&read, "content_base64"), "/w==");
        assert!(attr(&read, "content").is_null());

        let imported = r.import(&ctx, &filename).await.unwrap();
        assert_complete(r.schema(), &imported);
        assert_eq!(text(&imported, "content_base64"), "/w==", "not UTF-8");
    }

    #[tokio::test]
    async fn find_adopts_a_file_written_before_a_crash() {
        let r = LocalFile::new();
        let ctx = OpContext::new();
        let dir = TempDir::new();
        let filename = dir.file("adopt.txt");
        let cfg = config(
            r.schema(),
            &[
                ("filename", Value::string(&filename)),
                ("content", Value::from("x")),
                ("file_permission", Value::from("0600")),
            ],
        );
        let planned = r.plan(None, cfg).unwrap();
        let identity = r.identity(&OpContext::new(), &planned).unwrap();
        assert_eq!(
            r.find(&ctx, &identity).await.unwrap(),
            None,
            "not written yet"
        );
        let created = r.create(&ctx, &planned).await.unwrap();
        assert_eq!(r.find(&ctx, &identity).await.unwrap(), Some(created));
        std::fs::write(&filename, "someone else's").unwrap();
        assert_eq!(
            r.find(&ctx, &identity).await.unwrap(),
            None,
            "different content"
        );
    }

    #[test]
    fn invalid_arguments_name_the_attribute() {
        let r = LocalFile::new();
        let table: &[(&[(&str, Value)], &str)] = &[
            (&[("filename", Value::from("f"))], "content"),
            (
                &[
                    ("filename", Value::from("f")),
                    ("content", Value::from("a")),
                    ("content_base64", Value::from("YQ==")),
                ],
                "content",
            ),
            (
                &[
                    ("filename", Value::from("f")),
                    ("content_base64", Value::from("***")),
                ],
                "content_base64",
            ),
            (
                &[
                    ("filename", Value::from("f")),
                    ("content", Value::from("a")),
                    ("file_permission", Value::from("0999")),
                ],
                "file_permission",
            ),
            (
                &[
                    ("filename", Value::from("f")),
                    ("content", Value::from("a")),
                    ("directory_permission", Value::from("7")),
                ],
                "directory_permission",
            ),
            (
                &[("filename", Value::from("")), ("content", Value::from("a"))],
                "filename",
            ),
        ];
        for (set, attribute) in table {
            match r.plan(None, config(r.schema(), set)) {
                Err(ProviderError::Validation {
                    attribute: Some(a), ..
                }) => {
                    assert_eq!(a, *attribute, "{set:?}")
                }
                other => panic!("{set:?}: {other:?}"),
            }
        }
        let unknown_content = config(
            r.schema(),
            &[
                ("filename", Value::from("f")),
                ("content", Value::Unknown(Type::String)),
            ],
        );
        let planned = r.plan(None, unknown_content).unwrap();
        assert!(attr(&planned, "id").is_unknown());
        for a in r.schema().attributes.iter().filter(|a| a.settable()) {
            assert!(a.force_new, "{}", a.name);
        }
    }
}
