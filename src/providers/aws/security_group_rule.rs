//! `aws_security_group_rule`: ingress or egress rules added to a security group on their own
//! (the group's inline blocks of that kind must then be left out, or the two fight).
//!
//! A rule resource with several sources is several AWS rules ("atoms", as in
//! `security_group.rs`); it exists while all of them do. Everything but `description` replaces
//! it; a new description is written in place. Its id is Terraform's import form,
//! `GROUP_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE...]`, so a rule whose create answer was lost is
//! found again by what it is: AWS saying the rules exist already, with this description,
//! means they were ours. Refresh describes every group with rules in state in one call.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::IpPermission;

use super::ec2_object::Ec2Object;
use super::errors::classify;
use super::handle::Aws;
use super::retry;
use super::security_group::{protocol_name, Atom, AwsSecurityGroup, Source};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsSecurityGroupRule {
    schema: ResourceSchema,
    /// Describes the groups the rules are in.
    groups: AwsSecurityGroup,
}

/// Ingress or egress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ingress,
    Egress,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ingress => "ingress",
            Kind::Egress => "egress",
        }
    }
}

/// A rule as configured or stored.
struct Rule {
    group: String,
    kind: Kind,
    /// Its AWS rules, with the configured description.
    atoms: BTreeSet<Atom>,
    description: String,
}

impl Rule {
    /// Terraform's import form, which is also the id.
    fn id(&self) -> String {
        let first = self.atoms.iter().next();
        let mut id = format!(
            "{}_{}_{}_{}_{}",
            self.group,
            self.kind.name(),
            first.map_or("", |a| a.protocol.as_str()),
            first.map_or(0, |a| a.from_port),
            first.map_or(0, |a| a.to_port),
        );
        for atom in &self.atoms {
            id.push('_');
            id.push_str(match &atom.source {
                Source::Cidr(c) | Source::Ipv6(c) | Source::PrefixList(c) | Source::Group(c) => c,
                Source::SelfGroup => "self",
            });
        }
        id
    }

    /// The atoms without their description: what identifies each AWS rule.
    fn keys(&self) -> BTreeSet<Atom> {
        self.atoms.iter().map(without_description).collect()
    }

    fn permissions(&self) -> Vec<IpPermission> {
        self.atoms
            .iter()
            .map(|a| AwsSecurityGroup::permission(&self.group, a))
            .collect()
    }
}

fn without_description(atom: &Atom) -> Atom {
    Atom {
        description: String::new(),
        ..atom.clone()
    }
}

