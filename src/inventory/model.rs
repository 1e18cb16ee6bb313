//! The inventory model, version 1: the serde types of an inventory file.
//!
//! Every struct denies unknown fields, so a typo is an error with its line and column. Every
//! name, reference and value a validation rule may point at is a [`Spanned`]. The model holds
//! no logic beyond small lookups: rules live in `validate`, derived facts in `topology`.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::secret::SecretRef;
use super::spanned::Spanned;

/// A spanned string: a name, a reference, an address or a path.
pub type SpStr = Spanned<String>;

/// The whole inventory of one BizTalk environment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Inventory format version; only `1` exists.
    pub version: Spanned<u32>,
    /// Name of the environment (used for the lock and the state directory).
    pub environment: SpStr,
    /// `test` marks a disposable environment that `bisrc destroy` may tear down when asked;
    /// `production` (the default) is destroyed only with its name typed back.
    #[serde(default, skip_serializing_if = "EnvironmentKind::is_production")]
    pub environment_kind: EnvironmentKind,
    /// The BizTalk group served by this database tier.
    pub biztalk: Biztalk,
    /// The Active Directory domain of every node.
    pub domain: Domain,
    /// How bisrc reaches the nodes.
    pub connection: Connection,
    /// Sites: the primary and, for disaster recovery, others.
    pub sites: Vec<Site>,
    /// The BizTalk databases and the instance (FCI network name) each lives on.
    pub databases: Vec<Database>,
    /// The Backup BizTalk Server job and log shipping.
    pub backup: Backup,
    /// A directory of templates that replace the embedded ones of the same name (relative to
    /// the inventory file). `--templates` on the command line takes precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub templates: Option<SpStr>,
}

/// The BizTalk Server group.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Biztalk {
    /// BizTalk Server version: `"2016"` or `"2020"`.
    pub version: SpStr,
    /// The domain groups BizTalk configuration uses, in `NETBIOS\name` form.
    pub groups: BiztalkGroups,
    /// Enterprise Single Sign-On: what the group configuration needs to create the SSO system
    /// (the ENTSSO service account and the master secret backup). Without it the group
    /// configuration joins an existing SSO system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<BiztalkSso>,
    /// The Rule Engine Update Service account, needed with a `rule_engine` database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_engine_account: Option<ServiceAccount>,
}

/// Creating the Enterprise Single Sign-On system with the BizTalk group configuration.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BiztalkSso {
    /// The ENTSSO service account (`NETBIOS\name`, a member of the SSO Administrators group)
    /// and its password reference.
    pub service_account: ServiceAccount,
    /// Where the master secret backup file goes on the BizTalk server, a drive path such as
    /// `C:\BizTalk\SSO\secret.bak`. Copy it off the server: losing it and its password loses
    /// everything SSO has encrypted.
    pub backup_file: SpStr,
    /// The password protecting the master secret backup file.
    pub backup_password: Spanned<SecretRef>,
    /// A reminder phrase for the backup password, stored with the backup (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_reminder: Option<SpStr>,
    /// SSO Affiliate Administrators group; default `NETBIOS\SSO Affiliate Administrators`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliate_administrators: Option<SpStr>,
    /// The copy of the master secret backup file a DR promotion restores on the DR site's SSO
    /// server, as that server reads it (a UNC path, or a drive path on it). The operator keeps
    /// it there; `bisrc dr promote` refuses without it (BZ255).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dr_backup_file: Option<SpStr>,
}

/// The Windows groups of a BizTalk group (all domain groups).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BiztalkGroups {
    /// BizTalk Server Administrators.
    pub administrators: SpStr,
    /// BizTalk Server Operators.
    pub operators: SpStr,
    /// SSO Administrators.
    pub sso_administrators: SpStr,
    /// BizTalk Application Users and Isolated Host Users groups.
    #[serde(default)]
    pub host_users: Vec<SpStr>,
    /// BizTalk Server B2B Operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b2b_operators: Option<SpStr>,
}

/// The Active Directory domain.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// NetBIOS name, e.g. `CONTOSO`.
    pub netbios: SpStr,
    /// DNS name, e.g. `contoso.local`.
    pub fqdn: SpStr,
}

