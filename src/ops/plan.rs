//! `plan`: lock the state, read it, refresh it through the providers, and diff the configuration
//! against it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use thiserror::Error;

use super::state_location::locate;
use crate::lang::config::ResourceMode;
use crate::plan::planner::{PlanOptions, PlannedInstance, Planner, PriorInstance, PriorInstances};
use crate::plan::targeting::TargetFilter;
use crate::providers::configured::{ProviderSet, Scope};
use crate::providers::registry;
use crate::providers::resource::{OpContext, ProviderError};
use crate::stack::{Analysis, AnalysisRequest};
use crate::state::paths::InvalidName;
use crate::state::{
    BackendError, InstanceAddress, InstanceStatus, LocalBackend, Lock, LockError, LockInfo, State,
};

#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub analysis: AnalysisRequest,
    /// `--state-dir`.
    pub state_dir: Option<PathBuf>,
    /// Ask the providers what exists now (default); `--refresh=false` plans against state as is.
    pub refresh: bool,
    pub options: PlanOptions,
    /// The command line, for the lock's holder information.
    pub command: String,
    /// How many operations apply runs at once (`--parallelism`).
    pub parallelism: usize,
}

#[derive(Debug, Error)]
pub enum PlanError {
    #[error(transparent)]
    StateName(#[from] InvalidName),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    State(#[from] BackendError),
    #[error("recovering an interrupted apply failed: {0}")]
    Recovery(String),
    #[error("the saved plan is stale: {0}; make a new plan with plat plan --out")]
    StalePlan(String),
    #[error("the state has an instance address plat cannot read: {0}")]
    Address(String),
    #[error("refreshing {address} failed: {error}")]
    Refresh {
        address: String,
        error: ProviderError,
    },
    #[error("{0}")]
    Provider(ProviderError),
    #[error("cannot start the worker threads: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Journal(String),
}

/// A finished plan: the analysis (diagnostics, outputs) and the changes.
pub struct PlanOutcome {
    pub analysis: Analysis,
    pub changes: Vec<PlannedInstance>,
    pub state_path: PathBuf,
    pub basis: PlanBasis,
    /// Objects that changed outside plat (shown apart from the planned changes).
    pub drift: Vec<Drift>,
}

/// What a plan was made from, for saved plans: the state's (lineage, serial), `None` when there
/// was no state yet, and the fingerprint of the files and variable values read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanBasis {
    pub state: StateBasis,
    pub fingerprint: String,
}

/// A state's (lineage, serial); `None` for no state yet.
pub type StateBasis = Option<(String, u64)>;

pub fn state_basis(state: &State) -> StateBasis {
    basis(&state.lineage, state.serial)
}

fn basis(lineage: &str, serial: u64) -> StateBasis {
    // A written state has serial 1 or more; 0 is the empty state made up for a first plan.
    (serial > 0).then(|| (lineage.to_owned(), serial))
}

/// The fingerprint of every file the analysis read and every variable value given.
pub fn inputs_fingerprint(analysis: &Analysis, request: &PlanRequest) -> String {
    let files = analysis
        .sources
        .files()
        .filter(|(_, f)| f.name != "<console>")
        .map(|(_, f)| (f.name.as_str(), &*f.text));
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with(crate::expand::inputs::ENV_PREFIX))
        .collect();
    env.sort();
    crate::plan::saved::fingerprint(files, &request.analysis.vars.cli, &env)
}

/// The run's providers: the stack's evaluated `provider` blocks, configured on first use.
pub fn providers(loaded: &crate::stack::Loaded, request: &AnalysisRequest) -> ProviderSet {
    ProviderSet::new(
        crate::stack::provider_configs(loaded, request),
        Scope {
            stack: super::state_location::stack_name(&request.stack_dir),
            env: request.env.clone(),
        },
    )
}

