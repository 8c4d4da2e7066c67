//! `plat console`: evaluate expressions in a stack's context.
//!
//! With standard input not a terminal, each line is one expression and each result is printed on
//! its own line; otherwise an interactive prompt with history. Sensitive values print as
//! `(sensitive value)`, values not known before apply as `(known after apply)`.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::lang::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::eval::Evaluator;
use crate::lang::functions::FuncContext;
use crate::lang::load::codes::NO_FILES;
use crate::stack::{analyse, Analysis};

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub stack: StackArgs,
}

pub fn run(args: &ConsoleArgs, printer: &Printer) -> u8 {
    let mut analysis = analyse(&args.stack.request(false));
    // A directory without stack files is an empty stack: functions still work.
    let kept: Diagnostics = {
        let mut kept = Diagnostics::new();
        for d in analysis.diagnostics.clone() {
            if d.code != NO_FILES {
                kept.push(d);
            }
        }
        kept
    };
    analysis.diagnostics = kept;
    if analysis.diagnostics.has_errors() {
        printer.diagnostics(&analysis.sources, &analysis.diagnostics);
        printer.errln(
            "The stack has errors; fix them (or pass --var values) before using the console.",
        );
        return EXIT_ERROR;
    }
    let mut session = Session { analysis, printer };
    if std::io::stdin().is_terminal() {
        session.interactive()
    } else {
        session.batch()
    }
}

struct Session<'p> {
    analysis: Analysis,
    printer: &'p Printer,
}

impl Session<'_> {
    fn batch(&mut self) -> u8 {
        let mut failed = false;
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if line.trim().is_empty() {
                continue;
            }
            match self.evaluate(&line) {
                Ok(text) => self.printer.outln(&text),
                Err(()) => failed = true,
            }
        }
        if failed {
            EXIT_ERROR
        } else {
            0
        }
    }

    fn interactive(&mut self) -> u8 {
        let Ok(mut editor) = rustyline::DefaultEditor::new() else {
            return self.batch();
        };
        while let Ok(line) = editor.readline("> ") {
            let trimmed = line.trim();
            if trimmed == "exit" {
                break;
            }
            if trimmed.is_empty() {
                continue;
            }
            let _ = editor.add_history_entry(trimmed);
            if let Ok(text) = self.evaluate(trimmed) {
                self.printer.outln(&text);
            }
        }
        0
    }

    /// Evaluates one expression; errors are printed as diagnostics.
    fn evaluate(&mut self, line: &str) -> Result<String, ()> {
        let file = self
            .analysis
            .sources
            .add(std::path::Path::new("<console>"), Arc::from(line));
        let expr = match crate::lang::ast::parse_expr(line) {
            Ok(expr) => expr,
            Err(e) => {
                let offset = e.location().offset();
                let d = Diagnostic::error(
                    crate::lang::load::codes::SYNTAX,
                    format!("syntax error: {}", e.message()),
                )
                .at(crate::lang::source::Span::new(file, offset..offset + 1))
                .help("type one expression per line, e.g. cidrsubnet(\"10.0.0.0/16\", 8, 2)");
                self.report(d);
                return Err(());
            }
        };
        let Some(expanded) = &self.analysis.expanded else {
            return Err(());
        };
        let resolver = expanded.root_resolver(&self.analysis.config);
        let ctx = FuncContext::new(crate::expand::WORKING_DIR);
        let mut evaluator = Evaluator::new(&resolver, &ctx);
        match evaluator.eval_in(file, &expr) {
            Ok(value) => Ok(value.render()),
            Err(d) => {
                self.report(*d);
                Err(())
            }
        }
    }

    fn report(&self, d: Diagnostic) {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(d);
        self.printer
            .diagnostics(&self.analysis.sources, &diagnostics);
    }
}
