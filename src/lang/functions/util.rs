//! Helpers shared by the function bodies.

use super::FuncError;
use crate::lang::types::{convert, Type};
use crate::lang::value::Value;

/// The string argument at `i` (the dispatcher has already converted it).
pub(super) fn str_at(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(|v| v.peel().as_str()).unwrap_or("")
}

/// The number argument at `i` (the dispatcher has already converted it).
pub(super) fn num_at(args: &[Value], i: usize) -> f64 {
    args.get(i)
        .and_then(|v| v.peel().as_number())
        .unwrap_or(f64::NAN)
}

/// The number argument at `i` as a whole number.
pub(super) fn int_at(args: &[Value], i: usize, what: &str) -> Result<i64, FuncError> {
    whole(num_at(args, i))
        .ok_or_else(|| FuncError::arg(i, format!("{what} must be a whole number")))
}

/// `n` as an `i64` when it is a whole number in range.
pub(super) fn whole(n: f64) -> Option<i64> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.2e18 {
        Some(n as i64)
    } else {
        None
    }
}

/// `n` as an `i128` when it is a whole number in range.
pub(super) fn whole128(n: f64) -> Option<i128> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1.7e38 {
        Some(n as i128)
    } else {
        None
    }
}

/// Whether a value is a string, number or bool (looking through a sensitive mark).
pub(super) fn is_primitive(v: &Value) -> bool {
    matches!(
        v.peel(),
        Value::String(_) | Value::Number(_) | Value::Bool(_)
    )
}

/// Whether the known, non-null values are all primitives of more than one type.
pub(super) fn mixed_primitives<'a>(items: impl IntoIterator<Item = &'a Value>) -> bool {
    let mut seen: Option<std::mem::Discriminant<Value>> = None;
    let mut mixed = false;
    for v in items {
        let p = v.peel();
        if matches!(p, Value::Null | Value::Unknown(_)) {
            continue;
        }
        if !is_primitive(p) {
            return false;
        }
        let d = std::mem::discriminant(p);
        match seen {
            None => seen = Some(d),
            Some(prev) if prev != d => mixed = true,
            _ => {}
        }
    }
    mixed
}

/// When the known, non-null values mix primitive types, converts them all to strings, as
/// Terraform's type unification does. Other values are left as they are.
pub(super) fn unify_primitives(items: Vec<Value>) -> Vec<Value> {
    if !mixed_primitives(&items) {
        return items;
    }
    items
        .into_iter()
        .map(|v| convert(v.clone(), &Type::String).unwrap_or(v))
        .collect()
}