pub fn plan(request: &PlanRequest) -> Result<PlanOutcome, PlanError> {
    let (loaded, paths) = locate(&request.analysis, request.state_dir.as_deref())?;
    let _lock = Lock::acquire(&paths, LockInfo::new(&request.command))?;
    let backend = LocalBackend::new(paths.clone());
    let providers = providers(&loaded, &request.analysis);
    // The state is read (and refreshed) while the variable values and the graph, which do not
    // need it, are worked out.
    let (prepared, prior) = std::thread::scope(|scope| {
        let reading =
            scope.spawn(|| load_prior_values(&paths, &backend, request.refresh, &providers));
        let prepared = crate::stack::prepare(loaded, &request.analysis);
        let prior = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (prepared, prior)
    });
    let (state_basis, prior, drift) = prior?;
    let reader = RuntimeReader::new(&providers)?;
    reader.prepare(&prepared.config)?;
    let mut planner = Planner::new(prior, &request.options).with_reader(&reader);
    let mut analysis = prepared.expand(&request.analysis, &mut planner);
    let mut changes = planner.finish();
    let options = &request.options;
    if let Some(filter) = TargetFilter::new(&options.target, &options.exclude, &analysis.graph) {
        changes.retain(|c| filter.allows(&c.address));
    }
    crate::plan::destroy_checks::check(&changes, &mut analysis.diagnostics);
    let basis = PlanBasis {
        state: state_basis,
        fingerprint: inputs_fingerprint(&analysis, request),
    };
    Ok(PlanOutcome {
        analysis,
        changes,
        state_path: paths.state.clone(),
        basis,
        drift,
    })
}

/// Reads the state (refusing to go on over an unfinished apply's journal) and, when asked,
/// refreshes its instances; the caller holds the lock. For apply, which updates the document.
pub fn load_prior(
    paths: &crate::state::StatePaths,
    backend: &LocalBackend,
    refresh_first: bool,
    providers: &ProviderSet,
) -> Result<(State, PriorInstances, Vec<Drift>), PlanError> {
    recover_first(paths, backend, providers)?;
    let state = backend.read()?.unwrap_or_else(State::new);
    let mut prior = BTreeMap::new();
    for (resource_address, resource) in &state.resources {
        for (key, instance) in &resource.instances {
            prior.insert(
                instance_address(resource_address, key)?,
                prior_instance(
                    instance.value(),
                    &resource.provider,
                    instance.status,
                    instance.dependencies.clone(),
                ),
            );
        }
    }
    let (prior, drift) = refreshed(prior, refresh_first, providers)?;
    Ok((state, prior, drift))
}

/// [`load_prior`] for plan, which needs the values and not the document: the state is read
/// straight into values ([`StateValues`](crate::state::values::StateValues)), and only its basis (lineage, serial) is kept.
pub fn load_prior_values(
    paths: &crate::state::StatePaths,
    backend: &LocalBackend,
    refresh_first: bool,
    providers: &ProviderSet,
) -> Result<(StateBasis, PriorInstances, Vec<Drift>), PlanError> {
    recover_first(paths, backend, providers)?;
    let Some(values) = backend.read_values()? else {
        return Ok((None, BTreeMap::new(), Vec::new()));
    };
    let basis = basis(&values.lineage, values.serial);
    let mut prior = BTreeMap::new();
    for (resource_address, resource) in values.resources {
        for (key, instance) in resource.instances {
            prior.insert(
                instance_address(&resource_address, &key)?,
                prior_instance(
                    instance.value,
                    &resource.provider,
                    instance.status,
                    instance.dependencies,
                ),
            );
        }
    }
    let (prior, drift) = refreshed(prior, refresh_first, providers)?;
    Ok((basis, prior, drift))
}

/// Finishes an interrupted apply's journal before the state is read.
fn recover_first(
    paths: &crate::state::StatePaths,
    backend: &LocalBackend,
    providers: &ProviderSet,
) -> Result<(), PlanError> {
    if let Some(recovery) =
        super::recover::recover(paths, backend, providers.fresh()).map_err(PlanError::Recovery)?
    {
        report_recovery(&recovery);
    }
    Ok(())
}

/// Refreshes the instances when asked and there are any.
fn refreshed(
    prior: PriorInstances,
    refresh_first: bool,
    providers: &ProviderSet,
) -> Result<(PriorInstances, Vec<Drift>), PlanError> {
    // Objects that live only in state (plat_data, random_*) have nothing to ask: no runtime.
    let anything_to_read = || {
        prior.keys().any(|address| {
            address.mode == ResourceMode::Managed
                && registry()
                    .implementation(address.mode, &address.type_name)
                    .is_some_and(|implementation| implementation.reads_outside_state())
        })
    };
    if refresh_first && anything_to_read() {
        refresh(prior, providers.fresh())
    } else {
        Ok((prior, Vec::new()))
    }
}

