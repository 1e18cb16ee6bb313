//! The apply view: live progress from engine [`Event`]s (one consumer thread, the only
//! writer to stderr during a run), the confirmation prompt, and the final report (what
//! succeeded, what failed with the tail of stderr, what never ran, the journal path).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use super::style::mark;
use super::{OutputFormat, Writer};
use crate::engine::apply::{ApplyReport, ApplySummary, StepStatus};
use crate::engine::{Event, Plan};

use super::Ui;

/// Progress on stderr (human mode only).
pub struct Progress {
    tx: Option<Sender<Event>>,
    handle: Option<JoinHandle<()>>,
}

impl Progress {
    /// The sender the engine gets.
    pub fn sender(&self) -> Sender<Event> {
        self.tx.clone().expect("progress is running")
    }

    /// Waits until every event has been shown.
    pub fn finish(mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn show(ev: &Event, color: bool) -> Option<String> {
    let ok = |b: bool| mark(color, b);
    Some(match ev {
        Event::HostConnected { .. }
        | Event::BatchStarted { .. }
        | Event::MoveStarted { .. }
        | Event::RunStarted { .. }
        | Event::RunFinished { .. } => return None,
        Event::HostUnreachable { host, reason } => format!("! {host} is unreachable: {reason}"),
        Event::BatchFinished {
            host,
            action,
            ok: done,
            duration_ms,
        } => format!(
            "{} {} batch on {host} ({:.1} s)",
            ok(*done),
            action.as_str(),
            *duration_ms as f64 / 1000.0
        ),
        Event::StepStarted { address, host } => format!("→ {address} on {host}"),
        Event::StepFinished {
            address,
            host,
            ok: done,
            detail,
            duration_ms,
        } => {
            let mut s = format!(
                "{} {address} on {host} ({:.1} s)",
                ok(*done),
                *duration_ms as f64 / 1000.0
            );
            if let Some(e) = detail.as_ref().filter(|_| !*done) {
                s.push_str(&format!(": {}", e.lines().last().unwrap_or("")));
            }
            s
        }
        Event::StepSkipped { address, reason } => format!("- {address} never ran: {reason}"),
        Event::ArtifactKept {
            address,
            path,
            error: None,
        } => format!("  {address}: report kept at {path}"),
        Event::ArtifactKept {
            address,
            path,
            error: Some(e),
        } => format!("! {address}: its report could not be kept at {path}: {e}"),
        Event::MoveFinished {
            group,
            to,
            ok: done,
            duration_ms,
        } => format!(
            "{} move {group} to {to} ({:.1} s)",
            ok(*done),
            *duration_ms as f64 / 1000.0
        ),
        Event::LockLost { id, holder } => format!(
            "error: the environment lock {id} was lost (now held by {holder}); no new step starts"
        ),
        Event::LockTakenOver { holder, reason } => {
            format!("warning: took over the environment lock {holder}: {reason}")
        }
        Event::Interrupted => {
            "interrupted: no new step starts; waiting for running steps to finish".into()
        }
    })
}

fn consume(rx: Receiver<Event>, human: bool, color: bool, quiet: bool, err: Writer) {
    for ev in rx {
        // --quiet: progress and warnings go; an error (the lock lost) stays.
        if human && (!quiet || matches!(ev, Event::LockLost { .. })) {
            if let Some(line) = show(&ev, color) {
                let _ = writeln!(err.lock().unwrap_or_else(|e| e.into_inner()), "{line}");
            }
        }
    }
}

impl Ui {
    /// Starts the progress consumer.
    pub fn progress(&self) -> Progress {
        let (tx, rx) = channel();
        let human = self.format == OutputFormat::Human;
        let (color, quiet) = (self.color, self.quiet);
        let err = self.err.clone();
        let handle = std::thread::spawn(move || consume(rx, human, color, quiet, err));
        Progress {
            tx: Some(tx),
            handle: Some(handle),
        }
    }

    /// Shows the plan and asks for `yes` on a terminal. Without a terminal on stdin, refuses.
    pub fn confirm_apply(&mut self, plan: &Plan) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "apply needs confirmation but standard input is not a terminal; review the plan \
                 and pass --auto-approve (or apply a saved plan file)"
            );
        }
        self.plan(plan, false);
        let mut err = self.err();
        let _ = write!(err, "\nApply these changes? Only 'yes' is accepted: ");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim() == "yes")
    }

    /// Shows the apply report.
    pub fn apply_report(&mut self, plan: &Plan, report: Option<&ApplyReport>) {
        let mut o = self.out();
        if self.format == OutputFormat::Json {
            write_plan_and_report(&mut *o, plan, report);
            return;
        }
        let Some(r) = report else {
            let _ = writeln!(
                o,
                "{}",
                if plan.has_changes() {
                    "Apply cancelled."
                } else {
                    "No changes. The environment matches the inventory."
                }
            );
            return;
        };
        let s = &r.summary;
        let head = run_head("Apply", r.ok(), r.interrupted, s);
        let _ = writeln!(
            o,
            "{head}: {} succeeded, {} failed, {} never ran, {} already converged.",
            s.succeeded, s.failed, s.never_ran, s.unchanged
        );
        for (status, title) in [
            (StepStatus::Succeeded, "Succeeded"),
            (StepStatus::Failed, "Failed"),
            (StepStatus::NeverRan, "Never ran"),
        ] {
            let steps: Vec<_> = r.steps.iter().filter(|x| x.status == status).collect();
            if steps.is_empty() {
                continue;
            }
            let _ = writeln!(o, "\n{title}:");
            for st in steps {
                let on = st
                    .host
                    .as_deref()
                    .map(|h| format!(" on {h}"))
                    .unwrap_or_default();
                match status {
                    StepStatus::Succeeded => {
                        let _ = writeln!(o, "  ✓ {}{on}", st.address);
                        for l in st.detail.as_deref().unwrap_or("").lines() {
                            let _ = writeln!(o, "      note: {l}");
                        }
                    }
                    StepStatus::Failed => {
                        let _ = writeln!(o, "  ✗ {}{on}", st.address);
                        for l in st.detail.as_deref().unwrap_or("").lines() {
                            let _ = writeln!(o, "      {l}");
                        }
                    }
                    StepStatus::NeverRan => {
                        let _ = writeln!(
                            o,
                            "  - {}: {}",
                            st.address,
                            st.detail.as_deref().unwrap_or("")
                        );
                    }
                }
            }
        }
        if !r.ok() {
            let _ = writeln!(o);
            if s.never_ran > 0 {
                let _ = writeln!(
                    o,
                    "Work remains: {} step{} never ran.",
                    s.never_ran,
                    if s.never_ran == 1 { "" } else { "s" }
                );
            }
            let _ = writeln!(
                o,
                "Fix the cause and run `bisrc apply` again: it resumes from the observed state."
            );
        }
        let _ = writeln!(o, "Journal: {}", r.journal);
    }
}

