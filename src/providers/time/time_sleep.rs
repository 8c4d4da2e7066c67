//! `time_sleep`: waits after creation and/or before destruction, e.g. to let an eventually
//! consistent API catch up before dependants are created.
//!
//! Changing a duration updates the resource in place without waiting (as in Terraform); changing
//! `triggers` replaces it, and so waits again.

use std::time::Duration;

use crate::lang::meta_check::parse_duration;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::providers::resource::{
    complete, keep_computed, unknown, Attrs, BoxFuture, OpContext, ProviderError, ResourceType,
};
use crate::providers::schema::{AttributeSchema, ResourceSchema};

pub struct TimeSleep {
    schema: ResourceSchema,
}

impl TimeSleep {
    pub fn new() -> TimeSleep {
        TimeSleep { schema: schema() }
    }
}

impl Default for TimeSleep {
    fn default() -> Self {
        TimeSleep::new()
    }
}

fn schema() -> ResourceSchema {
    ResourceSchema {
        type_name: "time_sleep",
        description: "Waits after creation and/or before destruction.",
        attributes: vec![
            AttributeSchema::optional("create_duration", Type::String)
                .describe("How long to wait after creation, like \"30s\" or \"1m30s\"."),
            AttributeSchema::optional("destroy_duration", Type::String)
                .describe("How long to wait before destruction."),
            AttributeSchema::optional("triggers", Type::map(Type::String))
                .force_new()
                .describe("Values that, when changed, replace the resource (and wait again)."),
            AttributeSchema::computed("id", Type::String)
                .describe("The time of creation, RFC 3339 in UTC."),
        ],
        blocks: Vec::new(),
    }
}

/// A duration argument: None when unset.
fn duration(attrs: &Attrs, name: &str) -> Result<Option<Duration>, ProviderError> {
    let Some(text) = attrs.string(name)? else {
        return Ok(None);
    };
    match parse_duration(&text) {
        Some(secs) if (0.0..1e9).contains(&secs) => {
            Ok(Some(Duration::from_secs_f64(secs)))
        }
        _ => Err(ProviderError::validation(
            name,
            format!("\"{text}\" is not a duration: write a number and a unit, like \"30s\" or \"1m30s\""),
        )),
    }
}

