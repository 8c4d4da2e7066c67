//! The command-line interface: argument parsing and one thin file per command.

mod admin;
mod apply;
mod completions;
mod console;
mod fmt;
mod graph;
mod output;
mod outputs;
pub(crate) mod plan;
mod progress;
mod state_cmd;
mod validate;
mod version;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::expand::inputs::VarSources;
use crate::stack::AnalysisRequest;
pub use output::Printer;

/// plat: provision complete MLOps platforms from declarative HCL stacks.
#[derive(Debug, Parser)]
#[command(name = "plat", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// At the end, print on standard error how many API calls each cloud operation made
    /// (retries counted apart).
    #[arg(long, global = true)]
    pub stats: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a stack for mistakes without calling any cloud API.
    Validate(validate::ValidateArgs),
    /// Rewrite stack files in the canonical layout.
    Fmt(fmt::FmtArgs),
    /// Evaluate expressions in a stack's context.
    Console(console::ConsoleArgs),
    /// Plan, ask, and carry the plan out.
    Apply(apply::ApplyArgs),
    /// Plan the destruction of everything the stack's state holds, ask, and destroy it.
    Destroy(apply::ApplyArgs),
    /// Show what applying the stack would change (nothing is changed).
    Plan(plan::PlanArgs),
    /// Print the outputs saved by the last apply (sensitive ones only when named).
    Output(outputs::OutputArgs),
    /// Show what state holds (secrets masked), or what a saved plan would do.
    Show(state_cmd::ShowArgs),
    /// Look at and correct the state: list, show, rm, mv, pull.
    State(state_cmd::StateArgs),
    /// Bring an existing object under plat's management (the resource block must exist).
    Import(admin::ImportArgs),
    /// Remove a lock whose holder is gone but could not release it (e.g. on another machine).
    ForceUnlock(admin::ForceUnlockArgs),
    /// Print a stack's dependency graph as Graphviz DOT.
    Graph(graph::GraphArgs),
    /// Print plat's version.
    Version(version::VersionArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
}

/// Options shared by the commands that evaluate a stack.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// The stack directory (its *.hcl files).
    #[arg(default_value = ".")]
    pub stack_dir: PathBuf,
    /// Set a root variable: --var name=value (repeatable; wins over files and environment).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variable values from a file of name = value lines, or JSON (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// The environment name, visible as plat.env.
    #[arg(long, default_value = "default", env = "PLAT_ENV")]
    pub env: String,
}

impl StackArgs {
    pub fn request(&self, allow_missing_variables: bool) -> AnalysisRequest {
        AnalysisRequest {
            stack_dir: self.stack_dir.clone(),
            vars: VarSources {
                files: self
                    .var_files
                    .iter()
                    .cloned()
                    .map(crate::expand::inputs::VarFile::read)
                    .collect(),
                cli: self.vars.clone(),
                environment: true,
            },
            env: self.env.clone(),
            allow_missing_variables,
        }
    }
}

/// Exit codes: 0 success, 1 error (2 is reserved for "changes present" with --detailed-exitcode).
pub const EXIT_ERROR: u8 = 1;

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.color);
    let code = match cli.command {
        Command::Validate(args) => validate::run(&args, &printer),
        Command::Fmt(args) => fmt::run(&args, &printer),
        Command::Console(args) => console::run(&args, &printer),
        Command::Graph(args) => graph::run(&args, &printer),
        Command::Plan(args) => plan::run(&args, &printer),
        Command::Output(args) => outputs::run(&args, &printer),
        Command::State(args) => state_cmd::run(&args, &printer),
        Command::Show(args) => state_cmd::show_run(&args, &printer),
        Command::Import(args) => admin::import_run(&args, &printer),
        Command::ForceUnlock(args) => admin::force_unlock_run(&args, &printer),
        Command::Apply(args) => apply::run(&args, &printer, false),
        Command::Destroy(args) => apply::run(&args, &printer, true),
        Command::Version(args) => version::run(&args, &printer),
        Command::Completions(args) => completions::run(&args),
    };
    if cli.stats {
        let lines = crate::providers::registry().stats();
        if lines.is_empty() {
            printer.errln("No cloud API calls were made.");
        }
        for line in lines {
            printer.errln(&line);
        }
    }
    ExitCode::from(code)
}
