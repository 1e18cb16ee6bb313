//! `group_owner`: the owner of a cluster group; applying it moves the group
//! (`failover.CLUSTER.GROUP`, made by `verify --failover`, never by topology).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct GroupOwner;

/// Verify: the group is Online on the desired owner.
pub const CHECK_OWNER: &str = "group-owner";

impl Kind for GroupOwner {
    const KIND: ResourceKind = ResourceKind::GroupOwner;
    const CHECKS: &'static [&'static str] = &[CHECK_OWNER];
    const REMOVAL: Removal = Removal::Kept("where a cluster group runs; the group goes with its role");
    type Params = Params;
    type Desired = Desired;
    type Observed = GroupOwnerObserved;

    fn exists(o: &GroupOwnerObserved) -> bool {
        o.exists
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Cluster name.
    pub cluster: String,
    /// Group name.
    pub group: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The group exists.
    pub exists: bool,
    /// The node to own it.
    pub owner: String,
    /// `Online`.
    pub state: String,
}

/// Where a cluster group runs now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupOwnerObserved {
    /// The group exists.
    pub exists: bool,
    /// The node that owns it.
    pub owner: Option<String>,
    /// Group state.
    pub state: Option<String>,
}
