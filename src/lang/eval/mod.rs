//! The evaluator: HCL expressions → [`Value`]s, with unknown and sensitive marks propagated.
//!
//! References to named objects (`var.x`, `aws_vpc.main`, ...) are answered by a [`Resolver`], so
//! the same evaluator serves `validate`, `console`, and (later) planning and apply.

mod ops;
mod template;

use std::collections::BTreeMap;

use crate::lang::ast::{Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator};

use crate::lang::config::Expr;
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::functions::{self, FuncContext};
use crate::lang::reference::{parse_reference, Reference};
use crate::lang::source::{FileId, Span};
use crate::lang::types::Type;
use crate::lang::value::Value;

/// Diagnostic codes produced by evaluation.
pub mod codes {
    pub const UNDEFINED_REFERENCE: &str = "plat::lang::undefined_reference";
    pub const INVALID_REFERENCE: &str = "plat::lang::invalid_reference";
    pub const TYPE_MISMATCH: &str = "plat::lang::type_mismatch";
    pub const UNSUPPORTED_ATTRIBUTE: &str = "plat::lang::unsupported_attribute";
    pub const INVALID_INDEX: &str = "plat::lang::invalid_index";
    pub const UNKNOWN_FUNCTION: &str = "plat::lang::unknown_function";
    pub const FUNCTION_ARGUMENTS: &str = "plat::lang::function_arguments";
    pub const FUNCTION_FAILED: &str = "plat::lang::function_failed";
    pub const INVALID_OPERAND: &str = "plat::lang::invalid_operand";
    pub const NULL_VALUE: &str = "plat::lang::null_value";
    pub const INVALID_TEMPLATE: &str = "plat::lang::invalid_template";
    pub const DUPLICATE_KEY: &str = "plat::lang::duplicate_object_key";
}

/// Answers references to named objects in the current scope.
pub trait Resolver {
    /// The value of a reference, or a diagnostic explaining why it has none.
    fn resolve(&self, reference: &Reference, span: Span) -> Result<Value, Box<Diagnostic>>;

    /// The stored value of a reference, borrowed, when the resolver holds one. It lets
    /// `aws_subnet.x[3].id` read one attribute without copying every instance of `aws_subnet.x`.
    fn lookup(&self, _reference: &Reference) -> Option<&Value> {
        None
    }
}

pub type EvalResult = Result<Value, Box<Diagnostic>>;

/// Evaluates expressions in one scope. Iteration variables (of `for` expressions, template `for`
/// directives and dynamic blocks) are pushed and popped as evaluation enters and leaves them.
pub struct Evaluator<'a> {
    resolver: &'a dyn Resolver,
    functions: &'a FuncContext,
    file: FileId,
    iterators: Vec<(String, Value)>,
}

