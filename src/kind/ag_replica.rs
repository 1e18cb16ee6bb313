//! `ag_replica`: a node's standalone SQL Server instance made ready to hold an availability
//! replica (`ag.AG.replica.NODE`): the Always On feature (`HADR`) enabled, which takes a
//! service restart, and the database mirroring endpoint started with CONNECT granted to the
//! replicas' engine account.

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, ResourceKind};

/// The kind.
pub struct AgReplica;

/// Verify: Always On availability groups are enabled on the instance.
pub const CHECK_HADR: &str = "ag-hadr-enabled";
/// Verify: the database mirroring endpoint listens on its port, started, with CONNECT granted.
pub const CHECK_ENDPOINT: &str = "ag-endpoint-started";

/// The endpoint's name (the one SQL Server's wizard gives it).
pub const ENDPOINT_NAME: &str = "Hadr_endpoint";

impl Kind for AgReplica {
    const KIND: ResourceKind = ResourceKind::AgReplica;
    const CHECKS: &'static [&'static str] = &[CHECK_HADR, CHECK_ENDPOINT];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_replica_probe.sql", "ag_replica_probe.sql"),
        ExtraFile::tsql("sql/ag_replica.sql", "ag_replica.sql"),
        ExtraFile::tsql("sql/ag_replica_drop.sql", "ag_replica_drop.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgReplicaObserved;

    fn exists(o: &AgReplicaObserved) -> bool {
        o.hadr_enabled == Some(true)
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The availability group the replica will belong to.
    pub availability_group: String,
    /// SQL instance name (`MSSQLSERVER` for a default instance).
    pub instance: String,
    /// SQL server name on the node (`NODE` or `NODE\INSTANCE`).
    pub server: String,
    /// The engine service account of the replicas (`NETBIOS\name`).
    pub service_account: String,
    /// The group's BizTalk databases: their copies left RESTORING here once the group is
    /// dropped are dropped with the replica.
    pub databases: Vec<String>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The standalone instance is installed on the node.
    pub installed: bool,
    /// `SERVERPROPERTY('IsHadrEnabled')` is 1.
    pub hadr_enabled: bool,
    /// The database mirroring endpoint's TCP port.
    pub endpoint_port: u16,
    /// `STARTED`.
    pub endpoint_state: String,
    /// The engine account holds CONNECT on the endpoint.
    pub connect_granted: bool,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgReplicaObserved {
    /// The instance is installed on the node.
    pub installed: bool,
    /// Always On availability groups enabled.
    pub hadr_enabled: Option<bool>,
    /// The database mirroring endpoint's port (none: no endpoint).
    pub endpoint_port: Option<u16>,
    /// The endpoint's `state_desc`.
    pub endpoint_state: Option<String>,
    /// The engine account holds CONNECT on the endpoint.
    pub connect_granted: Option<bool>,
}
