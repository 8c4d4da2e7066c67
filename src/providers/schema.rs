//! The schema model: what a resource type accepts and what it computes.
//!
//! The engine reads schemas to check configurations, to know which attributes are unknown until
//! apply, which are secret, and which force a replacement when they change.

use crate::lang::types::Type;
use crate::lang::value::Value;

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; otherwise it is null or its default.
    Optional,
    /// The provider sets it; the configuration may not.
    Computed,
    /// The configuration may set it; otherwise the provider does.
    OptionalComputed,
}

#[derive(Debug, Clone)]
pub struct AttributeSchema {
    pub name: &'static str,
    pub ty: Type,
    pub presence: Presence,
    /// A change replaces the resource instead of updating it.
    pub force_new: bool,
    /// The value is secret: masked in plans, output and logs.
    pub sensitive: bool,
    /// The value used when the configuration leaves an optional attribute unset.
    pub default: Option<Value>,
    pub description: &'static str,
}

impl AttributeSchema {
    fn new(name: &'static str, ty: Type, presence: Presence) -> AttributeSchema {
        AttributeSchema {
            name,
            ty,
            presence,
            force_new: false,
            sensitive: false,
            default: None,
            description: "",
        }
    }

    pub fn required(name: &'static str, ty: Type) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Required)
    }

    pub fn optional(name: &'static str, ty: Type) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Optional)
    }

    pub fn computed(name: &'static str, ty: Type) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::Computed)
    }

    pub fn optional_computed(name: &'static str, ty: Type) -> AttributeSchema {
        AttributeSchema::new(name, ty, Presence::OptionalComputed)
    }

    pub fn force_new(mut self) -> AttributeSchema {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> AttributeSchema {
        self.sensitive = true;
        self
    }

    pub fn default(mut self, value: impl Into<Value>) -> AttributeSchema {
        self.default = Some(value.into());
        self
    }

    pub fn describe(mut self, description: &'static str) -> AttributeSchema {
        self.description = description;
        self
    }

    /// Whether the configuration may set this attribute.
    pub fn settable(&self) -> bool {
        self.presence != Presence::Computed
    }
}

/// How many of a nested block may appear, and how they are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; its value is an object (or null).
    Single,
    /// An ordered list of blocks.
    List,
    /// An unordered set of blocks (e.g. security group rules).
    Set,
}

#[derive(Debug, Clone)]
pub struct BlockSchema {
    pub name: &'static str,
    pub nesting: Nesting,
    pub min_items: usize,
    pub max_items: Option<usize>,
    /// Left out of the configuration, the provider fills the block in (AWS's default encryption,
    /// a cluster's network settings): the blocks the object has stay and are no change. Inside
    /// any block, computed attributes and unset optional-computed ones keep their prior values.
    pub optional_computed: bool,
    pub attributes: Vec<AttributeSchema>,
    pub blocks: Vec<BlockSchema>,
}

impl BlockSchema {
    /// The block's attributes and nested blocks as a schema of their own, to read one block
    /// with [`Attrs`](crate::providers::resource::Attrs).
    pub fn as_schema(&self) -> ResourceSchema {
        ResourceSchema {
            type_name: self.name,
            attributes: self.attributes.clone(),
            blocks: self.blocks.clone(),
            description: "",
        }
    }
}

/// A resource type or data source.
#[derive(Debug, Clone)]
pub struct ResourceSchema {
    pub type_name: &'static str,
    pub attributes: Vec<AttributeSchema>,
    pub blocks: Vec<BlockSchema>,
    pub description: &'static str,
}

impl ResourceSchema {
    pub fn attribute(&self, name: &str) -> Option<&AttributeSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// A compiled-in provider's schemas.
#[derive(Debug, Clone)]
pub struct ProviderSchema {
    pub name: &'static str,
    pub resources: Vec<ResourceSchema>,
    pub data_sources: Vec<ResourceSchema>,
}
