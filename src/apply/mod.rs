//! Applying: a second evaluation of the stack in which each resource instance's planned change
//! is started through its provider as the walk reaches it, in the background; before anything
//! that refers to a resource is evaluated, the walk waits for that resource's operations
//! (`InstanceHook::settle`), so dependants see real values (IDs, generated passwords) while
//! unrelated operations overlap, up to `--parallelism` at a time.
//!
//! Every mutation is preceded by an intent and followed by a result in the journal (O(1) per
//! operation); the state file is written once at the end, and the journal folded in. After the
//! first failure (or Ctrl-C) no further operation starts; what is in flight finishes and is saved.
//! Deletions wait until the walk is over and then run dependants-first.

pub mod dependencies;

use crate::providers::configured::ProviderSet;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::expand::{InstanceHook, InstanceKey, ModuleInstance};
use crate::graph::ModulePath;
use crate::lang::config::{Resource, ResourceMode};
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::source::Span;
use crate::lang::value::Value;
use crate::plan::model::Action;
use crate::plan::planner::{PlannedInstance, Planner};
use crate::providers::registry;
use crate::providers::resource::{OpContext, ResourceType};
use crate::state::journal::{self, Intent, OperationResult, Outcome, Record};
use crate::state::{InstanceAddress, InstanceState, Journal, State};

pub mod codes {
    pub const OPERATION_FAILED: &str = "plat::apply::operation_failed";
    pub const JOURNAL: &str = "plat::apply::journal";
    pub const INTERRUPTED: &str = "plat::apply::interrupted";
}

/// Progress lines (`plat_data.a: Creating...`), written by the caller.
pub type Progress = Arc<dyn Fn(String) + Send + Sync>;

/// What the concurrent operations share.
struct Shared {
    journal: Mutex<Journal>,
    state: Mutex<State>,
    progress: Progress,
    /// Set by the first failure: no further operation starts.
    failed: AtomicBool,
    /// Set by the first Ctrl-C: no further operation starts, waits stop early.
    interrupted: Arc<AtomicBool>,
    performed: AtomicUsize,
    slots: tokio::sync::Semaphore,
    /// The run's configured providers, by the name state records.
    providers: ProviderSet,
}

/// How one operation ended.
enum OpOutcome {
    /// The instance's value afterwards (`None`: deleted).
    Done(Option<Value>),
    Failed(String),
    /// Not started: an earlier operation failed, or Ctrl-C.
    Skipped,
}

/// An operation running in the background.
struct Pending {
    instance: ModuleInstance,
    key: InstanceKey,
    address: InstanceAddress,
    span: Option<Span>,
    /// What dependants see if the operation does not finish (the state's value, or the plan's).
    fallback: Value,
    handle: tokio::task::JoinHandle<OpOutcome>,
}

/// Carries out planned changes concurrently, recording them in the journal and the state.
pub struct Executor {
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    /// Running operations by resource (static module path, mode, type, name).
    pending: BTreeMap<(ModulePath, ResourceMode, String, String), Vec<Pending>>,
}

/// First Ctrl-C: stop starting operations and cut waits short, so what is in flight finishes
/// and is saved. Second Ctrl-C: leave at once; the journal (on disk) lets the next run recover.
fn watch_interrupts(
    runtime: &tokio::runtime::Runtime,
    interrupted: Arc<AtomicBool>,
    progress: Progress,
) {
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        interrupted.store(true, Ordering::SeqCst);
        progress("Interrupt received: finishing what is in progress and saving the state (press Ctrl-C again to stop at once; the next run recovers)".into());
        if tokio::signal::ctrl_c().await.is_ok() {
            progress("Second interrupt: stopping now; run plat apply again to recover from the journal".into());
            std::process::exit(130);
        }
    });
}

