//! String templates: `"${x}"`, `%{ if }`/`%{ for }` directives and `~` strip markers.

use crate::lang::ast::{Directive, Element, Strip};

use super::{codes, EvalResult, Evaluator};
use crate::lang::diagnostics::Diagnostic;
use crate::lang::types::Type;
use crate::lang::value::Value;

/// Accumulates a template's output, tracking unknown and sensitive parts.
///
/// Strip markers (`~`) follow Terraform, whose template scanner cuts literal text into tokens at
/// every newline: a marker trims whitespace only from the adjacent literal token, so `%{ for ~}`
/// eats the rest of its own line but not the indentation of the next one.
#[derive(Default)]
struct Output {
    text: String,
    unknown: bool,
    sensitive: bool,
    /// The next literal must lose its leading whitespace (a `~}` came before it).
    strip_next: bool,
    /// Where the literal text at the end of `text` starts (interpolated values are not literal).
    literal_start: usize,
}

impl Output {
    fn literal(&mut self, s: &str) {
        let s = if std::mem::take(&mut self.strip_next) {
            trim_first_token_start(s)
        } else {
            s
        };
        if self.literal_start > self.text.len() {
            self.literal_start = self.text.len();
        }
        self.text.push_str(s);
    }

    /// Text that did not come from a literal (an interpolated value).
    fn value(&mut self, s: &str) {
        self.strip_next = false;
        self.text.push_str(s);
        self.literal_start = self.text.len();
    }

    /// A `{~` marker trims the trailing whitespace of the literal token before it.
    fn strip_before(&mut self, strip: Strip) {
        self.strip_next = false;
        if !strip.strip_start() {
            return;
        }
        let literal = &self.text[self.literal_start.min(self.text.len())..];
        // The last token: the text after the last newline, or (when the text ends with a newline)
        // the whole last line including that newline.
        let body = literal.strip_suffix('\n').unwrap_or(literal);
        let token_start = if body.len() < literal.len() {
            body.rfind('\n').map(|i| i + 1).unwrap_or(0)
        } else {
            literal.rfind('\n').map(|i| i + 1).unwrap_or(0)
        };
        let token = &literal[token_start..];
        let kept = token.trim_end().len();
        let cut = self.literal_start + token_start + kept;
        self.text.truncate(cut);
    }

    fn strip_after(&mut self, strip: Strip) {
        self.strip_next = strip.strip_end();
    }
}

/// Trims leading whitespace of the first token of `s`: up to and including its first newline.
fn trim_first_token_start(s: &str) -> &str {
    for (i, c) in s.char_indices() {
        if c == '\n' {
            return &s[i + 1..];
        }
        if !c.is_whitespace() {
            return &s[i..];
        }
    }
    ""
}