impl AwsSecurityGroupRule {
    pub fn new() -> AwsSecurityGroupRule {
        let strings = || Type::List(Box::new(Type::String));
        AwsSecurityGroupRule {
            schema: ResourceSchema {
                type_name: "aws_security_group_rule",
                description: "Ingress or egress rules of a security group, managed on their own.",
                attributes: vec![
                    AttributeSchema::required("type", Type::String)
                        .force_new()
                        .describe("ingress or egress."),
                    AttributeSchema::required("security_group_id", Type::String).force_new(),
                    AttributeSchema::required("from_port", Type::Number).force_new(),
                    AttributeSchema::required("to_port", Type::Number).force_new(),
                    AttributeSchema::required("protocol", Type::String).force_new(),
                    AttributeSchema::optional("cidr_blocks", strings()).force_new(),
                    AttributeSchema::optional("ipv6_cidr_blocks", strings()).force_new(),
                    AttributeSchema::optional("prefix_list_ids", strings()).force_new(),
                    AttributeSchema::optional("source_security_group_id", Type::String).force_new(),
                    AttributeSchema::optional("self", Type::Bool)
                        .default(false)
                        .force_new(),
                    AttributeSchema::optional("description", Type::String),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
            groups: AwsSecurityGroup::new(),
        }
    }

    fn rule(&self, value: &Value) -> Result<Rule, ProviderError> {
        let r = Attrs::new(&self.schema, value);
        let kind = match r.string("type")?.as_deref() {
            Some("ingress") => Kind::Ingress,
            Some("egress") => Kind::Egress,
            other => {
                return Err(ProviderError::validation(
                    "type",
                    format!(
                        "must be \"ingress\" or \"egress\", not {}",
                        other.map_or("null".into(), |o| format!("\"{o}\""))
                    ),
                ))
            }
        };
        let group = r.string("security_group_id")?.unwrap_or_default();
        let protocol = protocol_name(&r.string("protocol")?.unwrap_or_default());
        let port = |name: &str| -> Result<i64, ProviderError> {
            match r.get(name) {
                Value::Number(n) if n.fract() == 0.0 && (-1.0..=65535.0).contains(n) => {
                    Ok(*n as i64)
                }
                Value::Number(n) => Err(ProviderError::validation(
                    name,
                    format!("{n} is not a port (-1 to 65535)"),
                )),
                _ => Ok(0),
            }
        };
        let (from_port, to_port) = if protocol == "-1" {
            (0, 0)
        } else {
            (port("from_port")?, port("to_port")?)
        };
        let description = r.string("description")?.unwrap_or_default();
        let mut sources: Vec<Source> = Vec::new();
        sources.extend(r.strings("cidr_blocks")?.into_iter().map(Source::Cidr));
        sources.extend(r.strings("ipv6_cidr_blocks")?.into_iter().map(Source::Ipv6));
        sources.extend(
            r.strings("prefix_list_ids")?
                .into_iter()
                .map(Source::PrefixList),
        );
        let source_group = r.string("source_security_group_id")?;
        let itself = r.bool("self")?.unwrap_or(false);
        if source_group.is_some() && (itself || !sources.is_empty()) {
            return Err(ProviderError::validation(
                "source_security_group_id",
                "cannot be combined with cidr_blocks, ipv6_cidr_blocks, prefix_list_ids or self",
            ));
        }
        sources.extend(source_group.map(Source::Group));
        if itself {
            sources.push(Source::SelfGroup);
        }
        if sources.is_empty() {
            return Err(ProviderError::validation(
                "cidr_blocks",
                "a rule needs a source: cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, source_security_group_id or self = true",
            ));
        }
        let atoms = sources
            .into_iter()
            .map(|source| Atom {
                protocol: protocol.clone(),
                from_port,
                to_port,
                source,
                description: description.clone(),
            })
            .collect();
        Ok(Rule {
            group,
            kind,
            atoms,
            description,
        })
    }

    /// The rule as it is now in the described groups: `current` with AWS's description, or
    /// `None` when a part of it (or the group) is gone.
    fn found(
        &self,
        groups: &BTreeMap<String, aws_sdk_ec2::types::SecurityGroup>,
        rule: &Rule,
        current: &Value,
    ) -> Option<Value> {
        let group = groups.get(&rule.group)?;
        let permissions = match rule.kind {
            Kind::Ingress => group.ip_permissions(),
            Kind::Egress => group.ip_permissions_egress(),
        };
        let present: BTreeMap<Atom, String> = AwsSecurityGroup::aws_atoms(&rule.group, permissions)
            .into_iter()
            .map(|a| (without_description(&a), a.description))
            .collect();
        let mut descriptions = BTreeSet::new();
        for key in rule.keys() {
            descriptions.insert(present.get(&key)?.clone());
        }
        // One description for all its parts; when they differ, not the configured one.
        let description = match descriptions.len() {
            1 => descriptions.pop_first().unwrap_or_default(),
            _ => String::new(),
        };
        Some(complete(
            &self.schema,
            current,
            [
                (
                    "description",
                    if description.is_empty() {
                        Value::Null
                    } else {
                        Value::string(description)
                    },
                ),
                ("id", Value::string(rule.id())),
            ],
        ))
    }

    /// Reads rules, one describe for all their groups.
    async fn read_rules(
        &self,
        aws: &Aws,
        current: &[&Value],
    ) -> Result<Vec<Option<Value>>, ProviderError> {
        let rules = current
            .iter()
            .map(|v| self.rule(v))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<String> = rules
            .iter()
            .map(|r| r.group.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let groups = self.groups.describe(aws, &ids, Vec::new()).await?;
        Ok(rules
            .iter()
            .zip(current)
            .map(|(rule, value)| self.found(&groups, rule, value))
            .collect())
    }

    async fn read_one(&self, aws: &Aws, current: &Value) -> Result<Option<Value>, ProviderError> {
        Ok(self.read_rules(aws, &[current]).await?.pop().flatten())
    }

    async fn authorize(&self, aws: &Aws, rule: &Rule) -> Result<(), ProviderError> {
        let permissions = Some(rule.permissions());
        match rule.kind {
            Kind::Ingress => aws
                .ec2()
                .authorize_security_group_ingress()
                .group_id(&rule.group)
                .set_ip_permissions(permissions)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "ec2:AuthorizeSecurityGroupIngress", &rule.group)),
            Kind::Egress => aws
                .ec2()
                .authorize_security_group_egress()
                .group_id(&rule.group)
                .set_ip_permissions(permissions)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, "ec2:AuthorizeSecurityGroupEgress", &rule.group)),
        }
    }
}

