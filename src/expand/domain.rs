//! Domain checks on configured values, for mistakes that users hit in real configurations and that
//! the cloud would only reject at apply time: malformed CIDR blocks, malformed ARNs, and malformed
//! IAM actions, resources and principals inside policy documents (e.g. built with jsonencode).
//!
//! Checks look at attribute names (`*cidr*`, `*_arn`, `*policy*`) and at any string that parses as
//! a JSON policy document. Sensitive and unknown values are never inspected.

use std::sync::OnceLock;

use regex::Regex;

use crate::lang::config::Resource;
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::source::Span;
use crate::lang::value::Value;

pub mod codes {
    pub const INVALID_CIDR: &str = "plat::domain::invalid_cidr";
    pub const INVALID_ARN: &str = "plat::domain::invalid_arn";
    pub const INVALID_IAM_ACTION: &str = "plat::domain::invalid_iam_action";
    pub const INVALID_POLICY: &str = "plat::domain::invalid_policy_document";
}

/// Checks one resource instance's configured values.
/// `address` is called only when there is something to report.
pub fn check(
    address: &dyn Fn() -> String,
    config: &Value,
    resource: &Resource,
    diagnostics: &mut Diagnostics,
) {
    let Value::Object(attrs) = config else { return };
    if !attrs.values().any(might_need_checking) {
        return;
    }
    for (name, value) in attrs {
        let span = resource
            .body
            .attribute(name)
            .map(|a| a.expr.span())
            .or_else(|| {
                resource
                    .body
                    .blocks
                    .iter()
                    .find(|b| &b.kind == name)
                    .map(|b| b.span.clone())
            })
            .unwrap_or_else(|| resource.span.clone());
        let mut checker = Checker {
            address,
            resource,
            span,
            diagnostics,
            path: vec![name],
        };
        checker.walk(name, value);
    }
}

struct Checker<'a> {
    address: &'a dyn Fn() -> String,
    resource: &'a Resource,
    span: Span,
    diagnostics: &'a mut Diagnostics,
    /// Attribute names from the resource down to the value being checked.
    path: Vec<&'a str>,
}

