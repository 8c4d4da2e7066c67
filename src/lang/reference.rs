//! References: the named objects an expression can point at (`var.x`, `aws_vpc.main`, `module.m`).
//!
//! The same parser serves the dependency graph (which edges exist) and the evaluator (what value a
//! traversal starts from), so the two can never disagree.

use crate::lang::ast::{Expression, Traversal, TraversalOperator};

use crate::lang::config::ResourceMode;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reference {
    Var(String),
    Local(String),
    Resource {
        mode: ResourceMode,
        type_name: String,
        name: String,
    },
    Module(String),
    /// `path.module`, `path.root`, `path.cwd`.
    Path(String),
    /// `plat.env` (and `terraform.workspace`, kept as an alias so ported modules work).
    Env,
    CountIndex,
    EachKey,
    EachValue,
    /// `self` inside provisioner-like contexts; not resolvable in plain expressions.
    SelfRef,
}

impl Reference {
    /// How the reference is written, for messages.
    pub fn display(&self) -> String {
        match self {
            Reference::Var(n) => format!("var.{n}"),
            Reference::Local(n) => format!("local.{n}"),
            Reference::Resource {
                mode: ResourceMode::Managed,
                type_name,
                name,
            } => format!("{type_name}.{name}"),
            Reference::Resource {
                mode: ResourceMode::Data,
                type_name,
                name,
            } => format!("data.{type_name}.{name}"),
            Reference::Module(n) => format!("module.{n}"),
            Reference::Path(n) => format!("path.{n}"),
            Reference::Env => "plat.env".into(),
            Reference::CountIndex => "count.index".into(),
            Reference::EachKey => "each.key".into(),
            Reference::EachValue => "each.value".into(),
            Reference::SelfRef => "self".into(),
        }
    }
}

/// Why a traversal is not a valid reference.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceError {
    pub message: String,
    pub help: String,
    pub range: Option<std::ops::Range<usize>>,
}

