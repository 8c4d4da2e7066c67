//! `aws_iam_openid_connect_provider`: an OpenID Connect identity provider (an EKS cluster's
//! issuer, GitHub Actions). `url` replaces it; the client ids (Add/RemoveClientIDTo...), the
//! thumbprints (UpdateOpenIDConnectProviderThumbprint) and the tags update in place.
//!
//! IAM stores the URL without its `https://` scheme; the stored `url` keeps the text the
//! configuration wrote when it names the same provider (an imported one gets `https://` back),
//! so there is no perpetual diff. The ARN is `arn:PARTITION:iam::ACCOUNT:oidc-provider/` and the
//! URL without scheme; the id is the ARN, which is also what import takes.
//!
//! An account holds one provider per URL: a create whose answer was lost, or that finds the URL
//! taken, adopts the provider only when it carries this instance's ownership tags; otherwise it
//! is a conflict to resolve with `plat import`. The identity for crash recovery is the URL;
//! `find` lists the account's providers (ARNs only) and reads the one for the URL.

use std::collections::BTreeSet;

use super::errors::classify;
use super::handle::{carries_address, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsIamOpenidConnectProvider {
    schema: ResourceSchema,
}

/// The URL as IAM keeps it: without the `https://` scheme.
fn bare_url(url: &str) -> &str {
    let url = url.trim();
    match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &url[8..],
        _ => url,
    }
}

/// Whether two URLs name the same provider.
fn same_url(a: &str, b: &str) -> bool {
    bare_url(a) == bare_url(b)
}

/// Whether a provider ARN is the one for `url`.
fn arn_names_url(arn: &str, url: &str) -> bool {
    arn.split_once(":oidc-provider/")
        .is_some_and(|(_, rest)| rest == bare_url(url))
}

/// Everything GetOpenIDConnectProvider says about one provider.
struct Provider {
    arn: String,
    url: String,
    client_ids: Vec<String>,
    thumbprints: Vec<String>,
    tags: Vec<(String, String)>,
}

impl AwsIamOpenidConnectProvider {
    pub fn new() -> AwsIamOpenidConnectProvider {
        let string_set = || Type::Set(Box::new(Type::String));
        let mut attributes = vec![
            AttributeSchema::required("url", Type::String)
                .force_new()
                .describe("The issuer URL (https://...); IAM stores it without the scheme."),
            AttributeSchema::required("client_id_list", string_set())
                .describe("The client ids (audiences), such as sts.amazonaws.com."),
            AttributeSchema::optional_computed(
                "thumbprint_list",
                Type::List(Box::new(Type::String)),
            )
            .describe("Server certificate thumbprints; IAM finds them when not given."),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsIamOpenidConnectProvider {
            schema: ResourceSchema {
                type_name: "aws_iam_openid_connect_provider",
                description: "An IAM OpenID Connect identity provider.",
                attributes,
                blocks: Vec::new(),
            },
        }
    }

    async fn get(&self, aws: &Aws, arn: &str) -> Result<Option<Provider>, ProviderError> {
        match aws
            .iam()
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(Some(Provider {
                arn: arn.to_owned(),
                url: out.url().unwrap_or_default().to_owned(),
                client_ids: out.client_id_list().to_vec(),
                thumbprints: out.thumbprint_list().to_vec(),
                tags: tags::iam_pairs(out.tags())
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            })),
            Err(e) => {
                super::errors::gone_as(classify(aws, e, "iam:GetOpenIDConnectProvider", arn), None)
            }
        }
    }

