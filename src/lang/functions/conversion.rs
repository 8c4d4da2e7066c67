//! Type conversion functions and `type`.

use super::{nullable, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

const V: &[super::Param] = &[nullable("v", ParamType::Any)];

const fn to_fn(
    name: &'static str,
    returns: ParamType,
    marks: Marks,
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params: V,
        variadic: None,
        returns,
        marks,
        body,
    }
}

pub(super) const FUNCTIONS: &[Function] = &[
    to_fn("tostring", ParamType::String, Marks::Plain, tostring),
    to_fn("tonumber", ParamType::Number, Marks::Plain, tonumber),
    to_fn("tobool", ParamType::Bool, Marks::Plain, tobool),
    to_fn("tolist", ParamType::ListOfAny, Marks::Structural, tolist),
    to_fn("toset", ParamType::SetOfAny, Marks::Structural, toset),
    to_fn("tomap", ParamType::MapOfAny, Marks::Structural, tomap),
    to_fn("type", ParamType::String, Marks::Raw, type_fn),
];

fn first(args: Vec<Value>) -> Value {
    args.into_iter().next().unwrap_or(Value::Null)
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => crate::lang::value::quote(s),
        other => other.kind_name(),
    }
}

fn to_primitive(v: Value, target: Type) -> FuncResult {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let what = describe(&v);
    convert(v, &target).map_err(|_| {
        let message = match target {
            Type::Bool if what.starts_with('"') => format!(
                "cannot convert {what} to bool; only the strings \"true\" or \"false\" are allowed"
            ),
            Type::Number if what.starts_with('"') => format!(
                "cannot convert {what} to number; given string must be a decimal representation of a number"
            ),
            _ => format!("cannot convert {what} to {target}"),
        };
        FuncError::arg(0, message)
    })
}

fn tostring(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_primitive(first(args), Type::String)
}

fn tonumber(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_primitive(first(args), Type::Number)
}

fn tobool(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_primitive(first(args), Type::Bool)
}

/// A coarse kind for checking that collection elements can share one type.
fn kind(v: &Value) -> Option<u8> {
    match v.peel() {
        Value::Null | Value::Unknown(Type::Any) => None,
        Value::Unknown(t) => Some(match t {
            Type::String | Type::Number | Type::Bool => 0,
            Type::List(_) | Type::Set(_) | Type::Tuple(_) => 1,
            _ => 2,
        }),
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(0),
        Value::List(_) | Value::Tuple(_) | Value::Set(_) => Some(1),
        Value::Map(_) | Value::Object(_) => Some(2),
        Value::Sensitive(_) => None,
    }
}

fn to_collection(v: Value, target: Type, word: &str) -> FuncResult {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let what = v.kind_name();
    let fail = || {
        FuncError::arg(
            0,
            format!("cannot convert {what} to {word} of any single type"),
        )
    };
    let converted = convert(v, &target).map_err(|_| fail())?;
    let elements: Vec<&Value> = match &converted {
        Value::List(items) | Value::Set(items) => items.iter().collect(),
        Value::Map(entries) => entries.values().collect(),
        _ => Vec::new(),
    };
    let mut kinds = elements.into_iter().filter_map(kind);
    if let Some(first) = kinds.next() {
        if kinds.any(|k| k != first) {
            return Err(fail());
        }
    }
    Ok(converted)
}

fn tolist(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_collection(first(args), Type::list(Type::Any), "list")
}

fn toset(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_collection(first(args), Type::set(Type::Any), "set")
}

fn tomap(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    to_collection(first(args), Type::map(Type::Any), "map")
}

fn type_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let t = args.first().map_or(Type::Any, Value::type_of);
    Ok(Value::String(t.to_string()))
}
