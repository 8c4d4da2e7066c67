//! The `random` provider: random values generated once and kept in state.

pub mod random_id;
pub mod random_password;
pub mod random_string;

use super::schema::{AttributeSchema, ProviderSchema};
use crate::lang::types::Type;

pub fn schema() -> ProviderSchema {
    ProviderSchema {
        name: "random",
        resources: vec![
            random_id::schema(),
            random_password::schema(),
            random_string::schema(),
        ],
        data_sources: Vec::new(),
    }
}

/// `keepers`: arbitrary values that, when changed, generate a new random value.
fn keepers() -> AttributeSchema {
    AttributeSchema::optional("keepers", Type::map(Type::String))
        .force_new()
        .describe("Values that, when changed, generate a new random value.")
}

/// The character-set arguments shared by random_string and random_password. Every argument of
/// the random provider forces a new value.
fn character_set_arguments() -> Vec<AttributeSchema> {
    let flag = |name| {
        AttributeSchema::optional(name, Type::Bool)
            .force_new()
            .default(true)
    };
    let minimum = |name| {
        AttributeSchema::optional(name, Type::Number)
            .force_new()
            .default(0.0)
    };
    vec![
        AttributeSchema::required("length", Type::Number)
            .force_new()
            .describe("Number of characters."),
        flag("special"),
        flag("upper"),
        flag("lower"),
        flag("numeric"),
        minimum("min_special"),
        minimum("min_upper"),
        minimum("min_lower"),
        minimum("min_numeric"),
        AttributeSchema::optional("override_special", Type::String).force_new(),
        keepers(),
        AttributeSchema::computed("id", Type::String),
    ]
}
