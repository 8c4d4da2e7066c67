//! `tags` and `tags_all` as every taggable AWS resource has them (Terraform's semantics), and the
//! conversions to and from each service's tag shapes.
//!
//! `tags` is what the configuration sets; `tags_all` adds the provider's `default_tags`. plat's
//! ownership tags are written on every create and update but never shown in either.

use std::collections::BTreeMap;

use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub fn attributes() -> [AttributeSchema; 2] {
    [
        AttributeSchema::optional("tags", Type::Map(Box::new(Type::String)))
            .describe("Tags of the object (merged with the provider's default_tags)."),
        AttributeSchema::computed("tags_all", Type::Map(Box::new(Type::String)))
            .describe("Every tag: default_tags and tags."),
    ]
}

pub fn map_value(tags: &BTreeMap<String, String>) -> Value {
    Value::Map(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::string(v.clone())))
            .collect(),
    )
}

/// `tags` as configured or stored (null and empty are the same).
pub fn configured(
    schema: &ResourceSchema,
    value: &Value,
) -> Result<BTreeMap<String, String>, ProviderError> {
    Attrs::new(schema, value).string_map("tags")
}

/// The provider's `default_tags`, when planning with the configured provider at hand.
pub fn defaults(
    provider: Option<&crate::providers::resource::ProviderHandle>,
) -> Option<&BTreeMap<String, String>> {
    provider?.downcast_ref::<Aws>().map(|aws| &aws.default_tags)
}

/// The plan-time `tags_all`: the provider's default tags merged with `tags` when both are
/// known (so new default tags show as an update); without the provider, kept from before when
/// `tags` did not change, otherwise known after apply.
pub fn plan_tags_all(
    defaults: Option<&BTreeMap<String, String>>,
    schema: &ResourceSchema,
    prior: Option<&Value>,
    proposed: &Value,
) -> Value {
    let tags = Attrs::new(schema, proposed).get("tags");
    if let Some(defaults) = defaults {
        if tags.is_fully_known() {
            if let Ok(own) = configured(schema, proposed) {
                let mut all = defaults.clone();
                all.extend(own);
                return map_value(&all);
            }
        }
    }
    if let Some(prior) = prior {
        let before = Attrs::new(schema, prior).get("tags");
        let empty = |v: &Value| v.is_null() || v.as_entries().is_some_and(|e| e.is_empty());
        if before.known_eq(tags) == Some(true) || (empty(before) && empty(tags)) {
            return Attrs::new(schema, prior).raw("tags_all").clone();
        }
    }
    Value::Unknown(Type::Map(Box::new(Type::String)))
}

/// The tags an object carries (or will) by this value: its `tags_all` when known, else the
/// default tags merged with `tags`; plus the ownership tags for `address`.
pub fn carried(
    aws: &Aws,
    schema: &ResourceSchema,
    value: &Value,
    address: Option<&str>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let attrs = Attrs::new(schema, value);
    let mut all = if attrs.get("tags_all").is_fully_known() && !attrs.get("tags_all").is_null() {
        attrs.string_map("tags_all")?
    } else {
        aws.all_tags(&configured(schema, value)?, None)
    };
    if let Some(address) = address {
        all.extend(aws.ownership_tags(address));
    }
    Ok(all)
}

/// `(tags, tags_all)` values from the tags an object carries, given what state held for it
/// (`stored`; null on import). `tags` keeps a stored null when the object carries no tags of
/// its own. A tag counts as the object's own unless it came from default tags: a key stored in
/// `tags_all` but not in `tags` (so a changed default tag shows as an update of `tags_all`, not as
/// drift in `tags`), or, for keys state knew nothing about, a default tag's key and value.
pub fn read_values(
    aws: &Aws,
    carried: impl IntoIterator<Item = (String, String)>,
    stored: &Attrs,
) -> (Value, Value) {
    let visible = Aws::visible_tags(carried);
    let stored_tags = stored.string_map("tags").unwrap_or_default();
    let stored_all = stored.string_map("tags_all").unwrap_or_default();
    let own: BTreeMap<String, String> = visible
        .iter()
        .filter(|(k, v)| {
            stored_tags.contains_key(*k)
                || !(stored_all.contains_key(*k) || aws.default_tags.get(*k) == Some(*v))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let tags = if own.is_empty() && stored.raw("tags").peel().is_null() {
        Value::Null
    } else {
        map_value(&own)
    };
    (tags, map_value(&visible))
}

pub fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_ec2::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn ec2_pairs(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or("").to_owned())))
        .collect()
}

