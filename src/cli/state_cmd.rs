//! `plat state list|show|rm|mv`: look at and correct a stack's state.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Subcommand};

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::state::{InstanceAddress, LocalBackend, Lock, LockInfo, State, StatePaths};

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Args)]
pub struct StateOptions {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resource instances in state.
    List(StateOptions),
    /// Show one instance's attributes (secrets masked).
    Show {
        #[command(flatten)]
        options: StateOptions,
        /// The instance address, e.g. plat_data.node["a"].
        #[arg(long, value_name = "ADDRESS")]
        address: String,
    },
    /// Forget instances (the objects are not destroyed); a resource address forgets all its instances.
    Rm {
        #[command(flatten)]
        options: StateOptions,
        #[arg(long = "address", value_name = "ADDRESS", required = true)]
        addresses: Vec<String>,
    },
    /// Print the state document as JSON, with every secret replaced by "(sensitive value)".
    Pull(StateOptions),
    /// Move an instance to another address (after renaming a resource or moving it into a module).
    Mv {
        #[command(flatten)]
        options: StateOptions,
        #[arg(long, value_name = "ADDRESS")]
        from: String,
        #[arg(long, value_name = "ADDRESS")]
        to: String,
    },
}

pub fn run(args: &StateArgs, printer: &Printer) -> u8 {
    let result = match &args.command {
        StateCommand::List(options) => list(options, printer),
        StateCommand::Show { options, address } => show(options, address, printer),
        StateCommand::Rm { options, addresses } => rm(options, addresses, printer),
        StateCommand::Mv { options, from, to } => mv(options, from, to, printer),
        StateCommand::Pull(options) => pull(options, printer),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            printer.errln(&format!("error: {message}"));
            EXIT_ERROR
        }
    }
}

