//! The provider trait: what every compiled-in resource type implements, and the context an
//! operation runs in.
//!
//! Values passed to and returned from a resource type are plat objects with every schema attribute
//! present (null when unset). `create` and `update` return fully known values, with the attributes
//! the schema marks sensitive wrapped in `Value::Sensitive`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::lang::types::parse_number;
use crate::lang::value::Value;
use crate::providers::schema::ResourceSchema;

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// How often waits look at the cancellation flag.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// How often long waits report that they are still going, unless a context says otherwise.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(10);

/// The context one provider operation runs in: its deadline (from `timeouts`), the run's
/// cancellation flag (Ctrl-C) and where to report progress of long waits.
#[derive(Clone)]
pub struct OpContext {
    /// The operation must give up with `ProviderError::Timeout` after this instant.
    pub deadline: Option<Instant>,
    /// Set when the run is interrupted: waits stop early with `ProviderError::Cancelled`.
    pub cancelled: Arc<AtomicBool>,
    /// Heartbeats of long operations ("Still creating... [10s elapsed]").
    pub progress: Arc<dyn Fn(String) + Send + Sync>,
    /// How often long waits call `progress`.
    pub heartbeat: Duration,
    /// The configured provider the operation goes through (clients, region, ownership tags);
    /// `None` for providers that need no configuration.
    pub provider: Option<ProviderHandle>,
    /// The address of the instance operated on (`module.net.aws_vpc.main`), for ownership tags
    /// and messages; `None` for data source reads.
    pub address: Option<Arc<str>>,
    /// The identity recorded in the journal before this create (see
    /// [`ResourceType::identity`]): a name generated for it there is the name to use.
    pub identity: Option<serde_json::Value>,
    /// When the operation started: heartbeats count from here, across all its waits.
    pub started: Instant,
    /// Heartbeats reported so far.
    beats: Arc<AtomicU64>,
}

/// A configured provider, as its resource types downcast it (see [`OpContext::provider`]).
pub type ProviderHandle = Arc<dyn std::any::Any + Send + Sync>;

