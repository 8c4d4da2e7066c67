//! One writer per state: an OS exclusive lock on the state's `.lock` file.
//!
//! The OS releases the lock when its holder exits, however it exits (`kill -9` included), so a
//! crashed run never leaves a stale lock on a local disk. The holder writes who it is into the
//! file, so that a second run can say who holds the state. The file is emptied, never deleted,
//! on release: deleting it would let a waiting process lock an unlinked file while a third locks
//! a new one. An empty lock file means the state is not locked.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::paths::{sync_dir, StatePaths};

/// Who holds a lock, written into the lock file as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    /// The command line, for the message another run prints (`plat apply`).
    pub command: String,
    /// RFC 3339.
    pub since: String,
}

impl LockInfo {
    /// This process, now, running `command`.
    pub fn new(command: impl Into<String>) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "unknown-user".into()),
            host: host_name(),
            pid: std::process::id(),
            command: command.into(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{} pid {} running `{}` since {} (lock ID {})",
            self.user, self.host, self.pid, self.command, self.since, self.id
        )
    }
}

fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

#[derive(Debug, Error)]
pub enum LockError {
    #[error("state {} is locked by {holder}. Wait for that run to finish and try again; if it runs on another machine and is no longer running (shared filesystem), run `plat force-unlock {}`", state.display(), holder.id)]
    Held {
        state: PathBuf,
        holder: Box<LockInfo>,
    },
    #[error("state {} is locked by another plat process that has not written its details to {} yet; wait for it to finish and try again", state.display(), lock.display())]
    HeldByUnknown { state: PathBuf, lock: PathBuf },
    #[error("cannot lock {}: {source}; check that the directory is writable and that its filesystem supports file locks", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} holds no lock, so there is nothing to unlock", path.display())]
    NotLocked { path: PathBuf },
    #[error("the lock in {} has ID {}, not {given}; copy the lock ID from the message that reported the lock", path.display(), holder.id)]
    IdMismatch {
        path: PathBuf,
        given: String,
        holder: Box<LockInfo>,
    },
    #[error("refusing to force-unlock {}: its holder, {holder}, is still running on this machine; wait for it to finish or stop process {}", path.display(), holder.pid)]
    HolderRunning {
        path: PathBuf,
        holder: Box<LockInfo>,
    },
}

/// Taking the lock of a state.
pub struct Lock;

/// A held lock; dropping it releases the lock and clears the holder's details.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    info: LockInfo,
}

impl Lock {
    /// Takes the lock without waiting; if another process holds it, says who.
    pub fn acquire(paths: &StatePaths, info: LockInfo) -> Result<LockGuard, LockError> {
        let io_error = |source| LockError::Io {
            path: paths.lock.clone(),
            source,
        };
        fs::create_dir_all(paths.dir()).map_err(io_error)?;
        // A force-unlock may delete the file between our open and our lock; then the lock we
        // got protects nothing, and we try again on the new file.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&paths.lock)
                .map_err(io_error)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(match read_info(&paths.lock) {
                        Some(holder) => LockError::Held {
                            state: paths.state.clone(),
                            holder: Box::new(holder),
                        },
                        None => LockError::HeldByUnknown {
                            state: paths.state.clone(),
                            lock: paths.lock.clone(),
                        },
                    })
                }
                Err(fs::TryLockError::Error(source)) => return Err(io_error(source)),
            }
            if !is_same_file(&file, &paths.lock) {
                continue;
            }
            write_info(&mut file, &info).map_err(io_error)?;
            sync_dir(paths.dir()).map_err(io_error)?;
            return Ok(LockGuard { file, info });
        }
        Err(io_error(io::Error::other(
            "the lock file kept being replaced while plat tried to lock it",
        )))
    }
}

impl LockGuard {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; the OS releases the lock with the file anyway.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Removes a lock left by a run that can no longer release it (one on another machine, on a
/// shared filesystem where OS locks do not reach). Only the lock with this `id` is removed, and
/// never one whose holder is still running on this machine. Returns the removed holder.
pub fn force_unlock(paths: &StatePaths, id: &str) -> Result<LockInfo, LockError> {
    let path = &paths.lock;
    let holder = read_info(path).ok_or_else(|| LockError::NotLocked { path: path.clone() })?;
    if holder.id != id {
        return Err(LockError::IdMismatch {
            path: path.clone(),
            given: id.to_owned(),
            holder: Box::new(holder),
        });
    }
    let io_error = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    match file.try_lock() {
        // The holder is gone: remove its details while holding the lock.
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) if holder.host == host_name() => {
            return Err(LockError::HolderRunning {
                path: path.clone(),
                holder: Box::new(holder),
            })
        }
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(source)) => return Err(io_error(source)),
    }
    fs::remove_file(path).map_err(io_error)?;
    sync_dir(paths.dir()).map_err(io_error)?;
    Ok(holder)
}

