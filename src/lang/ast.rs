//! The configuration's syntax tree in the compact form plat keeps: expressions, templates and
//! the block structure, converted from hcl-edit's tree right after parsing.
//!
//! hcl-edit's tree is made for editing: every node carries its whitespace and comments, and
//! objects are growable maps. Kept for evaluation, it costs about forty times the source text
//! (a 1.8 MiB stack file held 79 MB). This tree keeps what evaluation and diagnostics need (the
//! meaning and every node's byte range in its file) at a fraction of that; hcl-edit's tree of a
//! file, or of a chunk of a large file, is dropped as soon as it is converted. The types mirror
//! hcl-edit's names and accessors, so code reads the same over either. `fmt` still works on
//! hcl-edit's tree: it needs the whitespace and comments.

use std::ops::{Deref, Range};

use hcl_edit::Span as _;

pub use hcl_edit::expr::{BinaryOperator, UnaryOperator};
pub use hcl_edit::parser::Error as ParseError;
pub use hcl_edit::template::Strip;

/// A byte range in a file, in half the space of a `Range<usize>`; `NONE` when hcl-edit gave
/// none (nodes it makes up rather than parses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    start: u32,
    end: u32,
}

impl Loc {
    const NONE: Loc = Loc {
        start: u32::MAX,
        end: u32::MAX,
    };

    fn of(range: Option<Range<usize>>) -> Loc {
        match range {
            Some(r) => match (u32::try_from(r.start), u32::try_from(r.end)) {
                (Ok(start), Ok(end)) if start != u32::MAX => Loc { start, end },
                _ => Loc::NONE,
            },
            None => Loc::NONE,
        }
    }

    pub fn range(self) -> Option<Range<usize>> {
        (self != Loc::NONE).then_some(self.start as usize..self.end as usize)
    }
}

/// A value and where it is in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<T> {
    value: T,
    loc: Loc,
}

