//! Resource kinds and the observed state of each, as a probe reports it.
//!
//! Every kind has exactly one Rust type for its observed state. A probe script's result
//! object and the simulator's answer both deserialize into it (unknown fields are refused,
//! so neither side can drift silently), and a render test checks that each probe template
//! builds its hashtable with exactly these field names.
//!
//! Convention that keeps plan simple: the keys of a resource's *desired* attributes (built
//! by `topology`) are a subset of its observed type's fields, with the same JSON types, so a
//! diff is a key-by-key comparison. Each type also says whether the resource exists at all
//! (a missing resource plans as `create`, a differing one as `update`).
//! Enumerations are strings (PowerShell's `ConvertTo-Json` writes enums as numbers, so the
//! scripts call `.ToString()`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kinds of resource bisrc manages. The name in snake_case is what headers carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A Windows feature on a node (`node.N.feature.failover-clustering`).
    WindowsFeature,
    /// The local MSDTC network settings of a node or BizTalk server (`node.N.dtc`).
    DtcNetwork,
    /// Firewall rules for SQL, RPC and MSDTC on a node (`node.N.firewall`).
    Firewall,
    /// The cluster validation report (`cluster.C.validation`).
    ClusterValidation,
    /// The failover cluster itself (`cluster.C`).
    Cluster,
    /// A node joined to an existing cluster (`cluster.C.node.N`).
    ClusterNode,
    /// A cluster network's name and role (`cluster.C.network.NAME`).
    ClusterNetwork,
    /// A shared disk: initialized, formatted, lettered, clustered, named, online (`cluster.C.disk.D`).
    ClusterDisk,
    /// The quorum witness (`cluster.C.quorum`).
    Quorum,
    /// The clustered MSDTC role and its network settings (`cluster.C.dtc`).
    ClusteredDtc,
    /// The clustered Enterprise SSO master secret server (`cluster.C.sso`).
    SsoRole,
    /// The SQL Server FCI, installed on the first owner (`sql.I`).
    SqlFci,
    /// The FCI added to a further node (`sql.I.node.N`).
    SqlFciNode,
    /// Preferred owners of the FCI's cluster group (`sql.I.owners`).
    SqlOwners,
    /// Instance settings: memory, MAXDOP, TCP port (`sql.I.config`).
    SqlConfig,
    /// A Windows login and its server roles (`sql.I.login.NAME`).
    SqlLogin,
    /// The BizTalk group configuration that creates the databases (`biztalk.SITE.group`).
    BiztalkGroup,
    /// Settings of one BizTalk database (`db.I.NAME.settings`).
    DatabaseSettings,
    /// The Backup BizTalk Server job (`sql.I.job.backup-biztalk-server`).
    BackupJob,
    /// Another SQL Agent job's enabled state (`sql.I.job.SLUG`).
    AgentJob,
    /// BizTalk log shipping from a source to a destination instance (`logshipping.S-to-D`).
    LogShipping,
    /// The owner of a cluster group; applying it moves the group (`Move-ClusterGroup`). Not
    /// part of the built topology: `verify --failover` makes these to rehearse failovers
    /// (`failover.CLUSTER.GROUP`).
    GroupOwner,
}

