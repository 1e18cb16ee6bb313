//! `ag_replica`: a node's standalone SQL Server instance made ready to hold an availability
//! replica (`ag.AG.replica.NODE`): the Always On feature (`HADR`) enabled, which takes a
//! service restart, and the database mirroring endpoint started with CONNECT granted to the
//! replicas' engine account; and the server option `in-doubt xact resolution` when the
//! inventory sets it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind};

/// The kind.
pub struct AgReplica;

/// Verify: Always On availability groups are enabled on the instance.
pub const CHECK_HADR: &str = "ag-hadr-enabled";
/// Verify: the database mirroring endpoint listens on its port, started, with CONNECT granted.
pub const CHECK_ENDPOINT: &str = "ag-endpoint-started";
/// Verify: `in-doubt xact resolution` as the inventory sets it (only when it does).
pub const CHECK_IN_DOUBT: &str = "ag-in-doubt-resolution";

/// The endpoint's name (the one SQL Server's wizard gives it).
pub const ENDPOINT_NAME: &str = "Hadr_endpoint";

impl Kind for AgReplica {
    const KIND: ResourceKind = ResourceKind::AgReplica;
    const CHECKS: &'static [&'static str] = &[CHECK_HADR, CHECK_ENDPOINT, CHECK_IN_DOUBT];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_replica_probe.sql", "ag_replica_probe.sql"),
        ExtraFile::tsql("sql/ag_replica.sql", "ag_replica.sql"),
        ExtraFile::tsql("sql/ag_replica_drop.sql", "ag_replica_drop.sql"),
        ExtraFile::tsql("sql/ag_replica_in_doubt.sql", "ag_replica_in_doubt.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgReplicaObserved;

    fn exists(o: &AgReplicaObserved) -> bool {
        o.hadr_enabled == Some(true)
    }

    /// `in_doubt_managed`: the inventory sets `in-doubt xact resolution` (0 is a value too).
    fn extras(_: &Params, d: &Desired, _: &ExtrasEnv) -> Value {
        json!({ "in_doubt_managed": d.in_doubt_xact_resolution.is_some() })
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
    /// `in-doubt xact resolution` (0, 1 presume commit, 2 presume abort); absent: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_doubt_xact_resolution: Option<u32>,
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
    /// `in-doubt xact resolution`, in use.
    pub in_doubt_xact_resolution: Option<u32>,
}
