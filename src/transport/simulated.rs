//! The simulated transport: steps are served in-process by the node simulator
//! (`crate::sim::serve`) against a world kept in a directory, exactly as `bisrc sim-node`
//! serves them behind sshd. `connect` fails for a node that is down in the world, like an
//! SSH connect to a powered-off server. It counts connections (one per host per run is the
//! contract plan keeps). Never prints.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::inventory::Inventory;

use super::{ExecOutput, ExecRequest, HostSpec, Session, Transport, TransportError};

/// Serves steps from the simulator.
pub struct SimulatedTransport {
    world: PathBuf,
    inventory: Arc<Inventory>,
    connects: AtomicUsize,
}

impl SimulatedTransport {
    /// A transport over the world under `world`.
    pub fn new(world: PathBuf, inventory: Inventory) -> SimulatedTransport {
        SimulatedTransport {
            world,
            inventory: Arc::new(inventory),
            connects: AtomicUsize::new(0),
        }
    }

    /// Connections opened so far.
    pub fn connections(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }
}

struct SimSession {
    host: HostSpec,
    world: PathBuf,
    inventory: Arc<Inventory>,
}

impl Transport for SimulatedTransport {
    fn connect(&self, host: &HostSpec) -> Result<Box<dyn Session>, TransportError> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        if !crate::sim::node_is_up(&self.world, &self.inventory, &host.name) {
            return Err(TransportError::NoRoute {
                host: host.name.clone(),
                endpoint: host.endpoint(),
                detail: format!(
                    "{} is down in the simulated world; `bisrc sim fault node-up {}` brings it back",
                    host.name, host.name
                ),
            });
        }
        Ok(Box::new(SimSession {
            host: host.clone(),
            world: self.world.clone(),
            inventory: self.inventory.clone(),
        }))
    }
}

impl Session for SimSession {
    fn host(&self) -> &HostSpec {
        &self.host
    }

    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        let t = Instant::now();
        let out = crate::sim::serve(
            &self.world,
            &self.inventory,
            &self.host.name,
            &req.command_line,
            &req.stdin,
        );
        if out.exit_status == 255 && out.stdout.is_empty() {
            // The node went down between connect and exec: the connection is lost.
            return Err(TransportError::ConnectionLost {
                host: self.host.name.clone(),
                detail: super::tail_lines(&out.stderr, 3),
            });
        }
        Ok(ExecOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            exit_status: out.exit_status,
            duration: t.elapsed(),
        })
    }

    fn upload(&mut self, remote_path: &str, _bytes: &[u8]) -> Result<(), TransportError> {
        Err(TransportError::Upload {
            host: self.host.name.clone(),
            path: remote_path.to_string(),
            detail: "the simulated transport has no file system".into(),
        })
    }
}
