//! Collection functions.
//!
//! Most are [`Marks::Structural`]: nested unknown and sensitive elements travel into the result as
//! they are. When a decision depends on an unknown element (`contains`, `distinct`, `sort`, ...)
//! the result is unknown.

use std::collections::BTreeMap;

use super::util::{
    grapheme_count, int_at, is_primitive, mixed_primitives, num_at, unify_primitives,
};
use super::{
    nullable, param, FuncContext, FuncError, FuncResult, Function, Marks, Param, ParamType,
};
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

const fn structural(
    name: &'static str,
    params: &'static [Param],
    returns: ParamType,
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns,
        marks: Marks::Structural,
        body,
    }
}

const fn variadic(
    name: &'static str,
    params: &'static [Param],
    rest: Param,
    returns: ParamType,
    marks: Marks,
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: Some(rest),
        returns,
        marks,
        body,
    }
}

const LIST_ANY: &[Param] = &[param("list", ParamType::Any)];

pub(super) const FUNCTIONS: &[Function] = &[
    structural(
        "length",
        &[param("value", ParamType::Any)],
        ParamType::Number,
        length,
    ),
    structural(
        "alltrue",
        &[param("list", ParamType::ListOfBool)],
        ParamType::Bool,
        alltrue,
    ),
    structural(
        "anytrue",
        &[param("list", ParamType::ListOfBool)],
        ParamType::Bool,
        anytrue,
    ),
    structural(
        "chunklist",
        &[
            param("list", ParamType::ListOfAny),
            param("size", ParamType::Number),
        ],
        ParamType::ListOfAny,
        chunklist,
    ),
    variadic(
        "coalesce",
        &[],
        nullable("vals", ParamType::Any),
        ParamType::Any,
        Marks::Raw,
        coalesce,
    ),
    variadic(
        "coalescelist",
        &[],
        nullable("vals", ParamType::Any),
        ParamType::ListOfAny,
        Marks::Raw,
        coalescelist,
    ),
    structural(
        "compact",
        &[param("list", ParamType::ListOfString)],
        ParamType::ListOfString,
        compact,
    ),
    variadic(
        "concat",
        &[],
        param("seqs", ParamType::Any),
        ParamType::ListOfAny,
        Marks::Structural,
        concat,
    ),
    structural(
        "contains",
        &[
            param("list", ParamType::Any),
            nullable("value", ParamType::Any),
        ],
        ParamType::Bool,
        contains,
    ),
    structural(
        "distinct",
        &[param("list", ParamType::ListOfAny)],
        ParamType::ListOfAny,
        distinct,
    ),
    structural(
        "element",
        &[
            param("list", ParamType::Any),
            param("index", ParamType::Number),
        ],
        ParamType::Any,
        element,
    ),
    structural("flatten", LIST_ANY, ParamType::ListOfAny, flatten),
    structural(
        "index",
        &[
            param("list", ParamType::Any),
            param("value", ParamType::Any),
        ],
        ParamType::Number,
        index,
    ),
    structural(
        "keys",
        &[param("inputMap", ParamType::Any)],
        ParamType::ListOfString,
        keys,
    ),
    structural(
        "values",
        &[param("mapping", ParamType::Any)],
        ParamType::ListOfAny,
        values,
    ),
    variadic(
        "lookup",
        &[
            param("inputMap", ParamType::Any),
            param("key", ParamType::String),
        ],
        nullable("default", ParamType::Any),
        ParamType::Any,
        Marks::Structural,
        lookup,
    ),
    structural(
        "matchkeys",
        &[
            param("values", ParamType::ListOfAny),
            param("keys", ParamType::ListOfAny),
            param("searchset", ParamType::ListOfAny),
        ],
        ParamType::ListOfAny,
        matchkeys,
    ),
    variadic(
        "merge",
        &[],
        nullable("maps", ParamType::Any),
        ParamType::Any,
        Marks::Structural,
        merge,
    ),
    structural("one", LIST_ANY, ParamType::Any, one),
    variadic(
        "range",
        &[],
        param("params", ParamType::Number),
        ParamType::ListOfNumber,
        Marks::Plain,
        range,
    ),
    structural("reverse", LIST_ANY, ParamType::ListOfAny, reverse),
    variadic(
        "setintersection",
        &[param("first_set", ParamType::SetOfAny)],
        param("other_sets", ParamType::SetOfAny),
        ParamType::SetOfAny,
        Marks::Structural,
        setintersection,
    ),
    variadic(
        "setunion",
        &[param("first_set", ParamType::SetOfAny)],
        param("other_sets", ParamType::SetOfAny),
        ParamType::SetOfAny,
        Marks::Structural,
        setunion,
    ),
    structural(
        "setsubtract",
        &[
            param("a", ParamType::SetOfAny),
            param("b", ParamType::SetOfAny),
        ],
        ParamType::SetOfAny,
        setsubtract,
    ),
    variadic(
        "setproduct",
        &[],
        param("sets", ParamType::Any),
        ParamType::ListOfAny,
        Marks::Structural,
        setproduct,
    ),
    structural(
        "slice",
        &[
            param("list", ParamType::Any),
            param("start_index", ParamType::Number),
            param("end_index", ParamType::Number),
        ],
        ParamType::ListOfAny,
        slice,
    ),
    structural(
        "sort",
        &[param("list", ParamType::ListOfString)],
        ParamType::ListOfString,
        sort,
    ),
    Function {
        name: "sum",
        params: &[param("list", ParamType::Any)],
        variadic: None,
        returns: ParamType::Number,
        marks: Marks::Plain,
        body: sum,
    },
    Function {
        name: "transpose",
        params: &[param("values", ParamType::MapOfListOfString)],
        variadic: None,
        returns: ParamType::MapOfListOfString,
        marks: Marks::Plain,
        body: transpose,
    },
    structural(
        "zipmap",
        &[
            param("keys", ParamType::ListOfString),
            param("values", ParamType::Any),
        ],
        ParamType::MapOfAny,
        zipmap,
    ),
];

