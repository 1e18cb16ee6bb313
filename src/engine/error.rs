//! Why a step could not run: the typed error at the engine's seams (`host::Conn`,
//! `host::Pool`, `context::Scripts`). It carries the transport's or the
//! renderer's own error, so the pool can tell a broken connection (reset it) from a node that
//! answered with a failure (keep it).

use crate::render::RenderError;
use crate::transport::TransportError;

/// A step (or a payload of steps) that could not run.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The host cannot be reached in this run (the connect failed now or earlier: a down host
    /// is not retried). Holds the connect error's text.
    #[error("{0}")]
    Unreachable(String),
    /// The transport failed (connection, command, or the node's answer).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The step's script could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A secret the step reads could not be resolved (names the reference, never a value).
    #[error("{0}")]
    Secret(String),
    /// The transport has no shell for stand-alone scripts (the simulator).
    #[error("this transport cannot run stand-alone scripts")]
    NoShell,
}

impl StepError {
    /// Whether the connection that produced this error is unusable and must be reopened:
    /// only a transport failure that broke the session does that; a node that answered (a
    /// non-zero exit, an unreadable result) leaves the connection as it was.
    pub fn breaks_connection(&self) -> bool {
        matches!(self, StepError::Transport(e) if e.breaks_session())
    }
}
