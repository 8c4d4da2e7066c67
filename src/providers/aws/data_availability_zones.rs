//! `data "aws_availability_zones"`: the zones of the provider's region (EC2
//! DescribeAvailabilityZones), filtered by `state`, in name order.

use aws_sdk_ec2::types::Filter;

use super::errors::classify;
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, Attrs, BoxFuture, DataSource, OpContext, ProviderError,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct AvailabilityZones {
    schema: ResourceSchema,
}

impl AvailabilityZones {
    pub fn new() -> AvailabilityZones {
        let strings = || Type::List(Box::new(Type::String));
        AvailabilityZones {
            schema: ResourceSchema {
                type_name: "aws_availability_zones",
                description: "Availability zones of the region.",
                attributes: vec![
                    AttributeSchema::optional("state", Type::String).describe(
                        "Only zones in this state (available, information, impaired, unavailable).",
                    ),
                    AttributeSchema::optional("all_availability_zones", Type::Bool).describe(
                        "Include Local Zones and Wavelength Zones that are not opted in.",
                    ),
                    AttributeSchema::computed("names", strings()),
                    AttributeSchema::computed("zone_ids", strings()),
                    AttributeSchema::computed("group_names", strings()),
                    AttributeSchema::computed("id", Type::String),
                ],
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for AvailabilityZones {
    fn default() -> Self {
        AvailabilityZones::new()
    }
}

impl DataSource for AvailabilityZones {
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
            let attrs = Attrs::new(&self.schema, config);
            let mut request = aws
                .ec2()
                .describe_availability_zones()
                .set_all_availability_zones(attrs.bool("all_availability_zones")?);
            if let Some(state) = attrs.string("state")? {
                request = request.filters(Filter::builder().name("state").values(state).build());
            }
            let out = request
                .send()
                .await
                .map_err(|e| classify(aws, e, "ec2:DescribeAvailabilityZones", &aws.region))?;
            let mut zones: Vec<_> = out.availability_zones().to_vec();
            zones.sort_by(|a, b| a.zone_name().cmp(&b.zone_name()));
            let list = |f: &dyn Fn(&aws_sdk_ec2::types::AvailabilityZone) -> Option<&str>| {
                Value::List(
                    zones
                        .iter()
                        .filter_map(|z| f(z).map(Value::string))
                        .collect(),
                )
            };
            Ok(Some(complete(
                &self.schema,
                config,
                [
                    ("names", list(&|z| z.zone_name())),
                    ("zone_ids", list(&|z| z.zone_id())),
                    ("group_names", list(&|z| z.group_name())),
                    ("id", Value::string(aws.region.clone())),
                ],
            )))
        })
    }
}