    /// The ARN of the account's provider for `url`, if there is one.
    async fn arn_for_url(&self, aws: &Aws, url: &str) -> Result<Option<String>, ProviderError> {
        let listed = aws
            .iam()
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|e| classify(aws, e, "iam:ListOpenIDConnectProviders", url))?;
        Ok(listed
            .open_id_connect_provider_list()
            .iter()
            .filter_map(|entry| entry.arn())
            .find(|arn| arn_names_url(arn, url))
            .map(str::to_owned))
    }

    /// The provider for `url` when it carries the ownership tags of the instance at `address`.
    async fn find_owned(
        &self,
        aws: &Aws,
        url: &str,
        address: Option<&str>,
    ) -> Result<Option<Provider>, ProviderError> {
        let Some(arn) = self.arn_for_url(aws, url).await? else {
            return Ok(None);
        };
        Ok(self.get(aws, &arn).await?.filter(|provider| {
            carries_address(
                provider.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                address,
            )
        }))
    }

    fn value(&self, aws: &Aws, provider: &Provider, current: &Value) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, provider.tags.iter().cloned(), &stored);
        // The text the configuration wrote, when it names this provider; else AWS's URL with
        // the scheme every issuer URL has.
        let url = match stored.string("url").ok().flatten() {
            Some(known) if same_url(&known, &provider.url) => known,
            _ => format!("https://{}", bare_url(&provider.url)),
        };
        let strings = |items: &[String]| items.iter().map(Value::string).collect::<Vec<_>>();
        complete(
            &self.schema,
            &Value::Null,
            [
                ("url", Value::string(url)),
                (
                    "client_id_list",
                    Value::set_from(strings(&provider.client_ids)),
                ),
                (
                    "thumbprint_list",
                    Value::List(strings(&provider.thumbprints)),
                ),
                ("arn", Value::string(&provider.arn)),
                ("id", Value::string(&provider.arn)),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        )
    }

    async fn read_arn(
        &self,
        aws: &Aws,
        arn: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .get(aws, arn)
            .await?
            .map(|provider| self.value(aws, &provider, current)))
    }

    /// Brings the client ids from `had` to `wanted`: adds first, so the provider never has none.
    async fn sync_client_ids(
        &self,
        aws: &Aws,
        arn: &str,
        had: &BTreeSet<String>,
        wanted: &BTreeSet<String>,
    ) -> Result<(), ProviderError> {
        for id in wanted.difference(had) {
            aws.iam()
                .add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id(id)
                .send()
                .await
                .map_err(|e| classify(aws, e, "iam:AddClientIDToOpenIDConnectProvider", arn))?;
        }
        for id in had.difference(wanted) {
            match aws
                .iam()
                .remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id(id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) => {
                    match classify(aws, e, "iam:RemoveClientIDFromOpenIDConnectProvider", arn) {
                        ProviderError::NotFound => {}
                        other => return Err(other),
                    }
                }
            }
        }
        Ok(())
    }
}

impl Default for AwsIamOpenidConnectProvider {
    fn default() -> Self {
        AwsIamOpenidConnectProvider::new()
    }
}

fn arn_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("arn")?
        .ok_or_else(|| ProviderError::other("the OpenID Connect provider has no ARN in state"))
}

fn validate_url(url: &str) -> Result<(), ProviderError> {
    let bare = bare_url(url);
    if bare == url.trim() {
        return Err(ProviderError::validation(
            "url",
            format!("\"{url}\" must start with https://"),
        ));
    }
    if bare.is_empty() || bare.starts_with('/') {
        return Err(ProviderError::validation(
            "url",
            format!("\"{url}\" has no host name"),
        ));
    }
    if bare.contains(['?', '#']) {
        return Err(ProviderError::validation(
            "url",
            format!("\"{url}\" must not have a query or a fragment"),
        ));
    }
    Ok(())
}