impl ResourceKind {
    /// Every kind, in build order.
    pub const ALL: &'static [ResourceKind] = &[
        ResourceKind::WindowsFeature,
        ResourceKind::DtcNetwork,
        ResourceKind::Firewall,
        ResourceKind::ClusterValidation,
        ResourceKind::Cluster,
        ResourceKind::ClusterNode,
        ResourceKind::ClusterNetwork,
        ResourceKind::ClusterDisk,
        ResourceKind::Quorum,
        ResourceKind::ClusteredDtc,
        ResourceKind::SsoRole,
        ResourceKind::SqlFci,
        ResourceKind::SqlFciNode,
        ResourceKind::SqlOwners,
        ResourceKind::SqlConfig,
        ResourceKind::SqlLogin,
        ResourceKind::BiztalkGroup,
        ResourceKind::DatabaseSettings,
        ResourceKind::BackupJob,
        ResourceKind::AgentJob,
        ResourceKind::LogShipping,
        ResourceKind::GroupOwner,
    ];

    /// The snake_case name (template file names use it).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::WindowsFeature => "windows_feature",
            ResourceKind::DtcNetwork => "dtc_network",
            ResourceKind::Firewall => "firewall",
            ResourceKind::ClusterValidation => "cluster_validation",
            ResourceKind::Cluster => "cluster",
            ResourceKind::ClusterNode => "cluster_node",
            ResourceKind::ClusterNetwork => "cluster_network",
            ResourceKind::ClusterDisk => "cluster_disk",
            ResourceKind::Quorum => "quorum",
            ResourceKind::ClusteredDtc => "clustered_dtc",
            ResourceKind::SsoRole => "sso_role",
            ResourceKind::SqlFci => "sql_fci",
            ResourceKind::SqlFciNode => "sql_fci_node",
            ResourceKind::SqlOwners => "sql_owners",
            ResourceKind::SqlConfig => "sql_config",
            ResourceKind::SqlLogin => "sql_login",
            ResourceKind::BiztalkGroup => "biztalk_group",
            ResourceKind::DatabaseSettings => "database_settings",
            ResourceKind::BackupJob => "backup_job",
            ResourceKind::AgentJob => "agent_job",
            ResourceKind::LogShipping => "log_shipping",
            ResourceKind::GroupOwner => "group_owner",
        }
    }

    /// The field names of this kind's observed type, in declaration order (what a probe
    /// template's result hashtable must contain, no more, no less).
    pub fn observed_fields(self) -> Vec<String> {
        let sample = Observed::sample(self);
        match serde_json::to_value(sample) {
            Ok(serde_json::Value::Object(map)) => match map.into_iter().next() {
                Some((_, serde_json::Value::Object(fields))) => fields.keys().cloned().collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// Observed state of one resource, tagged by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// See [`WindowsFeatureObserved`].
    WindowsFeature(WindowsFeatureObserved),
    /// See [`DtcNetworkObserved`].
    DtcNetwork(DtcNetworkObserved),
    /// See [`FirewallObserved`].
    Firewall(FirewallObserved),
    /// See [`ClusterValidationObserved`].
    ClusterValidation(ClusterValidationObserved),
    /// See [`ClusterObserved`].
    Cluster(ClusterObserved),
    /// See [`ClusterNodeObserved`].
    ClusterNode(ClusterNodeObserved),
    /// See [`ClusterNetworkObserved`].
    ClusterNetwork(ClusterNetworkObserved),
    /// See [`ClusterDiskObserved`].
    ClusterDisk(ClusterDiskObserved),
    /// See [`QuorumObserved`].
    Quorum(QuorumObserved),
    /// See [`ClusteredDtcObserved`].
    ClusteredDtc(ClusteredDtcObserved),
    /// See [`SsoRoleObserved`].
    SsoRole(SsoRoleObserved),
    /// See [`SqlFciObserved`].
    SqlFci(SqlFciObserved),
    /// See [`SqlFciNodeObserved`].
    SqlFciNode(SqlFciNodeObserved),
    /// See [`SqlOwnersObserved`].
    SqlOwners(SqlOwnersObserved),
    /// See [`SqlConfigObserved`].
    SqlConfig(SqlConfigObserved),
    /// See [`SqlLoginObserved`].
    SqlLogin(SqlLoginObserved),
    /// See [`BiztalkGroupObserved`].
    BiztalkGroup(BiztalkGroupObserved),
    /// See [`DatabaseSettingsObserved`].
    DatabaseSettings(DatabaseSettingsObserved),
    /// See [`BackupJobObserved`].
    BackupJob(BackupJobObserved),
    /// See [`AgentJobObserved`].
    AgentJob(AgentJobObserved),
    /// See [`LogShippingObserved`].
    LogShipping(LogShippingObserved),
    /// See [`GroupOwnerObserved`].
    GroupOwner(GroupOwnerObserved),
}

impl Observed {
    /// Reads a probe's `observed` object as the type of `kind`.
    pub fn from_probe(kind: ResourceKind, observed: serde_json::Value) -> Result<Observed, String> {
        let tagged = serde_json::json!({ kind.as_str(): observed });
        serde_json::from_value(tagged).map_err(|e| {
            format!(
                "probe result does not match the {} state: {e}",
                kind.as_str()
            )
        })
    }

    /// Reads a probe step's whole result object (`{"observed": {...}}`) as the type of `kind`.
    pub fn from_result(kind: ResourceKind, result: &serde_json::Value) -> Result<Observed, String> {
        let observed = result
            .get("observed")
            .cloned()
            .ok_or_else(|| "the probe printed no observed state".to_string())?;
        Observed::from_probe(kind, observed)
    }

    /// The observed attributes as a flat JSON object (for diffing against desired attributes).
    pub fn attributes(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => match map.into_iter().next() {
                Some((_, serde_json::Value::Object(fields))) => fields,
                _ => serde_json::Map::new(),
            },
            _ => serde_json::Map::new(),
        }
    }

    /// Whether the resource exists at all (if not, plan says `create`).
    pub fn exists(&self) -> bool {
        match self {
            Observed::WindowsFeature(o) => o.installed,
            // The local MSDTC and the cluster's quorum configuration always exist once
            // the node (or cluster) does: only their settings can differ.
            Observed::DtcNetwork(_) | Observed::Quorum(_) => true,
            Observed::Firewall(o) => !o.open_tcp_ports.is_empty() || o.dtc_rule_group_enabled,
            Observed::ClusterValidation(o) => o.report_exists,
            Observed::Cluster(o) => o.exists,
            Observed::ClusterNode(o) => o.member,
            Observed::ClusterNetwork(o) => o.exists,
            Observed::ClusterDisk(o) => o.clustered,
            Observed::ClusteredDtc(o) => o.exists,
            Observed::SsoRole(o) => o.exists,
            Observed::SqlFci(o) => o.installed,
            Observed::SqlFciNode(o) => o.installed,
            Observed::SqlOwners(o) => !o.preferred_owners.is_empty(),
            Observed::SqlConfig(o) => o.reachable,
            Observed::SqlLogin(o) => o.exists,
            Observed::BiztalkGroup(o) => o.configured,
            Observed::DatabaseSettings(o) => o.exists,
            Observed::BackupJob(o) => o.exists,
            Observed::AgentJob(o) => o.exists,
            Observed::LogShipping(o) => o.configured,
            Observed::GroupOwner(o) => o.exists,
        }
    }

    /// A default-valued instance of `kind` (the state of a resource that does not exist).
    pub fn sample(kind: ResourceKind) -> Observed {
        match kind {
            ResourceKind::WindowsFeature => Observed::WindowsFeature(Default::default()),
            ResourceKind::DtcNetwork => Observed::DtcNetwork(Default::default()),
            ResourceKind::Firewall => Observed::Firewall(Default::default()),
            ResourceKind::ClusterValidation => Observed::ClusterValidation(Default::default()),
            ResourceKind::Cluster => Observed::Cluster(Default::default()),
            ResourceKind::ClusterNode => Observed::ClusterNode(Default::default()),
            ResourceKind::ClusterNetwork => Observed::ClusterNetwork(Default::default()),
            ResourceKind::ClusterDisk => Observed::ClusterDisk(Default::default()),
            ResourceKind::Quorum => Observed::Quorum(Default::default()),
            ResourceKind::ClusteredDtc => Observed::ClusteredDtc(Default::default()),
            ResourceKind::SsoRole => Observed::SsoRole(Default::default()),
            ResourceKind::SqlFci => Observed::SqlFci(Default::default()),
            ResourceKind::SqlFciNode => Observed::SqlFciNode(Default::default()),
            ResourceKind::SqlOwners => Observed::SqlOwners(Default::default()),
            ResourceKind::SqlConfig => Observed::SqlConfig(Default::default()),
            ResourceKind::SqlLogin => Observed::SqlLogin(Default::default()),
            ResourceKind::BiztalkGroup => Observed::BiztalkGroup(Default::default()),
            ResourceKind::DatabaseSettings => Observed::DatabaseSettings(Default::default()),
            ResourceKind::BackupJob => Observed::BackupJob(Default::default()),
            ResourceKind::AgentJob => Observed::AgentJob(Default::default()),
            ResourceKind::LogShipping => Observed::LogShipping(Default::default()),
            ResourceKind::GroupOwner => Observed::GroupOwner(Default::default()),
        }
    }
}

/// `Get-WindowsFeature -Name <feature>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsFeatureObserved {
    /// `InstallState -eq 'Installed'`.
    pub installed: bool,
}

