//! Progress per host: takes the [`TransportEvent`]s sent by the transport and the engine and
//! shows them, as one spinner per host (indicatif) on a terminal, or as plain lines otherwise
//! (CI logs, pipes). It only displays: it never changes what the run does, and a slow
//! terminal cannot slow the hosts down (events are queued on a channel).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::transport::TransportEvent;

/// Shows per-host progress.
pub struct ProgressDisplay {
    mode: Mode,
}

enum Mode {
    Bars {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
        steps_done: HashMap<String, usize>,
    },
    Plain {
        out: Box<dyn Write + Send>,
    },
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

impl ProgressDisplay {
    /// Spinners on stderr when stderr is a terminal, plain lines on stderr otherwise.
    /// `hosts` fixes the order of the spinners.
    pub fn for_stderr(hosts: &[String]) -> ProgressDisplay {
        if std::io::stderr().is_terminal() {
            ProgressDisplay::bars(hosts, ProgressDrawTarget::stderr())
        } else {
            ProgressDisplay::plain(Box::new(std::io::stderr()))
        }
    }

    /// One spinner per host drawn to `target`.
    pub fn bars(hosts: &[String], target: ProgressDrawTarget) -> ProgressDisplay {
        let multi = MultiProgress::with_draw_target(target);
        let width = hosts.iter().map(|h| h.len()).max().unwrap_or(8).min(32);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {{prefix:{width}.bold}} {{wide_msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let mut bars = HashMap::new();
        for h in hosts {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(h.clone());
            bar.set_message("waiting");
            bar.enable_steady_tick(Duration::from_millis(120));
            bars.insert(h.clone(), bar);
        }
        ProgressDisplay {
            mode: Mode::Bars {
                multi,
                bars,
                steps_done: HashMap::new(),
            },
        }
    }

    /// Plain lines, one per notable event, written to `out`.
    pub fn plain(out: Box<dyn Write + Send>) -> ProgressDisplay {
        ProgressDisplay {
            mode: Mode::Plain { out },
        }
    }

    /// Shows one event.
    pub fn handle(&mut self, ev: &TransportEvent) {
        match &mut self.mode {
            Mode::Plain { out } => {
                let line = match ev {
                    TransportEvent::HostConnecting { host } => format!("{host}: connecting"),
                    TransportEvent::HostConnected { host } => format!("{host}: connected"),
                    // A start line per step would double the log for no information.
                    TransportEvent::StepStarted { .. } => return,
                    TransportEvent::StepFinished {
                        host,
                        step,
                        ok,
                        duration,
                    } => format!(
                        "{host}: {} {step} ({})",
                        if *ok { "ok" } else { "FAILED" },
                        secs(*duration)
                    ),
                    TransportEvent::HostFailed { host, error } => {
                        format!("{host}: FAILED: {error}")
                    }
                    TransportEvent::HostDone { host } => format!("{host}: done"),
                };
                let _ = writeln!(out, "{line}");
            }
            Mode::Bars {
                multi,
                bars,
                steps_done,
            } => {
                let host = match ev {
                    TransportEvent::HostConnecting { host }
                    | TransportEvent::HostConnected { host }
                    | TransportEvent::StepStarted { host, .. }
                    | TransportEvent::StepFinished { host, .. }
                    | TransportEvent::HostFailed { host, .. }
                    | TransportEvent::HostDone { host } => host.clone(),
                };
                let bar = bars
                    .entry(host.clone())
                    .or_insert_with(|| {
                        let b = multi.add(ProgressBar::new_spinner());
                        b.set_prefix(host.clone());
                        b.enable_steady_tick(Duration::from_millis(120));
                        b
                    })
                    .clone();
                match ev {
                    TransportEvent::HostConnecting { .. } => bar.set_message("connecting"),
                    TransportEvent::HostConnected { .. } => bar.set_message("connected"),
                    TransportEvent::StepStarted { step, .. } => bar.set_message(step.clone()),
                    TransportEvent::StepFinished { ok, step, .. } => {
                        let n = steps_done.entry(host).or_insert(0);
                        *n += 1;
                        if *ok {
                            bar.set_message(format!("{n} steps done"));
                        } else {
                            bar.set_message(format!("{step} FAILED"));
                        }
                    }
                    TransportEvent::HostFailed { error, .. } => {
                        bar.abandon_with_message(format!("FAILED: {error}"))
                    }
                    TransportEvent::HostDone { .. } => {
                        let n = steps_done.get(&host).copied().unwrap_or(0);
                        bar.finish_with_message(format!("done ({n} steps)"));
                    }
                }
            }
        }
    }

    /// Shows events until every sender is dropped, then clears finished spinners.
    pub fn run(mut self, rx: Receiver<TransportEvent>) {
        for ev in rx {
            self.handle(&ev);
        }
        if let Mode::Bars { bars, .. } = &self.mode {
            for bar in bars.values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
        }
        if let Mode::Plain { out } = &mut self.mode {
            let _ = out.flush();
        }
    }

    /// Runs [`ProgressDisplay::run`] on its own thread.
    pub fn spawn(self, rx: Receiver<TransportEvent>) -> JoinHandle<()> {
        std::thread::spawn(move || self.run(rx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{mpsc, Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_mode_prints_one_line_per_notable_event() {
        let buf = Buf::default();
        let display = ProgressDisplay::plain(Box::new(buf.clone()));
        let (tx, rx) = mpsc::channel();
        let h = display.spawn(rx);
        let host = |s: &str| s.to_string();
        tx.send(TransportEvent::HostConnecting {
            host: host("SQL01"),
        })
        .unwrap();
        tx.send(TransportEvent::HostConnected {
            host: host("SQL01"),
        })
        .unwrap();
        tx.send(TransportEvent::StepStarted {
            host: host("SQL01"),
            step: "cluster.C probe".into(),
        })
        .unwrap();
        tx.send(TransportEvent::StepFinished {
            host: host("SQL01"),
            step: "cluster.C probe".into(),
            ok: true,
            duration: Duration::from_millis(1300),
        })
        .unwrap();
        tx.send(TransportEvent::HostFailed {
            host: host("SQL02"),
            error: "SQL02: connection refused".into(),
        })
        .unwrap();
        tx.send(TransportEvent::HostDone {
            host: host("SQL01"),
        })
        .unwrap();
        drop(tx);
        h.join().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "SQL01: connecting\nSQL01: connected\nSQL01: ok cluster.C probe (1.3 s)\n\
             SQL02: FAILED: SQL02: connection refused\nSQL01: done\n"
        );
    }

    #[test]
    fn bar_mode_accepts_every_event_without_a_terminal() {
        let mut d = ProgressDisplay::bars(&["A".to_string()], ProgressDrawTarget::hidden());
        d.handle(&TransportEvent::HostConnecting { host: "A".into() });
        d.handle(&TransportEvent::StepFinished {
            host: "B".into(),
            step: "s".into(),
            ok: false,
            duration: Duration::ZERO,
        });
        d.handle(&TransportEvent::HostDone { host: "A".into() });
        let Mode::Bars { bars, .. } = &d.mode else {
            panic!("bars mode")
        };
        assert!(bars["A"].is_finished());
        assert_eq!(bars["B"].message(), "s FAILED");
        assert_eq!(bars["A"].message(), "done (0 steps)");
    }
}
