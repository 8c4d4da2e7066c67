//! `data "aws_iam_policy_document"`: `statement` blocks (with `principals`, `not_principals` and
//! `condition`) rendered to policy JSON as Terraform's AWS provider renders it: one-element lists
//! as a plain string, lists sorted, `Principal: "*"` for `type = "*"`. Nothing is asked of AWS.

use serde_json::{json, Map, Value as Json};

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct PolicyDocument {
    schema: ResourceSchema,
}

fn strings() -> Type {
    Type::Set(Box::new(Type::String))
}

fn block(
    name: &'static str,
    nesting: Nesting,
    attributes: Vec<AttributeSchema>,
    blocks: Vec<BlockSchema>,
) -> BlockSchema {
    BlockSchema {
        name,
        nesting,
        min_items: 0,
        max_items: None,
        optional_computed: false,
        attributes,
        blocks,
    }
}

impl PolicyDocument {
    pub fn new() -> PolicyDocument {
        let principals = |name| {
            block(
                name,
                Nesting::Set,
                vec![
                    AttributeSchema::required("type", Type::String),
                    AttributeSchema::required("identifiers", strings()),
                ],
                Vec::new(),
            )
        };
        let statement = block(
            "statement",
            Nesting::List,
            vec![
                AttributeSchema::optional("sid", Type::String),
                AttributeSchema::optional("effect", Type::String).default("Allow"),
                AttributeSchema::optional("actions", strings()),
                AttributeSchema::optional("not_actions", strings()),
                AttributeSchema::optional("resources", strings()),
                AttributeSchema::optional("not_resources", strings()),
            ],
            vec![
                principals("principals"),
                principals("not_principals"),
                block(
                    "condition",
                    Nesting::Set,
                    vec![
                        AttributeSchema::required("test", Type::String),
                        AttributeSchema::required("variable", Type::String),
                        AttributeSchema::required("values", Type::List(Box::new(Type::String))),
                    ],
                    Vec::new(),
                ),
            ],
        );
        PolicyDocument {
            schema: ResourceSchema {
                type_name: "aws_iam_policy_document",
                description: "An IAM policy document built from blocks.",
                attributes: vec![
                    AttributeSchema::optional("version", Type::String).default("2012-10-17"),
                    AttributeSchema::optional("policy_id", Type::String),
                    AttributeSchema::computed("json", Type::String),
                    AttributeSchema::computed("minified_json", Type::String),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: vec![statement],
            },
        }
    }
}

impl Default for PolicyDocument {
    fn default() -> Self {
        PolicyDocument::new()
    }
}

/// One string, or a sorted list of them, as IAM writes them.
fn one_or_many(mut items: Vec<String>) -> Json {
    items.sort();
    items.dedup();
    if items.len() == 1 {
        Json::String(items.remove(0))
    } else {
        json!(items)
    }
}

fn principals(block: &BlockSchema, values: &[&Value]) -> Result<Option<Json>, ProviderError> {
    if values.is_empty() {
        return Ok(None);
    }
    let schema = block.as_schema();
    let mut by_type: Map<String, Json> = Map::new();
    let mut grouped: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for value in values {
        let attrs = Attrs::new(&schema, value);
        let kind = attrs.string("type")?.unwrap_or_default();
        let identifiers = attrs.strings("identifiers")?;
        if kind == "*" {
            return Ok(Some(Json::String("*".into())));
        }
        grouped.entry(kind).or_default().extend(identifiers);
    }
    for (kind, identifiers) in grouped {
        by_type.insert(kind, one_or_many(identifiers));
    }
    Ok(Some(Json::Object(by_type)))
}

fn render(schema: &ResourceSchema, config: &Value) -> Result<Json, ProviderError> {
    let attrs = Attrs::new(schema, config);
    let mut document = Map::new();
    document.insert(
        "Version".into(),
        Json::String(
            attrs
                .string("version")?
                .unwrap_or_else(|| "2012-10-17".into()),
        ),
    );
    if let Some(id) = attrs.string("policy_id")? {
        document.insert("Id".into(), Json::String(id));
    }
    let statement_block = schema.block("statement").expect("declared");
    let statement_schema = statement_block.as_schema();
    let mut statements = Vec::new();
    for value in attrs.blocks("statement") {
        let s = Attrs::new(&statement_schema, value);
        let mut out = Map::new();
        if let Some(sid) = s.string("sid")? {
            out.insert("Sid".into(), Json::String(sid));
        }
        let effect = s.string("effect")?.unwrap_or_else(|| "Allow".into());
        if effect != "Allow" && effect != "Deny" {
            return Err(ProviderError::validation(
                "effect",
                format!("must be Allow or Deny, not \"{effect}\""),
            ));
        }
        out.insert("Effect".into(), Json::String(effect));
        for (attribute, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            let items = s.strings(attribute)?;
            if !items.is_empty() {
                out.insert(key.into(), one_or_many(items));
            }
        }
        for (name, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let block = statement_block
                .blocks
                .iter()
                .find(|b| b.name == name)
                .expect("declared");
            if let Some(rendered) = principals(block, &s.blocks(name))? {
                out.insert(key.into(), rendered);
            }
        }
        let condition_block = statement_block
            .blocks
            .iter()
            .find(|b| b.name == "condition")
            .expect("declared");
        let condition_schema = condition_block.as_schema();
        let mut conditions: Map<String, Json> = Map::new();
        for value in s.blocks("condition") {
            let c = Attrs::new(&condition_schema, value);
            let test = c.string("test")?.unwrap_or_default();
            let variable = c.string("variable")?.unwrap_or_default();
            let values = c.strings("values")?;
            let entry = conditions
                .entry(test)
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(map) = entry {
                map.insert(variable, one_or_many(values));
            }
        }
        if !conditions.is_empty() {
            out.insert("Condition".into(), Json::Object(conditions));
        }
        statements.push(Json::Object(out));
    }
    document.insert("Statement".into(), Json::Array(statements));
    Ok(Json::Object(document))
}

impl DataSource for PolicyDocument {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let document = render(&self.schema, config)?;
            let pretty = serde_json::to_string_pretty(&document)
                .map_err(|e| ProviderError::other(e.to_string()))?;
            let minified = document.to_string();
            let id = format!("{:x}", crc32(&minified));
            Ok(Some(complete(
                &self.schema,
                config,
                [
                    ("json", Value::string(pretty)),
                    ("minified_json", Value::string(minified)),
                    ("id", Value::string(id)),
                ],
            )))
        })
    }
}