impl OpContext {
    /// No deadline, not cancelled, progress discarded, heartbeats every 10 s.
    pub fn new() -> OpContext {
        OpContext {
            deadline: None,
            cancelled: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(|_| {}),
            heartbeat: DEFAULT_HEARTBEAT,
            provider: None,
            address: None,
            identity: None,
            started: Instant::now(),
            beats: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn with_provider(mut self, provider: Option<ProviderHandle>) -> OpContext {
        self.provider = provider;
        self
    }

    pub fn with_identity(mut self, identity: Option<serde_json::Value>) -> OpContext {
        self.identity = identity;
        self
    }

    pub fn with_address(mut self, address: impl Into<Arc<str>>) -> OpContext {
        self.address = Some(address.into());
        self
    }

    /// The configured provider of type `T`; an error if the run did not configure one (a bug in
    /// plat, not in the stack).
    pub fn provider<T: 'static>(&self) -> Result<&T, ProviderError> {
        self.provider
            .as_deref()
            .and_then(|p| p.downcast_ref::<T>())
            .ok_or_else(|| {
                ProviderError::other(format!(
                    "no {} configuration was set up for this operation",
                    std::any::type_name::<T>()
                ))
            })
    }

    pub fn with_deadline(mut self, deadline: Instant) -> OpContext {
        self.deadline = Some(deadline);
        self
    }

    /// A deadline `timeout` from now.
    pub fn with_timeout(self, timeout: Duration) -> OpContext {
        self.with_deadline(Instant::now() + timeout)
    }

    /// This context with its own deadline (`timeouts`), or `default` from now when it has none.
    pub fn or_timeout(&self, default: Duration) -> OpContext {
        match self.deadline {
            Some(_) => self.clone(),
            None => self.clone().with_timeout(default),
        }
    }

    /// Shares a cancellation flag (one per run, set by the Ctrl-C handler).
    pub fn with_cancellation(mut self, cancelled: Arc<AtomicBool>) -> OpContext {
        self.cancelled = cancelled;
        self
    }

    pub fn with_progress(mut self, progress: Arc<dyn Fn(String) + Send + Sync>) -> OpContext {
        self.progress = progress;
        self
    }

    pub fn with_heartbeat(mut self, heartbeat: Duration) -> OpContext {
        self.heartbeat = heartbeat;
        self
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn report(&self, message: String) {
        (self.progress)(message)
    }

    /// Fails with `Cancelled` or `Timeout` when the operation must stop now.
    pub fn check(&self, status: &str) -> Result<(), ProviderError> {
        if self.is_cancelled() {
            return Err(ProviderError::Cancelled);
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(ProviderError::Timeout {
                last_status: status.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// Waits `total`, reporting "Still {activity}... [Ns elapsed]" every heartbeat of the
    /// operation (elapsed since it started, however many waits it takes), waking early with
    /// `Cancelled` when the run is interrupted and with `Timeout` at the deadline.
    pub async fn sleep(&self, total: Duration, activity: &str) -> Result<(), ProviderError> {
        let start = Instant::now();
        let end = start + total;
        let heartbeat = self.heartbeat.max(Duration::from_millis(1));
        loop {
            if self.is_cancelled() {
                return Err(ProviderError::Cancelled);
            }
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            if let Some(deadline) = self.deadline {
                if now >= deadline {
                    return Err(ProviderError::Timeout {
                        last_status: format!(
                            "still {activity} after {} of {}",
                            format_elapsed(now - start),
                            format_elapsed(total)
                        ),
                    });
                }
            }
            let elapsed = now - self.started;
            let due = elapsed.as_millis() as u64 / heartbeat.as_millis().max(1) as u64;
            if due > self.beats.load(Ordering::Relaxed) {
                self.beats.store(due, Ordering::Relaxed);
                self.report(format!(
                    "Still {activity}... [{} elapsed]",
                    format_elapsed(elapsed)
                ));
            }
            let next_beat = self.started + heartbeat * (due as u32 + 1);
            let mut wake = end.min(next_beat).min(now + CANCEL_POLL);
            if let Some(deadline) = self.deadline {
                wake = wake.min(deadline);
            }
            tokio::time::sleep(wake.saturating_duration_since(now)).await;
        }
    }
}

impl Default for OpContext {
    fn default() -> Self {
        OpContext::new()
    }
}

impl fmt::Debug for OpContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpContext")
            .field("deadline", &self.deadline)
            .field("cancelled", &self.is_cancelled())
            .field("heartbeat", &self.heartbeat)
            .finish_non_exhaustive()
    }
}

/// Elapsed time as Terraform prints it: "45s", "1m30s", "2h0m5s".
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// Why a provider operation failed. The applier decides from the kind whether to retry
/// (`Retryable`), stop waiting (`Cancelled`, `Timeout`) or report.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the object does not exist")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("{message} (retryable)")]
    Retryable {
        message: String,
        after: Option<Duration>,
    },
    #[error("{}", validation_message(attribute.as_deref(), message))]
    Validation {
        attribute: Option<String>,
        message: String,
    },
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("cancelled")]
    Cancelled,
    #[error("timed out ({last_status})")]
    Timeout { last_status: String },
    #[error("{0}")]
    Other(String),
    /// The object was made but did not become ready (a wait timed out or failed): the value is
    /// what exists, which state records as tainted so that the next apply replaces it.
    #[error("{cause}")]
    Incomplete {
        value: Box<Value>,
        cause: Box<ProviderError>,
    },
}

fn validation_message(attribute: Option<&str>, message: &str) -> String {
    match attribute {
        Some(attribute) => format!("invalid \"{attribute}\": {message}"),
        None => message.to_owned(),
    }
}

impl ProviderError {
    pub fn validation(attribute: &str, message: impl Into<String>) -> ProviderError {
        ProviderError::Validation {
            attribute: Some(attribute.to_owned()),
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> ProviderError {
        ProviderError::Other(message.into())
    }

    /// [`ProviderError::Incomplete`] for an object that exists but did not become ready through
    /// `cause`: its value is what a fresh `read` found, else `fallback()` (the planned value with
    /// the object's id).
    pub fn incomplete(
        read: Result<Option<Value>, ProviderError>,
        fallback: impl FnOnce() -> Value,
        cause: ProviderError,
    ) -> ProviderError {
        ProviderError::Incomplete {
            value: Box::new(read.ok().flatten().unwrap_or_else(fallback)),
            cause: Box::new(cause),
        }
    }
}

/// One resource type (or data source) of a compiled-in provider.
pub trait ResourceType: Send + Sync {
    fn schema(&self) -> &ResourceSchema;

    /// Plan-time hook: the planned new value from the prior state (None on create/replace) and the
    /// proposed value (configuration with computed attributes unknown, or carried over from prior
    /// on update). Providers keep values stable (random results), fill computed values known at
    /// plan time, mark attributes unknown that will change, and validate known arguments.
    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let _ = prior;
        Ok(proposed)
    }

    /// [`plan`](ResourceType::plan) with the configured provider at hand, for rules that depend
    /// on the provider's configuration (AWS `default_tags` in `tags_all`); `provider` is `None`
    /// when planning without one (tests, providers that take no configuration).
    ///
    /// The planner calls this for every change, and for every unchanged instance of a type
    /// served by a configured provider: a planned value that differs from the prior one then
    /// becomes an in-place update (the provider's configuration changed).
    fn plan_configured(
        &self,
        provider: Option<&ProviderHandle>,
        prior: Option<&Value>,
        proposed: Value,
    ) -> Result<Value, ProviderError> {
        let _ = provider;
        self.plan(prior, proposed)
    }

    /// Plan-time check of an object the plan deletes or replaces, as state holds it: an error
    /// (saying which setting to apply first) fails the plan. Allowed by default.
    fn check_destroy(&self, current: &Value) -> Result<(), ProviderError> {
        let _ = current;
        Ok(())
    }

    /// What is lost with an object that holds data (a database's rows, a file system's files)
    /// when a plan replaces it, as state holds it: the plan shows it as a warning. `None` for
    /// objects whose replacement loses nothing (the default).
    fn data_lost_on_replace(&self, current: &Value) -> Option<String> {
        let _ = current;
        None
    }

    fn create<'a>(
        &'a self,
        ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>>;

    /// Whether refreshing asks something outside state (a cloud, the disk). Types whose objects
    /// live only in state return false, and refresh skips them.
    fn reads_outside_state(&self) -> bool {
        true
    }

    /// Refresh: the object's current value, or None if it no longer exists.
    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>>;

    /// Whether refresh should read this type's objects together through [`read_many`]
    /// (one listing call per page instead of one call per object).
    ///
    /// [`read_many`]: ResourceType::read_many
    fn reads_in_batches(&self) -> bool {
        false
    }

    /// Refresh of several objects of this type through one configured provider: one result per
    /// value, in order. The default reads them one by one.
    fn read_many<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a [Value],
    ) -> BoxFuture<'a, Vec<Result<Option<Value>, ProviderError>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(current.len());
            for value in current {
                out.push(self.read(ctx, value).await);
            }
            out
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>>;

    fn delete<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;

    fn import<'a>(
        &'a self,
        ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>>;

    /// A stable identity, known before create, by which the object can be found again after a
    /// crash (deterministic name, client token, ownership tags). None: the object lives only in
    /// state, so a lost create is simply redone. `ctx` carries the address and the provider.
    /// The create that follows sees it in [`OpContext::identity`], so a name generated here is
    /// the name it uses.
    fn identity(&self, ctx: &OpContext, planned: &Value) -> Option<serde_json::Value> {
        let _ = (ctx, planned);
        None
    }

    /// The object with this identity, if it exists: what `create` would have returned.
    fn find<'a>(
        &'a self,
        ctx: &'a OpContext,
        identity: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        let _ = (ctx, identity);
        Box::pin(async { Ok(None) })
    }
}

/// One refresh result per object from a batch read of `count` objects: the batch's values,
/// or, when the batch failed, its error for each object.
pub fn each_read(
    count: usize,
    batch: Result<Vec<Option<Value>>, ProviderError>,
) -> Vec<Result<Option<Value>, ProviderError>> {
    match batch {
        Ok(values) => values.into_iter().map(Ok).collect(),
        Err(e) => {
            let message = e.to_string();
            (0..count)
                .map(|_| Err(ProviderError::other(message.clone())))
                .collect()
        }
    }
}

/// A data source: all it does is read. Wrap it in [`Data`] to register it.
pub trait DataSource: Send + Sync {
    fn schema(&self) -> &ResourceSchema;

