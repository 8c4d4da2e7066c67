//! `aws_security_group`: a security group with inline `ingress` and `egress` rules (sets).
//!
//! Rules are compared as atoms: one (protocol, ports, one source, description) each, so that
//! how AWS groups sources into permissions never shows as a change. Configured rules are put in
//! a canonical shape at plan time (rules with the same protocol, ports and description merged,
//! protocols named `tcp`/`udp`/`icmp`/`-1`), and reads produce the same shape.
//!
//! As in Terraform, a kind of rule with at least one block configured is managed whole (rules
//! not configured are revoked), and a kind with no block is left alone, so that
//! `aws_security_group_rule` resources can add rules of it. AWS's default allow-all egress rule is
//! removed at create. So removing the last block of a kind revokes nothing: to revoke every rule
//! of a kind, replace the group (`plat apply --replace ADDRESS`) or manage that kind with
//! `aws_security_group_rule` resources.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Ec2Type, SecurityGroup,
    UserIdGroupPair,
};

use super::ec2_object::{ec2_describe, keep_unconfigured_blocks, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsSecurityGroup {
    schema: ResourceSchema,
}

/// Where a rule's traffic comes from (ingress) or goes to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
    SelfGroup,
}

/// One rule with one source: what AWS authorizes and revokes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Atom {
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    pub source: Source,
    pub description: String,
}

fn rule_block(name: &'static str) -> BlockSchema {
    let strings = || Type::List(Box::new(Type::String));
    BlockSchema {
        name,
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        optional_computed: false,
        attributes: vec![
            AttributeSchema::required("from_port", Type::Number),
            AttributeSchema::required("to_port", Type::Number),
            AttributeSchema::required("protocol", Type::String),
            AttributeSchema::optional("cidr_blocks", strings()),
            AttributeSchema::optional("ipv6_cidr_blocks", strings()),
            AttributeSchema::optional("prefix_list_ids", strings()),
            AttributeSchema::optional("security_groups", Type::Set(Box::new(Type::String))),
            AttributeSchema::optional("self", Type::Bool).default(false),
            AttributeSchema::optional("description", Type::String),
        ],
        blocks: Vec::new(),
    }
}

/// `tcp`, `udp`, `icmp`, `icmpv6` and `-1` (all) by name, whatever was written.
pub fn protocol_name(protocol: &str) -> String {
    match protocol.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_owned(),
    }
}

/// A set in the canonical element order every set value has.
fn as_set(items: Vec<Value>) -> Value {
    crate::lang::types::convert(Value::Tuple(items.clone()), &Type::Set(Box::new(Type::Any)))
        .unwrap_or(Value::Set(items))
}

