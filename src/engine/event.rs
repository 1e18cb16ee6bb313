//! Progress events: the engine sends owned [`Event`]s over one `mpsc` channel; one UI consumer
//! renders them, and during an apply the journal records the same events (`journal.rs`). Events carry no secret values (errors are scrubbed before they are sent).
//! Reports (`Plan`, `ApplyReport`, `VerifyReport`) are returned, not streamed: events are
//! for progress only, so a consumer that drops them loses nothing but the progress display.

use serde::Serialize;

use crate::step::StepAction;

/// One progress event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An apply run started (its journal is open).
    RunStarted {
        /// Run ID.
        run_id: String,
    },
    /// An apply run ended.
    RunFinished {
        /// `N succeeded, N failed, N never ran[, interrupted]`.
        summary: String,
    },
    /// A connection to a host was opened.
    HostConnected {
        /// Host name.
        host: String,
    },
    /// A host could not be reached; its steps are unknown / never run.
    HostUnreachable {
        /// Host name.
        host: String,
        /// Why.
        reason: String,
    },
    /// A batch of steps (probe or verify) was sent to a host.
    BatchStarted {
        /// Host name.
        host: String,
        /// The action.
        action: StepAction,
        /// Number of steps in the payload.
        steps: usize,
    },
    /// A batch finished.
    BatchFinished {
        /// Host name.
        host: String,
        /// The action.
        action: StepAction,
        /// Whether the payload ran (individual steps may still have failed).
        ok: bool,
        /// Wall-clock milliseconds.
        duration_ms: u64,
    },
    /// An apply step started.
    StepStarted {
        /// Resource address.
        address: String,
        /// Host it runs on.
        host: String,
    },
    /// An apply step finished.
    StepFinished {
        /// Resource address.
        address: String,
        /// Host it ran on.
        host: String,
        /// Whether it succeeded (applied and no drift left).
        ok: bool,
        /// When it failed, the error; when it succeeded, a note if any (scrubbed).
        detail: Option<String>,
        /// Wall-clock milliseconds.
        duration_ms: u64,
    },
    /// A step handed a file back and it was kept in the state directory (or could not be).
    ArtifactKept {
        /// Resource address.
        address: String,
        /// Where it is (`<state>/reports/<address>/<name>`).
        path: String,
        /// Why it could not be written, if so.
        error: Option<String>,
    },
    /// An apply step will not run.
    StepSkipped {
        /// Resource address.
        address: String,
        /// Why (a failed dependency, an interrupt, blocked, unknown).
        reason: String,
    },
    /// A failover move started.
    MoveStarted {
        /// Cluster group.
        group: String,
        /// Destination node.
        to: String,
    },
    /// A failover move finished.
    MoveFinished {
        /// Cluster group.
        group: String,
        /// Destination node.
        to: String,
        /// Whether the group came online there.
        ok: bool,
        /// Wall-clock milliseconds.
        duration_ms: u64,
    },
    /// Ctrl-C: no new steps start; running ones finish.
    Interrupted,
    /// Our environment lock is gone or held by another (it could not be renewed in time
    /// and was taken over): no new step starts.
    LockLost {
        /// Our lock ID.
        id: String,
        /// Who holds it now (its JSON), or that nobody does.
        holder: String,
    },
    /// The environment lock of a holder that is gone was taken over.
    LockTakenOver {
        /// The old holder (`ID …, held by user@host (pid …) …`).
        holder: String,
        /// Why it could be taken over.
        reason: String,
    },
}
