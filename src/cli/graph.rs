//! `plat graph`: the dependency graph as DOT.

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::graph::dot;
use crate::lang::config::Config;
use crate::lang::load::load_stack;
use crate::lang::source::SourceMap;

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub stack: StackArgs,
}

pub fn run(args: &GraphArgs, printer: &Printer) -> u8 {
    let mut sources = SourceMap::new();
    let (config, mut diagnostics): (Config, _) = load_stack(&args.stack.stack_dir, &mut sources);
    let (graph, graph_diagnostics) = crate::graph::build(&config);
    diagnostics.extend(graph_diagnostics);
    diagnostics.sort();
    printer.diagnostics(&sources, &diagnostics);
    printer.out(&dot::render(&graph));
    if diagnostics.has_errors() {
        EXIT_ERROR
    } else {
        0
    }
}
