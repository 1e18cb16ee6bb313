//! Files bisrc keeps on the control machine: the one atomic file write every replaced file
//! goes through (plan files, JUnit, applied scripts, `known_hosts`, `bisrc init`), and where
//! state lives: `.bisrc/<environment>/` beside the inventory ([`StateDir::of`]), with the
//! layout inside it.
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

/// The state directory of an environment and where each kind of state lives in it.
///
/// State is kept per environment (the inventory's `environment:`), not per folder: two
/// inventories in one folder (`lab.yaml`, `lab-dr.yaml`) describe two environments and must
/// not share a simulated world, a journal or a lock, while two copies of one environment's
/// inventory (same `environment:`) are the same environment and do share them, as they share
/// its servers. The environment name, not the file name, is also what names the lock on the
/// nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    root: PathBuf,
}

/// The state directory of an environment is in the old flat layout (bisrc before state was
/// kept per environment): `.bisrc/world`, `.bisrc/journal`, ... directly under `.bisrc/`.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} holds state in the old layout shared by every inventory of its folder (world/, journal/, \
     applied/ or lock.json directly in it); state is now kept per environment in {}. \
     If that state is this environment's, move it there (mkdir -p {new} && mv {old}/world {old}/journal \
     {old}/applied {old}/lock.json {new}/, for those that exist); otherwise delete them",
    flat.display(),
    new.display(),
    old = flat.display(),
    new = new.display()
)]
pub struct FlatLayout {
    /// The `.bisrc` directory holding the old layout.
    pub flat: PathBuf,
    /// Where this environment's state now lives.
    pub new: PathBuf,
}

impl StateDir {
    /// The directory's name beside the inventory.
    pub const NAME: &'static str = ".bisrc";

    /// Where the state of environment `environment`, whose inventory is in `inventory_dir`,
    /// lives: `<inventory_dir>/.bisrc/<environment>/`. The one place that says so. A name
    /// that is not a plain name (validation refuses those, BZ006) is made one, so it can
    /// never escape `.bisrc/`.
    pub fn of(inventory_dir: &Path, environment: &str) -> StateDir {
        StateDir {
            root: inventory_dir.join(Self::NAME).join(plain_name(environment)),
        }
    }

    /// Refuses the old flat layout under `<inventory_dir>/.bisrc/` (see [`FlatLayout`]), so
    /// a run never starts on a fresh world beside the state of the last one.
    pub fn check_layout(&self) -> Result<(), FlatLayout> {
        let Some(flat) = self.root.parent() else {
            return Ok(());
        };
        let old = [
            flat.join("lock.json").is_file(),
            flat.join("world").join("world.json").is_file(),
            has_entry(&flat.join("journal"), |p| {
                p.extension().is_some_and(|e| e == "jsonl")
            }),
            has_entry(&flat.join("applied"), |p| p.join("apply.ps1").is_file()),
        ];
        if old.iter().any(|&o| o) {
            return Err(FlatLayout {
                flat: flat.to_path_buf(),
                new: self.root.clone(),
            });
        }
        Ok(())
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

    /// A file a step handed back (e.g. the cluster validation report):
    /// `reports/<component>/<name>`, both made safe as file names by the caller.
    pub fn report_file(&self, component: &str, name: &str) -> PathBuf {
        self.root.join("reports").join(component).join(name)
    }

    /// The sites `bisrc dr promote` promoted, per environment: `dr-roles.json`.
    pub fn dr_roles_file(&self) -> PathBuf {
        self.root.join("dr-roles.json")
    }
}

/// `name` when it is a plain name (letters, digits, `.`, `_`, `-`, not starting with `.`),
/// else the same with every other character, and a leading `.`, replaced by `_`.
fn plain_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.replace_range(0..0, "_");
    }
    out
}

/// Whether directory `dir` has an entry for which `is` holds (false when it cannot be read).
fn has_entry(dir: &Path, is: impl Fn(&Path) -> bool) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| is(&e.path()))))
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
    fn the_layout_lives_under_the_environment() {
        let s = StateDir::of(Path::new("inv"), "lab");
        assert_eq!(s.root(), Path::new("inv/.bisrc/lab"));
        assert_eq!(s.journal_dir(), Path::new("inv/.bisrc/lab/journal"));
        assert_eq!(
            s.applied_script("sql.X"),
            Path::new("inv/.bisrc/lab/applied/sql.X/apply.ps1")
        );
        assert_eq!(s.lock_file(), Path::new("inv/.bisrc/lab/lock.json"));
        assert_eq!(s.world_dir(), Path::new("inv/.bisrc/lab/world"));
        assert_ne!(StateDir::of(Path::new("inv"), "lab-dr"), s);
    }

    #[test]
    fn a_name_that_is_not_plain_cannot_escape() {
        assert_eq!(
            StateDir::of(Path::new("inv"), "../x").root(),
            Path::new("inv/.bisrc/_.._x")
        );
        assert_eq!(
            StateDir::of(Path::new("inv"), "").root(),
            Path::new("inv/.bisrc/_")
        );
        assert_eq!(
            StateDir::of(Path::new("inv"), ".hidden").root(),
            Path::new("inv/.bisrc/_.hidden")
        );
    }

    #[test]
    fn the_old_flat_layout_is_refused_with_where_to_move_it() {
        let d = scratch("flat");
        let s = StateDir::of(&d, "lab");
        assert!(s.check_layout().is_ok(), "no .bisrc at all");
        // Another environment's state beside this one is not the old layout.
        write_atomic(
            &StateDir::of(&d, "lab-dr").world_dir().join("world.json"),
            b"{}",
        )
        .unwrap();
        write_atomic(&StateDir::of(&d, "lab-dr").lock_file(), b"{}").unwrap();
        assert!(s.check_layout().is_ok());
        write_atomic(&d.join(".bisrc/world/world.json"), b"{}").unwrap();
        let e = s.check_layout().unwrap_err().to_string();
        assert!(e.contains("old layout"), "{e}");
        assert!(e.contains(&s.root().display().to_string()), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
