//! Evaluates a resource's body against its type's schema: every argument checked (unknown,
//! computed-only, missing, wrong type), nested and `dynamic` blocks expanded, and the result
//! assembled into the object that references to the resource see.

use std::collections::BTreeMap;

use crate::lang::config::{Block, Body, Resource};
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::eval::Evaluator;
use crate::lang::source::Span;
use crate::lang::types::convert;
use crate::lang::value::Value;
use crate::providers::schema::{AttributeSchema, BlockSchema, Nesting, Presence};
use crate::providers::{registry, UNCHECKED_PROVIDERS};

pub mod codes {
    pub const UNKNOWN_RESOURCE_TYPE: &str = "plat::schema::unknown_resource_type";
    pub const UNKNOWN_PROVIDER: &str = crate::providers::UNKNOWN_PROVIDER;
    pub const UNSUPPORTED_ARGUMENT: &str = "plat::schema::unsupported_argument";
    pub const COMPUTED_ARGUMENT: &str = "plat::schema::computed_argument";
    pub const MISSING_ARGUMENT: &str = "plat::schema::missing_argument";
    pub const ARGUMENT_TYPE: &str = "plat::schema::argument_type";
    pub const UNSUPPORTED_BLOCK: &str = "plat::schema::unsupported_block";
    pub const BLOCK_COUNT: &str = "plat::schema::block_count";
    pub const DYNAMIC_BLOCK: &str = "plat::lang::dynamic_block";
}

/// A resource instance's evaluated body.
pub struct EvaluatedResource {
    /// What references to the resource see: the configured values, unset optional attributes as
    /// their default or null, and computed attributes unknown.
    pub value: Value,
    /// For a type without a schema (`value` is then wholly unknown): the configured values.
    pub unchecked_config: Option<Value>,
}

impl EvaluatedResource {
    /// The configured values: what domain checks and planning look at.
    pub fn config(&self) -> &Value {
        self.unchecked_config.as_ref().unwrap_or(&self.value)
    }
}

/// The schema shape of a body: a resource's top level or a nested block.
struct Shape<'s> {
    attributes: &'s [AttributeSchema],
    blocks: &'s [BlockSchema],
    /// What to call the body in messages ("resource type random_password", "block lifecycle").
    what: String,
}

