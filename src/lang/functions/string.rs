//! String functions, including Terraform's `format` verbs.

use std::collections::BTreeMap;

use super::util::{grapheme_count, graphemes, int_at, json_encode, json_string, str_at, whole128};
use super::{
    nullable, param, FuncContext, FuncError, FuncResult, Function, Marks, Param, ParamType,
};
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

const fn string_fn(
    name: &'static str,
    params: &'static [Param],
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body,
    }
}

const fn bool_fn(name: &'static str, params: &'static [Param], body: super::FuncBody) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns: ParamType::Bool,
        marks: Marks::Plain,
        body,
    }
}

const STR: &[Param] = &[param("str", ParamType::String)];

pub(super) const FUNCTIONS: &[Function] = &[
    string_fn("chomp", STR, chomp),
    string_fn("lower", STR, lower),
    string_fn("upper", STR, upper),
    string_fn("strrev", STR, strrev),
    string_fn("title", STR, title),
    string_fn("trimspace", STR, trimspace),
    string_fn(
        "indent",
        &[
            param("spaces", ParamType::Number),
            param("str", ParamType::String),
        ],
        indent,
    ),
    string_fn(
        "replace",
        &[
            param("str", ParamType::String),
            param("substr", ParamType::String),
            param("replace", ParamType::String),
        ],
        replace,
    ),
    string_fn(
        "substr",
        &[
            param("str", ParamType::String),
            param("offset", ParamType::Number),
            param("length", ParamType::Number),
        ],
        substr,
    ),
    string_fn(
        "trim",
        &[
            param("str", ParamType::String),
            param("cutset", ParamType::String),
        ],
        trim,
    ),
    string_fn(
        "trimprefix",
        &[
            param("str", ParamType::String),
            param("prefix", ParamType::String),
        ],
        trimprefix,
    ),
    string_fn(
        "trimsuffix",
        &[
            param("str", ParamType::String),
            param("suffix", ParamType::String),
        ],
        trimsuffix,
    ),
    bool_fn(
        "startswith",
        &[
            param("str", ParamType::String),
            param("prefix", ParamType::String),
        ],
        startswith,
    ),
    bool_fn(
        "endswith",
        &[
            param("str", ParamType::String),
            param("suffix", ParamType::String),
        ],
        endswith,
    ),
    bool_fn(
        "strcontains",
        &[
            param("str", ParamType::String),
            param("substr", ParamType::String),
        ],
        strcontains,
    ),
    Function {
        name: "join",
        params: &[param("separator", ParamType::String)],
        variadic: Some(param("lists", ParamType::ListOfString)),
        returns: ParamType::String,
        marks: Marks::Plain,
        body: join,
    },
    Function {
        name: "split",
        params: &[
            param("separator", ParamType::String),
            param("str", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::ListOfString,
        marks: Marks::Plain,
        body: split,
    },
    Function {
        name: "format",
        params: &[param("format", ParamType::String)],
        variadic: Some(nullable("args", ParamType::Any)),
        returns: ParamType::String,
        marks: Marks::Plain,
        body: format,
    },
    Function {
        name: "formatlist",
        params: &[param("format", ParamType::String)],
        variadic: Some(nullable("args", ParamType::Any)),
        returns: ParamType::ListOfString,
        marks: Marks::Structural,
        body: formatlist,
    },
    Function {
        name: "regex",
        params: &[
            param("pattern", ParamType::String),
            param("string", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::Any,
        marks: Marks::Plain,
        body: regex_fn,
    },
    Function {
        name: "regexall",
        params: &[
            param("pattern", ParamType::String),
            param("string", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::ListOfAny,
        marks: Marks::Plain,
        body: regexall,
    },
];

fn ok_str(s: impl Into<String>) -> FuncResult {
    Ok(Value::String(s.into()))
}

fn chomp(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    ok_str(str_at(&args, 0).trim_end_matches(['\r', '\n']))
}

/// Maps each character on its own, as Go's `strings.ToLower`/`ToUpper` do (no multi-character
/// expansions such as `ß` → `SS`, no context-dependent final sigma).
fn map_chars(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            if upper {
                let mut it = c.to_uppercase();
                match (it.next(), it.next()) {
                    (Some(u), None) => u,
                    _ => c,
                }
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect()
}

fn lower(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    ok_str(map_chars(str_at(&args, 0), false))
}

fn upper(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    ok_str(map_chars(str_at(&args, 0), true))
}

fn strrev(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut clusters = graphemes(str_at(&args, 0));
    clusters.reverse();
    ok_str(clusters.concat())
}

/// Go's `strings.Title`: upper-cases the first letter of each word.
fn title(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphabetic() || c.is_numeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    let out: String = str_at(&args, 0)
        .chars()
        .map(|c| {
            let mapped = if is_separator(prev) {
                let mut it = c.to_uppercase();
                match (it.next(), it.next()) {
                    (Some(u), None) => u,
                    _ => c,
                }
            } else {
                c
            };
            prev = c;
            mapped
        })
        .collect();
    ok_str(out)
}

fn trimspace(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    ok_str(str_at(&args, 0).trim())
}

fn indent(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let spaces = int_at(&args, 0, "spaces")?;
    if !(0..=10_000).contains(&spaces) {
        return Err(FuncError::arg(
            0,
            "spaces must be a whole number between 0 and 10000",
        ));
    }
    let pad = format!("\n{}", " ".repeat(spaces as usize));
    ok_str(str_at(&args, 1).replace('\n', &pad))
}

fn replace(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (s, substr, with) = (str_at(&args, 0), str_at(&args, 1), str_at(&args, 2));
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = compile_regex(&substr[1..substr.len() - 1], 1)?;
        return ok_str(re.replace_all(s, with));
    }
    ok_str(s.replace(substr, with))
}

fn substr(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let s = str_at(&args, 0);
    let mut offset = int_at(&args, 1, "offset")?;
    let length = int_at(&args, 2, "length")?;
    let clusters = graphemes(s);
    let total = clusters.len() as i64;
    if offset < 0 {
        offset = (offset + total).max(0);
    } else if length == 0 {
        return ok_str("");
    }
    if offset >= total {
        return ok_str("");
    }
    let rest = &clusters[offset as usize..];
    let take = if length < 0 {
        rest.len()
    } else {
        (length as usize).min(rest.len())
    };
    ok_str(rest[..take].concat())
}

fn trim(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let cutset = str_at(&args, 1);
    ok_str(str_at(&args, 0).trim_matches(|c| cutset.contains(c)))
}

fn trimprefix(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let s = str_at(&args, 0);
    ok_str(s.strip_prefix(str_at(&args, 1)).unwrap_or(s))
}

fn trimsuffix(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let s = str_at(&args, 0);
    ok_str(s.strip_suffix(str_at(&args, 1)).unwrap_or(s))
}

fn startswith(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Bool(str_at(&args, 0).starts_with(str_at(&args, 1))))
}

fn endswith(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Bool(str_at(&args, 0).ends_with(str_at(&args, 1))))
}

fn strcontains(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Bool(str_at(&args, 0).contains(str_at(&args, 1))))
}

fn join(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let sep = str_at(&args, 0);
    let lists = &args[1..];
    if lists.is_empty() {
        return Err(FuncError::new("at least one list is required"));
    }
    let mut items: Vec<&str> = Vec::new();
    for (ai, list) in lists.iter().enumerate() {
        for (ei, item) in list.as_seq().unwrap_or_default().iter().enumerate() {
            match item {
                Value::String(s) => items.push(s),
                _ if lists.len() > 1 => {
                    return Err(FuncError::arg(
                        ai + 1,
                        format!(
                            "element {ei} of list {} is null; cannot concatenate null values",
                            ai + 1
                        ),
                    ))
                }
                _ => {
                    return Err(FuncError::arg(
                        ai + 1,
                        format!("element {ei} is null; cannot concatenate null values"),
                    ))
                }
            }
        }
    }
    ok_str(items.join(sep))
}

fn split(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let (sep, s) = (str_at(&args, 0), str_at(&args, 1));
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep).map(Value::string).collect()
    };
    Ok(Value::List(parts))
}

// ---------------------------------------------------------------------------------------------
// format / formatlist

fn format(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    ok_str(format_values(str_at(&args, 0), &args[1..])?)
}

fn formatlist(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let spec = str_at(&args, 0);
    let rest = &args[1..];
    if rest.is_empty() {
        return Ok(Value::List(vec![Value::String(format_values(spec, rest)?)]));
    }
    let mut iter_len: Option<(usize, usize)> = None;
    for (i, arg) in rest.iter().enumerate() {
        if let Some(items) = arg.as_seq() {
            match iter_len {
                None => iter_len = Some((items.len(), i)),
                Some((len, chooser)) if len != items.len() => {
                    return Err(FuncError::arg(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {}",
                            i + 1,
                            items.len(),
                            chooser + 1,
                            len
                        ),
                    ))
                }
                _ => {}
            }
        }
    }
    let count = iter_len.map_or(1, |(len, _)| len);
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let iteration: Vec<Value> = rest
            .iter()
            .map(|arg| match arg.as_seq() {
                Some(items) => items.get(n).cloned().unwrap_or(Value::Null),
                None => arg.clone(),
            })
            .collect();
        if !iteration.iter().all(Value::is_fully_known) {
            out.push(Value::Unknown(Type::String));
            continue;
        }
        let mut sensitive = false;
        let plain: Vec<Value> = iteration
            .into_iter()
            .map(|v| {
                let (v, marked) = v.unmark_deep();
                sensitive |= marked;
                v
            })
            .collect();
        let s = format_values(spec, &plain).map_err(|e| FuncError {
            message: format!("error on format iteration {n}: {}", e.message),
            arg: None,
            invalid_call: false,
        })?;
        out.push(Value::String(s).mark_if(sensitive));
    }
    Ok(Value::List(out))
}

