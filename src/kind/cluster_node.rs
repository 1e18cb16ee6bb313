//! `cluster_node`: a node joined to an existing cluster (`cluster.C.node.N`).

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind};

/// The kind.
pub struct ClusterNode;

/// Verify: the node is a member.
pub const CHECK_MEMBER: &str = "cluster-node-member";
/// Verify: the node is Up.
pub const CHECK_UP: &str = "cluster-node-up";

impl Kind for ClusterNode {
    const KIND: ResourceKind = ResourceKind::ClusterNode;
    const CHECKS: &'static [&'static str] = &[CHECK_MEMBER, CHECK_UP];
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusterNodeObserved;

    fn exists(o: &ClusterNodeObserved) -> bool {
        o.member
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Cluster name.
    pub cluster: String,
    /// The joining node.
    pub node: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// A member (false evicts it).
    pub member: bool,
}

/// Membership of one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNodeObserved {
    /// The node is a member of the cluster.
    pub member: bool,
    /// Its state when a member.
    pub state: Option<String>,
}
