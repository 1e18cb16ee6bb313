//! `sso_role`: the clustered Enterprise SSO master secret server (`cluster.C.sso`).

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind};

/// The kind.
pub struct SsoRole;

/// Verify: the role is Online with `UseNetworkName` on.
pub const CHECK_ROLE_ONLINE: &str = "sso-role-online";
/// Verify: the SSO database names the role's network name as its master secret server.
pub const CHECK_SECRET_SERVER: &str = "sso-secret-server";

impl Kind for SsoRole {
    const KIND: ResourceKind = ResourceKind::SsoRole;
    const CHECKS: &'static [&'static str] = &[CHECK_ROLE_ONLINE, CHECK_SECRET_SERVER];
    type Params = Params;
    type Desired = Desired;
    type Observed = SsoRoleObserved;

    fn exists(o: &SsoRoleObserved) -> bool {
        o.exists
    }

    fn manual_path(key: &str) -> Option<String> {
        Some(super::clustered_dtc::role_rename(key))
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The Windows service the generic service resource runs (`ENTSSO`).
    pub service: String,
    /// The cluster network of the role's address.
    pub network: String,
    /// The cluster disk it depends on, if any.
    pub disk: Option<String>,
    /// SQL server name (network name) of the SSO database's instance.
    pub sso_server: String,
    /// The SSO database.
    pub sso_database: String,
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
    /// `Online`.
    pub state: String,
    /// `UseNetworkName` of the generic service resource.
    pub use_network_name: bool,
    /// The master secret server the SSO database names (`ssomanage -updatedb`): the role's
    /// network name.
    pub secret_server: String,
}

/// The clustered SSO master secret server (generic service role for `ENTSSO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoRoleObserved {
    /// The role exists.
    pub exists: bool,
    /// Its network name.
    pub name: Option<String>,
    /// Its IP address.
    pub ip: Option<String>,
    /// Group state.
    pub state: Option<String>,
    /// `UseNetworkName` of the generic service resource (must be true, else 0x800706D9).
    pub use_network_name: Option<bool>,
    /// The master secret server the SSO database names.
    pub secret_server: Option<String>,
}