/// The first Ctrl-C during apply steps: what it waits for.
pub fn interrupt_waiting(p: &crate::engine::apply::Progress) -> String {
    let mut s = String::from("\nInterrupted: no new step starts.");
    if p.running.is_empty() {
        s.push_str(" No step is running.");
    } else {
        s.push_str(&format!(
            " Waiting for {} running step{} to finish:",
            p.running.len(),
            if p.running.len() == 1 { "" } else { "s" }
        ));
        for (address, host) in &p.running {
            s.push_str(&format!("\n  {address} on {host}"));
        }
    }
    s.push_str("\nPress Ctrl-C again to stop at once (running steps are left unfinished).");
    s
}

/// The last Ctrl-C: what was left, what became of the lock, how to resume.
pub fn interrupt_stopped(
    p: &crate::engine::apply::Progress,
    lock: Option<&(String, Result<crate::engine::lock::Released, String>)>,
    resume: &str,
) -> String {
    let mut s = String::from("\nStopped.");
    if p.total == 0 {
        s.push_str(" No step had started: nothing was changed.");
    } else {
        s.push_str(&format!(
            " {} of {} steps finished; {} not started.",
            p.finished,
            p.total,
            p.not_started()
        ));
        if !p.running.is_empty() {
            s.push_str(" Left unfinished (they may be half done):");
            for (address, host) in &p.running {
                s.push_str(&format!("\n  {address} on {host}"));
            }
        }
    }
    match lock {
        Some((id, Ok(_))) => s.push_str(&format!("\nThe environment lock {id} was released.")),
        Some((id, Err(e))) => s.push_str(&format!(
            "\nThe environment lock {id} could not be released ({e}); it expires on its own, or run `bisrc unlock {id}`."
        )),
        None => {}
    }
    if p.total > 0 {
        s.push_str(&format!(
            "\nTo resume, run `{resume}`: it plans from the nodes' real state and does only what is left."
        ));
    }
    s
}

/// How a run that changes the environment ended, e.g. `Apply complete` or `Destroy incomplete`.
pub(super) fn run_head(verb: &str, ok: bool, interrupted: bool, s: &ApplySummary) -> String {
    let how = if ok {
        "complete"
    } else if interrupted {
        "interrupted"
    } else if s.failed == 0 {
        // Nothing failed, but some steps could not run (a host is unreachable).
        "incomplete"
    } else {
        "failed"
    };
    format!("{verb} {how}")
}

/// The JSON document of a run: `{"plan": .., "report": ..}`, pretty-printed.
pub(super) fn write_plan_and_report(
    o: &mut dyn Write,
    plan: &impl serde::Serialize,
    report: Option<&impl serde::Serialize>,
) {
    let v = serde_json::json!({"plan": plan, "report": report});
    let _ = writeln!(
        o,
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_default()
    );
}