    /// Reads what the arguments in `config` select; `None` when nothing matches.
    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>>;
}

/// A [`DataSource`] as the engine sees it: reads only; the managed operations refuse.
pub struct Data<T>(pub T);

impl<T: DataSource> ResourceType for Data<T> {
    fn schema(&self) -> &ResourceSchema {
        self.0.schema()
    }

    fn create<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async { Err(ProviderError::other("a data source is only read")) })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        self.0.read(ctx, current)
    }

    fn update<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _prior: &'a Value,
        _planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async { Err(ProviderError::other("a data source is only read")) })
    }

    fn delete<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    fn import<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async { Err(ProviderError::other("data sources cannot be imported")) })
    }
}

/// A resource type whose objects live only in state (`plat_data`, `random_*`): there is nothing
/// outside plat to read, change or delete, so only creating and importing values is left to the
/// type. Implement this, and [`ResourceType`] follows.
pub trait StateOnly: Send + Sync {
    fn schema(&self) -> &ResourceSchema;

    /// As [`ResourceType::plan`].
    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        let _ = prior;
        Ok(proposed)
    }

    /// The value of a new object.
    fn create_value<'a>(
        &'a self,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>>;

    /// The value after an in-place update: by default the planned value with the computed
    /// attributes kept from before.
    fn update_value(&self, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        Ok(keep_computed(self.schema(), prior, planned))
    }

    /// The value an import of `id` produces.
    fn import_value<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Value, ProviderError>>;
}