/// How commands reach the nodes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// `ssh` for real Windows nodes, `simulated` for the built-in node simulator.
    pub transport: Spanned<TransportKind>,
    /// The account bisrc logs on as, e.g. `CONTOSO\svc-bisrc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<SpStr>,
    /// SSH port (default 22); a node's own `port` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<u16>>,
    /// Private key file; `~` expands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<SpStr>,
    /// Passphrase of `identity_file` when the key is encrypted (a secret reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_passphrase: Option<Spanned<SecretRef>>,
    /// Password for password logon (carries network credentials, see the double-hop note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Spanned<SecretRef>>,
    /// Use the SSH agent (`SSH_AUTH_SOCK`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Spanned<bool>>,
    /// Order in which authentication methods are tried (default: the order the keys
    /// `identity_file`, `agent`, `password` are given in; in practice key, agent, password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_order: Option<Vec<Spanned<AuthMethod>>>,
    /// known_hosts file; `~` expands (default `~/.ssh/known_hosts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<SpStr>,
    /// TCP connect timeout in seconds (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_s: Option<Spanned<u64>>,
    /// Deadline for one remote command in seconds (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_timeout_s: Option<Spanned<u64>>,
    /// Seconds between SSH keepalives (default 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_s: Option<Spanned<u64>>,
}

/// Whether an environment is disposable (`environment_kind`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentKind {
    /// A disposable environment (a CI or lab cluster): `bisrc destroy` tears it down after the
    /// usual confirmation.
    Test,
    /// Everything else: `bisrc destroy` refuses it unless the environment's name is typed back.
    #[default]
    Production,
}

impl EnvironmentKind {
    /// Whether this is the default, `production`.
    pub fn is_production(&self) -> bool {
        *self == EnvironmentKind::Production
    }

    /// `test` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentKind::Test => "test",
            EnvironmentKind::Production => "production",
        }
    }
}

/// The transport used to reach nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// OpenSSH to Windows nodes, PowerShell as the command interpreter.
    Ssh,
    /// bisrc's built-in node simulator; state in `.bisrc/` beside the inventory.
    Simulated,
}

/// An SSH authentication method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// `identity_file`.
    Key,
    /// The SSH agent.
    Agent,
    /// `password`.
    Password,
}

/// A site: a data centre holding one or more clusters.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Site name, e.g. `primary` or `dr`.
    pub name: SpStr,
    /// IP networks of the site and their cluster role.
    #[serde(default)]
    pub networks: Vec<Network>,
    /// SQL Server cluster nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// BizTalk application servers (MSDTC settings, BizTalk group configuration).
    #[serde(default)]
    pub biztalk_servers: Vec<BiztalkServer>,
    /// Shared disks presented to the site's cluster nodes.
    #[serde(default)]
    pub storage: Vec<Disk>,
    /// Windows Server Failover Clusters.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
}

/// An IP network.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Cluster network name to set, e.g. `Public`.
    pub name: SpStr,
    /// IPv4 subnet in CIDR form, e.g. `10.10.0.0/24`.
    pub subnet: SpStr,
    /// What the cluster may use the network for.
    pub role: Spanned<NetworkRole>,
}

/// The cluster role of a network (`Get-ClusterNetwork` `Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    /// Cluster and client traffic (role 3).
    ClusterAndClient,
    /// Cluster traffic only, e.g. heartbeat (role 1).
    ClusterOnly,
    /// Not used by the cluster (role 0).
    None,
}

/// A SQL Server cluster node.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Computer (NetBIOS) name.
    pub name: SpStr,
    /// Address SSH connects to (DNS name or IP).
    pub address: SpStr,
    /// The node's IPv4 addresses, one per network.
    #[serde(default)]
    pub ips: Vec<SpStr>,
    /// SSH port, overriding `connection.port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<u16>>,
    /// Physical memory of the node in MB (optional). When given, validation checks that the
    /// SQL instances that can land on the node fit in it together (BZ121, BZ122).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<Spanned<u64>>,
}

/// A BizTalk application server.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BiztalkServer {
    /// Computer (NetBIOS) name.
    pub name: SpStr,
    /// Address SSH connects to.
    pub address: SpStr,
    /// SSH port, overriding `connection.port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<u16>>,
}

