//! The environment lock's data, apart from the locking itself (`lock.rs`): where it lives,
//! who holds it, and the handle that releases it from another thread (the second Ctrl-C).
//! The run's `Context` carries these, and `lock.rs` takes a `Context`; keeping them here
//! means `context.rs` and `lock.rs` do not import each other.

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

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
    /// When it expires unless renewed (UTC, RFC 3339). Locks of older bisrc versions have
    /// none and never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ID {}, held by {} (pid {}) since {} for {}",
            self.id, self.holder, self.pid, self.created, self.operation
        )?;
        if let Some(e) = &self.expires {
            write!(f, ", expires {e} unless renewed")?;
        }
        Ok(())
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

/// What the keeper thread is asked to do.
pub(super) enum KeeperMsg {
    /// Release the lock and stop; the answer goes back on the channel.
    Release(Sender<Result<Released, String>>),
}

/// Releases a held lock from another thread (the second Ctrl-C). Cheap to clone.
#[derive(Clone)]
pub struct Releaser {
    pub(super) tx: Arc<Mutex<Sender<KeeperMsg>>>,
    /// The lock, for messages.
    pub info: LockInfo,
}

impl Releaser {
    /// Releases the lock now (waits at most a few seconds for the node to answer).
    pub fn release(&self) -> Result<Released, String> {
        let (reply, answer) = mpsc::channel();
        let sent = self
            .tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(KeeperMsg::Release(reply));
        if sent.is_err() {
            return Ok(Released::NotLocked);
        }
        answer
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| Err("the lock node did not answer in time".into()))
    }
}
