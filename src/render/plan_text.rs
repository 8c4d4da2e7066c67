//! The text plan, in the style Terraform users know: one block per changing instance with `+`,
//! `~`, `-/+`, `+/-`, `-` and `<=`, attribute-level changes, `(known after apply)`,
//! `(sensitive value)`, and a summary line. Values are shown only through the masking renderer,
//! so no secret can appear.

use std::fmt::Write;

use crate::lang::value::{quote, Value};
use crate::plan::model::{Action, InstanceChange, Reason};

/// One changing instance, as the renderer needs it.
pub struct ChangeView<'a> {
    pub address: &'a str,
    /// `resource` or `data`.
    pub keyword: &'a str,
    pub type_name: &'a str,
    pub name: &'a str,
    pub change: &'a InstanceChange,
    /// Replaces the sentence after the address (drift: "has changed outside plat").
    pub headline: Option<&'a str>,
}

/// Renders one instance's change (nothing for a no-op).
pub fn render_change(view: &ChangeView) -> String {
    let change = view.change;
    if change.action == Action::NoOp {
        return String::new();
    }
    let mut out = String::new();
    let sentence = match view.headline {
        Some(text) => text.to_string(),
        None => headline(change),
    };
    let _ = writeln!(out, "  # {} {}", view.address, sentence);
    let symbol = change.action.symbol();
    let _ = writeln!(
        out,
        "{symbol:>3} {} {} {} {{",
        view.keyword,
        quote(view.type_name),
        quote(view.name)
    );
    let forcing = forcing_attributes(change);
    let empty = Default::default();
    let before = change
        .before
        .as_ref()
        .and_then(|v| v.peel().as_entries())
        .unwrap_or(&empty);
    let after = change
        .after
        .as_ref()
        .and_then(|v| v.peel().as_entries())
        .unwrap_or(&empty);
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let mut lines: Vec<(String, String, String)> = Vec::new(); // (sign, name, rendered value)
    let mut unchanged = 0;
    for name in names {
        let old = before.get(name).unwrap_or(&Value::Null);
        let new = after.get(name).unwrap_or(&Value::Null);
        let (sign, text) = match change.action {
            Action::Create | Action::Read => {
                if new.is_null() {
                    continue;
                }
                ("+", one_line(new))
            }
            Action::Delete => {
                if old.is_null() {
                    continue;
                }
                ("-", format!("{} -> null", one_line(old)))
            }
            _ => {
                if old.known_eq(new) == Some(true) && !old.is_unknown() {
                    unchanged += 1;
                    continue;
                }
                match (old.is_null(), new.is_null()) {
                    (true, false) => ("+", one_line(new)),
                    (false, true) => ("-", format!("{} -> null", one_line(old))),
                    _ => (
                        "~",
                        nested_diff(old, new, 0)
                            .unwrap_or_else(|| format!("{} -> {}", one_line(old), one_line(new))),
                    ),
                }
            }
        };
        let text = if forcing.iter().any(|f| f == name) {
            format!("{text} # forces replacement")
        } else {
            text
        };
        lines.push((sign.to_string(), name.clone(), text));
    }
    let width = lines
        .iter()
        .map(|(_, n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    for (sign, name, text) in &lines {
        let pad = " ".repeat(width - name.chars().count());
        let _ = writeln!(out, "      {sign} {name}{pad} = {text}");
    }
    if unchanged > 0 {
        let _ = writeln!(
            out,
            "        # ({unchanged} unchanged attribute{} hidden)",
            if unchanged == 1 { "" } else { "s" }
        );
    }
    out.push_str("    }\n");
    out
}

fn headline(change: &InstanceChange) -> String {
    let because = change.reasons.iter().find_map(|r| match r {
        Reason::Tainted => Some("is tainted, so it must be replaced".to_string()),
        Reason::ReplaceRequested => Some("will be replaced, as requested".to_string()),
        Reason::RemovedFromConfig => {
            Some("will be destroyed\n  # (because it is not in the configuration)".to_string())
        }
        Reason::KeyNoLongerPresent => Some(
            "will be destroyed\n  # (because its index or key is no longer in count/for_each)"
                .to_string(),
        ),
        Reason::DestroyRequested => Some("will be destroyed".to_string()),
        Reason::DependsOnPendingChanges { resources } => Some(format!(
            "will be read during apply\n  # (it depends on {}, which {} changes pending)",
            resources.join(", "),
            if resources.len() == 1 { "has" } else { "have" }
        )),
        Reason::ProviderConfigChanged { attributes } => Some(format!(
            "will be updated in-place\n  # (the provider's configuration changes {})",
            attributes.join(", ")
        )),
        Reason::ReplaceTriggeredBy { address } => Some(format!(
            "will be replaced, because {address} changes (replace_triggered_by)"
        )),
        _ => None,
    });
    if let Some(text) = because {
        return text;
    }
    match change.action {
        Action::Create => "will be created".into(),
        Action::Read => {
            "will be read during apply\n  # (its arguments are known only after apply)".into()
        }
        Action::Update => "will be updated in-place".into(),
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced".into(),
        Action::Delete => "will be destroyed".into(),
        Action::NoOp => String::new(),
    }
}

fn forcing_attributes(change: &InstanceChange) -> Vec<String> {
    change
        .reasons
        .iter()
        .flat_map(|r| match r {
            Reason::ForcedReplacement { attributes } => attributes.clone(),
            _ => Vec::new(),
        })
        .collect()
}

/// A readable diff of two values that differ, when one line would hide what changed: objects
/// and maps key by key, lists and sets element by element, multi-line strings and JSON
/// documents line by line. `None` when the one-line form is clearer (or a side is secret or
/// unknown). `depth` is the nesting level, for indentation.
fn nested_diff(old: &Value, new: &Value, depth: usize) -> Option<String> {
    let inner = " ".repeat(10 + 4 * depth);
    let close = " ".repeat(8 + 4 * depth);
    match (old, new) {
        (Value::Map(a) | Value::Object(a), Value::Map(b) | Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
            let mut out = String::from("{\n");
            let mut unchanged = 0;
            for key in keys {
                let pad = " ".repeat(width - key.chars().count());
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) if x.known_eq(y) == Some(true) && !x.is_unknown() => {
                        unchanged += 1
                    }
                    (Some(x), Some(y)) => {
                        let text = nested_diff(x, y, depth + 1)
                            .unwrap_or_else(|| format!("{} -> {}", one_line(x), one_line(y)));
                        out.push_str(&format!("{inner}~ {key}{pad} = {text}\n"));
                    }
                    (None, Some(y)) => {
                        out.push_str(&format!("{inner}+ {key}{pad} = {}\n", one_line(y)))
                    }
                    (Some(x), None) => {
                        out.push_str(&format!("{inner}- {key}{pad} = {} -> null\n", one_line(x)))
                    }
                    (None, None) => {}
                }
            }
            if unchanged > 0 {
                out.push_str(&format!(
                    "{inner}  # ({unchanged} unchanged element{} hidden)\n",
                    if unchanged == 1 { "" } else { "s" }
                ));
            }
            out.push_str(&format!("{close}}}"));
            Some(out)
        }
        (
            Value::List(a) | Value::Tuple(a) | Value::Set(a),
            Value::List(b) | Value::Tuple(b) | Value::Set(b),
        ) if a
            .iter()
            .chain(b.iter())
            .all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))) =>
        {
            let mut out = String::from("[\n");
            for x in a
                .iter()
                .filter(|x| !b.iter().any(|y| x.known_eq(y) == Some(true)))
            {
                out.push_str(&format!("{inner}- {},\n", one_line(x)));
            }
            for y in b {
                let sign = if a.iter().any(|x| x.known_eq(y) == Some(true)) {
                    " "
                } else {
                    "+"
                };
                out.push_str(&format!("{inner}{sign} {},\n", one_line(y)));
            }
            out.push_str(&format!("{close}]"));
            Some(out)
        }
        (Value::String(a), Value::String(b)) => {
            let (a, b) = match (json_document(a), json_document(b)) {
                (Some(a), Some(b)) => (a, b),
                _ if a.contains('\n') || b.contains('\n') => (a.clone(), b.clone()),
                _ => return None,
            };
            let diff = similar::TextDiff::from_lines(&a, &b);
            let mut out = String::from("<<-EOT\n");
            for change in diff.iter_all_changes() {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => "-",
                    similar::ChangeTag::Insert => "+",
                    similar::ChangeTag::Equal => " ",
                };
                out.push_str(&format!(
                    "{inner}{sign} {}\n",
                    change.value().trim_end_matches('\n')
                ));
            }
            out.push_str(&format!("{close}EOT"));
            Some(out)
        }
        _ => None,
    }
}

