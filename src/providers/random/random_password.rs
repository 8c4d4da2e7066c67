//! `random_password`: like random_string, but the result is sensitive.

use crate::lang::types::Type;
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub fn schema() -> ResourceSchema {
    let mut attributes = super::character_set_arguments();
    attributes.push(AttributeSchema::computed("result", Type::String).sensitive());
    attributes.push(AttributeSchema::computed("bcrypt_hash", Type::String).sensitive());
    ResourceSchema {
        type_name: "random_password",
        description: "A random password, generated once and kept in state; never shown.",
        attributes,
        blocks: Vec::new(),
    }
}