impl Executor {
    pub fn new(
        runtime: tokio::runtime::Runtime,
        journal: Journal,
        state: State,
        progress: Progress,
        parallelism: usize,
        providers: ProviderSet,
    ) -> Executor {
        let interrupted = Arc::new(AtomicBool::new(false));
        watch_interrupts(&runtime, interrupted.clone(), progress.clone());
        Executor {
            runtime,
            shared: Arc::new(Shared {
                journal: Mutex::new(journal),
                state: Mutex::new(state),
                progress,
                failed: AtomicBool::new(false),
                interrupted,
                performed: AtomicUsize::new(0),
                slots: tokio::sync::Semaphore::new(parallelism.max(1)),
                providers,
            }),
            pending: BTreeMap::new(),
        }
    }

    /// True once Ctrl-C was pressed.
    pub fn was_interrupted(&self) -> bool {
        self.shared.interrupted.load(Ordering::SeqCst)
    }

    pub fn performed(&self) -> usize {
        self.shared.performed.load(Ordering::SeqCst)
    }

    /// The new state, once every operation has finished.
    pub fn into_state(self) -> State {
        let Executor { shared, .. } = self;
        match Arc::try_unwrap(shared) {
            Ok(shared) => shared.state.into_inner().unwrap_or_else(|e| e.into_inner()),
            // Unreachable in practice: every task was joined. Keep what the state says.
            Err(shared) => shared
                .state
                .lock()
                .map(|s| s.clone())
                .unwrap_or_else(|e| e.into_inner().clone()),
        }
    }

    /// Starts a change in the background; returns what dependants see until it is settled.
    fn start(
        &mut self,
        path: ModulePath,
        instance: ModuleInstance,
        key: InstanceKey,
        planned: PlannedInstance,
        span: Span,
    ) -> Value {
        let change = &planned.change;
        let fallback = change
            .after
            .clone()
            .or_else(|| change.before.clone())
            .unwrap_or(Value::Null);
        if matches!(change.action, Action::NoOp | Action::Read) {
            return fallback;
        }
        let address = planned.address.clone();
        let Some(implementation) = registry().implementation(address.mode, &address.type_name)
        else {
            return fallback;
        };
        let shared = self.shared.clone();
        let handle = self
            .runtime
            .spawn(run_change(shared, planned, implementation));
        self.pending
            .entry((
                path,
                address.mode,
                address.type_name.clone(),
                address.name.clone(),
            ))
            .or_default()
            .push(Pending {
                instance,
                key,
                address,
                span: Some(span),
                fallback: fallback.clone(),
                handle,
            });
        fallback
    }

    /// Waits for the running operations of one resource; returns the instances' values.
    fn settle(
        &mut self,
        key: &(ModulePath, ResourceMode, String, String),
        diagnostics: &mut Diagnostics,
    ) -> Vec<(ModuleInstance, InstanceKey, Value)> {
        let Some(running) = self.pending.remove(key) else {
            return Vec::new();
        };
        running
            .into_iter()
            .map(|op| {
                let outcome = self.runtime.block_on(op.handle).unwrap_or_else(|e| {
                    OpOutcome::Failed(format!("the operation stopped unexpectedly: {e}"))
                });
                let value = self
                    .report(outcome, &op.address, op.span.clone(), diagnostics)
                    .unwrap_or(op.fallback);
                (op.instance, op.key, value)
            })
            .collect()
    }

