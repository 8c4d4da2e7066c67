//! Checks of meta-arguments that need no evaluation: `lifecycle`, `timeouts` and `provider`
//! references. Run once per module (not per instance).

use crate::lang::ast::Expression;

use crate::lang::config::{Config, Expr, Module, Resource};
use crate::lang::diagnostics::{suggest, Diagnostic, Diagnostics};
use crate::lang::source::Span;
use crate::providers::registry;

pub mod codes {
    pub const LIFECYCLE: &str = "plat::lang::invalid_lifecycle";
    pub const TIMEOUTS: &str = "plat::lang::invalid_timeouts";
    pub const PROVIDER_REFERENCE: &str = "plat::lang::undeclared_provider";
    pub const UNKNOWN_PROVIDER: &str = crate::providers::UNKNOWN_PROVIDER;
}

/// Operations a `timeouts` block may set.
const TIMEOUT_OPERATIONS: &[&str] = &["create", "read", "update", "delete"];

pub fn check(config: &Config) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for module in &config.modules {
        for provider in &module.providers {
            check_provider_name(provider, &mut diagnostics);
        }
        for resource in module.resources.values() {
            check_lifecycle(resource, &mut diagnostics);
            check_timeouts(resource, &mut diagnostics);
            check_provider(module, resource, &mut diagnostics);
        }
    }
    diagnostics
}

fn span(expr: &Expr, e: &Expression) -> Span {
    Span::new(expr.file, e.span().unwrap_or(0..0))
}

fn check_lifecycle(resource: &Resource, diagnostics: &mut Diagnostics) {
    let lifecycle = &resource.lifecycle;
    for (name, expr) in [
        ("create_before_destroy", &lifecycle.create_before_destroy),
        ("prevent_destroy", &lifecycle.prevent_destroy),
    ] {
        if let Some(expr) = expr {
            if !matches!(*expr.expr, Expression::Bool(_)) {
                diagnostics.push(
                    Diagnostic::error(codes::LIFECYCLE, format!("{name} must be true or false, written literally"))
                        .at(expr.span())
                        .help("lifecycle settings are read before anything is evaluated, so they cannot use references"),
                );
            }
        }
    }
    if let Some(expr) = &lifecycle.ignore_changes {
        match &*expr.expr {
            Expression::Variable(v) if v.as_str() == "all" => {}
            Expression::Array(items) => {
                let schema = registry().resource(resource.mode, &resource.type_name);
                for item in items.iter() {
                    let name = match item {
                        Expression::String(s) => Some(s.as_str().to_string()),
                        other => traversal_root(other),
                    };
                    let Some(name) = name else {
                        diagnostics.push(
                            Diagnostic::error(codes::LIFECYCLE, "ignore_changes lists attribute names, such as tags or scaling_config")
                                .at(span(expr, item))
                                .help("write ignore_changes = [tags, scaling_config[0].desired_size] or ignore_changes = all"),
                        );
                        continue;
                    };
                    if let Some(schema) = schema {
                        let known =
                            schema.attribute(&name).is_some() || schema.block(&name).is_some();
                        if !known {
                            let names = schema
                                .attributes
                                .iter()
                                .map(|a| a.name)
                                .chain(schema.blocks.iter().map(|b| b.name));
                            let mut d = Diagnostic::error(
                                codes::LIFECYCLE,
                                format!(
                                    "ignore_changes names \"{name}\", which {} does not have",
                                    resource.type_name
                                ),
                            )
                            .at(span(expr, item));
                            d = match suggest(&name, names) {
                                Some(s) => d.help(format!("did you mean {s}?")),
                                None => d.help("list attributes of this resource type"),
                            };
                            diagnostics.push(d);
                        }
                    }
                }
            }
            _ => diagnostics.push(
                Diagnostic::error(
                    codes::LIFECYCLE,
                    "ignore_changes must be a list of attribute names, or all",
                )
                .at(expr.span())
                .help("write ignore_changes = [tags] or ignore_changes = all"),
            ),
        }
    }
    if let Some(expr) = &lifecycle.replace_triggered_by {
        let Expression::Array(items) = &*expr.expr else {
            diagnostics.push(
                Diagnostic::error(
                    codes::LIFECYCLE,
                    "replace_triggered_by must be a list of references",
                )
                .at(expr.span())
                .help("write replace_triggered_by = [aws_launch_template.x.id]"),
            );
            return;
        };
        for item in items.iter() {
            let ok = match item {
                Expression::Traversal(_) => traversal_root(item)
                    .is_some_and(|root| root.contains('_') || root == "plat_data"),
                _ => false,
            };
            if !ok {
                diagnostics.push(
                    Diagnostic::error(codes::LIFECYCLE, "replace_triggered_by entries must refer to resources or their attributes")
                        .at(span(expr, item))
                        .help("write a resource address such as plat_data.trigger or aws_launch_template.x.latest_version"),
                );
            }
        }
    }
}