/// An instance in state as the planner sees it.
fn prior_instance(
    value: crate::lang::value::Value,
    provider: &str,
    status: InstanceStatus,
    dependencies: Vec<String>,
) -> PriorInstance {
    PriorInstance {
        value,
        provider: provider.to_owned(),
        tainted: status == InstanceStatus::Tainted,
        dependencies,
    }
}

/// An instance's address from its resource's address and its key as state writes them.
fn instance_address(resource_address: &str, key: &str) -> Result<InstanceAddress, PlanError> {
    let text = if key.is_empty() {
        resource_address.to_owned()
    } else {
        format!("{resource_address}[{key}]")
    };
    InstanceAddress::from_str(&text).map_err(|e| PlanError::Address(e.to_string()))
}

/// Tells the user what recovery did (on standard error: it is not part of the plan).
fn report_recovery(recovery: &super::recover::Recovery) {
    eprintln!(
        "Recovered an interrupted apply: {} finished operation(s) saved; {} unfinished operation(s) whose object exists adopted{}; {} forgotten{}.",
        recovery.folded,
        recovery.adopted.len(),
        list(&recovery.adopted),
        recovery.forgotten.len(),
        list(&recovery.forgotten),
    );
}

fn list(addresses: &[String]) -> String {
    if addresses.is_empty() {
        String::new()
    } else {
        format!(" ({})", addresses.join(", "))
    }
}

/// Reads every managed instance through its provider, concurrently; an object that is gone
/// leaves the prior state (and will be planned for creation again).
fn refresh(
    prior: BTreeMap<InstanceAddress, PriorInstance>,
    providers: ProviderSet,
) -> Result<(PriorInstances, Vec<Drift>), PlanError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(PlanError::Runtime)?;
    runtime.block_on(async move {
        let mut reads = tokio::task::JoinSet::new();
        let mut refreshed = BTreeMap::new();
        let mut drift = Vec::new();
        // Types that read in batches: one group per type and provider configuration.
        let mut batches: BTreeMap<(String, String), Vec<(InstanceAddress, PriorInstance)>> =
            BTreeMap::new();
        for (address, instance) in prior {
            let implementation = registry().implementation(address.mode, &address.type_name);
            match (address.mode, implementation) {
                (ResourceMode::Managed, Some(implementation))
                    if implementation.reads_outside_state() =>
                {
                    if implementation.reads_in_batches() {
                        batches
                            .entry((address.type_name.clone(), instance.provider.clone()))
                            .or_default()
                            .push((address, instance));
                        continue;
                    }
                    let providers = providers.clone();
                    reads.spawn(async move {
                        let result = match providers.handle(&instance.provider).await {
                            Ok(handle) => {
                                let ctx = OpContext::new()
                                    .with_provider(handle)
                                    .with_address(address.to_string());
                                implementation.read(&ctx, &instance.value).await
                            }
                            Err(e) => Err(e),
                        };
                        vec![(address, instance, result)]
                    });
                }
                // Nothing to ask: keep what state says.
                _ => {
                    refreshed.insert(address, instance);
                }
            }
        }
        for ((type_name, provider), members) in batches {
            let Some(implementation) = registry().implementation(ResourceMode::Managed, &type_name)
            else {
                continue;
            };
            let providers = providers.clone();
            reads.spawn(async move {
                let results = match providers.handle(&provider).await {
                    Ok(handle) => {
                        let ctx = OpContext::new().with_provider(handle);
                        let values: Vec<_> = members.iter().map(|(_, i)| i.value.clone()).collect();
                        implementation.read_many(&ctx, &values).await
                    }
                    Err(e) => {
                        let message = e.to_string();
                        members
                            .iter()
                            .map(|_| Err(ProviderError::Other(message.clone())))
                            .collect()
                    }
                };
                members
                    .into_iter()
                    .zip(results)
                    .map(|((address, instance), result)| (address, instance, result))
                    .collect::<Vec<_>>()
            });
        }
        while let Some(joined) = reads.join_next().await {
            let Ok(results) = joined else {
                continue;
            };
            for (address, mut instance, result) in results {
                match result {
                    Ok(Some(value)) => {
                        // State keeps JSON shapes; compare in the schema's (a set is a set).
                        // What only the provider sets (a file system's count of mount targets,
                        // an address's association) is news, not drift: it is kept, not shown.
                        let changed = match registry().resource(address.mode, &address.type_name) {
                            Some(schema) => {
                                let stored =
                                    crate::plan::planner::conform(instance.value.clone(), schema);
                                settable_differs(schema, &value, &stored)
                            }
                            None => value.known_eq(&instance.value) != Some(true),
                        };
                        if changed {
                            drift.push(Drift {
                                address: address.clone(),
                                before: instance.value.clone(),
                                after: Some(value.clone()),
                            });
                        }
                        instance.value = value;
                        refreshed.insert(address, instance);
                    }
                    Ok(None) | Err(ProviderError::NotFound) => drift.push(Drift {
                        address,
                        before: instance.value,
                        after: None,
                    }),
                    Err(error) => {
                        return Err(PlanError::Refresh {
                            address: address.to_string(),
                            error,
                        })
                    }
                }
            }
        }
        drift.sort_by(|a: &Drift, b: &Drift| a.address.cmp(&b.address));
        Ok((refreshed, drift))
    })
}

