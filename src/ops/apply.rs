//! `apply` and `destroy`: plan, ask, then carry the plan out and save the new state.

use std::collections::BTreeMap;

use super::plan::{
    inputs_fingerprint, load_prior, providers, state_basis, PlanError, PlanRequest, RuntimeReader,
};
use super::state_location::locate;
use crate::apply::{ApplyHook, Executor, Progress};
use crate::plan::planner::{PlannedInstance, Planner};
use crate::plan::saved::{saved_changes, SavedPlan};
use crate::plan::targeting::TargetFilter;
use crate::stack::{evaluate, Analysis};
use crate::state::{Journal, LocalBackend, Lock, LockInfo, OutputState};

/// What an apply did.
pub struct ApplyOutcome {
    /// The plan's analysis when nothing was applied (its diagnostics, when it could not be
    /// made); the apply walk's when something was.
    pub analysis: Analysis,
    pub changes: Vec<PlannedInstance>,
    /// Whether the plan was carried out (false: it failed, had nothing to do, or was declined).
    pub applied: bool,
    pub performed: usize,
    pub outputs: BTreeMap<String, crate::lang::value::Value>,
}

/// Plans, asks `confirm` (with the plan) whether to go on, applies, and saves the state. With
/// `expected` (a saved plan), the new plan must be exactly the saved one, made from the same
/// state, files and variable values; otherwise nothing is applied.
pub fn apply(
    request: &PlanRequest,
    expected: Option<&SavedPlan>,
    confirm: &mut dyn FnMut(&Analysis, &[PlannedInstance]) -> bool,
    progress: Progress,
) -> Result<ApplyOutcome, PlanError> {
    let (loaded, paths) = locate(&request.analysis, request.state_dir.as_deref())?;
    let _lock = Lock::acquire(&paths, LockInfo::new(&request.command))?;
    let backend = LocalBackend::new(paths.clone());
    let providers = providers(&loaded, &request.analysis);
    let (state, prior, _drift) = load_prior(&paths, &backend, request.refresh, &providers)?;
    let basis_state = state_basis(&state);

    let reader = RuntimeReader::new(&providers)?;
    reader.prepare(&loaded.config)?;
    // The plan pass takes its own copy: the apply walk plans again from the same instances.
    let mut planner = Planner::new(prior.clone(), &request.options).with_reader(&reader);
    let mut plan = evaluate(loaded, &request.analysis, &mut planner);
    let mut changes = planner.finish();
    let options = &request.options;
    let filter = TargetFilter::new(&options.target, &options.exclude, &plan.graph);
    if let Some(filter) = &filter {
        changes.retain(|c| filter.allows(&c.address));
    }
    crate::plan::destroy_checks::check(&changes, &mut plan.diagnostics);
    if let Some(saved) = expected {
        if !plan.diagnostics.has_errors() {
            check_saved(
                saved,
                &basis_state,
                &inputs_fingerprint(&plan, request),
                &changes,
            )?;
        }
    }
    if plan.diagnostics.has_errors() || !confirm(&plan, &changes) {
        return Ok(ApplyOutcome {
            analysis: plan,
            changes,
            applied: false,
            performed: 0,
            outputs: BTreeMap::new(),
        });
    }
    // The apply walk evaluates the very files the plan was made from: read once, so nothing
    // edited in between can slip into the apply.
    let loaded = plan.into_loaded();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PlanError::Runtime)?;
    let journal = Journal::open_append(&paths).map_err(|e| PlanError::Journal(e.to_string()))?;
    let executor = Executor::new(
        runtime,
        journal,
        state,
        progress,
        request.parallelism,
        providers.fresh(),
    );
    let mut hook = ApplyHook::new(
        Planner::new(prior, &request.options)
            .with_reader(&reader)
            .applying(),
        executor,
    );
    hook.filter = filter;
    let mut applied = evaluate(loaded, &request.analysis, &mut hook);
    let executor = hook.finish(&mut applied.diagnostics);
    let performed = executor.performed();
    let mut new_state = executor.into_state();
    let mut outputs_shown = BTreeMap::new();

    // Root outputs that are known now.
    if let Some(outputs) = applied.expanded.as_ref().and_then(|e| e.root_outputs()) {
        new_state.outputs.clear();
        for (name, value) in outputs {
            if value.is_fully_known() && !request.options.destroy {
                if let Ok(output) = OutputState::from_value(value) {
                    new_state.outputs.insert(name.clone(), output);
                }
                outputs_shown.insert(name.clone(), value.clone());
            }
        }
    }
    crate::apply::dependencies::record(&mut new_state, &applied.graph);
    backend.write(&mut new_state)?;
    // Everything the journal recorded is in the state file now.
    Journal::remove(&paths).map_err(|e| PlanError::Journal(e.to_string()))?;
    Ok(ApplyOutcome {
        analysis: applied,
        changes,
        applied: true,
        performed,
        outputs: outputs_shown,
    })
}

/// Refuses a saved plan that no longer describes what applying would do.
fn check_saved(
    saved: &SavedPlan,
    state: &Option<(String, u64)>,
    fingerprint: &str,
    changes: &[PlannedInstance],
) -> Result<(), PlanError> {
    let saved_state = saved.state_lineage.clone().zip(saved.state_serial);
    if saved_state != *state {
        return Err(PlanError::StalePlan(
            "the state changed since the plan was made (another apply ran)".into(),
        ));
    }
    if saved.fingerprint != fingerprint {
        return Err(PlanError::StalePlan(
            "the configuration or the variable values differ from those the plan was made with"
                .into(),
        ));
    }
    if saved.changes != saved_changes(changes) {
        return Err(PlanError::StalePlan(
            "planning again gives different changes (something changed outside plat)".into(),
        ));
    }
    Ok(())
}

/// `apply --refresh-only`: show what changed outside plat, ask, and make the state match the
/// objects as they are (no object is changed). Returns the number of instances updated.
pub fn refresh_state(
    request: &PlanRequest,
    confirm: &mut dyn FnMut(&[super::plan::Drift]) -> bool,
) -> Result<Option<usize>, PlanError> {
    let (loaded, paths) = locate(&request.analysis, request.state_dir.as_deref())?;
    let _lock = Lock::acquire(&paths, LockInfo::new(&request.command))?;
    let backend = LocalBackend::new(paths);
    let providers = providers(&loaded, &request.analysis);
    let (mut state, _, drift) = load_prior(backend.paths(), &backend, true, &providers)?;
    if !confirm(&drift) {
        return Ok(None);
    }
    for item in &drift {
        match &item.after {
            Some(value) => {
                let provider = state
                    .resources
                    .get(&item.address.resource_address())
                    .map(|r| r.provider.clone())
                    .unwrap_or_default();
                let (attributes, sensitive) = crate::state::model::attributes_from_value(value)
                    .map_err(|e| PlanError::Journal(e.to_string()))?;
                let mut instance = crate::state::InstanceState::new(attributes, sensitive);
                if let Some(old) = state.instance(&item.address) {
                    instance.dependencies = old.dependencies.clone();
                }
                state.set_instance(&item.address, &provider, instance);
            }
            None => {
                state.remove_instance(&item.address);
            }
        }
    }
    backend.write(&mut state)?;
    Ok(Some(drift.len()))
}