pub fn evaluate_resource(
    evaluator: &mut Evaluator,
    resource: &Resource,
) -> (EvaluatedResource, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let registry = registry();
    if let Some(schema) = registry.resource(resource.mode, &resource.type_name) {
        let shape = Shape {
            attributes: &schema.attributes,
            blocks: &schema.blocks,
            what: format!("{} {}", kind_word(resource), resource.type_name),
        };
        let value = evaluate_checked(
            evaluator,
            &resource.body,
            &shape,
            &resource.span,
            &mut diagnostics,
        );
        return (
            EvaluatedResource {
                value,
                unchecked_config: None,
            },
            diagnostics,
        );
    }
    let provider = resource.provider_name();
    if registry.provider(provider).is_some() && !UNCHECKED_PROVIDERS.contains(&provider) {
        let names = registry.type_names(resource.mode);
        let mut d = Diagnostic::error(
            codes::UNKNOWN_RESOURCE_TYPE,
            format!(
                "provider \"{provider}\" has no {} type \"{}\"",
                kind_word(resource),
                resource.type_name
            ),
        )
        .at(resource.span.clone());
        d = match suggest(&resource.type_name, names.iter().copied()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None => d.help(format!(
                "its {} types are: {}",
                kind_word(resource),
                names
                    .iter()
                    .filter(|n| n.starts_with(provider))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        diagnostics.push(d);
    } else if !UNCHECKED_PROVIDERS.contains(&provider) {
        let mut known: Vec<&str> = registry.provider_names();
        known.extend(
            UNCHECKED_PROVIDERS
                .iter()
                .filter(|p| registry.provider(p).is_none()),
        );
        let mut d = Diagnostic::error(
            codes::UNKNOWN_PROVIDER,
            format!(
                "plat has no provider \"{provider}\" for {} type \"{}\"",
                kind_word(resource),
                resource.type_name
            ),
        )
        .at(resource.span.clone());
        d = match suggest(provider, known.iter().copied()) {
            Some(s) => d.help(format!("did you mean a type of provider \"{s}\"?")),
            None => d.help(format!("plat's providers are: {}", known.join(", "))),
        };
        diagnostics.push(d);
    }
    // Without a schema every expression is still evaluated (to find errors), but nothing is
    // checked and whatever the provider computes is unknown.
    let config = evaluate_unchecked(evaluator, &resource.body, &mut diagnostics);
    (
        EvaluatedResource {
            value: Value::unknown(),
            unchecked_config: Some(config),
        },
        diagnostics,
    )
}

/// Evaluates a `provider` block against its provider's configuration schema (or, for a provider
/// without one, evaluates its expressions unchecked and returns null).
pub fn evaluate_provider(
    evaluator: &mut Evaluator,
    provider: &crate::lang::config::Provider,
) -> (Value, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let Some(configure) = registry().configurer(&provider.name) else {
        evaluate_unchecked(evaluator, &provider.body, &mut diagnostics);
        return (Value::Null, diagnostics);
    };
    let schema = configure.schema();
    let shape = Shape {
        attributes: &schema.attributes,
        blocks: &schema.blocks,
        what: format!("provider {}", provider.name),
    };
    let value = evaluate_checked(
        evaluator,
        &provider.body,
        &shape,
        &provider.span,
        &mut diagnostics,
    );
    (value, diagnostics)
}

fn kind_word(resource: &Resource) -> &'static str {
    match resource.mode {
        crate::lang::config::ResourceMode::Managed => "resource",
        crate::lang::config::ResourceMode::Data => "data source",
    }
}

/// Evaluates a body against a schema shape; returns the value references see.
fn evaluate_checked(
    evaluator: &mut Evaluator,
    body: &Body,
    shape: &Shape,
    span: &Span,
    diagnostics: &mut Diagnostics,
) -> Value {
    let mut value = BTreeMap::new();
    // Names suggested for misspelt arguments: their "missing" error would repeat the mistake.
    let mut suggested: Vec<&str> = Vec::new();
    for attr in &body.attributes {
        let Some(schema) = shape.attributes.iter().find(|a| a.name == attr.name) else {
            let names: Vec<&str> = shape
                .attributes
                .iter()
                .filter(|a| a.settable())
                .map(|a| a.name)
                .collect();
            let mut d = Diagnostic::error(
                codes::UNSUPPORTED_ARGUMENT,
                format!("{} has no argument \"{}\"", shape.what, attr.name),
            )
            .at(attr.name_span.clone());
            d = match suggest(&attr.name, names.iter().copied()) {
                Some(s) => {
                    suggested.push(s);
                    d.help(format!("did you mean \"{s}\"?"))
                }
                None if shape.blocks.iter().any(|b| b.name == attr.name) => d.help(format!(
                    "\"{}\" is a block: write {} {{ ... }} without =",
                    attr.name, attr.name
                )),
                None => d.help(format!("its arguments are: {}", names.join(", "))),
            };
            diagnostics.push(d);
            continue;
        };
        if schema.presence == Presence::Computed {
            diagnostics.push(
                Diagnostic::error(
                    codes::COMPUTED_ARGUMENT,
                    format!(
                        "\"{}\" is computed by the provider and cannot be set",
                        attr.name
                    ),
                )
                .at(attr.name_span.clone())
                .help(format!(
                    "remove it; read it as {}.NAME.{} instead",
                    shape.what.rsplit(' ').next().unwrap_or(""),
                    attr.name
                )),
            );
            continue;
        }
        let evaluated = match evaluator.eval(&attr.expr) {
            Ok(v) => v,
            Err(d) => {
                diagnostics.push(*d);
                Value::Unknown(schema.ty.clone())
            }
        };
        let converted = match convert(evaluated, &schema.ty) {
            Ok(v) => v,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error(
                        codes::ARGUMENT_TYPE,
                        format!("invalid value for \"{}\": {e}", attr.name),
                    )
                    .at(attr.expr.span())
                    .help(format!("\"{}\" takes a {}", attr.name, schema.ty)),
                );
                Value::Unknown(schema.ty.clone())
            }
        };
        value.insert(attr.name.clone(), converted.mark_if(schema.sensitive));
    }
    for schema in shape.attributes {
        if schema.presence == Presence::Required
            && !value.contains_key(schema.name)
            && !suggested.contains(&schema.name)
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_ARGUMENT,
                    format!("{} needs the argument \"{}\"", shape.what, schema.name),
                )
                .at(span.clone())
                .help(format!("add {} = ...", schema.name)),
            );
        }
    }

    // Nested blocks, with dynamic blocks expanded in place.
    let mut blocks: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    let mut unknown_blocks: Vec<&'static str> = Vec::new();
    for block in &body.blocks {
        let (kind, span) = if block.kind == "dynamic" {
            (
                block.labels.first().cloned().unwrap_or_default(),
                block.span.clone(),
            )
        } else {
            (block.kind.clone(), block.span.clone())
        };
        let Some(block_schema) = shape.blocks.iter().find(|b| b.name == kind) else {
            let names: Vec<&str> = shape.blocks.iter().map(|b| b.name).collect();
            let mut d = Diagnostic::error(
                codes::UNSUPPORTED_BLOCK,
                format!("{} has no block \"{kind}\"", shape.what),
            )
            .at(span);
            d = match suggest(&kind, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean \"{s}\"?")),
                None if shape.attributes.iter().any(|a| a.name == kind) => {
                    d.help(format!("\"{kind}\" is an argument: write {kind} = ..."))
                }
                None if names.is_empty() => {
                    d.help(format!("{} takes no nested blocks", shape.what))
                }
                None => d.help(format!("its blocks are: {}", names.join(", "))),
            };
            diagnostics.push(d);
            continue;
        };
        let inner = Shape {
            attributes: &block_schema.attributes,
            blocks: &block_schema.blocks,
            what: format!("block \"{}\"", block_schema.name),
        };
        let produced = if block.kind == "dynamic" {
            expand_dynamic(evaluator, block, diagnostics, |ev, body, diags| {
                evaluate_checked(ev, body, &inner, &block.span, diags)
            })
        } else {
            Some(vec![evaluate_checked(
                evaluator,
                &block.body,
                &inner,
                &block.span,
                diagnostics,
            )])
        };
        match produced {
            Some(items) => blocks.entry(block_schema.name).or_default().extend(items),
            None => unknown_blocks.push(block_schema.name),
        }
    }

    for schema in shape.attributes {
        if value.contains_key(schema.name) {
            continue;
        }
        let unset = match (&schema.presence, &schema.default) {
            (Presence::Computed | Presence::OptionalComputed, _) => {
                Value::Unknown(schema.ty.clone())
            }
            (_, Some(default)) => default.clone(),
            _ => Value::Null,
        };
        value.insert(schema.name.to_string(), unset.mark_if(schema.sensitive));
    }
    for block_schema in shape.blocks {
        let items = blocks.remove(block_schema.name).unwrap_or_default();
        let count = items.len();
        let unknown = unknown_blocks.contains(&block_schema.name);
        if !unknown
            && (count < block_schema.min_items || block_schema.max_items.is_some_and(|m| count > m))
        {
            let expected = match (block_schema.min_items, block_schema.max_items) {
                (min, Some(max)) if min == max => format!("exactly {min}"),
                (0, Some(max)) => format!("at most {max}"),
                (min, Some(max)) => format!("{min} to {max}"),
                (min, None) => format!("at least {min}"),
            };
            diagnostics.push(
                Diagnostic::error(
                    codes::BLOCK_COUNT,
                    format!(
                        "{} needs {expected} \"{}\" block(s), found {count}",
                        shape.what, block_schema.name
                    ),
                )
                .at(span.clone()),
            );
        }
        let collected = if unknown {
            Value::unknown()
        } else {
            match block_schema.nesting {
                Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
                Nesting::List => Value::List(items),
                Nesting::Set => Value::set_from(items),
            }
        };
        value.insert(block_schema.name.to_string(), collected);
    }
    Value::Object(value)
}

