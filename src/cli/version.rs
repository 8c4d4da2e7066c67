//! `plat version`.

use clap::Args;

use super::Printer;

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &VersionArgs, printer: &Printer) -> u8 {
    let version = env!("CARGO_PKG_VERSION");
    if args.json {
        printer.outln(&serde_json::json!({ "plat_version": version }).to_string());
    } else {
        printer.outln(&format!("plat v{version}"));
    }
    0
}
