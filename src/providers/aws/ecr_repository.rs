//! `aws_ecr_repository`: a container image repository. `name` and `encryption_configuration`
//! replace it; `image_tag_mutability` (PutImageTagMutability), `image_scanning_configuration`
//! (PutImageScanningConfiguration) and tags update in place; `force_delete` lives in state and
//! lets a destroy delete the images with the repository. Repository names are unique in a
//! registry, so a create whose answer was lost meets `RepositoryAlreadyExistsException` and is
//! adopted only when the repository carries this instance's ownership tags.
//!
//! Refresh is batched: one DescribeRepositories per 100 names (a missing name fails the whole
//! call, which then falls back to one call per name). DescribeRepositories does not return tags,
//! so each repository's tags are one ListTagsForResource call; ECR has no batched tag read.
//!
//! AWS fills in `encryption_configuration` when it is left out (AES256) and picks the KMS key
//! when none is named: the block is optional-computed, so what AWS filled in is no change, and a
//! different encryption type or key replaces the repository.

use std::collections::BTreeMap;

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository, Tag,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::errors::classify;
use super::handle::{carries_address, owned_identity, Aws};
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ProviderHandle,
    ResourceType,
};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsEcrRepository {
    schema: ResourceSchema,
}

/// DescribeRepositories takes at most 100 names.
const BATCH: usize = 100;

const MUTABILITIES: [&str; 4] = [
    "MUTABLE",
    "IMMUTABLE",
    "MUTABLE_WITH_EXCLUSION",
    "IMMUTABLE_WITH_EXCLUSION",
];
const ENCRYPTIONS: [&str; 3] = ["AES256", "KMS", "KMS_DSSE"];

/// A call override with the ECR SDK's automatic retries off, for the create (see
/// [`retry::create_once`]).
fn no_sdk_retries() -> aws_sdk_ecr::config::Builder {
    aws_sdk_ecr::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}

/// The encryption a value asks for: `(type, key)`; no block is AES256; the key is `None` when
/// AWS chooses it (unset or not known yet).
fn encryption_of(schema: &ResourceSchema, value: &Value) -> (String, Option<String>) {
    let block = schema
        .block("encryption_configuration")
        .map(BlockSchema::as_schema);
    let attrs = Attrs::new(schema, value);
    let Some((block, item)) = block.zip(attrs.blocks("encryption_configuration").first().copied())
    else {
        return ("AES256".into(), None);
    };
    let item = Attrs::new(&block, item);
    let kind = item
        .string("encryption_type")
        .ok()
        .flatten()
        .unwrap_or_else(|| "AES256".into());
    let key = item
        .string("kms_key")
        .ok()
        .flatten()
        .filter(|k| !k.is_empty() && kind != "AES256");
    (kind, key)
}

/// Whether the encryption type a value asks for is known (the key may be left to AWS).
fn encryption_known(schema: &ResourceSchema, value: &Value) -> bool {
    let attrs = Attrs::new(schema, value);
    !attrs.get("encryption_configuration").is_unknown()
        && attrs.blocks("encryption_configuration").iter().all(|item| {
            item.as_entries()
                .and_then(|e| e.get("encryption_type"))
                .is_none_or(|t| !t.is_unknown())
        })
}

/// `scan_on_push` of a value; no block is false.
fn scan_of(schema: &ResourceSchema, value: &Value) -> Result<bool, ProviderError> {
    let Some(block) = schema
        .block("image_scanning_configuration")
        .map(BlockSchema::as_schema)
    else {
        return Ok(false);
    };
    match Attrs::new(schema, value)
        .blocks("image_scanning_configuration")
        .first()
    {
        Some(item) => Ok(Attrs::new(&block, item)
            .bool("scan_on_push")?
            .unwrap_or(false)),
        None => Ok(false),
    }
}

