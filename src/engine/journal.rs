//! The apply journal: one JSON line per event of a run (run started, each step's start, end
//! and outcome, skipped steps, run finished), appended and flushed as it happens so a killed
//! run still leaves its record. File: `<state dir>/journal/<timestamp>-<run id>.jsonl`. It
//! takes scrubbed entries; it never holds a payload or a secret value.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::event::Event;
use super::ids::now_rfc3339;
use crate::state::StateDir;

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// UTC time, RFC 3339.
    pub ts: String,
    /// Run ID.
    pub run_id: String,
    /// `run_started`, `step_started`, `step_finished`, `step_skipped`, `run_finished`.
    pub kind: String,
    /// Resource address (step entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Host (step entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `succeeded`, `failed`, `never_ran`, or the run's summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Error or skip reason (scrubbed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Duration of a finished step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// An open journal.
pub struct Journal {
    /// The file.
    pub path: PathBuf,
    run_id: String,
    file: Mutex<File>,
}

impl Journal {
    /// Creates `<state>/journal/<timestamp>-<run_id>.jsonl`.
    pub fn create(state: &StateDir, run_id: &str) -> anyhow::Result<Journal> {
        let dir = state.journal_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        // An absolute path, so the report names the file wherever it is read.
        let dir = dir.canonicalize().unwrap_or(dir);
        let stamp = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let path = dir.join(format!("{stamp}-{run_id}.jsonl"));
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot create the journal {}: {e}", path.display()))?;
        Ok(Journal {
            path,
            run_id: run_id.to_string(),
            file: Mutex::new(file),
        })
    }

    /// Records what an event says about the run (its start and end, each step's start, end
    /// and skip); other events are progress only and leave no line.
    pub fn event(&self, ev: &Event) {
        match ev {
            Event::RunStarted { .. } => self.record("run_started", None, None, None, None, None),
            Event::LockTakenOver { holder, reason } => self.record(
                "lock_taken_over",
                None,
                None,
                None,
                Some(&format!("from {holder}: {reason}")),
                None,
            ),
            Event::LockLost { id, holder } => self.record(
                "lock_lost",
                None,
                None,
                None,
                Some(&format!("lock {id} is now held by {holder}")),
                None,
            ),
            Event::RunFinished { summary } => {
                self.record("run_finished", None, None, Some(summary), None, None)
            }
            Event::StepStarted { address, host } => {
                self.record("step_started", Some(address), Some(host), None, None, None)
            }
            Event::StepFinished {
                address,
                host,
                ok,
                detail,
                duration_ms,
            } => self.record(
                "step_finished",
                Some(address),
                Some(host),
                Some(if *ok { "succeeded" } else { "failed" }),
                detail.as_deref(),
                Some(*duration_ms),
            ),
            Event::StepSkipped { address, reason } => self.record(
                "step_skipped",
                Some(address),
                None,
                Some("never_ran"),
                Some(reason),
                None,
            ),
            Event::ArtifactKept {
                address,
                path,
                error,
            } => self.record(
                "artifact_kept",
                Some(address),
                None,
                Some(if error.is_none() { "kept" } else { "failed" }),
                Some(error.as_deref().unwrap_or(path)),
                None,
            ),
            Event::HostConnected { .. }
            | Event::HostUnreachable { .. }
            | Event::BatchStarted { .. }
            | Event::BatchFinished { .. }
            | Event::MoveStarted { .. }
            | Event::MoveFinished { .. }
            | Event::Interrupted => {}
        }
    }

    /// Appends one entry (errors are ignored: the report still carries every outcome).
    fn record(
        &self,
        kind: &str,
        address: Option<&str>,
        host: Option<&str>,
        outcome: Option<&str>,
        detail: Option<&str>,
        duration_ms: Option<u64>,
    ) {
        let e = Entry {
            ts: now_rfc3339(),
            run_id: self.run_id.clone(),
            kind: kind.to_string(),
            address: address.map(str::to_string),
            host: host.map(str::to_string),
            outcome: outcome.map(str::to_string),
            detail: detail.map(str::to_string),
            duration_ms,
        };
        if let Ok(mut line) = serde_json::to_string(&e) {
            line.push('\n');
            let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
            let _ = f.write_all(line.as_bytes());
            let _ = f.flush();
        }
    }
}