impl<'a> Evaluator<'a> {
    pub fn new(resolver: &'a dyn Resolver, functions: &'a FuncContext) -> Evaluator<'a> {
        Evaluator {
            resolver,
            functions,
            file: FileId(0),
            iterators: Vec::new(),
        }
    }

    /// Binds an iteration variable (e.g. a dynamic block's iterator) for the following evaluations.
    pub fn push_iterator(&mut self, name: &str, value: Value) {
        self.iterators.push((name.to_string(), value));
    }

    pub fn pop_iterator(&mut self) {
        self.iterators.pop();
    }

    /// Evaluates an expression of a stack file.
    pub fn eval(&mut self, expr: &Expr) -> EvalResult {
        self.file = expr.file;
        self.eval_expr(&expr.expr)
    }

    /// Evaluates a bare hcl-edit expression from `file` (used by `console`).
    pub fn eval_in(&mut self, file: FileId, expr: &Expression) -> EvalResult {
        self.file = file;
        self.eval_expr(expr)
    }

    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        Span::new(self.file, range.unwrap_or(0..0))
    }

    fn error(
        &self,
        code: &'static str,
        message: impl Into<String>,
        range: Option<std::ops::Range<usize>>,
    ) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(code, message).at(self.span(range)))
    }

    fn eval_expr(&mut self, expr: &Expression) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(**b)),
            Expression::Number(n) => Ok(Value::Number(n.as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Ok(Value::String(s.as_str().to_string())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval_expr(item)?);
                }
                Ok(Value::Tuple(out))
            }
            Expression::Object(obj) => self.eval_object(obj),
            Expression::StringTemplate(t) => self.eval_template(t.iter()),
            Expression::HeredocTemplate(h) => self.eval_template(h.template.iter()),
            Expression::Parenthesis(p) => self.eval_expr(p.inner()),
            Expression::Variable(v) => self.eval_root(v.as_str(), &[], v.span()),
            Expression::Conditional(c) => self.eval_conditional(c),
            Expression::FuncCall(call) => self.eval_call(call),
            Expression::Traversal(t) => self.eval_traversal(t),
            Expression::UnaryOp(op) => {
                let operand = self.eval_expr(&op.expr)?;
                ops::unary(*op.operator.value(), operand)
                    .map_err(|m| self.error(codes::INVALID_OPERAND, m, expr.span()))
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval_expr(&op.lhs_expr)?;
                let rhs = self.eval_expr(&op.rhs_expr)?;
                ops::binary(*op.operator.value(), lhs, rhs)
                    .map_err(|m| self.error(codes::INVALID_OPERAND, m, expr.span()))
            }
            Expression::ForExpr(f) => self.eval_for(f),
        }
    }

    fn eval_object(&mut self, obj: &crate::lang::ast::Object) -> EvalResult {
        let mut out = BTreeMap::new();
        let mut unknown_key = false;
        let mut sensitive_key = false;
        for (key, value) in obj.iter() {
            let name = match key {
                ObjectKey::Ident(i) => i.as_str().to_string(),
                ObjectKey::Expression(e) => {
                    let k = self.eval_expr(e)?;
                    let (k, marked) = k.unmark();
                    sensitive_key |= marked;
                    match k {
                        Value::Unknown(_) => {
                            unknown_key = true;
                            continue;
                        }
                        Value::Null => {
                            return Err(self.error(
                                codes::NULL_VALUE,
                                "object key must not be null",
                                e.span(),
                            ))
                        }
                        other => match other.to_template_string() {
                            Some(s) => s,
                            None => {
                                return Err(self.error(
                                    codes::TYPE_MISMATCH,
                                    format!(
                                        "object key must be a string, not {}",
                                        other.kind_name()
                                    ),
                                    e.span(),
                                ))
                            }
                        },
                    }
                }
            };
            let v = self.eval_expr(value.expr())?;
            if out.insert(name.clone(), v).is_some() {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        format!("duplicate object key \"{name}\""),
                    )
                    .at(self.span(key.span()))
                    .help("each key of an object literal must be unique"),
                ));
            }
        }
        if unknown_key {
            return Ok(Value::unknown().mark_if(sensitive_key));
        }
        Ok(Value::Object(out).mark_if(sensitive_key))
    }

    fn eval_conditional(&mut self, c: &crate::lang::ast::Conditional) -> EvalResult {
        let cond = self.eval_expr(&c.cond_expr)?;
        let (cond, marked) = cond.unmark();
        match cond {
            Value::Bool(b) => {
                let chosen = if b { &c.true_expr } else { &c.false_expr };
                Ok(self.eval_expr(chosen)?.mark_if(marked))
            }
            Value::Unknown(_) => {
                // Both branches are still checked for errors; the result type is theirs if they agree.
                let t = self.eval_expr(&c.true_expr)?;
                let f = self.eval_expr(&c.false_expr)?;
                let ty = if t.type_of() == f.type_of() {
                    t.type_of()
                } else {
                    Type::Any
                };
                Ok(Value::Unknown(ty)
                    .mark_if(marked || t.contains_sensitive() || f.contains_sensitive()))
            }
            Value::String(ref s) if s == "true" || s == "false" => {
                let chosen = if s == "true" {
                    &c.true_expr
                } else {
                    &c.false_expr
                };
                Ok(self.eval_expr(chosen)?.mark_if(marked))
            }
            Value::Null => Err(self.error(
                codes::NULL_VALUE,
                "the condition is null",
                c.cond_expr.span(),
            )),
            other => Err(self.error(
                codes::TYPE_MISMATCH,
                format!("the condition must be a bool, not {}", other.kind_name()),
                c.cond_expr.span(),
            )),
        }
    }

    fn eval_call(&mut self, call: &FuncCall) -> EvalResult {
        let name = call.name.name.as_str();
        let span = call.span();
        match name {
            "can" | "try" => return self.eval_try(name, call),
            "templatefile" => return self.eval_templatefile(call),
            _ => {}
        }
        let full_name = if call.name.is_namespaced() {
            let mut parts: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            parts.push(name);
            parts.join("::")
        } else {
            name.to_string()
        };
        let Some(function) = functions::lookup(&full_name) else {
            return Err(Box::new(unknown_function(
                &full_name,
                self.span(call.name.name.span().or(span)),
            )));
        };
        // `length(aws_subnet.x)` counts a stored collection without copying it.
        if full_name == "length" && call.args.len() == 1 && !call.args.expand_final() {
            if let Some(arg) = call.args.iter().next() {
                if let Some(stored) = self.borrow_expr(arg)? {
                    match stored {
                        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                            return Ok(Value::Number(items.len() as f64))
                        }
                        Value::Map(entries) | Value::Object(entries) => {
                            return Ok(Value::Number(entries.len() as f64))
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut args = Vec::with_capacity(call.args.len());
        let arg_spans: Vec<Option<std::ops::Range<usize>>> =
            call.args.iter().map(|a| a.span()).collect();
        for arg in call.args.iter() {
            args.push(self.eval_expr(arg)?);
        }
        if call.args.expand_final() {
            match args.pop().map(Value::unmark) {
                Some((Value::Tuple(items) | Value::List(items) | Value::Set(items), marked)) => {
                    args.extend(items.into_iter().map(|v| v.mark_if(marked)))
                }
                Some((Value::Unknown(_), marked)) => return Ok(Value::unknown().mark_if(marked)),
                Some((other, _)) => {
                    return Err(self.error(
                        codes::FUNCTION_ARGUMENTS,
                        format!(
                            "the final argument expanded with ... must be a list, not {}",
                            other.kind_name()
                        ),
                        arg_spans.last().cloned().flatten(),
                    ))
                }
                None => {}
            }
        }
        functions::call(function, self.functions, args).map_err(|e| {
            let range = match e.arg {
                Some(i) => arg_spans.get(i).cloned().flatten().or(span.clone()),
                None => span.clone(),
            };
            let code = if e.invalid_call {
                codes::FUNCTION_ARGUMENTS
            } else {
                codes::FUNCTION_FAILED
            };
            Box::new(
                Diagnostic::error(code, format!("{full_name}(): {}", e.message))
                    .at(self.span(range))
                    .help(format!("check the arguments given to {full_name}()")),
            )
        })
    }

    /// `can(expr)` and `try(a, b, ...)`: catch dynamic errors of their arguments.
    fn eval_try(&mut self, name: &str, call: &FuncCall) -> EvalResult {
        let args: Vec<&Expression> = call.args.iter().collect();
        if name == "can" {
            if args.len() != 1 {
                return Err(self.error(
                    codes::FUNCTION_ARGUMENTS,
                    "function \"can\" expects 1 argument",
                    call.span(),
                ));
            }
            return Ok(match self.eval_expr(args[0]) {
                Ok(v) if v.is_fully_known() => Value::Bool(true),
                Ok(_) => Value::Unknown(Type::Bool),
                Err(_) => Value::Bool(false),
            });
        }
        if args.is_empty() {
            return Err(self.error(
                codes::FUNCTION_ARGUMENTS,
                "function \"try\" expects at least 1 argument",
                call.span(),
            ));
        }
        let mut last_error = None;
        for arg in args {
            match self.eval_expr(arg) {
                // An unknown may still fail at apply time, so the choice is not known yet.
                Ok(v) if !v.is_fully_known() => return Ok(Value::unknown()),
                Ok(v) => return Ok(v),
                Err(e) => last_error = Some(e),
            }
        }
        let detail = last_error.map(|e| e.message).unwrap_or_default();
        Err(Box::new(
            Diagnostic::error(
                codes::FUNCTION_FAILED,
                format!("try(): no argument could be evaluated; the last failed with: {detail}"),
            )
            .at(self.span(call.span()))
            .help("add a final fallback argument that always succeeds"),
        ))
    }

    fn eval_templatefile(&mut self, call: &FuncCall) -> EvalResult {
        let args: Vec<&Expression> = call.args.iter().collect();
        if args.len() != 2 {
            return Err(self.error(
                codes::FUNCTION_ARGUMENTS,
                format!(
                    "function \"templatefile\" expects 2 arguments, but {} were given",
                    args.len()
                ),
                call.span(),
            ));
        }
        let path = self.eval_expr(args[0])?;
        let vars = self.eval_expr(args[1])?;
        if path.is_unknown() {
            return Ok(Value::Unknown(Type::String));
        }
        let (path, path_marked) = path.unmark_deep();
        let Some(path) = path.as_str().map(str::to_string) else {
            return Err(self.error(
                codes::FUNCTION_ARGUMENTS,
                "templatefile(): the path must be a string",
                args[0].span(),
            ));
        };
        let (vars, vars_marked) = vars.unmark();
        let bindings: Vec<(String, Value)> = match vars {
            Value::Unknown(_) => return Ok(Value::Unknown(Type::String)),
            Value::Object(entries) | Value::Map(entries) => entries.into_iter().collect(),
            other => {
                return Err(self.error(
                    codes::FUNCTION_ARGUMENTS,
                    format!(
                        "templatefile(): the variables must be an object, not {}",
                        other.kind_name()
                    ),
                    args[1].span(),
                ))
            }
        };
        let full = self.functions.base_dir.join(&path);
        let text = std::fs::read_to_string(&full).map_err(|e| {
            Box::new(
                Diagnostic::error(
                    codes::FUNCTION_FAILED,
                    format!("templatefile(): cannot read {}: {e}", full.display()),
                )
                .at(self.span(args[0].span()))
                .help("paths are relative to the module directory; use path.module to be explicit"),
            )
        })?;
        let parsed = crate::lang::ast::parse_template(&text).map_err(|e| {
            Box::new(
                Diagnostic::error(
                    codes::INVALID_TEMPLATE,
                    format!(
                        "templatefile(): {path}:{}:{}: {}",
                        e.location().line(),
                        e.location().column(),
                        e.message()
                    ),
                )
                .at(self.span(args[0].span()))
                .help("fix the template syntax; literal ${ is written $${"),
            )
        })?;
        // The template sees only the variables it was given (and functions), never the module scope.
        let isolated = TemplateScope;
        let mut inner = Evaluator::new(&isolated, self.functions);
        inner.file = self.file;
        inner.iterators = bindings;
        let result = inner.eval_template(parsed.iter()).map_err(|e| {
            Box::new(
                Diagnostic::error(e.code, format!("templatefile(): in {path}: {}", e.message))
                    .at(self.span(call.span()))
                    .help(e.help.clone().unwrap_or_else(|| {
                        "pass every name the template uses in the variables object".into()
                    })),
            )
        })?;
        Ok(result.mark_if(path_marked || vars_marked))
    }

    fn eval_traversal(&mut self, t: &Traversal) -> EvalResult {
        match &t.expr {
            Expression::Variable(v) => self.eval_root(v.as_str(), &t.operators, t.span()),
            other => {
                let base = self.eval_expr(other)?;
                self.apply_operators(base, &t.operators)
            }
        }
    }

    /// Resolves `root.op.op...`: an iteration variable or a reference, then the remaining operators.
    fn eval_root(
        &mut self,
        root: &str,
        operators: &[crate::lang::ast::Node<TraversalOperator>],
        range: Option<std::ops::Range<usize>>,
    ) -> EvalResult {
        if let Some((_, v)) = self.iterators.iter().rev().find(|(n, _)| n == root) {
            let v = v.clone();
            return self.apply_operators(v, operators);
        }
        match parse_reference(root, operators, range.clone()) {
            Ok(Some((reference, consumed))) => {
                let rest = &operators[consumed..];
                let resolver: &'a dyn Resolver = self.resolver;
                if let Some(stored) = resolver.lookup(&reference) {
                    return self.apply_borrowed(stored, rest);
                }
                let span = self.span(range);
                let base = self.resolver.resolve(&reference, span)?;
                self.apply_operators(base, rest)
            }
            Ok(None) => {
                let mut candidates: Vec<&str> = vec![
                    "var", "local", "module", "data", "path", "plat", "count", "each",
                ];
                candidates.extend(self.iterators.iter().map(|(n, _)| n.as_str()));
                let mut d = Diagnostic::error(
                    codes::UNDEFINED_REFERENCE,
                    format!("unknown name \"{root}\""),
                )
                .at(self.span(range));
                d = match suggest(root, candidates) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help("references start with var., local., module., data., a resource type, path., plat., count. or each."),
                };
                Err(Box::new(d))
            }
            Err(e) => Err(Box::new(
                Diagnostic::error(codes::INVALID_REFERENCE, e.message)
                    .at(self.span(e.range))
                    .help(e.help),
            )),
        }
    }

    /// Applies operators to a stored value, copying only what the result needs: attribute and
    /// index steps walk the borrowed value, and a splat over a borrowed list copies just the
    /// selected attribute of each element (`aws_subnet.x[*].id` does not copy every subnet).
    fn apply_borrowed(
        &mut self,
        value: &'a Value,
        operators: &[crate::lang::ast::Node<TraversalOperator>],
    ) -> EvalResult {
        let (reached, used) = self.descend(value, operators)?;
        let rest = &operators[used..];
        let is_splat = matches!(
            rest.first().map(|o| o.value()),
            Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_))
        );
        let items = match reached {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) if is_splat => items,
            _ => return self.apply_operators(reached.clone(), rest),
        };
        let end = splat_end(rest, 0);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.apply_borrowed(item, &rest[1..end])?);
        }
        self.apply_operators(Value::Tuple(out), &rest[end..])
    }

    /// A stored value that an expression denotes exactly (`aws_subnet.x`, `var.tags["a"]`),
    /// borrowed; `None` when the expression is anything else.
    fn borrow_expr(&mut self, expr: &Expression) -> Result<Option<&'a Value>, Box<Diagnostic>> {
        let (root, operators, range) = match expr {
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(v) => (v.as_str(), &t.operators[..], t.span()),
                _ => return Ok(None),
            },
            Expression::Variable(v) => (v.as_str(), &[][..], v.span()),
            _ => return Ok(None),
        };
        if self.iterators.iter().any(|(n, _)| n == root) {
            return Ok(None);
        }
        let Ok(Some((reference, consumed))) = parse_reference(root, operators, range) else {
            return Ok(None);
        };
        let resolver: &'a dyn Resolver = self.resolver;
        let Some(stored) = resolver.lookup(&reference) else {
            return Ok(None);
        };
        let rest = &operators[consumed..];
        let (reached, used) = self.descend(stored, rest)?;
        Ok((used == rest.len()).then_some(reached))
    }

    /// Follows attribute and index operators through a borrowed value as far as they lead to an
    /// existing element; the owned path (`apply_operators`) takes over for everything else (marks,
    /// unknowns, splats and errors), so both give the same results.
    fn descend<'v>(
        &mut self,
        mut value: &'v Value,
        operators: &[crate::lang::ast::Node<TraversalOperator>],
    ) -> Result<(&'v Value, usize), Box<Diagnostic>> {
        for (used, op) in operators.iter().enumerate() {
            let next = match op.value() {
                TraversalOperator::GetAttr(name) => match value {
                    Value::Object(entries) | Value::Map(entries) => entries.get(name.as_str()),
                    _ => None,
                },
                TraversalOperator::Index(e) => {
                    let key = self.eval_expr(e)?;
                    match (value, &key) {
                        (Value::List(items) | Value::Tuple(items), Value::Number(n))
                            if *n >= 0.0 && n.fract() == 0.0 =>
                        {
                            items.get(*n as usize)
                        }
                        (Value::Object(entries) | Value::Map(entries), Value::String(k)) => {
                            entries.get(k)
                        }
                        _ => None,
                    }
                }
                TraversalOperator::LegacyIndex(n) => match value {
                    Value::List(items) | Value::Tuple(items) => items.get(**n as usize),
                    _ => None,
                },
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match next {
                Some(v) => value = v,
                None => return Ok((value, used)),
            }
        }
        Ok((value, operators.len()))
    }

    fn apply_operators(
        &mut self,
        mut value: Value,
        operators: &[crate::lang::ast::Node<TraversalOperator>],
    ) -> EvalResult {
        let mut i = 0;
        while i < operators.len() {
            let op = &operators[i];
            match op.value() {
                TraversalOperator::GetAttr(name) => {
                    value = self.get_attr(value, name.as_str(), name.span())?;
                }
                TraversalOperator::Index(e) => {
                    let key = self.eval_expr(e)?;
                    value = self.index(value, key, e.span())?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    value = self.index(value, Value::Number(**n as f64), n.span())?;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let end = splat_end(operators, i);
                    value = self.splat(value, &operators[i + 1..end])?;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(value)
    }

    fn splat(
        &mut self,
        value: Value,
        rest: &[crate::lang::ast::Node<TraversalOperator>],
    ) -> EvalResult {
        let (value, marked) = value.unmark();
        let items = match value {
            Value::Unknown(_) => return Ok(Value::unknown().mark_if(marked)),
            Value::Null => Vec::new(),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items,
            single => vec![single],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.apply_operators(item, rest)?);
        }
        Ok(Value::Tuple(out).mark_if(marked))
    }

    fn get_attr(
        &self,
        value: Value,
        name: &str,
        range: Option<std::ops::Range<usize>>,
    ) -> EvalResult {
        let (value, marked) = value.unmark();
        let result = match value {
            Value::Unknown(Type::Object(attrs)) => match attrs.get(name) {
                Some(a) => Value::Unknown(a.ty.clone()),
                None => return Err(self.missing_attribute(name, attrs.keys().map(String::as_str), range)),
            },
            Value::Unknown(_) => Value::unknown(),
            Value::Object(mut entries) => match entries.remove(name) {
                Some(v) => v,
                None => return Err(self.missing_attribute(name, entries.keys().map(String::as_str), range)),
            },
            Value::Map(mut entries) => match entries.remove(name) {
                Some(v) => v,
                None => {
                    return Err(Box::new(
                        Diagnostic::error(codes::INVALID_INDEX, format!("the map has no element with key \"{name}\""))
                            .at(self.span(range))
                            .help("use lookup(map, key, default) when the key may be absent"),
                    ))
                }
            },
            Value::Null => {
                return Err(Box::new(
                    Diagnostic::error(codes::NULL_VALUE, format!("cannot read attribute \"{name}\" of a null value"))
                        .at(self.span(range))
                        .help("guard it with a condition, or use try()"),
                ))
            }
            Value::List(_) | Value::Tuple(_) | Value::Set(_) => {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::UNSUPPORTED_ATTRIBUTE,
                        format!("cannot read attribute \"{name}\" of a list"),
                    )
                    .at(self.span(range))
                    .help(format!("pick one element first ([0].{name}) or take it from every element ([*].{name})")),
                ))
            }
            other => {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::UNSUPPORTED_ATTRIBUTE,
                        format!("cannot read attribute \"{name}\" of a {}", other.kind_name()),
                    )
                    .at(self.span(range))
                    .help("only objects and maps have attributes"),
                ))
            }
        };
        Ok(result.mark_if(marked))
    }

    fn missing_attribute<'k>(
        &self,
        name: &str,
        keys: impl Iterator<Item = &'k str>,
        range: Option<std::ops::Range<usize>>,
    ) -> Box<Diagnostic> {
        let keys: Vec<&str> = keys.collect();
        let mut d = Diagnostic::error(
            codes::UNSUPPORTED_ATTRIBUTE,
            format!("this object has no attribute named \"{name}\""),
        )
        .at(self.span(range));
        d = match suggest(name, keys.iter().copied()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None if keys.is_empty() => d.help("the object has no attributes"),
            None => d.help(format!("its attributes are: {}", keys.join(", "))),
        };
        Box::new(d)
    }

    fn index(&self, value: Value, key: Value, range: Option<std::ops::Range<usize>>) -> EvalResult {
        let (value, marked) = value.unmark();
        let (key, key_marked) = key.unmark();
        let marked = marked || key_marked;
        if key.is_unknown() {
            return Ok(Value::unknown().mark_if(marked));
        }
        let result = match value {
            Value::Unknown(_) => Value::unknown(),
            Value::List(items) | Value::Tuple(items) => {
                let index = match &key {
                    Value::Number(n) => Some(*n),
                    Value::String(s) => crate::lang::types::parse_number(s),
                    _ => None,
                };
                let Some(index) = index.filter(|n| n.fract() == 0.0) else {
                    return Err(Box::new(
                        Diagnostic::error(
                            codes::INVALID_INDEX,
                            format!(
                                "a list index must be a whole number, not {}",
                                key.kind_name()
                            ),
                        )
                        .at(self.span(range)),
                    ));
                };
                let len = items.len();
                if index < 0.0 || index as usize >= len {
                    return Err(Box::new(
                        Diagnostic::error(
                            codes::INVALID_INDEX,
                            format!(
                                "index {} is out of range for a list of {len} element{}",
                                index,
                                if len == 1 { "" } else { "s" }
                            ),
                        )
                        .at(self.span(range))
                        .help("use element(list, i) to wrap around, or try() for a fallback"),
                    ));
                }
                items.into_iter().nth(index as usize).unwrap_or(Value::Null)
            }
            Value::Map(mut entries) | Value::Object(mut entries) => {
                let Some(k) = key.to_template_string() else {
                    return Err(Box::new(
                        Diagnostic::error(
                            codes::INVALID_INDEX,
                            format!("a map key must be a string, not {}", key.kind_name()),
                        )
                        .at(self.span(range)),
                    ));
                };
                match entries.remove(&k) {
                    Some(v) => v,
                    None => {
                        let keys: Vec<&str> = entries.keys().map(String::as_str).collect();
                        let mut d = Diagnostic::error(
                            codes::INVALID_INDEX,
                            format!("no element with key \"{k}\""),
                        )
                        .at(self.span(range));
                        d = match suggest(&k, keys.iter().copied()) {
                            Some(s) => d.help(format!("did you mean \"{s}\"?")),
                            None => {
                                d.help("use lookup(map, key, default) when the key may be absent")
                            }
                        };
                        return Err(Box::new(d));
                    }
                }
            }
            Value::Set(_) => {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::INVALID_INDEX,
                        "a set has no order and cannot be indexed",
                    )
                    .at(self.span(range))
                    .help("convert it with tolist() first, or iterate with for_each"),
                ))
            }
            Value::Null => {
                return Err(Box::new(
                    Diagnostic::error(codes::NULL_VALUE, "cannot index a null value")
                        .at(self.span(range)),
                ))
            }
            other => {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::INVALID_INDEX,
                        format!("a {} cannot be indexed", other.kind_name()),
                    )
                    .at(self.span(range)),
                ))
            }
        };
        Ok(result.mark_if(marked))
    }

    fn eval_for(&mut self, f: &ForExpr) -> EvalResult {
        let collection = self.eval_expr(&f.intro.collection_expr)?;
        let (collection, marked) = collection.unmark();
        let pairs: Vec<(Value, Value)> = match collection {
            Value::Unknown(_) => return Ok(Value::unknown().mark_if(marked)),
            Value::List(items) | Value::Tuple(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::Map(entries) | Value::Object(entries) => entries
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect(),
            Value::Null => {
                return Err(self.error(
                    codes::NULL_VALUE,
                    "cannot iterate over a null value",
                    f.intro.collection_expr.span(),
                ))
            }
            other => {
                return Err(self.error(
                    codes::TYPE_MISMATCH,
                    format!(
                        "a for expression needs a list, set, map or object, not {}",
                        other.kind_name()
                    ),
                    f.intro.collection_expr.span(),
                ))
            }
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut list_out = Vec::new();
        let mut map_out: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        let pushed = 1 + usize::from(key_var.is_some());
        for (k, v) in pairs {
            if let Some(kv) = &key_var {
                self.iterators.push((kv.clone(), k));
            }
            self.iterators.push((value_var.clone(), v));
            let step = self.for_step(f, &mut list_out, &mut map_out, &mut grouped);
            for _ in 0..pushed {
                self.iterators.pop();
            }
            unknown |= step?;
        }
        if unknown {
            return Ok(Value::unknown().mark_if(marked));
        }
        let result = if f.key_expr.is_some() {
            if f.grouping {
                Value::Object(
                    grouped
                        .into_iter()
                        .map(|(k, v)| (k, Value::Tuple(v)))
                        .collect(),
                )
            } else {
                Value::Object(map_out)
            }
        } else {
            Value::Tuple(list_out)
        };
        Ok(result.mark_if(marked))
    }

    /// One iteration of a `for` expression; returns true when the result became unknown.
    fn for_step(
        &mut self,
        f: &ForExpr,
        list_out: &mut Vec<Value>,
        map_out: &mut BTreeMap<String, Value>,
        grouped: &mut BTreeMap<String, Vec<Value>>,
    ) -> Result<bool, Box<Diagnostic>> {
        if let Some(cond) = &f.cond {
            let c = self.eval_expr(&cond.expr)?;
            match c.peel() {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(false),
                Value::Unknown(_) => return Ok(true),
                other => {
                    return Err(self.error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "the if clause of a for expression must be a bool, not {}",
                            other.kind_name()
                        ),
                        cond.expr.span(),
                    ))
                }
            }
        }
        let value = self.eval_expr(&f.value_expr)?;
        let Some(key_expr) = &f.key_expr else {
            list_out.push(value);
            return Ok(false);
        };
        let key = self.eval_expr(key_expr)?;
        let key = match key.peel() {
            Value::Unknown(_) => return Ok(true),
            k => k.to_template_string().ok_or_else(|| {
                self.error(
                    codes::TYPE_MISMATCH,
                    format!(
                        "the key of a for expression must be a string, not {}",
                        k.kind_name()
                    ),
                    key_expr.span(),
                )
            })?,
        };
        if f.grouping {
            grouped.entry(key).or_default().push(value);
        } else if map_out.insert(key.clone(), value).is_some() {
            return Err(Box::new(
                Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    format!("two elements produce the key \"{key}\""),
                )
                .at(self.span(key_expr.span()))
                .help("add ... after the value expression to group elements with the same key"),
            ));
        }
        Ok(false)
    }
}

