//! `aws_route_table_association`: a subnet's route table. `subnet_id` replaces it; a new
//! `route_table_id` re-associates in place. A subnet has one association, so an association whose
//! answer was lost is found by its subnet. Refresh reads every association in one call.

use aws_sdk_ec2::types::{Filter, RouteTable};

use super::errors::classify;
use super::handle::Aws;
use super::retry;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AwsRouteTableAssociation {
    schema: ResourceSchema,
}

impl AwsRouteTableAssociation {
    pub fn new() -> AwsRouteTableAssociation {
        AwsRouteTableAssociation {
            schema: ResourceSchema {
                type_name: "aws_route_table_association",
                description: "The route table of a subnet.",
                attributes: vec![
                    AttributeSchema::required("subnet_id", Type::String).force_new(),
                    AttributeSchema::required("route_table_id", Type::String),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }

    /// Route tables with an association matching `filter_name = values`.
    async fn tables(
        &self,
        aws: &Aws,
        filter_name: &str,
        values: Vec<String>,
    ) -> Result<Vec<RouteTable>, ProviderError> {
        let mut tables = Vec::new();
        let mut pages = aws
            .ec2()
            .describe_route_tables()
            .filters(
                Filter::builder()
                    .name(filter_name)
                    .set_values(Some(values))
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                classify(
                    aws,
                    e,
                    "ec2:DescribeRouteTables",
                    "route table associations",
                )
            })?;
            tables.extend(page.route_tables().iter().cloned());
        }
        Ok(tables)
    }

    /// `(association id, subnet, table)` of every association in these tables.
    fn associations(tables: &[RouteTable]) -> Vec<(String, String, String)> {
        tables
            .iter()
            .flat_map(|t| {
                t.associations().iter().filter_map(move |a| {
                    Some((
                        a.route_table_association_id()?.to_owned(),
                        a.subnet_id()?.to_owned(),
                        t.route_table_id()?.to_owned(),
                    ))
                })
            })
            .collect()
    }

    fn value(&self, (id, subnet, table): &(String, String, String)) -> Value {
        complete(
            &self.schema,
            &Value::Null,
            [
                ("subnet_id", Value::string(subnet.clone())),
                ("route_table_id", Value::string(table.clone())),
                ("id", Value::string(id.clone())),
            ],
        )
    }

    async fn read_id(&self, aws: &Aws, id: &str) -> Result<Option<Value>, ProviderError> {
        let tables = self
            .tables(
                aws,
                "association.route-table-association-id",
                vec![id.to_owned()],
            )
            .await?;
        Ok(Self::associations(&tables)
            .iter()
            .find(|a| a.0 == id)
            .map(|a| self.value(a)))
    }

    /// The subnet's association, if it has one.
    async fn of_subnet(
        &self,
        aws: &Aws,
        subnet: &str,
    ) -> Result<Option<(String, String, String)>, ProviderError> {
        let tables = self
            .tables(aws, "association.subnet-id", vec![subnet.to_owned()])
            .await?;
        Ok(Self::associations(&tables)
            .into_iter()
            .find(|a| a.1 == subnet))
    }
}

impl Default for AwsRouteTableAssociation {
    fn default() -> Self {
        AwsRouteTableAssociation::new()
    }
}

fn parts(schema: &ResourceSchema, value: &Value) -> Result<(String, String), ProviderError> {
    let attrs = Attrs::new(schema, value);
    Ok((
        attrs.string("subnet_id")?.unwrap_or_default(),
        attrs.string("route_table_id")?.unwrap_or_default(),
    ))
}

impl ResourceType for AwsRouteTableAssociation {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        Ok(match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
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
            let (subnet, table) = parts(&self.schema, planned)?;
            let sent = retry::while_not_found(
                ctx,
                "associating (waiting for the table to be visible)",
                || async {
                    aws.ec2()
                        .associate_route_table()
                        .subnet_id(&subnet)
                        .route_table_id(&table)
                        .send()
                        .await
                        .map_err(|e| classify(aws, e, "ec2:AssociateRouteTable", &subnet))
                },
            )
            .await;
            let id = match sent {
                Ok(out) => out
                    .association_id()
                    .map(str::to_owned)
                    .ok_or_else(|| ProviderError::other("AssociateRouteTable returned no id"))?,
                // Associated already: ours if it is to this table (a retry after a lost answer).
                Err(ProviderError::Conflict(message)) => {
                    match self.of_subnet(aws, &subnet).await? {
                        Some((id, _, current)) if current == table => id,
                        _ => return Err(ProviderError::Conflict(message)),
                    }
                }
                Err(e) => return Err(e),
            };
            retry::until_visible(ctx, || self.read_id(aws, &id)).await
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let id = super::batch::id_of(&self.schema, current)?;
            self.read_id(aws, &id).await
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
            let fail =
                |e: ProviderError| crate::providers::resource::each_read(current.len(), Err(e));
            let aws = match ctx.provider::<Aws>() {
                Ok(aws) => aws,
                Err(e) => return fail(e),
            };
            let ids: Result<Vec<String>, _> = current
                .iter()
                .map(|v| super::batch::id_of(&self.schema, v))
                .collect();
            let ids = match ids {
                Ok(ids) => ids,
                Err(e) => return fail(e),
            };
            match self
                .tables(aws, "association.route-table-association-id", ids.clone())
                .await
            {
                Ok(tables) => {
                    let all = Self::associations(&tables);
                    ids.iter()
                        .map(|id| Ok(all.iter().find(|a| &a.0 == id).map(|a| self.value(a))))
                        .collect()
                }
                Err(e) => fail(e),
            }
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
            let id = super::batch::id_of(&self.schema, prior)?;
            let (_, table) = parts(&self.schema, planned)?;
            let out = aws
                .ec2()
                .replace_route_table_association()
                .association_id(&id)
                .route_table_id(&table)
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:ReplaceRouteTableAssociation", &id))?;
            let new_id = out.new_association_id().unwrap_or(&id).to_owned();
            self.read_id(aws, &new_id)
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
            let id = super::batch::id_of(&self.schema, current)?;
            retry::delete(ctx, "disassociating", || async {
                aws.ec2()
                    .disassociate_route_table()
                    .association_id(&id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| classify(aws, e, "ec2:DisassociateRouteTable", &id))
            })
            .await
        })
    }

    /// Imports `SUBNET_ID/ROUTE_TABLE_ID`, as Terraform does.
    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let Some((subnet, table)) = id.split_once('/') else {
                return Err(ProviderError::validation(
                    "id",
                    "must be SUBNET_ID/ROUTE_TABLE_ID",
                ));
            };
            match self.of_subnet(aws, subnet).await? {
                Some(found) if found.2 == table => Ok(self.value(&found)),
                _ => Err(ProviderError::validation(
                    "id",
                    format!("subnet {subnet} is not associated with {table}"),
                )),
            }
        })
    }

    fn identity(&self, _ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let (subnet, table) = parts(&self.schema, planned).ok()?;
        Some(serde_json::json!({ "subnet_id": subnet, "route_table_id": table }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let (Some(subnet), Some(table)) = (
                identity.get("subnet_id").and_then(|s| s.as_str()),
                identity.get("route_table_id").and_then(|t| t.as_str()),
            ) else {
                return Ok(None);
            };
            Ok(self
                .of_subnet(aws, subnet)
                .await?
                .filter(|a| a.2 == table)
                .map(|a| self.value(&a)))
        })
    }
}
