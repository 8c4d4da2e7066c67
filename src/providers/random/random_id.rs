//! `random_id`: random bytes, exposed in several encodings (handy for unique names).
//!
//! As in Terraform, `prefix` is prepended to `b64_url`, `b64_std`, `hex` and `dec`, and `id` is
//! the unprefixed URL-safe base64 of the bytes.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use super::{plan_random, random_bytes};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, ProviderError, StateOnly};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct RandomId {
    schema: ResourceSchema,
}

impl RandomId {
    pub fn new() -> RandomId {
        RandomId { schema: schema() }
    }
}

impl Default for RandomId {
    fn default() -> Self {
        RandomId::new()
    }
}

fn schema() -> ResourceSchema {
    ResourceSchema {
        type_name: "random_id",
        description: "Random bytes, generated once and kept in state.",
        attributes: vec![
            AttributeSchema::required("byte_length", Type::Number).force_new(),
            AttributeSchema::optional("prefix", Type::String).force_new(),
            super::keepers(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("b64_url", Type::String),
            AttributeSchema::computed("b64_std", Type::String),
            AttributeSchema::computed("hex", Type::String),
            AttributeSchema::computed("dec", Type::String),
        ],
        blocks: Vec::new(),
    }
}

fn byte_length(attrs: &Attrs) -> Result<usize, ProviderError> {
    match attrs.count("byte_length")? {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(ProviderError::validation(
            "byte_length",
            "must be at least 1",
        )),
    }
}

/// The computed attributes for these bytes.
fn encodings(bytes: &[u8], prefix: &str) -> Vec<(&'static str, Value)> {
    let id = URL_SAFE_NO_PAD.encode(bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        ("b64_url", Value::String(format!("{prefix}{id}"))),
        (
            "b64_std",
            Value::String(format!("{prefix}{}", STANDARD.encode(bytes))),
        ),
        ("hex", Value::String(format!("{prefix}{hex}"))),
        ("dec", Value::String(format!("{prefix}{}", decimal(bytes)))),
        ("id", Value::String(id)),
    ]
}

/// The bytes read as one big-endian unsigned integer, in decimal.
fn decimal(bytes: &[u8]) -> String {
    let mut number: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut digits = Vec::new();
    while !number.is_empty() {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let current = (remainder << 8) | u32::from(*byte);
            *byte = (current / 10) as u8;
            remainder = current % 10;
        }
        digits.push(b'0' + remainder as u8);
        let zeros = number.iter().take_while(|b| **b == 0).count();
        number.drain(..zeros);
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.iter().rev().map(|d| char::from(*d)).collect()
}

impl StateOnly for RandomId {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        plan_random(&self.schema, prior, proposed, |attrs| {
            byte_length(attrs).map(drop)
        })
    }

    fn create_value<'a>(
        &'a self,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, planned);
            let bytes = random_bytes(byte_length(&attrs)?)?;
            let prefix = attrs.string("prefix")?.unwrap_or_default();
            Ok(complete(&self.schema, planned, encodings(&bytes, &prefix)))
        })
    }

    /// Imports existing bytes: the id is their URL-safe base64 (`b64_url` without prefix),
    /// optionally preceded by `PREFIX,`.
    fn import_value<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let (prefix, encoded) = match id.split_once(',') {
                Some((prefix, encoded)) => (Some(prefix), encoded),
                None => (None, id),
            };
            let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|e| {
                ProviderError::validation("id", format!("is not URL-safe base64: {e}"))
            })?;
            if bytes.is_empty() {
                return Err(ProviderError::validation("id", "holds no bytes"));
            }
            let mut set = encodings(&bytes, prefix.unwrap_or(""));
            set.push(("byte_length", Value::from(bytes.len() as f64)));
            set.push(("prefix", prefix.map_or(Value::Null, Value::string)));
            Ok(complete(&self.schema, &Value::Null, set))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};
    use crate::providers::resource::{OpContext, ResourceType};

    #[test]
    fn encodings_match_terraform() {
        let table: &[(&[u8], &str, [&str; 5])] = &[
            (&[0xff, 0x00], "", ["_wA", "/wA=", "ff00", "65280", "_wA"]),
            (
                &[0, 0, 1],
                "p-",
                ["p-AAAB", "p-AAAB", "p-000001", "p-1", "AAAB"],
            ),
            (&[0], "", ["AA", "AA==", "00", "0", "AA"]),
            (
                &[1, 0, 0, 0, 0, 0, 0, 0, 0],
                "",
                [
                    "AQAAAAAAAAAA",
                    "AQAAAAAAAAAA",
                    "010000000000000000",
                    "18446744073709551616",
                    "AQAAAAAAAAAA",
                ],
            ),
        ];
        for (bytes, prefix, expected) in table {
            let got: Vec<String> = encodings(bytes, prefix)
                .into_iter()
                .map(|(_, v)| v.as_str().unwrap_or_default().to_owned())
                .collect();
            assert_eq!(got, expected.to_vec(), "{bytes:?}");
        }
    }

    #[tokio::test]
    async fn round_trip_and_stability() {
        let r: Box<dyn ResourceType> = Box::new(RandomId::new());
        let ctx = OpContext::new();
        let cfg = config(
            r.schema(),
            &[
                ("byte_length", Value::from(8.0)),
                ("prefix", Value::from("app-")),
            ],
        );
        let planned = r.plan(None, cfg.clone()).unwrap();
        assert!(attr(&planned, "hex").is_unknown());
        let created = r.create(&ctx, &planned).await.unwrap();
        assert_complete(r.schema(), &created);
        let hex = text(&created, "hex");
        assert!(hex.starts_with("app-") && hex.len() == 4 + 16, "{hex}");
        assert_eq!(
            text(&created, "b64_url"),
            format!("app-{}", text(&created, "id"))
        );

        let replanned = r.plan(Some(&created), cfg).unwrap();
        assert_eq!(text(&replanned, "hex"), hex, "stable across plans");
        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));
        assert_eq!(r.update(&ctx, &created, &replanned).await.unwrap(), created);
        r.delete(&ctx, &created).await.unwrap();

        let imported = r
            .import(&ctx, &format!("app-,{}", text(&created, "id")))
            .await
            .unwrap();
        assert_complete(r.schema(), &imported);
        assert_eq!(text(&imported, "hex"), hex);
        assert_eq!(attr(&imported, "byte_length"), &Value::from(8.0));
    }

    #[test]
    fn byte_length_is_validated_and_keepers_force_new() {
        let r: Box<dyn ResourceType> = Box::new(RandomId::new());
        let err = r
            .plan(
                None,
                config(r.schema(), &[("byte_length", Value::from(0.0))]),
            )
            .unwrap_err();
        assert!(
            matches!(&err, ProviderError::Validation { attribute: Some(a), .. } if a == "byte_length")
        );
        assert!(r.schema().attribute("keepers").is_some_and(|a| a.force_new));
    }
}