/// The elements of a sequence argument (empty for anything else).
fn seq(v: &Value) -> &[Value] {
    v.as_seq().unwrap_or_default()
}

fn list_any() -> Type {
    Type::list(Type::Any)
}

/// Structural: a list with unknown elements still has a known length.
fn length(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let n = match &args[0] {
        Value::String(s) => grapheme_count(s),
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

fn alltrue(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let sensitive = args[0].contains_sensitive();
    for v in seq(&args[0]) {
        match v.peel() {
            Value::Unknown(_) => return Ok(Value::Unknown(Type::Bool).mark_if(sensitive)),
            Value::Bool(true) => {}
            _ => return Ok(Value::Bool(false).mark_if(sensitive)),
        }
    }
    Ok(Value::Bool(true).mark_if(sensitive))
}

fn anytrue(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let sensitive = args[0].contains_sensitive();
    let mut unknown = false;
    for v in seq(&args[0]) {
        match v.peel() {
            Value::Unknown(_) => unknown = true,
            Value::Bool(true) => return Ok(Value::Bool(true).mark_if(sensitive)),
            _ => {}
        }
    }
    let result = if unknown {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    };
    Ok(result.mark_if(sensitive))
}

fn chunklist(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let size = whole_arg(&args, 1, "size")?;
    if size < 0 {
        return Err(FuncError::arg(1, "the size argument must be positive"));
    }
    let items = seq(&args[0]);
    if items.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items.to_vec())]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::List(
        items
            .chunks(size)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

fn whole_arg(args: &[Value], i: usize, what: &str) -> Result<i64, FuncError> {
    int_at(args, i, what)
        .map_err(|_| FuncError::arg(i, format!("invalid {what}: must be a whole number")))
}

fn coalesce(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let known: Vec<&Value> = args
        .iter()
        .filter(|v| !v.is_null() && !v.is_unknown())
        .collect();
    let primitives = known.iter().filter(|v| is_primitive(v)).count();
    if primitives > 0 && primitives < known.len() {
        return Err(FuncError::new("all arguments must have the same type"));
    }
    let to_string = mixed_primitives(args.iter());
    let all_strings = known.iter().all(|v| matches!(v.peel(), Value::String(_)));
    for arg in args.iter() {
        if let Value::Unknown(t) = arg.peel() {
            let t = if to_string { Type::String } else { t.clone() };
            return Ok(Value::Unknown(t));
        }
        if arg.is_null() {
            continue;
        }
        let v = if to_string {
            convert(arg.clone(), &Type::String).unwrap_or_else(|_| arg.clone())
        } else {
            arg.clone()
        };
        if (to_string || all_strings) && matches!(v.peel(), Value::String(s) if s.is_empty()) {
            continue;
        }
        return Ok(v);
    }
    Err(FuncError::new("no non-null, non-empty-string arguments"))
}

fn coalescelist(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    for (i, arg) in args.iter().enumerate() {
        if !matches!(
            arg,
            Value::List(_) | Value::Tuple(_) | Value::Null | Value::Unknown(_)
        ) {
            return Err(FuncError::arg(
                i,
                "coalescelist arguments must be lists or tuples",
            ));
        }
    }
    for arg in args {
        match arg {
            Value::Unknown(t) => return Ok(Value::Unknown(t)),
            Value::List(ref items) | Value::Tuple(ref items) if !items.is_empty() => {
                return Ok(arg)
            }
            _ => {}
        }
    }
    Err(FuncError::new("no non-null arguments"))
}

fn compact(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let items = seq(&args[0]);
    if !items.iter().all(Value::is_fully_known) {
        return Ok(Value::Unknown(Type::list(Type::String)));
    }
    Ok(Value::List(
        items
            .iter()
            .filter(|v| match v.peel() {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                _ => true,
            })
            .cloned()
            .collect(),
    ))
}

fn concat(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.is_empty() {
        return Err(FuncError::new("at least one argument is required"));
    }
    let mut all_lists = true;
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Value::List(items) => out.extend(items.iter().cloned()),
            Value::Tuple(items) => {
                all_lists = false;
                out.extend(items.iter().cloned());
            }
            other => {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        other.kind_name()
                    ),
                ))
            }
        }
    }
    Ok(if all_lists {
        Value::List(unify_primitives(out))
    } else {
        Value::Tuple(out)
    })
}