fn validate(attrs: &Attrs) -> Result<(), ProviderError> {
    for name in ["create_duration", "destroy_duration"] {
        if attrs.is_known(name) {
            duration(attrs, name)?;
        }
    }
    Ok(())
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl ResourceType for TimeSleep {
    fn schema(&self) -> &ResourceSchema {
        &self.schema
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        validate(&Attrs::new(&self.schema, &proposed))?;
        Ok(match prior {
            Some(prior) => keep_computed(&self.schema, prior, &proposed),
            None => complete(
                &self.schema,
                &proposed,
                [("id", unknown(&self.schema, "id"))],
            ),
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let attrs = Attrs::new(&self.schema, planned);
            validate(&attrs)?;
            if let Some(wait) = duration(&attrs, "create_duration")? {
                ctx.sleep(wait, "creating").await?;
            }
            Ok(complete(
                &self.schema,
                planned,
                [("id", Value::String(now_rfc3339()))],
            ))
        })
    }

    fn reads_outside_state(&self) -> bool {
        false
    }

    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move { Ok(Some(complete(&self.schema, current, []))) })
    }

    fn update<'a>(
        &'a self,
        _ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            validate(&Attrs::new(&self.schema, planned))?;
            Ok(keep_computed(&self.schema, prior, planned))
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            if let Some(wait) = duration(&Attrs::new(&self.schema, current), "destroy_duration")? {
                ctx.sleep(wait, "destroying").await?;
            }
            Ok(())
        })
    }

    /// Imports as Terraform does: the id is `CREATE_DURATION,DESTROY_DURATION` (either may be
    /// empty); the new id is the time of import.
    fn import<'a>(
        &'a self,
        _ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            let Some((create, destroy)) = id.split_once(',') else {
                return Err(ProviderError::validation(
                    "id",
                    "write CREATE_DURATION,DESTROY_DURATION, like \"30s,\"",
                ));
            };
            let text = |s: &str| {
                if s.is_empty() {
                    Value::Null
                } else {
                    Value::string(s)
                }
            };
            let value = complete(
                &self.schema,
                &Value::Null,
                [
                    ("create_duration", text(create)),
                    ("destroy_duration", text(destroy)),
                    ("id", Value::String(now_rfc3339())),
                ],
            );
            validate(&Attrs::new(&self.schema, &value))?;
            Ok(value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::resource::testing::{assert_complete, attr, config, text};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    fn sleep_config(r: &TimeSleep, create: &str, destroy: &str) -> Value {
        let opt = |s: &str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::string(s)
            }
        };
        config(
            r.schema(),
            &[
                ("create_duration", opt(create)),
                ("destroy_duration", opt(destroy)),
            ],
        )
    }

    #[tokio::test]
    async fn create_and_delete_sleep() {
        let r = TimeSleep::new();
        let ctx = OpContext::new();
        let planned = r.plan(None, sleep_config(&r, "200ms", "150ms")).unwrap();
        assert!(attr(&planned, "id").is_unknown());

        let start = Instant::now();
        let created = r.create(&ctx, &planned).await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert_complete(r.schema(), &created);
        let id = text(&created, "id");
        assert!(chrono::DateTime::parse_from_rfc3339(&id).is_ok(), "{id}");
        assert!(id.ends_with('Z'), "{id}");

        assert_eq!(r.read(&ctx, &created).await.unwrap(), Some(created.clone()));
        let changed = complete(
            r.schema(),
            &created,
            [("create_duration", Value::from("1h"))],
        );
        let replanned = r.plan(Some(&created), changed).unwrap();
        let start = Instant::now();
        let updated = r.update(&ctx, &created, &replanned).await.unwrap();
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "update does not wait"
        );
        assert_eq!(text(&updated, "id"), id);

        let start = Instant::now();
        r.delete(&ctx, &created).await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(150));

        let imported = r.import(&ctx, "30s,").await.unwrap();
        assert_eq!(text(&imported, "create_duration"), "30s");
        assert!(attr(&imported, "destroy_duration").is_null());
    }

    #[tokio::test]
    async fn sleeping_is_cancellable() {
        let r = TimeSleep::new();
        let ctx = OpContext::new();
        let planned = r.plan(None, sleep_config(&r, "10s", "")).unwrap();
        let flag = ctx.cancelled.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let start = Instant::now();
        let err = r.create(&ctx, &planned).await.unwrap_err();
        assert!(matches!(err, ProviderError::Cancelled), "{err}");
        assert!(start.elapsed() < Duration::from_millis(600));
    }

    #[tokio::test]
    async fn heartbeats_report_progress() {
        let r = TimeSleep::new();
        let beats = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = beats.clone();
        let ctx = OpContext::new()
            .with_heartbeat(Duration::from_millis(60))
            .with_progress(Arc::new(move |m| {
                if let Ok(mut b) = sink.lock() {
                    b.push(m);
                }
            }));
        let planned = r.plan(None, sleep_config(&r, "", "250ms")).unwrap();
        let created = r.create(&ctx, &planned).await.unwrap();
        assert!(beats.lock().unwrap().is_empty(), "no create wait");
        r.delete(&ctx, &created).await.unwrap();
        let beats = beats.lock().unwrap();
        assert!(beats.len() >= 2, "{beats:?}");
        assert!(
            beats.iter().all(|b| b.starts_with("Still destroying... [")),
            "{beats:?}"
        );
    }

    #[tokio::test]
    async fn deadline_times_out() {
        let r = TimeSleep::new();
        let ctx = OpContext::new().with_timeout(Duration::from_millis(100));
        let planned = r.plan(None, sleep_config(&r, "5s", "")).unwrap();
        let start = Instant::now();
        let err = r.create(&ctx, &planned).await.unwrap_err();
        assert!(matches!(err, ProviderError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_millis(600));
    }

    #[test]
    fn durations_are_validated() {
        let r = TimeSleep::new();
        for (create, destroy, attribute) in [
            ("soon", "", "create_duration"),
            ("", "5 minutes", "destroy_duration"),
            ("", "", ""),
            ("1m30s", "500ms", ""),
        ] {
            match r.plan(None, sleep_config(&r, create, destroy)) {
                Err(ProviderError::Validation {
                    attribute: Some(a), ..
                }) => {
                    assert_eq!(a, attribute)
                }
                Ok(_) => assert_eq!(attribute, "", "{create} {destroy}"),
                Err(other) => panic!("{other}"),
            }
        }
        let unknown = config(
            r.schema(),
            &[("create_duration", Value::Unknown(Type::String))],
        );
        assert!(r.plan(None, unknown).is_ok());
        assert!(r
            .schema()
            .attribute("triggers")
            .is_some_and(|a| a.force_new));
        assert!(r
            .schema()
            .attribute("create_duration")
            .is_some_and(|a| !a.force_new));
    }
}
