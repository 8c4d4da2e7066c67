//! `plat plan`: what applying the stack would change.

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::lang::config::ResourceMode;
use crate::lang::diagnostics::render_json;
use crate::ops::plan::{plan, PlanRequest};
use crate::plan::model::Action;
use crate::plan::planner::PlanOptions;
use crate::render::plan_json;
use crate::render::plan_text::{render_change, ChangeView, Summary};

/// Exit code of `--detailed-exitcode` when the plan has changes.
pub const EXIT_CHANGES: u8 = 2;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Ask the providers what exists before planning (--refresh=false plans against state as is).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Plan only this resource or instance, and what it depends on (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Leave out this resource or instance, and what depends on it (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Plan to replace this instance even if nothing changed (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Show only what changed outside plat (what apply --refresh-only would write to state).
    #[arg(long)]
    pub refresh_only: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan to FILE; `plat apply FILE` applies exactly it, or refuses if it is stale.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &PlanArgs, printer: &Printer) -> u8 {
    let request = PlanRequest {
        analysis: args.stack.request(false),
        state_dir: args.state_dir.clone(),
        refresh: args.refresh,
        options: PlanOptions {
            replace: args.replace.iter().cloned().collect::<BTreeSet<_>>(),
            destroy: args.destroy,
            target: args.target.clone(),
            exclude: args.exclude.clone(),
        },
        command: std::env::args().collect::<Vec<_>>().join(" "),
        parallelism: 1,
    };
    let outcome = match plan(&request) {
        Ok(outcome) => outcome,
        Err(e) => {
            printer.errln(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let diagnostics = &outcome.analysis.diagnostics;
    if diagnostics.has_errors() {
        if args.json {
            let doc = render_json(&outcome.analysis.sources, diagnostics);
            printer.outln(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else {
            printer.diagnostics(&outcome.analysis.sources, diagnostics);
            printer.errln("The plan could not be made; nothing was changed.");
        }
        return EXIT_ERROR;
    }
    let mut summary = Summary::default();
    for planned in &outcome.changes {
        summary.count(planned.change.action);
    }
    let changed = if args.refresh_only {
        !outcome.drift.is_empty()
    } else {
        outcome
            .changes
            .iter()
            .any(|c| c.change.action != Action::NoOp)
    };
    if args.json {
        let doc = plan_json::render(&outcome.changes, &summary);
        printer.outln(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        printer.diagnostics(&outcome.analysis.sources, diagnostics);
        if args.refresh_only {
            if outcome.drift.is_empty() {
                printer.outln("No changes. The state matches the objects.");
            } else {
                print_drift(printer, &outcome.drift, "");
                printer.outln(&format!(
                    "plat apply --refresh-only would update the state of {} instance(s) to match; no object would change.",
                    outcome.drift.len()
                ));
            }
        } else {
            print_drift(
                printer,
                &outcome.drift,
                "Unless the configuration says otherwise (lifecycle.ignore_changes), the plan below undoes these changes.\n",
            );
            print_plan(printer, &outcome.changes);
        }
    }
    if let Some(path) = &args.out {
        let saved = crate::plan::saved::SavedPlan {
            format_version: crate::plan::saved::SAVED_PLAN_VERSION,
            plat_version: env!("CARGO_PKG_VERSION").to_string(),
            stack_dir: request.analysis.stack_dir.clone(),
            env: request.analysis.env.clone(),
            state_dir: request.state_dir.clone(),
            state_lineage: outcome.basis.state.as_ref().map(|(l, _)| l.clone()),
            state_serial: outcome.basis.state.as_ref().map(|(_, s)| *s),
            fingerprint: outcome.basis.fingerprint.clone(),
            replace: args.replace.clone(),
            destroy: args.destroy,
            target: args.target.clone(),
            exclude: args.exclude.clone(),
            changes: crate::plan::saved::saved_changes(&outcome.changes),
        };
        let text = serde_json::to_string_pretty(&saved).unwrap_or_default();
        let tmp = path.with_extension("plat-tmp");
        if let Err(e) = std::fs::write(&tmp, text + "\n").and_then(|()| std::fs::rename(&tmp, path))
        {
            printer.errln(&format!(
                "error: cannot write the plan to {}: {e}",
                path.display()
            ));
            return EXIT_ERROR;
        }
        if !args.json {
            printer.outln(&format!(
                "\nSaved the plan to {}; apply exactly it with: plat apply {}",
                path.display(),
                path.display()
            ));
        }
    }
    // The process ends next; freeing a large plan piece by piece would only cost time.
    std::mem::forget(outcome);
    match (args.detailed_exitcode, changed) {
        (true, true) => EXIT_CHANGES,
        _ => 0,
    }
}

/// Prints the text plan (or "No changes"); returns the counts.
pub fn print_plan(printer: &Printer, changes: &[crate::plan::planner::PlannedInstance]) -> Summary {
    let mut summary = Summary::default();
    for planned in changes {
        summary.count(planned.change.action);
    }
    if !changes.iter().any(|c| c.change.action != Action::NoOp) {
        printer.outln("No changes. The infrastructure matches the configuration.");
        return summary;
    }
    printer.outln("plat will perform the following actions:\n");
    for planned in changes {
        let address = planned.address.to_string();
        let keyword = match planned.address.mode {
            ResourceMode::Managed => "resource",
            ResourceMode::Data => "data",
        };
        let text = render_change(&ChangeView {
            address: &address,
            keyword,
            type_name: &planned.address.type_name,
            name: &planned.address.name,
            change: &planned.change,
            headline: None,
        });
        if !text.is_empty() {
            printer.outln(&text);
        }
    }
    printer.outln(&summary.line());
    summary
}

/// Objects that changed outside plat, shown before (and apart from) the planned changes.
pub fn print_drift(printer: &Printer, drift: &[crate::ops::plan::Drift], closing: &str) {
    if drift.is_empty() {
        return;
    }
    printer.outln("Note: objects have changed outside of plat since the last apply:\n");
    for item in drift {
        let address = item.address.to_string();
        let change = crate::plan::model::InstanceChange {
            action: if item.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            },
            before: Some(item.before.clone()),
            after: item.after.clone(),
            reasons: Vec::new(),
        };
        let headline = if item.after.is_some() {
            "has changed outside plat"
        } else {
            "has been deleted outside plat"
        };
        let text = render_change(&ChangeView {
            address: &address,
            keyword: "resource",
            type_name: &item.address.type_name,
            name: &item.address.name,
            change: &change,
            headline: Some(headline),
        });
        printer.outln(&text);
    }
    if !closing.is_empty() {
        printer.outln(closing);
    }
}
