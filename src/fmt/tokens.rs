//! Lossless tokenisation of a parsed HCL file.
//!
//! The syntax tree from `hcl_edit` is walked in source order while a cursor
//! moves through the source text. Every token the tree implies (an identifier,
//! an `=`, a bracket, ...) is matched against the text at the cursor, and
//! whatever lies between two tokens is split into newlines and comments. The
//! decor `hcl_edit` attaches to nodes is not consulted at all: reading the gaps
//! straight from the source means no whitespace or comment can be lost or moved.
//!
//! Spaces are dropped here; the layout step decides them afresh.

use hcl_edit::expr::{
    Array, Expression, ForExpr, ForIntro, FuncCall, Object, ObjectKey, ObjectValueAssignment,
    ObjectValueTerminator, Traversal, TraversalOperator,
};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl_edit::{Formatted, Number, Span};
use std::ops::Range;

/// The bracket pairs of HCL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bracket {
    /// `{ }`: blocks, objects and `for` object expressions.
    Brace,
    /// `[ ]`: tuples, `for` tuple expressions and index/splat operators.
    Square,
    /// `( )`: function calls and parenthesised expressions.
    Paren,
}

/// What a token is, as far as spacing, indentation and alignment care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Identifiers, keywords (`for`, `in`, `if`), numbers, `true`/`false`/`null`.
    Word,
    /// A function name or namespace component: it hugs the following `(` or `::`.
    FuncName,
    /// A quoted string or string template, copied verbatim.
    Str,
    /// A heredoc from `<<EOF` through its closing delimiter, copied verbatim.
    Heredoc,
    /// An opening bracket that starts a new construct.
    Open(Bracket),
    /// The `[` of an index or full splat operator: it hugs the preceding expression.
    IndexOpen,
    Close(Bracket),
    Comma,
    /// The `.` of an attribute access, attribute splat or legacy index.
    Dot,
    DoubleColon,
    /// `...` expanding a function's final argument or grouping `for` results.
    Ellipsis,
    /// The `*` of a splat operator.
    Splat,
    /// The `=` of an attribute or object item.
    Assign,
    /// The `:` of an object item.
    ObjColon,
    /// Binary operators, `?` and `:` of conditionals, `:` and `=>` of `for` expressions.
    Operator,
    /// `-` or `!` applied to the expression right after it.
    Unary,
    /// `# ...` or `// ...` (without the line break).
    LineComment,
    /// `/* ... */`, possibly spanning lines.
    BlockComment,
}

/// One token: its kind and its exact source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
}

impl Token<'_> {
    pub(super) fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }

    /// Whether the token's own text runs over more than one line (heredocs,
    /// multi-line comments, templates with line breaks inside interpolations).
    pub(super) fn is_multiline(&self) -> bool {
        self.text.contains('\n')
    }

    /// +1 for an opening bracket, -1 for a closing one, 0 otherwise.
    pub(super) fn bracket_change(&self) -> isize {
        match self.kind {
            Kind::Open(_) | Kind::IndexOpen => 1,
            Kind::Close(_) => -1,
            _ => 0,
        }
    }
}

/// The token stream: tokens interleaved with the line breaks of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece<'a> {
    Token(Token<'a>),
    Newline,
}

/// The source text did not contain a token the syntax tree implies. This would
/// be a bug in the walker (or in the parser's spans), never a user error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TokenizeError {
    pub(super) message: String,
    pub(super) offset: usize,
}

type Result<T = ()> = std::result::Result<T, TokenizeError>;

/// Cuts `source`, which parsed into `body`, into its token stream.
pub(super) fn tokenize<'a>(source: &'a str, body: &Body) -> Result<Vec<Piece<'a>>> {
    let mut walker = Walker {
        source,
        pos: 0,
        pieces: Vec::new(),
    };
    walker.body(body)?;
    walker.trivia();
    if walker.pos != source.len() {
        return Err(walker.error("end of file"));
    }
    Ok(walker.pieces)
}

