//! Always On state of the simulated world: the standalone SQL Server instances on cluster
//! nodes that hold availability replicas. Preconditions come from Microsoft's docs and are
//! listed in docs/windows-behaviour.md (WB-AG-*).

use serde::{Deserialize, Serialize};

use super::world::World;
use crate::inventory::Inventory;

/// A standalone SQL Server instance on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StandaloneSql {
    /// The node.
    pub node: String,
    /// Instance name.
    pub instance: String,
    /// `IsHadrEnabled`: the running service has the feature on.
    pub hadr_enabled: bool,
    /// The database mirroring endpoint, once created.
    pub endpoint: Option<Endpoint>,
}

/// A database mirroring endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// TCP port.
    pub port: u16,
    /// `STARTED`, `STOPPED` or `DISABLED`.
    pub state: String,
    /// Logins holding CONNECT on it (lower case).
    pub connect: Vec<String>,
}

/// The key of the instance `instance` on `node`.
pub fn standalone_key(node: &str, instance: &str) -> String {
    format!("{node}\\{instance}").to_ascii_uppercase()
}

/// The standalone instances a fresh world holds: bisrc does not install standalone SQL
/// Server (the replicas' instances are a prerequisite, as the domain accounts are), so the
/// simulated nodes start with the instance every availability group of the inventory names.
pub(super) fn fresh(w: &mut World, inv: &Inventory) {
    for (_, _, g) in inv.availability_groups() {
        for r in &g.replicas {
            w.standalone
                .entry(standalone_key(&r.node, g.instance_name()))
                .or_insert_with(|| StandaloneSql {
                    node: r.node.value.clone(),
                    instance: g.instance_name().to_string(),
                    ..StandaloneSql::default()
                });
        }
    }
}
