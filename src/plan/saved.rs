//! Saved plans (`plat plan --out FILE`, `plat apply FILE`). A saved plan holds no values, so no
//! secret: it records what the plan was made from (stack, environment, state lineage and serial,
//! a fingerprint of every file and variable value read) and what it would do. Applying it
//! re-plans and refuses unless all of that is unchanged, so exactly the reviewed plan is applied.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Action;
use super::planner::{PlanOptions, PlannedInstance};

pub const SAVED_PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub plat_version: String,
    pub stack_dir: PathBuf,
    pub env: String,
    pub state_dir: Option<PathBuf>,
    /// The state the plan was made against (`None`: there was none yet).
    pub state_lineage: Option<String>,
    pub state_serial: Option<u64>,
    /// SHA-256 over every stack, module and var file read and every variable value given.
    pub fingerprint: String,
    pub replace: Vec<String>,
    pub destroy: bool,
    #[serde(default)]
    pub target: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Every change that is not a no-op, in address order.
    pub changes: Vec<SavedChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedChange {
    pub address: String,
    pub action: Action,
}

impl SavedPlan {
    /// Reads a plan file that `plat plan --out` wrote, refusing one from a newer plat.
    pub fn read(path: &std::path::Path) -> Result<SavedPlan, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the plan file {}: {e}", path.display()))?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a plan file plat wrote ({e}); pass a stack directory, or a file from plat plan --out",
                path.display()
            )
        })?;
        if saved.format_version > SAVED_PLAN_VERSION {
            return Err(format!(
                "{} was written by a newer plat (plan format {}); use that plat to apply it",
                path.display(),
                saved.format_version
            ));
        }
        Ok(saved)
    }

    pub fn options(&self) -> PlanOptions {
        PlanOptions {
            replace: self.replace.iter().cloned().collect(),
            destroy: self.destroy,
            target: self.target.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

/// The changes of a plan as a saved plan records them.
pub fn saved_changes(changes: &[PlannedInstance]) -> Vec<SavedChange> {
    changes
        .iter()
        .filter(|c| c.change.action != Action::NoOp)
        .map(|c| SavedChange {
            address: c.address.to_string(),
            action: c.change.action,
        })
        .collect()
}

/// Fingerprint of what a plan was made from: (name, text) of every file read, and the variable
/// values given on the command line and in the environment.
pub fn fingerprint<'a>(
    files: impl Iterator<Item = (&'a str, &'a str)>,
    cli_vars: &[String],
    env_vars: &[(String, String)],
) -> String {
    let mut hasher = Sha256::new();
    let mut files: Vec<(&str, &str)> = files.collect();
    files.sort();
    for (name, text) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    for var in cli_vars {
        hasher.update(b"--var\0");
        hasher.update(var.as_bytes());
        hasher.update([0]);
    }
    for (name, value) in env_vars {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