/// Splits `text`, which must consist of whitespace and comments only, into pieces.
/// Returns the pieces and the length of the prefix of `text` they cover.
pub(super) fn split_trivia(text: &str) -> (Vec<Piece<'_>>, usize) {
    let mut pieces = Vec::new();
    let mut pos = 0;
    while let Some((len, piece)) = next_trivia(&text[pos..]) {
        pieces.extend(piece);
        pos += len;
    }
    (pieces, pos)
}

/// Recognises one whitespace character, line break or comment at the start of
/// `rest`: its byte length and the piece it yields (spaces yield none).
fn next_trivia(rest: &str) -> Option<(usize, Option<Piece<'_>>)> {
    let bytes = rest.as_bytes();
    match bytes.first()? {
        b' ' | b'\t' => Some((1, None)),
        b'\n' => Some((1, Some(Piece::Newline))),
        b'\r' if bytes.get(1) == Some(&b'\n') => Some((2, Some(Piece::Newline))),
        // A lone carriage return is plain whitespace to the parser.
        b'\r' => Some((1, None)),
        b'#' => Some(line_comment(rest)),
        b'/' if bytes.get(1) == Some(&b'/') => Some(line_comment(rest)),
        b'/' if bytes.get(1) == Some(&b'*') => {
            // An unterminated comment cannot occur in parsed input; stop there.
            let end = rest[2..].find("*/")? + 4;
            let token = Token {
                kind: Kind::BlockComment,
                text: &rest[..end],
            };
            Some((end, Some(Piece::Token(token))))
        }
        _ => None,
    }
}

/// A `#` or `//` comment up to (not including) its line break.
fn line_comment(rest: &str) -> (usize, Option<Piece<'_>>) {
    let mut end = rest.find('\n').unwrap_or(rest.len());
    // Leave the `\r` of a CRLF line ending to the newline.
    if rest[..end].ends_with('\r') {
        end -= 1;
    }
    let token = Token {
        kind: Kind::LineComment,
        text: &rest[..end],
    };
    (end, Some(Piece::Token(token)))
}

/// The cursor-driven walk over the syntax tree.
struct Walker<'a> {
    source: &'a str,
    pos: usize,
    pieces: Vec<Piece<'a>>,
}

impl<'a> Walker<'a> {
    fn error(&self, expected: &str) -> TokenizeError {
        let found: String = self.rest().chars().take(20).collect();
        TokenizeError {
            message: format!("expected {expected:?} at {found:?}"),
            offset: self.pos,
        }
    }