/// Where the operators a splat at `at` applies to each element end: a full splat (`[*]`) takes
/// all the rest, an attribute splat (`.*`) only the attribute accesses right after it.
fn splat_end(operators: &[crate::lang::ast::Node<TraversalOperator>], at: usize) -> usize {
    if matches!(operators[at].value(), TraversalOperator::FullSplat(_)) {
        return operators.len();
    }
    operators[at + 1..]
        .iter()
        .position(|o| !matches!(o.value(), TraversalOperator::GetAttr(_)))
        .map(|p| at + 1 + p)
        .unwrap_or(operators.len())
}

/// The diagnostic for a call of a function that does not exist (shared with the static check, so
/// that both report the same words and the duplicate is dropped).
pub fn unknown_function(name: &str, span: Span) -> Diagnostic {
    let names = functions::names();
    let d = Diagnostic::error(
        codes::UNKNOWN_FUNCTION,
        format!("there is no function named \"{name}\""),
    )
    .at(span);
    match suggest(name, names.iter().copied()) {
        Some(s) => d.help(format!("did you mean \"{s}\"?")),
        None => d.help("see the list of built-in functions in the README"),
    }
}

/// Calls of functions that do not exist, found without evaluating (so that `can()`/`try()` or an
/// unknown condition cannot hide them).
pub fn check_function_names(expr: &Expr, diagnostics: &mut Diagnostics) {
    walk_calls(&expr.expr, expr.file, diagnostics);
}