/// A string holding a JSON object or array (a policy document), pretty-printed for a line diff.
fn json_document(s: &str) -> Option<String> {
    let trimmed = s.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_str(s).ok()?;
    serde_json::to_string_pretty(&parsed).ok()
}

/// A value on one line: primitives as written, collections compactly; secrets and unknowns
/// masked by the value renderer.
fn one_line(v: &Value) -> String {
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            let inner: Vec<String> = items.iter().map(one_line).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(entries) | Value::Object(entries) if entries.is_empty() => "{}".into(),
        Value::Map(entries) | Value::Object(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k} = {}", one_line(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        other => other.render(),
    }
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Summary {
    pub fn count(&mut self, action: Action) {
        match action {
            Action::Create => self.add += 1,
            Action::Update => self.change += 1,
            Action::DeleteThenCreate | Action::CreateThenDelete => {
                self.add += 1;
                self.destroy += 1;
            }
            Action::Delete => self.destroy += 1,
            Action::NoOp | Action::Read => {}
        }
    }

    /// `Plan: A to add, C to change, D to destroy.`
    pub fn line(&self) -> String {
        format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            self.add, self.change, self.destroy
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::types::Type;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn rendering_table() {
        let created = InstanceChange {
            action: Action::Create,
            before: None,
            after: Some(obj(&[
                ("length", Value::Number(24.0)),
                ("result", Value::Unknown(Type::String).sensitive()),
                ("id", Value::Unknown(Type::String)),
                ("keepers", Value::Null),
            ])),
            reasons: vec![Reason::New],
        };
        let replaced = InstanceChange {
            action: Action::DeleteThenCreate,
            before: Some(obj(&[
                ("name", Value::string("a")),
                ("id", Value::string("i-1")),
                (
                    "tags",
                    Value::Map([("env".to_string(), Value::string("dev"))].into()),
                ),
                ("secret", Value::string("hunter2").sensitive()),
            ])),
            after: Some(obj(&[
                ("name", Value::string("b")),
                ("id", Value::Unknown(Type::String)),
                (
                    "tags",
                    Value::Map([("env".to_string(), Value::string("dev"))].into()),
                ),
                ("secret", Value::string("hunter3").sensitive()),
            ])),
            reasons: vec![Reason::ForcedReplacement {
                attributes: vec!["name".into()],
            }],
        };
        let deleted = InstanceChange {
            action: Action::Delete,
            before: Some(obj(&[
                ("name", Value::string("a")),
                ("id", Value::string("i-1")),
            ])),
            after: None,
            reasons: vec![Reason::RemovedFromConfig],
        };
        let cases = [
            (
                "random_password.db",
                &created,
                "  # random_password.db will be created\n  + resource \"random_password\" \"db\" {\n      + id     = (known after apply)\n      + length = 24\n      + result = (sensitive value)\n    }\n",
            ),
            (
                "plat_data.x",
                &replaced,
                "  # plat_data.x must be replaced\n-/+ resource \"plat_data\" \"x\" {\n      ~ id     = \"i-1\" -> (known after apply)\n      ~ name   = \"a\" -> \"b\" # forces replacement\n      ~ secret = (sensitive value) -> (sensitive value)\n        # (1 unchanged attribute hidden)\n    }\n",
            ),
            (
                "plat_data.old",
                &deleted,
                "  # plat_data.old will be destroyed\n  # (because it is not in the configuration)\n  - resource \"plat_data\" \"old\" {\n      - id   = \"i-1\" -> null\n      - name = \"a\" -> null\n    }\n",
            ),
        ];
        for (address, change, expected) in cases {
            let (type_name, name) = address.split_once('.').unwrap_or((address, ""));
            let text = render_change(&ChangeView {
                address,
                keyword: "resource",
                type_name,
                name,
                change,
                headline: None,
            });
            assert_eq!(text, expected, "{address}");
            assert!(!text.contains("hunter"), "secret in plan text");
        }
        let mut summary = Summary::default();
        for change in [&created, &replaced, &deleted] {
            summary.count(change.action);
        }
        assert_eq!(summary.line(), "Plan: 2 to add, 0 to change, 2 to destroy.");
    }
}

#[cfg(test)]
mod nested_tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn updates_show_what_changed_inside_values() {
        let policy_a = r#"{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow"}]}"#;
        let policy_b =
            r#"{"Statement":[{"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow"}]}"#;
        let change = InstanceChange {
            action: Action::Update,
            before: Some(obj(&[
                (
                    "input",
                    obj(&[("name", Value::string("a")), ("size", Value::Number(1.0))]),
                ),
                (
                    "cidrs",
                    Value::Set(vec![
                        Value::string("10.0.1.0/24"),
                        Value::string("10.0.2.0/24"),
                    ]),
                ),
                ("policy", Value::string(policy_a)),
            ])),
            after: Some(obj(&[
                (
                    "input",
                    obj(&[("name", Value::string("b")), ("size", Value::Number(1.0))]),
                ),
                (
                    "cidrs",
                    Value::Set(vec![
                        Value::string("10.0.2.0/24"),
                        Value::string("10.0.9.0/24"),
                    ]),
                ),
                ("policy", Value::string(policy_b)),
            ])),
            reasons: vec![Reason::Changed {
                attributes: vec!["input".into()],
            }],
        };
        let text = render_change(&ChangeView {
            address: "plat_data.x",
            keyword: "resource",
            type_name: "plat_data",
            name: "x",
            change: &change,
            headline: None,
        });
        let expected = r#"  # plat_data.x will be updated in-place
  ~ resource "plat_data" "x" {
      ~ cidrs  = [
          - "10.0.1.0/24",
            "10.0.2.0/24",
          + "10.0.9.0/24",
        ]
      ~ input  = {
          ~ name = "a" -> "b"
            # (1 unchanged element hidden)
        }
      ~ policy = <<-EOT
            {
              "Statement": [
                {
                  "Action": [
          -         "s3:GetObject"
          +         "s3:GetObject",
          +         "s3:PutObject"
                  ],
                  "Effect": "Allow"
                }
              ]
            }
        EOT
    }
"#;
        assert_eq!(text, expected);
    }
}
