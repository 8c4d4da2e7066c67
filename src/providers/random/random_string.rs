//! `random_string`: a random string, generated once and kept in state.

use crate::lang::types::Type;
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub fn schema() -> ResourceSchema {
    let mut attributes = super::character_set_arguments();
    attributes.push(AttributeSchema::computed("result", Type::String));
    ResourceSchema {
        type_name: "random_string",
        description: "A random string, generated once and kept in state.",
        attributes,
        blocks: Vec::new(),
    }
}
