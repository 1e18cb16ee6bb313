//! `ag_failover`: a planned manual failover of an availability group to a synchronized
//! synchronous-commit secondary, with `ALTER AVAILABILITY GROUP … FAILOVER` run on that
//! secondary (WB-AG-07), as `verify --failover` rehearses it (`failover.CLUSTER.AG`, never
//! in the topology). The probe answers like `group_owner`'s: where the group's role runs.

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, Removal, ResourceKind};

/// The kind.
pub struct AgFailover;

/// Verify: the local replica is the primary.
pub const CHECK_PRIMARY: &str = "ag-primary";

impl Kind for AgFailover {
    const KIND: ResourceKind = ResourceKind::AgFailover;
    const CHECKS: &'static [&'static str] = &[CHECK_PRIMARY];
    const REMOVAL: Removal =
        Removal::Kept("which replica is primary; the role goes with the availability group");
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_failover_probe.sql", "ag_failover_probe.sql"),
        ExtraFile::tsql("sql/ag_failover.sql", "ag_failover.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgFailoverObserved;

    fn exists(o: &AgFailoverObserved) -> bool {
        o.exists
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The cluster holding the group's role.
    pub cluster: String,
    /// The availability group.
    pub availability_group: String,
    /// The target replica's server name (`NODE` or `NODE\INSTANCE`), where the step runs.
    pub server: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The group exists.
    pub exists: bool,
    /// The node whose replica should be primary.
    pub owner: String,
    /// `Online`.
    pub state: String,
}

/// Where the group's primary is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgFailoverObserved {
    /// The group exists.
    pub exists: bool,
    /// The node of the primary replica.
    pub owner: Option<String>,
    /// `Online` when the primary's role is online.
    pub state: Option<String>,
}