/// A short stable id for the document (Terraform uses a hash of it too).
fn crc32(text: &str) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in text.bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn object(entries: Vec<(&str, Value)>) -> Value {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn statements_render_like_terraform() {
        let p = PolicyDocument::new();
        let config = object(vec![
            ("version", Value::Null),
            ("policy_id", Value::Null),
            (
                "statement",
                Value::List(vec![object(vec![
                    ("sid", Value::string("Irsa")),
                    ("effect", Value::Null),
                    ("actions", set(&["sts:AssumeRoleWithWebIdentity"])),
                    ("not_actions", Value::Null),
                    ("resources", Value::Null),
                    ("not_resources", Value::Null),
                    (
                        "principals",
                        Value::Set(vec![object(vec![
                            ("type", Value::string("Federated")),
                            (
                                "identifiers",
                                set(&["arn:aws:iam::123456789012:oidc-provider/x"]),
                            ),
                        ])]),
                    ),
                    ("not_principals", Value::Null),
                    (
                        "condition",
                        Value::Set(vec![object(vec![
                            ("test", Value::string("StringEquals")),
                            ("variable", Value::string("x:sub")),
                            (
                                "values",
                                Value::List(vec![Value::string(
                                    "system:serviceaccount:kube-system:efs",
                                )]),
                            ),
                        ])]),
                    ),
                ])]),
            ),
        ]);
        let document = render(&p.schema, &config).expect("render");
        assert_eq!(
            document.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Irsa","Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"},"Condition":{"StringEquals":{"x:sub":"system:serviceaccount:kube-system:efs"}}}]}"#
        );
    }
}