fn contains(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (list, value) = (&args[0], &args[1]);
    let Some(items) = list.as_seq() else {
        return Err(FuncError::arg(0, "argument must be list, tuple, or set"));
    };
    let sensitive = list.contains_sensitive() || value.contains_sensitive();
    let mut unknown = false;
    for item in items {
        match item.known_eq(value) {
            Some(true) => return Ok(Value::Bool(true).mark_if(sensitive)),
            None => unknown = true,
            Some(false) => {}
        }
    }
    let result = if unknown && !items.is_empty() {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    };
    Ok(result.mark_if(sensitive))
}

fn distinct(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let items = seq(&args[0]);
    if !items.iter().all(Value::is_fully_known) {
        return Ok(Value::Unknown(list_any()));
    }
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o.known_eq(item) == Some(true)) {
            out.push(item.clone());
        }
    }
    Ok(Value::List(out))
}

fn element(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let items = match &args[0] {
        Value::List(items) | Value::Tuple(items) => items,
        other => {
            return Err(FuncError::arg(
                0,
                format!("cannot read elements from {}", other.kind_name()),
            ))
        }
    };
    let index = int_at(&args, 1, "index")
        .map_err(|_| FuncError::arg(1, "invalid index: must be a whole number"))?;
    if items.is_empty() {
        return Err(FuncError::arg(
            0,
            "cannot use element function with an empty list",
        ));
    }
    let i = index.rem_euclid(items.len() as i64) as usize;
    Ok(items.get(i).cloned().unwrap_or(Value::Null))
}

