//! Engine: plan (probe and diff), plan files, apply (ordering, parallelism, lock, journal,
//! resume) and verify (checks, JUnit, failover rehearsal). It takes a loaded inventory, its
//! topology, a way to render step scripts ([`Scripts`]) and a way to reach hosts
//! ([`host::Connector`]); it returns plain serde values ([`Plan`], [`ApplyReport`],
//! [`VerifyReport`]) and sends progress [`Event`]s over one channel. It never prints, and a
//! secret value never leaves it except inside a payload sent to a node.
//!
//! Lifecycle, invariants and the event checklist: `docs/engine.md`.

pub mod adapters;
pub mod applied;
pub mod apply;
pub mod diff;
pub mod event;
pub mod failover;
pub mod host;
pub mod journal;
pub mod junit;
pub mod lock;
pub mod plan;
pub mod planfile;
pub mod probe;
pub mod schedule;
pub mod setup;
pub mod unmanaged;
pub mod verify;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

pub use apply::ApplyReport;
pub use diff::Action;
pub use event::Event;
pub use plan::Plan;
pub use verify::VerifyReport;

use crate::inventory::Inventory;
use crate::step::StepAction;
use crate::topology::{Resource, Topology};

/// Renders step scripts (the `render` module behind a seam, so the engine can be tested with
/// hand-written scripts).
pub trait Scripts: Sync {
    /// SHA-256 over every template in use, recorded in plan files.
    fn fingerprint(&self) -> String;
    /// The script of one step: header line first (see `step::StepHeader`).
    fn script(&self, resource: &Resource, action: StepAction) -> Result<String, String>;
}

/// Everything one engine run needs.
pub struct Context<'a> {
    /// The inventory.
    pub inventory: &'a Inventory,
    /// SHA-256 (hex) of the inventory file's text, recorded in plan files.
    pub inventory_hash: String,
    /// The topology (whole environment or one site).
    pub topology: &'a Topology,
    /// Step scripts.
    pub scripts: &'a dyn Scripts,
    /// Connections, one per host.
    pub pool: host::Pool<'a>,
    /// The state directory (`.bisrc/` beside the inventory): journals, simulated lock.
    pub state_dir: PathBuf,
    /// Progress events.
    pub events: Sender<Event>,
    /// Hosts worked on at once.
    pub parallelism: usize,
    /// Set by Ctrl-C: start no new step.
    pub cancel: Arc<AtomicBool>,
    /// Where the environment lock lives.
    pub lock: lock::LockSite,
    /// While the lock is held: a way to release it from another thread (the second Ctrl-C).
    pub lock_releaser: Arc<Mutex<Option<lock::Releaser>>>,
    /// Where a running apply is (read by the Ctrl-C handler).
    pub apply_progress: Arc<Mutex<apply::Progress>>,
    scrubber: Scrubber,
}

impl<'a> Context<'a> {
    /// Builds a context; `inventory_text` is the inventory file's text (hashed only).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        inventory: &'a Inventory,
        inventory_text: &str,
        topology: &'a Topology,
        scripts: &'a dyn Scripts,
        connector: &'a dyn host::Connector,
        state_dir: PathBuf,
        lock: lock::LockSite,
        events: Sender<Event>,
    ) -> Context<'a> {
        Context {
            inventory,
            inventory_hash: sha256_hex(inventory_text.as_bytes()),
            topology,
            scripts,
            pool: host::Pool::new(connector, topology.hosts.clone(), events.clone()),
            state_dir,
            events,
            parallelism: 10,
            cancel: Arc::new(AtomicBool::new(false)),
            lock,
            lock_releaser: Arc::new(Mutex::new(None)),
            apply_progress: Arc::default(),
            scrubber: Scrubber::default(),
        }
    }

    /// Sends an event (a missing consumer is not an error).
    pub fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// Whether Ctrl-C was pressed.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Replaces every secret value resolved so far by `(sensitive)`: node errors can echo
    /// their input, and nothing from a node reaches a report or journal unscrubbed.
    pub fn scrub(&self, text: &str) -> String {
        self.scrubber.scrub(text)
    }

    /// Resolves a resource's secrets into `out` (payload secrets), remembering the values so
    /// they can be scrubbed. The error names the secret reference, never a value.
    pub fn resolve_secrets(
        &self,
        resource: &Resource,
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), String> {
        for s in &resource.secrets {
            let v = s.reference.resolve().map_err(|e| {
                format!(
                    "{}: secret {} ({}): {e}",
                    resource.address,
                    s.key,
                    s.reference.describe()
                )
            })?;
            self.scrubber.remember(v.expose());
            out.insert(s.key.clone(), v.expose().to_string());
        }
        Ok(())
    }
}

#[derive(Default)]
struct Scrubber(Mutex<Vec<String>>);

impl Scrubber {
    fn remember(&self, v: &str) {
        // Very short values would scrub ordinary words; they are still never printed by bisrc.
        if v.len() >= 4 {
            let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if !g.iter().any(|x| x == v) {
                g.push(v.to_string());
            }
        }
    }

    fn scrub(&self, text: &str) -> String {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        g.iter().fold(text.to_string(), |t, v| {
            t.replace(v.as_str(), "(sensitive)")
        })
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Canonical JSON (object keys sorted, no whitespace), for fingerprints.
pub fn canonical_json(v: &serde_json::Value) -> String {
    fn sort(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<&String, serde_json::Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sort(v)).unwrap_or_default()
}

/// `user@host` of whoever runs bisrc (for the lock's holder).
pub fn whoami() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

/// Current UTC time, RFC 3339.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A short random-enough ID (time and pid mixed through SHA-256).
pub fn new_id() -> String {
    let seed = format!(
        "{:?}-{}-{:?}",
        std::time::SystemTime::now(),
        std::process::id(),
        std::thread::current().id()
    );
    sha256_hex(seed.as_bytes())[..12].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys() {
        let a = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 1, "y": 2}], "c": null}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn scrubber_masks_remembered_values() {
        let s = Scrubber::default();
        s.remember("hunter22");
        assert_eq!(
            s.scrub("login failed for hunter22!"),
            "login failed for (sensitive)!"
        );
    }
}
