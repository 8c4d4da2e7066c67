//! Collection functions.

use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::value::Value;

pub(super) const FUNCTIONS: &[Function] = &[Function {
    name: "length",
    params: &[param("value", ParamType::Any)],
    variadic: None,
    returns: ParamType::Number,
    marks: Marks::Structural,
    body: length,
}];

/// Structural: a list with unknown elements still has a known length.
fn length(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let n = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => items.len(),
        Value::Map(entries) | Value::Object(entries) => entries.len(),
        other => {
            return Err(FuncError::arg(
                0,
                format!(
                    "argument must be a string, a collection type, or a structural type, not {}",
                    other.kind_name()
                ),
            ))
        }
    };
    Ok(Value::Number(n as f64))
}