fn ecr_tags(all: &BTreeMap<String, String>) -> Vec<Tag> {
    all.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

impl AwsEcrRepository {
    pub fn new() -> AwsEcrRepository {
        let mut attributes = vec![
            AttributeSchema::required("name", Type::String).force_new(),
            AttributeSchema::optional("image_tag_mutability", Type::String)
                .default("MUTABLE")
                .describe("MUTABLE or IMMUTABLE; changed in place."),
            AttributeSchema::optional("force_delete", Type::Bool)
                .default(false)
                .describe("Delete the images with the repository on destroy (kept in state)."),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("registry_id", Type::String),
            AttributeSchema::computed("repository_url", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsEcrRepository {
            schema: ResourceSchema {
                type_name: "aws_ecr_repository",
                description: "An ECR repository.",
                attributes,
                blocks: vec![
                    BlockSchema {
                        name: "image_scanning_configuration",
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: Some(1),
                        optional_computed: false,
                        attributes: vec![AttributeSchema::required("scan_on_push", Type::Bool)],
                        blocks: Vec::new(),
                    },
                    BlockSchema {
                        name: "encryption_configuration",
                        nesting: Nesting::List,
                        min_items: 0,
                        max_items: Some(1),
                        optional_computed: true,
                        attributes: vec![
                            AttributeSchema::optional("encryption_type", Type::String)
                                .default("AES256")
                                .force_new(),
                            AttributeSchema::optional_computed("kms_key", Type::String).force_new(),
                        ],
                        blocks: Vec::new(),
                    },
                ],
            },
        }
    }

    /// Repositories by name, one call per 100 names; missing ones are absent.
    async fn describe(
        &self,
        aws: &Aws,
        names: &[String],
    ) -> Result<BTreeMap<String, Repository>, ProviderError> {
        let mut found = BTreeMap::new();
        for chunk in names.chunks(BATCH) {
            match self.describe_call(aws, chunk).await {
                Ok(repositories) => found.extend(repositories),
                // One missing name fails the whole call: ask for each alone.
                Err(ProviderError::NotFound) if chunk.len() > 1 => {
                    for name in chunk {
                        match self.describe_call(aws, std::slice::from_ref(name)).await {
                            Ok(repositories) => found.extend(repositories),
                            Err(ProviderError::NotFound) => {}
                            Err(other) => return Err(other),
                        }
                    }
                }
                Err(ProviderError::NotFound) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(found)
    }

    async fn describe_call(
        &self,
        aws: &Aws,
        names: &[String],
    ) -> Result<Vec<(String, Repository)>, ProviderError> {
        let what = names.join(", ");
        let mut pages = aws
            .ecr()
            .describe_repositories()
            .set_repository_names(Some(names.to_vec()))
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(aws, e, "ecr:DescribeRepositories", &what))?;
            found.extend(
                page.repositories()
                    .iter()
                    .filter_map(|r| Some((r.repository_name()?.to_owned(), r.clone()))),
            );
        }
        Ok(found)
    }

    async fn tags_of(&self, aws: &Aws, arn: &str) -> Result<Vec<(String, String)>, ProviderError> {
        let out = aws
            .ecr()
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| classify(aws, e, "ecr:ListTagsForResource", arn))?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }

    fn value(
        &self,
        aws: &Aws,
        repository: &Repository,
        carried: Vec<(String, String)>,
        current: &Value,
    ) -> Value {
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, carried, &stored);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        let name = repository.repository_name().unwrap_or_default().to_owned();
        let scan = repository
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push());
        // No block configured and AWS's default: still no block, so no drift.
        let had_scan_block = !stored.blocks("image_scanning_configuration").is_empty();
        let scanning = if scan || had_scan_block {
            Value::List(vec![Value::Object(BTreeMap::from([(
                "scan_on_push".to_owned(),
                Value::Bool(scan),
            )]))])
        } else {
            Value::List(Vec::new())
        };
        let (kind, key) = repository
            .encryption_configuration()
            .map(|c| (c.encryption_type().as_str().to_owned(), c.kms_key()))
            .unwrap_or_else(|| ("AES256".into(), None));
        // Always the block AWS reports: it is optional-computed, so a configuration without
        // it is no change.
        let encryption = Value::List(vec![Value::Object(BTreeMap::from([
            ("encryption_type".to_owned(), Value::string(kind)),
            ("kms_key".to_owned(), text(key)),
        ]))]);
        let registry = repository.registry_id().unwrap_or_default().to_owned();
        let url = repository
            .repository_uri()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{registry}.dkr.ecr.{}.amazonaws.com/{name}", aws.region));
        complete(
            &self.schema,
            &Value::Null,
            [
                ("name", Value::string(name.clone())),
                (
                    "image_tag_mutability",
                    Value::string(
                        repository
                            .image_tag_mutability()
                            .map_or("MUTABLE", |m| m.as_str()),
                    ),
                ),
                (
                    "force_delete",
                    Value::Bool(stored.bool("force_delete").ok().flatten().unwrap_or(false)),
                ),
                ("id", Value::string(name)),
                ("arn", text(repository.repository_arn())),
                ("registry_id", Value::string(registry)),
                ("repository_url", Value::string(url)),
                ("tags", tags),
                ("tags_all", tags_all),
                ("image_scanning_configuration", scanning),
                ("encryption_configuration", encryption),
            ],
        )
    }

    async fn read_name(
        &self,
        aws: &Aws,
        name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = self.describe(aws, &[name.to_owned()]).await?;
        let Some(repository) = found.get(name) else {
            return Ok(None);
        };
        let carried = self
            .tags_of(aws, repository.repository_arn().unwrap_or(name))
            .await?;
        Ok(Some(self.value(aws, repository, carried, current)))
    }

    /// The repository named `name` if it carries the ownership tags of `address`.
    async fn owned(
        &self,
        aws: &Aws,
        name: &str,
        address: Option<&str>,
    ) -> Result<Option<Value>, ProviderError> {
        let found = self.describe(aws, &[name.to_owned()]).await?;
        let Some(repository) = found.get(name) else {
            return Ok(None);
        };
        let carried = self
            .tags_of(aws, repository.repository_arn().unwrap_or(name))
            .await?;
        let ours = carries_address(
            carried.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            address,
        );
        Ok(ours.then(|| self.value(aws, repository, carried, &Value::Null)))
    }
}

