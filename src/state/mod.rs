//! State: what plat last knew about the objects it manages, and how it is kept safe.
//!
//! - `model`: the versioned state document and conversions to and from plat values.
//! - `address`: instance addresses as state and journal write them.
//! - `paths`: where a state file and its companions (backup, journal, lock) live.
//! - `local`: the local backend (atomic writes, backup, refuses to overwrite what it cannot read).
//! - `lock`: one writer per state, through an OS file lock that dies with its holder.
//! - `values`: the state as planning reads it (instance values only, no JSON tree).
//! - `journal`: append-only progress records of an apply, folded into the state afterwards.

pub mod address;
pub mod journal;
pub mod local;
pub mod lock;
pub mod model;
pub mod paths;
pub mod values;

#[cfg(test)]
mod test_support;

pub use address::InstanceAddress;
pub use journal::{
    fold, pending_intents, Action, Intent, Journal, JournalError, OperationResult, Outcome, Record,
};
pub use local::{BackendError, LocalBackend};
pub use lock::{force_unlock, Lock, LockError, LockGuard, LockInfo};
pub use model::{InstanceState, InstanceStatus, OutputState, PathStep, ResourceState, State};
pub use paths::StatePaths;
