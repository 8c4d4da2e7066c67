//! `plat validate`: every check that needs no cloud.

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::lang::diagnostics::render_json;
use crate::stack::analyse;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print the result as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ValidateArgs, printer: &Printer) -> u8 {
    // Variables without a value are unknown here: validate checks the stack, not one environment.
    let analysis = analyse(&args.stack.request(true));
    let diagnostics = &analysis.diagnostics;
    if args.json {
        let doc = render_json(&analysis.sources, diagnostics);
        printer.outln(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        printer.diagnostics(&analysis.sources, diagnostics);
        if diagnostics.has_errors() {
            printer.outln(&printer.failure(&format!(
                "The stack is invalid: {} error{}, {} warning{}.",
                diagnostics.error_count(),
                plural(diagnostics.error_count()),
                diagnostics.warning_count(),
                plural(diagnostics.warning_count())
            )));
        } else if diagnostics.warning_count() > 0 {
            printer.outln(&printer.success(&format!(
                "The stack is valid, with {} warning{}.",
                diagnostics.warning_count(),
                plural(diagnostics.warning_count())
            )));
        } else {
            printer.outln(&printer.success("The stack is valid."));
        }
    }
    let code = if diagnostics.has_errors() {
        EXIT_ERROR
    } else {
        0
    };
    // The process ends next; freeing a 10 000-resource analysis piece by piece would cost a
    // quarter of the run, and the OS reclaims it at once.
    std::mem::forget(analysis);
    code
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