#[derive(Debug, Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg_num: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

const MAX_WIDTH: usize = 65536;

/// Formats `args` following `spec`, with Terraform's `format` verbs.
pub(super) fn format_values(spec: &str, args: &[Value]) -> Result<String, FuncError> {
    let bytes = spec.as_bytes();
    let mut out = String::with_capacity(spec.len());
    let mut next_arg = 1usize;
    let mut highest = 0usize;
    let mut i = 0usize;
    let unrecognized = |at: usize| {
        let c = spec[at..].chars().next().unwrap_or('\u{FFFD}');
        FuncError::arg(
            0,
            format!("unrecognized format character '{c}' at offset {at}"),
        )
    };
    // A run of decimal digits from `at`: its value (saturating) and the position after it.
    let digits = |mut at: usize| {
        let mut n = 0usize;
        while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
            at += 1;
        }
        (n, at)
    };
    while i < bytes.len() {
        if bytes[i] != b'%' {
            let end = spec[i..].find('%').map_or(spec.len(), |p| i + p);
            out.push_str(&spec[i..end]);
            i = end;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'%') {
            out.push('%');
            i += 2;
            continue;
        }
        let start = i;
        i += 1;
        let mut verb = Verb {
            arg_num: next_arg,
            ..Verb::default()
        };
        while let Some(b) = bytes.get(i) {
            match b {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            i += 1;
        }
        if matches!(bytes.get(i), Some(b'1'..=b'9')) {
            let (n, at) = digits(i);
            verb.width = Some(n);
            i = at;
        }
        if bytes.get(i) == Some(&b'.') {
            let (n, at) = digits(i + 1);
            verb.prec = Some(n);
            i = at;
        }
        if bytes.get(i) == Some(&b'[') {
            i += 1;
            if !matches!(bytes.get(i), Some(b'1'..=b'9')) {
                return Err(unrecognized(i));
            }
            let (n, at) = digits(i);
            i = at;
            if bytes.get(i) != Some(&b']') {
                return Err(unrecognized(i));
            }
            i += 1;
            verb.arg_num = n;
        }
        match bytes.get(i) {
            Some(b) if b.is_ascii_alphabetic() => verb.mode = *b as char,
            Some(_) => return Err(unrecognized(i)),
            None => {
                return Err(FuncError::arg(
                    0,
                    format!("invalid format string starting at offset {start}"),
                ))
            }
        }
        i += 1;
        verb.raw = &spec[start..i];
        verb.offset = start;
        if verb.width.unwrap_or(0) > MAX_WIDTH || verb.prec.unwrap_or(0) > MAX_WIDTH {
            return Err(FuncError::arg(
                0,
                format!(
                    "width or precision of \"{}\" at {} is too large",
                    verb.raw, verb.offset
                ),
            ));
        }
        highest = highest.max(verb.arg_num);
        format_verb(&verb, args, &mut out)?;
        next_arg = verb.arg_num.saturating_add(1);
    }
    if highest < args.len() {
        let message = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(FuncError::arg(highest + 1, message));
    }
    Ok(out)
}