/// A shared disk (LUN) presented to every node of the site's cluster.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disk {
    /// Cluster disk resource name to set, e.g. `SQLData`.
    pub name: SpStr,
    /// Disk number every node shows for this LUN (`Get-Disk`).
    pub disk: Spanned<u32>,
    /// Drive letter once formatted, e.g. `S`.
    pub letter: SpStr,
    /// Size in GB (checked against the presented disk).
    pub size_gb: Spanned<u64>,
    /// NTFS allocation unit in KB (64 recommended for data and log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_unit_kb: Option<Spanned<u32>>,
}

/// A Windows Server Failover Cluster.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Cluster name object (CNO), at most 15 characters.
    pub name: SpStr,
    /// Static IPv4 address of the cluster name.
    pub ip: SpStr,
    /// Member nodes, in preference order.
    pub nodes: Vec<SpStr>,
    /// Quorum witness.
    pub quorum: Quorum,
    /// Clustered MSDTC role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtc: Option<ClusteredDtc>,
    /// Clustered Enterprise SSO master secret server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_master_secret: Option<SsoMasterSecret>,
    /// SQL Server failover cluster instances.
    #[serde(default)]
    pub sql_instances: Vec<SqlInstance>,
    /// Always On availability groups whose replicas are standalone SQL instances on the
    /// cluster's nodes (an alternative to, or beside, FCIs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub availability_groups: Vec<AvailabilityGroup>,
}

/// The quorum witness of a cluster.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quorum {
    /// Witness kind.
    pub witness: Spanned<WitnessKind>,
    /// Storage name of the witness disk (`witness: disk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<SpStr>,
    /// UNC path of the file share witness (`witness: file_share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<SpStr>,
    /// Azure storage account name (`witness: cloud`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<SpStr>,
    /// Azure storage access key (`witness: cloud`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<Spanned<SecretRef>>,
}

/// Kinds of quorum witness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WitnessKind {
    /// A shared disk (node and disk majority).
    Disk,
    /// An SMB file share.
    FileShare,
    /// An Azure storage account.
    Cloud,
    /// No witness (only sensible with three or more nodes).
    None,
}

/// The clustered MSDTC role.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusteredDtc {
    /// Network name of the DTC role, at most 15 characters.
    pub name: SpStr,
    /// Static IPv4 address.
    pub ip: SpStr,
    /// Storage name of the DTC log disk.
    pub disk: SpStr,
    /// MSDTC authentication level (default `mutual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Spanned<DtcAuthentication>>,
    /// Nodes preferred to own the role, in order (default: the cluster's node order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_owners: Option<Vec<SpStr>>,
    /// Failback policy: `true` lets the role move back to its first preferred owner when that
    /// node returns (`AutoFailbackType` 1). Default `false`, Windows' own default
    /// (`ClusterGroupPreventFailback`): a failback is a second outage at a moment nobody chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_failback: Option<Spanned<bool>>,
}

/// MSDTC authentication level (`Set-DtcNetworkSetting -AuthenticationLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DtcAuthentication {
    /// Mutual authentication required.
    Mutual,
    /// Incoming caller authentication required.
    Incoming,
    /// No authentication required.
    NoAuth,
}

/// The clustered Enterprise SSO master secret server (a generic service role for ENTSSO).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoMasterSecret {
    /// Network name of the SSO role, at most 15 characters.
    pub name: SpStr,
    /// Static IPv4 address.
    pub ip: SpStr,
    /// Storage name of a disk for the role (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<SpStr>,
    /// Nodes preferred to own the role, in order (default: every node, the one the master
    /// MessageBox's instance prefers last, so the secret server keeps off the busiest node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_owners: Option<Vec<SpStr>>,
    /// Failback policy: `true` lets the role move back to its first preferred owner when that
    /// node returns (`AutoFailbackType` 1). Default `false`, Windows' own default
    /// (`ClusterGroupPreventFailback`): a failback is a second outage at a moment nobody chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_failback: Option<Spanned<bool>>,
}

