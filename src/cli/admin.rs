//! `plat force-unlock LOCK_ID` and `plat import ADDRESS ID`.

use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;

use super::{Printer, StackArgs, EXIT_ERROR};
use crate::ops::state_location::locate;
use crate::providers::registry;
use crate::providers::resource::OpContext;
use crate::state::{
    force_unlock, InstanceAddress, InstanceState, LocalBackend, Lock, LockInfo, State,
};

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock ID that the "state locked" message showed.
    pub lock_id: String,
    #[command(flatten)]
    pub stack: StackArgs,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The instance address in the configuration, e.g. random_password.db.
    pub address: String,
    /// The provider's ID of the existing object.
    pub id: String,
    #[command(flatten)]
    pub stack: StackArgs,
    /// Keep state files under DIR/<stack>/<env>.json instead of ./state/.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

pub fn force_unlock_run(args: &ForceUnlockArgs, printer: &Printer) -> u8 {
    let request = args.stack.request(true);
    let result = locate(&request, args.state_dir.as_deref())
        .map(|(_, paths)| paths)
        .map_err(|e| e.to_string())
        .and_then(|paths| force_unlock(&paths, &args.lock_id).map_err(|e| e.to_string()));
    match result {
        Ok(holder) => {
            printer.outln(&format!(
                "Removed the lock {} held by {}@{} (pid {}, `{}` since {}).",
                holder.id, holder.user, holder.host, holder.pid, holder.command, holder.since
            ));
            0
        }
        Err(message) => {
            printer.errln(&format!("error: {message}"));
            EXIT_ERROR
        }
    }
}

pub fn import_run(args: &ImportArgs, printer: &Printer) -> u8 {
    match import(args) {
        Ok(message) => {
            printer.outln(&message);
            0
        }
        Err(message) => {
            printer.errln(&format!("error: {message}"));
            EXIT_ERROR
        }
    }
}

fn import(args: &ImportArgs) -> Result<String, String> {
    let request = args.stack.request(true);
    let (loaded, paths) = locate(&request, args.state_dir.as_deref()).map_err(|e| e.to_string())?;
    let address = InstanceAddress::from_str(&args.address).map_err(|e| e.to_string())?;
    // Terraform's rule: the configuration must declare the resource being imported.
    let mut module = loaded.config.root();
    for (call, _) in &address.module {
        let child = module
            .module_calls
            .get(call)
            .and_then(|c| c.module)
            .ok_or_else(|| format!("the configuration has no module \"{call}\" for {address}"))?;
        module = loaded.config.module(child);
    }
    let resource = module
        .resource(address.mode, &address.type_name, &address.name)
        .ok_or_else(|| {
            format!(
                "the configuration declares no {}; add the resource block first, then import",
                address.resource_address()
            )
        })?;
    let implementation = registry()
        .implementation(address.mode, &address.type_name)
        .ok_or_else(|| {
            format!(
                "provider \"{}\" is not built in yet, so {} cannot be imported",
                resource.provider_name(),
                address.type_name
            )
        })?;
    let _lock = Lock::acquire(&paths, LockInfo::new("plat import")).map_err(|e| e.to_string())?;
    let backend = LocalBackend::new(paths);
    let mut state = backend
        .read()
        .map_err(|e| e.to_string())?
        .unwrap_or_else(State::new);
    if state.instance(&address).is_some() {
        return Err(format!(
            "{address} is already in state; remove it first with plat state rm if it is wrong"
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let providers = crate::ops::plan::providers(&loaded, &request);
    let provider_key = crate::plan::planner::resource_provider(resource);
    let import = async {
        let handle = providers.handle(&provider_key).await?;
        let ctx = OpContext::new()
            .with_provider(handle)
            .with_address(address.to_string());
        implementation.import(&ctx, &args.id).await
    };
    let value = runtime
        .block_on(import)
        .map_err(|e| format!("importing {address} with ID {}: {e}", args.id))?;
    let (attributes, sensitive) =
        crate::state::model::attributes_from_value(&value).map_err(|e| e.to_string())?;
    state.set_instance(
        &address,
        &provider_key,
        InstanceState::new(attributes, sensitive),
    );
    backend.write(&mut state).map_err(|e| e.to_string())?;
    Ok(format!(
        "Imported {address} (ID {}). Run plat plan to see how it differs from the configuration.",
        args.id
    ))
}
