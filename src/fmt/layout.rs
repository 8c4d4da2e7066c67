//! Re-emits a token stream in canonical layout.
//!
//! Line breaks are the author's: every line of the input stays a line of the
//! output, except that runs of blank lines collapse to one and blank lines at
//! the start and end of the file or right inside brackets disappear. Within a
//! line, everything else is recomputed:
//!
//! * indentation: two spaces per level, one level per line that leaves brackets
//!   open (several brackets opened on one line make a single level, as in
//!   `foo([{`);
//! * spacing between tokens ([`space_between`]);
//! * alignment: the `=` of consecutive single-line assignments (attributes or
//!   object items) line up, and so do trailing `#`/`//` comments on consecutive
//!   lines.
//!
//! Text inside tokens (strings, templates, heredocs) is copied unchanged.

use super::tokens::{Bracket, Kind, Piece, Token};

/// Spaces per indentation level.
const INDENT: usize = 2;

/// Renders the token stream of a whole file.
pub(super) fn render(pieces: &[Piece<'_>]) -> String {
    let lines = drop_redundant_blank_lines(split_lines(pieces));
    let indents = indent_levels(&lines);
    let mut rows: Vec<Row> = lines
        .iter()
        .zip(indents)
        .map(|(line, indent)| Row::new(line, indent))
        .collect();
    align_assignments(&mut rows);
    align_comments(&mut rows);

    let mut out = String::new();
    for row in &rows {
        out.push_str(&row.render());
        out.push('\n');
    }
    out
}

/// One source line: its tokens, empty for a blank line.
type Line<'a> = Vec<Token<'a>>;

fn split_lines<'a>(pieces: &[Piece<'a>]) -> Vec<Line<'a>> {
    let mut lines = vec![Vec::new()];
    for piece in pieces {
        match piece {
            Piece::Newline => lines.push(Vec::new()),
            Piece::Token(token) => {
                if let Some(line) = lines.last_mut() {
                    line.push(*token);
                }
            }
        }
    }
    lines
}

/// Collapses runs of blank lines into one, and removes blank lines at the start
/// and end of the file, right after a line that opens a bracket and right before
/// a line that starts by closing one.
fn drop_redundant_blank_lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    let mut kept: Vec<Line<'_>> = Vec::with_capacity(lines.len());
    for line in lines {
        if line.is_empty() {
            let keep = kept
                .last()
                .is_some_and(|prev| !prev.is_empty() && !ends_with_opener(prev));
            if keep {
                kept.push(line);
            }
        } else {
            if starts_with_closer(&line) && kept.last().is_some_and(Vec::is_empty) {
                kept.pop();
            }
            kept.push(line);
        }
    }
    while kept.last().is_some_and(Vec::is_empty) {
        kept.pop();
    }
    kept
}

