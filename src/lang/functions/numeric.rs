//! Numeric functions.

use super::{param, FuncContext, FuncResult, Function, Marks, ParamType};
use crate::lang::value::Value;

pub(super) const FUNCTIONS: &[Function] = &[Function {
    name: "abs",
    params: &[param("num", ParamType::Number)],
    variadic: None,
    returns: ParamType::Number,
    marks: Marks::Plain,
    body: abs,
}];

fn abs(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let n = args[0].as_number().unwrap_or_default();
    Ok(Value::Number(n.abs()))
}
