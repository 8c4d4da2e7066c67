//! What a provider refuses to destroy unless told how (an RDS instance without a final snapshot,
//! or with deletion protection on): a plan that would destroy such an object fails at plan time,
//! naming the object and the fix, instead of failing half-way through an apply. A replacement of
//! an object that holds data (a database, a file system) is allowed but warned about: the new
//! object starts empty.

use super::model::Action;
use super::planner::PlannedInstance;
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::providers::registry;

pub const DESTROY_REFUSED: &str = "plat::plan::destroy_refused";
pub const DATA_LOST: &str = "plat::plan::replace_loses_data";

/// Asks each resource type whether the objects this plan deletes or replaces may go, as state
/// holds them.
pub fn check(changes: &[PlannedInstance], diagnostics: &mut Diagnostics) {
    let registry = registry();
    for planned in changes {
        let change = &planned.change;
        if !(change.action == Action::Delete || change.action.is_replace()) {
            continue;
        }
        let address = &planned.address;
        let (Some(before), Some(implementation)) = (
            change.before.as_ref(),
            registry.implementation(address.mode, &address.type_name),
        ) else {
            continue;
        };
        if change.action.is_replace() {
            if let Some(lost) = implementation.data_lost_on_replace(before) {
                diagnostics.push(
                    Diagnostic::warning(
                        DATA_LOST,
                        format!("{address} will be replaced, and the new one starts empty: {lost}"),
                    )
                    .help("if that is not intended, undo the change that forces the replacement (the plan names it)"),
                );
            }
        }
        if let Err(e) = implementation.check_destroy(before) {
            diagnostics.push(
                Diagnostic::error(
                    DESTROY_REFUSED,
                    format!("{address} cannot be destroyed as it is: {e}"),
                )
                .help("apply the setting the message names first, then destroy"),
            );
        }
    }
}
