//! The environment lock: one apply at a time per environment, whoever runs it. It takes a
//! lock site and produces a held lock (released on drop) or the holder's details
//! (`user@host`, pid, time, ID). For the simulated transport the lock is a file in the state
//! directory created with `O_EXCL`; for ssh it is `C:\ProgramData\bisrc\lock.json` on the
//! first SQL node of the site, created by a tiny script ([`REMOTE_ACQUIRE`]) with
//! `FileMode.CreateNew` (the Windows `O_EXCL`). `bisrc unlock ID` removes it only when the
//! ID matches.

use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{new_id, now_rfc3339, whoami, Context};

/// Where the lock lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockSite {
    /// A local file (simulated transport: `<state dir>/lock.json`).
    File(PathBuf),
    /// `C:\ProgramData\bisrc\lock.json` on this host.
    Remote {
        /// Host name (the first SQL node of the site).
        host: String,
    },
}

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Lock ID (give it to `bisrc unlock`).
    pub id: String,
    /// `user@host` of the holder.
    pub holder: String,
    /// Holder's process ID.
    pub pid: u32,
    /// When it was taken (UTC, RFC 3339).
    pub created: String,
    /// What the holder is doing (`apply`).
    pub operation: String,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ID {}, held by {} (pid {}) since {} for {}",
            self.id, self.holder, self.pid, self.created, self.operation
        )
    }
}

/// Script that creates the remote lock file; `__INFO__` is replaced by the lock JSON as a
/// PowerShell single-quoted literal. Prints `BISRC-LOCK-OK`, or `BISRC-LOCK-HELD <json>` and
/// exits 3 when the file exists.
pub const REMOTE_ACQUIRE: &str = "$ErrorActionPreference = 'Stop'\r\n\
$dir = 'C:\\ProgramData\\bisrc'\r\n\
$path = Join-Path -Path $dir -ChildPath 'lock.json'\r\n\
New-Item -ItemType Directory -Force -Path $dir | Out-Null\r\n\
try { $fs = [System.IO.File]::Open($path, 'CreateNew', 'Write', 'None') }\r\n\
catch [System.IO.IOException] { Write-Output ('BISRC-LOCK-HELD ' + (Get-Content -Raw -Path $path)); exit 3 }\r\n\
$bytes = [System.Text.Encoding]::UTF8.GetBytes(__INFO__)\r\n\
$fs.Write($bytes, 0, $bytes.Length); $fs.Close()\r\n\
Write-Output 'BISRC-LOCK-OK'\r\n";

/// Script that removes the remote lock if its ID is `__ID__`. Prints `BISRC-LOCK-RELEASED`,
/// `BISRC-LOCK-NONE`, or `BISRC-LOCK-HELD <json>` (another ID) and exits 3.
pub const REMOTE_RELEASE: &str = "$ErrorActionPreference = 'Stop'\r\n\
$path = 'C:\\ProgramData\\bisrc\\lock.json'\r\n\
if (-not (Test-Path -Path $path)) { Write-Output 'BISRC-LOCK-NONE'; exit 0 }\r\n\
$text = Get-Content -Raw -Path $path\r\n\
if ((ConvertFrom-Json -InputObject $text).id -ne __ID__) { Write-Output ('BISRC-LOCK-HELD ' + $text); exit 3 }\r\n\
Remove-Item -Force -Path $path\r\n\
Write-Output 'BISRC-LOCK-RELEASED'\r\n";

fn ps_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A held lock; released when dropped.
pub struct Held<'c, 'a> {
    ctx: &'c Context<'a>,
    /// Lock details.
    pub info: LockInfo,
}

impl Drop for Held<'_, '_> {
    fn drop(&mut self) {
        let _ = release(self.ctx, &self.info.id);
    }
}

/// What happened to an unlock request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    /// The lock with that ID was removed.
    Removed,
    /// There was no lock.
    NotLocked,
}

/// Takes the environment lock, or says who holds it.
pub fn acquire<'c, 'a>(ctx: &'c Context<'a>, operation: &str) -> anyhow::Result<Held<'c, 'a>> {
    let info = LockInfo {
        id: new_id(),
        holder: whoami(),
        pid: std::process::id(),
        created: now_rfc3339(),
        operation: operation.to_string(),
    };
    let json = serde_json::to_string(&info)?;
    match &ctx.lock {
        LockSite::File(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut f) => {
                    f.write_all(json.as_bytes())?;
                    f.sync_all()?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path).unwrap_or_default();
                    anyhow::bail!("{}", held_message(&holder, &path.display().to_string()));
                }
                Err(e) => anyhow::bail!("cannot create the lock {}: {e}", path.display()),
            }
        }
        LockSite::Remote { host } => {
            let script = REMOTE_ACQUIRE.replace("__INFO__", &ps_quote(&json));
            let (out, status) = ctx
                .pool
                .exec_script(host, &script)
                .map_err(|e| anyhow::anyhow!("cannot take the environment lock on {host}: {e}"))?;
            if let Some(rest) = out.lines().find_map(|l| l.strip_prefix("BISRC-LOCK-HELD ")) {
                anyhow::bail!(
                    "{}",
                    held_message(rest, &format!("{host}:C:\\ProgramData\\bisrc\\lock.json"))
                );
            }
            if status != 0 || !out.contains("BISRC-LOCK-OK") {
                anyhow::bail!(
                    "cannot take the environment lock on {host}: the lock script exited {status}"
                );
            }
        }
    }
    Ok(Held { ctx, info })
}

fn held_message(holder_json: &str, place: &str) -> String {
    match serde_json::from_str::<LockInfo>(holder_json.trim()) {
        Ok(i) => format!(
            "the environment is locked by another apply: {i} (lock {place}); wait for it to \
             finish, or if it died run `bisrc unlock {}`",
            i.id
        ),
        Err(_) => format!(
            "the environment is locked (lock {place}, unreadable holder); if no apply is running, \
             remove it by hand"
        ),
    }
}

/// Removes the lock if it has `id`.
pub fn release(ctx: &Context, id: &str) -> anyhow::Result<Released> {
    match &ctx.lock {
        LockSite::File(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(Released::NotLocked)
                }
                Err(e) => anyhow::bail!("cannot read the lock {}: {e}", path.display()),
            };
            let info: Option<LockInfo> = serde_json::from_str(&text).ok();
            match info {
                Some(i) if i.id == id => {
                    std::fs::remove_file(path)?;
                    Ok(Released::Removed)
                }
                Some(i) => anyhow::bail!(
                    "the lock has another ID: {i}; `bisrc unlock` removes a lock only by its ID"
                ),
                None => anyhow::bail!(
                    "the lock {} is unreadable; remove it by hand",
                    path.display()
                ),
            }
        }
        LockSite::Remote { host } => {
            let script = REMOTE_RELEASE.replace("__ID__", &ps_quote(id));
            let (out, _) = ctx
                .pool
                .exec_script(host, &script)
                .map_err(|e| anyhow::anyhow!("cannot release the lock on {host}: {e}"))?;
            if out.contains("BISRC-LOCK-RELEASED") {
                Ok(Released::Removed)
            } else if out.contains("BISRC-LOCK-NONE") {
                Ok(Released::NotLocked)
            } else if let Some(rest) = out.lines().find_map(|l| l.strip_prefix("BISRC-LOCK-HELD "))
            {
                anyhow::bail!("the lock on {host} has another ID: {}", rest.trim())
            } else {
                anyhow::bail!("the unlock script on {host} gave no answer")
            }
        }
    }
}