impl ResourceType for AwsIamOpenidConnectProvider {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&crate::providers::resource::ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Ok(Some(url)) = attrs.string("url") {
            validate_url(&url)?;
        }
        if let Ok(ids) = attrs.strings("client_id_list") {
            if ids.is_empty() {
                return Err(ProviderError::validation(
                    "client_id_list",
                    "must hold at least one client id",
                ));
            }
        }
        if let Ok(thumbprints) = attrs.strings("thumbprint_list") {
            if let Some(bad) = thumbprints
                .iter()
                .find(|t| t.len() != 40 || !t.chars().all(|c| c.is_ascii_hexdigit()))
            {
                return Err(ProviderError::validation(
                    "thumbprint_list",
                    format!("\"{bad}\" is not a SHA-1 thumbprint (40 hexadecimal digits)"),
                ));
            }
            if thumbprints.len() > 5 {
                return Err(ProviderError::validation(
                    "thumbprint_list",
                    "IAM keeps at most 5 thumbprints",
                ));
            }
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [
                    ("arn", unknown(&self.schema, "arn")),
                    ("id", unknown(&self.schema, "id")),
                ],
            ),
        };
        Ok(complete(&self.schema, &planned, [("tags_all", tags_all)]))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let attrs = Attrs::new(&self.schema, planned);
            let url = attrs.string("url")?.unwrap_or_default();
            let client_ids = attrs.strings("client_id_list")?;
            let thumbprints = if attrs.is_known("thumbprint_list") {
                Some(attrs.strings("thumbprint_list")?).filter(|t| !t.is_empty())
            } else {
                None
            };
            let address = ctx.address.as_deref();
            let all_tags = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let created = retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .iam()
                        .create_open_id_connect_provider()
                        .url(&url)
                        .set_client_id_list(Some(client_ids.clone()))
                        .set_thumbprint_list(thumbprints.clone())
                        .set_tags(Some(tags::iam_tags(&all_tags)))
                        .customize()
                        .config_override(tags::iam_no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(out) => out
                            .open_id_connect_provider_arn()
                            .map(str::to_owned)
                            .ok_or_else(|| {
                                ProviderError::other(
                                    "CreateOpenIDConnectProvider returned no ARN",
                                )
                            }),
                        Err(e) => match classify(aws, e, "iam:CreateOpenIDConnectProvider", &url) {
                            // The URL is taken: ours if it carries this instance's address.
                            ProviderError::Conflict(message) => {
                                let arn = self.arn_for_url(aws, &url).await?;
                                let existing = match &arn {
                                    Some(arn) => self.get(aws, arn).await?,
                                    None => None,
                                };
                                match existing {
                                    Some(provider)
                                        if carries_address(
                                            provider
                                                .tags
                                                .iter()
                                                .map(|(k, v)| (k.as_str(), v.as_str())),
                                            address,
                                        ) =>
                                    {
                                        Ok(provider.arn)
                                    }
                                    _ => Err(ProviderError::Conflict(format!(
                                        "{message}; an OpenID Connect provider for {url} already exists in this account and this stack did not create it: import it with plat import (its id is {}), or remove the other one",
                                        arn.unwrap_or_else(|| format!(
                                            "the ARN arn:PARTITION:iam::ACCOUNT:oidc-provider/{}",
                                            bare_url(&url)
                                        ))
                                    ))),
                                }
                            }
                            other => Err(other),
                        },
                    }
                },
                || async {
                    Ok(self
                        .find_owned(aws, &url, address)
                        .await?
                        .map(|provider| provider.arn))
                },
            )
            .await?;
            retry::until_visible(ctx, || self.read_arn(aws, &created, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_arn(aws, &arn_of(&self.schema, current)?, current)
                .await
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let arn = arn_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);

            let had: BTreeSet<String> = before.strings("client_id_list")?.into_iter().collect();
            let wanted: BTreeSet<String> = after.strings("client_id_list")?.into_iter().collect();
            if had != wanted {
                self.sync_client_ids(aws, &arn, &had, &wanted).await?;
            }

            // Unset in the configuration: what IAM holds stays.
            if after.is_known("thumbprint_list") {
                let thumbprints = after.strings("thumbprint_list")?;
                if before.strings("thumbprint_list").ok() != Some(thumbprints.clone()) {
                    aws.iam()
                        .update_open_id_connect_provider_thumbprint()
                        .open_id_connect_provider_arn(&arn)
                        .set_thumbprint_list(Some(thumbprints))
                        .send()
                        .await
                        .map_err(|e| {
                            classify(aws, e, "iam:UpdateOpenIDConnectProviderThumbprint", &arn)
                        })?;
                }
            }

            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            let target: &str = &arn;
            tags::retag(
                &had,
                &wanted,
                |keys| async move {
                    aws.iam()
                        .untag_open_id_connect_provider()
                        .open_id_connect_provider_arn(target)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:UntagOpenIDConnectProvider", target))
                },
                |changed| async move {
                    aws.iam()
                        .tag_open_id_connect_provider()
                        .open_id_connect_provider_arn(target)
                        .set_tags(Some(tags::iam_tags(&changed)))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "iam:TagOpenIDConnectProvider", target))
                },
            )
            .await?;
            self.read_arn(aws, &arn, planned)
                .await?
                .ok_or(ProviderError::NotFound)
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let arn = arn_of(&self.schema, current)?;
            match aws
                .iam()
                .delete_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => super::errors::gone_as(
                    classify(aws, e, "iam:DeleteOpenIDConnectProvider", &arn),
                    (),
                ),
            }
        })
    }

    /// Imports a provider by its ARN.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            if !id.starts_with("arn:") || !id.contains(":oidc-provider/") {
                return Err(ProviderError::validation(
                    "id",
                    format!(
                        "\"{id}\" is not an OpenID Connect provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/URL)"
                    ),
                ));
            }
            let aws = ctx.provider::<Aws>()?;
            self.read_arn(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation("id", format!("no OpenID Connect provider {id}"))
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let url = Attrs::new(&self.schema, planned)
            .string("url")
            .ok()
            .flatten()?;
        let mut identity = super::handle::owned_identity(ctx)?;
        identity["url"] = serde_json::Value::String(url);
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(url), Some(address)) = (
                identity.get("url").and_then(|u| u.as_str()),
                identity.get("address").and_then(|a| a.as_str()),
            ) else {
                return Ok(None);
            };
            Ok(self
                .find_owned(aws, url, Some(address))
                .await?
                .map(|provider| self.value(aws, &provider, &Value::Null)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::config;

    #[test]
    fn urls_compare_without_the_scheme() {
        assert!(same_url(
            "https://token.actions.githubusercontent.com",
            "token.actions.githubusercontent.com"
        ));
        assert!(same_url("HTTPS://a.example/id/1", "a.example/id/1"));
        assert!(!same_url("https://a.example/id/1", "a.example/id/2"));
        assert!(arn_names_url(
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB",
            "https://oidc.eks.us-east-1.amazonaws.com/id/AB"
        ));
        assert!(!arn_names_url(
            "arn:aws:iam::123456789012:oidc-provider/a.example/id/ABC",
            "https://a.example/id/AB"
        ));
    }

    #[test]
    fn plan_validates_urls_and_thumbprints() {
        let r = AwsIamOpenidConnectProvider::new();
        let cfg = |url: &str, thumbprint: &str| {
            config(
                &r.schema,
                &[
                    ("url", Value::string(url)),
                    (
                        "client_id_list",
                        Value::set_from(vec![Value::string("sts.amazonaws.com")]),
                    ),
                    (
                        "thumbprint_list",
                        Value::List(vec![Value::string(thumbprint)]),
                    ),
                ],
            )
        };
        let good = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
        assert!(r.plan(None, cfg("https://a.example/id/1", good)).is_ok());
        for (url, thumbprint) in [
            ("http://a.example", good),
            ("a.example", good),
            ("https://a.example?x=1", good),
            ("https://a.example", "abc"),
        ] {
            assert!(
                r.plan(None, cfg(url, thumbprint)).is_err(),
                "{url} {thumbprint}"
            );
        }
    }
}
