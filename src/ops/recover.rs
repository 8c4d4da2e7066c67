//! Recovery after a crash: an apply that died (kill -9, power loss) leaves its journal. The next
//! run, holding the lock (so the dead run's is gone), folds every finished operation into the
//! state and settles every unfinished one by asking the provider whether the object exists:
//! what exists is adopted, what does not is forgotten. Nothing is orphaned, nothing is created
//! twice.

use crate::lang::config::ResourceMode;
use crate::providers::configured::ProviderSet;
use crate::providers::registry;
use crate::providers::resource::OpContext;
use crate::state::journal::{fold, pending_intents, Action};
use crate::state::{InstanceState, Journal, LocalBackend, State, StatePaths};

/// What recovery did, for the message the command prints.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Finished operations folded into the state.
    pub folded: usize,
    /// Unfinished operations whose object was found and adopted (or kept).
    pub adopted: Vec<String>,
    /// Unfinished operations whose object does not exist (forgotten, or known deleted).
    pub forgotten: Vec<String>,
}

/// Recovers from an interrupted apply, if its journal is there; the caller holds the lock.
pub fn recover(
    paths: &StatePaths,
    backend: &LocalBackend,
    providers: ProviderSet,
) -> Result<Option<Recovery>, String> {
    if !paths.journal.exists() {
        return Ok(None);
    }
    let records = Journal::read(paths).map_err(|e| e.to_string())?;
    let mut state = backend
        .read()
        .map_err(|e| e.to_string())?
        .unwrap_or_else(State::new);
    let mut recovery = Recovery {
        folded: fold(&mut state, &records),
        ..Recovery::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the recovery worker: {e}"))?;
    for intent in pending_intents(&records) {
        let address = &intent.address;
        let shown = address.to_string();
        let implementation = registry().implementation(address.mode, &address.type_name);
        let found = match (&intent.identity, implementation, address.mode) {
            (Some(identity), Some(implementation), ResourceMode::Managed) => {
                let find = async {
                    let handle = providers.handle(&intent.provider).await?;
                    let ctx = OpContext::new()
                        .with_provider(handle)
                        .with_address(shown.as_str());
                    implementation.find(&ctx, identity).await
                };
                runtime
                    .block_on(find)
                    .map_err(|e| format!("recovering {shown}: asking the provider whether it exists failed: {e}; run the command again once the provider is reachable"))?
            }
            // Without an identity the object lived only in state: the interrupted operation
            // changed nothing outside it.
            _ => None,
        };
        match (intent.action, found) {
            (Action::Create | Action::Update, Some(value)) | (Action::Delete, Some(value)) => {
                let (attributes, sensitive) = crate::state::model::attributes_from_value(&value)
                    .map_err(|e| e.to_string())?;
                state.set_instance(
                    address,
                    &intent.provider,
                    InstanceState::new(attributes, sensitive),
                );
                recovery.adopted.push(shown);
            }
            (Action::Create, None) => recovery.forgotten.push(shown),
            (Action::Update | Action::Delete, None) => {
                // An update with no identity changed nothing outside state; a delete whose
                // object is gone finished.
                if intent.identity.is_some() {
                    state.remove_instance(address);
                }
                recovery.forgotten.push(shown);
            }
            (Action::Read, _) => {}
        }
    }
    backend.write(&mut state).map_err(|e| e.to_string())?;
    Journal::remove(paths).map_err(|e| e.to_string())?;
    Ok(Some(recovery))
}
