//! plat's value model.
//!
//! Every value may be *unknown* (it will only be known after apply) or *sensitive* (it must never be
//! printed). Both marks propagate: an operation on an unknown yields an unknown, an operation on a
//! sensitive value yields a sensitive value. Sensitivity is a wrapper (`Value::Sensitive`) that may sit
//! at any depth of a collection; `Value::Unknown` carries the type the value will have, when known.

use std::collections::BTreeMap;
use std::fmt;

use crate::lang::types::Type;

/// A value of the stack language.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// A list produced by conversion or a function: elements share one type.
    List(Vec<Value>),
    /// A sequence literal `[...]`: elements may differ in type.
    Tuple(Vec<Value>),
    /// Unique elements in canonical order.
    Set(Vec<Value>),
    /// A map produced by conversion or a function: values share one type.
    Map(BTreeMap<String, Value>),
    /// An object literal `{...}` or a resource's attributes.
    Object(BTreeMap<String, Value>),
    /// A value that will only be known after apply.
    Unknown(Type),
    /// A value that must never be shown. Never nested directly inside another `Sensitive`.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn unknown() -> Value {
        Value::Unknown(Type::Any)
    }

    /// Marks a value sensitive (idempotent).
    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// Marks a value sensitive when `mark` is true.
    pub fn mark_if(self, mark: bool) -> Value {
        if mark {
            self.sensitive()
        } else {
            self
        }
    }

    /// Removes the top-level sensitive mark, returning whether there was one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (*inner, true),
            other => (other, false),
        }
    }

    /// Looks through a top-level sensitive mark without taking ownership.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner,
            other => other,
        }
    }

    /// Removes every sensitive mark at any depth, returning whether there was one.
    pub fn unmark_deep(self) -> (Value, bool) {
        let mut found = false;
        let v = self.unmark_deep_into(&mut found);
        (v, found)
    }

    fn unmark_deep_into(self, found: &mut bool) -> Value {
        match self {
            Value::Sensitive(inner) => {
                *found = true;
                inner.unmark_deep_into(found)
            }
            Value::List(items) => Value::List(unmark_items(items, found)),
            Value::Tuple(items) => Value::Tuple(unmark_items(items, found)),
            Value::Set(items) => Value::Set(unmark_items(items, found)),
            Value::Map(entries) => Value::Map(unmark_entries(entries, found)),
            Value::Object(entries) => Value::Object(unmark_entries(entries, found)),
            other => other,
        }
    }

    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when any part of the value is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                items.iter().any(Value::contains_sensitive)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().any(Value::contains_sensitive)
            }
            _ => false,
        }
    }

    /// True when the value itself (looking through a sensitive mark) is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self.peel(), Value::Unknown(_))
    }

    /// True when no part of the value is unknown.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Sensitive(inner) => inner.is_fully_known(),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                items.iter().all(Value::is_fully_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_fully_known)
            }
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null)
    }

    /// The elements of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// The values of nested blocks as a block attribute holds them: a list, tuple or set's
    /// elements, none for null, else the value itself (a single block).
    pub fn block_items(&self) -> &[Value] {
        match self {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items,
            Value::Null => &[],
            other => std::slice::from_ref(other),
        }
    }

    /// The entries of a map or object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The type of the value, as Terraform's `type()` reports it.
    pub fn type_of(&self) -> Type {
        match self {
            Value::Null | Value::Unknown(Type::Any) => Type::Any,
            Value::Unknown(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Sensitive(inner) => inner.type_of(),
            Value::List(items) => Type::List(Box::new(common_type(items))),
            Value::Set(items) => Type::Set(Box::new(common_type(items))),
            Value::Tuple(items) => Type::Tuple(items.iter().map(Value::type_of).collect()),
            Value::Map(entries) => Type::Map(Box::new(common_type(entries.values()))),
            Value::Object(entries) => Type::object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.type_of()))
                    .collect(),
            ),
        }
    }

    /// A short name of the value's kind, for error messages ("string", "list of string", ...).
    pub fn kind_name(&self) -> String {
        match self.peel() {
            Value::Null => "null".into(),
            Value::Unknown(_) => "unknown value".into(),
            other => other.type_of().to_string(),
        }
    }

    /// Language equality (`==`): unknown when either side has an unknown part that matters.
    pub fn equals(&self, other: &Value) -> Value {
        let sensitive = self.contains_sensitive() || other.contains_sensitive();
        let result = match structural_eq(self, other) {
            Some(eq) => Value::Bool(eq),
            None => Value::Unknown(Type::Bool),
        };
        result.mark_if(sensitive)
    }

    /// Equality of two fully known values, ignoring marks; `None` when unknowns decide it.
    pub fn known_eq(&self, other: &Value) -> Option<bool> {
        structural_eq(self, other)
    }

    /// The value rendered as a string, as templates and `tostring` do, for primitives.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Canonical ordering key used to sort set elements (strings, then numbers, then others).
    pub(crate) fn set_order(a: &Value, b: &Value) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (a.peel(), b.peel()) {
            (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (x, y) => x.render_plain().cmp(&y.render_plain()),
        }
    }

    /// Builds a set: removes duplicates and orders elements canonically.
    pub fn set_from(mut items: Vec<Value>) -> Value {
        items.sort_by(Value::set_order);
        items.dedup_by(|a, b| structural_eq(a, b) == Some(true));
        Value::Set(items)
    }

    /// Renders the value for humans, masking sensitive parts and showing unknowns as
    /// `(known after apply)`. This is the only way values reach the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        render_into(self, &mut out, 0, true);
        out
    }

    /// Renders without masking; used only internally for ordering and hashing, never printed.
    fn render_plain(&self) -> String {
        let mut out = String::new();
        render_into(self, &mut out, 0, false);
        out
    }
}

