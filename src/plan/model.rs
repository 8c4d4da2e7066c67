//! The plan model: per resource instance, an action, the values before and after, and why.

use serde::{Deserialize, Serialize};

use crate::lang::value::Value;

/// What applying does to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    /// A data source read during apply (its arguments are not known at plan time).
    Read,
    Update,
    /// Replace: the old object goes first (the default).
    DeleteThenCreate,
    /// Replace with `create_before_destroy`: the new object exists before the old one goes.
    CreateThenDelete,
    Delete,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The symbol in the text plan (`+`, `~`, `-/+`, `+/-`, `-`, `<=`).
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
        }
    }
}

/// Why an instance changes. Every change carries at least one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Not in state yet.
    New,
    /// The configuration changed these attributes (in place).
    Changed { attributes: Vec<String> },
    /// A change to these attributes cannot be made in place.
    ForcedReplacement { attributes: Vec<String> },
    /// The object was marked tainted (a create failed half-way, or `plat taint`).
    Tainted,
    /// `--replace ADDRESS` asked for it.
    ReplaceRequested,
    /// The resource block is gone from the configuration.
    RemovedFromConfig,
    /// The `count` index or `for_each` key no longer exists.
    KeyNoLongerPresent,
    /// A resource in `replace_triggered_by` changes.
    ReplaceTriggeredBy { address: String },
    /// The provider's configuration changes these attributes (new `default_tags` change
    /// `tags_all`), though the resource's own configuration does not.
    ProviderConfigChanged { attributes: Vec<String> },
    /// `plat destroy` or `plan --destroy`.
    DestroyRequested,
    /// Data source arguments are not known until apply.
    ArgumentsUnknown,
    /// The data source depends on these managed resources, which have changes planned: it is
    /// read after them.
    DependsOnPendingChanges { resources: Vec<String> },
}

/// The planned change of one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceChange {
    pub action: Action,
    /// The value in state (after refresh), if any; `None` for a no-op (unchanged, see state).
    pub before: Option<Value>,
    /// The planned value: what the object will look like; unknown parts are `(known after apply)`.
    /// `None` for a deletion, and for a no-op (it would equal `before`).
    pub after: Option<Value>,
    pub reasons: Vec<Reason>,
}
