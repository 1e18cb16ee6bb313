//! Fan-out: runs one closure per host, hosts in parallel up to a bound, one OS thread per
//! host being worked on. It takes hosts, a parallelism and the closure; it produces one
//! [`HostResult`] per host, in host order.
//!
//! One host's failure (an error, even a panic) never stops or slows the others: every host
//! gets its own thread and its own result. Progress leaves through an optional
//! `mpsc::Sender<TransportEvent>`; this module never prints.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Mutex;
use std::time::Duration;

use super::{HostSpec, Session, Transport, TransportError, TransportEvent};

/// The outcome of the work on one host.
#[derive(Debug)]
pub struct HostResult<T> {
    /// The host.
    pub host: HostSpec,
    /// What the closure returned, or why it failed.
    pub result: Result<T, TransportError>,
}

/// A per-host handle for reporting progress; sending never fails the work (a dropped
/// receiver only means nobody is watching).
#[derive(Clone)]
pub struct Reporter {
    host: String,
    events: Option<Sender<TransportEvent>>,
}

impl Reporter {
    /// A reporter for one host.
    pub fn new(host: &str, events: Option<Sender<TransportEvent>>) -> Reporter {
        Reporter {
            host: host.to_string(),
            events,
        }
    }

    /// Sends an event.
    pub fn send(&self, event: TransportEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    /// A step started on this host.
    pub fn step_started(&self, step: &str) {
        self.send(TransportEvent::StepStarted {
            host: self.host.clone(),
            step: step.to_string(),
        });
    }

    /// A step finished on this host.
    pub fn step_finished(&self, step: &str, ok: bool, duration: Duration) {
        self.send(TransportEvent::StepFinished {
            host: self.host.clone(),
            step: step.to_string(),
            ok,
            duration,
        });
    }

    /// The host name.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// Runs `work` once per host, at most `parallelism` hosts at a time, and returns the results
/// in the order of `hosts`. Sends `HostFailed` or `HostDone` for each host when it ends.
pub fn fan_out<T, F>(
    hosts: &[HostSpec],
    parallelism: usize,
    events: Option<&Sender<TransportEvent>>,
    work: F,
) -> Vec<HostResult<T>>
where
    T: Send,
    F: Fn(&HostSpec, &Reporter) -> Result<T, TransportError> + Sync,
{
    let workers = parallelism.max(1).min(hosts.len());
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<T, TransportError>>>> =
        Mutex::new((0..hosts.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let events = events.cloned();
            let (next, slots, work) = (&next, &slots, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(host) = hosts.get(i) else { break };
                let reporter = Reporter::new(&host.name, events.clone());
                let result = catch_unwind(AssertUnwindSafe(|| work(host, &reporter)))
                    .unwrap_or_else(|panic| {
                        let detail = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "panic".to_string());
                        Err(TransportError::Internal {
                            host: host.name.clone(),
                            detail,
                        })
                    });
                reporter.send(match &result {
                    Ok(_) => TransportEvent::HostDone {
                        host: host.name.clone(),
                    },
                    Err(e) => TransportEvent::HostFailed {
                        host: host.name.clone(),
                        error: e.to_string(),
                    },
                });
                slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    hosts
        .iter()
        .zip(slots)
        .map(|(host, r)| HostResult {
            host: host.clone(),
            result: r.unwrap_or_else(|| {
                Err(TransportError::Internal {
                    host: host.name.clone(),
                    detail: "the host was never worked on".into(),
                })
            }),
        })
        .collect()
}

/// Connects to every host through `transport` (sending `HostConnecting`/`HostConnected`) and
/// runs `work` on each session, with [`fan_out`]'s bound and guarantees.
pub fn run_on_hosts<T, F>(
    transport: &dyn Transport,
    hosts: &[HostSpec],
    parallelism: usize,
    events: Option<&Sender<TransportEvent>>,
    work: F,
) -> Vec<HostResult<T>>
where
    T: Send,
    F: Fn(&mut dyn Session, &Reporter) -> Result<T, TransportError> + Sync,
{
    fan_out(hosts, parallelism, events, |host, reporter| {
        reporter.send(TransportEvent::HostConnecting {
            host: host.name.clone(),
        });
        let mut session = transport.connect(host)?;
        reporter.send(TransportEvent::HostConnected {
            host: host.name.clone(),
        });
        work(session.as_mut(), reporter)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn hosts(n: usize) -> Vec<HostSpec> {
        (0..n)
            .map(|i| HostSpec {
                name: format!("h{i}"),
                address: "127.0.0.1".into(),
                port: 1,
                site: "primary".into(),
            })
            .collect()
    }

    #[test]
    fn results_come_back_in_host_order_with_failures_isolated() {
        let hs = hosts(20);
        let (tx, rx) = mpsc::channel();
        let out = fan_out(&hs, 4, Some(&tx), |h, _| {
            if h.name == "h7" {
                panic!("boom on h7");
            }
            if h.name == "h3" {
                return Err(TransportError::Protocol {
                    host: h.name.clone(),
                    detail: "bad".into(),
                });
            }
            Ok(h.name.len())
        });
        drop(tx);
        assert_eq!(
            out.iter().map(|r| r.host.name.as_str()).collect::<Vec<_>>(),
            hs.iter().map(|h| h.name.as_str()).collect::<Vec<_>>()
        );
        for r in &out {
            match r.host.name.as_str() {
                "h3" => assert_eq!(r.result.as_ref().unwrap_err().to_string(), "h3: bad"),
                "h7" => assert_eq!(
                    r.result.as_ref().unwrap_err().to_string(),
                    "h7: internal error: boom on h7"
                ),
                n => assert_eq!(*r.result.as_ref().unwrap(), n.len()),
            }
        }
        let events: Vec<_> = rx.iter().collect();
        let failed: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                TransportEvent::HostFailed { host, .. } => Some(host.as_str()),
                _ => None,
            })
            .collect();
        let mut failed = failed;
        failed.sort();
        assert_eq!(failed, vec!["h3", "h7"]);
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, TransportEvent::HostDone { .. }))
                .count(),
            18
        );
    }

    #[test]
    fn parallelism_bounds_concurrent_hosts() {
        let hs = hosts(12);
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let arrived = AtomicUsize::new(0);
        let out = fan_out(&hs, 3, None, |_, _| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            // The first three hosts wait for each other: they can only all arrive if three
            // run at once (bounded wait, so a sequential fan-out fails instead of hanging).
            let n = arrived.fetch_add(1, Ordering::SeqCst);
            let mut met = true;
            if n < 3 {
                let until = std::time::Instant::now() + Duration::from_secs(10);
                while arrived.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(1));
                }
                met = arrived.load(Ordering::SeqCst) >= 3;
            }
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(met)
        });
        assert!(out.iter().all(|r| *r.result.as_ref().unwrap()));
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn no_hosts_is_no_work() {
        let out: Vec<HostResult<()>> = fan_out(&[], 10, None, |_, _| Ok(()));
        assert!(out.is_empty());
    }
}
