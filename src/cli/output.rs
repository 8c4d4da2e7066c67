//! All terminal output goes through the [`Printer`], which decides about colour.

use std::io::{IsTerminal, Write};

use crate::lang::diagnostics::{render_text, Diagnostics};
use crate::lang::source::SourceMap;

use super::ColorChoice;

pub struct Printer {
    color_stdout: bool,
    color_stderr: bool,
}

impl Printer {
    pub fn new(choice: ColorChoice) -> Printer {
        let allowed = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => allowed && tty,
        };
        Printer {
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
        }
    }

    /// Writes to standard output. Output errors (a closed pipe) end the line quietly.
    pub fn out(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    pub fn outln(&self, text: &str) {
        self.out(&format!("{text}\n"));
    }

    pub fn err(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
    }

    pub fn errln(&self, text: &str) {
        self.err(&format!("{text}\n"));
    }

    /// Renders diagnostics to standard error.
    pub fn diagnostics(&self, sources: &SourceMap, diagnostics: &Diagnostics) {
        if !diagnostics.is_empty() {
            self.err(&render_text(sources, diagnostics, self.color_stderr));
        }
    }

    /// Wraps text in a green/red style when stdout is coloured.
    pub fn success(&self, text: &str) -> String {
        self.style(text, "32")
    }

    pub fn failure(&self, text: &str) -> String {
        self.style(text, "31")
    }

    fn style(&self, text: &str, code: &str) -> String {
        if self.color_stdout {
            format!("\x1b[1;{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