/// The first name of a traversal (`tags` of `tags["x"]`, `aws_vpc` of `aws_vpc.main.id`).
fn traversal_root(e: &Expression) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => traversal_root(&t.expr),
        _ => None,
    }
}

fn check_timeouts(resource: &Resource, diagnostics: &mut Diagnostics) {
    let Some(block) = &resource.timeouts else {
        return;
    };
    for nested in &block.body.blocks {
        diagnostics.push(
            Diagnostic::error(
                codes::TIMEOUTS,
                format!("a timeouts block has no block \"{}\"", nested.kind),
            )
            .at(nested.span.clone())
            .help("write timeouts { create = \"30m\", delete = \"15m\" }"),
        );
    }
    for attr in &block.body.attributes {
        if !TIMEOUT_OPERATIONS.contains(&attr.name.as_str()) {
            let mut d = Diagnostic::error(
                codes::TIMEOUTS,
                format!("a timeouts block has no setting \"{}\"", attr.name),
            )
            .at(attr.name_span.clone());
            d = match suggest(&attr.name, TIMEOUT_OPERATIONS.iter().copied()) {
                Some(s) => d.help(format!("did you mean {s}?")),
                None => d.help("timeouts are create, read, update and delete"),
            };
            diagnostics.push(d);
            continue;
        }
        match attr.expr.expr.as_ref() {
            Expression::String(s) if parse_duration(s.as_str()).is_some() => {}
            Expression::String(s) => diagnostics.push(
                Diagnostic::error(
                    codes::TIMEOUTS,
                    format!("\"{}\" is not a duration", s.as_str()),
                )
                .at(attr.expr.span())
                .help("write a number and a unit: \"90s\", \"30m\", \"1h30m\""),
            ),
            _ => diagnostics.push(
                Diagnostic::error(
                    codes::TIMEOUTS,
                    format!(
                        "timeout \"{}\" must be a literal duration string",
                        attr.name
                    ),
                )
                .at(attr.expr.span())
                .help("write a quoted duration such as \"30m\""),
            ),
        }
    }
}

/// Parses durations like "90s", "30m", "1h30m", "500ms" into seconds.
pub fn parse_duration(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// A provider block must configure a provider plat has (compiled in, or still to come).
fn check_provider_name(provider: &crate::lang::config::Provider, diagnostics: &mut Diagnostics) {
    let registry = registry();
    let known = registry.provider(&provider.name).is_some()
        || crate::providers::UNCHECKED_PROVIDERS.contains(&provider.name.as_str());
    if known {
        return;
    }
    let mut names: Vec<&str> = registry.provider_names();
    names.extend(
        crate::providers::UNCHECKED_PROVIDERS
            .iter()
            .filter(|p| registry.provider(p).is_none()),
    );
    let mut d = Diagnostic::error(
        codes::UNKNOWN_PROVIDER,
        format!("plat has no provider \"{}\"", provider.name),
    )
    .at(provider.span.clone());
    d = match suggest(&provider.name, names.iter().copied()) {
        Some(s) => d.help(format!("did you mean \"{s}\"?")),
        None => d.help(format!("plat's providers are: {}", names.join(", "))),
    };
    diagnostics.push(d);
}

fn check_provider(module: &Module, resource: &Resource, diagnostics: &mut Diagnostics) {
    let Some(reference) = &resource.provider else {
        return;
    };
    // A default configuration may be implicit; an alias must be declared.
    let Some(alias) = &reference.alias else {
        return;
    };
    let declared = module
        .providers
        .iter()
        .any(|p| p.name == reference.name && p.alias.as_deref() == Some(alias));
    if !declared {
        let aliases: Vec<String> = module
            .providers
            .iter()
            .filter(|p| p.name == reference.name)
            .filter_map(|p| p.alias.clone())
            .collect();
        let mut d = Diagnostic::error(
            codes::PROVIDER_REFERENCE,
            format!(
                "provider configuration {}.{alias} is not declared in this module",
                reference.name
            ),
        )
        .at(reference.span.clone());
        d = match suggest(alias, aliases.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean {}.{s}?", reference.name)),
            None => d.help(format!(
                "add provider \"{}\" {{ alias = \"{alias}\" ... }} to this module (or pass it in with providers = {{ ... }})",
                reference.name
            )),
        };
        diagnostics.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        let cases = [
            ("30m", Some(1800.0)),
            ("1h30m", Some(5400.0)),
            ("90s", Some(90.0)),
            ("500ms", Some(0.5)),
            ("1.5h", Some(5400.0)),
            ("40 minutes", None),
            ("m", None),
            ("", None),
            ("10", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_duration(input), expected, "{input}");
        }
    }
}
