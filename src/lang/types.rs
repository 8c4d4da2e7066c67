//! Type constraints (`string`, `list(number)`, `object({...})`, ...) and value conversion.
//!
//! Conversion follows Terraform's rules: primitives convert between string, number and bool where the
//! text allows it; tuples convert to lists and sets, objects to maps; object types drop attributes they
//! do not declare and fill `optional()` ones with their default or null. Unknowns convert to unknowns
//! of the target type; sensitive marks are kept.

use std::collections::BTreeMap;
use std::fmt;

use crate::lang::value::{format_number, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `any`: no constraint.
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjectAttr>),
}

/// One attribute of an object type constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub ty: Type,
    /// Declared with `optional(...)`: may be absent.
    pub optional: bool,
    /// The second argument of `optional(type, default)`.
    pub default: Option<Value>,
}

impl Type {
    /// An object type whose attributes are all required.
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(
            attrs
                .into_iter()
                .map(|(k, ty)| {
                    (
                        k,
                        ObjectAttr {
                            ty,
                            optional: false,
                            default: None,
                        },
                    )
                })
                .collect(),
        )
    }

    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{k} = optional({})", a.ty)?;
                    } else {
                        write!(f, "{k} = {}", a.ty)?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

/// Why a value does not convert to a type. `path` locates the offending part (`[2].name`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn fail(message: impl Into<String>) -> ConversionError {
    ConversionError {
        path: String::new(),
        message: message.into(),
    }
}

fn within(prefix: String, mut err: ConversionError) -> ConversionError {
    err.path = format!("{prefix}{}", err.path);
    err
}

/// Converts `value` to `target`, following Terraform's conversion rules.
pub fn convert(value: Value, target: &Type) -> Result<Value, ConversionError> {
    if let Type::Any = target {
        return Ok(unify_any(value));
    }
    match value {
        // The inner error would quote the secret: say only what was expected.
        Value::Sensitive(inner) => match convert(*inner, target) {
            Ok(v) => Ok(v.sensitive()),
            Err(e) => Err(ConversionError {
                path: e.path,
                message: format!("{target} required, but the (sensitive) value given is not one"),
            }),
        },
        Value::Unknown(_) => Ok(Value::Unknown(target.clone())),
        Value::Null => Ok(Value::Null),
        value => convert_known(value, target),
    }
}

