//! Unary and binary operators, with unknown and sensitive propagation.

use crate::lang::ast::{BinaryOperator, UnaryOperator};

use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

pub fn unary(op: UnaryOperator, operand: Value) -> Result<Value, String> {
    let (operand, marked) = operand.unmark();
    let result = match op {
        UnaryOperator::Neg => match as_number(operand, "-")? {
            None => Value::Unknown(Type::Number),
            Some(n) => Value::Number(-n),
        },
        UnaryOperator::Not => match as_bool(operand, "!")? {
            None => Value::Unknown(Type::Bool),
            Some(b) => Value::Bool(!b),
        },
    };
    Ok(result.mark_if(marked))
}

pub fn binary(op: BinaryOperator, lhs: Value, rhs: Value) -> Result<Value, String> {
    use BinaryOperator::*;
    if matches!(op, Eq | NotEq) {
        let eq = lhs.equals(&rhs);
        if op == Eq {
            return Ok(eq);
        }
        let (eq, marked) = eq.unmark();
        return Ok(match eq {
            Value::Bool(b) => Value::Bool(!b),
            other => other,
        }
        .mark_if(marked));
    }
    let (lhs, lmarked) = lhs.unmark();
    let (rhs, rmarked) = rhs.unmark();
    let marked = lmarked || rmarked;
    let symbol = op.as_str();
    let result = match op {
        And | Or => {
            let (l, r) = (as_bool(lhs, symbol)?, as_bool(rhs, symbol)?);
            match (op, l, r) {
                // A known operand can decide the result alone.
                (And, Some(false), _) | (And, _, Some(false)) => Value::Bool(false),
                (Or, Some(true), _) | (Or, _, Some(true)) => Value::Bool(true),
                (_, Some(l), Some(r)) => Value::Bool(if op == And { l && r } else { l || r }),
                _ => Value::Unknown(Type::Bool),
            }
        }
        Less | Greater | LessEq | GreaterEq => {
            match (as_number(lhs, symbol)?, as_number(rhs, symbol)?) {
                (Some(l), Some(r)) => Value::Bool(match op {
                    Less => l < r,
                    Greater => l > r,
                    LessEq => l <= r,
                    _ => l >= r,
                }),
                _ => Value::Unknown(Type::Bool),
            }
        }
        Plus | Minus | Mul | Div | Mod => {
            match (as_number(lhs, symbol)?, as_number(rhs, symbol)?) {
                (Some(l), Some(r)) => Value::Number(arithmetic(op, l, r)?),
                _ => Value::Unknown(Type::Number),
            }
        }
        Eq | NotEq => unreachable_equality(),
    };
    Ok(result.mark_if(marked))
}

/// Equality is handled before marks are removed; this arm only keeps the match exhaustive.
fn unreachable_equality() -> Value {
    Value::Unknown(Type::Bool)
}

fn arithmetic(op: BinaryOperator, l: f64, r: f64) -> Result<f64, String> {
    use BinaryOperator::*;
    match op {
        Plus => Ok(l + r),
        Minus => Ok(l - r),
        Mul => Ok(l * r),
        Div if r == 0.0 => Err("division by zero".into()),
        Div => Ok(l / r),
        Mod if r == 0.0 => Err("modulo by zero".into()),
        // Terraform's % keeps the sign of the dividend, like Rust's %.
        Mod => Ok(l % r),
        _ => Err(format!("{} is not an arithmetic operator", op.as_str())),
    }
}

fn as_number(v: Value, op: &str) -> Result<Option<f64>, String> {
    match v {
        Value::Unknown(_) => Ok(None),
        Value::Null => Err(format!("the operands of {op} must not be null")),
        other => {
            let kind = other.kind_name();
            match convert(other, &Type::Number) {
                Ok(Value::Number(n)) => Ok(Some(n)),
                _ => Err(format!(
                    "the operands of {op} must be numbers, but one is {kind}"
                )),
            }
        }
    }
}

fn as_bool(v: Value, op: &str) -> Result<Option<bool>, String> {
    match v {
        Value::Unknown(_) => Ok(None),
        Value::Null => Err(format!("the operands of {op} must not be null")),
        other => {
            let kind = other.kind_name();
            match convert(other, &Type::Bool) {
                Ok(Value::Bool(b)) => Ok(Some(b)),
                _ => Err(format!(
                    "the operands of {op} must be bools, but one is {kind}"
                )),
            }
        }
    }
}
