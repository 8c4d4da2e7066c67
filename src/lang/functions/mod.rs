//! The built-in function library (Terraform semantics).
//!
//! Each function declares its parameters; the dispatcher in [`call`] checks the argument count,
//! converts arguments to the parameter types, and applies the mark rules so that function bodies
//! see plain values:
//! - [`Marks::Plain`]: if any argument has an unknown part the result is unknown; sensitive parts
//!   anywhere make the whole result sensitive. The body sees fully known, unmarked values.
//! - [`Marks::Structural`]: only top-level marks are removed (a wholly unknown argument still makes the
//!   result unknown). Nested unknown and sensitive elements reach the body, which moves them into its
//!   result as they are (`length`, `concat`, `merge`, `keys`, ...), so one unknown subnet ID does not
//!   make a whole list unknown.
//! - [`Marks::Raw`]: like `Structural`, but wholly unknown arguments also reach the body, for the few
//!   functions whose result does not depend on every argument (`coalesce`, `coalescelist`, `type`).
//!   Top-level sensitive marks are still removed and reapplied to the result.
//!
//! `can`, `try` and `templatefile` need the evaluator itself and live there.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use std::collections::HashMap;

use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

mod collection;
mod conversion;
mod crypto;
mod encoding;
mod filesystem;
mod network;
mod numeric;
mod string;
mod time;
mod util;

#[cfg(test)]
mod tests;

/// How marks on arguments are handled before the body runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    Plain,
    Structural,
    /// Structural, and wholly unknown arguments are passed to the body too.
    Raw,
}

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    /// Arguments are converted to this type before the call (`Type::Any` keeps them as they are).
    pub ty: ParamType,
    /// Whether `null` may be passed.
    pub allow_null: bool,
}

/// Parameter types as constants (a `Type` is not const-constructible with boxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Any,
    String,
    Number,
    Bool,
    ListOfString,
    ListOfAny,
    MapOfAny,
    SetOfAny,
    ListOfNumber,
    ListOfBool,
    SetOfString,
    MapOfString,
    MapOfListOfString,
}

impl ParamType {
    pub fn to_type(self) -> Type {
        match self {
            ParamType::Any => Type::Any,
            ParamType::String => Type::String,
            ParamType::Number => Type::Number,
            ParamType::Bool => Type::Bool,
            ParamType::ListOfString => Type::list(Type::String),
            ParamType::ListOfAny => Type::list(Type::Any),
            ParamType::MapOfAny => Type::map(Type::Any),
            ParamType::SetOfAny => Type::set(Type::Any),
            ParamType::ListOfNumber => Type::list(Type::Number),
            ParamType::ListOfBool => Type::list(Type::Bool),
            ParamType::SetOfString => Type::set(Type::String),
            ParamType::MapOfString => Type::map(Type::String),
            ParamType::MapOfListOfString => Type::map(Type::list(Type::String)),
        }
    }
}

/// Shorthand constructors for parameter declarations.
pub const fn param(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        allow_null: false,
    }
}

pub const fn nullable(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        allow_null: true,
    }
}

/// What a function body can see of its surroundings.
#[derive(Debug, Clone)]
pub struct FuncContext {
    /// Directory that relative paths in `file()` & co. resolve against (`path.module`).
    pub base_dir: PathBuf,
    /// When true, non-deterministic functions (`uuid`, `timestamp`, `bcrypt`) return unknown, as
    /// their value is only fixed at apply time.
    pub plan_time: bool,
}

impl FuncContext {
    pub fn new(base_dir: impl AsRef<Path>) -> FuncContext {
        FuncContext {
            base_dir: base_dir.as_ref().to_path_buf(),
            plan_time: true,
        }
    }
}

/// A function's failure. `arg` points the diagnostic at the offending argument.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncError {
    pub message: String,
    pub arg: Option<usize>,
    /// The call itself is wrong (argument count, null or mistyped argument), as opposed to the
    /// function failing on values of the right kinds.
    pub invalid_call: bool,
}

impl FuncError {
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            arg: None,
            invalid_call: false,
        }
    }

    pub fn arg(index: usize, message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            arg: Some(index),
            invalid_call: false,
        }
    }

    /// Marks the error as a wrong call rather than a failure of the function.
    pub fn invalid_call(mut self) -> FuncError {
        self.invalid_call = true;
        self
    }
}

pub type FuncResult = Result<Value, FuncError>;
pub type FuncBody = fn(&FuncContext, Vec<Value>) -> FuncResult;

/// A built-in function.
pub struct Function {
    pub name: &'static str,
    pub params: &'static [Param],
    /// Extra arguments beyond `params`, all of this parameter's kind.
    pub variadic: Option<Param>,
    /// The type of the result; an unknown result carries it.
    pub returns: ParamType,
    pub marks: Marks,
    pub body: FuncBody,
}

fn registry() -> &'static HashMap<&'static str, &'static Function> {
    static REGISTRY: OnceLock<HashMap<&'static str, &'static Function>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let groups: [&'static [Function]; 9] = [
            numeric::FUNCTIONS,
            string::FUNCTIONS,
            collection::FUNCTIONS,
            encoding::FUNCTIONS,
            filesystem::FUNCTIONS,
            crypto::FUNCTIONS,
            network::FUNCTIONS,
            conversion::FUNCTIONS,
            time::FUNCTIONS,
        ];
        groups
            .into_iter()
            .flat_map(|g| g.iter())
            .map(|f| (f.name, f))
            .collect()
    })
}