impl<T: StateOnly> ResourceType for T {
    fn schema(&self) -> &ResourceSchema {
        StateOnly::schema(self)
    }

    fn plan(&self, prior: Option<&Value>, proposed: Value) -> Result<Value, ProviderError> {
        StateOnly::plan(self, prior, proposed)
    }

    fn create<'a>(
        &'a self,
        _ctx: &'a OpContext,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        self.create_value(planned)
    }

    fn reads_outside_state(&self) -> bool {
        false
    }

    /// The stored value is the object.
    fn read<'a>(
        &'a self,
        _ctx: &'a OpContext,
        current: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, ProviderError>> {
        Box::pin(async move { Ok(Some(complete(StateOnly::schema(self), current, []))) })
    }

    fn update<'a>(
        &'a self,
        _ctx: &'a OpContext,
        prior: &'a Value,
        planned: &'a Value,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move { self.update_value(prior, planned) })
    }

    /// Forgetting the value is all a delete does.
    fn delete<'a>(
        &'a self,
        _ctx: &'a OpContext,
        _current: &'a Value,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    fn import<'a>(
        &'a self,
        _ctx: &'a OpContext,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        self.import_value(id)
    }
}

/// Reads a resource value's attributes, looking through sensitive marks and applying schema
/// defaults to nulls.
pub struct Attrs<'a> {
    schema: &'a ResourceSchema,
    value: &'a Value,
}

static NULL: Value = Value::Null;

