//! `data "local_file"`: reads a file on the machine that runs plat (its content and hashes).

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::local_file::{blocking, hashes, read_bytes};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct LocalFileData {
    schema: ResourceSchema,
}

impl LocalFileData {
    pub fn new() -> LocalFileData {
        LocalFileData { schema: schema() }
    }
}

impl Default for LocalFileData {
    fn default() -> Self {
        Self::new()
    }
}

fn schema() -> ResourceSchema {
    let computed = |name| AttributeSchema::computed(name, Type::String);
    ResourceSchema {
        type_name: "local_file",
        description: "Reads a file: its content (text and base64) and hashes.",
        attributes: vec![
            AttributeSchema::required("filename", Type::String).describe("The file to read."),
            computed("content"),
            computed("content_base64"),
            computed("id"),
            computed("content_md5"),
            computed("content_sha1"),
            computed("content_sha256"),
            computed("content_base64sha256"),
            computed("content_sha512"),
            computed("content_base64sha512"),
        ],
        blocks: Vec::new(),
    }
}

impl DataSource for LocalFileData {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    /// Reads the file named by the configuration.
    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, current);
            let Some(name) = attrs.string("filename")? else {
                return Err(ProviderError::validation(
                    "filename",
                    "the file name is not set",
                ));
            };
            let path = PathBuf::from(&name);
            let bytes = blocking(move || read_bytes(&path)).await?.ok_or_else(|| {
                ProviderError::validation("filename", format!("there is no file {name}"))
            })?;
            let mut set = vec![
                (
                    "content",
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                ),
                ("content_base64", Value::String(STANDARD.encode(&bytes))),
            ];
            set.extend(hashes(&bytes));
            Ok(Some(complete(&self.schema, current, set)))
        })
    }
}
