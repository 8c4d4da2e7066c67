//! Batched refresh: one describe call (per page) for every object of a type, instead of one
//! call per object.

use std::collections::BTreeMap;
use std::future::Future;

use super::handle::Aws;
use crate::lang::value::Value;
use crate::providers::resource::{Attrs, OpContext, ProviderError};
use crate::providers::schema::ResourceSchema;

/// The `id` attribute of a stored object.
pub fn id_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("id")?
        .ok_or_else(|| ProviderError::other(format!("the {} has no id in state", schema.type_name)))
}

/// Reads every object in `current` with one `describe` of all their ids; `value` turns a
/// described object (with what state held) into the refreshed value. Objects not described are
/// gone (`None`).
pub async fn read_by_ids<'a, T, D, DF>(
    ctx: &'a OpContext,
    schema: &ResourceSchema,
    current: &'a [Value],
    describe: D,
    value: impl Fn(&Aws, &T, &Value) -> Value,
) -> Vec<Result<Option<Value>, ProviderError>>
where
    D: FnOnce(&'a Aws, Vec<String>) -> DF,
    DF: Future<Output = Result<BTreeMap<String, T>, ProviderError>>,
{
    let all = |e: ProviderError| -> Vec<Result<Option<Value>, ProviderError>> {
        let message = e.to_string();
        current
            .iter()
            .map(|_| Err(ProviderError::other(message.clone())))
            .collect()
    };
    let aws = match ctx.provider::<Aws>() {
        Ok(aws) => aws,
        Err(e) => return all(e),
    };
    let ids: Result<Vec<String>, _> = current.iter().map(|v| id_of(schema, v)).collect();
    let ids = match ids {
        Ok(ids) => ids,
        Err(e) => return all(e),
    };
    match describe(aws, ids.clone()).await {
        Ok(found) => ids
            .iter()
            .zip(current)
            .map(|(id, stored)| Ok(found.get(id).map(|o| value(aws, o, stored))))
            .collect(),
        Err(e) => all(e),
    }
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