impl<'a> Attrs<'a> {
    pub fn new(schema: &'a ResourceSchema, value: &'a Value) -> Attrs<'a> {
        Attrs { schema, value }
    }

    /// The attribute as stored (marks kept), or null.
    pub fn raw(&self, name: &str) -> &'a Value {
        self.value
            .peel()
            .as_entries()
            .and_then(|entries| entries.get(name))
            .unwrap_or(&NULL)
    }

    /// The attribute without its sensitive mark; its schema default when null.
    pub fn get(&self, name: &str) -> &'a Value {
        let value = self.raw(name).peel();
        if value.is_null() {
            if let Some(default) = self.schema.attribute(name).and_then(|a| a.default.as_ref()) {
                return default;
            }
        }
        value
    }

    pub fn is_known(&self, name: &str) -> bool {
        self.get(name).is_fully_known()
    }

    /// Every attribute this value holds is known (except, possibly, computed ones).
    pub fn arguments_known(&self) -> bool {
        self.schema
            .attributes
            .iter()
            .filter(|a| a.settable())
            .all(|a| self.is_known(a.name))
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, ProviderError> {
        match self.get(name) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(_) | Value::Bool(_) => Ok(self.get(name).to_template_string()),
            Value::Unknown(_) => Err(not_known(name)),
            other => Err(ProviderError::validation(
                name,
                format!("must be a string, not {}", other.kind_name()),
            )),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ProviderError> {
        match self.get(name) {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "true" => Ok(Some(true)),
            Value::String(s) if s == "false" => Ok(Some(false)),
            Value::Unknown(_) => Err(not_known(name)),
            other => Err(ProviderError::validation(
                name,
                format!("must be a bool, not {}", other.kind_name()),
            )),
        }
    }

    /// A whole, non-negative number.
    pub fn count(&self, name: &str) -> Result<Option<usize>, ProviderError> {
        let n = match self.get(name) {
            Value::Null => return Ok(None),
            Value::Number(n) => *n,
            Value::String(s) => parse_number(s).ok_or_else(|| {
                ProviderError::validation(name, format!("\"{s}\" is not a number"))
            })?,
            Value::Unknown(_) => return Err(not_known(name)),
            other => {
                return Err(ProviderError::validation(
                    name,
                    format!("must be a number, not {}", other.kind_name()),
                ))
            }
        };
        if !(n.is_finite() && n.fract() == 0.0 && n >= 0.0) {
            return Err(ProviderError::validation(
                name,
                format!("must be a whole number of at least 0, not {n}"),
            ));
        }
        if n > MAX_COUNT as f64 {
            return Err(ProviderError::validation(
                name,
                format!("must be at most {MAX_COUNT}"),
            ));
        }
        Ok(Some(n as usize))
    }
}

impl<'a> Attrs<'a> {
    /// A map of strings (`tags`); null is empty.
    pub fn string_map(&self, name: &str) -> Result<BTreeMap<String, String>, ProviderError> {
        match self.get(name) {
            Value::Null => Ok(BTreeMap::new()),
            Value::Unknown(_) => Err(not_known(name)),
            value => {
                let entries = value.as_entries().ok_or_else(|| {
                    ProviderError::validation(
                        name,
                        format!("must be a map of strings, not {}", value.kind_name()),
                    )
                })?;
                entries
                    .iter()
                    .map(|(k, v)| match v.peel() {
                        Value::String(s) => Ok((k.clone(), s.clone())),
                        Value::Unknown(_) => Err(not_known(name)),
                        other => other
                            .to_template_string()
                            .map(|s| (k.clone(), s))
                            .ok_or_else(|| {
                                ProviderError::validation(name, format!("\"{k}\" must be a string"))
                            }),
                    })
                    .collect()
            }
        }
    }

    /// A list or set of strings; null is empty.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, ProviderError> {
        match self.get(name) {
            Value::Null => Ok(Vec::new()),
            Value::Unknown(_) => Err(not_known(name)),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items
                .iter()
                .map(|v| match v.peel() {
                    Value::String(s) => Ok(s.clone()),
                    Value::Unknown(_) => Err(not_known(name)),
                    other => Err(ProviderError::validation(
                        name,
                        format!("must hold strings, not {}", other.kind_name()),
                    )),
                })
                .collect(),
            other => Err(ProviderError::validation(
                name,
                format!("must be a list of strings, not {}", other.kind_name()),
            )),
        }
    }

    /// The blocks (or object elements) of a nested block or list attribute, as values.
    pub fn blocks(&self, name: &str) -> Vec<&'a Value> {
        match self.get(name) {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => items.iter().collect(),
            Value::Object(_) | Value::Map(_) => vec![self.get(name)],
            _ => Vec::new(),
        }
    }
}

/// The largest count any built-in resource accepts (lengths of generated values).
const MAX_COUNT: usize = 1 << 20;

fn not_known(name: &str) -> ProviderError {
    ProviderError::other(format!("\"{name}\" is not known yet"))
}

/// A resource value with every schema attribute present: `set` entries override `base`'s,
/// missing attributes are null, and sensitive attributes are marked per the schema.
pub fn complete(
    schema: &ResourceSchema,
    base: &Value,
    set: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let mut entries: BTreeMap<String, Value> =
        base.peel().as_entries().cloned().unwrap_or_default();
    for (name, value) in set {
        entries.insert(name.to_owned(), value);
    }
    let mut out = BTreeMap::new();
    for attribute in &schema.attributes {
        let value = entries.remove(attribute.name).unwrap_or(Value::Null);
        out.insert(
            attribute.name.to_owned(),
            value.mark_if(attribute.sensitive),
        );
    }
    for block in &schema.blocks {
        let value = entries.remove(block.name).unwrap_or(Value::Null);
        out.insert(block.name.to_owned(), value);
    }
    Value::Object(out)
}

