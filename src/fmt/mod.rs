//! Canonical formatting of HCL source files (the layout `terraform fmt` produces).
//!
//! The formatter works in three steps:
//!
//! 1. [`hcl_edit`] parses the file. The syntax tree tells us what every piece of
//!    text *is* (an attribute's `=`, an index bracket, a unary minus, ...), which a
//!    plain lexer would have to guess.
//! 2. [`tokens`] walks that tree in source order and cuts the source text into a
//!    lossless stream of tokens, newlines and comments. Strings, templates and
//!    heredocs are copied verbatim as single tokens, so their contents can never
//!    be altered.
//! 3. [`layout`] re-emits the stream line by line: it keeps every line break (only
//!    collapsing blank lines), and recomputes indentation, the spacing between
//!    tokens and the vertical alignment of `=` signs and trailing comments.
//!
//! Formatting only ever changes whitespace. As a safety net the result is parsed
//! again and its meaning compared with the input's ([`verify`]); a mismatch is
//! reported as an error instead of handing back a changed document.

mod layout;
mod tokens;
mod verify;

#[cfg(test)]
mod tests;

use std::fmt;

/// An error from [`format_source`]: the input is not valid HCL (or, should the
/// formatter ever fail its own consistency check, an internal error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// What went wrong.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column (in characters) of the problem.
    pub column: usize,
    /// 0-based byte offset of the problem.
    pub offset: usize,
}

impl FormatError {
    /// Builds an error located at byte `offset` of `source`.
    fn at_offset(source: &str, offset: usize, message: impl Into<String>) -> FormatError {
        let offset = offset.min(source.len());
        // Fall back to the whole source should `offset` not be a char boundary.
        let before = source.get(..offset).unwrap_or(source);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        FormatError {
            message: message.into(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            offset,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for FormatError {}

impl From<hcl_edit::parser::Error> for FormatError {
    fn from(err: hcl_edit::parser::Error) -> FormatError {
        let location = err.location();
        FormatError {
            message: err.message().to_string(),
            line: location.line(),
            column: location.column(),
            offset: location.offset(),
        }
    }
}

/// Formats one HCL source file into plat's canonical layout.
///
/// # Errors
///
/// Returns a [`FormatError`] pointing at the problem if `source` does not parse.
pub fn format_source(source: &str) -> Result<String, FormatError> {
    let body = hcl_edit::parser::parse_body(source)?;
    let pieces = tokens::tokenize(source, &body).map_err(|err| {
        FormatError::at_offset(
            source,
            err.offset,
            format!("internal formatter error: {}", err.message),
        )
    })?;
    let formatted = layout::render(&pieces);
    verify::check_same_meaning(&body, &formatted).map_err(|message| {
        FormatError::at_offset(
            source,
            0,
            format!("internal formatter error, file left unformatted: {message}"),
        )
    })?;
    Ok(formatted)
}
