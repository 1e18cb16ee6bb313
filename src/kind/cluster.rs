//! `cluster`: the failover cluster itself (`cluster.C`).

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind};

/// The kind.
pub struct Cluster;

/// Verify: the cluster exists.
pub const CHECK_EXISTS: &str = "cluster-exists";
/// Verify: every member node is Up.
pub const CHECK_NODES_UP: &str = "cluster-nodes-up";
/// Verify: the cluster has quorum.
pub const CHECK_QUORUM: &str = "cluster-quorum";
/// Verify: every group is Online on a possible owner.
pub const CHECK_ROLES_ONLINE: &str = "cluster-roles-online";

impl Kind for Cluster {
    const KIND: ResourceKind = ResourceKind::Cluster;
    const CHECKS: &'static [&'static str] = &[
        CHECK_EXISTS,
        CHECK_NODES_UP,
        CHECK_QUORUM,
        CHECK_ROLES_ONLINE,
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusterObserved;

    fn exists(o: &ClusterObserved) -> bool {
        o.exists
    }

    fn manual_path(_key: &str) -> Option<String> {
        Some(
            "renaming a cluster needs it destroyed and created again \
             (Remove-Cluster, then apply); every clustered role goes with it — change the \
             inventory back unless a rebuild is intended"
                .to_string(),
        )
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The nodes `New-Cluster` creates it with (the first node; the others join).
    pub nodes: Vec<String>,
    /// Every member node.
    pub all_nodes: Vec<String>,
    /// The AD domain's DNS name.
    pub domain_fqdn: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The cluster exists.
    pub exists: bool,
    /// Its name (immutable).
    pub name: String,
    /// The static address of the cluster name.
    pub static_address: String,
}

/// State of one cluster node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNodeState {
    /// Node name.
    pub name: String,
    /// `Up`, `Down`, `Paused`, `Joining` or `Unknown`.
    pub state: String,
}

/// State of one cluster group (role).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterGroupState {
    /// Group name, e.g. `Cluster Group`, `SQL Server (MSSQLSERVER)`, `BTSDTC01`.
    pub name: String,
    /// `Online`, `Offline`, `Failed`, `PartialOnline`, `Pending` or `Unknown`.
    pub state: String,
    /// The node that owns it now.
    pub owner: String,
}

/// `Get-Cluster`, `Get-ClusterNode`, `Get-ClusterGroup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterObserved {
    /// A cluster with this name exists and this node is a member.
    pub exists: bool,
    /// Cluster name.
    pub name: Option<String>,
    /// The static address of the cluster name.
    pub static_address: Option<String>,
    /// Every node and its state.
    pub nodes: Vec<ClusterNodeState>,
    /// Every group, its state and owner (how the engine finds where owner-bound steps run).
    pub groups: Vec<ClusterGroupState>,
    /// Whether the cluster has quorum (the cluster service answers).
    pub has_quorum: bool,
}
