//! The configuration model: what a stack directory declares, with source spans, before evaluation.
//!
//! A [`Config`] is a tree of module *calls* over a set of parsed [`Module`]s. Each module directory
//! is parsed once, however many times it is called.

use std::path::PathBuf;

use crate::lang::ast::Expression;
use indexmap::IndexMap;

use crate::lang::source::{FileId, Span};
use crate::lang::types::Type;

/// An expression together with the file it came from. The expression is boxed: most optional
/// expressions of a declaration (`count`, `lifecycle` arguments, ...) are absent, and an absent
/// one then costs a pointer rather than a whole expression node.
#[derive(Debug, Clone)]
pub struct Expr {
    pub file: FileId,
    pub expr: Box<Expression>,
}

impl Expr {
    pub fn new(file: FileId, expr: Expression) -> Expr {
        Expr {
            file,
            expr: Box::new(expr),
        }
    }

    pub fn span(&self) -> Span {
        span_of(self.file, self.expr.span())
    }
}

pub fn span_of(file: FileId, range: Option<std::ops::Range<usize>>) -> Span {
    Span::new(file, range.unwrap_or(0..0))
}

/// `name = expr` inside a body.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

/// A nested block inside a resource, provider or other body.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    /// The block header: its type and labels.
    pub span: Span,
    pub body: Body,
}

impl Block {
    /// For a `dynamic "NAME"` block: the name its iterator is bound to (`iterator = x`, else
    /// the block's label).
    pub fn dynamic_iterator(&self) -> String {
        self.body
            .attribute("iterator")
            .and_then(|a| crate::lang::load::traversal_names(&a.expr.expr))
            .and_then(|n| n.into_iter().next())
            .or_else(|| self.labels.first().cloned())
            .unwrap_or_default()
    }
}

/// The contents of a block: attributes and nested blocks, in source order.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceMode {
    Managed,
    Data,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: Option<Expr>,
    pub prevent_destroy: Option<Expr>,
    pub ignore_changes: Option<Expr>,
    pub replace_triggered_by: Option<Expr>,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    pub span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Option<Expr>,
    /// `provider = aws.west`: the provider configuration name and alias.
    pub provider: Option<ProviderRef>,
    pub lifecycle: Lifecycle,
    pub timeouts: Option<Block>,
    /// Everything that is not a meta-argument: checked against the resource type's schema.
    pub body: Body,
}

impl Resource {
    /// `aws_vpc.main` or `data.aws_region.current`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }

    /// The provider that serves this resource: the explicit `provider` argument or the prefix of the type.
    pub fn provider_name(&self) -> &str {
        match &self.provider {
            Some(p) => &p.name,
            None => provider_of_type(&self.type_name),
        }
    }
}

/// The provider a resource type belongs to: `aws_vpc` → `aws`.
pub fn provider_of_type(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}

#[derive(Debug, Clone)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub span: Span,
    pub ty: Type,
    pub ty_span: Option<Span>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub span: Span,
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Option<Expr>,
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: String,
    pub source_span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Option<Expr>,
    pub providers: Option<Expr>,
    /// The input variables passed to the module.
    pub inputs: Vec<Attribute>,
    /// The called module, once loaded; `None` when its source could not be loaded.
    pub module: Option<ModuleId>,
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
    pub body: Body,
}

/// `plat { required_version = "...", backend "local" { ... } }`
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub required_version: Option<(String, Span)>,
    pub backend: Option<Block>,
}

/// Index of a module in [`Config::modules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub usize);

/// One module directory's declarations.
#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub settings: Settings,
    pub providers: Vec<Provider>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    /// Keyed by (mode, type, name).
    pub resources: IndexMap<(ResourceMode, String, String), Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub outputs: IndexMap<String, Output>,
}

impl Module {
    pub fn resource(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<&Resource> {
        self.resources.get(&ResourceKeyRef(mode, type_name, name))
    }

    /// The position of a resource in `resources`.
    pub fn resource_index(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<usize> {
        self.resources
            .get_index_of(&ResourceKeyRef(mode, type_name, name))
    }
}

/// A borrowed form of a resource key, so that lookups need no allocation. Its derived hash
/// equals the tuple's (fields hash in order, and `&str` hashes like `String`).
#[derive(Hash)]
struct ResourceKeyRef<'a>(ResourceMode, &'a str, &'a str);

impl indexmap::Equivalent<(ResourceMode, String, String)> for ResourceKeyRef<'_> {
    fn equivalent(&self, key: &(ResourceMode, String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1 && self.2 == key.2
    }
}

/// A loaded stack: the root module and every module it calls, each parsed once.
#[derive(Debug, Default)]
pub struct Config {
    pub modules: Vec<Module>,
}

impl Config {
    pub const ROOT: ModuleId = ModuleId(0);

    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0]
    }

    pub fn root(&self) -> &Module {
        self.module(Config::ROOT)
    }
}