/// Whether two values of an object differ in what a configuration can set (computed-only
/// attributes left out), compared in place: refresh asks this of every object.
fn settable_differs(
    schema: &crate::providers::schema::ResourceSchema,
    a: &crate::lang::value::Value,
    b: &crate::lang::value::Value,
) -> bool {
    let (Some(a), Some(b)) = (a.peel().as_entries(), b.peel().as_entries()) else {
        return a.known_eq(b) != Some(true);
    };
    let null = crate::lang::value::Value::Null;
    a.keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .filter(|name| schema.attribute(name).is_none_or(|attr| attr.settable()))
        .any(|name| {
            let (x, y) = (a.get(name).unwrap_or(&null), b.get(name).unwrap_or(&null));
            x.known_eq(y) != Some(true)
        })
}

/// An object that changed outside plat since the last apply, found by refresh.
#[derive(Debug, Clone)]
pub struct Drift {
    pub address: InstanceAddress,
    pub before: crate::lang::value::Value,
    /// `None`: the object is gone.
    pub after: Option<crate::lang::value::Value>,
}

/// Reads data sources on a runtime of its own, for the planner.
pub struct RuntimeReader {
    runtime: tokio::runtime::Runtime,
    providers: ProviderSet,
}

impl RuntimeReader {
    pub fn new(providers: &ProviderSet) -> Result<RuntimeReader, PlanError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(PlanError::Runtime)?;
        Ok(RuntimeReader {
            runtime,
            providers: providers.fresh(),
        })
    }

    /// Configures every provider the configuration's resources use (see
    /// [`ProviderSet::prepare`]).
    pub fn prepare(&self, config: &crate::lang::config::Config) -> Result<(), PlanError> {
        let registry = registry();
        let used: std::collections::BTreeSet<String> = config
            .modules
            .iter()
            .flat_map(|m| m.resources.values())
            .filter(|r| {
                registry.configurer(r.provider_name()).is_some()
                    && registry.implementation(r.mode, &r.type_name).is_some()
            })
            .map(crate::plan::planner::resource_provider)
            .collect();
        self.runtime
            .block_on(self.providers.prepare(used))
            .map_err(PlanError::Provider)
    }
}

impl crate::plan::planner::DataReader for RuntimeReader {
    fn read(
        &self,
        implementation: &dyn crate::providers::resource::ResourceType,
        provider: &str,
        config: &crate::lang::value::Value,
    ) -> Result<crate::lang::value::Value, String> {
        let read = async {
            let handle = self.providers.handle(provider).await?;
            let ctx = OpContext::new().with_provider(handle);
            implementation.read(&ctx, config).await
        };
        match self.runtime.block_on(read) {
            Ok(Some(value)) => Ok(value),
            Ok(None) | Err(ProviderError::NotFound) => Err("the data source found nothing".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn configured(&self, provider: &str) -> Option<crate::providers::resource::ProviderHandle> {
        // Every provider the configuration uses was set up by `prepare`, which reported any
        // error; this only looks it up.
        let name = provider.split_once('.').map_or(provider, |(name, _)| name);
        registry().configurer(name)?;
        self.runtime
            .block_on(self.providers.handle(provider))
            .ok()
            .flatten()
    }
}
