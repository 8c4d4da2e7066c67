//! `plat_data`: holds a value in state, like Terraform's `terraform_data`.
//!
//! There is no remote object: `output` mirrors `input` (known at plan time when `input` is), `id`
//! is a random UUID chosen at create, read returns the stored value and delete does nothing.

use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, ProviderError, StateOnly,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct PlatData {
    schema: ResourceSchema,
}

impl PlatData {
    pub fn new() -> PlatData {
        PlatData { schema: schema() }
    }

    /// `output` as it will be after apply: `input` when that is known.
    fn output_of(&self, value: &Value) -> Value {
        let input = Attrs::new(&self.schema, value).raw("input");
        if input.is_fully_known() {
            input.clone()
        } else {
            unknown(&self.schema, "output")
        }
    }
}

impl Default for PlatData {
    fn default() -> Self {
        PlatData::new()
    }
}

fn schema() -> ResourceSchema {
    ResourceSchema {
        type_name: "plat_data",
        description: "Stores a value in state; `output` mirrors `input` after apply.",
        attributes: vec![
            AttributeSchema::optional("input", Type::Any)
                .describe("Any value; changing it updates the resource in place."),
            AttributeSchema::optional("triggers_replace", Type::Any)
                .force_new()
                .describe("Any value; changing it replaces the resource."),
            AttributeSchema::computed("output", Type::Any)
                .describe("The value of input, known after apply."),
            AttributeSchema::computed("id", Type::String),
        ],
        blocks: Vec::new(),
    }
}

impl StateOnly for PlatData {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let output = self.output_of(&proposed);
        let id = match prior {
            Some(prior) => Attrs::new(&self.schema, prior).raw("id").clone(),
            None => unknown(&self.schema, "id"),
        };
        Ok(complete(
            &self.schema,
            &proposed,
            [("output", output), ("id", id)],
        ))
    }

    fn create_value<'a>(
        &'a self,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let output = Attrs::new(&self.schema, planned).raw("input").clone();
            let id = Value::String(uuid::Uuid::new_v4().to_string());
            Ok(complete(
                &self.schema,
                planned,
                [("output", output), ("id", id)],
            ))
        })
    }

    fn update_value(&self, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let output = Attrs::new(&self.schema, planned).raw("input").clone();
        let value = keep_computed(&self.schema, prior, planned);
        Ok(complete(&self.schema, &value, [("output", output)]))
    }

    fn import_value<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            Ok(complete(
                &self.schema,
                &Value::Null,
                [("id", Value::string(id))],
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};
    use crate::providers::resource::{OpContext, ResourceType};
    use std::collections::BTreeMap;

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[tokio::test]
    async fn round_trip() {
        let r: Box<dyn ResourceType> = Box::new(PlatData::new());
        let ctx = OpContext::new();
        let input = object(&[("a", Value::from(1.0)), ("s", Value::from("x").sensitive())]);
        let planned = r
            .plan(None, config(r.schema(), &[("input", input.clone())]))
            .unwrap();
        assert_eq!(attr(&planned, "output"), &input, "output known at plan");
        assert!(attr(&planned, "id").is_unknown());

        let created = r.create(&ctx, &planned).await.unwrap();
        assert_complete(r.schema(), &created);
        assert_eq!(attr(&created, "output"), &input);
        let id = text(&created, "id");
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
            Ok(4)
        );

        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));

        let mut proposed = keep_computed(r.schema(), &created, &config(r.schema(), &[]));
        proposed = complete(r.schema(), &proposed, [("input", Value::from("new"))]);
        let planned = r.plan(Some(&created), proposed).unwrap();
        assert_eq!(text(&planned, "id"), id, "id kept on update");
        assert_eq!(attr(&planned, "output"), &Value::from("new"));
        let updated = r.update(&ctx, &created, &planned).await.unwrap();
        assert_complete(r.schema(), &updated);
        assert_eq!(text(&updated, "id"), id);
        assert_eq!(text(&updated, "output"), "new");

        r.delete(&ctx, &updated).await.unwrap();
        let imported = r.import(&ctx, "abc").await.unwrap();
        assert_eq!(text(&imported, "id"), "abc");
        assert!(r.identity(&OpContext::new(), &planned).is_none());
    }

    #[test]
    fn unknown_input_plans_unknown_output() {
        let r: Box<dyn ResourceType> = Box::new(PlatData::new());
        let input = object(&[("a", Value::unknown())]);
        let planned = r
            .plan(None, config(r.schema(), &[("input", input)]))
            .unwrap();
        assert!(attr(&planned, "output").is_unknown());
        assert!(r
            .schema()
            .attribute("triggers_replace")
            .is_some_and(|a| a.force_new));
        assert!(r.schema().attribute("input").is_some_and(|a| !a.force_new));
    }
}