fn format_verb(verb: &Verb, args: &[Value], out: &mut String) -> Result<(), FuncError> {
    let unsupported = |msg: String| {
        FuncError::new(format!(
            "unsupported value for \"{}\" at {}: {msg}",
            verb.raw, verb.offset
        ))
    };
    let Some(arg) = verb.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(FuncError::new(format!(
            "not enough arguments for \"{}\" at {}: need index {} but have {} total",
            verb.raw,
            verb.offset,
            verb.arg_num,
            args.len()
        )));
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(unsupported("null value cannot be formatted".into()));
    }
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => float_text(n.abs(), 'g', None, *n < 0.0),
                other => json_encode(other).map_err(unsupported)?,
            };
            out.push_str(&pad_width(verb, text));
        }
        't' => match convert(arg.clone(), &Type::Bool) {
            Ok(Value::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
            Ok(other) => {
                return Err(unsupported(format!(
                    "bool required, but have {}",
                    other.kind_name()
                )))
            }
            Err(e) => return Err(unsupported(e.to_string())),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = match convert(arg.clone(), &Type::Number) {
                Ok(Value::Number(n)) => n,
                Ok(other) => {
                    return Err(unsupported(format!(
                        "number required, but have {}",
                        other.kind_name()
                    )))
                }
                Err(e) => return Err(unsupported(e.to_string())),
            };
            if matches!(verb.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                out.push_str(&format_integer(verb, n).map_err(unsupported)?);
            } else {
                out.push_str(&format_float(verb, n));
            }
        }
        's' | 'q' => {
            let mut s = match convert(arg.clone(), &Type::String) {
                Ok(Value::String(s)) => s,
                Ok(other) => {
                    return Err(unsupported(format!(
                        "string required, but have {}",
                        other.kind_name()
                    )))
                }
                Err(e) => return Err(unsupported(e.to_string())),
            };
            if let Some(prec) = verb.prec.filter(|p| *p > 0) {
                s = graphemes(&s).into_iter().take(prec).collect();
            }
            if verb.mode == 'q' {
                s = json_string(&s);
            }
            out.push_str(&pad_width(verb, s));
        }
        other => {
            return Err(FuncError::new(format!(
                "unsupported format verb '{other}' in \"{}\" at offset {}",
                verb.raw, verb.offset
            )))
        }
    }
    Ok(())
}

