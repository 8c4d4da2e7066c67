//! What the EKS types share: reading a cluster by name, waiting for a cluster to be `ACTIVE`,
//! waiting for an asynchronous update (a version upgrade, a logging or scaling change) to
//! finish, tags by ARN, and Kubernetes version arithmetic for the upgrade rules.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_eks::types::{Cluster, ClusterStatus, Update, UpdateStatus};

use super::errors::{classify, gone_as};
use super::handle::Aws;
use super::{retry, tags};
use crate::providers::resource::{OpContext, ProviderError};

/// The cluster with this name; `None` when there is none.
pub async fn describe_cluster(aws: &Aws, name: &str) -> Result<Option<Cluster>, ProviderError> {
    match aws.eks().describe_cluster().name(name).send().await {
        Ok(out) => Ok(out.cluster().cloned()),
        Err(e) => gone_as(classify(aws, e, "eks:DescribeCluster", name), None),
    }
}

/// Polls until the cluster is `ACTIVE`; `FAILED` (or the cluster vanishing) is an error.
pub async fn wait_cluster_active(
    ctx: &OpContext,
    aws: &Aws,
    name: &str,
    activity: &str,
) -> Result<Cluster, ProviderError> {
    let cluster = retry::poll(
        ctx,
        activity,
        || describe_cluster(aws, name),
        |found| match found.as_ref().and_then(|c| c.status()) {
            Some(ClusterStatus::Active) => Ok(true),
            Some(ClusterStatus::Failed) => Err(ProviderError::other(format!(
                "EKS cluster {name} is in status FAILED"
            ))),
            Some(_) => Ok(false),
            None => Err(ProviderError::NotFound),
        },
        |found| {
            found
                .as_ref()
                .and_then(|c| c.status())
                .map_or("gone".into(), |s| s.as_str().to_owned())
        },
    )
    .await?;
    cluster.ok_or(ProviderError::NotFound)
}

/// What an update belongs to, besides its cluster.
#[derive(Clone, Copy)]
pub enum UpdateOf<'a> {
    Cluster,
    NodeGroup(&'a str),
    Addon(&'a str),
}

/// Polls DescribeUpdate until the update is `Successful`; `Failed` or `Cancelled` is an error
/// that lists what EKS reported.
pub async fn wait_for_update(
    ctx: &OpContext,
    aws: &Aws,
    cluster: &str,
    update_id: &str,
    of: UpdateOf<'_>,
    activity: &str,
) -> Result<(), ProviderError> {
    let (nodegroup, addon) = match of {
        UpdateOf::Cluster => (None, None),
        UpdateOf::NodeGroup(name) => (Some(name.to_owned()), None),
        UpdateOf::Addon(name) => (None, Some(name.to_owned())),
    };
    let what = format!(
        "update {update_id} of {}",
        nodegroup.as_deref().or(addon.as_deref()).unwrap_or(cluster)
    );
    retry::poll(
        ctx,
        activity,
        || async {
            let out = aws
                .eks()
                .describe_update()
                .name(cluster)
                .update_id(update_id)
                .set_nodegroup_name(nodegroup.clone())
                .set_addon_name(addon.clone())
                .send()
                .await
                .map_err(|e| classify(aws, e, "eks:DescribeUpdate", &what))?;
            Ok(out.update().cloned())
        },
        |update| match update.as_ref().and_then(|u| u.status()) {
            Some(UpdateStatus::Successful) => Ok(true),
            Some(status @ (UpdateStatus::Failed | UpdateStatus::Cancelled)) => {
                let errors: Vec<String> = update
                    .as_ref()
                    .map(|u| u.errors())
                    .unwrap_or_default()
                    .iter()
                    .map(|e| {
                        let resources = e.resource_ids().join(", ");
                        format!(
                            "{}: {}{}",
                            e.error_code().map_or("error", |c| c.as_str()),
                            e.error_message().unwrap_or("no message"),
                            if resources.is_empty() {
                                String::new()
                            } else {
                                format!(" ({resources})")
                            }
                        )
                    })
                    .collect();
                Err(ProviderError::other(format!(
                    "EKS {what} ended {}{}",
                    status.as_str(),
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", errors.join("; "))
                    }
                )))
            }
            _ => Ok(false),
        },
        |update| {
            update
                .as_ref()
                .and_then(|u| u.status())
                .map_or("unknown".into(), |s| s.as_str().to_owned())
        },
    )
    .await
    .map(drop)
}

/// The id of an update an Update* call started, when it is still to be waited for (an update
/// may come back `Successful` at once).
pub fn pending(update: Option<&Update>) -> Option<String> {
    let update = update?;
    match update.status() {
        Some(UpdateStatus::Successful) => None,
        _ => update.id().map(str::to_owned),
    }
}

/// A call override with the EKS SDK's automatic retries off, for creates (see
/// [`retry::create_once`]).
pub fn no_sdk_retries() -> aws_sdk_eks::config::Builder {
    aws_sdk_eks::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

/// Whether an EKS object's tags name `address` as their owner (see
/// [`carries_address`](super::handle::carries_address)).
pub fn owned_by(tags: Option<&HashMap<String, String>>, address: Option<&str>) -> bool {
    super::handle::carries_address(
        tags.into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        address,
    )
}

/// The tags EKS reports, as pairs.
pub fn pairs(tags: Option<&HashMap<String, String>>) -> Vec<(String, String)> {
    tags.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Brings an EKS object's tags (by ARN) from `had` to `wanted`.
pub async fn update_tags(
    aws: &Aws,
    arn: &str,
    had: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    tags::retag(
        had,
        wanted,
        |keys| async move {
            aws.eks()
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "eks:UntagResource", arn))
        },
        |changed| async move {
            aws.eks()
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(changed.into_iter().collect()))
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "eks:TagResource", arn))
        },
    )
    .await
}

/// A Kubernetes version `MAJOR.MINOR` as numbers.
fn minor_version(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Why going from Kubernetes version `from` to `to` cannot happen in place, if it cannot: EKS
/// upgrades one minor version at a time and never downgrades.
pub fn upgrade_refusal(from: &str, to: &str) -> Option<String> {
    let (Some(old), Some(new)) = (minor_version(from), minor_version(to)) else {
        return Some(format!(
            "\"{to}\" is not a Kubernetes version of the form MAJOR.MINOR (like \"1.30\")"
        ));
    };
    if new < old {
        return Some(format!(
            "cannot go from Kubernetes {from} down to {to}: EKS does not downgrade; keep version = \"{from}\", or replace the cluster (plat apply --replace with its address)"
        ));
    }
    if new.0 != old.0 || new.1 > old.1 + 1 {
        let next = format!("{}.{}", old.0, old.1 + 1);
        return Some(format!(
            "cannot go from Kubernetes {from} to {to} in one step: EKS upgrades one minor version at a time; apply version = \"{next}\" first"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_go_one_minor_version_at_a_time() {
        // (from, to, refused?, what the message names)
        let cases = [
            ("1.29", "1.30", None),
            ("1.29", "1.29", None),
            ("1.29", "1.31", Some("apply version = \"1.30\" first")),
            ("1.30", "1.29", Some("does not downgrade")),
            ("1.29", "2.0", Some("one minor version at a time")),
            ("1.29", "latest", Some("MAJOR.MINOR")),
        ];
        for (from, to, refusal) in cases {
            let got = upgrade_refusal(from, to);
            match refusal {
                None => assert_eq!(got, None, "{from} -> {to}"),
                Some(part) => assert!(
                    got.as_deref().is_some_and(|m| m.contains(part)),
                    "{from} -> {to}: {got:?}"
                ),
            }
        }
    }
}
