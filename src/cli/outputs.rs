//! `plat output [STACK_DIR] [NAME]`: the root module's outputs from the last apply, read from state.

use std::path::PathBuf;

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::ops::state_location::locate;
use crate::state::LocalBackend;

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print only this output (a sensitive output is shown only when named).
    pub name: Option<String>,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a string output without quotes (with --name).
    #[arg(long)]
    pub raw: bool,
}

pub fn run(args: &OutputArgs, printer: &Printer) -> u8 {
    let request = args.stack.request(true);
    let paths = match locate(&request, args.state_dir.as_deref()) {
        Ok((_, paths)) => paths,
        Err(e) => {
            printer.errln(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    let state = match LocalBackend::new(paths.clone()).read() {
        Ok(Some(state)) => state,
        Ok(None) => {
            printer.errln(&format!(
                "error: no state at {}: apply the stack first (or check --env and --state-dir)",
                paths.state.display()
            ));
            return EXIT_ERROR;
        }
        Err(e) => {
            printer.errln(&format!("error: {e}"));
            return EXIT_ERROR;
        }
    };
    if let Some(name) = &args.name {
        let Some(output) = state.outputs.get(name) else {
            let names: Vec<&str> = state.outputs.keys().map(String::as_str).collect();
            let hint = match crate::lang::diagnostics::suggest(name, names.iter().copied()) {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => format!("the outputs are: {}", names.join(", ")),
            };
            printer.errln(&format!("error: there is no output \"{name}\"; {hint}"));
            return EXIT_ERROR;
        };
        // Named explicitly: shown even when sensitive, as the user asked for it.
        let value = &output.value;
        if args.json {
            printer.outln(&value.to_string());
        } else if let (true, Some(s)) = (args.raw, value.as_str()) {
            printer.out(s);
        } else {
            printer.outln(&crate::lang::value::json::from_json(value).render());
        }
        return 0;
    }
    if args.json {
        let doc: serde_json::Map<String, serde_json::Value> = state
            .outputs
            .iter()
            .map(|(name, output)| {
                let value = if output.sensitive {
                    serde_json::Value::Null
                } else {
                    output.value.clone()
                };
                (
                    name.clone(),
                    serde_json::json!({ "value": value, "sensitive": output.sensitive }),
                )
            })
            .collect();
        printer.outln(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        return 0;
    }
    for (name, output) in &state.outputs {
        let shown = if output.sensitive {
            "(sensitive value)".to_string()
        } else {
            crate::lang::value::json::from_json(&output.value).render()
        };
        printer.outln(&format!("{name} = {shown}"));
    }
    0
}
