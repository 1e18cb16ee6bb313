//! `firewall`: firewall rules for SQL, RPC and MSDTC on a node (`node.N.firewall`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct Firewall;

/// Verify: the ports are open and the DTC rule group is enabled.
pub const CHECK_PORTS_OPEN: &str = "firewall-ports-open";

impl Kind for Firewall {
    const KIND: ResourceKind = ResourceKind::Firewall;
    const CHECKS: &'static [&'static str] = &[CHECK_PORTS_OPEN];
    const REMOVAL: Removal = Removal::Kept("rules of the Windows server, which bisrc does not remove");
    type Params = Params;
    type Desired = Desired;
    type Observed = FirewallObserved;

    fn exists(o: &FirewallObserved) -> bool {
        !o.open_tcp_ports.is_empty() || o.dtc_rule_group_enabled
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The TCP ports to open (sorted).
    pub tcp_ports: Vec<u16>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Ports an enabled inbound allow rule opens (sorted).
    pub open_tcp_ports: Vec<u16>,
    /// The built-in MSDTC rule group is enabled.
    pub dtc_rule_group_enabled: bool,
}

/// Firewall rules bisrc needs, as found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallObserved {
    /// Of the TCP ports the spec asks for, those an enabled inbound allow rule opens (sorted).
    pub open_tcp_ports: Vec<u16>,
    /// The built-in "Distributed Transaction Coordinator" rule group is enabled.
    pub dtc_rule_group_enabled: bool,
}
