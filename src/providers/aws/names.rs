//! Names generated from a `name_prefix` (or `bucket_prefix`), chosen before the create so that
//! the journal's identity carries them: a role or bucket whose create was cut short by a crash
//! is then found by that name instead of being left behind.

use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, OpContext, ProviderError};
use crate::providers::schema::ResourceSchema;

/// A unique name from a prefix, as Terraform makes them: the prefix, a timestamp and random
/// characters (26 in all).
pub fn generated(prefix: &str) -> String {
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S%f").to_string();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}{}", &stamp[..20.min(stamp.len())], &random[..6])
}

/// The name an identity should record for a create: the configured `name_attribute`, else one
/// generated from `prefix_attribute` (or `terraform-`).
pub fn for_identity(attrs: &Attrs, name_attribute: &str, prefix_attribute: &str) -> Option<String> {
    match configured(attrs, name_attribute) {
        Ok(Some(name)) => Some(name),
        Ok(None) => Some(generated(
            &attrs
                .string(prefix_attribute)
                .ok()
                .flatten()
                .unwrap_or_else(|| "terraform-".into()),
        )),
        Err(_) => None,
    }
}

/// The name a create uses: the configured one, else the one its identity recorded (see
/// [`for_identity`]), else a new one from the prefix.
pub fn for_create(
    ctx: &OpContext,
    attrs: &Attrs,
    name_attribute: &str,
    prefix_attribute: &str,
) -> Result<String, ProviderError> {
    if let Some(name) = configured(attrs, name_attribute)? {
        return Ok(name);
    }
    if let Some(name) = ctx
        .identity
        .as_ref()
        .and_then(|identity| identity.get("name"))
        .and_then(|name| name.as_str())
    {
        return Ok(name.to_owned());
    }
    Ok(generated(
        &attrs
            .string(prefix_attribute)?
            .unwrap_or_else(|| "terraform-".into()),
    ))
}

/// The configured name; `None` when unset, or computed from the prefix (unknown until created).
fn configured(attrs: &Attrs, name_attribute: &str) -> Result<Option<String>, ProviderError> {
    if attrs.get(name_attribute).is_unknown() {
        return Ok(None);
    }
    attrs.string(name_attribute)
}

/// The identity of an object found by its name: the ownership identity (address, stack,
/// environment) with the name and the prefix it came from (see [`record`]).
pub fn owned_identity(
    ctx: &OpContext,
    attrs: &Attrs,
    name_attribute: &str,
    prefix_attribute: &str,
) -> Option<serde_json::Value> {
    let mut identity = super::handle::owned_identity(ctx)?;
    record(&mut identity, attrs, name_attribute, prefix_attribute)?;
    Some(identity)
}

/// The name and the address an identity made by [`owned_identity`] holds.
pub fn name_and_address(identity: &serde_json::Value) -> Option<(&str, &str)> {
    Some((
        identity.get("name")?.as_str()?,
        identity.get("address")?.as_str()?,
    ))
}

/// Records the name (see [`for_identity`]) and the prefix it came from in an identity.
pub fn record(
    identity: &mut serde_json::Value,
    attrs: &Attrs,
    name_attribute: &str,
    prefix_attribute: &str,
) -> Option<()> {
    identity["name"] = for_identity(attrs, name_attribute, prefix_attribute)?.into();
    identity["prefix"] = attrs
        .string(prefix_attribute)
        .ok()
        .flatten()
        .map_or(serde_json::Value::Null, serde_json::Value::String);
    Some(())
}

/// What state held for an object found by its identity, as far as the identity says: the
/// prefix its name came from (so that adopting it plans no replacement).
pub fn stored(
    schema: &ResourceSchema,
    identity: &serde_json::Value,
    prefix_attribute: &'static str,
) -> Value {
    let prefix = identity
        .get("prefix")
        .and_then(|p| p.as_str())
        .map_or(Value::Null, Value::string);
    complete(schema, &Value::Null, [(prefix_attribute, prefix)])
}