impl AwsSecurityGroup {
    pub fn new() -> AwsSecurityGroup {
        let mut attributes = vec![
            AttributeSchema::optional_computed("name", Type::String).force_new(),
            AttributeSchema::optional("name_prefix", Type::String).force_new(),
            AttributeSchema::optional("description", Type::String)
                .default("Managed by Terraform")
                .force_new(),
            AttributeSchema::optional_computed("vpc_id", Type::String).force_new(),
            AttributeSchema::optional("revoke_rules_on_delete", Type::Bool).default(false),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsSecurityGroup {
            schema: ResourceSchema {
                type_name: "aws_security_group",
                description: "A security group and its rules.",
                attributes,
                blocks: vec![rule_block("ingress"), rule_block("egress")],
            },
        }
    }

    fn block_schema(&self, name: &str) -> ResourceSchema {
        self.schema.block(name).expect("declared block").as_schema()
    }

    /// The atoms of a configured or stored rules block.
    fn atoms(&self, value: &Value, block: &str) -> Result<BTreeSet<Atom>, ProviderError> {
        let schema = self.block_schema(block);
        let mut out = BTreeSet::new();
        for rule in Attrs::new(&self.schema, value).blocks(block) {
            let r = Attrs::new(&schema, rule);
            let protocol = protocol_name(&r.string("protocol")?.unwrap_or_default());
            let port = |name: &str| -> Result<i64, ProviderError> {
                match r.get(name) {
                    Value::Number(n) => Ok(*n as i64),
                    Value::String(s) => s.parse().map_err(|_| {
                        ProviderError::validation(name, format!("\"{s}\" is not a port"))
                    }),
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
            sources.extend(r.strings("security_groups")?.into_iter().map(Source::Group));
            if r.bool("self")?.unwrap_or(false) {
                sources.push(Source::SelfGroup);
            }
            for source in sources {
                out.insert(Atom {
                    protocol: protocol.clone(),
                    from_port,
                    to_port,
                    source,
                    description: description.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Atoms back as rule blocks: one per (protocol, ports, description), sources merged.
    fn rules_value(atoms: &BTreeSet<Atom>) -> Value {
        let mut grouped: BTreeMap<(String, i64, i64, String), Vec<&Source>> = BTreeMap::new();
        for atom in atoms {
            grouped
                .entry((
                    atom.protocol.clone(),
                    atom.from_port,
                    atom.to_port,
                    atom.description.clone(),
                ))
                .or_default()
                .push(&atom.source);
        }
        let rules = grouped
            .into_iter()
            .map(|((protocol, from, to, description), sources)| {
                let pick = |f: &dyn Fn(&Source) -> Option<String>| -> Value {
                    let items: Vec<Value> = sources
                        .iter()
                        .filter_map(|s| f(s))
                        .map(Value::String)
                        .collect();
                    if items.is_empty() {
                        Value::Null
                    } else {
                        Value::List(items)
                    }
                };
                let groups: Vec<Value> = sources
                    .iter()
                    .filter_map(|s| match s {
                        Source::Group(g) => Some(Value::string(g.clone())),
                        _ => None,
                    })
                    .collect();
                Value::Object(BTreeMap::from([
                    ("from_port".to_owned(), Value::Number(from as f64)),
                    ("to_port".to_owned(), Value::Number(to as f64)),
                    ("protocol".to_owned(), Value::string(protocol)),
                    (
                        "cidr_blocks".to_owned(),
                        pick(&|s| match s {
                            Source::Cidr(c) => Some(c.clone()),
                            _ => None,
                        }),
                    ),
                    (
                        "ipv6_cidr_blocks".to_owned(),
                        pick(&|s| match s {
                            Source::Ipv6(c) => Some(c.clone()),
                            _ => None,
                        }),
                    ),
                    (
                        "prefix_list_ids".to_owned(),
                        pick(&|s| match s {
                            Source::PrefixList(c) => Some(c.clone()),
                            _ => None,
                        }),
                    ),
                    (
                        "security_groups".to_owned(),
                        if groups.is_empty() {
                            Value::Null
                        } else {
                            as_set(groups)
                        },
                    ),
                    (
                        "self".to_owned(),
                        Value::Bool(sources.iter().any(|s| **s == Source::SelfGroup)),
                    ),
                    (
                        "description".to_owned(),
                        if description.is_empty() {
                            Value::Null
                        } else {
                            Value::string(description)
                        },
                    ),
                ]))
            })
            .collect();
        as_set(rules)
    }

    /// The atoms of AWS's permissions of a group.
    pub fn aws_atoms(group_id: &str, permissions: &[IpPermission]) -> BTreeSet<Atom> {
        let mut out = BTreeSet::new();
        for p in permissions {
            let protocol = protocol_name(p.ip_protocol().unwrap_or("-1"));
            let (from_port, to_port) = if protocol == "-1" {
                (0, 0)
            } else {
                (
                    i64::from(p.from_port().unwrap_or(0)),
                    i64::from(p.to_port().unwrap_or(0)),
                )
            };
            let mut add = |source: Source, description: Option<&str>| {
                out.insert(Atom {
                    protocol: protocol.clone(),
                    from_port,
                    to_port,
                    source,
                    description: description.unwrap_or("").to_owned(),
                });
            };
            for r in p.ip_ranges() {
                if let Some(c) = r.cidr_ip() {
                    add(Source::Cidr(c.to_owned()), r.description());
                }
            }
            for r in p.ipv6_ranges() {
                if let Some(c) = r.cidr_ipv6() {
                    add(Source::Ipv6(c.to_owned()), r.description());
                }
            }
            for r in p.prefix_list_ids() {
                if let Some(c) = r.prefix_list_id() {
                    add(Source::PrefixList(c.to_owned()), r.description());
                }
            }
            for r in p.user_id_group_pairs() {
                match r.group_id() {
                    Some(g) if g == group_id => add(Source::SelfGroup, r.description()),
                    Some(g) => add(Source::Group(g.to_owned()), r.description()),
                    None => {}
                }
            }
        }
        out
    }

    /// One AWS permission per atom.
    pub fn permission(group_id: &str, atom: &Atom) -> IpPermission {
        let description = (!atom.description.is_empty()).then(|| atom.description.clone());
        let mut builder = IpPermission::builder().ip_protocol(&atom.protocol);
        if atom.protocol != "-1" {
            builder = builder
                .from_port(atom.from_port as i32)
                .to_port(atom.to_port as i32);
        }
        match &atom.source {
            Source::Cidr(c) => builder.ip_ranges(
                IpRange::builder()
                    .cidr_ip(c)
                    .set_description(description)
                    .build(),
            ),
            Source::Ipv6(c) => builder.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(description)
                    .build(),
            ),
            Source::PrefixList(c) => builder.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(c)
                    .set_description(description)
                    .build(),
            ),
            Source::Group(g) => builder.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(description)
                    .build(),
            ),
            Source::SelfGroup => builder.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(group_id)
                    .set_description(description)
                    .build(),
            ),
        }
        .build()
    }

    /// Brings the group's rules from `have` (read now when `None`) to `wanted`, revoking first,
    /// then authorizing. Only rules that differ are touched: rules others add meanwhile
    /// (`aws_security_group_rule`) stay.
    async fn sync_rules(
        &self,
        aws: &Aws,
        id: &str,
        have: Option<&Value>,
        wanted: &Value,
    ) -> Result<(), ProviderError> {
        let (ingress, egress) = match have {
            Some(value) => (self.atoms(value, "ingress")?, self.atoms(value, "egress")?),
            None => {
                let found = self.describe(aws, &[id.to_owned()], Vec::new()).await?;
                let group = found.get(id).ok_or(ProviderError::NotFound)?;
                (
                    Self::aws_atoms(id, group.ip_permissions()),
                    Self::aws_atoms(id, group.ip_permissions_egress()),
                )
            }
        };
        for (block, have) in [("ingress", ingress), ("egress", egress)] {
            let want = self.atoms(wanted, block)?;
            let revoke: Vec<IpPermission> = have
                .difference(&want)
                .map(|a| Self::permission(id, a))
                .collect();
            let authorize: Vec<IpPermission> = want
                .difference(&have)
                .map(|a| Self::permission(id, a))
                .collect();
            let ingress = block == "ingress";
            if !revoke.is_empty() {
                let sent = if ingress {
                    aws.ec2()
                        .revoke_security_group_ingress()
                        .group_id(id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:RevokeSecurityGroupIngress", id))
                } else {
                    aws.ec2()
                        .revoke_security_group_egress()
                        .group_id(id)
                        .set_ip_permissions(Some(revoke))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:RevokeSecurityGroupEgress", id))
                };
                sent?;
            }
            if !authorize.is_empty() {
                let sent = if ingress {
                    aws.ec2()
                        .authorize_security_group_ingress()
                        .group_id(id)
                        .set_ip_permissions(Some(authorize))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:AuthorizeSecurityGroupIngress", id))
                } else {
                    aws.ec2()
                        .authorize_security_group_egress()
                        .group_id(id)
                        .set_ip_permissions(Some(authorize))
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:AuthorizeSecurityGroupEgress", id))
                };
                match sent {
                    // Already there (a retry after a lost answer).
                    Ok(()) | Err(ProviderError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// The configuration's rules in the canonical shape that reads produce.
    fn canonical(&self, value: Value) -> Result<Value, ProviderError> {
        let mut set = Vec::new();
        for block in ["ingress", "egress"] {
            let known = Attrs::new(&self.schema, &value)
                .blocks(block)
                .iter()
                .all(|r| r.is_fully_known());
            if known {
                set.push((block, Self::rules_value(&self.atoms(&value, block)?)));
            }
        }
        Ok(complete(&self.schema, &value, set))
    }
}

impl Default for AwsSecurityGroup {
    fn default() -> Self {
        AwsSecurityGroup::new()
    }
}

impl Ec2Object for AwsSecurityGroup {
    type Described = SecurityGroup;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "security group"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, SecurityGroup>, ProviderError>> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_security_groups,
            set_group_ids,
            set_filters,
            security_groups,
            group_id,
            "ec2:DescribeSecurityGroups"
        )
    }

    fn value(&self, aws: &Aws, group: &SecurityGroup, current: &Value) -> Option<Value> {
        let id = group.group_id().unwrap_or_default();
        let owner = group.owner_id().unwrap_or_default();
        let stored = Attrs::new(&self.schema, current);
        let (tags, tags_all) = tags::read_values(aws, tags::ec2_pairs(group.tags()), &stored);
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("name", text(group.group_name())),
                ("name_prefix", stored.raw("name_prefix").clone()),
                ("description", text(group.description())),
                ("vpc_id", text(group.vpc_id())),
                (
                    "revoke_rules_on_delete",
                    Value::Bool(
                        stored
                            .bool("revoke_rules_on_delete")
                            .ok()
                            .flatten()
                            .unwrap_or(false),
                    ),
                ),
                ("id", Value::string(id)),
                (
                    "arn",
                    Value::string(format!(
                        "arn:aws:ec2:{}:{owner}:security-group/{id}",
                        aws.region
                    )),
                ),
                ("owner_id", Value::string(owner)),
                ("tags", tags),
                ("tags_all", tags_all),
                (
                    "ingress",
                    Self::rules_value(&Self::aws_atoms(id, group.ip_permissions())),
                ),
                (
                    "egress",
                    Self::rules_value(&Self::aws_atoms(id, group.ip_permissions_egress())),
                ),
            ],
        ))
    }

    /// Rules in the canonical shape. A rules kind with no block configured is not managed
    /// (`aws_security_group_rule` resources may add rules of that kind).
    fn refine(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let proposed = self.canonical(proposed)?;
        Ok(keep_unconfigured_blocks(
            &self.schema,
            prior,
            proposed,
            &["ingress", "egress"],
        ))
    }

    fn create_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, planned);
            let name = match attrs.string("name") {
                Ok(Some(name)) => name,
                _ => {
                    let prefix = attrs
                        .string("name_prefix")?
                        .unwrap_or_else(|| "terraform-".into());
                    let random = uuid::Uuid::new_v4().simple().to_string();
                    format!("{prefix}{}", &random[..26])
                }
            };
            let address = ctx.address.as_deref();
            let out = aws
                .ec2()
                .create_security_group()
                .group_name(&name)
                .description(
                    attrs
                        .string("description")?
                        .unwrap_or_else(|| "Managed by Terraform".into()),
                )
                // Unset, the group goes in the default VPC.
                .set_vpc_id(attrs.string("vpc_id").ok().flatten())
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::SecurityGroup,
                    &tags::configured(&self.schema, planned)?,
                    address,
                ))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(|e| {
                    classify(
                        aws,
                        e,
                        "ec2:CreateSecurityGroup",
                        address.unwrap_or("aws_security_group"),
                    )
                })?;
            out.group_id()
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateSecurityGroup returned no id"))
        })
    }

    fn after_create<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(retry::while_not_found(
            ctx,
            "waiting for the new group to be visible",
            move || self.sync_rules(aws, id, None, planned),
        ))
    }

    fn update_call<'a>(
        &'a self,
        _ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(self.sync_rules(aws, id, Some(prior), planned))
    }

    fn delete_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            if Attrs::new(&self.schema, current)
                .bool("revoke_rules_on_delete")?
                .unwrap_or(false)
            {
                let none = complete(&self.schema, &Value::Null, []);
                self.sync_rules(aws, id, None, &none).await?;
            }
            retry::delete(
                ctx,
                "destroying (waiting for network interfaces to go)",
                || async {
                    aws.ec2()
                        .delete_security_group()
                        .group_id(id)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| classify(aws, e, "ec2:DeleteSecurityGroup", id))
                },
            )
            .await
        })
    }
}