    fn rest(&self) -> &'a str {
        self.source.get(self.pos..).unwrap_or("")
    }

    /// Consumes whitespace and comments at the cursor, recording line breaks and comments.
    fn trivia(&mut self) {
        let (pieces, len) = split_trivia(self.rest());
        self.pieces.extend(pieces);
        self.pos += len;
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let text = &self.rest()[..len];
        self.pieces.push(Piece::Token(Token { kind, text }));
        self.pos += len;
    }

    /// Consumes the exact `text` (after any trivia) as one token of `kind`.
    fn expect(&mut self, text: &str, kind: Kind) -> Result {
        self.trivia();
        if !self.rest().starts_with(text) {
            return Err(self.error(text));
        }
        self.push(kind, text.len());
        Ok(())
    }

    /// Consumes the node that the parser found at `span` as one verbatim token.
    fn expect_span(&mut self, span: Option<Range<usize>>, kind: Kind) -> Result {
        self.trivia();
        match span {
            Some(span) if span.start == self.pos && self.source.get(span.clone()).is_some() => {
                self.push(kind, span.len());
                Ok(())
            }
            _ => Err(self.error("a string, template or heredoc")),
        }
    }

    /// Consumes a run of decimal digits (a legacy `.0` index may carry leading zeros).
    fn expect_digits(&mut self) -> Result {
        self.trivia();
        let len = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return Err(self.error("digits"));
        }
        self.push(Kind::Word, len);
        Ok(())
    }

    fn body(&mut self, body: &Body) -> Result {
        for structure in body {
            match structure {
                Structure::Attribute(attr) => self.attribute(attr)?,
                Structure::Block(block) => self.block(block)?,
            }
        }
        Ok(())
    }

    fn attribute(&mut self, attr: &Attribute) -> Result {
        self.expect(attr.key.as_str(), Kind::Word)?;
        self.expect("=", Kind::Assign)?;
        self.expr(&attr.value)
    }

    fn block(&mut self, block: &Block) -> Result {
        self.expect(block.ident.as_str(), Kind::Word)?;
        for label in &block.labels {
            match label {
                BlockLabel::Ident(ident) => self.expect(ident.as_str(), Kind::Word)?,
                BlockLabel::String(string) => self.expect_span(string.span(), Kind::Str)?,
            }
        }
        self.expect("{", Kind::Open(Bracket::Brace))?;
        self.body(&block.body)?;
        self.expect("}", Kind::Close(Bracket::Brace))
    }

    fn expr(&mut self, expr: &Expression) -> Result {
        match expr {
            Expression::Null(_) => self.expect("null", Kind::Word),
            Expression::Bool(value) => {
                self.expect(if **value { "true" } else { "false" }, Kind::Word)
            }
            Expression::Number(number) => self.number(number),
            Expression::String(string) => self.expect_span(string.span(), Kind::Str),
            Expression::StringTemplate(template) => self.expect_span(template.span(), Kind::Str),
            Expression::HeredocTemplate(heredoc) => self.expect_span(heredoc.span(), Kind::Heredoc),
            Expression::Array(array) => self.array(array),
            Expression::Object(object) => self.object(object),
            Expression::Parenthesis(paren) => {
                self.expect("(", Kind::Open(Bracket::Paren))?;
                self.expr(paren.inner())?;
                self.expect(")", Kind::Close(Bracket::Paren))
            }
            Expression::Variable(var) => self.expect(var.as_str(), Kind::Word),
            Expression::Conditional(cond) => {
                self.expr(&cond.cond_expr)?;
                self.expect("?", Kind::Operator)?;
                self.expr(&cond.true_expr)?;
                self.expect(":", Kind::Operator)?;
                self.expr(&cond.false_expr)
            }
            Expression::FuncCall(call) => self.func_call(call),
            Expression::Traversal(traversal) => self.traversal(traversal),
            Expression::UnaryOp(op) => {
                self.expect(op.operator.as_str(), Kind::Unary)?;
                self.expr(&op.expr)
            }
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr)?;
                self.expect(op.operator.as_str(), Kind::Operator)?;
                self.expr(&op.rhs_expr)
            }
            Expression::ForExpr(for_expr) => self.for_expr(for_expr),
        }
    }

    /// A number literal. The parser folds a leading minus into negative literals
    /// (`- 1` included), so that minus becomes a unary token of its own.
    fn number(&mut self, number: &Formatted<Number>) -> Result {
        let repr = number
            .as_repr()
            .map_or_else(|| number.value().to_string(), |repr| repr.to_string());
        match repr.strip_prefix('-') {
            Some(unsigned) => {
                self.expect("-", Kind::Unary)?;
                let (_, trivia_len) = split_trivia(unsigned);
                self.expect(&unsigned[trivia_len..], Kind::Word)
            }
            None => self.expect(&repr, Kind::Word),
        }
    }

    fn array(&mut self, array: &Array) -> Result {
        self.expect("[", Kind::Open(Bracket::Square))?;
        for (index, value) in array.iter().enumerate() {
            if index > 0 {
                self.expect(",", Kind::Comma)?;
            }
            self.expr(value)?;
        }
        if !array.is_empty() && array.trailing_comma() {
            self.expect(",", Kind::Comma)?;
        }
        self.expect("]", Kind::Close(Bracket::Square))
    }

    fn object(&mut self, object: &Object) -> Result {
        self.expect("{", Kind::Open(Bracket::Brace))?;
        for (key, value) in object {
            match key {
                ObjectKey::Ident(ident) => self.expect(ident.as_str(), Kind::Word)?,
                ObjectKey::Expression(expr) => self.expr(expr)?,
            }
            match value.assignment() {
                ObjectValueAssignment::Equals => self.expect("=", Kind::Assign)?,
                ObjectValueAssignment::Colon => self.expect(":", Kind::ObjColon)?,
            }
            self.expr(value.expr())?;
            // A newline terminator is trivia and gets picked up before the next token.
            if value.terminator() == ObjectValueTerminator::Comma {
                self.expect(",", Kind::Comma)?;
            }
        }
        self.expect("}", Kind::Close(Bracket::Brace))
    }

    fn func_call(&mut self, call: &FuncCall) -> Result {
        for component in &call.name.namespace {
            self.expect(component.as_str(), Kind::FuncName)?;
            self.expect("::", Kind::DoubleColon)?;
        }
        self.expect(call.name.name.as_str(), Kind::FuncName)?;
        self.expect("(", Kind::Open(Bracket::Paren))?;
        for (index, arg) in call.args.iter().enumerate() {
            if index > 0 {
                self.expect(",", Kind::Comma)?;
            }
            self.expr(arg)?;
        }
        if !call.args.is_empty() {
            if call.args.expand_final() {
                self.expect("...", Kind::Ellipsis)?;
            } else if call.args.trailing_comma() {
                self.expect(",", Kind::Comma)?;
            }
        }
        self.expect(")", Kind::Close(Bracket::Paren))
    }

    fn traversal(&mut self, traversal: &Traversal) -> Result {
        self.expr(&traversal.expr)?;
        for operator in &traversal.operators {
            match &**operator {
                TraversalOperator::GetAttr(ident) => {
                    self.expect(".", Kind::Dot)?;
                    self.expect(ident.as_str(), Kind::Word)?;
                }
                TraversalOperator::AttrSplat(_) => {
                    self.expect(".", Kind::Dot)?;
                    self.expect("*", Kind::Splat)?;
                }
                TraversalOperator::LegacyIndex(_) => {
                    self.expect(".", Kind::Dot)?;
                    self.expect_digits()?;
                }
                TraversalOperator::FullSplat(_) => {
                    self.expect("[", Kind::IndexOpen)?;
                    self.expect("*", Kind::Splat)?;
                    self.expect("]", Kind::Close(Bracket::Square))?;
                }
                TraversalOperator::Index(index) => {
                    self.expect("[", Kind::IndexOpen)?;
                    self.expr(index)?;
                    self.expect("]", Kind::Close(Bracket::Square))?;
                }
            }
        }
        Ok(())
    }

    /// `[for ...]` and `{for ...}` expressions.
    fn for_expr(&mut self, for_expr: &ForExpr) -> Result {
        let is_object = for_expr.key_expr.is_some();
        let bracket = if is_object {
            ("{", "}", Bracket::Brace)
        } else {
            ("[", "]", Bracket::Square)
        };
        self.expect(bracket.0, Kind::Open(bracket.2))?;
        self.for_intro(&for_expr.intro)?;
        if let Some(key_expr) = &for_expr.key_expr {
            self.expr(key_expr)?;
            self.expect("=>", Kind::Operator)?;
        }
        self.expr(&for_expr.value_expr)?;
        if for_expr.grouping {
            self.expect("...", Kind::Ellipsis)?;
        }
        if let Some(cond) = &for_expr.cond {
            self.expect("if", Kind::Word)?;
            self.expr(&cond.expr)?;
        }
        self.expect(bracket.1, Kind::Close(bracket.2))
    }

    /// `for key, value in collection :`
    fn for_intro(&mut self, intro: &ForIntro) -> Result {
        self.expect("for", Kind::Word)?;
        if let Some(key_var) = &intro.key_var {
            self.expect(key_var.as_str(), Kind::Word)?;
            self.expect(",", Kind::Comma)?;
        }
        self.expect(intro.value_var.as_str(), Kind::Word)?;
        self.expect("in", Kind::Word)?;
        self.expr(&intro.collection_expr)?;
        self.expect(":", Kind::Operator)
    }
}