impl<'a> Checker<'a> {
    /// `key` is the innermost attribute name.
    fn walk(&mut self, key: &'a str, value: &'a Value) {
        match value {
            Value::Sensitive(_) | Value::Unknown(_) | Value::Null => {}
            Value::String(s) => {
                let path = self.path.join(".");
                self.check_string(key, &path, s)
            }
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                for item in items {
                    self.walk(key, item);
                }
            }
            Value::Map(entries) | Value::Object(entries) => {
                // Tags and labels are free-form: their keys are not attribute names.
                if key == "tags" || key == "labels" || key == "tags_all" {
                    return;
                }
                for (k, v) in entries {
                    self.path.push(k);
                    self.walk(k, v);
                    self.path.pop();
                }
            }
            Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn check_string(&mut self, key: &str, path: &str, s: &str) {
        let lower = key.to_ascii_lowercase();
        if lower.contains("cidr") {
            if let Err(problem) = check_cidr(s) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_CIDR,
                        format!(
                            "{}: \"{s}\" in {path} is not a valid CIDR block: {problem}",
                            (self.address)()
                        ),
                    )
                    .help("write an address and a prefix length, such as 10.0.0.0/16 or ::/0"),
                    Some(s),
                );
            }
        } else if lower == "arn" || lower.ends_with("_arn") || lower.ends_with("_arns") {
            if let Err(problem) = check_arn(s) {
                self.push(
                    Diagnostic::error(codes::INVALID_ARN, format!("{}: \"{s}\" in {path} is not a valid ARN: {problem}", (self.address)()))
                        .help("an ARN has six parts: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. arn:aws:iam::123456789012:role/name"), Some(s));
            }
        }
        let trimmed = s.trim_start();
        if trimmed.starts_with('{') && trimmed.contains("Statement") {
            if let Ok(doc) = serde_json::from_str::<serde_json::Value>(s) {
                self.check_policy(path, &doc);
            }
        }
    }

    /// Reports at the literal that holds `needle` when the configuration writes it literally
    /// (the usual case for a typo), else at the attribute.
    fn push(&mut self, d: Diagnostic, needle: Option<&str>) {
        let span = needle
            .and_then(|n| find_literal(self.resource, n))
            .unwrap_or_else(|| self.span.clone());
        self.diagnostics.push(d.at(span));
    }

    fn check_policy(&mut self, path: &str, doc: &serde_json::Value) {
        let statements =
            match doc.get("Statement") {
                Some(serde_json::Value::Array(items)) => items.iter().collect::<Vec<_>>(),
                Some(single @ serde_json::Value::Object(_)) => vec![single],
                _ => {
                    self.push(
                    Diagnostic::error(
                        codes::INVALID_POLICY,
                        format!(
                            "{}: the policy document in {path} has no Statement list",
                            (self.address)()
                        ),
                    )
                    .help(
                        "a policy document is {\"Version\": \"2012-10-17\", \"Statement\": [...]}",
                    ), None);
                    return;
                }
            };
        for (i, statement) in statements.iter().enumerate() {
            for key in ["Action", "NotAction"] {
                for action in strings(statement.get(key)) {
                    if let Err(problem) = check_action(action) {
                        self.push(
                            Diagnostic::error(
                                codes::INVALID_IAM_ACTION,
                                format!("{}: {key} \"{action}\" in statement {i} of {path} is malformed: {problem}", (self.address)()),
                            )
                            .help("an IAM action is SERVICE:ACTION, such as ec2:DeleteSnapshot or s3:Get*"), Some(action));
                    }
                }
            }
            for key in ["Resource", "NotResource"] {
                for resource in strings(statement.get(key)) {
                    if resource == "*" {
                        continue;
                    }
                    if let Err(problem) = check_arn(resource) {
                        self.push(
                            Diagnostic::error(
                                codes::INVALID_ARN,
                                format!("{}: {key} \"{resource}\" in statement {i} of {path} is not a valid ARN: {problem}", (self.address)()),
                            )
                            .help("an ARN has six parts: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; use \"*\" for all resources"), Some(resource));
                    }
                }
            }
            if let Some(serde_json::Value::Object(principals)) = statement.get("Principal") {
                for (kind, value) in principals {
                    for principal in strings(Some(value)) {
                        let ok = match kind.as_str() {
                            "AWS" => {
                                principal == "*"
                                    || is_account_id(principal)
                                    || check_arn(principal).is_ok()
                            }
                            "Federated" => check_arn(principal).is_ok() || principal.contains('.'),
                            "Service" => principal.contains('.'),
                            _ => true,
                        };
                        if !ok {
                            self.push(
                                Diagnostic::error(
                                    codes::INVALID_ARN,
                                    format!("{}: {kind} principal \"{principal}\" in statement {i} of {path} is malformed", (self.address)()),
                                )
                                .help("AWS principals are ARNs or 12-digit account IDs; services are like ec2.amazonaws.com"), Some(principal));
                        }
                    }
                }
            }
        }
    }
}

/// The span of a string literal equal to `needle` anywhere in the resource's body.
fn find_literal(resource: &Resource, needle: &str) -> Option<Span> {
    crate::graph::body_exprs(&resource.body, &[])
        .into_iter()
        .find_map(|(expr, _)| literal_in(&expr.expr, needle).map(|r| Span::new(expr.file, r)))
}

fn literal_in(e: &crate::lang::ast::Expression, needle: &str) -> Option<std::ops::Range<usize>> {
    use crate::lang::ast::{Expression, ObjectKey};
    match e {
        Expression::String(s) if s.as_str() == needle => e.span(),
        Expression::Array(items) => items.iter().find_map(|i| literal_in(i, needle)),
        Expression::Object(obj) => obj.iter().find_map(|(k, v)| {
            let key = match k {
                ObjectKey::Expression(k) => literal_in(k, needle),
                ObjectKey::Ident(_) => None,
            };
            key.or_else(|| literal_in(v.expr(), needle))
        }),
        Expression::Parenthesis(p) => literal_in(p.inner(), needle),
        Expression::FuncCall(call) => call.args.iter().find_map(|a| literal_in(a, needle)),
        Expression::Conditional(c) => {
            literal_in(&c.true_expr, needle).or_else(|| literal_in(&c.false_expr, needle))
        }
        Expression::ForExpr(f) => literal_in(&f.value_expr, needle)
            .or_else(|| literal_in(&f.intro.collection_expr, needle)),
        _ => None,
    }
}