fn convert_known(value: Value, target: &Type) -> Result<Value, ConversionError> {
    match target {
        Type::Any => Ok(value),
        Type::String => match value {
            Value::String(_) => Ok(value),
            Value::Number(n) => Ok(Value::String(format_number(n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(fail(format!(
                "string required, but have {}",
                other.kind_name()
            ))),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value),
            Value::String(ref s) => parse_number(s).map(Value::Number).ok_or_else(|| {
                fail(format!(
                    "a number is required, but \"{s}\" cannot be converted to a number"
                ))
            }),
            other => Err(fail(format!(
                "number required, but have {}",
                other.kind_name()
            ))),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value),
            Value::String(ref s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(ref s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(fail(format!(
                "bool required, but have {}",
                other.kind_name()
            ))),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = match value {
                Value::List(items) | Value::Tuple(items) | Value::Set(items) => items,
                other => {
                    return Err(fail(format!(
                        "{} required, but have {}",
                        kind_word(target),
                        other.kind_name()
                    )))
                }
            };
            let converted = convert_items(items, elem)?;
            Ok(if matches!(target, Type::Set(_)) {
                Value::set_from(converted)
            } else {
                Value::List(converted)
            })
        }
        Type::Map(elem) => {
            let entries = match value {
                Value::Map(e) | Value::Object(e) => e,
                other => {
                    return Err(fail(format!(
                        "map required, but have {}",
                        other.kind_name()
                    )))
                }
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let v = convert(v, elem).map_err(|e| within(format!("[{k:?}]"), e))?;
                out.insert(k, v);
            }
            Ok(unify_map(out, elem))
        }
        Type::Tuple(types) => {
            let items = match value {
                Value::List(items) | Value::Tuple(items) | Value::Set(items) => items,
                other => {
                    return Err(fail(format!(
                        "tuple required, but have {}",
                        other.kind_name()
                    )))
                }
            };
            if items.len() != types.len() {
                return Err(fail(format!(
                    "tuple required with {} elements, but have {}",
                    types.len(),
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (v, t)) in items.into_iter().zip(types).enumerate() {
                out.push(convert(v, t).map_err(|e| within(format!("[{i}]"), e))?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Object(attrs) => {
            let mut entries = match value {
                Value::Map(e) | Value::Object(e) => e,
                other => {
                    return Err(fail(format!(
                        "object required, but have {}",
                        other.kind_name()
                    )))
                }
            };
            let mut out = BTreeMap::new();
            for (name, attr) in attrs {
                match entries.remove(name) {
                    Some(Value::Null) | None if attr.optional => {
                        let default = match &attr.default {
                            Some(d) => convert(d.clone(), &attr.ty)
                                .map_err(|e| within(format!(".{name}"), e))?,
                            None => Value::Null,
                        };
                        out.insert(name.clone(), default);
                    }
                    Some(v) => {
                        let v = convert(v, &attr.ty).map_err(|e| within(format!(".{name}"), e))?;
                        out.insert(name.clone(), v);
                    }
                    None => return Err(fail(format!("attribute \"{name}\" is required"))),
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn kind_word(t: &Type) -> &'static str {
    match t {
        Type::Set(_) => "set",
        _ => "list",
    }
}

fn convert_items(items: Vec<Value>, elem: &Type) -> Result<Vec<Value>, ConversionError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        out.push(convert(v, elem).map_err(|e| within(format!("[{i}]"), e))?);
    }
    if matches!(elem, Type::Any) {
        out = unify_primitives(out);
    }
    Ok(out)
}

fn unify_map(entries: BTreeMap<String, Value>, elem: &Type) -> Value {
    if !matches!(elem, Type::Any) {
        return Value::Map(entries);
    }
    let keys: Vec<String> = entries.keys().cloned().collect();
    let values = unify_primitives(entries.into_values().collect());
    Value::Map(keys.into_iter().zip(values).collect())
}

/// `list(any)` of mixed primitives becomes a list of strings, as in Terraform.
fn unify_primitives(items: Vec<Value>) -> Vec<Value> {
    let kinds: Vec<Type> = items
        .iter()
        .filter(|v| !v.is_null() && !v.is_unknown())
        .map(Value::type_of)
        .collect();
    let mixed_primitives =
        kinds.iter().all(Type::is_primitive) && kinds.windows(2).any(|w| w[0] != w[1]);
    if !mixed_primitives {
        return items;
    }
    items
        .into_iter()
        .map(|v| convert(v.clone(), &Type::String).unwrap_or(v))
        .collect()
}

/// Conversion to `any` keeps the value as it is.
fn unify_any(value: Value) -> Value {
    value
}

/// Parses a number the way Terraform's string-to-number conversion does.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t != s {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn conversion_table() {
        let cases: Vec<(Value, Type, Result<Value, &str>)> = vec![
            (Value::Number(5.0), Type::String, Ok(s("5"))),
            (s("5.5"), Type::Number, Ok(Value::Number(5.5))),
            (s("x"), Type::Number, Err("cannot be converted")),
            (s("true"), Type::Bool, Ok(Value::Bool(true))),
            (
                Value::Tuple(vec![s("b"), s("a"), s("b")]),
                Type::set(Type::String),
                Ok(Value::Set(vec![s("a"), s("b")])),
            ),
            (
                Value::Tuple(vec![s("a"), Value::Number(1.0)]),
                Type::list(Type::Any),
                Ok(Value::List(vec![s("a"), s("1")])),
            ),
            (
                Value::Unknown(Type::Any),
                Type::String,
                Ok(Value::Unknown(Type::String)),
            ),
            (
                s("5").sensitive(),
                Type::Number,
                Ok(Value::Number(5.0).sensitive()),
            ),
            (
                s("hunter2").sensitive(),
                Type::Number,
                Err("number required, but the (sensitive) value given is not one"),
            ),
        ];
        for (input, ty, expected) in cases {
            let got = convert(input.clone(), &ty);
            match (&got, &expected) {
                (Ok(v), Ok(e)) => assert_eq!(v, e, "{input:?} -> {ty}"),
                (Err(err), Err(needle)) => {
                    assert!(err.message.contains(needle), "{err} lacks {needle}")
                }
                _ => panic!("{input:?} -> {ty}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn object_optional_defaults_and_missing() {
        let mut attrs = BTreeMap::new();
        attrs.insert(
            "name".to_string(),
            ObjectAttr {
                ty: Type::String,
                optional: false,
                default: None,
            },
        );
        attrs.insert(
            "size".to_string(),
            ObjectAttr {
                ty: Type::Number,
                optional: true,
                default: Some(Value::Number(3.0)),
            },
        );
        let ty = Type::Object(attrs);
        let v = Value::Object(BTreeMap::from([("name".to_string(), s("a"))]));
        let got = convert(v, &ty).expect("converts");
        assert_eq!(
            got,
            Value::Object(BTreeMap::from([
                ("name".to_string(), s("a")),
                ("size".to_string(), Value::Number(3.0)),
            ]))
        );
        let err = convert(Value::Object(BTreeMap::new()), &ty).unwrap_err();
        assert_eq!(err.message, "attribute \"name\" is required");
    }
}