fn unmark_items(items: Vec<Value>, found: &mut bool) -> Vec<Value> {
    items
        .into_iter()
        .map(|v| v.unmark_deep_into(found))
        .collect()
}

fn unmark_entries(entries: BTreeMap<String, Value>, found: &mut bool) -> BTreeMap<String, Value> {
    entries
        .into_iter()
        .map(|(k, v)| (k, v.unmark_deep_into(found)))
        .collect()
}

fn common_type<'a>(items: impl IntoIterator<Item = &'a Value>) -> Type {
    let mut result: Option<Type> = None;
    for item in items {
        let t = item.type_of();
        result = Some(match result {
            None => t,
            Some(prev) if prev == t => prev,
            Some(_) => return Type::Any,
        });
    }
    result.unwrap_or(Type::Any)
}

fn structural_eq(a: &Value, b: &Value) -> Option<bool> {
    let (a, b) = (a.peel(), b.peel());
    match (a, b) {
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y))
        | (Value::Tuple(x), Value::Tuple(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::List(x), Value::Tuple(y))
        | (Value::Tuple(x), Value::List(y)) => seq_eq(x, y),
        (Value::Map(x), Value::Map(y))
        | (Value::Object(x), Value::Object(y))
        | (Value::Map(x), Value::Object(y))
        | (Value::Object(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            seq_eq_iter(x.values().zip(y.values()))
        }
        _ => Some(false),
    }
}

fn seq_eq(x: &[Value], y: &[Value]) -> Option<bool> {
    if x.len() != y.len() {
        return Some(false);
    }
    seq_eq_iter(x.iter().zip(y.iter()))
}

fn seq_eq_iter<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut undecided = false;
    for (a, b) in pairs {
        match structural_eq(a, b) {
            Some(false) => return Some(false),
            None => undecided = true,
            Some(true) => {}
        }
    }
    if undecided {
        None
    } else {
        Some(true)
    }
}

