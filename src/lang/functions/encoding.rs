//! Encoding functions: base64, CSV, JSON, YAML and URL encoding.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::util::{json_encode, json_number, str_at};
use super::{nullable, param, FuncContext, FuncError, FuncResult, Function, Marks, ParamType};
use crate::lang::value::{json::from_json, Value};

const fn plain(
    name: &'static str,
    params: &'static [super::Param],
    returns: ParamType,
    body: super::FuncBody,
) -> Function {
    Function {
        name,
        params,
        variadic: None,
        returns,
        marks: Marks::Plain,
        body,
    }
}

const STR: &[super::Param] = &[param("str", ParamType::String)];

pub(super) const FUNCTIONS: &[Function] = &[
    plain("base64encode", STR, ParamType::String, base64encode),
    plain("base64decode", STR, ParamType::String, base64decode),
    plain("csvdecode", STR, ParamType::ListOfAny, csvdecode),
    plain("jsondecode", STR, ParamType::Any, jsondecode),
    plain(
        "jsonencode",
        &[nullable("val", ParamType::Any)],
        ParamType::String,
        jsonencode,
    ),
    plain(
        "yamldecode",
        &[param("src", ParamType::String)],
        ParamType::Any,
        yamldecode,
    ),
    plain(
        "yamlencode",
        &[nullable("value", ParamType::Any)],
        ParamType::String,
        yamlencode,
    ),
    plain("urlencode", STR, ParamType::String, urlencode),
];

fn base64encode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(str_at(&args, 0)),
    ))
}

fn base64decode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    // Go's decoder ignores line breaks.
    let input: String = str_at(&args, 0)
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(input.as_bytes())
        .map_err(|e| {
            let detail = match e {
                base64::DecodeError::InvalidByte(offset, _) => {
                    format!("invalid character at offset {offset}")
                }
                base64::DecodeError::InvalidLength(_) => "invalid length".to_string(),
                base64::DecodeError::InvalidLastSymbol(offset, _) => {
                    format!("invalid last symbol at offset {offset}")
                }
                base64::DecodeError::InvalidPadding => "invalid padding".to_string(),
            };
            FuncError::arg(0, format!("failed to decode base64 data: {detail}"))
        })?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        FuncError::arg(
            0,
            "the result of decoding the provided string is not valid UTF-8",
        )
    })
}

fn csvdecode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(str_at(&args, 0).as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(FuncError::arg(0, "missing header line")),
        Some(Err(e)) => return Err(FuncError::arg(0, csv_error(&e))),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header.iter().map(str::to_owned).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(FuncError::arg(
                0,
                format!("duplicate column name \"{name}\""),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| FuncError::arg(0, csv_error(&e)))?;
        if record.len() != names.len() {
            let line = record.position().map_or(0, |p| p.line());
            return Err(FuncError::arg(
                0,
                format!(
                    "CSV parse error on line {line}: wrong number of fields (expected {}, found {})",
                    names.len(),
                    record.len()
                ),
            ));
        }
        let row: BTreeMap<String, Value> = names
            .iter()
            .cloned()
            .zip(record.iter().map(Value::string))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::List(rows))
}

fn csv_error(e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("CSV parse error on line {}: {e}", p.line()),
        None => format!("CSV parse error: {e}"),
    }
}

fn jsondecode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let json: serde_json::Value = serde_json::from_str(str_at(&args, 0))
        .map_err(|e| FuncError::arg(0, format!("invalid JSON: {e}")))?;
    Ok(from_json(&json))
}

fn jsonencode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    json_encode(&args[0])
        .map(Value::String)
        .map_err(|e| FuncError::arg(0, e))
}

fn urlencode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut out = String::new();
    for b in str_at(&args, 0).bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

// ---------------------------------------------------------------------------------------------
// YAML

fn yamldecode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let src = str_at(&args, 0);
    let mut doc: serde_yaml::Value =
        serde_yaml::from_str(src).map_err(|e| FuncError::arg(0, format!("invalid YAML: {e}")))?;
    doc.apply_merge()
        .map_err(|e| FuncError::arg(0, format!("invalid YAML: {e}")))?;
    from_yaml(&doc).map_err(|e| FuncError::arg(0, e))
}

fn from_yaml(v: &serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Tuple(items.iter().map(from_yaml).collect::<Result<_, _>>()?),
        Y::Mapping(entries) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => json_number(n.as_f64().unwrap_or(f64::NAN)),
                    Y::Null => "null".to_string(),
                    _ => return Err("mapping keys must be strings, numbers, bools or null".into()),
                };
                out.insert(key, from_yaml(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => from_yaml(&tagged.value)?,
    })
}