fn locate(options: &StateOptions) -> Result<(StatePaths, LocalBackend), String> {
    let request = options.stack.request(true);
    let (_, paths) = crate::ops::state_location::locate(&request, options.state_dir.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((paths.clone(), LocalBackend::new(paths)))
}

fn read(backend: &LocalBackend, paths: &StatePaths) -> Result<State, String> {
    backend.read().map_err(|e| e.to_string())?.ok_or_else(|| {
        format!(
            "no state at {}: apply the stack first (or check --env and --state-dir)",
            paths.state.display()
        )
    })
}

/// Every instance address in state, sorted.
fn addresses(state: &State) -> Result<Vec<InstanceAddress>, String> {
    let mut out = Vec::new();
    for (resource, entry) in &state.resources {
        for key in entry.instances.keys() {
            let text = if key.is_empty() {
                resource.clone()
            } else {
                format!("{resource}[{key}]")
            };
            out.push(InstanceAddress::from_str(&text).map_err(|e| e.to_string())?);
        }
    }
    out.sort();
    Ok(out)
}

fn list(options: &StateOptions, printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let state = read(&backend, &paths)?;
    for address in addresses(&state)? {
        printer.outln(&address.to_string());
    }
    Ok(())
}

fn parse(address: &str) -> Result<InstanceAddress, String> {
    InstanceAddress::from_str(address).map_err(|e| e.to_string())
}

fn show(options: &StateOptions, address: &str, printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let state = read(&backend, &paths)?;
    let address = parse(address)?;
    let instance = state
        .instance(&address)
        .ok_or_else(|| not_in_state(&state, &address))?;
    printer.outln(&render_instance(&address, instance));
    Ok(())
}

/// An instance as a block, secrets masked: `# ADDRESS:` then `resource "TYPE" "NAME" { ... }`.
fn render_instance(address: &InstanceAddress, instance: &crate::state::InstanceState) -> String {
    let keyword = match address.mode {
        crate::lang::config::ResourceMode::Managed => "resource",
        crate::lang::config::ResourceMode::Data => "data",
    };
    format!(
        "# {address}:\n{keyword} {} {} {}",
        crate::lang::value::quote(&address.type_name),
        crate::lang::value::quote(&address.name),
        instance.value().render()
    )
}

fn not_in_state(state: &State, address: &InstanceAddress) -> String {
    let all: Vec<String> = addresses(state)
        .unwrap_or_default()
        .iter()
        .map(|a| a.to_string())
        .collect();
    match crate::lang::diagnostics::suggest(&address.to_string(), all.iter().map(String::as_str)) {
        Some(s) => format!("{address} is not in state; did you mean {s}?"),
        None => format!("{address} is not in state; `plat state list` shows what is"),
    }
}

fn rm(options: &StateOptions, wanted: &[String], printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let _lock = Lock::acquire(&paths, LockInfo::new("plat state rm")).map_err(|e| e.to_string())?;
    let mut state = read(&backend, &paths)?;
    let all = addresses(&state)?;
    let mut removed = Vec::new();
    for text in wanted {
        let address = parse(text)?;
        // A resource address without a key names every instance of the resource.
        let matching: Vec<InstanceAddress> = all
            .iter()
            .filter(|a| {
                **a == address
                    || (address.key == crate::expand::InstanceKey::None
                        && a.resource_address() == address.resource_address())
            })
            .cloned()
            .collect();
        if matching.is_empty() {
            return Err(not_in_state(&state, &address));
        }
        for address in matching {
            state.remove_instance(&address);
            removed.push(address.to_string());
        }
    }
    backend.write(&mut state).map_err(|e| e.to_string())?;
    for address in &removed {
        printer.outln(&format!(
            "Removed {address} (the object itself was not destroyed)"
        ));
    }
    Ok(())
}

fn mv(options: &StateOptions, from: &str, to: &str, printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let _lock = Lock::acquire(&paths, LockInfo::new("plat state mv")).map_err(|e| e.to_string())?;
    let mut state = read(&backend, &paths)?;
    let (from, to) = (parse(from)?, parse(to)?);
    if from.type_name != to.type_name || from.mode != to.mode {
        return Err(format!(
            "cannot move {from} to {to}: an instance keeps its resource type"
        ));
    }
    if state.instance(&to).is_some() {
        return Err(format!(
            "{to} is already in state; remove it first with plat state rm"
        ));
    }
    let provider = state
        .resources
        .get(&from.resource_address())
        .map(|r| r.provider.clone())
        .unwrap_or_default();
    let instance = state
        .remove_instance(&from)
        .ok_or_else(|| not_in_state(&state, &from))?;
    state.set_instance(&to, &provider, instance);
    backend.write(&mut state).map_err(|e| e.to_string())?;
    printer.outln(&format!("Moved {from} to {to}"));
    Ok(())
}

fn pull(options: &StateOptions, printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let mut state = read(&backend, &paths)?;
    // The document as stored, but secrets never leave plat through its output.
    for resource in state.resources.values_mut() {
        for instance in resource.instances.values_mut() {
            instance.attributes =
                crate::state::model::redacted(&instance.attributes, &instance.sensitive_paths);
        }
    }
    for output in state.outputs.values_mut() {
        if output.sensitive {
            output.value = serde_json::Value::String(crate::state::model::REDACTED.to_string());
        }
    }
    let bytes = state.to_json_bytes().map_err(|e| e.to_string())?;
    printer.out(&String::from_utf8_lossy(&bytes));
    Ok(())
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub options: StateOptions,
    /// Print as JSON (secrets replaced by "(sensitive value)").
    #[arg(long)]
    pub json: bool,
}

/// `plat show [STACK_DIR|PLANFILE]`: what state holds (secrets masked), or what a saved plan
/// would do.
pub fn show_run(args: &ShowArgs, printer: &Printer) -> u8 {
    let path = &args.options.stack.stack_dir;
    let result = if path.is_file() {
        show_saved_plan(path, args.json, printer)
    } else if args.json {
        pull(&args.options, printer)
    } else {
        show_state(&args.options, printer)
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            printer.errln(&format!("error: {message}"));
            EXIT_ERROR
        }
    }
}

fn show_state(options: &StateOptions, printer: &Printer) -> Result<(), String> {
    let (paths, backend) = locate(options)?;
    let state = read(&backend, &paths)?;
    for address in addresses(&state)? {
        if let Some(instance) = state.instance(&address) {
            printer.outln(&format!("{}\n", render_instance(&address, instance)));
        }
    }
    if !state.outputs.is_empty() {
        printer.outln("Outputs:\n");
        for (name, output) in &state.outputs {
            printer.outln(&format!("{name} = {}", output.to_value().render()));
        }
    }
    Ok(())
}

fn show_saved_plan(path: &std::path::Path, json: bool, printer: &Printer) -> Result<(), String> {
    let saved = crate::plan::saved::SavedPlan::read(path)?;
    if json {
        printer.outln(&serde_json::to_string_pretty(&saved).unwrap_or_default());
        return Ok(());
    }
    printer.outln(&format!(
        "Saved plan for {} (environment {}), made against state serial {}:\n",
        saved.stack_dir.display(),
        saved.env,
        saved
            .state_serial
            .map(|s| s.to_string())
            .unwrap_or_else(|| "none (no state yet)".into())
    ));
    for change in &saved.changes {
        printer.outln(&format!(
            "  {:>3} {}",
            change.action.symbol(),
            change.address
        ));
    }
    printer.outln(&format!(
        "\nApply it with: plat apply {} (it is refused if anything changed since)",
        path.display()
    ));
    Ok(())
}
