//! Run setup shared by plan, apply, verify and unlock: from a loaded inventory to the
//! topology, the renderer, a connector (ssh or the simulator) and the lock site. It takes
//! the inventory and command-line settings; it produces a [`Setup`] from which a
//! [`Context`] is borrowed. No printing.

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use crate::inventory::{Loaded, TransportKind};
use crate::render::Renderer;
use crate::topology::{HostRole, Topology};
use crate::transport::ssh::SshTransport;
use crate::transport::{defaults, Overrides, TransportConfig};

use super::adapters::{RenderScripts, TransportConnector};
use super::context::Context;
use super::event::Event;
use super::host::Connector;
use super::lock::LockSite;

/// Command-line settings of a run.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    /// `--site`.
    pub site: Option<String>,
    /// `--parallelism` (default 10).
    pub parallelism: Option<usize>,
    /// `--accept-new-host-keys`.
    pub accept_new_host_keys: bool,
    /// `--world DIR` for the simulated transport (default `<state dir>/world`).
    pub world: Option<PathBuf>,
    /// `--templates DIR` (overrides the inventory's `templates:`).
    pub templates: Option<PathBuf>,
    /// Which resources: the inventory's, or a DR operation's on `site`.
    pub scope: Scope,
}

/// The resources a run works on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// The inventory's (plan, apply, verify).
    #[default]
    Inventory,
    /// The DR promotion of `--site` (`bisrc dr promote`, `bisrc dr verify`).
    Promotion,
    /// The rebuild of the lost `--site` after a promotion (`bisrc dr rebuild`).
    Rebuild,
}

/// Everything a run borrows.
pub struct Setup {
    /// The inventory.
    pub loaded: Loaded,
    /// Its topology.
    pub topology: Topology,
    /// Templates.
    pub renderer: Renderer,
    /// How hosts are reached.
    pub connector: Box<dyn Connector>,
    /// Where the lock lives.
    pub lock: LockSite,
    /// Hosts at once.
    pub parallelism: usize,
    /// The sites a DR promotion made primary (the topology is the promoted one when any).
    pub promoted: Vec<String>,
}

/// The simulated world of an inventory: `<state dir>/world`.
pub fn world_dir(loaded: &Loaded) -> PathBuf {
    loaded.state().world_dir()
}

/// Builds the setup.
pub fn setup(loaded: Loaded, settings: &RunSettings) -> anyhow::Result<Setup> {
    loaded.state().check_layout()?;
    let promoted = match settings.scope {
        Scope::Inventory => {
            super::dr_role::promoted_sites(&loaded.state(), &loaded.inventory.environment.value)?
        }
        _ => Vec::new(),
    };
    let topology = match (settings.scope, settings.site.as_deref()) {
        // After `bisrc dr promote`, the environment is the inventory as the promotion left it.
        (Scope::Inventory, site) if !promoted.is_empty() => {
            Topology::promoted(&loaded.inventory, site, &promoted)?
        }
        (Scope::Inventory, site) => Topology::build(&loaded.inventory, site)?,
        (Scope::Promotion, Some(site)) => Topology::promotion(&loaded.inventory, site)?,
        (Scope::Rebuild, Some(site)) => Topology::rebuild(&loaded.inventory, site)?,
        (_, None) => anyhow::bail!("a DR operation needs its site (--site)"),
    };
    let inv = &loaded.inventory;
    let renderer = Renderer::for_inventory(&loaded, settings.templates.as_deref())?;
    let port = defaults::port(&inv.connection);
    let deadline = defaults::command_timeout(&inv.connection);
    let parallelism = defaults::parallelism(settings.parallelism);
    let (connector, lock): (Box<dyn Connector>, LockSite) = match inv.connection.transport.value {
        TransportKind::Simulated => {
            let world = settings.world.clone().unwrap_or_else(|| world_dir(&loaded));
            let t = crate::transport::simulated::SimulatedTransport::new(world, inv.clone());
            (
                Box::new(TransportConnector::new(t, port, deadline)),
                LockSite::File(loaded.state().lock_file()),
            )
        }
        TransportKind::Ssh => {
            let cfg = TransportConfig::from_inventory(
                &inv.connection,
                &Overrides {
                    accept_new_host_keys: settings.accept_new_host_keys,
                    parallelism: Some(parallelism),
                },
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            // The lock lives on the environment, not the workstation: the first SQL node of
            // the site (or of the inventory).
            let first = topology
                .hosts
                .iter()
                .find(|h| h.role == HostRole::SqlNode)
                .or(topology.hosts.first())
                .map(|h| h.name.clone())
                .ok_or_else(|| anyhow::anyhow!("the inventory has no host to hold the lock"))?;
            let lock = LockSite::Remote { host: first };
            (
                Box::new(TransportConnector::new(
                    SshTransport::new(cfg),
                    port,
                    deadline,
                )),
                lock,
            )
        }
    };
    Ok(Setup {
        loaded,
        topology,
        renderer,
        connector,
        lock,
        parallelism,
        promoted,
    })
}

impl Setup {
    /// The script source.
    pub fn scripts(&self) -> RenderScripts<'_> {
        RenderScripts {
            renderer: &self.renderer,
            inventory: &self.loaded.inventory,
            topology: &self.topology,
        }
    }

    /// A context borrowing this setup and `scripts` (from [`Setup::scripts`]).
    pub fn context<'a>(
        &'a self,
        scripts: &'a RenderScripts<'a>,
        events: Sender<Event>,
    ) -> Context<'a> {
        let mut ctx = Context::new(
            &self.loaded.inventory,
            &self.loaded.source.text,
            &self.topology,
            scripts,
            self.connector.as_ref(),
            self.loaded.state(),
            self.lock.clone(),
            events,
        );
        ctx.parallelism = self.parallelism;
        ctx
    }
}