    /// Turns an outcome into a value for dependants, reporting failures.
    fn report(
        &self,
        outcome: OpOutcome,
        address: &InstanceAddress,
        span: Option<Span>,
        diagnostics: &mut Diagnostics,
    ) -> Option<Value> {
        match outcome {
            OpOutcome::Done(value) => value,
            OpOutcome::Failed(message) => {
                diagnostics.push(
                    Diagnostic::error(codes::OPERATION_FAILED, format!("{address}: {message}"))
                        .at_opt(span)
                        .help(
                            "fix the cause and run plat apply again; what was done so far is saved",
                        ),
                );
                None
            }
            OpOutcome::Skipped => {
                if self.was_interrupted() {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::INTERRUPTED,
                            format!("{address}: not started: interrupted"),
                        )
                        .at_opt(span)
                        .help("run plat apply again to finish"),
                    );
                }
                None
            }
        }
    }

    /// Waits for everything still running.
    fn settle_all(&mut self, diagnostics: &mut Diagnostics) {
        let keys: Vec<_> = self.pending.keys().cloned().collect();
        for key in keys {
            self.settle(&key, diagnostics);
        }
    }

    /// Performs one change and waits for it (deletions after the walk).
    fn execute(
        &mut self,
        planned: &PlannedInstance,
        diagnostics: &mut Diagnostics,
        span: Option<Span>,
    ) {
        let address = planned.address.clone();
        let Some(implementation) = registry().implementation(address.mode, &address.type_name)
        else {
            return;
        };
        let outcome = self.runtime.block_on(run_change(
            self.shared.clone(),
            planned.clone(),
            implementation,
        ));
        self.report(outcome, &address, span, diagnostics);
    }
}

/// Carries out one planned change: intent, provider call, result, state.
async fn run_change(
    shared: Arc<Shared>,
    planned: PlannedInstance,
    implementation: Arc<dyn ResourceType>,
) -> OpOutcome {
    let _slot = match shared.slots.acquire().await {
        Ok(permit) => permit,
        Err(_) => return OpOutcome::Skipped,
    };
    if shared.failed.load(Ordering::SeqCst) || shared.interrupted.load(Ordering::SeqCst) {
        return OpOutcome::Skipped;
    }
    let change = &planned.change;
    let operation = Operation {
        shared: &shared,
        planned: &planned,
        implementation: &*implementation,
    };
    let result = match change.action {
        Action::Create => operation.create().await,
        Action::Update => operation.update().await,
        Action::Delete => operation.delete(true).await.map(|()| None),
        Action::DeleteThenCreate => match operation.delete(true).await {
            Ok(()) => operation.create().await,
            Err(e) => Err(e),
        },
        Action::CreateThenDelete => match operation.create().await {
            // The new object exists; the old one goes without touching the new state entry.
            Ok(value) => operation.delete(false).await.map(|()| value),
            Err(e) => Err(e),
        },
        Action::NoOp | Action::Read => Ok(change.after.clone()),
    };
    match result {
        Ok(value) => {
            shared.performed.fetch_add(1, Ordering::SeqCst);
            OpOutcome::Done(value)
        }
        Err(message) => {
            shared.failed.store(true, Ordering::SeqCst);
            OpOutcome::Failed(message)
        }
    }
}

/// One change's steps, with access to the shared journal and state.
struct Operation<'o> {
    shared: &'o Shared,
    planned: &'o PlannedInstance,
    implementation: &'o dyn ResourceType,
}

/// How often long operations report that they are still going: `PLAT_HEARTBEAT` (a duration
/// such as `30s`), else every 10 s.
fn heartbeat() -> std::time::Duration {
    static HEARTBEAT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *HEARTBEAT.get_or_init(|| {
        std::env::var("PLAT_HEARTBEAT")
            .ok()
            .and_then(|text| crate::lang::meta_check::parse_duration(&text))
            .filter(|secs| *secs > 0.0)
            .map_or(crate::providers::resource::DEFAULT_HEARTBEAT, |secs| {
                std::time::Duration::from_secs_f64(secs)
            })
    })
}