/// Parses the reference at the start of `root.op.op...`. Returns the reference and how many
/// operators it consumed; `Ok(None)` when `root` is not a reference root (an iteration variable).
pub fn parse_reference(
    root: &str,
    operators: &[crate::lang::ast::Node<TraversalOperator>],
    whole: Option<std::ops::Range<usize>>,
) -> Result<Option<(Reference, usize)>, ReferenceError> {
    let attr = |i: usize| -> Option<&str> {
        match operators.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        }
    };
    let need = |what: &str, example: &str| ReferenceError {
        message: format!("\"{root}\" must be followed by {what}"),
        help: format!("write it as {example}"),
        range: whole.clone(),
    };
    let reference = match root {
        "var" => (
            Reference::Var(
                attr(0)
                    .ok_or_else(|| need("a variable name", "var.NAME"))?
                    .into(),
            ),
            1,
        ),
        "local" => (
            Reference::Local(
                attr(0)
                    .ok_or_else(|| need("a local value name", "local.NAME"))?
                    .into(),
            ),
            1,
        ),
        "module" => (
            Reference::Module(
                attr(0)
                    .ok_or_else(|| need("a module name", "module.NAME.OUTPUT"))?
                    .into(),
            ),
            1,
        ),
        "data" => {
            let type_name =
                attr(0).ok_or_else(|| need("a data source type and name", "data.TYPE.NAME"))?;
            let name =
                attr(1).ok_or_else(|| need("a data source type and name", "data.TYPE.NAME"))?;
            (
                Reference::Resource {
                    mode: ResourceMode::Data,
                    type_name: type_name.into(),
                    name: name.into(),
                },
                2,
            )
        }
        "path" => match attr(0) {
            Some(p @ ("module" | "root" | "cwd")) => (Reference::Path(p.into()), 1),
            _ => return Err(need("module, root or cwd", "path.module")),
        },
        "plat" => match attr(0) {
            Some("env") => (Reference::Env, 1),
            _ => return Err(need("env", "plat.env")),
        },
        "terraform" => match attr(0) {
            Some("workspace") => (Reference::Env, 1),
            _ => return Err(need("workspace", "plat.env")),
        },
        "count" => match attr(0) {
            Some("index") => (Reference::CountIndex, 1),
            _ => return Err(need("index", "count.index")),
        },
        "each" => match attr(0) {
            Some("key") => (Reference::EachKey, 1),
            Some("value") => (Reference::EachValue, 1),
            _ => return Err(need("key or value", "each.key or each.value")),
        },
        "self" => (Reference::SelfRef, 0),
        type_name if type_name.contains('_') => {
            let name = attr(0).ok_or_else(|| ReferenceError {
                message: format!(
                    "a reference to a resource type must be followed by its name: {type_name}.NAME"
                ),
                help: format!("write {type_name}.NAME.ATTRIBUTE"),
                range: whole.clone(),
            })?;
            (
                Reference::Resource {
                    mode: ResourceMode::Managed,
                    type_name: type_name.into(),
                    name: name.into(),
                },
                1,
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(reference))
}

/// A reference found in an expression, with the byte range of the whole traversal.
#[derive(Debug, Clone)]
pub struct FoundReference {
    pub reference: Reference,
    pub range: Option<std::ops::Range<usize>>,
    /// The attribute names directly after the reference (`module.m.OUT` → ["OUT"]); index
    /// operators are skipped so `module.m[0].OUT` also gives ["OUT"].
    pub attributes: Vec<String>,
}

/// Collects every reference in an expression. Names bound by `for` expressions (and any extra
/// names in `bound`, such as a dynamic block's iterator) are not references.
pub fn references(
    expr: &Expression,
    bound: &[String],
) -> Vec<Result<FoundReference, ReferenceError>> {
    let mut out = Vec::new();
    let mut bound = bound.to_vec();
    collect(expr, &mut bound, &mut out);
    out
}

fn collect(
    expr: &Expression,
    bound: &mut Vec<String>,
    out: &mut Vec<Result<FoundReference, ReferenceError>>,
) {
    match expr {
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => {}
        Expression::Array(items) => items.iter().for_each(|e| collect(e, bound, out)),
        Expression::Object(obj) => {
            for (k, v) in obj.iter() {
                if let crate::lang::ast::ObjectKey::Expression(k) = k {
                    collect(k, bound, out);
                }
                collect(v.expr(), bound, out);
            }
        }
        Expression::StringTemplate(t) => collect_template(t.iter(), bound, out),
        Expression::HeredocTemplate(h) => collect_template(h.template.iter(), bound, out),
        Expression::Parenthesis(p) => collect(p.inner(), bound, out),
        Expression::Variable(v) => {
            let name = v.as_str();
            if !bound.iter().any(|b| b == name) {
                push_reference(name, &[], v.span(), out);
            }
        }
        Expression::Conditional(c) => {
            collect(&c.cond_expr, bound, out);
            collect(&c.true_expr, bound, out);
            collect(&c.false_expr, bound, out);
        }
        Expression::FuncCall(f) => f.args.iter().for_each(|a| collect(a, bound, out)),
        Expression::Traversal(t) => collect_traversal(t, bound, out),
        Expression::UnaryOp(op) => collect(&op.expr, bound, out),
        Expression::BinaryOp(op) => {
            collect(&op.lhs_expr, bound, out);
            collect(&op.rhs_expr, bound, out);
        }
        Expression::ForExpr(f) => {
            collect(&f.intro.collection_expr, bound, out);
            let before = bound.len();
            if let Some(k) = &f.intro.key_var {
                bound.push(k.as_str().to_string());
            }
            bound.push(f.intro.value_var.as_str().to_string());
            if let Some(k) = &f.key_expr {
                collect(k, bound, out);
            }
            collect(&f.value_expr, bound, out);
            if let Some(c) = &f.cond {
                collect(&c.expr, bound, out);
            }
            bound.truncate(before);
        }
    }
}

fn collect_traversal(
    t: &Traversal,
    bound: &mut Vec<String>,
    out: &mut Vec<Result<FoundReference, ReferenceError>>,
) {
    for op in &t.operators {
        if let TraversalOperator::Index(e) = op.value() {
            collect(e, bound, out);
        }
    }
    match &t.expr {
        Expression::Variable(v) if !bound.iter().any(|b| b == v.as_str()) => {
            push_reference(v.as_str(), &t.operators, t.span(), out)
        }
        Expression::Variable(_) => {}
        other => collect(other, bound, out),
    }
}

fn push_reference(
    root: &str,
    operators: &[crate::lang::ast::Node<TraversalOperator>],
    range: Option<std::ops::Range<usize>>,
    out: &mut Vec<Result<FoundReference, ReferenceError>>,
) {
    match parse_reference(root, operators, range.clone()) {
        Ok(Some((reference, consumed))) => {
            let attributes = operators[consumed.min(operators.len())..]
                .iter()
                .filter_map(|o| match o.value() {
                    TraversalOperator::GetAttr(n) => Some(Some(n.as_str().to_string())),
                    TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => None,
                    _ => Some(None),
                })
                .take_while(Option::is_some)
                .flatten()
                .collect();
            out.push(Ok(FoundReference {
                reference,
                range,
                attributes,
            }))
        }
        Ok(None) => out.push(Err(ReferenceError {
            message: format!("unknown name \"{root}\""),
            help: String::new(),
            range,
        })),
        Err(e) => out.push(Err(e)),
    }
}

fn collect_template<'a>(
    elements: impl Iterator<Item = &'a crate::lang::ast::Element>,
    bound: &mut Vec<String>,
    out: &mut Vec<Result<FoundReference, ReferenceError>>,
) {
    use crate::lang::ast::{Directive, Element};
    for element in elements {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => collect(&i.expr, bound, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    collect(&d.if_expr.cond_expr, bound, out);
                    collect_template(d.if_expr.template.iter(), bound, out);
                    if let Some(e) = &d.else_expr {
                        collect_template(e.template.iter(), bound, out);
                    }
                }
                Directive::For(d) => {
                    collect(&d.for_expr.collection_expr, bound, out);
                    let before = bound.len();
                    if let Some(k) = &d.for_expr.key_var {
                        bound.push(k.as_str().to_string());
                    }
                    bound.push(d.for_expr.value_var.as_str().to_string());
                    collect_template(d.for_expr.template.iter(), bound, out);
                    bound.truncate(before);
                }
            },
        }
    }
}
