//! `plat fmt`: rewrite stack files in the canonical layout.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Printer, EXIT_ERROR};
use crate::fmt::format_source;
use crate::lang::load::STACK_EXTENSION;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories (directories are searched recursively for *.hcl and *.platvars).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// Show the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
}

/// Extensions of files that fmt formats.
const FORMATTED_EXTENSIONS: &[&str] = &[STACK_EXTENSION, "platvars"];

pub fn run(args: &FmtArgs, printer: &Printer) -> u8 {
    let mut files = Vec::new();
    for path in &args.paths {
        collect(path, &mut files, printer);
    }
    let mut failed = false;
    let mut unformatted = false;
    for file in files {
        let original = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                printer.errln(&format!("error: cannot read {}: {e}", file.display()));
                failed = true;
                continue;
            }
        };
        let formatted = match format_source(&original) {
            Ok(text) => text,
            Err(e) => {
                printer.errln(&format!(
                    "error[plat::lang::syntax]: {}:{}:{}: {}\n  = help: fix the syntax error first; fmt only formats files that parse",
                    file.display(),
                    e.line,
                    e.column,
                    e.message
                ));
                failed = true;
                continue;
            }
        };
        if formatted == original {
            continue;
        }
        unformatted = true;
        let name = file.display().to_string();
        if args.diff {
            let diff = similar::TextDiff::from_lines(&original, &formatted);
            printer.out(
                &diff
                    .unified_diff()
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string(),
            );
        }
        if args.check {
            if !args.diff {
                printer.outln(&name);
            }
            continue;
        }
        if let Err(e) = write_atomically(&file, &formatted) {
            printer.errln(&format!("error: cannot write {name}: {e}"));
            failed = true;
            continue;
        }
        if !args.diff {
            printer.outln(&name);
        }
    }
    if failed || (args.check && unformatted) {
        EXIT_ERROR
    } else {
        0
    }
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, printer: &Printer) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    if !path.is_dir() {
        printer.errln(&format!("error: {} does not exist", path.display()));
        return;
    }
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
        .into_iter()
        .filter_entry(|e| {
            // Skip hidden directories (.git) and build output.
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || name == "target")
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| FORMATTED_EXTENSIONS.contains(&e))
        })
        .collect();
    found.sort();
    files.extend(found);
}

/// Writes through a temporary file and a rename, so an interrupted fmt never truncates a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.plat-fmt-tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path)
}