impl Operation<'_> {
    /// The context of one step: `kind` picks the resource's timeout (`create`, `update`,
    /// `delete`).
    async fn context(&self, kind: journal::Action) -> Result<OpContext, String> {
        let progress = self.shared.progress.clone();
        let address = self.planned.address.to_string();
        let provider = self
            .shared
            .providers
            .handle(&self.planned.provider)
            .await
            .map_err(|e| e.to_string())?;
        let timeouts = &self.planned.timeouts;
        let timeout = match kind {
            journal::Action::Create => timeouts.create,
            journal::Action::Update => timeouts.update,
            journal::Action::Delete => timeouts.delete,
            journal::Action::Read => None,
        };
        let ctx = match timeout {
            Some(timeout) => OpContext::new().with_timeout(timeout),
            None => OpContext::new(),
        }
        .with_heartbeat(heartbeat());
        Ok(ctx
            .with_progress(Arc::new({
                let address = address.clone();
                move |line| progress(format!("{address}: {line}"))
            }))
            .with_cancellation(self.shared.interrupted.clone())
            .with_provider(provider)
            .with_address(address))
    }

    fn progress(&self, line: String) {
        (self.shared.progress)(line);
    }

    fn intent(
        &self,
        action: journal::Action,
        identity: Option<serde_json::Value>,
    ) -> Result<u64, String> {
        let mut journal = self.shared.journal.lock().map_err(|_| {
            "the journal is unusable after a crash of another operation".to_string()
        })?;
        let seq = journal.next_seq();
        // An intent must be on disk before a mutation of an object that exists outside state
        // (it has an identity to find it by after a crash); for objects that live only in
        // state, a lost intent loses nothing.
        let durable = identity.is_some();
        let record = Record::Intent(Intent {
            seq,
            address: self.planned.address.clone(),
            provider: self.planned.provider.clone(),
            action,
            identity,
        });
        let written = if durable {
            journal.append(&record)
        } else {
            journal.append_unsynced(&record)
        };
        written.map_err(|e| e.to_string())?;
        Ok(seq)
    }

    /// Records the result and applies it to the state (one lock at a time, never both).
    fn finish(
        &self,
        seq: u64,
        outcome: Outcome,
        state_update: impl FnOnce(&mut State),
    ) -> Result<(), String> {
        {
            let mut journal = self
                .shared
                .journal
                .lock()
                .map_err(|_| "the journal is unusable".to_string())?;
            // A lost result is recovered by asking the provider about the intent.
            journal
                .append_unsynced(&Record::Result(OperationResult {
                    seq,
                    address: self.planned.address.clone(),
                    outcome,
                }))
                .map_err(|e| e.to_string())?;
        }
        let mut state = self
            .shared
            .state
            .lock()
            .map_err(|_| "the state is unusable".to_string())?;
        state_update(&mut state);
        Ok(())
    }

    async fn create(&self) -> Result<Option<Value>, String> {
        let after = self.planned.change.after.clone().unwrap_or(Value::Null);
        let ctx = self.context(journal::Action::Create).await?;
        let identity = self.implementation.identity(&ctx, &after);
        let seq = self.intent(journal::Action::Create, identity.clone())?;
        let ctx = ctx.with_identity(identity);
        let verbs = ("Creating...", "Creation complete", "create failed");
        self.record_written(seq, verbs, self.implementation.create(&ctx, &after))
            .await
    }

    async fn update(&self) -> Result<Option<Value>, String> {
        let before = self.planned.change.before.clone().unwrap_or(Value::Null);
        let after = self.planned.change.after.clone().unwrap_or(Value::Null);
        let ctx = self.context(journal::Action::Update).await?;
        let seq = self.intent(
            journal::Action::Update,
            self.implementation.identity(&ctx, &before),
        )?;
        let verbs = ("Modifying...", "Modifications complete", "update failed");
        self.record_written(
            seq,
            verbs,
            self.implementation.update(&ctx, &before, &after),
        )
        .await
    }

    /// Records a written object: the journal result, then the instance in state.
    fn save(&self, seq: u64, instance: InstanceState) -> Result<(), String> {
        let address = &self.planned.address;
        let provider = self.planned.provider.clone();
        let outcome = Outcome::Done {
            instance: Some(instance.clone()),
        };
        self.finish(seq, outcome, |state| {
            state.set_instance(address, &provider, instance)
        })
    }

    /// Runs a create or update call and records its outcome: the new value in state, or the
    /// failure. `verbs` are the progress words (starting, done) and the error prefix.
    async fn record_written(
        &self,
        seq: u64,
        (starting, done, failed): (&str, &str, &str),
        call: crate::providers::resource::BoxFuture<
            '_,
            Result<Value, crate::providers::resource::ProviderError>,
        >,
    ) -> Result<Option<Value>, String> {
        let address = &self.planned.address;
        self.progress(format!("{address}: {starting}"));
        let started = Instant::now();
        match call.await {
            Ok(value) => {
                self.save(seq, instance_from_value(&value)?)?;
                self.progress(format!(
                    "{address}: {done} after {}{}",
                    elapsed(started),
                    id_suffix(&value)
                ));
                Ok(Some(value))
            }
            Err(crate::providers::resource::ProviderError::Incomplete { value, cause }) => {
                // The object exists but is not ready: state keeps it, tainted, so that nothing
                // is orphaned and the next apply replaces it.
                let mut instance = instance_from_value(&value)?;
                instance.status = crate::state::InstanceStatus::Tainted;
                let _ = self.save(seq, instance);
                Err(format!(
                    "{failed}: {cause}; the object{} exists and is saved as tainted: the next apply replaces it",
                    id_suffix(&value)
                ))
            }
            Err(e) => {
                let outcome = Outcome::Failed {
                    error: e.to_string(),
                };
                let _ = self.finish(seq, outcome, |_| {});
                Err(format!("{failed}: {e}"))
            }
        }
    }

    /// Deletes the object in `before`; `forget` removes the instance from state (false when a
    /// replacement already took its place).
    async fn delete(&self, forget: bool) -> Result<(), String> {
        let address = &self.planned.address;
        let Some(before) = self.planned.change.before.clone() else {
            return Ok(());
        };
        let ctx = self.context(journal::Action::Delete).await?;
        let seq = self.intent(
            journal::Action::Delete,
            self.implementation.identity(&ctx, &before),
        )?;
        self.progress(format!("{address}: Destroying..."));
        let started = Instant::now();
        match self.implementation.delete(&ctx, &before).await {
            Ok(()) => {
                let kept = if forget {
                    None
                } else {
                    self.shared
                        .state
                        .lock()
                        .ok()
                        .and_then(|s| s.instance(address).cloned())
                };
                self.finish(seq, Outcome::Done { instance: kept }, |state| {
                    if forget {
                        state.remove_instance(address);
                    }
                })?;
                self.progress(format!(
                    "{address}: Destruction complete after {}",
                    elapsed(started)
                ));
                Ok(())
            }
            Err(e) => {
                let _ = self.finish(
                    seq,
                    Outcome::Failed {
                        error: e.to_string(),
                    },
                    |_| {},
                );
                Err(format!("delete failed: {e}"))
            }
        }
    }
}