/// Pads to the verb's width, counting user-perceived characters.
fn pad_width(verb: &Verb, text: String) -> String {
    let Some(width) = verb.width else {
        return text;
    };
    let len = grapheme_count(&text);
    if len >= width {
        return text;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus {
        text + &pad
    } else {
        pad + &text
    }
}

/// Integer verbs, as Go's `big.Int` formats them.
fn format_integer(verb: &Verb, n: f64) -> Result<String, String> {
    let negative = n < 0.0;
    let mut digits = match whole128(n) {
        Some(i) => {
            let u = i.unsigned_abs();
            match verb.mode {
                'b' => format!("{u:b}"),
                'o' => format!("{u:o}"),
                'x' => format!("{u:x}"),
                'X' => format!("{u:X}"),
                _ => u.to_string(),
            }
        }
        None if n.is_finite() && n.fract() == 0.0 && verb.mode == 'd' => format!("{:.0}", n.abs()),
        None => return Err("an integer is required".into()),
    };
    let sign = if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(prec) = verb.prec {
        if digits.len() < prec {
            zeros = prec - digits.len();
        } else if digits == "0" && prec == 0 {
            digits.clear();
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(width) = verb.width.filter(|w| *w > length) {
        let d = width - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    Ok(format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    ))
}

/// Float verbs, as Go's `big.Float` formats them.
fn format_float(verb: &Verb, n: f64) -> String {
    let mode = verb.mode.to_ascii_lowercase();
    let prec = match (verb.prec, mode) {
        (Some(p), _) => Some(p),
        (None, 'g') => None,
        (None, _) => Some(6),
    };
    let mut body = float_text(n.abs(), mode, prec, false);
    if verb.mode.is_ascii_uppercase() {
        body = body.to_uppercase();
    }
    let sign = if n < 0.0 {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let padding = verb
        .width
        .map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    if verb.zero && n.is_finite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// Go's `big.Float.Text(mode, prec)` for a non-negative `x`; `prec` `None` means the shortest
/// representation. `negative` prefixes a minus sign (used by `%v`).
fn float_text(x: f64, mode: char, prec: Option<usize>, negative: bool) -> String {
    let sign = if negative { "-" } else { "" };
    if x.is_infinite() {
        return format!("{}Inf", if negative { "-" } else { "+" });
    }
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        let p = prec.unwrap_or(0);
        let frac = if p > 0 {
            format!(".{}", "0".repeat(p))
        } else {
            String::new()
        };
        return match mode {
            'e' => format!("{sign}0{frac}e+00"),
            'f' => format!("{sign}0{frac}"),
            _ => format!("{sign}0"),
        };
    }
    // Decimal digits and exponent: x = 0.d1d2d3... × 10^exp.
    let (digits, exp) = match (mode, prec) {
        ('e', Some(p)) => decimal_digits(x, Some(p + 1)),
        ('f', Some(p)) => return format!("{sign}{x:.p$}"),
        ('g', Some(p)) => decimal_digits(x, Some(p.max(1))),
        _ => decimal_digits(x, None),
    };
    let text = match mode {
        'e' => fmt_e(&digits, exp, prec.unwrap_or(digits.len().saturating_sub(1))),
        _ => {
            let shortest = prec.is_none();
            let mut p = prec.map_or(digits.len(), |p| p.max(1));
            let mut eprec = p;
            if eprec > digits.len() && digits.len() as i64 >= exp {
                eprec = digits.len();
            }
            if shortest {
                eprec = 6;
            }
            let e = exp - 1;
            if e < -4 || e >= eprec as i64 {
                fmt_e(&digits, exp, p.min(digits.len()).saturating_sub(1))
            } else {
                if p as i64 > exp {
                    p = digits.len();
                }
                fmt_f(&digits, exp, (p as i64 - exp).max(0) as usize)
            }
        }
    };
    format!("{sign}{text}")
}

/// The decimal digits of `x` (no trailing zeros) and its exponent `e` with x = 0.digits × 10^e,
/// rounded to `sig` significant digits or shortest round-trip when `None`.
fn decimal_digits(x: f64, sig: Option<usize>) -> (Vec<u8>, i64) {
    let s = match sig {
        Some(n) => format!("{:.*e}", n.saturating_sub(1), x),
        None => format!("{x:e}"),
    };
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let exp10: i64 = exponent.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp10 + 1)
}

fn fmt_e(digits: &[u8], exp: i64, prec: usize) -> String {
    let mut out = String::new();
    out.push(digits.first().map_or('0', |d| *d as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(digits.get(i).map_or('0', |d| *d as char));
        }
    }
    let e = exp - 1;
    out.push('e');
    out.push(if e < 0 { '-' } else { '+' });
    let abs = e.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

fn fmt_f(digits: &[u8], exp: i64, prec: usize) -> String {
    let digit = |i: i64| -> char {
        if i < 0 {
            '0'
        } else {
            digits.get(i as usize).map_or('0', |d| *d as char)
        }
    };
    let mut out = String::new();
    if exp > 0 {
        for i in 0..exp {
            out.push(digit(i));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec as i64 {
            out.push(digit(exp + i));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// regex / regexall

fn compile_regex(pattern: &str, arg: usize) -> Result<regex::Regex, FuncError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(16 * 1024 * 1024)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let summary = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&text)
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            FuncError::arg(arg, format!("invalid regexp pattern: {summary}"))
        })
}

enum RegexShape {
    Whole,
    Unnamed(usize),
    Named,
}

fn regex_shape(re: &regex::Regex) -> Result<RegexShape, FuncError> {
    let mut unnamed = 0;
    let mut named = 0;
    for name in re.capture_names().skip(1) {
        match name {
            Some(_) => named += 1,
            None => unnamed += 1,
        }
    }
    match (unnamed, named == 0) {
        (0, true) => Ok(RegexShape::Whole),
        (n, true) => Ok(RegexShape::Unnamed(n)),
        (0, false) => Ok(RegexShape::Named),
        _ => Err(FuncError::arg(
            0,
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        )),
    }
}

fn regex_result(re: &regex::Regex, shape: &RegexShape, caps: &regex::Captures) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::string(m.as_str()))
    };
    match shape {
        RegexShape::Whole => group(0),
        RegexShape::Unnamed(n) => Value::Tuple((1..=*n).map(group).collect()),
        RegexShape::Named => {
            let mut entries = BTreeMap::new();
            for (i, name) in re.capture_names().enumerate().skip(1) {
                if let Some(name) = name {
                    entries.insert(name.to_string(), group(i));
                }
            }
            Value::Object(entries)
        }
    }
}

fn regex_fn(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let re = compile_regex(str_at(&args, 0), 0)?;
    let shape = regex_shape(&re)?;
    let caps = re
        .captures(str_at(&args, 1))
        .ok_or_else(|| FuncError::new("pattern did not match any part of the given string"))?;
    Ok(regex_result(&re, &shape, &caps))
}

fn regexall(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let re = compile_regex(str_at(&args, 0), 0)?;
    let shape = regex_shape(&re)?;
    let items = re
        .captures_iter(str_at(&args, 1))
        .map(|caps| regex_result(&re, &shape, &caps))
        .collect();
    Ok(Value::List(items))
}
