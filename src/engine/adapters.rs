//! Adapters from the engine's seams to the real pieces: any `transport::Transport` as a
//! [`Connector`] (one session per host; a payload runs through `transport::run_payload`),
//! and `render::Renderer` as [`Scripts`]. Thin by design: no logic beyond conversion.

use std::time::Duration;

use crate::inventory::Inventory;
use crate::render::{RenderError, Renderer};
use crate::step::{Payload, StepAction, StepOutcome};
use crate::topology::{Host, Resource, Topology};
use crate::transport::{self, windows, ExecRequest, HostSpec, Session, Transport, TransportError};

use super::context::Scripts;
use super::error::StepError;
use super::host::{Conn, Connector};

/// A transport seen as a connector.
pub struct TransportConnector<T: Transport> {
    transport: T,
    default_port: u16,
    deadline: Duration,
}

impl<T: Transport> TransportConnector<T> {
    /// Wraps `transport`; `default_port` is `connection.port` (22 when unset), `deadline`
    /// the per-command deadline.
    pub fn new(transport: T, default_port: u16, deadline: Duration) -> Self {
        TransportConnector {
            transport,
            default_port,
            deadline,
        }
    }

    /// The wrapped transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }
}

struct SessionConn {
    session: Box<dyn Session>,
    deadline: Duration,
}

impl Conn for SessionConn {
    fn run(&mut self, payload: &Payload) -> Result<Vec<StepOutcome>, StepError> {
        Ok(transport::run_payload(
            self.session.as_mut(),
            payload,
            self.deadline,
        )?)
    }

    fn exec_script(&mut self, script: &str) -> Result<(String, i32), StepError> {
        let out = self.session.exec(&ExecRequest {
            command_line: format!(
                "powershell -NoProfile -NonInteractive -EncodedCommand {}",
                windows::encode_powershell(script)
            ),
            stdin: Vec::new(),
            deadline: self.deadline,
        })?;
        Ok((
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.exit_status,
        ))
    }
}

impl<T: Transport> Connector for TransportConnector<T> {
    fn connect(&self, host: &Host) -> Result<Box<dyn Conn>, TransportError> {
        let session = self
            .transport
            .connect(&HostSpec::of(host, self.default_port))?;
        Ok(Box::new(SessionConn {
            session,
            deadline: self.deadline,
        }))
    }
}

/// The renderer seen as the engine's script source.
pub struct RenderScripts<'a> {
    /// Templates.
    pub renderer: &'a Renderer,
    /// Inventory.
    pub inventory: &'a Inventory,
    /// Topology.
    pub topology: &'a Topology,
}

impl Scripts for RenderScripts<'_> {
    fn fingerprint(&self) -> String {
        self.renderer.fingerprint()
    }

    fn script(&self, resource: &Resource, action: StepAction) -> Result<String, RenderError> {
        self.renderer
            .step(self.inventory, self.topology, resource, action)
    }
}