/// The computed attributes of `prior`, carried into `proposed` where `proposed` does not know them.
pub fn keep_computed(schema: &ResourceSchema, prior: &Value, proposed: &Value) -> Value {
    let prior = Attrs::new(schema, prior);
    let proposed_attrs = Attrs::new(schema, proposed);
    let kept: Vec<(&'static str, Value)> = schema
        .attributes
        .iter()
        .filter(|a| !a.settable() && proposed_attrs.raw(a.name).is_unknown())
        .map(|a| (a.name, prior.raw(a.name).clone()))
        .collect();
    complete(schema, proposed, kept)
}

/// An unknown of the attribute's type, for plans.
pub fn unknown(schema: &ResourceSchema, name: &str) -> Value {
    match schema.attribute(name) {
        Some(a) => Value::Unknown(a.ty.clone()),
        None => Value::unknown(),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A configuration as the expander produces it: settable attributes from `set` or their
    /// default (else null), computed attributes unknown.
    pub fn config(schema: &ResourceSchema, set: &[(&str, Value)]) -> Value {
        let mut out = BTreeMap::new();
        for a in &schema.attributes {
            let value = match set.iter().find(|(n, _)| *n == a.name) {
                Some((_, v)) => v.clone(),
                None if !a.settable() => Value::Unknown(a.ty.clone()),
                None => a.default.clone().unwrap_or(Value::Null),
            };
            out.insert(a.name.to_owned(), value);
        }
        Value::Object(out)
    }

    pub fn attr<'v>(value: &'v Value, name: &str) -> &'v Value {
        value
            .as_entries()
            .and_then(|e| e.get(name))
            .unwrap_or(&NULL)
    }

    pub fn text(value: &Value, name: &str) -> String {
        attr(value, name)
            .peel()
            .as_str()
            .map(str::to_owned)
            .unwrap_or_default()
    }

    pub fn assert_complete(schema: &ResourceSchema, value: &Value) {
        assert!(value.is_fully_known(), "not fully known: {value:?}");
        for a in &schema.attributes {
            let v = attr(value, a.name);
            assert!(
                value.as_entries().is_some_and(|e| e.contains_key(a.name)),
                "missing {}",
                a.name
            );
            assert_eq!(v.is_sensitive(), a.sensitive, "sensitivity of {}", a.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn sleep_waits_and_reports() {
        let beats = Arc::new(Mutex::new(Vec::new()));
        let sink = beats.clone();
        let ctx = OpContext::new()
            .with_heartbeat(Duration::from_millis(50))
            .with_progress(Arc::new(move |m| {
                if let Ok(mut b) = sink.lock() {
                    b.push(m)
                }
            }));
        let start = Instant::now();
        ctx.sleep(Duration::from_millis(220), "creating")
            .await
            .unwrap();
        assert!(start.elapsed() >= Duration::from_millis(220));
        let beats = beats.lock().unwrap();
        assert!(beats.len() >= 2, "{beats:?}");
        assert!(beats[0].starts_with("Still creating... ["), "{beats:?}");
    }

    #[tokio::test]
    async fn sleep_stops_at_deadline_and_on_cancel() {
        let ctx = OpContext::new().with_timeout(Duration::from_millis(100));
        let err = ctx
            .sleep(Duration::from_secs(5), "creating")
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Timeout { .. }), "{err}");

        let ctx = OpContext::new();
        let flag = ctx.cancelled.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::Relaxed);
        });
        let start = Instant::now();
        let err = ctx
            .sleep(Duration::from_secs(5), "creating")
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Cancelled));
        assert!(start.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn elapsed_and_errors_read_well() {
        assert_eq!(format_elapsed(Duration::from_secs(5)), "5s");
        assert_eq!(format_elapsed(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_elapsed(Duration::from_secs(3605)), "1h0m5s");
        assert_eq!(
            ProviderError::validation("length", "must be at least 1").to_string(),
            "invalid \"length\": must be at least 1"
        );
    }
}
