//! Checks that formatting did not change what a document means.
//!
//! Both documents are reduced to a fingerprint of their syntax tree that records
//! structure and values but no whitespace or comments, and the fingerprints are
//! compared. (`hcl_edit`'s own `PartialEq` would almost do, but it also compares
//! the raw whitespace before some closing brackets.)

use hcl_edit::expr::{
    Array, BinaryOp, Conditional, ForCond, ForExpr, ForIntro, FuncArgs, FuncCall, Object,
    ObjectKey, ObjectValue, Parenthesis, Splat, Traversal, TraversalOperator, UnaryOp,
    UnaryOperator,
};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body};
use hcl_edit::template::{
    Directive, ElseTemplateExpr, ForDirective, ForTemplateExpr, HeredocTemplate, IfDirective,
    IfTemplateExpr, Interpolation, StringTemplate, Template,
};
use hcl_edit::visit::{self, Visit};
use hcl_edit::{Decorated, Formatted, Ident, Number, Spanned};
use std::fmt::Write;

/// Succeeds if `formatted` parses to the same document as `original`.
pub(super) fn check_same_meaning(original: &Body, formatted: &str) -> Result<(), String> {
    let reparsed = hcl_edit::parser::parse_body(formatted)
        .map_err(|err| format!("the output does not parse: {}", err.message()))?;
    if fingerprint(original) == fingerprint(&reparsed) {
        Ok(())
    } else {
        Err("the output parses to a different document".to_string())
    }
}

/// A whitespace- and comment-independent rendering of a document's syntax tree.
pub(super) fn fingerprint(body: &Body) -> String {
    let mut printer = Fingerprint::default();
    printer.visit_body(body);
    printer.out
}

#[derive(Default)]
struct Fingerprint {
    out: String,
}

impl Fingerprint {
    /// Records a node of type `tag` whose children are printed by `children`.
    fn node(&mut self, tag: &str, children: impl FnOnce(&mut Self)) {
        self.out.push('(');
        self.out.push_str(tag);
        children(self);
        self.out.push(')');
    }

    fn leaf(&mut self, value: impl std::fmt::Debug) {
        // Writing to a String cannot fail.
        let _ = write!(self.out, " {value:?}");
    }
}

impl Visit for Fingerprint {
    fn visit_ident(&mut self, node: &Decorated<Ident>) {
        self.leaf(node.as_str());
    }

    fn visit_null(&mut self, _: &Decorated<hcl_edit::expr::Null>) {
        self.out.push_str(" null");
    }

    fn visit_bool(&mut self, node: &Decorated<bool>) {
        self.leaf(**node);
    }

    fn visit_u64(&mut self, node: &Decorated<u64>) {
        self.leaf(**node);
    }

    fn visit_number(&mut self, node: &Formatted<Number>) {
        self.leaf(node.value().to_string());
    }

    fn visit_string(&mut self, node: &Decorated<String>) {
        self.leaf(node.as_str());
    }

    fn visit_splat(&mut self, _: &Decorated<Splat>) {
        self.out.push_str(" *");
    }

    fn visit_literal(&mut self, node: &Spanned<String>) {
        self.leaf(node.as_str());
    }

    fn visit_unary_operator(&mut self, node: &Spanned<UnaryOperator>) {
        self.leaf(node.as_str());
    }

    fn visit_binary_operator(&mut self, node: &Decorated<hcl_edit::expr::BinaryOperator>) {
        self.leaf(node.as_str());
    }

    fn visit_attr(&mut self, node: &Attribute) {
        self.node("attr", |v| visit::visit_attr(v, node));
    }

    fn visit_block(&mut self, node: &Block) {
        self.node("block", |v| visit::visit_block(v, node));
    }

    fn visit_block_label(&mut self, node: &BlockLabel) {
        let tag = if node.is_ident() {
            "label-id"
        } else {
            "label-str"
        };
        self.node(tag, |v| v.leaf(node.as_str()));
    }

    fn visit_array(&mut self, node: &Array) {
        self.node("array", |v| visit::visit_array(v, node));
    }

    fn visit_object(&mut self, node: &Object) {
        self.node("object", |v| visit::visit_object(v, node));
    }

