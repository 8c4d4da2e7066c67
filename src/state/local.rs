//! The local backend: the state as a JSON file (default `state/<stack>/<env>.json`).
//!
//! A write never leaves a half-written file: the new state goes to a temporary file in the same
//! directory, is synced, the current file is kept as `.backup`, and a rename puts the new file in
//! place. A file plat cannot understand (damaged, written by a newer plat, another state's
//! lineage) is never overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use super::model::{State, STATE_FORMAT_VERSION};
use super::paths::{sync_dir, StatePaths};
use super::values::StateValues;

#[derive(Debug, Error)]
pub enum BackendError {
    #[error("cannot read state file {}: {source}; check that it is readable", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write state file {}: {source}; check that the directory is writable and the disk is not full (the previous state is unchanged)", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("state file {} is damaged: {problem} (line {line}, column {column}). plat will not overwrite it. {}", path.display(), backup_hint(backup))]
    Corrupt {
        path: PathBuf,
        problem: String,
        line: usize,
        column: usize,
        backup: PathBuf,
    },
    #[error("state file {} has format version {found}, written by a newer plat (this plat reads up to version {supported}); upgrade plat. The file was not modified", path.display())]
    Newer {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("state file {} is missing but its backup {} exists; if the state was lost by accident, restore it with `mv {} {}`; if you mean to start from empty state, delete the backup", path.display(), backup.display(), backup.display(), path.display())]
    MissingWithBackup { path: PathBuf, backup: PathBuf },
    #[error("refusing to write state file {}: it holds a different state (lineage {on_disk}; this run's state has lineage {ours}); check the stack, environment and state path, or move the other file away", path.display())]
    LineageMismatch {
        path: PathBuf,
        on_disk: String,
        ours: String,
    },
    #[error("refusing to write state file {}: it has serial {on_disk}, newer than this run's {ours}, so another run wrote it meanwhile; run the command again to start from the newer state", path.display())]
    StaleSerial {
        path: PathBuf,
        on_disk: u64,
        ours: u64,
    },
    #[error("cannot serialise the state for {}: {source}; this is a bug in plat, please report it", path.display())]
    Serialise {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn backup_hint(backup: &Path) -> String {
    if backup.exists() {
        format!(
            "The previous version is kept at {}: inspect both files, then fix the JSON or restore the backup over the state file",
            backup.display()
        )
    } else {
        format!(
            "There is no backup ({} does not exist): fix the JSON by hand or restore the file from version control",
            backup.display()
        )
    }
}

/// The fields a write checks on disk before replacing the file (after the format version, so
/// that a newer format is reported as such rather than as a shape this plat does not know).
#[derive(Deserialize)]
struct Header {
    lineage: String,
    serial: u64,
}

/// A document the backend reads: the whole state, or its values only.
pub trait StateDocument: serde::de::DeserializeOwned {
    fn format_version(&self) -> u32;
}

impl StateDocument for State {
    fn format_version(&self) -> u32 {
        self.format_version
    }
}

impl StateDocument for StateValues {
    fn format_version(&self) -> u32 {
        self.format_version
    }
}

/// The state file of one stack and environment.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    paths: StatePaths,
}

impl LocalBackend {
    pub fn new(paths: StatePaths) -> LocalBackend {
        LocalBackend { paths }
    }

    pub fn paths(&self) -> &StatePaths {
        &self.paths
    }

    /// The stored state; `None` when there is none yet.
    pub fn read(&self) -> Result<Option<State>, BackendError> {
        self.read_as()
    }

    /// The stored state's instance values only, for planning (see [`StateValues`]); the same
    /// checks as [`read`](Self::read).
    pub fn read_values(&self) -> Result<Option<StateValues>, BackendError> {
        self.read_as()
    }

    /// One pass over the file when it is fine; when it is not, the header is read on its own so
    /// that a newer format is reported as such rather than as a shape this plat does not know.
    fn read_as<T: StateDocument>(&self) -> Result<Option<T>, BackendError> {
        let Some(bytes) = self.read_bytes()? else {
            return Ok(None);
        };
        match serde_json::from_slice::<T>(&bytes) {
            Ok(document) => {
                self.check_version(document.format_version())?;
                Ok(Some(document))
            }
            Err(error) => {
                self.check_header(&bytes)?;
                Err(self.corrupt(&error))
            }
        }
    }

