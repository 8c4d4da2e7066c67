//! `random_id`: random bytes, exposed in several encodings (handy for unique names).

use crate::lang::types::Type;
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub fn schema() -> ResourceSchema {
    ResourceSchema {
        type_name: "random_id",
        description: "Random bytes, generated once and kept in state.",
        attributes: vec![
            AttributeSchema::required("byte_length", Type::Number).force_new(),
            AttributeSchema::optional("prefix", Type::String).force_new(),
            super::keepers(),
            AttributeSchema::computed("id", Type::String),
            AttributeSchema::computed("b64_url", Type::String),
            AttributeSchema::computed("b64_std", Type::String),
            AttributeSchema::computed("hex", Type::String),
            AttributeSchema::computed("dec", Type::String),
        ],
        blocks: Vec::new(),
    }
}
