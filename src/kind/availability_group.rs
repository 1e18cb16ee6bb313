//! `availability_group`: an Always On availability group for BizTalk databases, created on
//! its initial primary with its replicas, per-database DTC support and its listener
//! (`ag.AG`). Runs on the owner of the group's cluster role, which is the primary replica.

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, ResourceKind};

/// The kind.
pub struct AvailabilityGroup;

/// Verify: the group exists with its replicas and `DTC_SUPPORT = PER_DB`.
pub const CHECK_GROUP: &str = "ag-configured";
/// Verify: every replica is connected and its synchronization is healthy.
pub const CHECK_SYNCHRONIZED: &str = "ag-replicas-synchronized";
/// Verify: the listener has its name, addresses and port, and is online.
pub const CHECK_LISTENER: &str = "ag-listener-online";

impl Kind for AvailabilityGroup {
    const KIND: ResourceKind = ResourceKind::AvailabilityGroup;
    const CHECKS: &'static [&'static str] = &[CHECK_GROUP, CHECK_SYNCHRONIZED, CHECK_LISTENER];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql(
            "sql/availability_group_probe.sql",
            "availability_group_probe.sql",
        ),
        ExtraFile::tsql("sql/availability_group.sql", "availability_group.sql"),
        ExtraFile::tsql(
            "sql/availability_group_drop.sql",
            "availability_group_drop.sql",
        ),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AvailabilityGroupObserved;

    fn exists(o: &AvailabilityGroupObserved) -> bool {
        o.exists
    }

    fn manual_path(key: &str) -> Option<String> {
        (key == "replicas").then(|| {
            "bisrc creates a group with its replicas but does not add or remove replicas of an \
             existing group: run ALTER AVAILABILITY GROUP … ADD REPLICA (or REMOVE REPLICA) on \
             the primary, join the new secondary, then plan again"
                .to_string()
        })
    }
}

/// One replica as `CREATE AVAILABILITY GROUP … REPLICA ON` names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaSpec {
    /// The node.
    pub node: String,
    /// Server name of the replica instance (`NODE` or `NODE\INSTANCE`).
    pub server: String,
    /// `TCP://fqdn:port` of its database mirroring endpoint.
    pub endpoint_url: String,
    /// `AVAILABILITY_MODE = SYNCHRONOUS_COMMIT` (else asynchronous).
    pub synchronous: bool,
    /// `FAILOVER_MODE = AUTOMATIC` (else manual).
    pub automatic_failover: bool,
}

/// One listener address and its subnet mask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerIp {
    /// IPv4 address.
    pub ip: String,
    /// Subnet mask of the site network holding it.
    pub mask: String,
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The cluster.
    pub cluster: String,
    /// SQL instance name on each replica.
    pub instance: String,
    /// Replicas, the initial primary first.
    pub replica_specs: Vec<ReplicaSpec>,
    /// `SEEDING_MODE = AUTOMATIC` (else manual: backup and restore).
    pub automatic_seeding: bool,
    /// Listener addresses.
    pub listener_ips: Vec<ListenerIp>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The group exists.
    pub exists: bool,
    /// Group name.
    pub name: String,
    /// `PER_DB` or `NONE`.
    pub dtc_support: String,
    /// Replica server names, sorted.
    pub replicas: Vec<String>,
    /// Listener name.
    pub listener: String,
    /// Listener port.
    pub listener_port: u16,
    /// Listener addresses, sorted.
    pub listener_addresses: Vec<String>,
}

/// What the probe reports, on the primary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityGroupObserved {
    /// The group exists.
    pub exists: bool,
    /// Group name.
    pub name: Option<String>,
    /// `PER_DB` or `NONE`.
    pub dtc_support: Option<String>,
    /// Replica server names, sorted.
    pub replicas: Vec<String>,
    /// Listener name.
    pub listener: Option<String>,
    /// Listener port.
    pub listener_port: Option<u16>,
    /// Listener addresses, sorted.
    pub listener_addresses: Vec<String>,
    /// `ONLINE` when the listener's IP resource is online.
    pub listener_state: Option<String>,
    /// Replicas not CONNECTED or not HEALTHY, with their states (`SERVER: state, health`).
    pub unhealthy_replicas: Vec<String>,
}