fn yamlencode(_: &FuncContext, args: Vec<Value>) -> FuncResult {
    let mut e = YamlEmitter::new();
    e.node(&args[0], Context::ROOT)
        .map_err(|msg| FuncError::arg(0, msg))?;
    e.document_end();
    Ok(Value::String(e.out))
}

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Clone, Copy)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

impl Context {
    const ROOT: Context = Context {
        root: true,
        mapping: false,
        simple_key: false,
    };
    const SEQUENCE_ITEM: Context = Context {
        root: false,
        mapping: false,
        simple_key: false,
    };
    const KEY: Context = Context {
        root: false,
        mapping: true,
        simple_key: true,
    };
    const VALUE: Context = Context {
        root: false,
        mapping: true,
        simple_key: false,
    };
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    DoubleQuoted,
    Literal,
}

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: i64 = 80;

/// A port of the parts of libyaml's emitter (as go-yaml and Terraform's `yamlencode` use it) needed
/// for block-style documents: strings double-quoted, multi-line strings as literal blocks, numbers,
/// bools and null plain, empty collections in flow style.
struct YamlEmitter {
    out: String,
    column: i64,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    context: Context,
}

struct ScalarAnalysis {
    multiline: bool,
    block_plain_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn analyze(value: &str) -> ScalarAnalysis {
    if value.is_empty() {
        return ScalarAnalysis {
            multiline: false,
            block_plain_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let blank = |c: Option<&char>| matches!(c, Some(' ') | Some('\t'));
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = i + 1 >= chars.len() || blank(chars.get(i + 1));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    let mut block_plain_allowed = true;
    let mut block_allowed = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        block_plain_allowed = false;
    }
    if trailing_space {
        block_allowed = false;
    }
    if break_space {
        block_plain_allowed = false;
    }
    if space_break || special {
        block_plain_allowed = false;
        block_allowed = false;
    }
    if line_breaks || block_indicators {
        block_plain_allowed = false;
    }
    ScalarAnalysis {
        multiline: line_breaks,
        block_plain_allowed,
        block_allowed,
    }
}

impl YamlEmitter {
    fn new() -> YamlEmitter {
        YamlEmitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            open_ended: false,
            context: Context::ROOT,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn document_end(&mut self) {
        self.write_indent();
        if self.open_ended {
            self.write_indicator("...", true, false, false);
            self.write_indent();
        }
    }

    fn node(&mut self, v: &Value, context: Context) -> Result<(), String> {
        self.context = context;
        match v {
            Value::Null => self.scalar("null", Style::Plain),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain),
            Value::Number(n) => {
                let text = if n.is_infinite() {
                    (if *n > 0.0 { "+Inf" } else { "-Inf" }).to_string()
                } else {
                    json_number(*n)
                };
                self.scalar(&text, Style::Plain)
            }
            Value::String(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else {
                    Style::DoubleQuoted
                };
                self.scalar(s, style)
            }
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                if items.is_empty() {
                    self.empty_flow("[", "]");
                    return Ok(());
                }
                self.increase_indent(false, context.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::SEQUENCE_ITEM)?;
                }
                self.pop_indent();
            }
            Value::Map(entries) | Value::Object(entries) => {
                if entries.is_empty() {
                    self.empty_flow("{", "}");
                    return Ok(());
                }
                self.increase_indent(false, false);
                for (k, item) in entries {
                    self.write_indent();
                    let simple = !k.chars().any(is_break) && k.len() <= 128;
                    if simple {
                        self.node(&Value::String(k.clone()), Context::KEY)?;
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(&Value::String(k.clone()), Context::VALUE)?;
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(item, Context::VALUE)?;
                }
                self.pop_indent();
            }
            Value::Unknown(_) => return Err("cannot serialize unknown value as YAML".into()),
            Value::Sensitive(inner) => return self.node(inner, context),
        }
        Ok(())
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style) {
        let analysis = analyze(value);
        let ctx = self.context;
        let mut style = requested;
        if ctx.simple_key && analysis.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!analysis.block_plain_allowed || value.is_empty()) {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!analysis.block_allowed || ctx.simple_key) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            Style::Plain => self.write_plain(value, ctx.root),
            Style::DoubleQuoted => self.write_double_quoted(value, !ctx.simple_key),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, root: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in value.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let escape_all = value.starts_with('\u{FEFF}');
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if escape_all || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let u = c as u32;
                        let (marker, width) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(marker);
                        for k in (0..width).rev() {
                            let digit = (u >> (k * 4)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: indentation indicator and chomping.
        if value.starts_with(' ') || value.chars().next().is_some_and(is_break) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chars: Vec<char> = value.chars().collect();
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}