fn ends_with_opener(line: &[Token<'_>]) -> bool {
    line.iter()
        .rev()
        .find(|token| !token.is_comment())
        .is_some_and(|token| token.bracket_change() > 0)
}

fn starts_with_closer(line: &[Token<'_>]) -> bool {
    line.first()
        .is_some_and(|token| matches!(token.kind, Kind::Close(_)))
}

/// Computes each line's indentation level from the brackets left open before it.
///
/// All brackets a line leaves open share one new level, one deeper than that
/// line, so `foo([{` indents its contents once. A line that starts by closing
/// brackets goes back to the level of the line that opened the outermost of
/// them: `}` lines up with its `resource ... {`, and `}, {` inside `[{ ... }]`
/// lines up with the `[{` line.
fn indent_levels(lines: &[Line<'_>]) -> Vec<usize> {
    // The indentation level of the line that opened each still-open bracket.
    let mut open: Vec<usize> = Vec::new();
    let mut indents = Vec::with_capacity(lines.len());
    for line in lines {
        let leading_closers = line
            .iter()
            .take_while(|token| token.bracket_change() < 0)
            .count();
        let mut indent = open.last().map_or(0, |opener| opener + 1);
        for _ in 0..leading_closers {
            if let Some(opener) = open.pop() {
                indent = opener;
            }
        }
        indents.push(indent);

        for token in &line[leading_closers..] {
            match token.bracket_change() {
                1 => open.push(indent),
                -1 => {
                    open.pop();
                }
                _ => {}
            }
        }
    }
    indents
}

/// Whether the canonical layout puts a space between two adjacent tokens.
fn space_between(left: &Token<'_>, right: &Token<'_>) -> bool {
    use Kind::*;
    match (left.kind, right.kind) {
        // A trailing comment never touches the code before it.
        (_, LineComment) => true,
        (_, Comma | Ellipsis) => false,
        // No space inside `[1, 2,]` or `f(a,)`; braces get theirs below.
        (Comma, Close(Bracket::Square | Bracket::Paren)) => false,
        (Comma, _) => true,
        (Dot, _) | (_, Dot) => false,
        (DoubleColon, _) | (_, DoubleColon) => false,
        (FuncName, Open(Bracket::Paren)) => false,
        // Index and splat brackets hug the expression they apply to: `a[0]`, `a[*]`.
        (_, IndexOpen) => false,
        // `-x`, `!x`
        (Unary, _) => right.is_comment(),
        (Open(Bracket::Brace), Close(Bracket::Brace)) => false,
        // Braces are padded on the inside: `{ a = 1 }`, `{ for ... }`.
        (Open(Bracket::Brace), _) | (_, Close(Bracket::Brace)) => true,
        (Open(_) | IndexOpen, _) | (_, Close(_)) => false,
        (_, ObjColon) => false,
        _ => true,
    }
}

/// Renders tokens on one line with canonical spacing.
fn join_tokens(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    for (index, token) in tokens.iter().enumerate() {
        if index > 0 && space_between(&tokens[index - 1], token) {
            out.push(' ');
        }
        push_token_text(&mut out, token);
    }
    out
}

/// Appends a token's text. Comments lose trailing whitespace (on every line, for
/// block comments); all other tokens, heredocs and strings above all, are copied
/// exactly.
fn push_token_text(out: &mut String, token: &Token<'_>) {
    match token.kind {
        Kind::LineComment => out.push_str(token.text.trim_end()),
        Kind::BlockComment => {
            for (index, line) in token.text.split('\n').enumerate() {
                if index > 0 {
                    out.push('\n');
                }
                out.push_str(line.trim_end());
            }
        }
        _ => out.push_str(token.text),
    }
}

/// Width in columns of single-line text.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// The right-hand side of an alignable assignment: `= value` or `: value`.
#[derive(Debug)]
struct Assignment {
    /// [`Kind::Assign`] or [`Kind::ObjColon`].
    sign: Kind,
    value: String,
}

/// A line split into the cells that alignment moves around:
/// `lead [=] value  # comment`.
#[derive(Debug)]
struct Row {
    indent: usize,
    /// The code before the assignment sign, or all of the code if there is none.
    lead: String,
    lead_is_multiline: bool,
    assignment: Option<Assignment>,
    /// Spaces between the lead and `=` (or between `:` and the value).
    assignment_pad: usize,
    code_is_multiline: bool,
    /// A trailing `#` or `//` comment after code on the same line.
    comment: Option<String>,
    /// Spaces between the code and the trailing comment.
    comment_pad: usize,
}

impl Row {
    fn new(line: &[Token<'_>], indent: usize) -> Row {
        let (code, comment) = match line.split_last() {
            Some((last, code)) if last.kind == Kind::LineComment && !code.is_empty() => {
                (code, Some(join_tokens(std::slice::from_ref(last))))
            }
            _ => (line, None),
        };
        let (lead, assignment) = match assignment_sign(code) {
            Some(index) => (
                &code[..index],
                Some(Assignment {
                    sign: code[index].kind,
                    value: join_tokens(&code[index + 1..]),
                }),
            ),
            None => (code, None),
        };
        Row {
            indent,
            lead: join_tokens(lead),
            lead_is_multiline: lead.iter().any(Token::is_multiline),
            assignment,
            assignment_pad: 1,
            code_is_multiline: code.iter().any(Token::is_multiline),
            comment,
            comment_pad: 1,
        }
    }

    fn is_blank(&self) -> bool {
        self.lead.is_empty() && self.comment.is_none()
    }

    /// Indentation plus code, without the trailing comment.
    fn code(&self) -> String {
        if self.is_blank() {
            return String::new();
        }
        let mut out = " ".repeat(self.indent * INDENT);
        out.push_str(&self.lead);
        if let Some(assignment) = &self.assignment {
            let pad = " ".repeat(self.assignment_pad);
            if assignment.sign == Kind::ObjColon {
                // `key:   value`: the colon hugs the key, the values line up.
                out.push(':');
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str("= ");
            }
            out.push_str(&assignment.value);
        }
        out
    }

    fn render(&self) -> String {
        let mut out = self.code();
        if let Some(comment) = &self.comment {
            out.push_str(&" ".repeat(self.comment_pad));
            out.push_str(comment);
        }
        out
    }
}

/// The index of the `=` or `:` of a line that is a complete single-line
/// assignment (`key = value` with balanced brackets on both sides), if any.
/// Only the line's first assignment sign is considered, as `terraform fmt` does.
fn assignment_sign(code: &[Token<'_>]) -> Option<usize> {
    let index = code
        .iter()
        .position(|token| matches!(token.kind, Kind::Assign | Kind::ObjColon))?;
    let balanced =
        |tokens: &[Token<'_>]| tokens.iter().map(Token::bracket_change).sum::<isize>() == 0;
    (index > 0 && balanced(&code[..index]) && balanced(&code[index..])).then_some(index)
}

/// Pads the keys of each run of consecutive single-line assignments so that
/// their `=` signs (or values, after `:`) line up.
///
/// A run is broken by any line that is not such an assignment (a blank line, a
/// block header, a comment line; the latter as in `terraform fmt`), by a change
/// of indentation and by a change between `=` and `:`.
fn align_assignments(rows: &mut [Row]) {
    let alignable = |row: &Row| row.assignment.is_some() && !row.lead_is_multiline;
    let same_run = |a: &Row, b: &Row| {
        a.indent == b.indent
            && a.assignment.as_ref().map(|x| x.sign) == b.assignment.as_ref().map(|x| x.sign)
    };
    for run in runs(rows, alignable, same_run) {
        let widest = run.iter().map(|row| width(&row.lead)).max().unwrap_or(0);
        for row in run {
            row.assignment_pad = widest - width(&row.lead) + 1;
        }
    }
}

/// Lines up the trailing comments of consecutive lines that have one.
fn align_comments(rows: &mut [Row]) {
    let alignable = |row: &Row| row.comment.is_some() && !row.code_is_multiline;
    for run in runs(rows, alignable, |_, _| true) {
        let widest = run.iter().map(|row| width(&row.code())).max().unwrap_or(0);
        for row in run {
            row.comment_pad = widest - width(&row.code()) + 1;
        }
    }
}

/// Splits `rows` into maximal runs of consecutive rows that are each
/// `alignable` and pairwise `same_run` with their predecessor.
fn runs(
    rows: &mut [Row],
    alignable: impl Fn(&Row) -> bool,
    same_run: impl Fn(&Row, &Row) -> bool,
) -> Vec<&mut [Row]> {
    let mut result = Vec::new();
    let mut rest = rows;
    loop {
        let Some(start) = rest.iter().position(&alignable) else {
            return result;
        };
        let mut end = start + 1;
        while end < rest.len() && alignable(&rest[end]) && same_run(&rest[end - 1], &rest[end]) {
            end += 1;
        }
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(end);
        result.push(&mut head[start..]);
        rest = tail;
    }
}
