//! `random_string`: a random string, generated once and kept in state.

use super::{plan_random, Charset};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct RandomString {
    schema: ResourceSchema,
}

impl RandomString {
    pub fn new() -> RandomString {
        RandomString { schema: schema() }
    }
}

impl Default for RandomString {
    fn default() -> Self {
        RandomString::new()
    }
}

fn schema() -> ResourceSchema {
    let mut attributes = super::character_set_arguments();
    attributes.push(AttributeSchema::computed("result", Type::String));
    ResourceSchema {
        type_name: "random_string",
        description: "A random string, generated once and kept in state.",
        attributes,
        blocks: Vec::new(),
    }
}

impl ResourceType for RandomString {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        plan_random(&self.schema, prior, proposed, |attrs| {
            Charset::from_attrs(attrs).map(drop)
        })
    }

    fn create<'a>(
        &'a self,
        _ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let result = Charset::from_attrs(&Attrs::new(&self.schema, planned))?.generate()?;
            Ok(complete(
                &self.schema,
                planned,
                [
                    ("result", Value::string(result.clone())),
                    ("id", Value::String(result)),
                ],
            ))
        })
    }

    fn reads_outside_state(&self) -> bool {
        false
    }

    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move { Ok(Some(complete(&self.schema, current, []))) })
    }

    fn update<'a>(
        &'a self,
        _ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move { Ok(keep_computed(&self.schema, prior, planned)) })
    }

    fn delete<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    /// Imports an existing string: the id is the string itself.
    fn import<'a>(
        &'a self,
        _ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            if id.is_empty() {
                return Err(ProviderError::validation(
                    "id",
                    "the string to import is empty",
                ));
            }
            let mut set = Charset::imported(id);
            set.push(("result", Value::string(id)));
            set.push(("id", Value::string(id)));
            Ok(complete(&self.schema, &Value::Null, set))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};

    #[tokio::test]
    async fn round_trip_and_stability() {
        let r = RandomString::new();
        let ctx = OpContext::new();
        let cfg = config(r.schema(), &[("length", Value::from(16.0))]);
        let planned = r.plan(None, cfg.clone()).unwrap();
        assert!(attr(&planned, "result").is_unknown());
        let created = r.create(&ctx, &planned).await.unwrap();
        assert_complete(r.schema(), &created);
        let result = text(&created, "result");
        assert_eq!(result.chars().count(), 16);
        assert_eq!(text(&created, "id"), result);

        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));
        let replanned = r.plan(Some(&created), cfg).unwrap();
        assert_eq!(text(&replanned, "result"), result, "stable across plans");
        let updated = r.update(&ctx, &created, &replanned).await.unwrap();
        assert_eq!(updated, created);
        r.delete(&ctx, &created).await.unwrap();

        let imported = r.import(&ctx, "abc123").await.unwrap();
        assert_complete(r.schema(), &imported);
        assert_eq!(text(&imported, "result"), "abc123");
        assert_eq!(attr(&imported, "length"), &Value::from(6.0));
    }

    #[test]
    fn every_argument_forces_a_new_value() {
        let r = RandomString::new();
        for a in r.schema().attributes.iter().filter(|a| a.settable()) {
            assert!(a.force_new, "{}", a.name);
        }
        assert!(r.schema().attributes.iter().all(|a| !a.sensitive));
    }

    #[test]
    fn plan_validates_known_arguments_only() {
        let r = RandomString::new();
        let err = r
            .plan(None, config(r.schema(), &[("length", Value::from(0.0))]))
            .unwrap_err();
        assert!(
            matches!(&err, ProviderError::Validation { attribute: Some(a), .. } if a == "length"),
            "{err}"
        );
        let cfg = config(r.schema(), &[("length", Value::Unknown(Type::Number))]);
        assert!(r.plan(None, cfg).is_ok());
    }
}
