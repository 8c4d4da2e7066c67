//! Where a stack's state for an environment lives: `state/<stack>/<env>.json` under the working
//! directory by default; `--state-dir DIR` gives `DIR/<stack>/<env>.json`; a
//! `plat { backend "local" { path = "..." } }` block gives that path (with `<env>/` inserted
//! before the file name for environments other than `default`).

use std::path::{Path, PathBuf};

use crate::lang::ast::Expression;

use crate::lang::config::Config;
use crate::state::paths::InvalidName;
use crate::state::StatePaths;

/// Loads a stack and says where its state for the request's environment lives (the stack's
/// `backend` block can move it, so the configuration is read first).
pub fn locate(
    request: &crate::stack::AnalysisRequest,
    state_dir: Option<&Path>,
) -> Result<(crate::stack::Loaded, StatePaths), InvalidName> {
    let loaded = crate::stack::load(request);
    let paths = state_paths(&loaded.config, &request.stack_dir, state_dir, &request.env)?;
    Ok((loaded, paths))
}

pub fn state_paths(
    config: &Config,
    stack_dir: &Path,
    state_dir: Option<&Path>,
    env: &str,
) -> Result<StatePaths, InvalidName> {
    let stack = stack_name(stack_dir);
    if let Some(dir) = state_dir {
        // The same name rules as the default location.
        StatePaths::for_env(dir, &stack, env)?;
        return Ok(StatePaths::at(dir.join(&stack).join(format!("{env}.json"))));
    }
    if let Some(path) = backend_path(config) {
        let path = PathBuf::from(path);
        if env == "default" {
            return Ok(StatePaths::at(path));
        }
        StatePaths::for_env(Path::new("."), &stack, env)?;
        let file = path
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("state.json"));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok(StatePaths::at(dir.join(env).join(file)));
    }
    let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    StatePaths::for_env(&working_dir, &stack, env)
}

/// The stack's name: its directory's name (`stacks/aws-mlops` → `aws-mlops`).
pub fn stack_name(stack_dir: &Path) -> String {
    let canonical = stack_dir
        .canonicalize()
        .unwrap_or_else(|_| stack_dir.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".to_string())
}

/// `path` of a `backend "local"` block, when written as a literal string.
fn backend_path(config: &Config) -> Option<String> {
    let backend = config.modules.first()?.settings.backend.as_ref()?;
    if backend.labels.first().map(String::as_str) != Some("local") {
        return None;
    }
    match backend.body.attribute("path")?.expr.expr.as_ref() {
        Expression::String(s) => Some(s.as_str().to_string()),
        _ => None,
    }
}
