//! Values for the root module's variables, from (lowest to highest precedence) defaults,
//! `--var-file` files (HCL or JSON), `PLAT_VAR_<name>` environment variables and `--var name=value`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::WORKING_DIR;
use crate::lang::config::{Expr, Module};
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::eval::{Evaluator, Resolver};
use crate::lang::functions::FuncContext;
use crate::lang::reference::Reference;
use crate::lang::source::{SourceMap, Span};
use crate::lang::types::Type;
use crate::lang::value::{json, Value};

pub mod codes {
    pub const VAR_FILE: &str = "plat::vars::file";
    pub const UNDECLARED: &str = "plat::vars::undeclared";
    pub const INVALID_VALUE: &str = "plat::vars::invalid_value";
    pub const MISSING: &str = "plat::vars::missing_value";
}

/// The prefix of environment variables that set root variables.
pub const ENV_PREFIX: &str = "PLAT_VAR_";

/// Where the user asked values to come from.
#[derive(Debug, Clone, Default)]
pub struct VarSources {
    pub files: Vec<VarFile>,
    /// `name=value` pairs from `--var`, in order.
    pub cli: Vec<String>,
    /// Read `PLAT_VAR_<name>` from the environment.
    pub environment: bool,
}

/// A `--var-file`: its path and text, read once when the command starts, so that every
/// evaluation of the command sees the same values (even from a pipe such as `/dev/stdin`).
#[derive(Debug, Clone)]
pub struct VarFile {
    pub path: PathBuf,
    /// The text, or why it could not be read.
    pub text: Result<Arc<str>, String>,
}

impl VarFile {
    pub fn read(path: PathBuf) -> VarFile {
        let text = std::fs::read_to_string(&path)
            .map(Arc::from)
            .map_err(|e| e.to_string());
        VarFile { path, text }
    }
}

/// Where a variable's value came from, for messages.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    File(Span),
    Environment(String),
    CommandLine,
}

impl ValueSource {
    pub fn describe(&self) -> String {
        match self {
            ValueSource::File(_) => "set in a var file".into(),
            ValueSource::Environment(name) => format!("set by the environment variable {name}"),
            ValueSource::CommandLine => "set with --var".into(),
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            ValueSource::File(span) => Some(span.clone()),
            _ => None,
        }
    }
}

/// A value given for a root variable, before conversion to the variable's type.
#[derive(Debug, Clone)]
pub struct GivenValue {
    pub value: Value,
    pub source: ValueSource,
}

/// Collects the values given for the root module's variables.
pub fn collect(
    root: &Module,
    sources: &VarSources,
    source_map: &mut SourceMap,
) -> (BTreeMap<String, GivenValue>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut values = BTreeMap::new();
    for file in &sources.files {
        read_var_file(root, file, source_map, &mut values, &mut diagnostics);
    }
    if sources.environment {
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter_map(|(k, v)| Some((k.strip_prefix(ENV_PREFIX)?.to_string(), v)))
            .collect();
        env.sort();
        for (name, raw) in env {
            // Undeclared environment variables are ignored: they may be meant for another stack.
            let Some(var) = root.variables.get(&name) else {
                continue;
            };
            match parse_raw(&raw, &var.ty, var.sensitive) {
                Ok(value) => {
                    values.insert(
                        name.clone(),
                        GivenValue {
                            value,
                            source: ValueSource::Environment(format!("{ENV_PREFIX}{name}")),
                        },
                    );
                }
                Err(message) => diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("invalid value in {ENV_PREFIX}{name}: {message}"),
                    )
                    .help(format!("the variable has type {}; complex values are written in HCL syntax, e.g. [\"a\", \"b\"]", var.ty)),
                ),
            }
        }
    }
    for pair in &sources.cli {
        let Some((name, raw)) = pair.split_once('=') else {
            diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("--var \"{pair}\" is not of the form name=value"),
                )
                .help("write --var name=value"),
            );
            continue;
        };
        let name = name.trim();
        let Some(var) = root.variables.get(name) else {
            let mut d = Diagnostic::error(
                codes::UNDECLARED,
                format!("--var sets \"{name}\", but the stack declares no such variable"),
            );
            d = match suggest(name, root.variables.keys().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean \"{s}\"?")),
                None => d.help("declare it with a variable block, or remove the --var"),
            };
            diagnostics.push(d);
            continue;
        };
        match parse_raw(raw, &var.ty, var.sensitive) {
            Ok(value) => {
                values.insert(
                    name.to_string(),
                    GivenValue {
                        value,
                        source: ValueSource::CommandLine,
                    },
                );
            }
            Err(message) => diagnostics.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("invalid value for --var {name}: {message}"))
                    .help(format!("the variable has type {}; complex values are written in HCL syntax, e.g. [\"a\", \"b\"]", var.ty)),
            ),
        }
    }
    (values, diagnostics)
}