/// `Get-DtcNetworkSetting -DtcName Local`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtcNetworkObserved {
    /// Network DTC access (`RemoteClientAccessEnabled` and remote administration off).
    pub network_dtc_access: bool,
    /// `InboundTransactionsEnabled`.
    pub inbound: bool,
    /// `OutboundTransactionsEnabled`.
    pub outbound: bool,
    /// `AuthenticationLevel`: `Mutual`, `Incoming` or `NoAuth`.
    pub authentication: String,
}

/// Firewall rules bisrc needs, as found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallObserved {
    /// Of the TCP ports the spec asks for, those an enabled inbound allow rule opens (sorted).
    pub open_tcp_ports: Vec<u16>,
    /// The built-in "Distributed Transaction Coordinator" rule group is enabled.
    pub dtc_rule_group_enabled: bool,
}

/// The latest cluster validation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterValidationObserved {
    /// A validation report for these nodes exists.
    pub report_exists: bool,
    /// The report passed (no failed test); `None` when there is no report.
    pub passed: Option<bool>,
}

/// State of one cluster node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNodeState {
    /// Node name.
    pub name: String,
    /// `Up`, `Down`, `Paused`, `Joining` or `Unknown`.
    pub state: String,
}

/// State of one cluster group (role).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterGroupState {
    /// Group name, e.g. `Cluster Group`, `SQL Server (MSSQLSERVER)`, `BTSDTC01`.
    pub name: String,
    /// `Online`, `Offline`, `Failed`, `PartialOnline`, `Pending` or `Unknown`.
    pub state: String,
    /// The node that owns it now.
    pub owner: String,
}

