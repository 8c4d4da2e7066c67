//! `plat apply` and `plat destroy`: show the plan, ask, carry it out, save the state.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::Args;

use super::plan::print_plan;
use super::{Printer, StackArgs, EXIT_ERROR};
use crate::ops::apply::apply;
use crate::ops::plan::PlanRequest;
use crate::plan::planner::PlanOptions;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Apply without asking (needed when input is not a terminal; a saved plan never asks).
    #[arg(long)]
    pub auto_approve: bool,
    /// Ask the providers what exists before planning (--refresh=false plans against state as is).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Plan only this resource or instance, and what it depends on (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Leave out this resource or instance, and what depends on it (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Replace this instance even if nothing changed (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Only make the state match the objects as they are now; change no object.
    #[arg(long)]
    pub refresh_only: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
}

pub fn run(args: &ApplyArgs, printer: &Printer, destroy: bool) -> u8 {
    // `plat apply PLANFILE`: a saved plan names its stack, environment and options.
    let saved = if !destroy && args.stack.stack_dir.is_file() {
        match crate::plan::saved::SavedPlan::read(&args.stack.stack_dir) {
            Ok(saved) => Some(saved),
            Err(message) => {
                printer.errln(&format!("error: {message}"));
                return EXIT_ERROR;
            }
        }
    } else {
        None
    };
    let mut analysis = args.stack.request(false);
    let (state_dir, options, refresh) = match &saved {
        Some(saved) => {
            analysis.stack_dir = saved.stack_dir.clone();
            analysis.env = saved.env.clone();
            // The saved plan was reviewed against the state it recorded: no new refresh.
            (saved.state_dir.clone(), saved.options(), false)
        }
        None => (
            args.state_dir.clone(),
            PlanOptions {
                replace: args.replace.iter().cloned().collect(),
                destroy,
                target: args.target.clone(),
                exclude: args.exclude.clone(),
            },
            args.refresh,
        ),
    };
    let request = PlanRequest {
        analysis,
        state_dir,
        refresh,
        options,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        parallelism: usize::from(args.parallelism),
    };
    // Applying a saved plan is the approval: it was reviewed when it was made.
    let auto_approve = args.auto_approve || saved.is_some();
    if args.refresh_only && !destroy {
        return refresh_only(&request, auto_approve, printer);
    }
    let refused = std::cell::Cell::new(false);
    let mut confirm = |plan: &crate::stack::Analysis,
                       changes: &[crate::plan::planner::PlannedInstance]| {
        printer.diagnostics(&plan.sources, &plan.diagnostics);
        let summary = print_plan(printer, changes);
        if summary.add + summary.change + summary.destroy == 0 {
            return false;
        }
        if auto_approve {
            return true;
        }
        let approved = ask(printer, destroy);
        refused.set(!approved);
        approved
    };
    let progress_printer = super::progress::progress_sink();
    let outcome = match apply(&request, saved.as_ref(), &mut confirm, progress_printer) {
        Ok(outcome) => outcome,
        Err(e) => {
            printer.errln(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    if !outcome.applied {
        if outcome.analysis.diagnostics.has_errors() {
            let plan = &outcome.analysis;
            printer.diagnostics(&plan.sources, &plan.diagnostics);
            printer.errln("The plan could not be made; nothing was changed.");
            return EXIT_ERROR;
        }
        // Nothing to do, or the user (or a missing terminal) said no.
        return if refused.get() { EXIT_ERROR } else { 0 };
    }
    let applied = &outcome.analysis;
    if applied.diagnostics.has_errors() {
        printer.diagnostics(&applied.sources, &applied.diagnostics);
        printer.errln(&format!(
            "{} failed after {} operation(s); the state records what was done.",
            if destroy { "Destroy" } else { "Apply" },
            outcome.performed
        ));
        return EXIT_ERROR;
    }
    let mut summary = crate::render::plan_text::Summary::default();
    for planned in &outcome.changes {
        summary.count(planned.change.action);
    }
    if destroy {
        printer.outln(&printer.success(&format!(
            "\nDestroy complete! Resources: {} destroyed.",
            summary.destroy
        )));
    } else {
        printer.outln(&printer.success(&format!(
            "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
            summary.add, summary.change, summary.destroy
        )));
        if !outcome.outputs.is_empty() {
            printer.outln("\nOutputs:\n");
            for (name, value) in &outcome.outputs {
                printer.outln(&format!("{name} = {}", value.render()));
            }
        }
    }
    0
}

/// Asks for `yes` on a terminal; refuses when input is not one.
fn ask(printer: &Printer, destroy: bool) -> bool {
    if !std::io::stdin().is_terminal() {
        printer.errln(&format!(
            "error: plat {} asks for confirmation, but its input is not a terminal; run it with --auto-approve to proceed without asking",
            if destroy { "destroy" } else { "apply" }
        ));
        return false;
    }
    printer.out(&format!(
        "\nDo you really want to {}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if destroy { "destroy all resources" } else { "perform these actions" }
    ));
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        return true;
    }
    printer.outln("\nCancelled: nothing was changed.");
    false
}

/// `apply --refresh-only`.
fn refresh_only(request: &PlanRequest, auto_approve: bool, printer: &Printer) -> u8 {
    let refused = std::cell::Cell::new(false);
    let mut confirm = |drift: &[crate::ops::plan::Drift]| {
        if drift.is_empty() {
            printer.outln("No changes. The state matches the objects.");
            return false;
        }
        super::plan::print_drift(printer, drift, "");
        printer.outln(&format!(
            "This updates the state of {} instance(s) to match; no object is changed.",
            drift.len()
        ));
        if auto_approve {
            return true;
        }
        let approved = ask(printer, false);
        refused.set(!approved);
        approved
    };
    match crate::ops::apply::refresh_state(request, &mut confirm) {
        Ok(Some(updated)) => {
            printer.outln(&printer.success(&format!(
                "\nRefresh complete! {updated} instance(s) updated in the state."
            )));
            0
        }
        Ok(None) => {
            if refused.get() {
                EXIT_ERROR
            } else {
                0
            }
        }
        Err(e) => {
            printer.errln(&format!("error: {e}"));
            EXIT_ERROR
        }
    }
}
