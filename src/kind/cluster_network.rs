//! `cluster_network`: a cluster network's name and role (`cluster.C.network.NAME`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct ClusterNetwork;

/// Verify: the network has the desired name and role.
pub const CHECK_ROLE: &str = "cluster-network-role";

impl Kind for ClusterNetwork {
    const KIND: ResourceKind = ResourceKind::ClusterNetwork;
    const CHECKS: &'static [&'static str] = &[CHECK_ROLE];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::Cluster);
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusterNetworkObserved;

    fn exists(o: &ClusterNetworkObserved) -> bool {
        o.exists
    }

    /// `role_number`: the `Get-ClusterNetwork` Role value (0 None, 1 Cluster, 3 ClusterAndClient).
    fn extras(_: &Params, d: &Desired, _: &ExtrasEnv) -> Value {
        let n = match d.role.as_str() {
            "ClusterAndClient" => 3,
            "Cluster" => 1,
            _ => 0,
        };
        json!({ "role_number": n })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The inventory's subnet, `10.0.0.0/24`.
    pub subnet: String,
    /// Its address part.
    pub address: String,
    /// Its mask, `255.255.255.0`.
    pub mask: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// A cluster network with the subnet exists.
    pub exists: bool,
    /// Its name.
    pub name: String,
    /// `ClusterAndClient`, `Cluster` or `None`.
    pub role: String,
}

/// The cluster network whose subnet matches the spec's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNetworkObserved {
    /// A cluster network with the subnet exists.
    pub exists: bool,
    /// Its name.
    pub name: Option<String>,
    /// `ClusterAndClient`, `Cluster` or `None`.
    pub role: Option<String>,
}
