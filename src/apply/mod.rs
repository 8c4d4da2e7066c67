//! Applying: a second evaluation of the stack in which each resource instance's planned change
//! is carried out through its provider as the walk reaches it, so that dependants are evaluated
//! with the real values (IDs, generated passwords) of what they depend on.
//!
//! Every cloud mutation is preceded by an intent and followed by a result in the journal
//! (O(1) per operation); the state file is written once at the end, and the journal folded in.
//! This first applier walks sequentially, in dependency order; on the first failure it stops
//! changing anything and lets the walk finish without further operations.

pub mod dependencies;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::expand::{InstanceHook, InstanceKey, ModuleInstance};
use crate::lang::config::Resource;
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
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

/// Carries out planned changes, recording them in the journal and the state.
pub struct Executor {
    runtime: tokio::runtime::Runtime,
    journal: Journal,
    pub state: State,
    progress: Progress,
    /// Set after the first failure: no further operations start.
    pub failed: bool,
    pub performed: usize,
    /// Set by the first Ctrl-C: no further operations start, waits stop early.
    interrupted: Arc<AtomicBool>,
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
    ) -> Executor {
        let interrupted = Arc::new(AtomicBool::new(false));
        watch_interrupts(&runtime, interrupted.clone(), progress.clone());
        Executor {
            runtime,
            journal,
            state,
            progress,
            failed: false,
            performed: 0,
            interrupted,
        }
    }

    /// True once Ctrl-C was pressed.
    pub fn was_interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// Performs one change; returns the instance's value afterwards (for dependants).
    pub fn execute(
        &mut self,
        planned: &PlannedInstance,
        diagnostics: &mut Diagnostics,
        at: Option<crate::lang::source::Span>,
    ) -> Option<Value> {
        let change = &planned.change;
        if change.action == Action::NoOp || change.action == Action::Read {
            return change.after.clone();
        }
        if self.failed {
            return change.after.clone().or_else(|| change.before.clone());
        }
        if self.was_interrupted() {
            self.failed = true;
            diagnostics.push(
                Diagnostic::error(
                    codes::INTERRUPTED,
                    format!("{}: not started: interrupted", planned.address),
                )
                .at_opt(at)
                .help("run plat apply again to finish"),
            );
            return change.after.clone().or_else(|| change.before.clone());
        }
        let address = &planned.address;
        let Some(implementation) = registry().implementation(address.mode, &address.type_name)
        else {
            return change.after.clone();
        };
        let result = match change.action {
            Action::Create => self.create(planned, &*implementation),
            Action::Update => self.update(planned, &*implementation),
            Action::Delete => self.delete(planned, &*implementation).map(|()| None),
            Action::DeleteThenCreate => self
                .delete(planned, &*implementation)
                .and_then(|()| self.create(planned, &*implementation)),
            Action::CreateThenDelete => {
                // The new object is created first; the old one is deleted once it exists.
                let created = self.create(planned, &*implementation);
                match created {
                    Ok(value) => {
                        let old = PlannedInstance {
                            change: crate::plan::model::InstanceChange {
                                action: Action::Delete,
                                before: change.before.clone(),
                                after: None,
                                reasons: change.reasons.clone(),
                            },
                            ..planned.clone()
                        };
                        self.delete_object(&old, &*implementation, false)
                            .map(|()| value)
                    }
                    Err(e) => Err(e),
                }
            }
            Action::NoOp | Action::Read => Ok(change.after.clone()),
        };
        match result {
            Ok(value) => {
                self.performed += 1;
                value
            }
            Err(message) => {
                self.failed = true;
                diagnostics.push(
                    Diagnostic::error(codes::OPERATION_FAILED, format!("{address}: {message}"))
                        .at_opt(at)
                        .help(
                            "fix the cause and run plat apply again; what was done so far is saved",
                        ),
                );
                change.before.clone()
            }
        }
    }

    fn context(&self, address: &InstanceAddress) -> OpContext {
        let progress = self.progress.clone();
        let address = address.to_string();
        OpContext::new()
            .with_progress(Arc::new(move |line| progress(format!("{address}: {line}"))))
            .with_cancellation(self.interrupted.clone())
    }

    fn intent(
        &mut self,
        planned: &PlannedInstance,
        action: journal::Action,
        identity: Option<serde_json::Value>,
    ) -> Result<u64, String> {
        let seq = self.journal.next_seq();
        // An intent must be on disk before a mutation of an object that exists outside state
        // (it has an identity to find it by after a crash); for objects that live only in
        // state, a lost intent loses nothing.
        let durable = identity.is_some();
        let record = Record::Intent(Intent {
            seq,
            address: planned.address.clone(),
            provider: planned.provider.clone(),
            action,
            identity,
        });
        let written = if durable {
            self.journal.append(&record)
        } else {
            self.journal.append_unsynced(&record)
        };
        written.map_err(|e| e.to_string())?;
        Ok(seq)
    }

    fn result(
        &mut self,
        seq: u64,
        address: &InstanceAddress,
        outcome: Outcome,
    ) -> Result<(), String> {
        // A lost result is recovered by asking the provider about the intent.
        self.journal
            .append_unsynced(&Record::Result(OperationResult {
                seq,
                address: address.clone(),
                outcome,
            }))
            .map_err(|e| e.to_string())
    }

    fn create(
        &mut self,
        planned: &PlannedInstance,
        implementation: &dyn ResourceType,
    ) -> Result<Option<Value>, String> {
        let address = &planned.address;
        let after = planned.change.after.clone().unwrap_or(Value::Null);
        let identity = implementation.identity(&after);
        let seq = self.intent(planned, journal::Action::Create, identity)?;
        (self.progress)(format!("{address}: Creating..."));
        let started = Instant::now();
        let ctx = self.context(address);
        let outcome = self.runtime.block_on(implementation.create(&ctx, &after));
        match outcome {
            Ok(value) => {
                let instance = instance_from_value(&value)?;
                self.result(
                    seq,
                    address,
                    Outcome::Done {
                        instance: Some(instance.clone()),
                    },
                )?;
                self.state
                    .set_instance(address, &planned.provider, instance);
                (self.progress)(format!(
                    "{address}: Creation complete after {}{}",
                    elapsed(started),
                    id_suffix(&value)
                ));
                Ok(Some(value))
            }
            Err(e) => {
                let _ = self.result(
                    seq,
                    address,
                    Outcome::Failed {
                        error: e.to_string(),
                    },
                );
                Err(format!("create failed: {e}"))
            }
        }
    }

    fn update(
        &mut self,
        planned: &PlannedInstance,
        implementation: &dyn ResourceType,
    ) -> Result<Option<Value>, String> {
        let address = &planned.address;
        let before = planned.change.before.clone().unwrap_or(Value::Null);
        let after = planned.change.after.clone().unwrap_or(Value::Null);
        let seq = self.intent(
            planned,
            journal::Action::Update,
            implementation.identity(&before),
        )?;
        (self.progress)(format!("{address}: Modifying..."));
        let started = Instant::now();
        let ctx = self.context(address);
        match self
            .runtime
            .block_on(implementation.update(&ctx, &before, &after))
        {
            Ok(value) => {
                let instance = instance_from_value(&value)?;
                self.result(
                    seq,
                    address,
                    Outcome::Done {
                        instance: Some(instance.clone()),
                    },
                )?;
                self.state
                    .set_instance(address, &planned.provider, instance);
                (self.progress)(format!(
                    "{address}: Modifications complete after {}{}",
                    elapsed(started),
                    id_suffix(&value)
                ));
                Ok(Some(value))
            }
            Err(e) => {
                let _ = self.result(
                    seq,
                    address,
                    Outcome::Failed {
                        error: e.to_string(),
                    },
                );
                Err(format!("update failed: {e}"))
            }
        }
    }

    fn delete(
        &mut self,
        planned: &PlannedInstance,
        implementation: &dyn ResourceType,
    ) -> Result<(), String> {
        self.delete_object(planned, implementation, true)
    }

    /// Deletes the object in `planned.change.before`; `forget` removes the instance from state
    /// (false when a replacement already took its place).
    fn delete_object(
        &mut self,
        planned: &PlannedInstance,
        implementation: &dyn ResourceType,
        forget: bool,
    ) -> Result<(), String> {
        let address = &planned.address;
        let Some(before) = planned.change.before.clone() else {
            return Ok(());
        };
        let seq = self.intent(
            planned,
            journal::Action::Delete,
            implementation.identity(&before),
        )?;
        (self.progress)(format!("{address}: Destroying..."));
        let started = Instant::now();
        let ctx = self.context(address);
        match self.runtime.block_on(implementation.delete(&ctx, &before)) {
            Ok(()) => {
                let instance = if forget {
                    None
                } else {
                    self.state.instance(address).cloned()
                };
                self.result(seq, address, Outcome::Done { instance })?;
                if forget {
                    self.state.remove_instance(address);
                }
                (self.progress)(format!(
                    "{address}: Destruction complete after {}",
                    elapsed(started)
                ));
                Ok(())
            }
            Err(e) => {
                let _ = self.result(
                    seq,
                    address,
                    Outcome::Failed {
                        error: e.to_string(),
                    },
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
    dependencies: &std::collections::BTreeMap<InstanceAddress, Vec<String>>,
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

/// The hook of the apply walk: plan each instance, then carry the change out. Deletions wait
/// until the walk is over, and then go in reverse order, dependants first.
pub struct ApplyHook<'p> {
    pub planner: Planner<'p>,
    pub executor: Executor,
    deferred: Vec<(PlannedInstance, crate::lang::source::Span)>,
}

impl<'p> ApplyHook<'p> {
    pub fn new(planner: Planner<'p>, executor: Executor) -> ApplyHook<'p> {
        ApplyHook {
            planner,
            executor,
            deferred: Vec::new(),
        }
    }

    /// Deletes what the walk deferred (in reverse walk order) and the instances that the
    /// configuration no longer has; returns the executor with the new state.
    pub fn finish(self, diagnostics: &mut Diagnostics) -> Executor {
        let ApplyHook {
            planner,
            mut executor,
            deferred,
        } = self;
        let visited: std::collections::BTreeSet<InstanceAddress> =
            planner.changes.iter().map(|c| c.address.clone()).collect();
        let dependencies: std::collections::BTreeMap<InstanceAddress, Vec<String>> = planner
            .prior_instances()
            .iter()
            .map(|(address, prior)| (address.clone(), prior.dependencies.clone()))
            .collect();
        let orphans: Vec<PlannedInstance> = planner
            .finish()
            .into_iter()
            .filter(|c| !visited.contains(&c.address))
            .collect();
        for planned in dependants_first(orphans, &dependencies) {
            executor.execute(&planned, diagnostics, None);
        }
        for (planned, span) in deferred.into_iter().rev() {
            executor.execute(&planned, diagnostics, Some(span));
        }
        executor
    }
}

impl InstanceHook for ApplyHook<'_> {
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
        if planned.change.action == Action::Delete {
            self.deferred.push((planned, resource.span.clone()));
            return planned_value;
        }
        self.executor
            .execute(&planned, diagnostics, Some(resource.span.clone()))
            .unwrap_or(planned_value)
    }
}
