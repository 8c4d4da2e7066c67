//! `aws_route_table`: a VPC route table with inline `route` blocks (a set, one per destination).
//! Routes update in place (created, replaced or deleted by destination); the VPC's implicit
//! `local` route is never shown. Deletion waits while subnets are still associated.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType as Ec2Type, Route, RouteTable};

use super::ec2_object::{ec2_describe, keep_unconfigured_blocks, no_sdk_retries, Ec2Object};
use super::errors::classify;
use super::handle::Aws;
use super::{retry, tags};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, ResourceSchema};

pub struct AwsRouteTable {
    schema: ResourceSchema,
}

/// Where a route sends traffic: the target attributes a `route` block may set.
pub const TARGETS: [&str; 5] = [
    "gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
];

/// One route: its destination and its target (attribute name, id).
pub type RouteAtom = (String, (&'static str, String));

impl AwsRouteTable {
    pub fn new() -> AwsRouteTable {
        let mut route_attributes = vec![
            AttributeSchema::optional("cidr_block", Type::String),
            AttributeSchema::optional("ipv6_cidr_block", Type::String),
        ];
        route_attributes.extend(
            TARGETS
                .iter()
                .map(|t| AttributeSchema::optional(t, Type::String)),
        );
        let mut attributes = vec![
            AttributeSchema::required("vpc_id", Type::String).force_new(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("arn", Type::String),
            AttributeSchema::computed("owner_id", Type::String),
        ];
        attributes.extend(tags::attributes());
        AwsRouteTable {
            schema: ResourceSchema {
                type_name: "aws_route_table",
                description: "A VPC route table and its routes.",
                attributes,
                blocks: vec![BlockSchema {
                    name: "route",
                    nesting: Nesting::Set,
                    min_items: 0,
                    max_items: None,
                    optional_computed: false,
                    attributes: route_attributes,
                    blocks: Vec::new(),
                }],
            },
        }
    }

    fn route_schema(&self) -> ResourceSchema {
        self.schema.blocks[0].as_schema()
    }

    /// The configured or stored routes, by destination.
    fn routes(
        &self,
        value: &Value,
    ) -> Result<BTreeMap<String, (&'static str, String)>, ProviderError> {
        let schema = self.route_schema();
        let mut out = BTreeMap::new();
        for route in Attrs::new(&self.schema, value).blocks("route") {
            let r = Attrs::new(&schema, route);
            let destination = match (r.string("cidr_block")?, r.string("ipv6_cidr_block")?) {
                (Some(d), _) | (None, Some(d)) => d,
                (None, None) => {
                    return Err(ProviderError::validation(
                        "route",
                        "each route needs cidr_block or ipv6_cidr_block",
                    ))
                }
            };
            let target = TARGETS
                .iter()
                .find_map(|t| r.string(t).ok().flatten().map(|id| (*t, id)))
                .ok_or_else(|| {
                    ProviderError::validation(
                        "route",
                        format!(
                            "the route to {destination} needs a target ({})",
                            TARGETS.join(", ")
                        ),
                    )
                })?;
            out.insert(destination, target);
        }
        Ok(out)
    }

    /// The routes of a described table by destination, without the VPC's `local` route.
    pub fn aws_routes(routes: &[Route]) -> BTreeMap<String, (&'static str, String)> {
        let mut out = BTreeMap::new();
        for route in routes {
            if route.gateway_id() == Some("local") {
                continue;
            }
            let Some(destination) = route
                .destination_cidr_block()
                .or(route.destination_ipv6_cidr_block())
                .map(str::to_owned)
            else {
                continue;
            };
            let target = [
                ("gateway_id", route.gateway_id()),
                ("nat_gateway_id", route.nat_gateway_id()),
                ("network_interface_id", route.network_interface_id()),
                (
                    "vpc_peering_connection_id",
                    route.vpc_peering_connection_id(),
                ),
                ("transit_gateway_id", route.transit_gateway_id()),
            ]
            .into_iter()
            .find_map(|(name, id)| id.map(|id| (name, id.to_owned())));
            if let Some(target) = target {
                out.insert(destination, target);
            }
        }
        out
    }

    fn routes_value(routes: &BTreeMap<String, (&'static str, String)>) -> Value {
        let items: Vec<Value> = routes
            .iter()
            .map(|(destination, (target, id))| {
                let mut route: BTreeMap<String, Value> = BTreeMap::new();
                let v6 = destination.contains(':');
                route.insert(
                    "cidr_block".into(),
                    if v6 {
                        Value::Null
                    } else {
                        Value::string(destination.clone())
                    },
                );
                route.insert(
                    "ipv6_cidr_block".into(),
                    if v6 {
                        Value::string(destination.clone())
                    } else {
                        Value::Null
                    },
                );
                for t in TARGETS {
                    route.insert(
                        t.into(),
                        if t == *target {
                            Value::string(id.clone())
                        } else {
                            Value::Null
                        },
                    );
                }
                Value::Object(route)
            })
            .collect();
        crate::lang::types::convert(Value::Tuple(items.clone()), &Type::Set(Box::new(Type::Any)))
            .unwrap_or(Value::Set(items))
    }

    /// Brings the table's routes from `have` (read now when `None`) to the configured ones, by
    /// destination. Only destinations that differ are touched: routes others add meanwhile
    /// (`aws_route`) stay.
    async fn sync_routes(
        &self,
        aws: &Aws,
        id: &str,
        have: Option<&Value>,
        wanted: &Value,
    ) -> Result<(), ProviderError> {
        let have = match have {
            Some(value) => self.routes(value)?,
            None => {
                let found = self.describe(aws, &[id.to_owned()], Vec::new()).await?;
                Self::aws_routes(found.get(id).ok_or(ProviderError::NotFound)?.routes())
            }
        };
        let want = self.routes(wanted)?;
        for destination in have.keys().filter(|d| !want.contains_key(*d)) {
            let v6 = destination.contains(':');
            let mut request = aws.ec2().delete_route().route_table_id(id);
            request = if v6 {
                request.destination_ipv6_cidr_block(destination)
            } else {
                request.destination_cidr_block(destination)
            };
            match request
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:DeleteRoute", id))
            {
                Ok(_) | Err(ProviderError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        for (destination, target) in &want {
            match have.get(destination) {
                Some(current) if current == target => continue,
                Some(_) => {
                    write_route(
                        aws,
                        id,
                        (destination.clone(), target.clone()),
                        RouteWrite::Replace,
                    )
                    .await?
                }
                None => {
                    write_route(
                        aws,
                        id,
                        (destination.clone(), target.clone()),
                        RouteWrite::Upsert,
                    )
                    .await?
                }
            }
        }
        Ok(())
    }
}

/// Writes the route to `destination` in table `id` (see [`RouteWrite`]).
pub async fn write_route(
    aws: &Aws,
    id: &str,
    (destination, (target, target_id)): RouteAtom,
    mode: RouteWrite,
) -> Result<(), ProviderError> {
    let v6 = destination.contains(':');
    macro_rules! send {
        ($request:expr, $action:literal) => {{
            let mut r = $request.route_table_id(id);
            r = if v6 {
                r.destination_ipv6_cidr_block(&destination)
            } else {
                r.destination_cidr_block(&destination)
            };
            r = match target {
                "gateway_id" => r.gateway_id(&target_id),
                "nat_gateway_id" => r.nat_gateway_id(&target_id),
                "network_interface_id" => r.network_interface_id(&target_id),
                "vpc_peering_connection_id" => r.vpc_peering_connection_id(&target_id),
                _ => r.transit_gateway_id(&target_id),
            };
            r.send()
                .await
                .map(drop)
                .map_err(|e| classify(aws, e, $action, id))
        }};
    }
    match mode {
        RouteWrite::Replace => send!(aws.ec2().replace_route(), "ec2:ReplaceRoute"),
        RouteWrite::Create => send!(aws.ec2().create_route(), "ec2:CreateRoute"),
        RouteWrite::Upsert => match send!(aws.ec2().create_route(), "ec2:CreateRoute") {
            // Made already (a retry after a lost answer): make sure it points where wanted.
            Err(ProviderError::Conflict(_)) => {
                send!(aws.ec2().replace_route(), "ec2:ReplaceRoute")
            }
            other => other,
        },
    }
}

/// How [`write_route`] writes a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteWrite {
    /// A new route; one to the destination already there is a `Conflict`.
    Create,
    /// Points the existing route at the target.
    Replace,
    /// Creates it, or points the one already there at the target.
    Upsert,
}

impl Default for AwsRouteTable {
    fn default() -> Self {
        AwsRouteTable::new()
    }
}

impl Ec2Object for AwsRouteTable {
    type Described = RouteTable;

    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn kind(&self) -> &'static str {
        "route table"
    }

    fn describe<'a>(
        &'a self,
        aws: &'a Aws,
        ids: &'a [String],
        filters: Vec<Filter>,
    ) -> BoxFuture<'a, Result<BTreeMap<String, RouteTable>, ProviderError>> {
        ec2_describe!(
            aws,
            ids,
            filters,
            describe_route_tables,
            set_route_table_ids,
            set_filters,
            route_tables,
            route_table_id,
            "ec2:DescribeRouteTables"
        )
    }

    fn value(&self, aws: &Aws, table: &RouteTable, current: &Value) -> Option<Value> {
        let id = table.route_table_id().unwrap_or_default();
        let owner = table.owner_id().unwrap_or_default();
        let (tags, tags_all) = tags::read_values(
            aws,
            tags::ec2_pairs(table.tags()),
            &Attrs::new(&self.schema, current),
        );
        Some(complete(
            &self.schema,
            &Value::Null,
            [
                ("vpc_id", table.vpc_id().map_or(Value::Null, Value::string)),
                ("id", Value::string(id)),
                (
                    "arn",
                    Value::string(format!(
                        "arn:aws:ec2:{}:{owner}:route-table/{id}",
                        aws.region
                    )),
                ),
                ("owner_id", Value::string(owner)),
                (
                    "route",
                    Self::routes_value(&Self::aws_routes(table.routes())),
                ),
                ("tags", tags),
                ("tags_all", tags_all),
            ],
        ))
    }

    /// Routes in the shape reads produce (targets not set are null), when all are known. With
    /// no `route` block the table's routes are not managed (`aws_route` resources may add them).
    fn refine(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let proposed = keep_unconfigured_blocks(&self.schema, prior, proposed, &["route"]);
        let routes_known = Attrs::new(&self.schema, &proposed)
            .blocks("route")
            .iter()
            .all(|r| r.is_fully_known());
        if !routes_known {
            return Ok(proposed);
        }
        let routes = self.routes(&proposed)?;
        Ok(complete(
            &self.schema,
            &proposed,
            [("route", Self::routes_value(&routes))],
        ))
    }

    fn create_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<String, ProviderError>> {
        Box::pin(async move {
            let address = ctx.address.as_deref();
            let out = aws
                .ec2()
                .create_route_table()
                .vpc_id(
                    Attrs::new(&self.schema, planned)
                        .string("vpc_id")?
                        .unwrap_or_default(),
                )
                .tag_specifications(tags::ec2_specification(
                    aws,
                    Ec2Type::RouteTable,
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
                        "ec2:CreateRouteTable",
                        address.unwrap_or("aws_route_table"),
                    )
                })?;
            out.route_table()
                .and_then(|t| t.route_table_id())
                .map(str::to_owned)
                .ok_or_else(|| ProviderError::other("CreateRouteTable returned no id"))
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
            "waiting for the new table to be visible",
            move || self.sync_routes(aws, id, None, planned),
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
        Box::pin(self.sync_routes(aws, id, Some(prior), planned))
    }

    fn delete_call<'a>(
        &'a self,
        ctx: &'a OpContext,
        aws: &'a Aws,
        id: &'a str,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(retry::delete(
            ctx,
            "destroying (waiting for subnets to be disassociated)",
            move || async move {
                aws.ec2()
                    .delete_route_table()
                    .route_table_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DeleteRouteTable", id))
            },
        ))
    }
}