impl Default for AwsSecurityGroupRule {
    fn default() -> Self {
        AwsSecurityGroupRule::new()
    }
}

impl ResourceType for AwsSecurityGroupRule {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let known = Attrs::new(&self.schema, &proposed).arguments_known();
        let rule = if known {
            Some(self.rule(&proposed)?)
        } else {
            None
        };
        Ok(match (prior, rule) {
            (Some(prior), _) => keep_computed(&self.schema, prior, &proposed),
            (None, Some(rule)) => {
                complete(&self.schema, &proposed, [("id", Value::string(rule.id()))])
            }
            (None, None) => complete(
                &self.schema,
                &proposed,
                [(
                    "id",
                    crate::providers::resource::unknown(&self.schema, "id"),
                )],
            ),
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let rule = self.rule(planned)?;
            let authorized = retry::while_not_found(
                ctx,
                "creating (waiting for the group to be visible)",
                || self.authorize(aws, &rule),
            )
            .await;
            match authorized {
                Ok(()) => {}
                // Some of it exists: ours only if all of it does, as configured (a create whose
                // answer was lost).
                Err(ProviderError::Conflict(message)) => {
                    let existing = self.read_one(aws, planned).await?;
                    let ours = existing.as_ref().is_some_and(|v| {
                        Attrs::new(&self.schema, v)
                            .string("description")
                            .ok()
                            .flatten()
                            .unwrap_or_default()
                            == rule.description
                    });
                    if !ours {
                        return Err(ProviderError::Conflict(format!(
                            "{message}; group {} already has {} rules like these that this stack did not create: import them with plat import ADDRESS {}, or remove them",
                            rule.group,
                            rule.kind.name(),
                            rule.id()
                        )));
                    }
                }
                Err(e) => return Err(e),
            }
            retry::until_visible(ctx, || self.read_one(aws, planned)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move { self.read_one(ctx.provider::<Aws>()?, current).await })
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
                let values: Vec<&Value> = current.iter().collect();
                self.read_rules(ctx.provider::<Aws>()?, &values).await
            };
            crate::providers::resource::each_read(current.len(), read.await)
        })
    }

    /// Only the description changes in place.
    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let rule = self.rule(planned)?;
            let permissions = Some(rule.permissions());
            match rule.kind {
                Kind::Ingress => aws
                    .ec2()
                    .update_security_group_rule_descriptions_ingress()
                    .group_id(&rule.group)
                    .set_ip_permissions(permissions)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| {
                        classify(
                            aws,
                            e,
                            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
                            &rule.group,
                        )
                    })?,
                Kind::Egress => aws
                    .ec2()
                    .update_security_group_rule_descriptions_egress()
                    .group_id(&rule.group)
                    .set_ip_permissions(permissions)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| {
                        classify(
                            aws,
                            e,
                            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                            &rule.group,
                        )
                    })?,
            }
            self.read_one(aws, planned)
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
            let rule = self.rule(current)?;
            let permissions = Some(rule.permissions());
            let revoked = match rule.kind {
                Kind::Ingress => aws
                    .ec2()
                    .revoke_security_group_ingress()
                    .group_id(&rule.group)
                    .set_ip_permissions(permissions)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:RevokeSecurityGroupIngress", &rule.group)),
                Kind::Egress => aws
                    .ec2()
                    .revoke_security_group_egress()
                    .group_id(&rule.group)
                    .set_ip_permissions(permissions)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:RevokeSecurityGroupEgress", &rule.group)),
            };
            match revoked {
                Ok(()) | Err(ProviderError::NotFound) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    /// Imports Terraform's form `GROUP_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE...]`, where a source
    /// is a CIDR block, a prefix list id, a group id or `self`.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let value = self.parse_id(id)?;
            self.read_one(aws, &value).await?.ok_or_else(|| {
                ProviderError::validation("id", format!("no rules {id} in this group"))
            })
        })
    }

    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let rule = self.rule(planned).ok()?;
        Some(serde_json::json!({ "id": rule.id(), "description": rule.description }))
    }

    /// The rules, when all of them exist with this description.
    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(id), Some(description)) = (
                identity.get("id").and_then(|v| v.as_str()),
                identity.get("description").and_then(|v| v.as_str()),
            ) else {
                return Ok(None);
            };
            let found = self.read_one(aws, &self.parse_id(id)?).await?;
            Ok(found.filter(|v| {
                Attrs::new(&self.schema, v)
                    .string("description")
                    .ok()
                    .flatten()
                    .unwrap_or_default()
                    == description
            }))
        })
    }
}