fn read_info(path: &Path) -> Option<LockInfo> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_info(file: &mut File, info: &LockInfo) -> io::Result<()> {
    let text = serde_json::to_string_pretty(info).map_err(io::Error::other)?;
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_data()
}

/// True when `file` is still the file at `path` (not deleted or replaced).
fn is_same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_support::TestDir;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    const HOLD_ENV: &str = "PLAT_TEST_HOLD_LOCK";

    fn paths(dir: &TestDir) -> StatePaths {
        StatePaths::for_env(dir.path(), "stack", "dev").unwrap()
    }

    #[test]
    fn second_acquire_reports_the_holder_until_released() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        let guard = Lock::acquire(&paths, LockInfo::new("plat apply")).unwrap();
        let id = guard.info().id.clone();

        let error = Lock::acquire(&paths, LockInfo::new("plat plan")).unwrap_err();
        let message = error.to_string();
        assert!(matches!(&error, LockError::Held { holder, .. } if holder.id == id));
        for part in [
            "dev.json",
            "running `plat apply`",
            &format!("pid {}", std::process::id()),
            &format!("plat force-unlock {id}"),
            "Wait",
        ] {
            assert!(message.contains(part), "{part}: {message}");
        }

        drop(guard);
        assert_eq!(fs::read_to_string(&paths.lock).unwrap(), "");
        let again = Lock::acquire(&paths, LockInfo::new("plat plan")).unwrap();
        assert_eq!(read_info(&paths.lock).as_ref(), Some(again.info()));
    }

    #[test]
    fn force_unlock_checks_the_id_and_the_holder() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        assert!(matches!(
            force_unlock(&paths, "x"),
            Err(LockError::NotLocked { .. })
        ));

        let guard = Lock::acquire(&paths, LockInfo::new("plat apply")).unwrap();
        let id = guard.info().id.clone();
        let error = force_unlock(&paths, "wrong").unwrap_err();
        assert!(matches!(error, LockError::IdMismatch { .. }), "{error}");
        // The holder runs here, on this machine: never unlocked from under it.
        let error = force_unlock(&paths, &id).unwrap_err();
        assert!(matches!(error, LockError::HolderRunning { .. }), "{error}");

        // A holder on another machine, seen through a shared filesystem.
        let mut remote = guard.info().clone();
        remote.host = "elsewhere".into();
        fs::write(&paths.lock, serde_json::to_string(&remote).unwrap()).unwrap();
        assert_eq!(force_unlock(&paths, &id).unwrap(), remote);
        assert!(!paths.lock.exists());
        // The lock file was replaced: a new run locks the new file.
        let _new = Lock::acquire(&paths, LockInfo::new("plat apply")).unwrap();
        drop(guard);
    }

    #[test]
    fn stale_details_of_a_dead_holder_do_not_block() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        let mut dead = LockInfo::new("plat apply");
        dead.pid = 1;
        fs::create_dir_all(paths.dir()).unwrap();
        fs::write(&paths.lock, serde_json::to_string(&dead).unwrap()).unwrap();
        let guard = Lock::acquire(&paths, LockInfo::new("plat plan")).unwrap();
        assert_eq!(read_info(&paths.lock).as_ref(), Some(guard.info()));
    }

    /// Not a test on its own: the child process of `lock_held_by_another_process_dies_with_it`.
    #[test]
    fn hold_lock_child() {
        let Ok(state) = std::env::var(HOLD_ENV) else {
            return;
        };
        let _guard = Lock::acquire(&StatePaths::at(state), LockInfo::new("plat apply")).unwrap();
        println!("locked");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }

    #[test]
    fn lock_held_by_another_process_dies_with_it() {
        let dir = TestDir::new();
        let paths = paths(&dir);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "state::lock::tests::hold_lock_child",
                "--nocapture",
            ])
            .env(HOLD_ENV, &paths.state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let locked = BufReader::new(stdout)
            .lines()
            .any(|line| line.is_ok_and(|l| l.trim() == "locked"));
        assert!(locked, "the child never took the lock");

        let error = Lock::acquire(&paths, LockInfo::new("plat plan")).unwrap_err();
        assert!(
            matches!(&error, LockError::Held { holder, .. } if holder.pid == child.id()),
            "{error}"
        );
        child.kill().unwrap(); // SIGKILL: the child cannot clean up
        child.wait().unwrap();
        let guard = Lock::acquire(&paths, LockInfo::new("plat plan")).unwrap();
        assert_eq!(guard.info().command, "plat plan");
    }
}
