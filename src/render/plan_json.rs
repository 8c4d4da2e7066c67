//! The machine-readable plan (`plat plan --json`), versioned. Values never carry secrets: a
//! sensitive part is `null` with `true` at the same place in `*_sensitive`, an unknown part is
//! `null` with `true` in `after_unknown` (the shape Terraform's JSON plan uses).

use serde_json::{json, Map, Value as Json};

use crate::lang::value::{json::number_to_json, Value};
use crate::plan::planner::PlannedInstance;

/// The format version of `plat plan --json`.
pub const PLAN_JSON_VERSION: &str = "1.0";

/// Splits a value into (JSON with secrets and unknowns as null, unknown markers, sensitive markers).
pub fn masked(v: &Value) -> (Json, Json, Json) {
    match v {
        Value::Unknown(_) => (Json::Null, Json::Bool(true), Json::Bool(false)),
        Value::Sensitive(_) => (Json::Null, Json::Bool(false), Json::Bool(true)),
        Value::Null => (Json::Null, Json::Bool(false), Json::Bool(false)),
        Value::Bool(b) => (Json::Bool(*b), Json::Bool(false), Json::Bool(false)),
        Value::Number(n) => (number_to_json(*n), Json::Bool(false), Json::Bool(false)),
        Value::String(s) => (
            Json::String(s.clone()),
            Json::Bool(false),
            Json::Bool(false),
        ),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            let (mut values, mut unknown, mut sensitive) = (Vec::new(), Vec::new(), Vec::new());
            for item in items {
                let (v, u, s) = masked(item);
                values.push(v);
                unknown.push(u);
                sensitive.push(s);
            }
            (
                Json::Array(values),
                Json::Array(unknown),
                Json::Array(sensitive),
            )
        }
        Value::Map(entries) | Value::Object(entries) => {
            let (mut values, mut unknown, mut sensitive) = (Map::new(), Map::new(), Map::new());
            for (k, item) in entries {
                let (v, u, s) = masked(item);
                values.insert(k.clone(), v);
                unknown.insert(k.clone(), u);
                sensitive.insert(k.clone(), s);
            }
            (
                Json::Object(values),
                Json::Object(unknown),
                Json::Object(sensitive),
            )
        }
    }
}

/// The JSON document of a plan.
pub fn render(changes: &[PlannedInstance], summary: &super::plan_text::Summary) -> Json {
    let resource_changes: Vec<Json> = changes
        .iter()
        .map(|planned| {
            let change = &planned.change;
            let (before, _, before_sensitive) = change.before.as_ref().map(masked).unwrap_or((Json::Null, Json::Bool(false), Json::Bool(false)));
            // A no-op carries no values: the object is as the state says.
            let after_value = change.after.as_ref();
            let (after, after_unknown, after_sensitive) = after_value.map(masked).unwrap_or((Json::Null, Json::Bool(false), Json::Bool(false)));
            json!({
                "address": planned.address.to_string(),
                "module_address": crate::expand::module_prefix(&planned.address.module).trim_end_matches('.'),
                "mode": match planned.address.mode {
                    crate::lang::config::ResourceMode::Managed => "managed",
                    crate::lang::config::ResourceMode::Data => "data",
                },
                "type": planned.address.type_name,
                "name": planned.address.name,
                "provider": planned.provider,
                "action": change.action,
                "reasons": change.reasons,
                "before": before,
                "before_sensitive": before_sensitive,
                "after": after,
                "after_unknown": after_unknown,
                "after_sensitive": after_sensitive,
            })
        })
        .collect();
    json!({
        "format_version": PLAN_JSON_VERSION,
        "plat_version": env!("CARGO_PKG_VERSION"),
        "resource_changes": resource_changes,
        "summary": { "add": summary.add, "change": summary.change, "destroy": summary.destroy },
    })
}