/// `Get-Cluster`, `Get-ClusterNode`, `Get-ClusterGroup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterObserved {
    /// A cluster with this name exists and this node is a member.
    pub exists: bool,
    /// Cluster name.
    pub name: Option<String>,
    /// The static address of the cluster name.
    pub static_address: Option<String>,
    /// Every node and its state.
    pub nodes: Vec<ClusterNodeState>,
    /// Every group, its state and owner (how the engine finds where owner-bound steps run).
    pub groups: Vec<ClusterGroupState>,
    /// Whether the cluster has quorum (the cluster service answers).
    pub has_quorum: bool,
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

/// The cluster network whose subnet matches the spec's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNetworkObserved {
    /// A cluster network with the subnet exists.
    pub exists: bool,
    /// Its name.
    pub name: Option<String>,
    /// `ClusterAndClient`, `Cluster` or `None`.
    pub role: Option<String>,
}

/// A shared disk as the cluster and the owner node see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDiskObserved {
    /// The LUN with the spec's disk number is visible.
    pub presented: bool,
    /// It is a cluster disk resource.
    pub clustered: bool,
    /// The cluster resource name.
    pub resource_name: Option<String>,
    /// Resource state: `Online`, `Offline`, `Failed`, ...
    pub state: Option<String>,
    /// `NTFS`, `ReFS`, or none when raw.
    pub file_system: Option<String>,
    /// NTFS allocation unit in KB.
    pub allocation_unit_kb: Option<u32>,
    /// Drive letter.
    pub letter: Option<String>,
    /// Size in GB.
    pub size_gb: Option<u64>,
}

/// `Get-ClusterQuorum`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumObserved {
    /// `disk`, `file_share`, `cloud` or `none`.
    pub witness: String,
    /// Cluster disk resource name of a disk witness.
    pub disk: Option<String>,
    /// Share path of a file share witness.
    pub path: Option<String>,
    /// Storage account of a cloud witness.
    pub account: Option<String>,
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
    /// Network DTC access.
    pub network_dtc_access: bool,
    /// Inbound transactions.
    pub inbound: bool,
    /// Outbound transactions.
    pub outbound: bool,
    /// Authentication level.
    pub authentication: Option<String>,
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
}