    /// Saves `state` with the next serial. Refuses when the file on disk belongs to another
    /// state (lineage), is newer (serial or format), or cannot be read.
    pub fn write(&self, state: &mut State) -> Result<(), BackendError> {
        if let Some(bytes) = self.read_bytes()? {
            let on_disk = self.check_header(&bytes)?;
            if on_disk.lineage != state.lineage {
                return Err(BackendError::LineageMismatch {
                    path: self.paths.state.clone(),
                    on_disk: on_disk.lineage,
                    ours: state.lineage.clone(),
                });
            }
            if on_disk.serial > state.serial {
                return Err(BackendError::StaleSerial {
                    path: self.paths.state.clone(),
                    on_disk: on_disk.serial,
                    ours: state.serial,
                });
            }
        }
        let previous = (
            state.serial,
            state.format_version,
            state.plat_version.clone(),
        );
        state.serial += 1;
        state.format_version = STATE_FORMAT_VERSION;
        state.plat_version = env!("CARGO_PKG_VERSION").to_owned();
        let result = self.replace_file(state);
        if result.is_err() {
            (state.serial, state.format_version, state.plat_version) = previous;
        }
        result
    }

    fn replace_file(&self, state: &State) -> Result<(), BackendError> {
        let path = &self.paths.state;
        let bytes = state
            .to_json_bytes()
            .map_err(|source| BackendError::Serialise {
                path: path.clone(),
                source,
            })?;
        let write_error = |source| BackendError::Write {
            path: path.clone(),
            source,
        };
        let dir = self.paths.dir();
        fs::create_dir_all(dir).map_err(write_error)?;
        let temp = temp_path(path);
        write_synced(&temp, &bytes).map_err(write_error)?;
        let result = self.keep_backup().and_then(|()| fs::rename(&temp, path));
        if let Err(source) = result {
            let _ = fs::remove_file(&temp);
            return Err(write_error(source));
        }
        sync_dir(dir).map_err(write_error)
    }

    /// Makes the current file the backup without ever leaving the state path empty: a hard link
    /// (or a copy where links are not supported) renamed over the old backup.
    fn keep_backup(&self) -> io::Result<()> {
        let (path, backup) = (&self.paths.state, &self.paths.backup);
        if !path.exists() {
            return Ok(());
        }
        let temp = temp_path(backup);
        if fs::hard_link(path, &temp).is_err() {
            fs::copy(path, &temp)?;
            File::open(&temp)?.sync_all()?;
        }
        fs::rename(&temp, backup).inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })
    }

    fn read_bytes(&self) -> Result<Option<Vec<u8>>, BackendError> {
        match fs::read(&self.paths.state) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if self.paths.backup.exists() {
                    Err(BackendError::MissingWithBackup {
                        path: self.paths.state.clone(),
                        backup: self.paths.backup.clone(),
                    })
                } else {
                    Ok(None)
                }
            }
            Err(source) => Err(BackendError::Read {
                path: self.paths.state.clone(),
                source,
            }),
        }
    }

    fn check_header(&self, bytes: &[u8]) -> Result<Header, BackendError> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let version: Version = serde_json::from_slice(bytes).map_err(|e| self.corrupt(&e))?;
        self.check_version(version.format_version)?;
        serde_json::from_slice(bytes).map_err(|e| self.corrupt(&e))
    }

    fn check_version(&self, format_version: u32) -> Result<(), BackendError> {
        if format_version > STATE_FORMAT_VERSION {
            return Err(BackendError::Newer {
                path: self.paths.state.clone(),
                found: format_version,
                supported: STATE_FORMAT_VERSION,
            });
        }
        if format_version == 0 {
            return Err(BackendError::Corrupt {
                path: self.paths.state.clone(),
                problem: "format_version 0 was never written by plat".into(),
                line: 1,
                column: 1,
                backup: self.paths.backup.clone(),
            });
        }
        Ok(())
    }

    fn corrupt(&self, error: &serde_json::Error) -> BackendError {
        let position = format!(" at line {} column {}", error.line(), error.column());
        let message = error.to_string();
        let message = message.strip_suffix(&position).unwrap_or(&message);
        let problem = match error.classify() {
            serde_json::error::Category::Eof => {
                format!("the file ends early, it was truncated ({message})")
            }
            serde_json::error::Category::Syntax => format!("invalid JSON ({message})"),
            serde_json::error::Category::Data => format!("not a plat state document ({message})"),
            serde_json::error::Category::Io => message.to_owned(),
        };
        BackendError::Corrupt {
            path: self.paths.state.clone(),
            problem,
            line: error.line(),
            column: error.column(),
            backup: self.paths.backup.clone(),
        }
    }
}

