//! Parses type constraint expressions (`list(object({ name = string, size = optional(number, 1) }))`).

use std::collections::BTreeMap;
use std::ops::Range;

use crate::lang::ast::{Expression, ObjectKey};

use crate::lang::types::{ObjectAttr, Type};
use crate::lang::value::{json, Value};

type TypeError = (String, Option<Range<usize>>);

/// Parses a type constraint. Errors carry a message and the byte range of the offending part.
pub fn parse_type(expr: &Expression) -> Result<Type, TypeError> {
    parse(expr, false).map(|(ty, _)| ty)
}

fn parse(expr: &Expression, in_object: bool) -> Result<(Type, Option<ObjectAttrInfo>), TypeError> {
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ok((Type::String, None)),
            "number" => Ok((Type::Number, None)),
            "bool" => Ok((Type::Bool, None)),
            "any" => Ok((Type::Any, None)),
            "list" | "map" | "set" => Err((
                format!(
                    "the {0} type needs its element type: {0}(string)",
                    v.as_str()
                ),
                v.span(),
            )),
            other => Err((format!("\"{other}\" is not a type"), v.span())),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one_arg = |args: &[&Expression]| -> Result<Type, TypeError> {
                match args {
                    [arg] => parse(arg, false).map(|(t, _)| t),
                    _ => Err((format!("{name}() takes exactly one type"), call.span())),
                }
            };
            match name {
                "list" => Ok((Type::list(one_arg(&args)?), None)),
                "set" => Ok((Type::set(one_arg(&args)?), None)),
                "map" => Ok((Type::map(one_arg(&args)?), None)),
                "tuple" => match args.as_slice() {
                    [Expression::Array(items)] => {
                        let types = items
                            .iter()
                            .map(|e| parse(e, false).map(|(t, _)| t))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok((Type::Tuple(types), None))
                    }
                    _ => Err((
                        "tuple() takes a list of types: tuple([string, number])".into(),
                        call.span(),
                    )),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(obj)] => {
                        let mut attrs = BTreeMap::new();
                        for (key, value) in obj.iter() {
                            let key_name = match key {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.as_str().to_string()
                                }
                                ObjectKey::Expression(e) => {
                                    return Err((
                                        "object attribute names must be plain names".into(),
                                        e.span(),
                                    ))
                                }
                            };
                            let (ty, info) = parse(value.expr(), true)?;
                            let info = info.unwrap_or_default();
                            attrs.insert(
                                key_name,
                                ObjectAttr {
                                    ty,
                                    optional: info.optional,
                                    default: info.default,
                                },
                            );
                        }
                        Ok((Type::Object(attrs), None))
                    }
                    _ => Err((
                        "object() takes an object of attribute types: object({ name = string })"
                            .into(),
                        call.span(),
                    )),
                },
                "optional" if in_object => {
                    let (ty, default) = match args.as_slice() {
                        [t] => (parse(t, false)?.0, None),
                        [t, d] => (parse(t, false)?.0, Some(literal_value(d)?)),
                        _ => {
                            return Err((
                                "optional() takes a type and an optional default".into(),
                                call.span(),
                            ))
                        }
                    };
                    Ok((
                        ty,
                        Some(ObjectAttrInfo {
                            optional: true,
                            default,
                        }),
                    ))
                }
                "optional" => Err((
                    "optional() is only allowed for attributes of an object type".into(),
                    call.span(),
                )),
                other => Err((
                    format!("\"{other}\" is not a type constructor"),
                    call.span(),
                )),
            }
        }
        other => Err((
            "expected a type such as string or list(number)".into(),
            other.span(),
        )),
    }
}

#[derive(Default)]
struct ObjectAttrInfo {
    optional: bool,
    default: Option<Value>,
}

/// Defaults of `optional()` must be literal values (numbers, strings, bools, lists, objects).
fn literal_value(expr: &Expression) -> Result<Value, TypeError> {
    let json = expression_to_json(expr).ok_or_else(|| {
        (
            "the default of optional() must be a literal value".to_string(),
            expr.span(),
        )
    })?;
    Ok(json::from_json(&json))
}

fn expression_to_json(expr: &Expression) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match expr {
        Expression::Null(_) => J::Null,
        Expression::Bool(b) => J::Bool(**b),
        Expression::Number(n) => json::number_to_json(n.as_f64()?),
        Expression::String(s) => J::String(s.as_str().to_string()),
        Expression::Array(items) => J::Array(
            items
                .iter()
                .map(expression_to_json)
                .collect::<Option<_>>()?,
        ),
        Expression::Object(obj) => J::Object(
            obj.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                        _ => return None,
                    };
                    Some((key, expression_to_json(v.expr())?))
                })
                .collect::<Option<_>>()?,
        ),
        Expression::UnaryOp(op) => {
            let n = expression_to_json(&op.expr)?.as_f64()?;
            json::number_to_json(-n)
        }
        _ => return None,
    })
}