/// The SQL Server FCI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlFciObserved {
    /// The FCI exists in the cluster.
    pub installed: bool,
    /// Instance name.
    pub instance: Option<String>,
    /// Virtual network name.
    pub network_name: Option<String>,
    /// IP address.
    pub ip: Option<String>,
    /// Major version as a year: `2019`.
    pub version: Option<String>,
    /// Edition: `Enterprise`, `Standard`, `Developer`.
    pub edition: Option<String>,
    /// Default data directory.
    pub data_dir: Option<String>,
    /// Default log directory.
    pub log_dir: Option<String>,
    /// tempdb directory.
    pub tempdb_dir: Option<String>,
    /// Backup directory.
    pub backup_dir: Option<String>,
    /// Engine service account.
    pub engine_account: Option<String>,
    /// Agent service account.
    pub agent_account: Option<String>,
    /// Cluster disk resources in the SQL group (sorted).
    pub disks: Vec<String>,
    /// Group state.
    pub state: Option<String>,
}

/// Whether a node can own the FCI (SQL binaries installed by AddNode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlFciNodeObserved {
    /// The node is a possible owner with the instance installed.
    pub installed: bool,
}

/// Owners of the FCI group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlOwnersObserved {
    /// `Get-ClusterOwnerNode -Group` in order.
    pub preferred_owners: Vec<String>,
}

/// Instance-level settings, read through the virtual network name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlConfigObserved {
    /// The instance answered a query.
    pub reachable: bool,
    /// `max server memory (MB)`.
    pub max_server_memory_mb: Option<u64>,
    /// `min server memory (MB)`.
    pub min_server_memory_mb: Option<u64>,
    /// `max degree of parallelism`.
    pub max_degree_of_parallelism: Option<u32>,
    /// Static TCP port.
    pub tcp_port: Option<u16>,
}

/// A Windows login on the instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlLoginObserved {
    /// The login exists.
    pub exists: bool,
    /// Fixed server roles it is a member of (sorted).
    pub server_roles: Vec<String>,
}

/// The BizTalk group, as the management database records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiztalkGroupObserved {
    /// The group is configured (the management database exists and names its group).
    pub configured: bool,
    /// Database name → instance network name, as configured.
    pub databases: BTreeMap<String, String>,
}

/// Settings of one database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettingsObserved {
    /// The database exists.
    pub exists: bool,
    /// `FULL`, `BULK_LOGGED` or `SIMPLE`.
    pub recovery_model: Option<String>,
    /// `is_auto_create_stats_on`.
    pub auto_create_statistics: Option<bool>,
    /// `is_auto_update_stats_on`.
    pub auto_update_statistics: Option<bool>,
    /// MessageBox: new message publication enabled.
    pub publishing: Option<bool>,
}

/// The Backup BizTalk Server job and its step parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupJobObserved {
    /// The job exists.
    pub exists: bool,
    /// Enabled.
    pub enabled: Option<bool>,
    /// Backup destination folder.
    pub destination: Option<String>,
    /// `d`, `h`, `w`, `m` or `y` (as inventory words: `daily`, ...).
    pub frequency: Option<String>,
    /// Hour of the full backup.
    pub backup_hour: Option<u32>,
    /// Local time rather than UTC.
    pub use_local_time: Option<bool>,
    /// Mark name.
    pub mark_name: Option<String>,
    /// Days of backups kept.
    pub days_to_keep: Option<u32>,
    /// Backup compression.
    pub compression: Option<bool>,
}

/// Another SQL Agent job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentJobObserved {
    /// The job exists.
    pub exists: bool,
    /// Enabled.
    pub enabled: Option<bool>,
}

/// BizTalk log shipping on the destination instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogShippingObserved {
    /// `bts_ConfigureBizTalkLogShipping` has run for the source.
    pub configured: bool,
    /// Source instance.
    pub source: Option<String>,
    /// Databases being restored (sorted).
    pub databases: Vec<String>,
    /// The restore job on the destination is enabled.
    pub restore_job_enabled: Option<bool>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_lists_its_fields() {
        for &kind in ResourceKind::ALL {
            let sample = Observed::sample(kind);
            let attrs = serde_json::Value::Object(sample.attributes());
            let back = Observed::from_probe(kind, attrs).unwrap();
            assert_eq!(back, sample);
            assert!(!kind.observed_fields().is_empty(), "{kind:?}");
            assert!(
                !sample.exists() || matches!(kind, ResourceKind::DtcNetwork | ResourceKind::Quorum)
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = Observed::from_probe(
            ResourceKind::WindowsFeature,
            serde_json::json!({"installed": true, "extra": 1}),
        )
        .unwrap_err();
        assert!(err.contains("windows_feature"));
    }
}
