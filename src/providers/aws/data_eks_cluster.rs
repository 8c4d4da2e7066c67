//! `data "aws_eks_cluster"`: an existing EKS cluster by name (DescribeCluster): its endpoint,
//! CA bundle, OIDC issuer, network and settings, with the attribute names of the resource.

use std::collections::BTreeMap;

use super::eks;
use super::eks_cluster::{computed_attributes, AwsEksCluster};
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct EksClusterData {
    schema: ResourceSchema,
    cluster: AwsEksCluster,
}

/// The resource's block names: here they are computed attributes (lists of objects).
const BLOCKS: [&str; 3] = ["vpc_config", "kubernetes_network_config", "access_config"];

impl EksClusterData {
    pub fn new() -> EksClusterData {
        let cluster = AwsEksCluster::new();
        let resource = cluster.schema();
        let mut attributes = vec![AttributeSchema::required("name", Type::String)];
        for name in ["role_arn", "version", "enabled_cluster_log_types", "tags"] {
            let a = resource.attribute(name).expect("a resource attribute");
            attributes.push(AttributeSchema::computed(name, a.ty.clone()));
        }
        attributes.extend(computed_attributes());
        for name in BLOCKS {
            let block = resource.block(name).expect("a resource block");
            let object = Type::object(
                block
                    .attributes
                    .iter()
                    .map(|a| (a.name.to_owned(), a.ty.clone()))
                    .collect::<BTreeMap<_, _>>(),
            );
            attributes.push(AttributeSchema::computed(name, Type::list(object)));
        }
        EksClusterData {
            schema: ResourceSchema {
                type_name: "aws_eks_cluster",
                description: "An existing EKS cluster, by name.",
                attributes,
                blocks: Vec::new(),
            },
            cluster,
        }
    }
}

impl Default for EksClusterData {
    fn default() -> Self {
        EksClusterData::new()
    }
}

impl DataSource for EksClusterData {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let name = Attrs::new(&self.schema, config)
                .string("name")?
                .ok_or_else(|| ProviderError::validation("name", "is required"))?;
            let Some(found) = eks::describe_cluster(aws, &name).await? else {
                return Err(ProviderError::validation(
                    "name",
                    format!("no EKS cluster named {name} in {}", aws.region),
                ));
            };
            let value = self.cluster.value(aws, &found, &Value::Null);
            let resource = Attrs::new(self.cluster.schema(), &value);
            let copied: Vec<(&'static str, Value)> = self
                .schema
                .attributes
                .iter()
                .map(|a| (a.name, resource.raw(a.name).clone()))
                .collect();
            Ok(Some(complete(&self.schema, config, copied)))
        })
    }
}
