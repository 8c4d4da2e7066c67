//! Diagnostics: every problem found in a stack carries a severity, a stable code, a span and a hint.
//!
//! Codes are stable identifiers (`plat::lang::undefined_reference`) that users and tests can match
//! on. Rendering is done here and only here: rustc-style text with the source line underlined, or
//! JSON for machines.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

use crate::lang::source::{SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary location that explains the primary one ("declared here", "cycle continues here").
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Where the problem is; `None` only for problems that have no place in a file.
    pub span: Option<Span>,
    /// What the underline says, if anything beyond the message.
    pub label: String,
    pub notes: Vec<Note>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: String::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of a run, in the order found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Fingerprints of the items, so that a repeated diagnostic is found without a scan.
    seen: std::collections::HashSet<u64>,
}

/// A hash of everything that makes two diagnostics the same.
fn fingerprint(d: &Diagnostic) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    d.severity.hash(&mut hasher);
    d.code.hash(&mut hasher);
    d.message.hash(&mut hasher);
    d.span.hash(&mut hasher);
    d.label.hash(&mut hasher);
    d.help.hash(&mut hasher);
    for note in &d.notes {
        note.span.hash(&mut hasher);
        note.message.hash(&mut hasher);
    }
    hasher.finish()
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        // One mistake can be reached along several paths (a module instantiated twice, say);
        // report it once.
        // A fingerprint collision is checked against the items themselves.
        if self.seen.insert(fingerprint(&d)) || !self.items.contains(&d) {
            self.items.push(d);
        }
    }

    /// Adds an evaluation error unless an error already reported covers its span: one mistake
    /// found by the static checks (`module.m.missing`) is not reported again by the evaluator.
    pub fn push_follow_on(&mut self, d: Diagnostic) {
        let covered = d.span.as_ref().is_some_and(|span| {
            self.items.iter().any(|e| {
                e.is_error()
                    && e.span.as_ref().is_some_and(|s| {
                        s.file == span.file
                            && s.range.start <= span.range.start
                            && span.range.end <= s.range.end
                            && s.range != span.range
                    })
            })
        });
        if !covered {
            self.push(d);
        }
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Orders diagnostics by file and position so that output is stable.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| d.span.as_ref().map(|s| (s.file, s.range.start));
            key(a).cmp(&key(b)).then(a.severity.cmp(&b.severity))
        });
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Renders diagnostics as text: `error[code]: message`, the location, the source line underlined,
/// and the help line. `color` adds ANSI colours.
pub fn render_text(sources: &SourceMap, diagnostics: &Diagnostics, color: bool) -> String {
    let mut buffer = if color {
        term::termcolor::Buffer::ansi()
    } else {
        term::termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for d in diagnostics.iter() {
        let cs_diag = to_codespan(d);
        if term::emit(&mut buffer, &config, sources, &cs_diag).is_err() {
            // A span outside its file would be a bug; still show the message.
            buffer_write_plain(&mut buffer, d);
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn buffer_write_plain(buffer: &mut term::termcolor::Buffer, d: &Diagnostic) {
    use std::io::Write;
    let _ = writeln!(
        buffer,
        "{}[{}]: {}",
        severity_word(d.severity),
        d.code,
        d.message
    );
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<crate::lang::source::FileId> {
    let base = match d.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    let mut labels = Vec::new();
    if let Some(span) = &d.span {
        labels.push(cs::Label::primary(span.file, span.range.clone()).with_message(&d.label));
    }
    for note in &d.notes {
        labels.push(
            cs::Label::secondary(note.span.file, note.span.range.clone())
                .with_message(&note.message),
        );
    }
    let mut notes = Vec::new();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    base.with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// Renders diagnostics as a JSON document: `{"valid": bool, "error_count", "warning_count", "diagnostics": [...]}`.
pub fn render_json(sources: &SourceMap, diagnostics: &Diagnostics) -> serde_json::Value {
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: &d.message,
            location: d.span.as_ref().map(|span| {
                let file = sources.get(span.file);
                let (line, column) = file.line_col(span.range.start);
                let (end_line, end_column) = file.line_col(span.range.end);
                JsonLocation {
                    file: &file.name,
                    line,
                    column,
                    end_line,
                    end_column,
                }
            }),
            help: d.help.as_deref(),
        })
        .collect();
    serde_json::json!({
        "valid": !diagnostics.has_errors(),
        "error_count": diagnostics.error_count(),
        "warning_count": diagnostics.warning_count(),
        "diagnostics": items,
    })
}

/// "did you mean" suggestion: the closest candidate by edit distance, if close enough, else a
/// candidate that the wanted name contains or is contained in (`to_upper` → `upper`).
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let close = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(wanted, c), *c))
        .filter(|(d, c)| *d <= (wanted.len().max(c.len()) / 3).max(1) && *d > 0)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    close.or_else(|| {
        candidates
            .iter()
            .filter(|c| c.len() >= 3 && wanted.len() >= 3 && **c != wanted)
            .filter(|c| wanted.contains(**c) || c.contains(wanted))
            .min_by_key(|c| c.len().abs_diff(wanted.len()))
            .copied()
    })
}
