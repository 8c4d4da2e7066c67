//! Batched reads: EC2 describes every object of a type with one call (per page) instead of one
//! call per object; and the `id` every stored object is read by.

use std::collections::BTreeMap;
use std::future::Future;

use crate::lang::value::Value;
use crate::providers::resource::{Attrs, ProviderError};
use crate::providers::schema::ResourceSchema;

/// The `id` attribute of a stored object.
pub fn id_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("id")?
        .ok_or_else(|| ProviderError::other(format!("the {} has no id in state", schema.type_name)))
}

/// EC2 describe by ids (or by filters, with no ids): `call` sends one request and collects every
/// page as `(id, object)`. EC2 fails the whole request when one of several ids does not exist,
/// so then each id is asked alone; ids that do not exist are absent from the result.
pub async fn describe_by_ids<T, C, CF>(
    ids: &[String],
    filters: Vec<aws_sdk_ec2::types::Filter>,
    call: C,
) -> Result<BTreeMap<String, T>, ProviderError>
where
    C: Fn(Option<Vec<String>>, Option<Vec<aws_sdk_ec2::types::Filter>>) -> CF,
    CF: Future<Output = Result<Vec<(String, T)>, ProviderError>>,
{
    let by_ids = (!ids.is_empty()).then(|| ids.to_vec());
    let filters = (!filters.is_empty()).then_some(filters);
    match call(by_ids, filters.clone()).await {
        Ok(found) => Ok(found.into_iter().collect()),
        Err(ProviderError::NotFound) if ids.len() > 1 => {
            let mut found = BTreeMap::new();
            for id in ids {
                match call(Some(vec![id.clone()]), filters.clone()).await {
                    Ok(one) => found.extend(one),
                    Err(ProviderError::NotFound) => {}
                    Err(other) => return Err(other),
                }
            }
            Ok(found)
        }
        Err(ProviderError::NotFound) => Ok(BTreeMap::new()),
        Err(other) => Err(other),
    }
}