impl<T> Node<T> {
    fn new(value: T, range: Option<Range<usize>>) -> Node<T> {
        Node {
            value,
            loc: Loc::of(range),
        }
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    pub fn span(&self) -> Option<Range<usize>> {
        self.loc.range()
    }
}

impl<T> Deref for Node<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl Node<Box<str>> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// An identifier (a variable, attribute, function or block name).
pub type Ident = Node<Box<str>>;

fn ident(i: hcl_edit::Decorated<hcl_edit::Ident>) -> Ident {
    let span = i.span();
    Node::new(i.into_value().into_string().into_boxed_str(), span)
}

fn text(s: hcl_edit::Decorated<String>) -> Node<Box<str>> {
    let span = s.span();
    Node::new(s.into_value().into_boxed_str(), span)
}

/// A number literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(f64);

impl Number {
    pub fn as_f64(&self) -> Option<f64> {
        Some(self.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    Null(Node<()>),
    Bool(Node<bool>),
    Number(Node<Number>),
    String(Node<Box<str>>),
    Array(Box<Array>),
    Object(Box<Object>),
    StringTemplate(Box<StringTemplate>),
    HeredocTemplate(Box<HeredocTemplate>),
    Parenthesis(Box<Parenthesis>),
    Variable(Ident),
    Conditional(Box<Conditional>),
    FuncCall(Box<FuncCall>),
    Traversal(Box<Traversal>),
    UnaryOp(Box<UnaryOp>),
    BinaryOp(Box<BinaryOp>),
    ForExpr(Box<ForExpr>),
}

impl Expression {
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            Expression::Null(n) => n.span(),
            Expression::Bool(n) => n.span(),
            Expression::Number(n) => n.span(),
            Expression::String(n) | Expression::Variable(n) => n.span(),
            Expression::Array(e) => e.loc.range(),
            Expression::Object(e) => e.loc.range(),
            Expression::StringTemplate(e) => e.loc.range(),
            Expression::HeredocTemplate(e) => e.loc.range(),
            Expression::Parenthesis(e) => e.loc.range(),
            Expression::Conditional(e) => e.loc.range(),
            Expression::FuncCall(e) => e.loc.range(),
            Expression::Traversal(e) => e.loc.range(),
            Expression::UnaryOp(e) => e.loc.range(),
            Expression::BinaryOp(e) => e.loc.range(),
            Expression::ForExpr(e) => e.loc.range(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    items: Box<[Expression]>,
    loc: Loc,
}

impl Deref for Array {
    type Target = [Expression];
    fn deref(&self) -> &[Expression] {
        &self.items
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    items: Box<[(ObjectKey, ObjectValue)]>,
    loc: Loc,
}

impl Object {
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectKey, &ObjectValue)> {
        self.items.iter().map(|(k, v)| (k, v))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    Ident(Ident),
    Expression(Expression),
}

impl ObjectKey {
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            ObjectKey::Ident(i) => i.span(),
            ObjectKey::Expression(e) => e.span(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectValue(Expression);

impl ObjectValue {
    pub fn expr(&self) -> &Expression {
        &self.0
    }
}

/// A template's parts: literal text, interpolations and directives.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    elements: Box<[Element]>,
}

impl Template {
    pub fn iter(&self) -> std::slice::Iter<'_, Element> {
        self.elements.iter()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringTemplate {
    template: Template,
    loc: Loc,
}

impl Deref for StringTemplate {
    type Target = Template;
    fn deref(&self) -> &Template {
        &self.template
    }
}

/// A heredoc (`<<EOT`, `<<-EOT`): the parser has already removed the indentation of `<<-`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeredocTemplate {
    pub template: Template,
    loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Literal(Node<Box<str>>),
    Interpolation(Interpolation),
    Directive(Box<Directive>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interpolation {
    pub expr: Expression,
    pub strip: Strip,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    If(IfDirective),
    For(ForDirective),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IfDirective {
    pub if_expr: IfTemplateExpr,
    pub else_expr: Option<ElseTemplateExpr>,
    pub endif_expr: EndTemplateExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IfTemplateExpr {
    pub cond_expr: Expression,
    pub template: Template,
    pub strip: Strip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElseTemplateExpr {
    pub template: Template,
    pub strip: Strip,
}

/// `%{ endif }` or `%{ endfor }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EndTemplateExpr {
    pub strip: Strip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForDirective {
    pub for_expr: ForTemplateExpr,
    pub endfor_expr: EndTemplateExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForTemplateExpr {
    pub key_var: Option<Ident>,
    pub value_var: Ident,
    pub collection_expr: Expression,
    pub template: Template,
    pub strip: Strip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parenthesis {
    inner: Expression,
    loc: Loc,
}

impl Parenthesis {
    pub fn inner(&self) -> &Expression {
        &self.inner
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conditional {
    pub cond_expr: Expression,
    pub true_expr: Expression,
    pub false_expr: Expression,
    loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncName {
    pub namespace: Box<[Ident]>,
    pub name: Ident,
}

impl FuncName {
    /// `provider::aws::arn_parse(...)`-style names.
    pub fn is_namespaced(&self) -> bool {
        !self.namespace.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncArgs {
    items: Box<[Expression]>,
    expand_final: bool,
}

impl FuncArgs {
    /// The last argument is followed by `...` (expanded into arguments).
    pub fn expand_final(&self) -> bool {
        self.expand_final
    }
}

impl Deref for FuncArgs {
    type Target = [Expression];
    fn deref(&self) -> &[Expression] {
        &self.items
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall {
    pub name: FuncName,
    pub args: FuncArgs,
    loc: Loc,
}

impl FuncCall {
    pub fn span(&self) -> Option<Range<usize>> {
        self.loc.range()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub expr: Expression,
    pub operators: Box<[Node<TraversalOperator>]>,
    loc: Loc,
}

impl Traversal {
    pub fn span(&self) -> Option<Range<usize>> {
        self.loc.range()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraversalOperator {
    AttrSplat(Node<()>),
    FullSplat(Node<()>),
    GetAttr(Ident),
    Index(Expression),
    LegacyIndex(Node<u64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnaryOp {
    pub operator: Node<UnaryOperator>,
    pub expr: Expression,
    loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BinaryOp {
    pub lhs_expr: Expression,
    pub operator: Node<BinaryOperator>,
    pub rhs_expr: Expression,
    loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub intro: ForIntro,
    pub key_expr: Option<Expression>,
    pub value_expr: Expression,
    pub grouping: bool,
    pub cond: Option<ForCond>,
    loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForIntro {
    pub key_var: Option<Ident>,
    pub value_var: Ident,
    pub collection_expr: Expression,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForCond {
    pub expr: Expression,
}

/// A file's (or a block's) contents: attributes and blocks in source order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    structures: Vec<Structure>,
}

impl IntoIterator for Body {
    type Item = Structure;
    type IntoIter = std::vec::IntoIter<Structure>;
    fn into_iter(self) -> Self::IntoIter {
        self.structures.into_iter()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Structure {
    Attribute(Attribute),
    Block(Block),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Ident,
    pub value: Expression,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Ident,
    pub labels: Vec<BlockLabel>,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockLabel {
    Ident(Ident),
    String(Node<Box<str>>),
}

impl BlockLabel {
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            BlockLabel::Ident(n) | BlockLabel::String(n) => n.span(),
        }
    }
}

/// Collects converted nodes into an allocation of exactly their number. (`collect` would reuse
/// hcl-edit's larger buffer in place, keeping its size and spare capacity alive.)
fn exact<T>(items: impl Iterator<Item = T>) -> Box<[T]> {
    let mut out = Vec::with_capacity(items.size_hint().0);
    out.extend(items);
    out.into_boxed_slice()
}

/// Parses a stack file (or a chunk of one) into the compact tree.
pub fn parse_body(text: &str) -> Result<Body, ParseError> {
    hcl_edit::parser::parse_body(text).map(Body::from)
}

/// Parses one expression (a `--var` value, a console line).
pub fn parse_expr(text: &str) -> Result<Expression, ParseError> {
    hcl_edit::parser::parse_expr(text).map(Expression::from)
}

/// Parses a template file's text (`templatefile`).
pub fn parse_template(text: &str) -> Result<Template, ParseError> {
    hcl_edit::parser::parse_template(text).map(Template::from)
}

// Conversions from hcl-edit's tree, consuming it.

impl From<hcl_edit::structure::Body> for Body {
    fn from(body: hcl_edit::structure::Body) -> Body {
        Body {
            structures: exact(body.into_iter().map(Structure::from)).into_vec(),
        }
    }
}

impl From<hcl_edit::structure::Structure> for Structure {
    fn from(s: hcl_edit::structure::Structure) -> Structure {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => Structure::Attribute(Attribute {
                key: ident(a.key),
                value: a.value.into(),
            }),
            hcl_edit::structure::Structure::Block(b) => Structure::Block(Block {
                ident: ident(b.ident),
                labels: exact(b.labels.into_iter().map(|l| match l {
                    hcl_edit::structure::BlockLabel::Ident(i) => BlockLabel::Ident(ident(i)),
                    hcl_edit::structure::BlockLabel::String(s) => BlockLabel::String(text(s)),
                }))
                .into_vec(),
                body: b.body.into(),
            }),
        }
    }
}

impl From<hcl_edit::expr::Expression> for Expression {
    fn from(e: hcl_edit::expr::Expression) -> Expression {
        use hcl_edit::expr::Expression as E;
        let loc = Loc::of(e.span());
        match e {
            E::Null(n) => Expression::Null(Node::new((), n.span())),
            E::Bool(b) => {
                let span = b.span();
                Expression::Bool(Node::new(b.into_value(), span))
            }
            E::Number(n) => {
                let span = n.span();
                let value = n.value().as_f64().unwrap_or(f64::NAN);
                Expression::Number(Node::new(Number(value), span))
            }
            E::String(s) => Expression::String(text(s)),
            E::Array(a) => Expression::Array(Box::new(Array {
                items: exact(a.into_iter().map(Expression::from)),
                loc,
            })),
            E::Object(o) => Expression::Object(Box::new(Object {
                items: exact(o.into_iter().map(|(k, v)| {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => ObjectKey::Ident(ident(i)),
                        hcl_edit::expr::ObjectKey::Expression(e) => ObjectKey::Expression(e.into()),
                    };
                    (key, ObjectValue(v.into_expr().into()))
                })),
                loc,
            })),
            E::StringTemplate(t) => Expression::StringTemplate(Box::new(StringTemplate {
                template: Template {
                    elements: exact(t.into_iter().map(Element::from)),
                },
                loc,
            })),
            E::HeredocTemplate(h) => Expression::HeredocTemplate(Box::new(HeredocTemplate {
                template: h.template.into(),
                loc,
            })),
            E::Parenthesis(p) => Expression::Parenthesis(Box::new(Parenthesis {
                inner: p.into_inner().into(),
                loc,
            })),
            E::Variable(v) => Expression::Variable(ident(v)),
            E::Conditional(c) => {
                let c = *c;
                Expression::Conditional(Box::new(Conditional {
                    cond_expr: c.cond_expr.into(),
                    true_expr: c.true_expr.into(),
                    false_expr: c.false_expr.into(),
                    loc,
                }))
            }
            E::FuncCall(f) => {
                let f = *f;
                let expand_final = f.args.expand_final();
                Expression::FuncCall(Box::new(FuncCall {
                    name: FuncName {
                        namespace: exact(f.name.namespace.into_iter().map(ident)),
                        name: ident(f.name.name),
                    },
                    args: FuncArgs {
                        items: exact(f.args.into_iter().map(Expression::from)),
                        expand_final,
                    },
                    loc,
                }))
            }
            E::Traversal(t) => {
                let t = *t;
                let operators = exact(t.operators.into_iter().map(|op| {
                    use hcl_edit::expr::TraversalOperator as T;
                    let span = op.span();
                    let value = match op.into_value() {
                        T::AttrSplat(s) => TraversalOperator::AttrSplat(Node::new((), s.span())),
                        T::FullSplat(s) => TraversalOperator::FullSplat(Node::new((), s.span())),
                        T::GetAttr(i) => TraversalOperator::GetAttr(ident(i)),
                        T::Index(e) => TraversalOperator::Index(e.into()),
                        T::LegacyIndex(n) => {
                            let span = n.span();
                            TraversalOperator::LegacyIndex(Node::new(n.into_value(), span))
                        }
                    };
                    Node::new(value, span)
                }));
                Expression::Traversal(Box::new(Traversal {
                    expr: t.expr.into(),
                    operators,
                    loc,
                }))
            }
            E::UnaryOp(u) => {
                let u = *u;
                let span = u.operator.span();
                Expression::UnaryOp(Box::new(UnaryOp {
                    operator: Node::new(u.operator.into_value(), span),
                    expr: u.expr.into(),
                    loc,
                }))
            }
            E::BinaryOp(b) => {
                let b = *b;
                let span = b.operator.span();
                Expression::BinaryOp(Box::new(BinaryOp {
                    lhs_expr: b.lhs_expr.into(),
                    operator: Node::new(b.operator.into_value(), span),
                    rhs_expr: b.rhs_expr.into(),
                    loc,
                }))
            }
            E::ForExpr(f) => {
                let f = *f;
                Expression::ForExpr(Box::new(ForExpr {
                    intro: ForIntro {
                        key_var: f.intro.key_var.map(ident),
                        value_var: ident(f.intro.value_var),
                        collection_expr: f.intro.collection_expr.into(),
                    },
                    key_expr: f.key_expr.map(Expression::from),
                    value_expr: f.value_expr.into(),
                    grouping: f.grouping,
                    cond: f.cond.map(|c| ForCond {
                        expr: c.expr.into(),
                    }),
                    loc,
                }))
            }
        }
    }
}

impl From<hcl_edit::template::Template> for Template {
    fn from(t: hcl_edit::template::Template) -> Template {
        Template {
            elements: exact(t.into_iter().map(Element::from)),
        }
    }
}

impl From<hcl_edit::template::Element> for Element {
    fn from(e: hcl_edit::template::Element) -> Element {
        use hcl_edit::template::{Directive as D, Element as E};
        match e {
            E::Literal(s) => {
                let span = s.span();
                Element::Literal(Node::new(s.into_value().into_boxed_str(), span))
            }
            E::Interpolation(i) => Element::Interpolation(Interpolation {
                expr: i.expr.into(),
                strip: i.strip,
            }),
            E::Directive(d) => Element::Directive(Box::new(match *d {
                D::If(d) => Directive::If(IfDirective {
                    if_expr: IfTemplateExpr {
                        cond_expr: d.if_expr.cond_expr.into(),
                        template: d.if_expr.template.into(),
                        strip: d.if_expr.strip,
                    },
                    else_expr: d.else_expr.map(|e| ElseTemplateExpr {
                        template: e.template.into(),
                        strip: e.strip,
                    }),
                    endif_expr: EndTemplateExpr {
                        strip: d.endif_expr.strip,
                    },
                }),
                D::For(d) => Directive::For(ForDirective {
                    for_expr: ForTemplateExpr {
                        key_var: d.for_expr.key_var.map(ident),
                        value_var: ident(d.for_expr.value_var),
                        collection_expr: d.for_expr.collection_expr.into(),
                        template: d.for_expr.template.into(),
                        strip: d.for_expr.strip,
                    },
                    endfor_expr: EndTemplateExpr {
                        strip: d.endfor_expr.strip,
                    },
                }),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_survive_the_conversion() {
        let text = "x = { a = foo(var.b[0], \"s${c}\") }\n";
        let body = parse_body(text).unwrap();
        let Some(Structure::Attribute(attr)) = body.into_iter().next() else {
            panic!("an attribute");
        };
        assert_eq!(&text[attr.key.span().unwrap()], "x");
        let Expression::Object(obj) = &attr.value else {
            panic!("an object");
        };
        let (key, value) = obj.iter().next().unwrap();
        assert_eq!(&text[key.span().unwrap()], "a");
        assert_eq!(
            &text[value.expr().span().unwrap()],
            "foo(var.b[0], \"s${c}\")"
        );
        let Expression::FuncCall(call) = value.expr() else {
            panic!("a call");
        };
        assert_eq!(call.name.name.as_str(), "foo");
        assert_eq!(&text[call.args[0].span().unwrap()], "var.b[0]");
        assert_eq!(&text[call.args[1].span().unwrap()], "\"s${c}\"");
    }

    #[test]
    fn the_compact_tree_is_small() {
        assert!(std::mem::size_of::<Expression>() <= 32);
        assert!(std::mem::size_of::<Node<TraversalOperator>>() <= 48);
    }
}