impl Evaluator<'_> {
    /// Evaluates a template. A template that is exactly one interpolation (`"${x}"`) yields the
    /// interpolated value itself, not its string form, as in Terraform.
    pub(super) fn eval_template<'t>(
        &mut self,
        elements: impl Iterator<Item = &'t Element>,
    ) -> EvalResult {
        let elements: Vec<&Element> = elements.collect();
        if let [Element::Interpolation(only)] = elements.as_slice() {
            return self.eval_expr(&only.expr);
        }
        let mut out = Output::default();
        self.render_elements(elements.into_iter(), &mut out)?;
        if out.unknown {
            return Ok(Value::Unknown(Type::String).mark_if(out.sensitive));
        }
        Ok(Value::String(out.text).mark_if(out.sensitive))
    }

    fn render_elements<'t>(
        &mut self,
        elements: impl Iterator<Item = &'t Element>,
        out: &mut Output,
    ) -> Result<(), Box<Diagnostic>> {
        for element in elements {
            match element {
                Element::Literal(s) => out.literal(s.value()),
                Element::Interpolation(i) => {
                    out.strip_before(i.strip);
                    let v = self.eval_expr(&i.expr)?;
                    self.append_value(v, i.expr.span(), out)?;
                    out.strip_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        out.strip_before(d.if_expr.strip);
                        let cond = self.eval_expr(&d.if_expr.cond_expr)?;
                        let (cond, marked) = cond.unmark();
                        out.sensitive |= marked;
                        let branch = match cond {
                            Value::Bool(b) => Some(b),
                            Value::Unknown(_) => None,
                            other => {
                                return Err(self.error(
                                    codes::TYPE_MISMATCH,
                                    format!(
                                        "the condition of %{{ if }} must be a bool, not {}",
                                        other.kind_name()
                                    ),
                                    d.if_expr.cond_expr.span(),
                                ))
                            }
                        };
                        match branch {
                            None => out.unknown = true,
                            Some(true) => {
                                out.strip_after(d.if_expr.strip);
                                self.render_elements(d.if_expr.template.iter(), out)?;
                                match &d.else_expr {
                                    Some(e) => out.strip_before(e.strip),
                                    None => out.strip_before(d.endif_expr.strip),
                                }
                            }
                            Some(false) => {
                                if let Some(e) = &d.else_expr {
                                    out.strip_after(e.strip);
                                    self.render_elements(e.template.iter(), out)?;
                                }
                                out.strip_before(d.endif_expr.strip);
                            }
                        }
                        out.strip_after(d.endif_expr.strip);
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        out.strip_before(f.strip);
                        let collection = self.eval_expr(&f.collection_expr)?;
                        let (collection, marked) = collection.unmark();
                        out.sensitive |= marked;
                        let pairs: Vec<(Value, Value)> = match collection {
                            Value::Unknown(_) => {
                                out.unknown = true;
                                Vec::new()
                            }
                            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items
                                .into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v))
                                .collect(),
                            Value::Map(e) | Value::Object(e) => {
                                e.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                            }
                            other => {
                                return Err(self.error(
                                    codes::TYPE_MISMATCH,
                                    format!(
                                        "%{{ for }} needs a list or map, not {}",
                                        other.kind_name()
                                    ),
                                    f.collection_expr.span(),
                                ))
                            }
                        };
                        let key_var = f.key_var.as_ref().map(|k| k.as_str().to_string());
                        let value_var = f.value_var.as_str().to_string();
                        for (k, v) in pairs {
                            out.strip_after(f.strip);
                            if let Some(kv) = &key_var {
                                self.iterators.push((kv.clone(), k));
                            }
                            self.iterators.push((value_var.clone(), v));
                            let result = self.render_elements(f.template.iter(), out);
                            self.iterators.pop();
                            if key_var.is_some() {
                                self.iterators.pop();
                            }
                            result?;
                            out.strip_before(d.endfor_expr.strip);
                        }
                        out.strip_after(d.endfor_expr.strip);
                    }
                },
            }
        }
        Ok(())
    }

    fn append_value(
        &self,
        v: Value,
        range: Option<std::ops::Range<usize>>,
        out: &mut Output,
    ) -> Result<(), Box<Diagnostic>> {
        let (v, marked) = v.unmark();
        out.sensitive |= marked;
        match v {
            Value::Unknown(_) => {
                out.unknown = true;
                out.value("");
            }
            Value::Null => {
                return Err(Box::new(
                    Diagnostic::error(codes::NULL_VALUE, "a null value cannot be interpolated into a string")
                        .at(self.span(range))
                        .help("use coalesce(value, \"default\") or a conditional to supply a value"),
                ))
            }
            other => match other.to_template_string() {
                Some(s) => out.value(&s),
                None => {
                    return Err(Box::new(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            format!("a {} cannot be interpolated into a string", other.kind_name()),
                            )
                        .at(self.span(range))
                        .help("use join(), jsonencode() or a %{ for } directive to turn a collection into text"),
                    ))
                }
            },
        }
        Ok(())
    }
}