impl AwsSecurityGroupRule {
    /// The value an import id describes (the description is read).
    fn parse_id(&self, id: &str) -> Result<Value, ProviderError> {
        let bad = || {
            ProviderError::validation(
                "id",
                format!("\"{id}\" is not GROUP_TYPE_PROTOCOL_FROM_TO_SOURCE (sg-0abc_ingress_tcp_443_443_10.0.0.0/16)"),
            )
        };
        let parts: Vec<&str> = id.split('_').collect();
        if parts.len() < 6 || !matches!(parts[1], "ingress" | "egress") {
            return Err(bad());
        }
        let port = |p: &str| p.parse::<f64>().map_err(|_| bad());
        let (mut v4, mut v6, mut lists) = (Vec::new(), Vec::new(), Vec::new());
        let (mut group, mut itself) = (Value::Null, false);
        for source in &parts[5..] {
            match *source {
                "self" => itself = true,
                s if s.starts_with("sg-") => group = Value::string(s),
                s if s.starts_with("pl-") => lists.push(Value::string(s)),
                s if s.contains(':') => v6.push(Value::string(s)),
                s => v4.push(Value::string(s)),
            }
        }
        let list = |items: Vec<Value>| {
            if items.is_empty() {
                Value::Null
            } else {
                Value::List(items)
            }
        };
        Ok(complete(
            &self.schema,
            &Value::Null,
            [
                ("security_group_id", Value::string(parts[0])),
                ("type", Value::string(parts[1])),
                ("protocol", Value::string(parts[2])),
                ("from_port", Value::Number(port(parts[3])?)),
                ("to_port", Value::Number(port(parts[4])?)),
                ("cidr_blocks", list(v4)),
                ("ipv6_cidr_blocks", list(v6)),
                ("prefix_list_ids", list(lists)),
                ("source_security_group_id", group),
                ("self", Value::Bool(itself)),
            ],
        ))
    }
}