/// A raw string from the environment or command line: kept as a string for string variables,
/// otherwise parsed as an HCL expression (numbers, bools, lists, maps).
fn parse_raw(raw: &str, ty: &Type, sensitive: bool) -> Result<Value, String> {
    // Primitives convert from the text itself ("8" → 8, "true" → true), as Terraform does.
    if ty.is_primitive() {
        let given = Value::string(raw).mark_if(sensitive);
        return crate::lang::types::convert(given, ty)
            .map(|v| v.unmark().0)
            .map_err(|e| e.message);
    }
    let expr = match crate::lang::ast::parse_expr(raw) {
        Ok(expr) => expr,
        // An untyped variable given a plain word keeps it as a string.
        Err(_) if matches!(ty, Type::Any) => return Ok(Value::string(raw)),
        Err(_) if sensitive => return Err(format!("the (sensitive) value is not a valid {ty}")),
        Err(e) => return Err(e.message().to_string()),
    };
    let ctx = FuncContext::new(WORKING_DIR);
    let mut evaluator = Evaluator::new(&LiteralsOnly, &ctx);
    match evaluator.eval_in(crate::lang::source::FileId(0), &expr) {
        Ok(v) => Ok(v),
        Err(_) if matches!(ty, Type::Any) => Ok(Value::string(raw)),
        Err(_) if sensitive => Err(format!("the (sensitive) value is not a valid {ty}")),
        Err(d) => Err(d.message),
    }
}

fn read_var_file(
    root: &Module,
    file: &VarFile,
    source_map: &mut SourceMap,
    values: &mut BTreeMap<String, GivenValue>,
    diagnostics: &mut Diagnostics,
) {
    let path = &file.path;
    let text = match &file.text {
        Ok(t) => t.clone(),
        Err(e) => {
            diagnostics.push(
                Diagnostic::error(
                    codes::VAR_FILE,
                    format!("cannot read var file {}: {e}", path.display()),
                )
                .help("check the path given to --var-file"),
            );
            return;
        }
    };
    let file = source_map.add(path, text.clone());
    let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
    let entries: Vec<(String, Span, Value)> = if is_json {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| (k, Span::new(file, 0..0), json::from_json(&v)))
                .collect(),
            Ok(_) => {
                diagnostics.push(
                    Diagnostic::error(
                        codes::VAR_FILE,
                        "a JSON var file must hold one object of variable values",
                    )
                    .at(Span::new(file, 0..0))
                    .help("write {\"name\": value, ...}"),
                );
                return;
            }
            Err(e) => {
                let line_start = text
                    .split('\n')
                    .take(e.line().saturating_sub(1))
                    .map(|l| l.len() + 1)
                    .sum::<usize>();
                let offset = (line_start + e.column().saturating_sub(1)).min(text.len());
                diagnostics.push(
                    Diagnostic::error(codes::VAR_FILE, format!("invalid JSON in var file: {e}"))
                        .at(Span::new(file, offset..offset))
                        .help("fix the JSON syntax"),
                );
                return;
            }
        }
    } else {
        let body = match crate::lang::ast::parse_body(&text) {
            Ok(b) => b,
            Err(e) => {
                let offset = e.location().offset();
                diagnostics.push(
                    Diagnostic::error(
                        codes::VAR_FILE,
                        format!("syntax error in var file: {}", e.message()),
                    )
                    .at(Span::new(file, offset..offset + 1))
                    .help("a var file holds lines of name = value"),
                );
                return;
            }
        };
        let ctx = FuncContext::new(WORKING_DIR);
        let mut out = Vec::new();
        for structure in body.into_iter() {
            match structure {
                crate::lang::ast::Structure::Attribute(attr) => {
                    let name_span = Span::new(file, attr.key.span().unwrap_or(0..0));
                    let expr = Expr::new(file, attr.value);
                    let mut evaluator = Evaluator::new(&LiteralsOnly, &ctx);
                    match evaluator.eval(&expr) {
                        Ok(v) => out.push((attr.key.as_str().to_string(), name_span, v)),
                        Err(d) => diagnostics.push(*d),
                    }
                }
                crate::lang::ast::Structure::Block(block) => {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::VAR_FILE,
                            "a var file holds only name = value lines, not blocks",
                        )
                        .at(Span::new(file, block.ident.span().unwrap_or(0..0)))
                        .help("write the value as an object: name = { ... }"),
                    );
                }
            }
        }
        out
    };
    for (name, span, value) in entries {
        if !root.variables.contains_key(&name) {
            let mut d = Diagnostic::warning(
                codes::UNDECLARED,
                format!("the var file sets \"{name}\", but the stack declares no such variable"),
            )
            .at(span.clone());
            d = match suggest(&name, root.variables.keys().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean \"{s}\"?")),
                None => d.help("the value is ignored; remove it or declare the variable"),
            };
            diagnostics.push(d);
            continue;
        }
        values.insert(
            name,
            GivenValue {
                value,
                source: ValueSource::File(span),
            },
        );
    }
}

/// Var files and command-line values are literals: they cannot refer to anything.
struct LiteralsOnly;

impl Resolver for LiteralsOnly {
    fn resolve(&self, reference: &Reference, span: Span) -> Result<Value, Box<Diagnostic>> {
        Err(Box::new(
            Diagnostic::error(
                codes::INVALID_VALUE,
                format!("variable values cannot refer to {}", reference.display()),
            )
            .at(span)
            .help("write a literal value; use locals in the stack to derive values"),
        ))
    }
}
