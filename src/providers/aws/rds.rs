//! What the RDS resource types share: tags by ARN (RDS lists a subnet group's or a parameter
//! group's tags only through `ListTagsForResource`), creates with the SDK's retries off and
//! adoption of a name this instance already took, generated names, and name checks.

use std::collections::BTreeMap;
use std::future::Future;

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::retry;
use crate::lang::value::Value;
use crate::providers::resource::{OpContext, ProviderError};

/// A call override with the RDS SDK's automatic retries off: for creates, which plat retries
/// itself after checking that the first attempt did not already create the object.
pub fn no_sdk_retries() -> aws_sdk_rds::config::Builder {
    aws_sdk_rds::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

pub fn rds_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_rds::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn pairs(tags: &[aws_sdk_rds::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or("").to_owned())))
        .collect()
}

/// Whether tag pairs say that the instance at `address` made the object.
pub fn owned_by(pairs: &[(String, String)], address: Option<&str>) -> bool {
    carries_address(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), address)
}

/// The tags of the object with this ARN.
pub async fn list_tags(
    aws: &Aws,
    arn: &str,
    what: &str,
) -> Result<Vec<(String, String)>, ProviderError> {
    let out = aws
        .rds()
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| classify(aws, e, "rds:ListTagsForResource", what))?;
    Ok(pairs(out.tag_list()))
}

/// Brings the tags of the object with this ARN from `had` to `wanted` (complete sets, see
/// [`tags::carried`](super::tags::carried)).
pub async fn update_tags(
    aws: &Aws,
    arn: &str,
    what: &str,
    had: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    super::tags::retag(
        had,
        wanted,
        |keys| async move {
            aws.rds()
                .remove_tags_from_resource()
                .resource_name(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "rds:RemoveTagsFromResource", what))
        },
        |changed| async move {
            aws.rds()
                .add_tags_to_resource()
                .resource_name(arn)
                .set_tags(Some(rds_tags(&changed)))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "rds:AddTagsToResource", what))
        },
    )
    .await
}

/// Runs a create of an object with a unique `name` exactly once (see [`retry::create_once`]):
/// `attempt` makes one call with the SDK's retries off; `owner` looks the name up and says
/// whether the object there was made by this instance (`Some(true)`), by someone else
/// (`Some(false)`), or is absent (`None`). A lost answer or a taken name whose object carries
/// this instance's ownership tags is adopted; a name taken by anything else is a conflict that
/// says how to resolve it.
pub async fn create_named<A, AF, O, OF>(
    ctx: &OpContext,
    kind: &str,
    name: &str,
    attempt: A,
    owner: O,
) -> Result<(), ProviderError>
where
    A: Fn() -> AF,
    AF: Future<Output = Result<(), ProviderError>>,
    O: Fn() -> OF,
    OF: Future<Output = Result<Option<bool>, ProviderError>>,
{
    let (attempt, owner) = (&attempt, &owner);
    retry::create_once(
        ctx,
        move || async move {
            match attempt().await {
                Err(ProviderError::Conflict(message)) => match owner().await? {
                    Some(true) => Ok(()),
                    Some(false) => Err(ProviderError::Conflict(format!(
                        "{message}; a {kind} named {name} already exists and this stack did not create it: import it with plat import, or choose another name"
                    ))),
                    None => Err(ProviderError::Conflict(message)),
                },
                other => other,
            }
        },
        move || async move { Ok(owner().await?.filter(|ours| *ours).map(|_| ())) },
    )
    .await
}

/// Checks an RDS identifier (DB instance, parameter group): lower case letters, digits and
/// hyphens, a letter first, no two hyphens in a row, no hyphen last, at most `max` characters.
/// A prefix (`prefix = true`) may end with a hyphen and must leave room for 26 generated
/// characters.
pub fn check_identifier(
    attribute: &str,
    value: &str,
    max: usize,
    prefix: bool,
) -> Result<(), ProviderError> {
    let fail = |why: &str| {
        Err(ProviderError::validation(
            attribute,
            format!("\"{value}\" {why}"),
        ))
    };
    let limit = if prefix { max.saturating_sub(26) } else { max };
    if value.is_empty() {
        return fail("is empty");
    }
    if value.len() > limit {
        return fail(&format!(
            "is {} characters; at most {limit} are allowed{}",
            value.len(),
            if prefix {
                " (26 generated characters follow it)"
            } else {
                ""
            }
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return fail("may hold only lower case letters, digits and hyphens");
    }
    if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
        return fail("must start with a letter");
    }
    if value.contains("--") {
        return fail("must not contain two hyphens in a row");
    }
    if !prefix && value.ends_with('-') {
        return fail("must not end with a hyphen");
    }
    Ok(())
}

/// A set of strings as a value.
pub fn string_set<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set_from(items.into_iter().map(|s| Value::string(s.into())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked() {
        assert!(check_identifier("identifier", "app-db", 63, false).is_ok());
        assert!(check_identifier("identifier_prefix", "app-", 63, true).is_ok());
        for bad in ["App", "1db", "a--b", "a-", "a_b", ""] {
            assert!(
                check_identifier("identifier", bad, 63, false).is_err(),
                "{bad}"
            );
        }
        let long = "a".repeat(40);
        assert!(check_identifier("identifier_prefix", &long, 63, true).is_err());
        assert!(check_identifier("identifier", &long, 63, false).is_ok());
        let name = super::super::names::generated("app-");
        assert!(
            check_identifier("identifier", &name, 63, false).is_ok(),
            "{name}"
        );
        assert_eq!(name.len(), 30);
    }
}