fn walk_calls(e: &Expression, file: FileId, out: &mut Diagnostics) {
    match e {
        Expression::Array(items) => items.iter().for_each(|i| walk_calls(i, file, out)),
        Expression::Object(obj) => {
            for (k, v) in obj.iter() {
                if let ObjectKey::Expression(k) = k {
                    walk_calls(k, file, out);
                }
                walk_calls(v.expr(), file, out);
            }
        }
        Expression::StringTemplate(t) => walk_template_calls(t.iter(), file, out),
        Expression::HeredocTemplate(h) => walk_template_calls(h.template.iter(), file, out),
        Expression::Parenthesis(p) => walk_calls(p.inner(), file, out),
        Expression::Conditional(c) => {
            walk_calls(&c.cond_expr, file, out);
            walk_calls(&c.true_expr, file, out);
            walk_calls(&c.false_expr, file, out);
        }
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let special = matches!(name, "can" | "try" | "templatefile");
            if !call.name.is_namespaced() && !special && functions::lookup(name).is_none() {
                let span = Span::new(file, call.name.name.span().or(call.span()).unwrap_or(0..0));
                out.push(unknown_function(name, span));
            }
            call.args.iter().for_each(|a| walk_calls(a, file, out));
        }
        Expression::Traversal(t) => {
            walk_calls(&t.expr, file, out);
            for op in &t.operators {
                if let TraversalOperator::Index(i) = op.value() {
                    walk_calls(i, file, out);
                }
            }
        }
        Expression::UnaryOp(op) => walk_calls(&op.expr, file, out),
        Expression::BinaryOp(op) => {
            walk_calls(&op.lhs_expr, file, out);
            walk_calls(&op.rhs_expr, file, out);
        }
        Expression::ForExpr(f) => {
            walk_calls(&f.intro.collection_expr, file, out);
            if let Some(k) = &f.key_expr {
                walk_calls(k, file, out);
            }
            walk_calls(&f.value_expr, file, out);
            if let Some(c) = &f.cond {
                walk_calls(&c.expr, file, out);
            }
        }
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_)
        | Expression::Variable(_) => {}
    }
}

fn walk_template_calls<'t>(
    elements: impl Iterator<Item = &'t crate::lang::ast::Element>,
    file: FileId,
    out: &mut Diagnostics,
) {
    use crate::lang::ast::{Directive, Element};
    for element in elements {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk_calls(&i.expr, file, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk_calls(&d.if_expr.cond_expr, file, out);
                    walk_template_calls(d.if_expr.template.iter(), file, out);
                    if let Some(e) = &d.else_expr {
                        walk_template_calls(e.template.iter(), file, out);
                    }
                }
                Directive::For(d) => {
                    walk_calls(&d.for_expr.collection_expr, file, out);
                    walk_template_calls(d.for_expr.template.iter(), file, out);
                }
            },
        }
    }
}

/// The scope of a `templatefile` template: only the variables passed in (bound as iterators).
struct TemplateScope;

impl Resolver for TemplateScope {
    fn resolve(&self, reference: &Reference, span: Span) -> Result<Value, Box<Diagnostic>> {
        Err(Box::new(
            Diagnostic::error(
                codes::UNDEFINED_REFERENCE,
                format!(
                    "{} is not available in a template file",
                    reference.display()
                ),
            )
            .at(span)
            .help("pass the value in templatefile()'s variables object"),
        ))
    }
}