    fn visit_object_key(&mut self, node: &ObjectKey) {
        self.node("key", |v| visit::visit_object_key(v, node));
    }

    fn visit_object_value(&mut self, node: &ObjectValue) {
        self.node("value", |v| visit::visit_object_value(v, node));
    }

    fn visit_parenthesis(&mut self, node: &Parenthesis) {
        self.node("paren", |v| visit::visit_parenthesis(v, node));
    }

    fn visit_conditional(&mut self, node: &Conditional) {
        self.node("cond", |v| visit::visit_conditional(v, node));
    }

    fn visit_unary_op(&mut self, node: &UnaryOp) {
        self.node("unary", |v| visit::visit_unary_op(v, node));
    }

    fn visit_binary_op(&mut self, node: &BinaryOp) {
        self.node("binary", |v| visit::visit_binary_op(v, node));
    }

    fn visit_traversal(&mut self, node: &Traversal) {
        self.node("traversal", |v| visit::visit_traversal(v, node));
    }

    fn visit_traversal_operator(&mut self, node: &TraversalOperator) {
        let tag = match node {
            TraversalOperator::AttrSplat(_) => "attr-splat",
            TraversalOperator::FullSplat(_) => "full-splat",
            TraversalOperator::GetAttr(_) => "get-attr",
            TraversalOperator::Index(_) => "index",
            TraversalOperator::LegacyIndex(_) => "legacy-index",
        };
        self.node(tag, |v| visit::visit_traversal_operator(v, node));
    }

    fn visit_func_call(&mut self, node: &FuncCall) {
        self.node("call", |v| visit::visit_func_call(v, node));
    }

    fn visit_func_args(&mut self, node: &FuncArgs) {
        let tag = if node.expand_final() {
            "args..."
        } else {
            "args"
        };
        self.node(tag, |v| visit::visit_func_args(v, node));
    }

    fn visit_for_expr(&mut self, node: &ForExpr) {
        let tag = match (node.key_expr.is_some(), node.grouping) {
            (false, _) => "for-tuple",
            (true, false) => "for-object",
            (true, true) => "for-object...",
        };
        self.node(tag, |v| visit::visit_for_expr(v, node));
    }

    fn visit_for_intro(&mut self, node: &ForIntro) {
        self.node("for-intro", |v| visit::visit_for_intro(v, node));
    }

    fn visit_for_cond(&mut self, node: &ForCond) {
        self.node("for-if", |v| visit::visit_for_cond(v, node));
    }

    fn visit_string_template(&mut self, node: &StringTemplate) {
        self.node("template", |v| visit::visit_string_template(v, node));
    }

    fn visit_heredoc_template(&mut self, node: &HeredocTemplate) {
        self.node("heredoc", |v| {
            v.leaf(node.delimiter.as_str());
            v.leaf(node.indent());
            visit::visit_heredoc_template(v, node);
        });
    }

    fn visit_template(&mut self, node: &Template) {
        self.node("elements", |v| visit::visit_template(v, node));
    }

    fn visit_interpolation(&mut self, node: &Interpolation) {
        self.node("interp", |v| {
            v.leaf(node.strip);
            visit::visit_interpolation(v, node);
        });
    }

    fn visit_directive(&mut self, node: &Directive) {
        self.node("directive", |v| visit::visit_directive(v, node));
    }

    fn visit_if_directive(&mut self, node: &IfDirective) {
        self.node("if", |v| visit::visit_if_directive(v, node));
    }

    fn visit_for_directive(&mut self, node: &ForDirective) {
        self.node("for", |v| visit::visit_for_directive(v, node));
    }

    fn visit_if_template_expr(&mut self, node: &IfTemplateExpr) {
        self.node("if-expr", |v| visit::visit_if_template_expr(v, node));
    }

    fn visit_else_template_expr(&mut self, node: &ElseTemplateExpr) {
        self.node("else-expr", |v| visit::visit_else_template_expr(v, node));
    }

    fn visit_for_template_expr(&mut self, node: &ForTemplateExpr) {
        self.node("for-expr", |v| visit::visit_for_template_expr(v, node));
    }
}
