//! Hosts as the engine sees them: a [`Connector`] opens one [`Conn`] per host, and a [`Pool`]
//! keeps at most one open connection per host for a whole run, so a plan costs one connection
//! per host and an apply reuses it. It takes hosts and payloads; it produces step outcomes or
//! the reason a host cannot be reached. It never prints and never keeps a payload (payloads
//! hold secret values).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use crate::step::{Payload, StepOutcome};
use crate::topology::Host;

use super::event::Event;

/// Opens connections to hosts (the ssh transport, or the simulator in-process).
pub trait Connector: Send + Sync {
    /// Connects and authenticates to one host. The error names the host and the cause.
    fn connect(&self, host: &Host) -> Result<Box<dyn Conn>, String>;
}

/// One open connection to a host.
pub trait Conn: Send {
    /// Runs one payload (its steps in order) and returns one outcome per step that reported.
    fn run(&mut self, payload: &Payload) -> Result<Vec<StepOutcome>, String>;

    /// Runs a small stand-alone PowerShell script (the environment lock) and returns its
    /// standard output and exit status. Transports without a shell (the simulator) refuse.
    fn exec_script(&mut self, script: &str) -> Result<(String, i32), String> {
        let _ = script;
        Err("this transport cannot run stand-alone scripts".into())
    }
}

enum Slot {
    Empty,
    Up(Box<dyn Conn>),
    /// Unreachable for the rest of the run (a down host is not retried: each retry would cost
    /// a connect timeout).
    Down(String),
}

/// At most one connection per host, opened on first use.
pub struct Pool<'a> {
    connector: &'a dyn Connector,
    hosts: Vec<Host>,
    slots: Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
    connects: AtomicUsize,
    events: Sender<Event>,
}

impl<'a> Pool<'a> {
    /// A pool over `hosts`.
    pub fn new(connector: &'a dyn Connector, hosts: Vec<Host>, events: Sender<Event>) -> Self {
        Pool {
            connector,
            hosts,
            slots: Mutex::new(HashMap::new()),
            connects: AtomicUsize::new(0),
            events,
        }
    }

    /// How many connections were opened so far.
    pub fn connections(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }

    fn slot(&self, host: &str) -> Arc<Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .entry(host.to_ascii_uppercase())
            .or_insert_with(|| Arc::new(Mutex::new(Slot::Empty)))
            .clone()
    }

    fn open(&self, host: &str, slot: &mut Slot) -> Result<(), String> {
        match slot {
            Slot::Up(_) => return Ok(()),
            Slot::Down(reason) => return Err(reason.clone()),
            Slot::Empty => {}
        }
        let Some(spec) = self
            .hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(host))
        else {
            let reason = format!("{host} is not a host of this inventory");
            *slot = Slot::Down(reason.clone());
            return Err(reason);
        };
        self.connects.fetch_add(1, Ordering::SeqCst);
        match self.connector.connect(spec) {
            Ok(c) => {
                let _ = self.events.send(Event::HostConnected {
                    host: spec.name.clone(),
                });
                *slot = Slot::Up(c);
                Ok(())
            }
            Err(reason) => {
                let _ = self.events.send(Event::HostUnreachable {
                    host: spec.name.clone(),
                    reason: reason.clone(),
                });
                *slot = Slot::Down(reason.clone());
                Err(reason)
            }
        }
    }

    /// Connects to `host` unless already connected; the error is why it is unreachable.
    pub fn connect(&self, host: &str) -> Result<(), String> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.open(host, &mut g)
    }

    /// Whether `host` is known to be unreachable (without trying).
    pub fn known_down(&self, host: &str) -> Option<String> {
        let slot = self.slot(host);
        let g = slot.lock().unwrap_or_else(|e| e.into_inner());
        match &*g {
            Slot::Down(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// Runs a payload on `host`, connecting first if needed. Steps on one host run one
    /// payload at a time (the connection is held for the whole payload).
    pub fn run(&self, host: &str, payload: &Payload) -> Result<Vec<StepOutcome>, String> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.open(host, &mut g)?;
        let Slot::Up(conn) = &mut *g else {
            return Err(format!("{host}: not connected"));
        };
        match conn.run(payload) {
            Ok(o) => Ok(o),
            Err(e) => {
                // The connection may be broken: reconnect on next use.
                *g = Slot::Empty;
                Err(e)
            }
        }
    }
}

impl Pool<'_> {
    /// A connection of its own to `host`, outside the pool (the environment lock's keeper
    /// renews the lock over it while the pool's connection runs a long step).
    pub fn dedicated(&self, host: &str) -> Result<Box<dyn Conn>, String> {
        let spec = self
            .hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(host))
            .ok_or_else(|| format!("{host} is not a host of this inventory"))?;
        self.connector.connect(spec)
    }

    /// Runs a stand-alone script on `host` (see [`Conn::exec_script`]).
    pub fn exec_script(&self, host: &str, script: &str) -> Result<(String, i32), String> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.open(host, &mut g)?;
        let Slot::Up(conn) = &mut *g else {
            return Err(format!("{host}: not connected"));
        };
        conn.exec_script(script)
    }
}

/// Runs `f` over `items` on at most `n` threads, returning results in item order.
pub fn par_map<T: Sync, R: Send>(items: &[T], n: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..n.max(1).min(items.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was mapped"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<u32> = (0..50).collect();
        assert_eq!(
            par_map(&v, 4, |x| x * 2),
            (0..50).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(par_map(&Vec::<u32>::new(), 4, |x| *x).is_empty());
    }
}
