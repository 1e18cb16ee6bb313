//! `ag_join`: a secondary replica joined to its availability group, allowed to create the
//! group's databases by automatic seeding (`ag.AG.join.NODE`).

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, Removal, ResourceKind};

/// The kind.
pub struct AgJoin;

/// Verify: the local replica has joined the group.
pub const CHECK_JOINED: &str = "ag-replica-joined";

impl Kind for AgJoin {
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::AvailabilityGroup);
    const KIND: ResourceKind = ResourceKind::AgJoin;
    const CHECKS: &'static [&'static str] = &[CHECK_JOINED];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_join_probe.sql", "ag_join_probe.sql"),
        ExtraFile::tsql("sql/ag_join.sql", "ag_join.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgJoinObserved;

    fn exists(o: &AgJoinObserved) -> bool {
        o.joined
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The availability group.
    pub availability_group: String,
    /// SQL server name on the node (`NODE` or `NODE\INSTANCE`).
    pub server: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The local replica has joined.
    pub joined: bool,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgJoinObserved {
    /// The local replica has joined.
    pub joined: bool,
    /// `PRIMARY`, `SECONDARY` or `RESOLVING`.
    pub role: Option<String>,
}