/// Evaluates a body with no schema: every argument and block, nothing checked.
fn evaluate_unchecked(
    evaluator: &mut Evaluator,
    body: &Body,
    diagnostics: &mut Diagnostics,
) -> Value {
    let mut out = BTreeMap::new();
    for attr in &body.attributes {
        let v = match evaluator.eval(&attr.expr) {
            Ok(v) => v,
            Err(d) => {
                diagnostics.push(*d);
                Value::unknown()
            }
        };
        out.insert(attr.name.clone(), v);
    }
    let mut blocks: BTreeMap<String, Option<Vec<Value>>> = BTreeMap::new();
    for block in &body.blocks {
        if block.kind == "dynamic" {
            let kind = block.labels.first().cloned().unwrap_or_default();
            let produced = expand_dynamic(evaluator, block, diagnostics, |ev, body, diags| {
                evaluate_unchecked(ev, body, diags)
            });
            let entry = blocks.entry(kind).or_insert_with(|| Some(Vec::new()));
            match (entry.as_mut(), produced) {
                (Some(list), Some(items)) => list.extend(items),
                _ => *entry = None,
            }
        } else {
            let v = evaluate_unchecked(evaluator, &block.body, diagnostics);
            if let Some(list) = blocks
                .entry(block.kind.clone())
                .or_insert_with(|| Some(Vec::new()))
            {
                list.push(v);
            }
        }
    }
    for (kind, items) in blocks {
        out.insert(kind, items.map(Value::Tuple).unwrap_or_else(Value::unknown));
    }
    Value::Object(out)
}

