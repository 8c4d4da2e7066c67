//! Numeric functions.

use super::util::{int_at, num_at};
use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::value::Value;

const fn plain(
    name: &'static str,
    params: &'static [super::Param],
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns: ParamType::Number,
        marks: Marks::Plain,
        body,
    }
}

const NUM: &[super::Param] = &[param("num", ParamType::Number)];

pub(super) const FUNCTIONS: &[Function] = &[
    plain("abs", NUM, abs),
    plain("ceil", NUM, ceil),
    plain("floor", NUM, floor),
    plain("signum", NUM, signum),
    plain(
        "log",
        &[
            param("num", ParamType::Number),
            param("base", ParamType::Number),
        ],
        log,
    ),
    plain(
        "pow",
        &[
            param("num", ParamType::Number),
            param("power", ParamType::Number),
        ],
        pow,
    ),
    Function {
        name: "max",
        params: &[],
        variadic: Some(param("numbers", ParamType::Number)),
        returns: ParamType::Number,
        marks: Marks::Plain,
        body: max,
    },
    Function {
        name: "min",
        params: &[],
        variadic: Some(param("numbers", ParamType::Number)),
        returns: ParamType::Number,
        marks: Marks::Plain,
        body: min,
    },
    plain(
        "parseint",
        &[
            param("number", ParamType::Any),
            param("base", ParamType::Number),
        ],
        parseint,
    ),
];

fn abs(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Number(num_at(&args, 0).abs()))
}

fn ceil(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Number(num_at(&args, 0).ceil()))
}

fn floor(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::Number(num_at(&args, 0).floor()))
}

fn signum(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let n = num_at(&args, 0);
    Ok(Value::Number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn log(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let result = num_at(&args, 0).ln() / num_at(&args, 1).ln();
    if result.is_nan() {
        return Err(FuncError::new("result is not a number"));
    }
    Ok(Value::Number(result))
}

fn pow(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let result = num_at(&args, 0).powf(num_at(&args, 1));
    if result.is_nan() {
        return Err(FuncError::new("result is not a number"));
    }
    Ok(Value::Number(result))
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> FuncResult {
    let mut numbers = args.iter().filter_map(|v| v.as_number());
    let first = numbers
        .next()
        .ok_or_else(|| FuncError::new("must pass at least one number"))?;
    Ok(Value::Number(numbers.fold(first, pick)))
}

fn max(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    extreme(&args, f64::max)
}

fn min(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    extreme(&args, f64::min)
}

fn parseint(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let text = match &args[0] {
        Value::String(s) => s.clone(),
        other => {
            return Err(FuncError::arg(
                0,
                format!("first argument must be a string, not {}", other.kind_name()),
            ))
        }
    };
    let base = int_at(&args, 1, "base")
        .ok()
        .filter(|b| (2..=62).contains(b));
    let Some(base) = base else {
        return Err(FuncError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    };
    let fail = || {
        FuncError::arg(
            0,
            format!("cannot parse \"{text}\" as a base {base} integer"),
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(fail());
    }
    let mut value = 0f64;
    for c in digits.chars() {
        let d = digit_value(c, base as u32).ok_or_else(fail)?;
        value = value * base as f64 + d as f64;
    }
    if !value.is_finite() {
        return Err(FuncError::arg(
            0,
            format!("the base {base} integer \"{text}\" is too large"),
        ));
    }
    Ok(Value::Number(if negative { -value } else { value }))
}

/// The value of a digit in `base`, as Go's `big.Int.SetString` reads it: for bases up to 36 letters
/// are case-insensitive; above 36, lower case letters are 10–35 and upper case 36–61.
fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}