fn flatten(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let Some(items) = args[0].as_seq() else {
        return Err(FuncError::arg(0, "can only flatten lists, sets and tuples"));
    };
    let mut out = Vec::new();
    let mut sensitive = false;
    if !flatten_into(items, &mut out, &mut sensitive) {
        return Ok(Value::Unknown(list_any()).mark_if(sensitive));
    }
    Ok(Value::Tuple(out).mark_if(sensitive))
}

/// Returns false when an unknown element could itself be a sequence to flatten.
fn flatten_into(items: &[Value], out: &mut Vec<Value>, sensitive: &mut bool) -> bool {
    for item in items {
        let inner = item.peel();
        match inner {
            Value::List(sub) | Value::Tuple(sub) | Value::Set(sub) => {
                *sensitive |= item.is_sensitive();
                if !flatten_into(sub, out, sensitive) {
                    return false;
                }
            }
            Value::Unknown(Type::Any | Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                *sensitive |= item.is_sensitive();
                return false;
            }
            _ => out.push(item.clone()),
        }
    }
    true
}

fn index(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (list, value) = (&args[0], &args[1]);
    let items = match list {
        Value::List(items) | Value::Tuple(items) => items,
        _ => return Err(FuncError::arg(0, "argument must be a list or tuple")),
    };
    if items.is_empty() {
        return Err(FuncError::arg(0, "cannot search an empty list"));
    }
    let sensitive = list.contains_sensitive() || value.contains_sensitive();
    for (i, item) in items.iter().enumerate() {
        match item.known_eq(value) {
            Some(true) => return Ok(Value::Number(i as f64).mark_if(sensitive)),
            None => return Ok(Value::Unknown(Type::Number).mark_if(sensitive)),
            Some(false) => {}
        }
    }
    Err(FuncError::new("item not found"))
}

fn keys(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let names = |e: &BTreeMap<String, Value>| e.keys().map(Value::string).collect::<Vec<_>>();
    match &args[0] {
        Value::Map(entries) => Ok(Value::List(names(entries))),
        Value::Object(entries) => Ok(Value::Tuple(names(entries))),
        _ => Err(FuncError::arg(0, "must have map or object type")),
    }
}

fn values(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    match &args[0] {
        Value::Map(entries) => Ok(Value::List(entries.values().cloned().collect())),
        Value::Object(entries) => Ok(Value::Tuple(entries.values().cloned().collect())),
        _ => Err(FuncError::arg(
            0,
            "values() requires a map as the first argument",
        )),
    }
}

fn lookup(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.len() > 3 {
        return Err(FuncError::new(format!(
            "lookup() takes two or three arguments, got {}",
            args.len()
        )));
    }
    let key = match &args[1] {
        Value::String(s) => s.as_str(),
        _ => "",
    };
    let (entries, is_map) = match &args[0] {
        Value::Map(entries) => (entries, true),
        Value::Object(entries) => (entries, false),
        _ => {
            return Err(FuncError::arg(
                0,
                "lookup() requires a map as the first argument",
            ))
        }
    };
    if let Some(v) = entries.get(key) {
        return Ok(v.clone());
    }
    let Some(default) = args.get(2) else {
        return Err(FuncError::new(format!(
            "lookup failed to find key {}",
            crate::lang::value::quote(key)
        )));
    };
    // A map's default takes the type of the map's elements, as in Terraform.
    if is_map && !default.is_null() {
        let types: Vec<Type> = entries
            .values()
            .filter(|v| !v.is_null() && !v.is_unknown())
            .map(Value::type_of)
            .collect();
        if let Some(first) = types.first() {
            if first.is_primitive() && types.iter().all(|t| t == first) {
                return convert(default.clone(), first).map_err(|_| {
                    FuncError::arg(
                        2,
                        "the default value must have the same type as the map elements",
                    )
                });
            }
        }
    }
    Ok(default.clone())
}

