//! Date and time functions. Timestamps are RFC 3339 strings; `timestamp` is unknown at plan time.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};

use super::util::str_at;
use super::{param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub(super) const FUNCTIONS: &[Function] = &[
    Function {
        name: "timestamp",
        params: &[],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: timestamp,
    },
    Function {
        name: "formatdate",
        params: &[
            param("format", ParamType::String),
            param("time", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: formatdate,
    },
    Function {
        name: "timeadd",
        params: &[
            param("timestamp", ParamType::String),
            param("duration", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::String,
        marks: Marks::Plain,
        body: timeadd,
    },
    Function {
        name: "timecmp",
        params: &[
            param("timestamp_a", ParamType::String),
            param("timestamp_b", ParamType::String),
        ],
        variadic: None,
        returns: ParamType::Number,
        marks: Marks::Plain,
        body: timecmp,
    },
];

fn timestamp(ctx: &FuncContext, _: Vec<Value>) -> FuncResult {
    if ctx.plan_time {
        return Ok(Value::Unknown(Type::String));
    }
    Ok(Value::String(
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    ))
}

/// Formats a time as Go's `time.RFC3339` layout does (no fractional seconds, `Z` for UTC).
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    let offset = t.offset().local_minus_utc();
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an RFC 3339 timestamp strictly, as Terraform does.
pub(super) fn parse_timestamp(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let fail = |detail: String| format!("not a valid RFC3339 timestamp: {detail}");
    let b = s.as_bytes();
    let fields: [(usize, usize, &str, u32, u32); 6] = [
        (0, 4, "year", 0, 9999),
        (5, 7, "month", 1, 12),
        (8, 10, "day of month", 1, 31),
        (11, 13, "hour", 0, 23),
        (14, 16, "minute", 0, 59),
        (17, 19, "second", 0, 59),
    ];
    let separators: [(usize, u8); 5] = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    let mut values = [0u32; 6];
    for (i, (start, end, what, min, max)) in fields.iter().enumerate() {
        if i > 0 {
            let (at, want) = separators[i - 1];
            match b.get(at) {
                None => {
                    return Err(fail(format!(
                        "end of string where \"{}\" is expected",
                        want as char
                    )))
                }
                Some(&c) if c != want => {
                    if want == b'T' {
                        return Err(fail("missing required time introducer 'T'".into()));
                    }
                    return Err(fail(format!(
                        "found \"{}\" where \"{}\" is expected",
                        rest_from(s, at),
                        want as char
                    )));
                }
                _ => {}
            }
        }
        let Some(digits) = b.get(*start..*end) else {
            return Err(fail(format!("end of string before {what}")));
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(fail(format!(
                "cannot use \"{}\" as {what}",
                rest_from(s, *start)
            )));
        }
        let n = digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32);
        if n < *min || n > *max {
            let what = what.trim_end_matches(" of month");
            return Err(fail(format!("{what} out of range")));
        }
        values[i] = n;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(fail(format!("cannot use \"{rest}\" as UTC offset")));
        }
        for (i, d) in frac.bytes().take(digits).enumerate() {
            if i < 9 {
                nanos += (d - b'0') as u32 * 10u32.pow(8 - i as u32);
            }
        }
        rest = &frac[digits..];
    } else if rest.starts_with(',') {
        return Err(fail("sub-second separator must be a period".into()));
    }
    let offset = if rest == "Z" {
        0
    } else {
        let z = rest.as_bytes();
        let ok = z.len() == 6
            && (z[0] == b'+' || z[0] == b'-')
            && z[3] == b':'
            && [1, 2, 4, 5].iter().all(|&i| z[i].is_ascii_digit());
        if !ok {
            if rest.is_empty() {
                return Err(fail("end of string before UTC offset".into()));
            }
            return Err(fail(format!("cannot use \"{rest}\" as UTC offset")));
        }
        let num = |i: usize| ((z[i] - b'0') * 10 + (z[i + 1] - b'0')) as i32;
        let (h, m) = (num(1), num(4));
        if h >= 24 {
            return Err(fail("timezone hour out of range".into()));
        }
        if m >= 60 {
            return Err(fail("timezone minute out of range".into()));
        }
        let secs = (h * 60 + m) * 60;
        if z[0] == b'-' {
            -secs
        } else {
            secs
        }
    };
    let [year, month, day, hour, minute, second] = values;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| fail("day out of range".into()))?;
    let naive = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(|| fail("time out of range".into()))?;
    let zone =
        FixedOffset::east_opt(offset).ok_or_else(|| fail("UTC offset out of range".into()))?;
    zone.from_local_datetime(&naive)
        .single()
        .ok_or_else(|| fail("time out of range".into()))
}

fn rest_from(s: &str, at: usize) -> &str {
    s.get(at..).unwrap_or("")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn formatdate(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let spec = str_at(&args, 0);
    let t = parse_timestamp(str_at(&args, 1)).map_err(|e| FuncError::arg(1, e))?;
    let bad = |tok: &str, hint: &str| {
        let detail = if hint.is_empty() {
            String::new()
        } else {
            format!(": {hint}")
        };
        FuncError::arg(0, format!("invalid date format verb \"{tok}\"{detail}"))
    };
    let mut out = String::new();
    let b = spec.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            // A quoted literal; '' inside it (or on its own) is a literal quote.
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut end = None;
            while j < b.len() {
                if b[j] == b'\'' {
                    if j + 1 < b.len() && b[j + 1] == b'\'' {
                        j += 2;
                        continue;
                    }
                    end = Some(j);
                    break;
                }
                j += 1;
            }
            let tok_end = end.map_or(b.len(), |e| e + 1);
            let tok = &spec[i..tok_end];
            if tok.len() < 2 || !tok.ends_with('\'') {
                return Err(FuncError::arg(0, "unterminated literal '"));
            }
            let raw = &tok.as_bytes()[1..tok.len() - 1];
            let mut literal = Vec::with_capacity(raw.len());
            let mut k = 0;
            while k < raw.len() {
                literal.push(raw[k]);
                if raw[k] == b'\'' {
                    k += 1;
                }
                k += 1;
            }
            out.push_str(&String::from_utf8_lossy(&literal));
            i = tok_end;
        } else if c.is_ascii_alphabetic() {
            let len = b[i..].iter().take_while(|&&x| x == c).count();
            let tok = &spec[i..i + len];
            let two = |n: u32| format!("{n:02}");
            let text = match (c, len) {
                (b'Y', 2) => format!("{:02}", t.year().rem_euclid(100)),
                (b'Y', 4) => format!("{:04}", t.year()),
                (b'Y', _) => return Err(bad(tok, "year must either be \"YY\" or \"YYYY\"")),
                (b'M', 1) => t.month().to_string(),
                (b'M', 2) => two(t.month()),
                (b'M', 3) => MONTHS[t.month0() as usize][..3].to_string(),
                (b'M', 4) => MONTHS[t.month0() as usize].to_string(),
                (b'M', _) => {
                    return Err(bad(
                        tok,
                        "month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"",
                    ))
                }
                (b'D', 1) => t.day().to_string(),
                (b'D', 2) => two(t.day()),
                (b'D', _) => return Err(bad(tok, "day of month must either be \"D\" or \"DD\"")),
                (b'E', 3) => WEEKDAYS[t.weekday().num_days_from_monday() as usize][..3].to_string(),
                (b'E', 4) => WEEKDAYS[t.weekday().num_days_from_monday() as usize].to_string(),
                (b'E', _) => {
                    return Err(bad(tok, "day of week must either be \"EEE\" or \"EEEE\""))
                }
                (b'h', 1) => t.hour().to_string(),
                (b'h', 2) => two(t.hour()),
                (b'h', _) => return Err(bad(tok, "24-hour must either be \"h\" or \"hh\"")),
                (b'H', n) if n <= 2 => {
                    let h = match t.hour() % 12 {
                        0 => 12,
                        h => h,
                    };
                    if n == 1 {
                        h.to_string()
                    } else {
                        two(h)
                    }
                }
                (b'H', _) => return Err(bad(tok, "12-hour must either be \"H\" or \"HH\"")),
                (b'A' | b'a', 2) => {
                    let pm = t.hour() >= 12;
                    match (c == b'A', pm) {
                        (true, false) => "AM",
                        (true, true) => "PM",
                        (false, false) => "am",
                        (false, true) => "pm",
                    }
                    .to_string()
                }
                (b'A' | b'a', _) => {
                    let l = c as char;
                    return Err(bad(tok, &format!("must be \"{l}{l}\"")));
                }
                (b'm', 1) => t.minute().to_string(),
                (b'm', 2) => two(t.minute()),
                (b'm', _) => return Err(bad(tok, "minute must either be \"m\" or \"mm\"")),
                (b's', 1) => t.second().to_string(),
                (b's', 2) => two(t.second()),
                (b's', _) => return Err(bad(tok, "second must either be \"s\" or \"ss\"")),
                (b'Z', 1) => zone(&t, true, true),
                (b'Z', 3) => {
                    let z = zone(&t, false, false);
                    if z == "+0000" {
                        "UTC".to_string()
                    } else {
                        z
                    }
                }
                (b'Z', 4) => zone(&t, false, false),
                (b'Z', 5) => zone(&t, false, true),
                (b'Z', _) => return Err(bad(tok, "timezone must be Z, ZZZZ, or ZZZZZ")),
                _ => return Err(bad(tok, "")),
            };
            out.push_str(&text);
            i += len;
        } else {
            let len = b[i..]
                .iter()
                .take_while(|&&x| x != b'\'' && !x.is_ascii_alphabetic())
                .count();
            out.push_str(&spec[i..i + len]);
            i += len;
        }
    }
    Ok(Value::String(out))
}

/// The UTC offset as `-0700` (or `-07:00` with `colon`); `utc_z` writes `Z` for UTC.
fn zone(t: &DateTime<FixedOffset>, utc_z: bool, colon: bool) -> String {
    let offset = t.offset().local_minus_utc();
    if offset == 0 && utc_z {
        return "Z".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let (h, m) = (abs / 3600, abs % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// Parses a Go duration string ("1h30m", "-10m", "1.5h", "300ms") into nanoseconds.
pub(super) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{orig}\"");
    let mut s = orig;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u128 = 1 << 63;
    let mut total: u128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut whole: u128 = 0;
        for d in &b[..int_len] {
            whole = whole * 10 + (d - b'0') as u128;
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        s = &s[int_len..];
        let mut fraction = 0f64;
        let mut scale = 1f64;
        let mut frac_len = 0;
        if let Some(rest) = s.strip_prefix('.') {
            frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for d in rest.bytes().take(frac_len) {
                if overflow || fraction * 10.0 + ((d - b'0') as f64) > 9.2e18 {
                    overflow = true;
                    continue;
                }
                fraction = fraction * 10.0 + (d - b'0') as f64;
                scale *= 10.0;
            }
            s = &rest[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration \"{orig}\""));
        }
        let unit_name = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u128 = match unit_name {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit \"{unit_name}\" in duration \"{orig}\""
                ))
            }
        };
        let mut v = whole
            .checked_mul(unit)
            .filter(|v| *v <= LIMIT)
            .ok_or_else(invalid)?;
        if fraction > 0.0 {
            v += (fraction * (unit as f64 / scale)) as u128;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        Ok((total as i128).wrapping_neg() as i64)
    } else if total > LIMIT - 1 {
        Err(invalid())
    } else {
        Ok(total as i64)
    }
}

fn timeadd(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let t = parse_timestamp(str_at(&args, 0)).map_err(|e| FuncError::arg(0, e))?;
    let nanos = parse_duration(str_at(&args, 1)).map_err(|e| FuncError::arg(1, e))?;
    let result = t
        .checked_add_signed(chrono::TimeDelta::nanoseconds(nanos))
        .ok_or_else(|| FuncError::new("the resulting time is out of range"))?;
    Ok(Value::String(rfc3339(&result)))
}

fn timecmp(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let a = parse_timestamp(str_at(&args, 0)).map_err(|e| FuncError::arg(0, e))?;
    let b = parse_timestamp(str_at(&args, 1)).map_err(|e| FuncError::arg(1, e))?;
    Ok(Value::Number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}
