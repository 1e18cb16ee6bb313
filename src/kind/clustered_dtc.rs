//! `clustered_dtc`: the clustered MSDTC role and its network settings (`cluster.C.dtc`).

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind};

/// The kind.
pub struct ClusteredDtc;

/// Verify: the role is Online.
pub const CHECK_ROLE_ONLINE: &str = "dtc-role-online";
/// Verify: preferred owners and failback policy.
pub const CHECK_OWNERS: &str = "dtc-role-owners";
/// Verify: network transactions in and out with the desired authentication (the same name
/// as the local MSDTC's check).
pub const CHECK_NETWORK_ACCESS: &str = super::dtc_network::CHECK_NETWORK_ACCESS;

impl Kind for ClusteredDtc {
    const KIND: ResourceKind = ResourceKind::ClusteredDtc;
    const CHECKS: &'static [&'static str] = &[CHECK_ROLE_ONLINE, CHECK_NETWORK_ACCESS, CHECK_OWNERS];
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusteredDtcObserved;

    fn exists(o: &ClusteredDtcObserved) -> bool {
        o.exists
    }

    fn manual_path(key: &str) -> Option<String> {
        Some(role_rename(key))
    }
}

/// The manual path of renaming a clustered role (DTC or SSO).
pub(super) fn role_rename(key: &str) -> String {
    format!(
        "renaming a clustered role needs it removed and created again (Remove-ClusterGroup \
         -RemoveResources, then apply); {key} cannot change in place"
    )
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The cluster network of the role's address.
    pub network: String,
    /// Its mask.
    pub mask: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The role exists.
    pub exists: bool,
    /// Its network name (immutable).
    pub name: String,
    /// Its IP address.
    pub ip: String,
    /// The cluster disk resource it depends on.
    pub disk: String,
    /// `Online`.
    pub state: String,
    /// Network DTC access.
    pub network_dtc_access: bool,
    /// Inbound transactions.
    pub inbound: bool,
    /// Outbound transactions.
    pub outbound: bool,
    /// `Mutual`, `Incoming` or `NoAuth`.
    pub authentication: String,
    /// Allow Remote Clients: off.
    pub remote_clients: bool,
    /// Allow Remote Administration: off.
    pub remote_administration: bool,
    /// Preferred owners of the role, in order.
    pub preferred_owners: Vec<String>,
    /// Failback policy (`AutoFailbackType`): off, so a returning node does not take the role
    /// back in the middle of the day and abort the transactions in flight once more.
    pub auto_failback: bool,
}

/// The clustered DTC role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusteredDtcObserved {
    /// The role exists.
    pub exists: bool,
    /// Its network name.
    pub name: Option<String>,
    /// Its IP address.
    pub ip: Option<String>,
    /// The cluster disk resource it depends on.
    pub disk: Option<String>,
    /// Group state.
    pub state: Option<String>,
    /// Network DTC Access, read from the clustered DTC's own key in the cluster registry.
    pub network_dtc_access: bool,
    /// Inbound transactions.
    pub inbound: bool,
    /// Outbound transactions.
    pub outbound: bool,
    /// Authentication level.
    pub authentication: Option<String>,
    /// `RemoteClientAccessEnabled` (Allow Remote Clients).
    pub remote_clients: bool,
    /// `RemoteAdministrationAccessEnabled` (Allow Remote Administration).
    pub remote_administration: bool,
    /// `Get-ClusterOwnerNode -Group` in order.
    pub preferred_owners: Vec<String>,
    /// `AutoFailbackType` is 1 (allow failback).
    pub auto_failback: bool,
}
