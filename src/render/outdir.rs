//! Writing a rendered tree into an output folder without ever deleting a file bisrc did not
//! write.
//!
//! The whole tree is first written into a temporary folder beside the target, so a failed
//! render (a template error, a full disk) leaves the old output as it was. Only then is the
//! target touched:
//! - a missing target: the temporary folder is renamed into place;
//! - an empty target: the new files are moved into it;
//! - a target holding the `manifest.json` of an earlier render: the files that manifest lists
//!   are replaced (removed when the new render no longer has them) and every other file is
//!   kept;
//! - any other non-empty target is refused, unless `force`: then the new files are written
//!   over files of the same name and nothing else is removed.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The manifest's file name at the root of the tree.
pub const MANIFEST: &str = "manifest.json";

/// Why the tree was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    /// The target holds files and no manifest of an earlier render.
    #[error(
        "{dir} is not empty and holds no {MANIFEST} of an earlier bisrc render; bisrc never \
         deletes files it did not write. Choose an empty or new folder, or pass --force to \
         write into it (files of the same name are overwritten, nothing else is removed)"
    )]
    Foreign {
        /// The target folder.
        dir: String,
    },
    /// The new render would overwrite files the earlier render did not write.
    #[error(
        "{dir} holds files that the earlier render did not write and this render would \
         overwrite: {files}; move them away or pass --force"
    )]
    WouldOverwrite {
        /// The target folder.
        dir: String,
        /// The files, comma-separated.
        files: String,
    },
    /// The target exists and is not a folder.
    #[error("{0} exists and is not a folder")]
    NotADir(String),
    /// A file system operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutDirError {
    let path = path.display().to_string();
    move |source| OutDirError::Io { what, path, source }
}

/// Writes `files` (relative path, content) and `manifest` into `out` as described in the
/// module comment.
pub fn write_tree(
    out: &Path,
    files: &[(&str, &[u8])],
    manifest: &str,
    force: bool,
) -> Result<(), OutDirError> {
    // `.` or `dir/..` have no file name of their own: use the folder's real path.
    let real;
    let out = if out.file_name().is_none() && out.is_dir() {
        real = out.canonicalize().map_err(io("cannot resolve", out))?;
        real.as_path()
    } else {
        out
    };
    let name = out
        .file_name()
        .ok_or_else(|| OutDirError::NotADir(out.display().to_string()))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if out.exists() && !out.is_dir() {
        return Err(OutDirError::NotADir(out.display().to_string()));
    }
    // Decide before writing anything whether the target may be written at all.
    let earlier = if !out.exists() {
        None
    } else if is_empty(out)? {
        Some(BTreeSet::new())
    } else {
        match earlier_files(out) {
            Some(list) => Some(list),
            None if force => Some(BTreeSet::new()),
            None => {
                return Err(OutDirError::Foreign {
                    dir: out.display().to_string(),
                })
            }
        }
    };
    if let (Some(earlier), false) = (&earlier, force) {
        let clashes: Vec<&str> = files
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| !earlier.contains(*p) && out.join(p).exists())
            .collect();
        if !clashes.is_empty() {
            return Err(OutDirError::WouldOverwrite {
                dir: out.display().to_string(),
                files: clashes.join(", "),
            });
        }
    }

    std::fs::create_dir_all(&parent).map_err(io("cannot create", &parent))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = write_all(&tmp, files, manifest).and_then(|()| match &earlier {
        None => std::fs::rename(&tmp, out).map_err(io("cannot move the new tree to", out)),
        Some(earlier) => merge(&tmp, out, files, earlier),
    });
    if tmp.exists() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn is_empty(dir: &Path) -> Result<bool, OutDirError> {
    let mut entries = std::fs::read_dir(dir).map_err(io("cannot read", dir))?;
    Ok(entries.next().is_none())
}

/// The files an earlier render wrote into `dir`, from its manifest; `None` without a readable
/// bisrc manifest. Only plain relative paths are taken: a manifest naming `../x` or `/x`
/// cannot make bisrc remove a file outside the folder.
fn earlier_files(dir: &Path) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    doc.get("templates")?;
    let files = doc.get("files")?.as_array()?;
    let mut out = BTreeSet::new();
    for f in files {
        let p = f.get("path")?.as_str()?;
        if is_plain_relative(p) && p != MANIFEST {
            out.insert(p.to_string());
        }
    }
    Some(out)
}

fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn write_all(tmp: &Path, files: &[(&str, &[u8])], manifest: &str) -> Result<(), OutDirError> {
    if tmp.exists() {
        std::fs::remove_dir_all(tmp).map_err(io("cannot remove", tmp))?;
    }
    std::fs::create_dir_all(tmp).map_err(io("cannot create", tmp))?;
    for (rel, content) in files {
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        }
        std::fs::write(&path, content).map_err(io("cannot write", &path))?;
    }
    let path = tmp.join(MANIFEST);
    std::fs::write(&path, manifest).map_err(io("cannot write", &path))
}

/// Moves the new files from `tmp` into `out` and removes the earlier render's files that the
/// new one no longer has. The manifest goes last, so an interrupted merge still has the
/// earlier manifest naming the files bisrc may replace on the next run.
fn merge(
    tmp: &Path,
    out: &Path,
    files: &[(&str, &[u8])],
    earlier: &BTreeSet<String>,
) -> Result<(), OutDirError> {
    let new: BTreeSet<&str> = files.iter().map(|(p, _)| *p).collect();
    for (rel, _) in files {
        let to = out.join(rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
        }
        std::fs::rename(tmp.join(rel), &to).map_err(io("cannot write", &to))?;
    }
    for rel in earlier.iter().filter(|p| !new.contains(p.as_str())) {
        let path = out.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => prune_empty_parents(out, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("cannot remove", &path)(e)),
        }
    }
    let to = out.join(MANIFEST);
    std::fs::rename(tmp.join(MANIFEST), &to).map_err(io("cannot write", &to))
}

/// Removes the folders above a removed file that are now empty, up to (not including) `root`.
fn prune_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