/// Equality that, like Terraform's type unification, compares primitives of different types by
/// their string forms.
fn loose_eq(a: &Value, b: &Value) -> Option<bool> {
    let (pa, pb) = (a.peel(), b.peel());
    if is_primitive(pa)
        && is_primitive(pb)
        && std::mem::discriminant(pa) != std::mem::discriminant(pb)
    {
        return Some(pa.to_template_string() == pb.to_template_string());
    }
    a.known_eq(b)
}

fn matchkeys(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (values, keys, search) = (seq(&args[0]), seq(&args[1]), seq(&args[2]));
    if values.len() != keys.len() {
        return Err(FuncError::new("length of keys and values should be equal"));
    }
    if search.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if !keys.iter().all(Value::is_fully_known) {
        return Ok(Value::Unknown(list_any()));
    }
    let mut out = Vec::new();
    for (value, key) in values.iter().zip(keys) {
        for s in search {
            match loose_eq(key, s) {
                Some(true) => {
                    out.push(value.clone());
                    break;
                }
                None => return Ok(Value::Unknown(list_any())),
                Some(false) => {}
            }
        }
    }
    Ok(Value::List(out))
}

fn merge(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut out = BTreeMap::new();
    let mut all_maps = true;
    let mut any = false;
    for (i, arg) in args.into_iter().enumerate() {
        match arg {
            Value::Null => {}
            Value::Map(entries) => {
                any = true;
                out.extend(entries);
            }
            Value::Object(entries) => {
                any = true;
                all_maps = false;
                out.extend(entries);
            }
            other => {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "arguments must be maps or objects, got \"{}\"",
                        other.kind_name()
                    ),
                ))
            }
        }
    }
    Ok(if any && all_maps {
        Value::Map(out)
    } else {
        Value::Object(out)
    })
}

fn one(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let error = || {
        FuncError::arg(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )
    };
    let items = args[0].as_seq().ok_or_else(error)?;
    match items {
        [] => Ok(Value::Null),
        [only] => Ok(only.clone()),
        _ => Err(error()),
    }
}

const RANGE_LIMIT: usize = 1024;

