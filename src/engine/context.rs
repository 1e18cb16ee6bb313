//! The context of one engine run: the inventory and topology, the script source, the
//! connection pool, the state directory, the event sender, Ctrl-C, the lock site, and the
//! scrubber that keeps every secret value resolved for a payload out of what comes back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::inventory::Inventory;
use crate::render::RenderError;
use crate::state::StateDir;
use crate::step::StepAction;
use crate::topology::{Resource, Topology};

use super::error::StepError;
use super::event::Event;
use super::host;
use super::ids::sha256_hex;
use super::lock_site;

/// Renders step scripts (the `render` module behind a seam, so the engine can be tested with
/// hand-written scripts).
pub trait Scripts: Sync {
    /// SHA-256 over every template in use, recorded in plan files.
    fn fingerprint(&self) -> String;
    /// The script of one step: header line first (see `step::StepHeader`).
    fn script(&self, resource: &Resource, action: StepAction) -> Result<String, RenderError>;
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
    /// The state directory (`.bisrc/<environment>/` beside the inventory): journals, applied scripts.
    pub state: StateDir,
    /// Progress events.
    pub events: Sender<Event>,
    /// Hosts worked on at once.
    pub parallelism: usize,
    /// Set by Ctrl-C: start no new step.
    pub cancel: Arc<AtomicBool>,
    /// Where the environment lock lives.
    pub lock: lock_site::LockSite,
    /// While the lock is held: a way to release it from another thread (the second Ctrl-C).
    pub lock_releaser: Arc<Mutex<Option<lock_site::Releaser>>>,
    /// Where a running apply is (read by the Ctrl-C handler).
    pub apply_progress: Arc<Mutex<Progress>>,
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
        state: StateDir,
        lock: lock_site::LockSite,
        events: Sender<Event>,
    ) -> Context<'a> {
        Context {
            inventory,
            inventory_hash: sha256_hex(inventory_text.as_bytes()),
            topology,
            scripts,
            pool: host::Pool::new(connector, topology.hosts.clone(), events.clone()),
            state,
            events,
            parallelism: crate::transport::defaults::PARALLELISM,
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
    ) -> Result<(), StepError> {
        for s in &resource.secrets {
            let v = s.reference.resolve().map_err(|e| {
                StepError::Secret(format!(
                    "{}: secret {} ({}): {e}",
                    resource.address,
                    s.key,
                    s.reference.describe()
                ))
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

/// Where a running apply is, for the Ctrl-C messages: which steps run now, how many there
/// are and how many finished.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    /// Steps of the run; 0 until steps start (probing, planning, confirming).
    pub total: usize,
    /// Steps finished (succeeded or failed).
    pub finished: usize,
    /// Running steps: address → host.
    pub running: BTreeMap<String, String>,
}

impl Progress {
    pub(super) fn start(&mut self, total: usize) {
        *self = Progress {
            total,
            ..Default::default()
        };
    }

    /// Steps that have not started yet.
    pub fn not_started(&self) -> usize {
        self.total
            .saturating_sub(self.finished + self.running.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