/// The strings of a JSON value that is a string or a list of strings.
fn strings(v: Option<&serde_json::Value>) -> Vec<&str> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|i| i.as_str()).collect(),
        _ => Vec::new(),
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A CIDR block: an IPv4 or IPv6 network with a prefix length.
pub fn check_cidr(s: &str) -> Result<(), String> {
    let Some((addr, prefix)) = s.split_once('/') else {
        return Err("it has no /prefix length".into());
    };
    let ip: std::net::IpAddr = addr
        .parse()
        .map_err(|_| format!("\"{addr}\" is not an IP address"))?;
    let bits: u8 = prefix
        .parse()
        .map_err(|_| format!("\"{prefix}\" is not a prefix length"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(format!("the prefix length {bits} is larger than {max}"));
    }
    Ok(())
}

fn arn_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|\*|\$\{[^}]+\}):[a-z0-9*-]+:[a-z0-9*-]*:(\d{12}|\*|aws|\$\{[^}]+\})?:.+$")
            .unwrap_or_else(|_| Regex::new("^arn:").unwrap_or_else(|_| unreachable_regex()))
    })
}

/// The fallback can never be reached: the pattern above is a constant that compiles.
fn unreachable_regex() -> Regex {
    Regex::new("").unwrap_or_else(|_| std::process::abort())
}

/// An ARN: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
pub fn check_arn(s: &str) -> Result<(), String> {
    if !s.starts_with("arn:") {
        return Err("it does not start with arn:".into());
    }
    // Unresolved template variables like ${aws:username} are allowed in resource parts.
    let parts = s.splitn(6, ':').count();
    if parts < 6 {
        return Err(format!(
            "it has {parts} colon-separated parts, but an ARN needs 6 (is a colon missing?)"
        ));
    }
    if !arn_pattern().is_match(s) {
        let fields: Vec<&str> = s.splitn(6, ':').collect();
        if fields[2].is_empty() {
            return Err("the service part is empty".into());
        }
        if !fields[4].is_empty()
            && !is_account_id(fields[4])
            && fields[4] != "*"
            && fields[4] != "aws"
        {
            return Err(format!(
                "the account part \"{}\" is not a 12-digit account ID",
                fields[4]
            ));
        }
        if fields[5].is_empty() {
            return Err("the resource part is empty".into());
        }
        return Err(format!(
            "the partition \"{}\" is not an AWS partition",
            fields[1]
        ));
    }
    Ok(())
}

fn action_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$").unwrap_or_else(|_| unreachable_regex())
    })
}

/// An IAM action: `*` or `service:Action` (with `*`/`?` wildcards).
pub fn check_action(s: &str) -> Result<(), String> {
    if s == "*" || action_pattern().is_match(s) {
        return Ok(());
    }
    if !s.contains(':') {
        return Err("it has no colon between the service and the action".into());
    }
    let (service, action) = s.split_once(':').unwrap_or((s, ""));
    if service.is_empty()
        || !service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "the service prefix \"{service}\" must be lowercase letters, digits or -"
        ));
    }
    Err(format!(
        "the action \"{action}\" may only contain letters, digits, * and ?"
    ))
}

/// Only strings can be malformed; a value without any known, non-secret string needs no walk.
fn might_need_checking(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            items.iter().any(might_need_checking)
        }
        Value::Map(entries) | Value::Object(entries) => entries.values().any(might_need_checking),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_table() {
        let cases = [
            ("10.0.0.0/16", true),
            ("::/0", true),
            ("0.0.0.0/0", true),
            (":::/0", false),
            ("10.0.0.0", false),
            ("10.0.0.0/33", false),
            ("10.0.0.256/24", false),
        ];
        for (input, ok) in cases {
            assert_eq!(check_cidr(input).is_ok(), ok, "{input}");
        }
    }

    #[test]
    fn arn_table() {
        let cases = [
            ("arn:aws:iam::123456789012:role/x", true),
            ("arn:aws:s3:::bucket/*", true),
            ("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", true),
            ("arn:${data.partition}:iam::123456789012:role/x", true),
            ("arn:aws:iam:123:role/x", false),
            ("arn:aws:iam::12345:role/x", false),
            ("aws:iam::123456789012:role/x", false),
        ];
        for (input, ok) in cases {
            assert_eq!(
                check_arn(input).is_ok(),
                ok,
                "{input}: {:?}",
                check_arn(input)
            );
        }
    }

    #[test]
    fn action_table() {
        let cases = [
            ("ec2:DeleteSnapshot", true),
            ("s3:Get*", true),
            ("*", true),
            ("elasticfilesystem:ClientMount", true),
            ("ec2>DeleteSnapshot", false),
            ("EC2:Describe*", false),
            ("ec2:", false),
        ];
        for (input, ok) in cases {
            assert_eq!(check_action(input).is_ok(), ok, "{input}");
        }
    }
}
