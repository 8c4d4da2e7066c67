//! `plat_data`: holds a value in state, like Terraform's `terraform_data`.

use crate::lang::types::Type;
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub fn schema() -> ResourceSchema {
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
