//! `aws_route`: one route in a route table, managed on its own (the table's `route` blocks must
//! then be left out, or the two fight). The table and the destination replace it; a new target
//! points the route there in place. Its id is `TABLE_DESTINATION` (Terraform's import form),
//! which is also how a route whose create answer was lost is found again: CreateRoute saying
//! the route exists, with this route's target, means it was ours. Refresh describes every table
//! routes are in with one call.

use std::collections::BTreeSet;

use super::ec2_object::Ec2Object;
use super::errors::classify;
use super::handle::Aws;
use super::retry;
use super::route_table::{write_route, AwsRouteTable, RouteWrite, TARGETS};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsRoute {
    schema: ResourceSchema,
    /// Describes the tables the routes are in.
    tables: AwsRouteTable,
}

/// A route as configured or stored: (table, destination, (target attribute, target id)).
type RouteParts = (String, String, (&'static str, String));

impl AwsRoute {
    pub fn new() -> AwsRoute {
        let mut attributes = vec![
            AttributeSchema::required("route_table_id", Type::String).force_new(),
            AttributeSchema::optional("destination_cidr_block", Type::String).force_new(),
            AttributeSchema::optional("destination_ipv6_cidr_block", Type::String).force_new(),
        ];
        attributes.extend(
            TARGETS
                .iter()
                .map(|t| AttributeSchema::optional(t, Type::String)),
        );
        attributes.extend([
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("origin", Type::String)
                .describe("How the route was made (CreateRoute, CreateRouteTable, ...)."),
            AttributeSchema::computed("state", Type::String)
                .describe("active, or blackhole when its target is gone."),
        ]);
        AwsRoute {
            schema: ResourceSchema {
                type_name: "aws_route",
                description: "One route in a VPC route table.",
                attributes,
                blocks: Vec::new(),
            },
            tables: AwsRouteTable::new(),
        }
    }

    /// The destination a configured or stored route names, when known.
    fn destination(&self, attrs: &Attrs) -> Result<Option<String>, ProviderError> {
        match (
            attrs.string("destination_cidr_block")?,
            attrs.string("destination_ipv6_cidr_block")?,
        ) {
            (Some(_), Some(_)) => Err(ProviderError::validation(
                "destination_cidr_block",
                "set destination_cidr_block or destination_ipv6_cidr_block, not both",
            )),
            (Some(d), None) | (None, Some(d)) => Ok(Some(d)),
            (None, None) => Ok(None),
        }
    }

    fn parts(&self, value: &Value) -> Result<RouteParts, ProviderError> {
        let attrs = Attrs::new(&self.schema, value);
        let table = attrs.string("route_table_id")?.unwrap_or_default();
        let destination = self.destination(&attrs)?.ok_or_else(|| {
            ProviderError::validation(
                "destination_cidr_block",
                "a route needs destination_cidr_block or destination_ipv6_cidr_block",
            )
        })?;
        let mut targets = Vec::new();
        for t in TARGETS {
            if let Some(id) = attrs.string(t)? {
                targets.push((t, id));
            }
        }
        match targets.len() {
            1 => Ok((table, destination, targets.remove(0))),
            0 => Err(ProviderError::validation(
                "gateway_id",
                format!(
                    "the route to {destination} needs a target: one of {}",
                    TARGETS.join(", ")
                ),
            )),
            _ => Err(ProviderError::validation(
                targets[1].0,
                format!(
                    "the route to {destination} has several targets ({}); set one",
                    targets
                        .iter()
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn value(&self, table: &str, destination: &str, route: &aws_sdk_ec2::types::Route) -> Value {
        let v6 = destination.contains(':');
        let target = AwsRouteTable::aws_routes(std::slice::from_ref(route))
            .into_values()
            .next();
        let mut set: Vec<(&'static str, Value)> = vec![
            ("route_table_id", Value::string(table)),
            (
                if v6 {
                    "destination_ipv6_cidr_block"
                } else {
                    "destination_cidr_block"
                },
                Value::string(destination),
            ),
            ("id", Value::string(route_id(table, destination))),
            (
                "origin",
                route
                    .origin()
                    .map_or(Value::Null, |o| Value::string(o.as_str())),
            ),
            (
                "state",
                route
                    .state()
                    .map_or(Value::Null, |s| Value::string(s.as_str())),
            ),
        ];
        if let Some((name, id)) = target {
            set.push((name, Value::string(id)));
        }
        complete(&self.schema, &Value::Null, set)
    }

    /// Reads routes `(table, destination)`: one describe for all their tables. `None` for
    /// routes (or tables) that are gone.
    async fn read_routes(
        &self,
        aws: &Aws,
        routes: &[(String, String)],
    ) -> Result<Vec<Option<Value>>, ProviderError> {
        let tables: Vec<String> = routes
            .iter()
            .map(|(t, _)| t.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let described = self.tables.describe(aws, &tables, Vec::new()).await?;
        Ok(routes
            .iter()
            .map(|(table, destination)| {
                let route = described.get(table)?.routes().iter().find(|r| {
                    r.destination_cidr_block()
                        .or(r.destination_ipv6_cidr_block())
                        == Some(destination.as_str())
                })?;
                Some(self.value(table, destination, route))
            })
            .collect())
    }

    /// Whether a route's value sends traffic to target `name` = `id`.
    fn goes_to(&self, value: &Value, name: &str, id: &str) -> bool {
        Attrs::new(&self.schema, value)
            .string(name)
            .ok()
            .flatten()
            .as_deref()
            == Some(id)
    }

    async fn read_one(
        &self,
        aws: &Aws,
        table: &str,
        destination: &str,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .read_routes(aws, &[(table.to_owned(), destination.to_owned())])
            .await?
            .pop()
            .flatten())
    }
}

impl Default for AwsRoute {
    fn default() -> Self {
        AwsRoute::new()
    }
}

/// `TABLE_DESTINATION`: the route's id and import form.
fn route_id(table: &str, destination: &str) -> String {
    format!("{table}_{destination}")
}

impl ResourceType for AwsRoute {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let attrs = Attrs::new(&self.schema, &proposed);
        if attrs.arguments_known() {
            self.parts(&proposed)?;
        }
        Ok(match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => {
                let id = match (attrs.string("route_table_id"), self.destination(&attrs)) {
                    (Ok(Some(table)), Ok(Some(destination))) => {
                        Value::string(route_id(&table, &destination))
                    }
                    _ => unknown(&self.schema, "id"),
                };
                complete(
                    &self.schema,
                    &proposed,
                    [
                        ("id", id),
                        ("origin", unknown(&self.schema, "origin")),
                        ("state", unknown(&self.schema, "state")),
                    ],
                )
            }
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (table, destination, target) = self.parts(planned)?;
            let written = retry::while_not_found(
                ctx,
                "creating (waiting for the table and target to be visible)",
                || {
                    write_route(
                        aws,
                        &table,
                        (destination.clone(), target.clone()),
                        RouteWrite::Create,
                    )
                },
            )
            .await;
            match written {
                Ok(()) => {}
                // There is a route to this destination: ours, when it goes where this one
                // does (a create whose answer was lost).
                Err(ProviderError::Conflict(message)) => {
                    let existing = self.read_one(aws, &table, &destination).await?;
                    let ours = existing
                        .as_ref()
                        .is_some_and(|v| self.goes_to(v, target.0, &target.1));
                    if !ours {
                        return Err(ProviderError::Conflict(format!(
                            "{message}; table {table} already has a route to {destination} that this stack did not create: import it with plat import ADDRESS {}, or remove it",
                            route_id(&table, &destination)
                        )));
                    }
                }
                Err(e) => return Err(e),
            }
            retry::until_visible(ctx, || self.read_one(aws, &table, &destination)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (table, destination, _) = self.parts(current)?;
            self.read_one(aws, &table, &destination).await
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
                let routes = current
                    .iter()
                    .map(|v| self.parts(v).map(|(t, d, _)| (t, d)))
                    .collect::<Result<Vec<_>, _>>()?;
                self.read_routes(aws, &routes).await
            };
            crate::providers::resource::each_read(current.len(), read.await)
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        _prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (table, destination, target) = self.parts(planned)?;
            write_route(
                aws,
                &table,
                (destination.clone(), target),
                RouteWrite::Replace,
            )
            .await?;
            self.read_one(aws, &table, &destination)
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
            let (table, destination, _) = self.parts(current)?;
            let mut request = aws.ec2().delete_route().route_table_id(&table);
            request = if destination.contains(':') {
                request.destination_ipv6_cidr_block(&destination)
            } else {
                request.destination_cidr_block(&destination)
            };
            match request.send().await {
                Ok(_) => Ok(()),
                Err(e) => super::errors::gone_as(
                    classify(aws, e, "ec2:DeleteRoute", &route_id(&table, &destination)),
                    (),
                ),
            }
        })
    }

    /// Imports `TABLE_DESTINATION` (`rtb-0abc_10.0.0.0/16`).
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((table, destination)) = id.split_once('_') else {
                return Err(ProviderError::validation(
                    "id",
                    "must be ROUTE_TABLE_ID_DESTINATION (rtb-0abc_10.0.0.0/16)",
                ));
            };
            self.read_one(aws, table, destination)
                .await?
                .ok_or_else(|| {
                    ProviderError::validation(
                        "id",
                        format!("route table {table} has no route to {destination}"),
                    )
                })
        })
    }

    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let (table, destination, (target, target_id)) = self.parts(planned).ok()?;
        Some(serde_json::json!({
            "route_table_id": table,
            "destination": destination,
            "target": target,
            "target_id": target_id,
        }))
    }

    /// The route, when it goes where this one was to go (one to the same destination with
    /// another target is not this instance's).
    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let field = |name: &str| identity.get(name).and_then(|v| v.as_str());
            let (Some(table), Some(destination), Some(target), Some(target_id)) = (
                field("route_table_id"),
                field("destination"),
                field("target"),
                field("target_id"),
            ) else {
                return Ok(None);
            };
            let found = self.read_one(aws, table, destination).await?;
            Ok(found.filter(|v| self.goes_to(v, target, target_id)))
        })
    }
}