/// A SQL Server failover cluster instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlInstance {
    /// Virtual network name of the FCI (`FAILOVERCLUSTERNETWORKNAME`), at most 15 characters.
    pub name: SpStr,
    /// SQL instance name (`MSSQLSERVER` for a default instance).
    pub instance: SpStr,
    /// Static IPv4 address of the FCI.
    pub ip: SpStr,
    /// SQL Server version: `"2014"`, `"2016"`, `"2017"`, `"2019"` or `"2022"`.
    pub version: SpStr,
    /// Edition: `Enterprise`, `Standard` or `Developer`.
    pub edition: Spanned<SqlEdition>,
    /// Nodes allowed to own the role, in preference order (default: the cluster's node order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_owners: Option<Vec<SpStr>>,
    /// Failback policy: `true` lets the role move back to its first preferred owner when that
    /// node returns (`AutoFailbackType` 1). Default `false`, Windows' own default
    /// (`ClusterGroupPreventFailback`): a failback is a second outage at a moment nobody chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_failback: Option<Spanned<bool>>,
    /// Folder or UNC path holding setup.exe.
    pub setup_media: SpStr,
    /// Storage names of the disks that belong to this instance's role.
    pub disks: Vec<SpStr>,
    /// Data, log, tempdb and backup folders.
    pub paths: SqlPaths,
    /// Service accounts of the engine and the agent.
    pub service_accounts: ServiceAccounts,
    /// Windows accounts and groups made sysadmin at setup.
    #[serde(default)]
    pub sysadmins: Vec<SpStr>,
    /// `max server memory (MB)`.
    pub max_server_memory_mb: Spanned<u64>,
    /// `min server memory (MB)` (optional). Default: equal to max on a node of its own
    /// (BizTalk's guidance); max divided by the number of instances that can land on one of
    /// its nodes when several can (active/active), so a failover does not starve the OS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_server_memory_mb: Option<Spanned<u64>>,
    /// Number of tempdb data files (at most 8).
    pub tempdb_files: Spanned<u32>,
    /// Static TCP port (default 1433).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<u16>>,
    /// Grant *Lock pages in memory* (`SeLockMemoryPrivilege`) to the engine account on every
    /// owner (default false: it takes effect at the next service start, and memory locked by
    /// SQL Server is not paged out, so `max_server_memory_mb` must leave Windows its share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_pages_in_memory: Option<Spanned<bool>>,
}

/// SQL Server editions bisrc knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum SqlEdition {
    /// Enterprise: more than two FCI nodes allowed.
    Enterprise,
    /// Standard: FCIs of at most two nodes.
    Standard,
    /// Developer: Enterprise features, not licensed for production.
    Developer,
}

/// Folders of a SQL Server instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlPaths {
    /// User database data files (`SQLUSERDBDIR`).
    pub data: SpStr,
    /// User database log files (`SQLUSERDBLOGDIR`).
    pub log: SpStr,
    /// tempdb files (`SQLTEMPDBDIR`).
    pub tempdb: SpStr,
    /// Backups (`SQLBACKUPDIR`).
    pub backup: SpStr,
}

/// Service accounts of a SQL Server instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccounts {
    /// SQL Server engine.
    pub engine: ServiceAccount,
    /// SQL Server Agent.
    pub agent: ServiceAccount,
}

/// A Windows service account. Names ending in `$` are group managed service accounts.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccount {
    /// `NETBIOS\name`.
    pub user: SpStr,
    /// Password reference; none for a gMSA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Spanned<SecretRef>>,
}

impl ServiceAccount {
    /// Whether this is a group managed service account (no password).
    pub fn is_gmsa(&self) -> bool {
        self.user.ends_with('$')
    }
}

/// An Always On availability group for BizTalk databases (biztalk-ha.md §4). BizTalk reaches
/// it through its listener: a database belongs to the group whose listener name is the
/// database's `instance`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityGroup {
    /// Availability group name (also the name of its cluster role).
    pub name: SpStr,
    /// SQL Server version of every replica: `"2016"`, `"2017"`, `"2019"` or `"2022"`.
    pub version: SpStr,
    /// Edition of every replica (Standard makes a Basic availability group).
    pub edition: Spanned<SqlEdition>,
    /// SQL instance name on each replica node (default `MSSQLSERVER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<SpStr>,
    /// The engine service account of the replicas: it is granted CONNECT on every replica's
    /// database mirroring endpoint.
    pub service_account: ServiceAccount,
    /// TCP port of the database mirroring endpoint on each replica (default 5022).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_port: Option<Spanned<u16>>,
    /// Distributed transaction support: only `per_db` is supported for BizTalk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtc_support: Option<Spanned<DtcSupport>>,
    /// How secondaries get the databases: `automatic` seeding or `manual` backup and restore
    /// (default `automatic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeding: Option<Spanned<Seeding>>,
    /// The server option `in-doubt xact resolution` on every replica: how recovery treats a
    /// distributed transaction MSDTC cannot resolve after a failover (biztalk-ha.md §4.2: set
    /// it deliberately; Microsoft's walkthrough presumes commit). Unset: bisrc leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_doubt_xact_resolution: Option<Spanned<InDoubtResolution>>,
    /// Replicas, the initial primary first.
    pub replicas: Vec<AgReplica>,
    /// The listener: the server name BizTalk uses for the group's databases.
    pub listener: AgListener,
}