/// `TagSpecifications` for a create call: every tag of the new object, ownership tags included.
pub fn ec2_specification(
    aws: &Aws,
    resource_type: aws_sdk_ec2::types::ResourceType,
    own: &BTreeMap<String, String>,
    address: Option<&str>,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(ec2_tags(&aws.all_tags(own, address))))
        .build()
}

/// Brings an object's tags from `had` to `wanted` (complete sets, see [`carried`]): `untag`
/// removes keys, `tag` adds or changes pairs; each is called only when it has something to do.
pub async fn retag<U, UF, T, TF>(
    had: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
    untag: U,
    tag: T,
) -> Result<(), ProviderError>
where
    U: FnOnce(Vec<String>) -> UF,
    UF: std::future::Future<Output = Result<(), ProviderError>>,
    T: FnOnce(BTreeMap<String, String>) -> TF,
    TF: std::future::Future<Output = Result<(), ProviderError>>,
{
    let removed: Vec<String> = had
        .keys()
        .filter(|k| !wanted.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        untag(removed).await?;
    }
    let changed: BTreeMap<String, String> = wanted
        .iter()
        .filter(|(k, v)| had.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        tag(changed).await?;
    }
    Ok(())
}

/// Brings an EC2 object's tags from `had` to `wanted` (complete sets, see [`carried`]).
pub async fn ec2_update(
    aws: &Aws,
    id: &str,
    had: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    retag(
        had,
        wanted,
        |keys| async move {
            let keys = keys
                .into_iter()
                .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
                .collect();
            aws.ec2()
                .delete_tags()
                .resources(id)
                .set_tags(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| super::errors::classify(aws, e, "ec2:DeleteTags", id))
        },
        |changed| async move {
            aws.ec2()
                .create_tags()
                .resources(id)
                .set_tags(Some(ec2_tags(&changed)))
                .send()
                .await
                .map(drop)
                .map_err(|e| super::errors::classify(aws, e, "ec2:CreateTags", id))
        },
    )
    .await
}

/// EC2 filters that find the object plat created for `address` in this stack and environment.
pub fn ec2_ownership_filters(aws: &Aws, address: &str) -> Vec<aws_sdk_ec2::types::Filter> {
    aws.ownership_tags(address)
        .into_iter()
        .map(|(k, v)| {
            aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{k}"))
                .values(v)
                .build()
        })
        .collect()
}

/// Tags as an S3 tag set (buckets and objects).
pub fn s3_tagging(
    tags: &BTreeMap<String, String>,
) -> Result<aws_sdk_s3::types::Tagging, ProviderError> {
    let tag_set: Vec<aws_sdk_s3::types::Tag> = tags
        .iter()
        .filter_map(|(k, v)| {
            aws_sdk_s3::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect();
    aws_sdk_s3::types::Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|e| ProviderError::other(format!("building the tag set: {e}")))
}

/// An S3 tag set as owned pairs.
pub fn s3_pairs(tags: &[aws_sdk_s3::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

pub fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// An IAM object's tags as `(key, value)` pairs.
pub fn iam_pairs(tags: &[aws_sdk_iam::types::Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

/// A call override with the IAM SDK's automatic retries off: for creates, which plat retries
/// itself after checking that the first attempt did not already create the object.
pub fn iam_no_sdk_retries() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}
