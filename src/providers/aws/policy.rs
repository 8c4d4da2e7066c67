//! IAM policy documents compared by meaning: key order, whitespace, a single string against a
//! one-element list, and the URL encoding IAM returns documents in make no difference, so a
//! document never shows a perpetual diff.

use serde_json::Value as Json;

/// The canonical text of a policy document (sorted keys, one-element lists as their element,
/// no whitespace); `None` when it is not JSON.
pub fn canonical(document: &str) -> Option<String> {
    let parsed: Json = serde_json::from_str(document.trim()).ok()?;
    Some(normalize(parsed).to_string())
}

fn normalize(value: Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(String, Json)> =
                map.into_iter().map(|(k, v)| (k, normalize(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        Json::Array(items) => {
            let mut items: Vec<Json> = items.into_iter().map(normalize).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            // Statements keep their order; lists of strings (actions, resources) are sets.
            if items.iter().all(Json::is_string) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                items.dedup();
            }
            Json::Array(items)
        }
        other => other,
    }
}

/// Refuses a policy document attribute that is set and not JSON, at plan time.
pub fn check_document(
    attrs: &crate::providers::resource::Attrs,
    attribute: &str,
) -> Result<(), crate::providers::resource::ProviderError> {
    match attrs.string(attribute) {
        Ok(Some(document)) if canonical(&document).is_none() => {
            Err(crate::providers::resource::ProviderError::validation(
                attribute,
                "is not a JSON document (write it with jsonencode or an aws_iam_policy_document)",
            ))
        }
        _ => Ok(()),
    }
}

/// Whether two documents mean the same.
pub fn equivalent(a: &str, b: &str) -> bool {
    match (canonical(a), canonical(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// A document as IAM returns it (URL-encoded JSON), decoded.
pub fn decode(document: &str) -> String {
    if document.trim_start().starts_with('{') {
        return document.to_owned();
    }
    percent_encoding::percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

/// The text to keep: the one already known (configured or stored) when `read` means the same,
/// so equivalent rewrites by AWS never show as changes.
pub fn keep_known(known: Option<&str>, read: &str) -> String {
    match known {
        Some(known) if equivalent(known, read) => known.to_owned(),
        _ => read.to_owned(),
    }
}

/// The planned value with the prior's text of a policy document attribute kept when the new
/// text means the same, so that a rewrite alone plans no change.
pub fn keep_prior_text(
    schema: &crate::providers::schema::ResourceSchema,
    prior: &crate::lang::value::Value,
    planned: crate::lang::value::Value,
    attribute: &'static str,
) -> crate::lang::value::Value {
    use crate::providers::resource::{complete, Attrs};
    let text =
        |v: &crate::lang::value::Value| Attrs::new(schema, v).string(attribute).ok().flatten();
    match (text(prior), text(&planned)) {
        (Some(before), Some(after)) if equivalent(&before, &after) => complete(
            schema,
            &planned,
            [(attribute, crate::lang::value::Value::string(before))],
        ),
        _ => planned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_documents() {
        let cases = [
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"eks.amazonaws.com"}}]}"#,
                r#"{
                  "Statement": {"Principal": {"Service": ["eks.amazonaws.com"]}, "Action": ["sts:AssumeRole"], "Effect": "Allow"},
                  "Version": "2012-10-17"
                }"#,
                true,
            ),
            (
                r#"{"Action":["s3:GetObject","s3:PutObject"]}"#,
                r#"{"Action":["s3:PutObject","s3:GetObject"]}"#,
                true,
            ),
            (r#"{"Effect":"Allow"}"#, r#"{"Effect":"Deny"}"#, false),
            (
                "%7B%22Effect%22%3A%22Allow%22%7D",
                r#"{"Effect": "Allow"}"#,
                true,
            ),
        ];
        for (a, b, same) in cases {
            assert_eq!(equivalent(&decode(a), &decode(b)), same, "{a} vs {b}");
        }
    }
}