impl Default for AwsEcrRepository {
    fn default() -> Self {
        AwsEcrRepository::new()
    }
}

fn name_of(schema: &ResourceSchema, value: &Value) -> Result<String, ProviderError> {
    Attrs::new(schema, value)
        .string("name")?
        .ok_or_else(|| ProviderError::other("the repository has no name in state"))
}

impl ResourceType for AwsEcrRepository {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        self.plan_configured(None, prior, proposed)
    }

    fn plan_configured(
        &self,
        provider: Option<&ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if let Ok(Some(mutability)) = attrs.string("image_tag_mutability") {
            if !MUTABILITIES.contains(&mutability.as_str()) {
                return Err(ProviderError::validation(
                    "image_tag_mutability",
                    format!(
                        "must be one of {}, not \"{mutability}\"",
                        MUTABILITIES.join(", ")
                    ),
                ));
            }
        }
        let (kind, _) = encryption_of(&self.schema, &proposed);
        if !ENCRYPTIONS.contains(&kind.as_str()) {
            return Err(ProviderError::validation(
                "encryption_type",
                format!("must be one of {}, not \"{kind}\"", ENCRYPTIONS.join(", ")),
            ));
        }
        let tags_all =
            tags::plan_tags_all(tags::defaults(provider), &self.schema, prior, &proposed);
        let planned = match prior {
            Some(prior) => {
                let mut kept = Vec::new();
                // Encryption: the same meaning written differently (a key AWS chose) is no
                // change; a real change is a replacement the engine planned from the
                // force-new attributes.
                let (before_kind, before_key) = encryption_of(&self.schema, prior);
                let same_key = match encryption_of(&self.schema, &proposed).1 {
                    None => true,
                    key => key == before_key,
                };
                if encryption_known(&self.schema, &proposed) && before_kind == kind && same_key {
                    kept.push((
                        "encryption_configuration",
                        Attrs::new(&self.schema, prior)
                            .raw("encryption_configuration")
                            .clone(),
                    ));
                }
                if let (Ok(before), Ok(after)) = (
                    scan_of(&self.schema, prior),
                    scan_of(&self.schema, &proposed),
                ) {
                    if before == after {
                        kept.push((
                            "image_scanning_configuration",
                            Attrs::new(&self.schema, prior)
                                .raw("image_scanning_configuration")
                                .clone(),
                        ));
                    }
                }
                complete(
                    &self.schema,
                    &keep_computed(&self.schema, prior, &proposed),
                    kept,
                )
            }
            // The id is the name, known now; the registry (in the URL) only after the create.
            None => complete(
                &self.schema,
                &proposed,
                [
                    ("id", attrs.raw("name").clone()),
                    ("repository_url", unknown(&self.schema, "repository_url")),
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
            let name = name_of(&self.schema, planned)?;
            let address = ctx.address.as_deref();
            let all = aws.all_tags(&tags::configured(&self.schema, planned)?, address);
            let mutability = attrs
                .string("image_tag_mutability")?
                .unwrap_or_else(|| "MUTABLE".into());
            let (kind, key) = encryption_of(&self.schema, planned);
            let encryption = EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::from(kind.as_str()))
                .set_kms_key(key)
                .build()
                .map_err(|e| ProviderError::other(format!("building the encryption: {e}")))?;
            let scan = scan_of(&self.schema, planned)?;
            retry::create_once(
                ctx,
                || async {
                    let sent = aws
                        .ecr()
                        .create_repository()
                        .repository_name(&name)
                        .image_tag_mutability(ImageTagMutability::from(mutability.as_str()))
                        .image_scanning_configuration(
                            ImageScanningConfiguration::builder()
                                .scan_on_push(scan)
                                .build(),
                        )
                        .encryption_configuration(encryption.clone())
                        .set_tags(Some(ecr_tags(&all)))
                        .customize()
                        .config_override(no_sdk_retries())
                        .send()
                        .await;
                    match sent {
                        Ok(_) => Ok(()),
                        Err(e) => match classify(aws, e, "ecr:CreateRepository", &name) {
                            // The name is taken: ours if it carries this instance's address
                            // (a create whose answer was lost).
                            ProviderError::Conflict(message) => {
                                if self.owned(aws, &name, address).await?.is_some() {
                                    Ok(())
                                } else {
                                    Err(ProviderError::Conflict(format!(
                                        "{message}; a repository named {name} already exists and this stack did not create it: import it with plat import, or choose another name"
                                    )))
                                }
                            }
                            other => Err(other),
                        },
                    }
                },
                || async { Ok(self.owned(aws, &name, address).await?.map(drop)) },
            )
            .await?;
            retry::until_visible(ctx, || self.read_name(aws, &name, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, &name_of(&self.schema, current)?, current)
                .await
        })
    }

    fn reads_in_batches(&self) -> bool {
        true
    }

    fn read_many<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a [Value],
    ) -> BoxFuture<'a, Vec<Result<Option<Value>, ProviderError>>> {
        Box::pin(async move {
            let read = async {
                let aws = ctx.provider::<Aws>()?;
                let names = current
                    .iter()
                    .map(|v| name_of(&self.schema, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let found = self.describe(aws, &names).await?;
                let mut out = Vec::with_capacity(names.len());
                for (name, value) in names.iter().zip(current) {
                    out.push(match found.get(name) {
                        Some(repository) => {
                            let carried = self
                                .tags_of(aws, repository.repository_arn().unwrap_or(name))
                                .await?;
                            Some(self.value(aws, repository, carried, value))
                        }
                        None => None,
                    });
                }
                Ok::<_, ProviderError>(out)
            };
            crate::providers::resource::each_read(current.len(), read.await)
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
            let name = name_of(&self.schema, prior)?;
            let before = Attrs::new(&self.schema, prior);
            let after = Attrs::new(&self.schema, planned);
            let mutability = after
                .string("image_tag_mutability")?
                .unwrap_or_else(|| "MUTABLE".into());
            if before.string("image_tag_mutability")?.as_deref() != Some(mutability.as_str()) {
                aws.ecr()
                    .put_image_tag_mutability()
                    .repository_name(&name)
                    .image_tag_mutability(ImageTagMutability::from(mutability.as_str()))
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "ecr:PutImageTagMutability", &name))?;
            }
            let scan = scan_of(&self.schema, planned)?;
            if scan_of(&self.schema, prior)? != scan {
                aws.ecr()
                    .put_image_scanning_configuration()
                    .repository_name(&name)
                    .image_scanning_configuration(
                        ImageScanningConfiguration::builder()
                            .scan_on_push(scan)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| classify(aws, e, "ecr:PutImageScanningConfiguration", &name))?;
            }
            let address = ctx.address.as_deref();
            let had = tags::carried(aws, &self.schema, prior, address)?;
            let wanted = tags::carried(aws, &self.schema, planned, address)?;
            if had != wanted {
                let arn = before
                    .string("arn")?
                    .ok_or_else(|| ProviderError::other("the repository has no arn in state"))?;
                let (arn, name) = (arn.as_str(), name.as_str());
                tags::retag(
                    &had,
                    &wanted,
                    |keys| async move {
                        aws.ecr()
                            .untag_resource()
                            .resource_arn(arn)
                            .set_tag_keys(Some(keys))
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| classify(aws, e, "ecr:UntagResource", name))
                    },
                    |changed| async move {
                        aws.ecr()
                            .tag_resource()
                            .resource_arn(arn)
                            .set_tags(Some(ecr_tags(&changed)))
                            .send()
                            .await
                            .map(drop)
                            .map_err(|e| classify(aws, e, "ecr:TagResource", name))
                    },
                )
                .await?;
            }
            self.read_name(aws, &name, planned)
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
            let name = name_of(&self.schema, current)?;
            let force = Attrs::new(&self.schema, current)
                .bool("force_delete")?
                .unwrap_or(false);
            match aws
                .ecr()
                .delete_repository()
                .repository_name(&name)
                .force(force)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => {
                    if e.code() == Some("RepositoryNotEmptyException") {
                        let detail = e.message().unwrap_or("").to_owned();
                        return Err(ProviderError::Conflict(format!(
                            "ecr:DeleteRepository on {name}: RepositoryNotEmptyException: {detail}; the repository still holds images: set force_delete = true and apply, then destroy again (that deletes the images), or delete them yourself"
                        )));
                    }
                    super::errors::gone_as(classify(aws, e, "ecr:DeleteRepository", &name), ())
                }
            }
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            self.read_name(aws, id, &Value::Null).await?.ok_or_else(|| {
                ProviderError::validation(
                    "id",
                    format!("no ECR repository named {id} in {}", aws.region),
                )
            })
        })
    }

    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let name = Attrs::new(&self.schema, planned)
            .string("name")
            .ok()
            .flatten()?;
        let mut identity = owned_identity(ctx)?;
        identity["name"] = serde_json::Value::String(name);
        Some(identity)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((name, address)) = super::names::name_and_address(identity) else {
                return Ok(None);
            };
            self.owned(aws, name, Some(address)).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{attr, config};

    fn scan(on: bool) -> Value {
        Value::List(vec![Value::Object(BTreeMap::from([(
            "scan_on_push".to_owned(),
            Value::Bool(on),
        )]))])
    }

    #[test]
    fn plans_check_mutability_and_keep_equivalent_blocks() {
        let r = AwsEcrRepository::new();
        let bad = config(
            &r.schema,
            &[
                ("name", Value::string("app")),
                ("image_tag_mutability", Value::string("SOMETIMES")),
            ],
        );
        assert!(r.plan(None, bad).is_err());

        // Stored: scanning off written out, AES256 written out; configured: neither block.
        let mut prior = config(&r.schema, &[("name", Value::string("app"))]);
        if let Value::Object(entries) = &mut prior {
            entries.insert("image_scanning_configuration".into(), scan(false));
            entries.insert(
                "encryption_configuration".into(),
                Value::List(vec![Value::Object(BTreeMap::from([
                    ("encryption_type".to_owned(), Value::string("AES256")),
                    ("kms_key".to_owned(), Value::Null),
                ]))]),
            );
        }
        let mut proposed = config(&r.schema, &[("name", Value::string("app"))]);
        if let Value::Object(entries) = &mut proposed {
            entries.insert("image_scanning_configuration".into(), Value::List(vec![]));
            entries.insert("encryption_configuration".into(), Value::List(vec![]));
        }
        let planned = r.plan(Some(&prior), proposed.clone()).unwrap();
        assert_eq!(
            attr(&planned, "image_scanning_configuration").known_eq(&scan(false)),
            Some(true)
        );
    }
}