/// Formats a number the way Terraform prints it: integers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Quotes a string as an HCL string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // A literal `${` or `%{` would start a template sequence: double the sign.
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn render_into(v: &Value, out: &mut String, indent: usize, mask: bool) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Sensitive(inner) => {
            if mask {
                out.push_str("(sensitive value)");
            } else {
                render_into(inner, out, indent, mask);
            }
        }
        Value::Unknown(_) => out.push_str("(known after apply)"),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            if items.is_empty() {
                out.push_str(match v {
                    Value::Set(_) => "toset([])",
                    _ => "[]",
                });
                return;
            }
            if matches!(v, Value::Set(_)) {
                out.push_str("toset(");
            }
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad(indent + 1));
                render_into(item, out, indent + 1, mask);
                out.push_str(",\n");
            }
            out.push_str(&pad(indent));
            out.push(']');
            if matches!(v, Value::Set(_)) {
                out.push(')');
            }
        }
        Value::Map(entries) | Value::Object(entries) => {
            if entries.is_empty() {
                out.push_str(if matches!(v, Value::Map(_)) {
                    "tomap({})"
                } else {
                    "{}"
                });
                return;
            }
            let is_map = matches!(v, Value::Map(_));
            if is_map {
                out.push_str("tomap(");
            }
            out.push_str("{\n");
            let keys: Vec<String> = entries
                .keys()
                .map(|k| {
                    if is_identifier(k) {
                        k.clone()
                    } else {
                        quote(k)
                    }
                })
                .collect();
            let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
            for (key, value) in keys.iter().zip(entries.values()) {
                out.push_str(&pad(indent + 1));
                out.push_str(key);
                out.push_str(&" ".repeat(width - key.chars().count()));
                out.push_str(" = ");
                render_into(value, out, indent + 1, mask);
                out.push('\n');
            }
            out.push_str(&pad(indent));
            out.push('}');
            if is_map {
                out.push(')');
            }
        }
    }
}

impl fmt::Display for Value {
    /// Display always masks sensitive values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

/// Conversion between plat values and JSON (jsonencode/jsondecode, `--json` output, var files).
pub mod json {
    use super::*;
    use serde_json::Value as Json;

    /// Converts a fully known, unmarked value to JSON. Returns `None` for unknown or sensitive parts.
    pub fn to_json(v: &Value) -> Option<Json> {
        Some(match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => Json::String(s.clone()),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                Json::Array(items.iter().map(to_json).collect::<Option<_>>()?)
            }
            Value::Map(entries) | Value::Object(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.clone(), to_json(v)?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown(_) | Value::Sensitive(_) => return None,
        })
    }

    /// Reads JSON text straight into a value, as [`from_json`] converts a parsed document, without
    /// building the JSON tree first (for `#[serde(deserialize_with)]`: the state's attributes).
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor)
    }

    struct JsonVisitor;

    impl<'de> serde::de::Visitor<'de> for JsonVisitor {
        type Value = Value;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
            Ok(Value::Number(n))
        }
        fn visit_str<E>(self, s: &str) -> Result<Value, E> {
            Ok(Value::String(s.to_owned()))
        }
        fn visit_string<E>(self, s: String) -> Result<Value, E> {
            Ok(Value::String(s))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element_seed(JsonSeed)? {
                items.push(item);
            }
            Ok(Value::Tuple(items))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut entries = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value_seed(JsonSeed)?;
                entries.insert(key, value);
            }
            Ok(Value::Object(entries))
        }
    }

    struct JsonSeed;

    impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(JsonVisitor)
        }
    }

    /// Converts JSON to a value, as `jsondecode` does (arrays become tuples, objects objects).
    pub fn from_json(j: &Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Tuple(items.iter().map(from_json).collect()),
            Json::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), from_json(v)))
                    .collect(),
            ),
        }
    }

    pub fn number_to_json(n: f64) -> Json {
        if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
            Json::from(n as i64)
        } else {
            serde_json::Number::from_f64(n)
                .map(Json::Number)
                .unwrap_or(Json::Null)
        }
    }
}