/// Looks up a built-in function by name.
pub fn lookup(name: &str) -> Option<&'static Function> {
    registry().get(name).copied()
}

/// Every function name, sorted; used for "did you mean" suggestions and completions.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = registry().keys().copied().collect();
    // The evaluator implements these itself.
    names.extend(["can", "try", "templatefile"]);
    names.sort_unstable();
    names
}

/// Calls `function` with evaluated arguments, applying the argument count, conversion and mark
/// rules described in the module documentation.
pub fn call(function: &Function, ctx: &FuncContext, args: Vec<Value>) -> FuncResult {
    check_arity(function, args.len())?;
    // Collected only when there is something to hide: most calls have no sensitive argument.
    let mut secrets = Vec::new();
    if args.iter().any(Value::contains_sensitive) {
        for arg in &args {
            sensitive_text(arg, false, &mut secrets);
        }
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let redact = |e: FuncError| redact(e, &secrets);
    let mut converted = Vec::with_capacity(args.len());
    for (i, arg) in args.into_iter().enumerate() {
        let p = param_at(function, i);
        if arg.is_null() && !p.allow_null {
            return Err(
                FuncError::arg(i, format!("argument \"{}\" must not be null", p.name))
                    .invalid_call(),
            );
        }
        let ty = p.ty.to_type();
        let arg = convert(arg, &ty).map_err(|e| {
            redact(
                FuncError::arg(
                    i,
                    format!("invalid value for \"{}\" parameter: {e}", p.name),
                )
                .invalid_call(),
            )
        })?;
        converted.push(arg);
    }
    let returns = function.returns.to_type();
    match function.marks {
        Marks::Plain => {
            if !converted.iter().all(Value::is_fully_known) {
                let sensitive = converted.iter().any(Value::contains_sensitive);
                return Ok(Value::Unknown(returns).mark_if(sensitive));
            }
            let mut sensitive = false;
            let plain: Vec<Value> = converted
                .into_iter()
                .map(|v| {
                    let (v, marked) = v.unmark_deep();
                    sensitive |= marked;
                    v
                })
                .collect();
            Ok((function.body)(ctx, plain)
                .map_err(redact)?
                .mark_if(sensitive))
        }
        Marks::Structural | Marks::Raw => {
            let mut sensitive = false;
            let mut unknown = false;
            let plain: Vec<Value> = converted
                .into_iter()
                .map(|v| {
                    let (v, marked) = v.unmark();
                    sensitive |= marked;
                    unknown |= v.is_unknown();
                    v
                })
                .collect();
            if unknown && function.marks == Marks::Structural {
                return Ok(Value::Unknown(returns).mark_if(sensitive));
            }
            Ok((function.body)(ctx, plain)
                .map_err(redact)?
                .mark_if(sensitive))
        }
    }
}

/// Collects the text of sensitive strings and numbers inside `v`, so that error messages (which
/// bodies write from unmarked values) never show them.
fn sensitive_text(v: &Value, inside: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => sensitive_text(inner, true, out),
        Value::String(s) if inside && !s.is_empty() => out.push(s.clone()),
        Value::Number(n) if inside => out.push(crate::lang::value::format_number(*n)),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            items.iter().for_each(|i| sensitive_text(i, inside, out))
        }
        Value::Map(entries) | Value::Object(entries) => entries
            .values()
            .for_each(|i| sensitive_text(i, inside, out)),
        _ => {}
    }
}

/// Replaces sensitive text in an error message with `(sensitive value)`: quoted occurrences
/// always, bare occurrences when the text is long enough not to be an ordinary word or number.
fn redact(mut error: FuncError, secrets: &[String]) -> FuncError {
    const MASK: &str = "(sensitive value)";
    for secret in secrets {
        let quoted = crate::lang::value::quote(secret);
        error.message = error.message.replace(&quoted, MASK);
        let is_number = secret.parse::<f64>().is_ok();
        if secret.len() >= 6 || (is_number && secret.len() >= 3) {
            error.message = error.message.replace(secret.as_str(), MASK);
        }
    }
    error
}

fn param_at(function: &Function, index: usize) -> Param {
    function
        .params
        .get(index)
        .copied()
        .or(function.variadic)
        .unwrap_or(param("arg", ParamType::Any))
}

fn check_arity(function: &Function, given: usize) -> Result<(), FuncError> {
    let required = function.params.len();
    let too_few = given < required;
    let too_many = function.variadic.is_none() && given > required;
    if !(too_few || too_many) {
        return Ok(());
    }
    let expected = match function.variadic {
        Some(_) => format!("at least {required}"),
        None => required.to_string(),
    };
    let plural = if required == 1 && function.variadic.is_none() {
        ""
    } else {
        "s"
    };
    Err(FuncError::new(format!(
        "function \"{}\" expects {expected} argument{plural}, but {given} {} given",
        function.name,
        if given == 1 { "was" } else { "were" }
    ))
    .invalid_call())
}
