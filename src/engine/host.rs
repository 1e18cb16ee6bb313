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

use crate::transport::TransportError;

use super::error::StepError;
use super::event::Event;

/// Opens connections to hosts (the ssh transport, or the simulator in-process).
pub trait Connector: Send + Sync {
    /// Connects and authenticates to one host. The error names the host and the cause.
    fn connect(&self, host: &Host) -> Result<Box<dyn Conn>, TransportError>;
}

/// One open connection to a host.
pub trait Conn: Send {
    /// Runs one payload (its steps in order) and returns one outcome per step that reported.
    fn run(&mut self, payload: &Payload) -> Result<Vec<StepOutcome>, StepError>;

    /// Runs a small stand-alone PowerShell script (the environment lock) and returns its
    /// standard output and exit status. Transports without a shell (the simulator) refuse.
    fn exec_script(&mut self, script: &str) -> Result<(String, i32), StepError> {
        let _ = script;
        Err(StepError::NoShell)
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
            Err(e) => {
                let reason = e.to_string();
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
    pub fn connect(&self, host: &str) -> Result<(), StepError> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        self.open(host, &mut g).map_err(StepError::Unreachable)
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
    pub fn run(&self, host: &str, payload: &Payload) -> Result<Vec<StepOutcome>, StepError> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        let conn = self.up(host, &mut g)?;
        let result = conn.run(payload);
        if result.as_ref().is_err_and(StepError::breaks_connection) {
            // The session is gone: reconnect on next use. A node that answered with a
            // failure keeps its connection.
            *g = Slot::Empty;
        }
        result
    }

    /// The open connection of `host` in `slot`, connecting first if needed.
    fn up<'s>(&self, host: &str, slot: &'s mut Slot) -> Result<&'s mut Box<dyn Conn>, StepError> {
        self.open(host, slot).map_err(StepError::Unreachable)?;
        match slot {
            Slot::Up(conn) => Ok(conn),
            _ => Err(StepError::Unreachable(format!("{host}: not connected"))),
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
        self.connector.connect(spec).map_err(|e| e.to_string())
    }

    /// Runs a stand-alone script on `host` (see [`Conn::exec_script`]).
    pub fn exec_script(&self, host: &str, script: &str) -> Result<(String, i32), StepError> {
        let slot = self.slot(host);
        let mut g = slot.lock().unwrap_or_else(|e| e.into_inner());
        let conn = self.up(host, &mut g)?;
        let result = conn.exec_script(script);
        if result.as_ref().is_err_and(StepError::breaks_connection) {
            *g = Slot::Empty;
        }
        result
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
    use crate::topology::HostRole;

    /// A connector whose connections fail every run with the next error of a script, so
    /// the pool's reaction to each kind of failure can be watched.
    struct Failing(Arc<Mutex<Vec<TransportError>>>);

    impl Conn for Failing {
        fn run(&mut self, _: &Payload) -> Result<Vec<StepOutcome>, StepError> {
            Err(StepError::Transport(self.0.lock().unwrap().remove(0)))
        }
    }

    impl Connector for Failing {
        fn connect(&self, _: &Host) -> Result<Box<dyn Conn>, TransportError> {
            Ok(Box::new(Failing(self.0.clone())))
        }
    }

    #[test]
    fn only_a_broken_session_is_reconnected() {
        let h = |s: &str| s.to_string();
        let connector = Failing(Arc::new(Mutex::new(vec![
            // The node answered: the session is fine.
            TransportError::RemoteExit {
                host: h("A"),
                exit_status: 1,
                stderr_tail: h("boom"),
            },
            TransportError::Protocol {
                host: h("A"),
                detail: h("not JSON"),
            },
            // The session is gone.
            TransportError::ConnectionLost {
                host: h("A"),
                detail: h("reset"),
            },
            TransportError::RemoteExit {
                host: h("A"),
                exit_status: 1,
                stderr_tail: h("boom"),
            },
        ])));
        let host = Host {
            name: h("A"),
            address: h("127.0.0.1"),
            port: None,
            site: h("primary"),
            role: HostRole::SqlNode,
            cluster: None,
        };
        let (tx, _rx) = std::sync::mpsc::channel();
        let pool = Pool::new(&connector, vec![host], tx);
        let payload = Payload {
            version: crate::step::WIRE_VERSION,
            steps: Vec::new(),
            continue_on_error: false,
            secrets: Default::default(),
        };
        let mut connections = Vec::new();
        for _ in 0..4 {
            let e = pool.run("A", &payload).unwrap_err();
            connections.push((e.breaks_connection(), pool.connections()));
        }
        // One connection for the two answered failures; the lost one costs a new one.
        assert_eq!(
            connections,
            vec![(false, 1), (false, 1), (true, 1), (false, 2)]
        );
    }

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<u32> = (0..50).collect();
        assert_eq!(
            par_map(&v, 4, |x| x * 2),
            (0..50).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(par_map(&Vec::<u32>::new(), 4, |x| *x).is_empty());
    }

    #[test]
    fn par_map_runs_exactly_n_at_once() {
        let items: Vec<u32> = (0..12).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let arrived = AtomicUsize::new(0);
        let met = par_map(&items, 3, |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            // The first three items wait for each other: they can only all arrive if three
            // run at once (bounded wait, so a sequential map fails instead of hanging).
            let n = arrived.fetch_add(1, Ordering::SeqCst);
            let mut met = true;
            if n < 3 {
                let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while arrived.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < until {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                met = arrived.load(Ordering::SeqCst) >= 3;
            }
            running.fetch_sub(1, Ordering::SeqCst);
            met
        });
        assert!(met.iter().all(|m| *m));
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