fn range(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let n = |i: usize| num_at(&args, i);
    let (start, end, step) = match args.len() {
        1 => (0.0, n(0), if n(0) < 0.0 { -1.0 } else { 1.0 }),
        2 => (n(0), n(1), if n(1) < n(0) { -1.0 } else { 1.0 }),
        3 => (n(0), n(1), n(2)),
        _ => return Err(FuncError::new("must have one, two, or three arguments")),
    };
    if step == 0.0 {
        return Err(FuncError::arg(2, "step must not be zero"));
    }
    let down = step < 0.0;
    if down && end > start {
        return Err(FuncError::arg(
            1,
            "end must be less than start when step is negative",
        ));
    }
    if !down && end < start {
        return Err(FuncError::arg(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let mut out = Vec::new();
    loop {
        let v = start + out.len() as f64 * step;
        let more = if down {
            v.partial_cmp(&end) == Some(std::cmp::Ordering::Greater)
        } else {
            v.partial_cmp(&end) == Some(std::cmp::Ordering::Less)
        };
        let done = !more;
        if done {
            break;
        }
        if out.len() >= RANGE_LIMIT {
            return Err(FuncError::new(format!(
                "more than {RANGE_LIMIT} values were generated; either decrease the difference between start and end or use a smaller step"
            )));
        }
        out.push(Value::Number(v));
    }
    Ok(Value::List(out))
}

fn reverse(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    match &args[0] {
        Value::Tuple(items) => Ok(Value::Tuple(items.iter().rev().cloned().collect())),
        Value::List(items) | Value::Set(items) => {
            Ok(Value::List(items.iter().rev().cloned().collect()))
        }
        other => Err(FuncError::arg(
            0,
            format!(
                "can only reverse list or tuple values, not {}",
                other.kind_name()
            ),
        )),
    }
}

/// The elements of each set argument, with mixed primitive types unified to strings across all of
/// them; `None` when an element is not known (a set's membership is then unknown).
fn set_args(args: &[Value]) -> Option<Vec<Vec<Value>>> {
    let all = args.iter().flat_map(|a| seq(a).iter());
    if !args.iter().all(Value::is_fully_known) {
        return None;
    }
    let to_string = mixed_primitives(all);
    Some(
        args.iter()
            .map(|a| {
                seq(a)
                    .iter()
                    .map(|v| {
                        if to_string {
                            convert(v.clone(), &Type::String).unwrap_or_else(|_| v.clone())
                        } else {
                            v.clone()
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

fn member(set: &[Value], v: &Value) -> bool {
    set.iter().any(|x| x.known_eq(v) == Some(true))
}

fn unknown_set() -> Value {
    Value::Unknown(Type::set(Type::Any))
}

fn setintersection(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let Some(sets) = set_args(&args) else {
        return Ok(unknown_set());
    };
    let (first, others) = sets
        .split_first()
        .map_or((&[][..], &[][..]), |(f, o)| (&f[..], o));
    let out = first
        .iter()
        .filter(|v| others.iter().all(|s| member(s, v)))
        .cloned()
        .collect();
    Ok(Value::set_from(out))
}

fn setunion(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let Some(sets) = set_args(&args) else {
        return Ok(unknown_set());
    };
    Ok(Value::set_from(sets.into_iter().flatten().collect()))
}

fn setsubtract(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let Some(sets) = set_args(&args) else {
        return Ok(unknown_set());
    };
    let (a, b) = match sets.as_slice() {
        [a, b] => (a, b),
        _ => return Ok(unknown_set()),
    };
    Ok(Value::set_from(
        a.iter().filter(|v| !member(b, v)).cloned().collect(),
    ))
}

const PRODUCT_LIMIT: usize = 1024 * 1024;

fn setproduct(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    if args.len() < 2 {
        return Err(FuncError::new("at least two arguments are required"));
    }
    let mut all_sets = true;
    let mut columns: Vec<Vec<Value>> = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Value::Set(items) => {
                if !items.iter().all(Value::is_fully_known) {
                    return Ok(Value::Unknown(list_any()));
                }
                columns.push(items.clone());
            }
            Value::List(items) | Value::Tuple(items) => {
                all_sets = false;
                columns.push(unify_primitives(items.clone()));
            }
            _ => return Err(FuncError::arg(i, "a set or a list is required")),
        }
    }
    let total = columns
        .iter()
        .try_fold(1usize, |acc, c| acc.checked_mul(c.len()))
        .filter(|t| *t <= PRODUCT_LIMIT)
        .ok_or_else(|| {
            FuncError::new(format!(
                "the product would have more than {PRODUCT_LIMIT} elements"
            ))
        })?;
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; columns.len()];
    for _ in 0..total {
        out.push(Value::Tuple(
            columns
                .iter()
                .zip(&idx)
                .map(|(c, &i)| c.get(i).cloned().unwrap_or(Value::Null))
                .collect(),
        ));
        for j in (0..columns.len()).rev() {
            idx[j] += 1;
            if idx[j] < columns[j].len() {
                break;
            }
            idx[j] = 0;
        }
    }
    Ok(if all_sets {
        Value::set_from(out)
    } else {
        Value::List(out)
    })
}

fn slice(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (items, is_tuple) = match &args[0] {
        Value::List(items) => (items, false),
        Value::Tuple(items) => (items, true),
        Value::Set(_) => {
            return Err(FuncError::arg(
                0,
                "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
            ))
        }
        _ => return Err(FuncError::arg(0, "must be a list or tuple value")),
    };
    let len = items.len() as i64;
    let start = int_at(&args, 1, "start index")
        .map_err(|_| FuncError::arg(1, "invalid start index: must be a whole number"))?;
    if start < 0 {
        return Err(FuncError::arg(1, "start index must not be less than zero"));
    }
    if start > len {
        return Err(FuncError::arg(
            1,
            "start index must not be greater than the length of the list",
        ));
    }
    let end = int_at(&args, 2, "end index")
        .map_err(|_| FuncError::arg(2, "invalid end index: must be a whole number"))?;
    if end < 0 {
        return Err(FuncError::arg(2, "end index must not be less than zero"));
    }
    if end > len {
        return Err(FuncError::arg(
            2,
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(FuncError::arg(
            1,
            "start index must not be greater than end index",
        ));
    }
    let part = items[start as usize..end as usize].to_vec();
    Ok(if is_tuple {
        Value::Tuple(part)
    } else {
        Value::List(part)
    })
}

fn sort(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let items = seq(&args[0]);
    if !items.iter().all(Value::is_fully_known) {
        return Ok(Value::Unknown(Type::list(Type::String)));
    }
    if let Some(i) = items.iter().position(Value::is_null) {
        return Err(FuncError::arg(
            0,
            format!("given list element {i} is null; a null string cannot be sorted"),
        ));
    }
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| {
        let key = |v: &Value| v.peel().as_str().map(str::to_owned).unwrap_or_default();
        key(a).cmp(&key(b))
    });
    Ok(Value::List(sorted))
}

fn sum(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let Some(items) = args[0].as_seq() else {
        return Err(FuncError::arg(
            0,
            format!(
                "argument must be list, set, or tuple. Received {}",
                args[0].kind_name()
            ),
        ));
    };
    if items.is_empty() {
        return Err(FuncError::arg(0, "cannot sum an empty list"));
    }
    let mut total = 0.0;
    for item in items {
        match convert(item.clone(), &Type::Number) {
            Ok(Value::Number(n)) => total += n,
            _ => {
                return Err(FuncError::arg(
                    0,
                    "argument must be list, set, or tuple of number values",
                ))
            }
        }
    }
    if total.is_nan() {
        return Err(FuncError::new("can't compute sum of opposing infinities"));
    }
    Ok(Value::Number(total))
}

fn transpose(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, list) in args[0].as_entries().into_iter().flatten() {
        let Some(items) = list.as_seq() else {
            return Err(FuncError::arg(0, "input must not contain null list"));
        };
        for item in items {
            let Value::String(s) = item else {
                return Err(FuncError::arg(0, "input list must not contain null string"));
            };
            out.entry(s.clone()).or_default().push(key.clone());
        }
    }
    Ok(Value::Map(
        out.into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, Value::List(v.into_iter().map(Value::String).collect()))
            })
            .collect(),
    ))
}

fn zipmap(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let keys = seq(&args[0]);
    let (vals, tuple) = match &args[1] {
        Value::List(items) => (items, false),
        Value::Tuple(items) => (items, true),
        _ => {
            return Err(FuncError::arg(
                1,
                "values argument must be a list or tuple value",
            ))
        }
    };
    if keys.len() != vals.len() {
        return Err(FuncError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vals.len()
        )));
    }
    if !keys.iter().all(Value::is_fully_known) {
        return Ok(Value::Unknown(Type::map(Type::Any)));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.iter().zip(vals).enumerate() {
        let Value::String(name) = k.peel() else {
            return Err(FuncError::arg(
                0,
                format!("keys list has null value at index {i}"),
            ));
        };
        out.insert(name.clone(), v.clone().mark_if(k.is_sensitive()));
    }
    Ok(if tuple {
        Value::Object(out)
    } else {
        Value::Map(out)
    })
}