/// Splits a string into user-perceived characters (an approximation of Unicode extended grapheme
/// clusters, which Terraform uses for `length`, `substr`, `strrev` and `format` widths).
pub(super) fn graphemes(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut regional_run = 0usize;
    let mut after_zwj_pictographic = false;
    let mut cluster_has_pictographic = false;
    for (i, c) in s.char_indices() {
        if let Some(p) = prev {
            let join = if p == '\r' && c == '\n' {
                true
            } else if is_control(p) || is_control(c) {
                false
            } else if is_extend(c)
                || is_spacing_mark(c)
                || (p == '\u{200D}' && is_pictographic(c) && after_zwj_pictographic)
            {
                true
            } else if is_regional(p) && is_regional(c) {
                regional_run % 2 == 1
            } else {
                is_hangul_join(p, c)
            };
            if !join {
                out.push(&s[start..i]);
                start = i;
                regional_run = 0;
                cluster_has_pictographic = false;
            }
        }
        if is_regional(c) {
            regional_run += 1;
        }
        if is_pictographic(c) {
            cluster_has_pictographic = true;
        }
        after_zwj_pictographic = c == '\u{200D}' && cluster_has_pictographic;
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The number of user-perceived characters in `s`.
pub(super) fn grapheme_count(s: &str) -> usize {
    graphemes(s).len()
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\u{200D}' && c != '\u{200C}'
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_pictographic(c: char) -> bool {
    let u = c as u32;
    matches!(u,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x2194..=0x21AA | 0x2300..=0x23FF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
        | 0x1F000..=0x1F1E5 | 0x1F200..=0x1FAFF)
}

fn is_extend(c: char) -> bool {
    let u = c as u32;
    matches!(u,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
        | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
        | 0x0900..=0x0902 | 0x093A | 0x093C | 0x0941..=0x0948 | 0x094D | 0x0951..=0x0957
        | 0x0962..=0x0963 | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200D | 0x20D0..=0x20FF
        | 0x302A..=0x302F | 0x3099..=0x309A | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F
        | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
}

fn is_spacing_mark(c: char) -> bool {
    let u = c as u32;
    matches!(u, 0x0903 | 0x093B | 0x093E..=0x0940 | 0x0949..=0x094C | 0x094E..=0x094F | 0x0E33)
}

fn is_hangul_join(p: char, c: char) -> bool {
    let (p, c) = (p as u32, c as u32);
    let l = |u: u32| (0x1100..=0x115F).contains(&u) || (0xA960..=0xA97C).contains(&u);
    let v = |u: u32| (0x1160..=0x11A7).contains(&u) || (0xD7B0..=0xD7C6).contains(&u);
    let t = |u: u32| (0x11A8..=0x11FF).contains(&u) || (0xD7CB..=0xD7FB).contains(&u);
    let syllable = |u: u32| (0xAC00..=0xD7A3).contains(&u);
    let lv = |u: u32| syllable(u) && (u - 0xAC00).is_multiple_of(28);
    (l(p) && (l(c) || v(c) || syllable(c)))
        || ((lv(p) || v(p)) && (v(c) || t(c)))
        || ((syllable(p) && !lv(p) || t(p)) && t(c))
}

/// Encodes a fully known, unmarked value as compact JSON the way Terraform's `jsonencode` does:
/// object keys sorted, `<`, `>` and `&` escaped, numbers without exponents.
pub(super) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    json_into(v, &mut out)?;
    Ok(out)
}

fn json_into(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err("cannot encode an infinite number as JSON".into());
            }
            out.push_str(&json_number(*n));
        }
        Value::String(s) => json_string_into(s, out),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(item, out)?;
            }
            out.push(']');
        }
        Value::Map(entries) | Value::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string_into(k, out);
                out.push(':');
                json_into(item, out)?;
            }
            out.push('}');
        }
        Value::Unknown(_) => return Err("value is not yet known".into()),
        Value::Sensitive(inner) => json_into(inner, out)?,
    }
    Ok(())
}

/// A number in JSON: the shortest decimal that round-trips, never in exponent notation.
pub(super) fn json_number(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    format!("{n}")
}

/// A JSON string literal, escaped as Go's `encoding/json` does.
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    json_string_into(s, &mut out);
    out
}

fn json_string_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => {
                let b = c as usize;
                out.push_str("\\u00");
                out.push(HEX[b >> 4] as char);
                out.push(HEX[b & 0xF] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grapheme_clusters() {
        assert_eq!(graphemes("abc"), vec!["a", "b", "c"]);
        assert_eq!(graphemes("e\u{301}x"), vec!["e\u{301}", "x"]);
        assert_eq!(graphemes("\r\nx"), vec!["\r\n", "x"]);
        assert_eq!(graphemes("💃🏿a"), vec!["💃🏿", "a"]);
        assert_eq!(graphemes("🇩🇪🇫🇷"), vec!["🇩🇪", "🇫🇷"]);
        assert_eq!(graphemes("👨\u{200D}👩\u{200D}👧!").len(), 2);
        assert_eq!(graphemes("한국어"), vec!["한", "국", "어"]);
        assert_eq!(graphemes(""), Vec::<&str>::new());
    }

    #[test]
    fn json_strings_are_html_escaped() {
        assert_eq!(
            json_string("<a&b>\u{1}"),
            "\"\\u003ca\\u0026b\\u003e\\u0001\""
        );
        assert_eq!(json_number(1.0), "1");
        assert_eq!(json_number(1e21), "1000000000000000000000");
        assert_eq!(json_number(0.000001), "0.000001");
    }
}