/// Expands `dynamic "NAME" { for_each, iterator, content {} }` into one evaluated body per element.
/// Returns `None` when the collection is not known yet (the content is still checked once).
fn expand_dynamic<F>(
    evaluator: &mut Evaluator,
    block: &Block,
    diagnostics: &mut Diagnostics,
    mut evaluate: F,
) -> Option<Vec<Value>>
where
    F: FnMut(&mut Evaluator, &Body, &mut Diagnostics) -> Value,
{
    let Some(for_each) = block.body.attribute("for_each") else {
        diagnostics.push(
            Diagnostic::error(codes::DYNAMIC_BLOCK, "a dynamic block needs for_each")
                .at(block.span.clone())
                .help("add for_each = <list or map> and a content { ... } block"),
        );
        return Some(Vec::new());
    };
    for attr in &block.body.attributes {
        if !matches!(attr.name.as_str(), "for_each" | "iterator" | "labels") {
            diagnostics.push(
                Diagnostic::error(codes::DYNAMIC_BLOCK, format!("a dynamic block has no argument \"{}\"", attr.name))
                    .at(attr.name_span.clone())
                    .help("a dynamic block takes for_each, iterator and labels; put the block's arguments inside content { ... }"),
            );
        }
    }
    let contents: Vec<&Block> = block
        .body
        .blocks
        .iter()
        .filter(|b| b.kind == "content")
        .collect();
    for other in block.body.blocks.iter().filter(|b| b.kind != "content") {
        diagnostics.push(
            Diagnostic::error(
                codes::DYNAMIC_BLOCK,
                format!("a dynamic block has no block \"{}\"", other.kind),
            )
            .at(other.span.clone())
            .help("put the generated block's contents inside content { ... }"),
        );
    }
    let Some(content) = contents.first() else {
        diagnostics.push(
            Diagnostic::error(
                codes::DYNAMIC_BLOCK,
                "a dynamic block needs a content block",
            )
            .at(block.span.clone())
            .help("add content { ... } with the arguments of each generated block"),
        );
        return Some(Vec::new());
    };
    let iterator = block.dynamic_iterator();
    let collection = match evaluator.eval(&for_each.expr) {
        Ok(v) => v,
        Err(d) => {
            diagnostics.push(*d);
            Value::unknown()
        }
    };
    let (collection, marked) = collection.unmark();
    let pairs: Vec<(Value, Value)> = match collection {
        Value::Unknown(_) => {
            let unknown = iterator_object(Value::unknown(), Value::unknown());
            evaluator.push_iterator(&iterator, unknown);
            evaluate(evaluator, &content.body, diagnostics);
            evaluator.pop_iterator();
            return None;
        }
        Value::List(items) | Value::Tuple(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::Number(i as f64), v))
            .collect(),
        Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
        Value::Map(e) | Value::Object(e) => {
            e.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
        }
        Value::Null => Vec::new(),
        other => {
            diagnostics.push(
                Diagnostic::error(
                    codes::DYNAMIC_BLOCK,
                    format!(
                        "the for_each of a dynamic block needs a collection, not {}",
                        other.kind_name()
                    ),
                )
                .at(for_each.expr.span()),
            );
            return Some(Vec::new());
        }
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        evaluator.push_iterator(
            &iterator,
            iterator_object(k.mark_if(marked), v.mark_if(marked)),
        );
        out.push(evaluate(evaluator, &content.body, diagnostics));
        evaluator.pop_iterator();
    }
    Some(out)
}

fn iterator_object(key: Value, value: Value) -> Value {
    Value::Object(BTreeMap::from([
        ("key".to_string(), key),
        ("value".to_string(), value),
    ]))
}
