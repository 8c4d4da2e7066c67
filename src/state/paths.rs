//! Where one state lives on disk: the state file and the files kept next to it.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The directory, relative to the working directory, that holds every stack's local state.
pub const STATE_DIR: &str = "state";

/// The state file of one stack and environment, and its companions: the previous version
/// (`.backup`), the apply journal (`.journal`) and the lock (`.lock`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatePaths {
    pub state: PathBuf,
    pub backup: PathBuf,
    pub journal: PathBuf,
    pub lock: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the {what} name `{name}` cannot be part of a state path under {}: use letters, digits, `-`, `_` and `.` (not first)", dir.display())]
pub struct InvalidName {
    pub what: &'static str,
    pub name: String,
    pub dir: PathBuf,
}

impl StatePaths {
    /// `WORKING_DIR/state/STACK/ENV.json`.
    pub fn for_env(working_dir: &Path, stack: &str, env: &str) -> Result<StatePaths, InvalidName> {
        let dir = working_dir.join(STATE_DIR);
        check_name("stack", stack, &dir)?;
        check_name("environment", env, &dir)?;
        Ok(StatePaths::at(dir.join(stack).join(format!("{env}.json"))))
    }

    /// The companions of an explicit state file (`--state PATH`).
    pub fn at(state: impl Into<PathBuf>) -> StatePaths {
        let state = state.into();
        StatePaths {
            backup: with_suffix(&state, ".backup"),
            journal: with_suffix(&state, ".journal"),
            lock: with_suffix(&state, ".lock"),
            state,
        }
    }

    /// The directory holding the state file.
    pub fn dir(&self) -> &Path {
        match self.state.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

fn check_name(what: &'static str, name: &str, dir: &Path) -> Result<(), InvalidName> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(InvalidName {
            what,
            name: name.to_owned(),
            dir: dir.to_path_buf(),
        })
    }
}

/// Makes a rename or removal in `dir` durable (a no-op where directories cannot be opened).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_table() {
        let paths = StatePaths::for_env(Path::new("/w"), "platform", "dev").unwrap();
        assert_eq!(paths.state, Path::new("/w/state/platform/dev.json"));
        assert_eq!(paths.backup, Path::new("/w/state/platform/dev.json.backup"));
        assert_eq!(
            paths.journal,
            Path::new("/w/state/platform/dev.json.journal")
        );
        assert_eq!(paths.lock, Path::new("/w/state/platform/dev.json.lock"));
        assert_eq!(paths.dir(), Path::new("/w/state/platform"));
        assert_eq!(StatePaths::at("s.json").dir(), Path::new("."));
        assert_eq!(StatePaths::at("s.json").lock, Path::new("s.json.lock"));
    }

    #[test]
    fn names_that_escape_the_state_dir_are_refused() {
        for (stack, env) in [
            ("..", "dev"),
            ("a/b", "dev"),
            ("a", ""),
            ("a", ".hidden"),
            ("a", "x\\y"),
        ] {
            let error = StatePaths::for_env(Path::new("/w"), stack, env).unwrap_err();
            assert!(error.to_string().contains("/w/state"), "{error}");
        }
        assert!(StatePaths::for_env(Path::new("."), "ml-platform_2", "pr-123.eu").is_ok());
    }
}