/// A fresh name next to `path`, so that the final rename stays on one filesystem.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        });
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::tests::arb_state;
    use crate::state::model::{InstanceState, OutputState};
    use crate::state::test_support::TestDir;
    use proptest::prelude::*;
    use serde_json::json;

    fn backend(dir: &TestDir) -> LocalBackend {
        LocalBackend::new(StatePaths::for_env(dir.path(), "stack", "dev").unwrap())
    }

    fn sample() -> State {
        let mut state = State::new();
        state.set_instance(
            &"random_pet.name".parse().unwrap(),
            "random",
            InstanceState::new(json!({"id": "cat"}), vec![]),
        );
        state.outputs.insert(
            "name".into(),
            OutputState {
                value: json!("cat"),
                sensitive: false,
            },
        );
        state
    }

    #[test]
    fn missing_file_is_no_state() {
        let dir = TestDir::new();
        assert!(backend(&dir).read().unwrap().is_none());
    }

    #[test]
    fn write_then_read_keeps_a_backup() {
        let dir = TestDir::new();
        let backend = backend(&dir);
        let mut state = sample();
        backend.write(&mut state).unwrap();
        assert_eq!(state.serial, 1);
        assert!(!backend.paths().backup.exists());
        assert_eq!(backend.read().unwrap().as_ref(), Some(&state));

        state.outputs.clear();
        backend.write(&mut state).unwrap();
        assert_eq!(state.serial, 2);
        let backup: State =
            serde_json::from_slice(&fs::read(&backend.paths().backup).unwrap()).unwrap();
        assert_eq!(backup.serial, 1);
        assert_eq!(backup.outputs.len(), 1);
        assert_eq!(backend.read().unwrap(), Some(state));
        // No temporary files are left behind.
        let names: Vec<String> = fs::read_dir(backend.paths().dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn another_lineage_or_a_newer_serial_is_never_overwritten() {
        let dir = TestDir::new();
        let backend = backend(&dir);
        let mut ours = sample();
        backend.write(&mut ours).unwrap();
        let before = fs::read(&backend.paths().state).unwrap();

        let mut theirs = sample();
        let error = backend.write(&mut theirs).unwrap_err();
        assert!(
            matches!(error, BackendError::LineageMismatch { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("dev.json"), "{error}");
        assert_eq!(theirs.serial, 0);

        let mut stale = ours.clone();
        stale.serial = 0;
        let error = backend.write(&mut stale).unwrap_err();
        assert!(
            matches!(
                error,
                BackendError::StaleSerial {
                    on_disk: 1,
                    ours: 0,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(fs::read(&backend.paths().state).unwrap(), before);
    }

    #[test]
    fn damaged_and_newer_files_are_errors_and_untouched() {
        let cases: Vec<(&str, &str)> = vec![
            ("{\"format_version\": 1, \"serial\": ", "truncated"),
            ("not json", "invalid JSON"),
            ("{\"format_version\": \"one\"}", "not a plat state document"),
            ("{\"format_version\": 1}", "not a plat state document"),
            (
                "{\"format_version\": 0, \"serial\": 1, \"lineage\": \"x\"}",
                "never written",
            ),
            ("{\"format_version\": 7, \"whatever\": []}", "upgrade plat"),
            ("", "truncated"),
        ];
        for (text, expected) in cases {
            let dir = TestDir::new();
            let backend = backend(&dir);
            fs::create_dir_all(backend.paths().dir()).unwrap();
            fs::write(&backend.paths().state, text).unwrap();
            let error = backend.read().unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(error.contains("dev.json"), "{error}");
            if expected == "upgrade plat" {
                assert!(error.contains('7') && error.contains('1'), "{error}");
            } else {
                assert!(
                    error.contains("will not overwrite") && error.contains("line"),
                    "{error}"
                );
            }
            let error = backend.write(&mut sample()).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert_eq!(fs::read_to_string(&backend.paths().state).unwrap(), text);
        }
    }

    #[test]
    fn corrupt_error_names_the_backup() {
        let dir = TestDir::new();
        let backend = backend(&dir);
        let mut state = sample();
        backend.write(&mut state).unwrap();
        backend.write(&mut state).unwrap();
        fs::write(&backend.paths().state, "{").unwrap();
        let error = backend.read().unwrap_err().to_string();
        assert!(
            error.contains("dev.json.backup") && error.contains("is kept"),
            "{error}"
        );
    }

    #[test]
    fn missing_state_with_a_backup_is_an_error() {
        let dir = TestDir::new();
        let backend = backend(&dir);
        let mut state = sample();
        backend.write(&mut state).unwrap();
        backend.write(&mut state).unwrap();
        fs::remove_file(&backend.paths().state).unwrap();
        let error = backend.read().unwrap_err().to_string();
        assert!(error.contains("mv "), "{error}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn truncated_state_is_a_clean_error_and_untouched(state in arb_state(), cut in any::<prop::sample::Index>()) {
            let dir = TestDir::new();
            let backend = backend(&dir);
            let mut state = state;
            backend.write(&mut state).unwrap();
            let full = fs::read(&backend.paths().state).unwrap();
            let truncated = &full[..cut.index(full.len())];
            fs::write(&backend.paths().state, truncated).unwrap();
            match backend.read() {
                // Only the final newline may go without the document changing.
                Ok(read) => prop_assert_eq!(read, Some(state.clone())),
                Err(error) => prop_assert!(error.to_string().contains("dev.json")),
            }
            prop_assert!(backend.write(&mut state).is_err() || truncated.len() + 1 == full.len());
            if truncated.len() + 1 != full.len() {
                prop_assert_eq!(fs::read(&backend.paths().state).unwrap(), truncated);
            }
        }
    }
}
