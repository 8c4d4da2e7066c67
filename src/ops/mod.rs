//! Operations that commands run: each does the IO around the pure cores (loading, state,
//! providers) and returns what the command prints.

pub mod apply;
pub mod plan;
pub mod recover;
pub mod state_location;
