//! `data "aws_caller_identity"`: the account, ARN and user id of the credentials in use (STS
//! GetCallerIdentity).

use super::errors::classify;
use super::handle::Aws;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, BoxFuture, DataSource, OpContext, ProviderError};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct CallerIdentity {
    schema: ResourceSchema,
}

impl CallerIdentity {
    pub fn new() -> CallerIdentity {
        CallerIdentity {
            schema: ResourceSchema {
                type_name: "aws_caller_identity",
                description: "Who the provider's credentials are.",
                attributes: ["account_id", "arn", "user_id", "id"]
                    .into_iter()
                    .map(|n| AttributeSchema::computed(n, Type::String))
                    .collect(),
                blocks: Vec::new(),
            },
        }
    }
}

impl Default for CallerIdentity {
    fn default() -> Self {
        CallerIdentity::new()
    }
}

impl DataSource for CallerIdentity {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move {
            let aws = ctx.provider::<Aws>()?;
            let out = aws
                .sts()
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| classify(aws, e, "sts:GetCallerIdentity", "the caller"))?;
            let text = |s: Option<&str>| s.map_or(Value::Null, Value::string);
            Ok(Some(complete(
                &self.schema,
                &Value::Null,
                [
                    ("account_id", text(out.account())),
                    ("arn", text(out.arn())),
                    ("user_id", text(out.user_id())),
                    ("id", text(out.account())),
                ],
            )))
        })
    }
}