impl AvailabilityGroup {
    /// The SQL instance name on each replica.
    pub fn instance_name(&self) -> &str {
        self.instance.as_ref().map_or("MSSQLSERVER", |i| i.as_str())
    }

    /// The database mirroring endpoint's port.
    pub fn endpoint_port(&self) -> u16 {
        self.endpoint_port.as_ref().map_or(5022, |p| p.value)
    }

    /// How secondaries are seeded.
    pub fn seeding(&self) -> Seeding {
        self.seeding
            .as_ref()
            .map_or(Seeding::Automatic, |s| s.value)
    }
}

/// The `in-doubt xact resolution` server option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InDoubtResolution {
    /// 0: no presumption; recovery fails while MSDTC cannot resolve a transaction.
    NoPresumption,
    /// 1: unresolved transactions are presumed committed.
    PresumeCommit,
    /// 2: unresolved transactions are presumed aborted.
    PresumeAbort,
}

impl InDoubtResolution {
    /// The option's value for `sp_configure`.
    pub fn value(self) -> u32 {
        match self {
            InDoubtResolution::NoPresumption => 0,
            InDoubtResolution::PresumeCommit => 1,
            InDoubtResolution::PresumeAbort => 2,
        }
    }
}

/// `DTC_SUPPORT` of an availability group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DtcSupport {
    /// `DTC_SUPPORT = PER_DB`: what BizTalk requires.
    PerDb,
    /// `DTC_SUPPORT = NONE`: distributed transactions are not protected.
    None,
}

/// `SEEDING_MODE` of the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Seeding {
    /// `SEEDING_MODE = AUTOMATIC`: SQL Server streams the databases to the secondaries.
    Automatic,
    /// `SEEDING_MODE = MANUAL`: bisrc restores a full and a log backup on each secondary.
    Manual,
}

/// One replica of an availability group.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgReplica {
    /// The cluster node holding the replica's SQL instance.
    pub node: SpStr,
    /// Availability mode (BizTalk supports `synchronous` only).
    pub commit: Spanned<CommitMode>,
    /// Failover mode.
    pub failover: Spanned<FailoverMode>,
}

/// `AVAILABILITY_MODE` of a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// `SYNCHRONOUS_COMMIT`.
    Synchronous,
    /// `ASYNCHRONOUS_COMMIT` (not supported for BizTalk).
    Asynchronous,
}

/// `FAILOVER_MODE` of a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailoverMode {
    /// `AUTOMATIC`.
    Automatic,
    /// `MANUAL`.
    Manual,
}

/// The listener of an availability group.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgListener {
    /// Network name, at most 15 characters; the `instance` of the group's databases.
    pub name: SpStr,
    /// Static IPv4 addresses, one per subnet.
    pub ips: Vec<SpStr>,
    /// TCP port (default 1433).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<u16>>,
}

impl AgListener {
    /// The listener's TCP port.
    pub fn tcp_port(&self) -> u16 {
        self.port.as_ref().map_or(1433, |p| p.value)
    }
}

/// A BizTalk database.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Database name.
    pub name: SpStr,
    /// What the database is for.
    pub role: Spanned<DatabaseRole>,
    /// Network name of the SQL instance (FCI) hosting it, or the listener name of the
    /// availability group holding it.
    pub instance: SpStr,
    /// MessageBox only: `false` turns off new message publication (a routing-only master).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishing: Option<Spanned<bool>>,
}

