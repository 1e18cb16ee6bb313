//! `sql_owners`: preferred owners and failback policy of a clustered role's group: an FCI's
//! (`sql.I.owners`) or the SSO master secret server's (`cluster.C.sso.owners`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct SqlOwners;

/// Verify: the preferred owners and the failback policy are as desired.
pub const CHECK_PREFERRED_OWNERS: &str = "sql-preferred-owners";

impl Kind for SqlOwners {
    const KIND: ResourceKind = ResourceKind::SqlOwners;
    const CHECKS: &'static [&'static str] = &[CHECK_PREFERRED_OWNERS];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::SqlFci);
    type Params = Params;
    type Desired = Desired;
    type Observed = SqlOwnersObserved;

    fn exists(o: &SqlOwnersObserved) -> bool {
        !o.preferred_owners.is_empty()
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The FCI's cluster group.
    pub group: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Preferred owners, in order.
    pub preferred_owners: Vec<String>,
    /// Failback policy (`AutoFailbackType` 1 allows failback to the first preferred owner when
    /// it returns). Off by default, as Windows and Microsoft's cluster documentation have it
    /// (`ClusterGroupPreventFailback`,
    /// <https://learn.microsoft.com/previous-versions/windows/desktop/mscs/groups-autofailbacktype>):
    /// a failback is a second outage, at a moment nobody chose.
    pub auto_failback: bool,
}

/// Owners of the FCI group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlOwnersObserved {
    /// `Get-ClusterOwnerNode -Group` in order.
    pub preferred_owners: Vec<String>,
    /// The group's `AutoFailbackType` is 1 (allow failback).
    pub auto_failback: bool,
}