/// What state keeps of a value: attributes as JSON, with the paths of secrets.
fn instance_from_value(value: &Value) -> Result<InstanceState, String> {
    let (attributes, sensitive_paths) =
        crate::state::model::attributes_from_value(value).map_err(|e| e.to_string())?;
    Ok(InstanceState::new(attributes, sensitive_paths))
}

fn elapsed(started: Instant) -> String {
    format!("{}s", started.elapsed().as_secs())
}

fn id_suffix(value: &Value) -> String {
    match value.peel().as_entries().and_then(|a| a.get("id")) {
        Some(Value::String(id)) => format!(" [id={id}]"),
        _ => String::new(),
    }
}

/// Orders deletions so that an instance goes before the instances it depends on (by the
/// dependencies state recorded); ties and cycles keep address order.
fn dependants_first(
    mut pending: Vec<PlannedInstance>,
    dependencies: &BTreeMap<InstanceAddress, Vec<String>>,
) -> Vec<PlannedInstance> {
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        // Deletable now: nothing still pending depends on it.
        let depended_on: std::collections::BTreeSet<String> = pending
            .iter()
            .flat_map(|p| dependencies.get(&p.address).cloned().unwrap_or_default())
            .collect();
        let ready = pending
            .iter()
            .position(|p| !depended_on.contains(&dependencies::static_resource_address(&p.address)))
            .unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

/// The hook of the apply walk: plan each instance and start its change; settle running changes
/// when something refers to them. Deletions wait until the walk is over, and then go in reverse
/// order, dependants first.
pub struct ApplyHook<'p> {
    pub planner: Planner<'p>,
    pub executor: Executor,
    deferred: Vec<(PlannedInstance, Span)>,
    /// `--target`/`--exclude`: changes outside it are left undone.
    pub filter: Option<crate::plan::targeting::TargetFilter>,
}

