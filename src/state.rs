//! Files bisrc keeps on the control machine: the one atomic file write every replaced file
//! goes through (plan files, JUnit, applied scripts, `known_hosts`, `bisrc init`), and the
//! layout of the state directory (`.bisrc/` beside the inventory).
//!
//! It sits at the bottom of the pipeline and imports nothing from the crate, so any layer
//! may use it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed atomic write: which file, and why.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target's directory could not be created.
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// [`IfExists::Keep`] and the target exists.
    #[error("{} already exists", path.display())]
    Exists {
        /// The target.
        path: PathBuf,
    },
    /// Writing the temporary file or moving it into place failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The target.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What an atomic write does when the target already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    /// Replace it (rename over it).
    Replace,
    /// Leave it and fail with [`WriteError::Exists`] (hard link, which fails if the target
    /// appeared meanwhile).
    Keep,
}

/// Writes `bytes` to `path` through a temporary file in the same directory (synced, then
/// renamed over the target), so a reader never sees a half-written file. Creates the
/// directory when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, bytes, IfExists::Replace)
}

/// [`write_atomic`] with a choice of what happens to an existing target.
pub fn write_atomic_with(path: &Path, bytes: &[u8], if_exists: IfExists) -> Result<(), WriteError> {
    // Threads of one run may write at once (applied scripts): the counter keeps their
    // temporary files apart, the pid keeps processes apart.
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(
        ".{name}.bisrc-{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        match if_exists {
            IfExists::Replace => std::fs::rename(&tmp, path),
            IfExists::Keep => std::fs::hard_link(&tmp, path),
        }
    };
    let result = write().map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists && if_exists == IfExists::Keep {
            WriteError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            WriteError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    });
    // After a rename there is nothing left to remove; after a hard link or a failure the
    // temporary file goes.
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The state directory of an inventory and where each kind of state lives in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The directory's name beside the inventory.
    pub const NAME: &'static str = ".bisrc";

    /// The state directory of an inventory in `inventory_dir`.
    pub fn beside(inventory_dir: &Path) -> StateDir {
        StateDir {
            root: inventory_dir.join(Self::NAME),
        }
    }

    /// A state directory at `root` itself (tests, tools).
    pub fn at(root: PathBuf) -> StateDir {
        StateDir { root }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Apply journals: `journal/<UTC stamp>-<run id>.jsonl`.
    pub fn journal_dir(&self) -> PathBuf {
        self.root.join("journal")
    }

    /// The last applied script of a resource: `applied/<component>/apply.ps1`, where
    /// `component` is the address made safe as a file name by the caller.
    pub fn applied_script(&self, component: &str) -> PathBuf {
        self.root.join("applied").join(component).join("apply.ps1")
    }

    /// The environment lock of the simulated transport: `lock.json`.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("lock.json")
    }

    /// The simulated world: `world/`.
    pub fn world_dir(&self) -> PathBuf {
        self.root.join("world")
    }

    /// The sites `bisrc dr promote` promoted, per environment: `dr-roles.json`.
    pub fn dr_roles_file(&self) -> PathBuf {
        self.root.join("dr-roles.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bisrc-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn write_atomic_creates_the_directory_and_replaces() {
        let d = scratch("replace");
        let p = d.join("a/b.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.join("a")).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn keep_refuses_an_existing_target_and_leaves_it() {
        let d = scratch("keep");
        let p = d.join("x.yaml");
        write_atomic_with(&p, b"first", IfExists::Keep).unwrap();
        let e = write_atomic_with(&p, b"second", IfExists::Keep).unwrap_err();
        assert!(matches!(e, WriteError::Exists { .. }), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "first");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_layout_lives_under_the_root() {
        let s = StateDir::beside(Path::new("inv"));
        assert_eq!(s.root(), Path::new("inv/.bisrc"));
        assert_eq!(s.journal_dir(), Path::new("inv/.bisrc/journal"));
        assert_eq!(
            s.applied_script("sql.X"),
            Path::new("inv/.bisrc/applied/sql.X/apply.ps1")
        );
        assert_eq!(s.lock_file(), Path::new("inv/.bisrc/lock.json"));
        assert_eq!(s.world_dir(), Path::new("inv/.bisrc/world"));
    }
}
