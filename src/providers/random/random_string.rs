//! `random_string`: a random string, generated once and kept in state.

use super::{plan_random, Charset};
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{complete, Attrs, BoxFuture, ProviderError, StateOnly};
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

impl StateOnly for RandomString {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        plan_random(&self.schema, prior, proposed, |attrs| {
            Charset::from_attrs(attrs).map(drop)
        })
    }

    fn create_value<'a>(
        &'a self,
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

    /// Imports an existing string: the id is the string itself.
    fn import_value<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Value, ProviderError>> {
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
    use crate::providers::resource::{OpContext, ResourceType};

    #[tokio::test]
    async fn round_trip_and_stability() {
        let r: Box<dyn ResourceType> = Box::new(RandomString::new());
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
        let r: Box<dyn ResourceType> = Box::new(RandomString::new());
        for a in r.schema().attributes.iter().filter(|a| a.settable()) {
            assert!(a.force_new, "{}", a.name);
        }
        assert!(r.schema().attributes.iter().all(|a| !a.sensitive));
    }

    #[test]
    fn plan_validates_known_arguments_only() {
        let r: Box<dyn ResourceType> = Box::new(RandomString::new());
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