impl<'p> ApplyHook<'p> {
    pub fn new(planner: Planner<'p>, executor: Executor) -> ApplyHook<'p> {
        ApplyHook {
            planner,
            executor,
            deferred: Vec::new(),
            filter: None,
        }
    }

    /// Waits for running changes, deletes what the walk deferred (in reverse walk order) and the
    /// instances that the configuration no longer has; returns the executor with the new state.
    pub fn finish(self, diagnostics: &mut Diagnostics) -> Executor {
        let ApplyHook {
            planner,
            mut executor,
            deferred,
            filter,
        } = self;
        let allowed = |address: &InstanceAddress| filter.as_ref().is_none_or(|f| f.allows(address));
        executor.settle_all(diagnostics);
        let visited: std::collections::BTreeSet<InstanceAddress> =
            planner.changes.iter().map(|c| c.address.clone()).collect();
        let dependencies: BTreeMap<InstanceAddress, Vec<String>> = planner
            .prior_instances()
            .iter()
            .map(|(address, prior)| (address.clone(), prior.dependencies.clone()))
            .collect();
        let orphans: Vec<PlannedInstance> = planner
            .finish()
            .into_iter()
            .filter(|c| !visited.contains(&c.address) && allowed(&c.address))
            .collect();
        for planned in dependants_first(orphans, &dependencies) {
            executor.execute(&planned, diagnostics, None);
        }
        for (planned, span) in deferred
            .into_iter()
            .rev()
            .filter(|(p, _)| allowed(&p.address))
        {
            executor.execute(&planned, diagnostics, Some(span));
        }
        executor
    }
}

impl InstanceHook for ApplyHook<'_> {
    fn settle(
        &mut self,
        path: &ModulePath,
        mode: ResourceMode,
        type_name: &str,
        name: &str,
        diagnostics: &mut Diagnostics,
    ) -> Vec<(ModuleInstance, InstanceKey, Value)> {
        let key = (path.clone(), mode, type_name.to_string(), name.to_string());
        self.executor.settle(&key, diagnostics)
    }

    fn planned(
        &mut self,
        instance: &ModuleInstance,
        resource: &Resource,
        key: &InstanceKey,
        configured: Value,
        diagnostics: &mut Diagnostics,
    ) -> Value {
        let before = self.planner.changes.len();
        let planned_value = self
            .planner
            .planned(instance, resource, key, configured, diagnostics);
        if self.planner.changes.len() == before || diagnostics.has_errors() {
            return planned_value;
        }
        let Some(planned) = self.planner.changes.last().cloned() else {
            return planned_value;
        };
        if self
            .filter
            .as_ref()
            .is_some_and(|f| !f.allows(&planned.address))
        {
            // Left out by --target/--exclude: dependants see the object as it is.
            return planned.change.before.clone().unwrap_or(planned_value);
        }
        match planned.change.action {
            Action::Delete => {
                self.deferred.push((planned, resource.span.clone()));
                return planned_value;
            }
            // Nothing to do: dependants see what the planner saw (the state's value).
            Action::NoOp | Action::Read => return planned_value,
            _ => {}
        }
        let path: ModulePath = instance.iter().map(|(call, _)| call.clone()).collect();
        self.executor.start(
            path,
            instance.clone(),
            key.clone(),
            planned,
            resource.span.clone(),
        )
    }
}