/// The role of a BizTalk database.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseRole {
    /// BizTalkMgmtDb.
    Management,
    /// BizTalkMsgBoxDb (the first listed is the master).
    Messagebox,
    /// BizTalkDTADb.
    Tracking,
    /// SSODB.
    Sso,
    /// BizTalkRuleEngineDb.
    RuleEngine,
    /// BAMPrimaryImport.
    BamPrimaryImport,
    /// BAMArchive.
    BamArchive,
    /// BAMStarSchema.
    BamStarSchema,
    /// BAMAnalysis (SSAS).
    BamAnalysis,
    /// BAMAlertsApplication.
    BamAlertsApplication,
    /// BAMAlertsNSMain.
    BamAlertsInstance,
    /// BizTalkAnalysisDb (SSAS).
    TrackingAnalysis,
}

impl DatabaseRole {
    /// The role's name as written in the inventory.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseRole::Management => "management",
            DatabaseRole::Messagebox => "messagebox",
            DatabaseRole::Tracking => "tracking",
            DatabaseRole::Sso => "sso",
            DatabaseRole::RuleEngine => "rule_engine",
            DatabaseRole::BamPrimaryImport => "bam_primary_import",
            DatabaseRole::BamArchive => "bam_archive",
            DatabaseRole::BamStarSchema => "bam_star_schema",
            DatabaseRole::BamAnalysis => "bam_analysis",
            DatabaseRole::BamAlertsApplication => "bam_alerts_application",
            DatabaseRole::BamAlertsInstance => "bam_alerts_instance",
            DatabaseRole::TrackingAnalysis => "tracking_analysis",
        }
    }

    /// Whether the database is an Analysis Services database (not a SQL Server database).
    pub fn is_analysis_services(self) -> bool {
        matches!(
            self,
            DatabaseRole::BamAnalysis | DatabaseRole::TrackingAnalysis
        )
    }
}

/// The Backup BizTalk Server job and disaster recovery.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Backup folder: a UNC path or a local drive path.
    pub destination: SpStr,
    /// How often a full backup is taken.
    pub frequency: Spanned<BackupFrequency>,
    /// Hour of the day (0-23) for the full backup (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_hour: Option<Spanned<u32>>,
    /// Use local time rather than UTC for the schedule (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_local_time: Option<Spanned<bool>>,
    /// Log mark name prefix (`BTS` by default).
    pub mark_name: SpStr,
    /// Days of backups to keep (purge job).
    pub days_to_keep: Spanned<u32>,
    /// Compress backups (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Spanned<bool>>,
    /// Log shipping of the BizTalk databases from a source instance to a DR instance.
    #[serde(default)]
    pub log_shipping: Vec<LogShipping>,
    /// What the estate relies on to back up the BizTalk databases: `backup_biztalk_server`
    /// (the Backup BizTalk Server job, the only supported method; the default) or `vss`
    /// (Volume Shadow Copy snapshots, not supported for BizTalk: validation warns). bisrc
    /// configures the Backup BizTalk Server job either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Spanned<BackupMethod>>,
}

/// How the BizTalk databases are backed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupMethod {
    /// The Backup BizTalk Server job (marked, consistent backups of every BizTalk database).
    BackupBiztalkServer,
    /// Volume Shadow Copy Service snapshots of the database volumes.
    Vss,
}

/// Frequency of the full backup (the job's `d/h/w/m/y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupFrequency {
    /// `d`
    Daily,
    /// `h`
    Hourly,
    /// `w`
    Weekly,
    /// `m`
    Monthly,
    /// `y`
    Yearly,
}

impl BackupFrequency {
    /// The letter the Backup BizTalk Server job's `sp_BackupAllFull_Schedule` takes.
    pub fn job_letter(self) -> &'static str {
        match self {
            BackupFrequency::Daily => "d",
            BackupFrequency::Hourly => "h",
            BackupFrequency::Weekly => "w",
            BackupFrequency::Monthly => "m",
            BackupFrequency::Yearly => "y",
        }
    }
}

/// One log-shipping pair.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogShipping {
    /// Network name of the source instance.
    pub source: SpStr,
    /// Network name of the destination (DR) instance.
    pub destination: SpStr,
}

/// Expands a leading `~` to the home directory.
pub fn expand_path(p: &str) -> PathBuf {
    super::expand_tilde(std::path::Path::new(p))
}
