//! The simulated world: the serde model of everything the steps touch (hosts and their
//! features, MSDTC and firewall; shared disks; clusters with members, networks, groups and
//! witness; SQL Server instances with settings, logins, databases and jobs; log shipping;
//! injected faults), how a fresh one is built from an inventory, and how it is kept on disk.
//!
//! State lives in one JSON file, `DIR/world.json`. Every read-modify-write holds an exclusive
//! `fs2` lock on `DIR/world.lock`, and every write goes to a temporary file renamed over the
//! old one, so concurrent sim-node processes never lose an update or read a half-written file.
//! This module holds no step logic and never prints. It never stores a secret value.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use fs2::FileExt;
use serde::{Deserialize, Serialize};

use crate::inventory::Inventory;

/// Format version of `world.json`.
pub const WORLD_VERSION: u32 = 1;

/// The whole simulated environment (every site of the inventory).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// [`WORLD_VERSION`].
    pub version: u32,
    /// Every host (SQL node or BizTalk server), by upper-case name.
    pub hosts: BTreeMap<String, HostState>,
    /// Shared disks, by `SITE/NUMBER` (see [`disk_key`]).
    pub disks: BTreeMap<String, DiskState>,
    /// Cluster validation reports, by upper-case cluster name.
    pub validations: BTreeMap<String, ValidationState>,
    /// Clusters that exist, by upper-case cluster name.
    pub clusters: BTreeMap<String, ClusterState>,
    /// Installed SQL Server FCIs, by upper-case network name.
    pub instances: BTreeMap<String, InstanceState>,
    /// Injected step faults.
    pub faults: StepFaults,
    /// Simulated time, seconds: moves only when something takes time (an FCI failover; see
    /// `sim/biztalk_runtime.rs`).
    #[serde(default)]
    pub clock_s: u64,
    /// Standalone SQL Server instances holding availability replicas, by `NODE\INSTANCE`
    /// upper case (`sim/ag.rs`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub standalone: BTreeMap<String, super::ag::StandaloneSql>,
    /// Availability groups, by upper-case name (`sim/ag.rs`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ags: BTreeMap<String, super::ag::AgState>,
    /// Logins, rights, `sp_configure`, linked servers, the backup share (`sim/sql_side.rs`).
    #[serde(default)]
    pub sql_side: super::sql_side::SqlSide,
    /// What Windows checks that the steps never change (rights, AD, language; `sim/env.rs`):
    /// healthy by default.
    #[serde(default, skip_serializing_if = "super::env::Env::is_healthy")]
    pub env: super::env::Env,
    /// The rights log shipping needs: `BTS_BACKUP_USERS`, the backup share
    /// (`sim/backup_rights.rs`).
    #[serde(
        default,
        skip_serializing_if = "super::backup_rights::DrRights::is_empty"
    )]
    pub dr_rights: super::backup_rights::DrRights,
}

/// One Windows server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostState {
    /// Computer name as the inventory spells it.
    pub name: String,
    /// Site.
    pub site: String,
    /// A SQL cluster node (else a BizTalk server).
    pub sql_node: bool,
    /// Powered on and reachable (`node-down` clears it).
    pub up: bool,
    /// Installed Windows features.
    pub features: BTreeSet<String>,
    /// Local MSDTC network settings.
    pub dtc: DtcSettings,
    /// Inbound allow rules by name (`New-NetFirewallRule -Name`), beside the built-in groups.
    #[serde(default)]
    pub firewall_rules: BTreeMap<String, FirewallRule>,
    /// The built-in MSDTC firewall rule group is enabled.
    pub dtc_rule_group_enabled: bool,
    /// Services stopped by a fault (`MSSQLSERVER`, `SQLSERVERAGENT`, `MSDTC`, `ClusSvc`, ...).
    pub stopped_services: BTreeSet<String>,
    /// Files bisrc's stand-alone scripts keep on the node (the environment lock), by path.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The BizTalk runtime, where BizTalk configuration ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biztalk: Option<super::biztalk_runtime::RuntimeState>,
    /// BizTalk server: its registry and services (set by a DR promotion's re-pointing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biztalk_registry: Option<BiztalkHost>,
    /// Enterprise SSO configured on this server (BizTalk configuration's SSO feature).
    #[serde(default)]
    pub sso: Option<SsoNodeState>,
    /// User rights assignment (Local Security Policy): privilege constant → accounts holding
    /// it (`user_rights`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_rights: BTreeMap<String, BTreeSet<String>>,
}

/// A BizTalk server's registry and services as a DR promotion leaves them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BiztalkHost {
    /// `MgmtDBServer` in `HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration`.
    pub mgmt_server: String,
    /// The management server the services were last started against.
    pub services_using: Option<String>,
}

/// Enterprise SSO on one server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SsoNodeState {
    /// The SQL server (network name) of the SSO database it is configured against.
    pub server: String,
    /// The SSO database.
    pub database: String,
    /// It holds the master secret (it created the system, or restored the backup).
    pub holds_secret: bool,
}

impl HostState {
    /// Whether the service named `svc` has been stopped (case-insensitive).
    pub fn stopped(&self, svc: &str) -> bool {
        self.stopped_services
            .iter()
            .any(|s| s.eq_ignore_ascii_case(svc))
    }
}

/// One inbound allow firewall rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirewallRule {
    /// `TCP` or `UDP`.
    pub protocol: String,
    /// `-LocalPort`: a number, `RPC` or `RPCEPMap`.
    pub local_port: String,
    /// `-Service`, when the rule is for one service.
    pub service: Option<String>,
    /// Enabled.
    pub enabled: bool,
}

/// MSDTC network settings (`Get-DtcNetworkSetting`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DtcSettings {
    /// Network DTC access.
    pub network_dtc_access: bool,
    /// Inbound transactions allowed.
    pub inbound: bool,
    /// Outbound transactions allowed.
    pub outbound: bool,
    /// `Mutual`, `Incoming` or `NoAuth`.
    pub authentication: String,
    /// Allow Remote Clients.
    #[serde(default)]
    pub remote_clients: bool,
    /// Allow Remote Administration.
    #[serde(default)]
    pub remote_administration: bool,
}

impl Default for DtcSettings {
    fn default() -> Self {
        // Windows Server defaults: network access off, mutual authentication.
        DtcSettings {
            network_dtc_access: false,
            inbound: false,
            outbound: false,
            authentication: "Mutual".into(),
            remote_clients: false,
            remote_administration: false,
        }
    }
}

/// A shared LUN presented to the nodes of a site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiskState {
    /// Site.
    pub site: String,
    /// Disk number every node shows.
    pub number: u32,
    /// Size in GB.
    pub size_gb: u64,
    /// `NTFS`/`ReFS` once formatted.
    pub file_system: Option<String>,
    /// Allocation unit in KB once formatted.
    pub allocation_unit_kb: Option<u32>,
    /// Drive letter.
    pub letter: Option<String>,
    /// Cluster it was added to.
    pub cluster: Option<String>,
    /// Cluster disk resource name.
    pub resource_name: Option<String>,
    /// Resource state when clustered: `Online`, `Offline`, `Failed`.
    pub state: Option<String>,
    /// `GPT` or `MBR` once initialized (`None`: RAW; `sim/partitions.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_style: Option<String>,
    /// Its partitions, in disk order (the data partition holds the volume above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<super::partitions::Partition>,
}

/// `SITE/NUMBER`, the key of a disk in [`World::disks`].
pub fn disk_key(site: &str, number: u32) -> String {
    format!("{}/{number}", site.to_ascii_uppercase())
}

/// A cluster validation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationState {
    /// Nodes tested.
    pub nodes: Vec<String>,
    /// No test failed.
    pub passed: bool,
    /// The tests that failed (Test-Cluster's warnings), when it did not pass.
    #[serde(default)]
    pub failed: Vec<String>,
    /// Test categories that tested nothing (`Storage` when every shared disk was online in a
    /// clustered role; WB-VAL-04).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// A failover cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Cluster name.
    pub name: String,
    /// Site.
    pub site: String,
    /// Static address of the cluster name.
    pub ip: String,
    /// Member nodes, in join order.
    pub members: Vec<String>,
    /// Cluster networks.
    pub networks: Vec<NetworkState>,
    /// Groups (roles).
    pub groups: Vec<GroupState>,
    /// Quorum witness.
    pub witness: WitnessState,
}

/// A cluster network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkState {
    /// Name (`Cluster Network 1` until renamed).
    pub name: String,
    /// `10.0.0.0/24`.
    pub subnet: String,
    /// `ClusterAndClient`, `Cluster` or `None`.
    pub role: String,
}

/// The quorum witness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WitnessState {
    /// `disk`, `file_share`, `cloud` or `none`.
    pub kind: String,
    /// Disk resource name of a disk witness.
    pub disk: Option<String>,
    /// Share of a file share witness.
    pub path: Option<String>,
    /// Storage account of a cloud witness.
    pub account: Option<String>,
}

impl Default for WitnessState {
    fn default() -> Self {
        WitnessState {
            kind: "none".into(),
            disk: None,
            path: None,
            account: None,
        }
    }
}

/// What a group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// `Cluster Group`.
    #[default]
    Core,
    /// `Available Storage`.
    Storage,
    /// Clustered MSDTC.
    Dtc,
    /// Clustered SSO (generic service ENTSSO).
    Sso,
    /// SQL Server FCI.
    Sql,
    /// An Always On availability group's role (named after the group; `sim/ag.rs`).
    Ag,
    /// A role bisrc does not manage (an admin's, or left from an old inventory; fault
    /// `add-group`).
    Other,
}

/// A cluster group (role).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupState {
    /// Group name.
    pub name: String,
    /// Kind.
    pub kind: GroupKind,
    /// Current owner node.
    pub owner: String,
    /// Nodes that may own it.
    pub possible_owners: Vec<String>,
    /// Preferred owners, in order (empty: none set).
    pub preferred_owners: Vec<String>,
    /// Disk resource names in the group.
    pub disks: Vec<String>,
    /// Network name resource, for roles.
    pub network_name: Option<String>,
    /// IP address resource, for roles.
    pub ip: Option<String>,
    /// Clustered DTC network settings.
    pub dtc: Option<DtcSettings>,
    /// Generic service `UseNetworkName`.
    pub use_network_name: Option<bool>,
    /// `AutoFailbackType` 1: the group fails back to its preferred owner.
    #[serde(default)]
    pub auto_failback: bool,
    /// Taken offline on purpose.
    pub offline: bool,
}

/// A SQL Server failover cluster instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// Virtual network name.
    pub network_name: String,
    /// Instance name.
    pub instance: String,
    /// Cluster.
    pub cluster: String,
    /// Cluster group name.
    pub group: String,
    /// IP.
    pub ip: String,
    /// Version year.
    pub version: String,
    /// Edition.
    pub edition: String,
    /// Default data directory.
    pub data_dir: String,
    /// Default log directory.
    pub log_dir: String,
    /// tempdb directory.
    pub tempdb_dir: String,
    /// Backup directory.
    pub backup_dir: String,
    /// Engine account.
    pub engine_account: String,
    /// Agent account.
    pub agent_account: String,
    /// Nodes with the binaries (setup on the first, AddNode on the others).
    pub installed_nodes: Vec<String>,
    /// `max server memory (MB)`.
    pub max_server_memory_mb: u64,
    /// `min server memory (MB)`.
    pub min_server_memory_mb: u64,
    /// `max degree of parallelism`.
    pub max_degree_of_parallelism: u32,
    /// Static TCP port.
    pub tcp_port: Option<u16>,
    /// Login → fixed server roles.
    pub logins: BTreeMap<String, BTreeSet<String>>,
    /// Databases.
    pub databases: BTreeMap<String, DatabaseState>,
    /// SQL Agent jobs by name.
    pub jobs: BTreeMap<String, JobState>,
    /// BizTalk log shipping configured on this (destination) instance.
    pub log_shipping: Option<LogShippingState>,
    /// `adm_BackupHistory` of the Backup BizTalk Server job on this (source) instance: one
    /// mark per backup set, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backup_history: Vec<BackupMark>,
}

/// One marked backup set (`adm_BackupHistory` / `bts_LogShippingHistory`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupMark {
    /// Mark name (`BTS_2026_12_02_14_00_01`).
    pub name: String,
    /// Unix time the source took it.
    pub at: u64,
}

/// One database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatabaseState {
    /// BizTalk role, when BizTalk created it.
    pub role: Option<String>,
    /// `FULL`, `BULK_LOGGED`, `SIMPLE`.
    pub recovery_model: String,
    /// Auto create statistics.
    pub auto_create_statistics: bool,
    /// Auto update statistics.
    pub auto_update_statistics: bool,
    /// MessageBox: publication of new messages.
    pub publishing: Option<bool>,
    /// Management database: the group's databases (name → instance network name).
    pub biztalk_group: Option<BTreeMap<String, String>>,
    /// SSO database: the master secret server it names (`SSOX_GlobalInfo`), once an SSO
    /// system was created in it.
    #[serde(default)]
    pub sso_secret_server: Option<String>,
}

/// A SQL Agent job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobState {
    /// Enabled.
    pub enabled: bool,
    /// Unix time of the last run.
    pub last_run: Option<u64>,
    /// `Succeeded`/`Failed` of the last run.
    pub last_outcome: Option<String>,
    /// Settings of the Backup BizTalk Server job.
    pub backup: Option<BackupSettings>,
    /// On an availability replica: the database whose primary role every step tests first
    /// (`IF (sys.fn_hadr_is_primary_replica(N'db') = 1)`); none when a step is unguarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_guard: Option<String>,
    /// The database SQL Server Agent opens the job's T-SQL steps' connection in, before any
    /// of their command runs: the job's BizTalk database as BizTalk creates it, `master`
    /// once guarded on a replica (WB-AG-09). `None`: not recorded (a world written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_database: Option<String>,
}

/// Step parameters of the Backup BizTalk Server job (unset until configured).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupSettings {
    /// Destination folder.
    pub destination: Option<String>,
    /// Inventory word (`daily`, ...).
    pub frequency: Option<String>,
    /// Hour of the full backup.
    pub backup_hour: Option<u32>,
    /// Local time.
    pub use_local_time: Option<bool>,
    /// Mark name.
    pub mark_name: Option<String>,
    /// Days to keep.
    pub days_to_keep: Option<u32>,
    /// Compression.
    pub compression: Option<bool>,
    /// Unix time of the last successful full backup.
    pub last_full_backup: Option<u64>,
}

/// BizTalk log shipping on a destination instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogShippingState {
    /// Source instance network name.
    pub source: String,
    /// Databases restored.
    pub databases: Vec<String>,
    /// The restore job is enabled.
    pub restore_job_enabled: bool,
    /// Backup history copied from the source (*Get Backup History*), oldest first.
    #[serde(default)]
    pub history: Vec<BackupMark>,
    /// The newest backup set restored (*Restore Databases*).
    #[serde(default)]
    pub restored: Option<BackupMark>,
    /// The shipped databases as of the restored set, still restoring (not online).
    #[serde(default)]
    pub restoring: BTreeMap<String, DatabaseState>,
    /// The source's SQL Agent jobs, which *Restore To Mark* re-creates on the destination.
    #[serde(default)]
    pub source_jobs: BTreeMap<String, JobState>,
}

/// Injected step faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepFaults {
    /// Apply steps of matching addresses fail.
    pub fail: Vec<FailStep>,
    /// Steps of matching addresses sleep first.
    pub slow: Vec<SlowStep>,
    /// `ssodb-away SECONDS`: the next failover of the instance holding SSODB keeps it away
    /// this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssodb_away_s: Option<u64>,
}

/// `fail-step GLOB [--times N]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailStep {
    /// Glob over resource addresses.
    pub glob: String,
    /// Failures left; `None` until cleared.
    pub remaining: Option<u32>,
}

/// `slow-step GLOB SECONDS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowStep {
    /// Glob over resource addresses.
    pub glob: String,
    /// Seconds to sleep.
    pub seconds: f64,
}

impl World {
    /// The bare site the inventory describes: every server joined to the domain and up,
    /// nothing installed, shared disks presented raw; no cluster, no SQL.
    pub fn fresh(inv: &Inventory) -> World {
        let mut w = World {
            version: WORLD_VERSION,
            ..World::default()
        };
        for site in &inv.sites {
            let hosts = site
                .nodes
                .iter()
                .map(|n| (n.name.value.clone(), true))
                .chain(
                    site.biztalk_servers
                        .iter()
                        .map(|b| (b.name.value.clone(), false)),
                );
            for (name, sql_node) in hosts {
                w.hosts.insert(
                    name.to_ascii_uppercase(),
                    HostState {
                        name,
                        site: site.name.value.clone(),
                        sql_node,
                        up: true,
                        ..HostState::default()
                    },
                );
            }
            for d in &site.storage {
                w.disks.insert(
                    disk_key(&site.name, d.disk.value),
                    DiskState {
                        site: site.name.value.clone(),
                        number: d.disk.value,
                        size_gb: d.size_gb.value,
                        ..DiskState::default()
                    },
                );
            }
        }
        super::ag::fresh(&mut w, inv);
        super::sql_side::fresh(&mut w, inv);
        super::backup_rights::fresh(&mut w, inv);
        w
    }

    /// The host named `name` (case-insensitive).
    pub fn host(&self, name: &str) -> Option<&HostState> {
        self.hosts.get(&name.to_ascii_uppercase())
    }

    /// Whether the Failover-Clustering feature is installed on host `name`.
    pub fn has_clustering_feature(&self, name: &str) -> bool {
        self.host(name).is_some_and(|h| {
            h.features
                .iter()
                .any(|f| f.eq_ignore_ascii_case("Failover-Clustering"))
        }) && !self.env.host(name).pending("Failover-Clustering")
    }

    /// The host named `name`, mutable.
    pub fn host_mut(&mut self, name: &str) -> Option<&mut HostState> {
        self.hosts.get_mut(&name.to_ascii_uppercase())
    }

    /// The cluster named `name`.
    pub fn cluster(&self, name: &str) -> Option<&ClusterState> {
        self.clusters.get(&name.to_ascii_uppercase())
    }

    /// The cluster named `name`, mutable.
    pub fn cluster_mut(&mut self, name: &str) -> Option<&mut ClusterState> {
        self.clusters.get_mut(&name.to_ascii_uppercase())
    }

    /// The instance whose network name is `name` (or `VNN\INSTANCE`).
    /// An availability replica's standalone instance answers to its node's name, and an
    /// availability group's listener to its primary's instance (`sim/ag.rs`).
    pub fn instance(&self, name: &str) -> Option<&InstanceState> {
        self.instances.get(&vnn(name)).or_else(|| {
            super::ag::replica_key(self, name)
                .and_then(|k| self.standalone.get(&k))
                .map(|s| &s.sql)
        })
    }

    /// The instance, mutable.
    pub fn instance_mut(&mut self, name: &str) -> Option<&mut InstanceState> {
        if self.instances.contains_key(&vnn(name)) {
            return self.instances.get_mut(&vnn(name));
        }
        let key = super::ag::replica_key(self, name)?;
        self.standalone.get_mut(&key).map(|s| &mut s.sql)
    }

    /// The clustered disk of `cluster` whose resource name is `resource`.
    pub fn cluster_disk(&self, cluster: &str, resource: &str) -> Option<&DiskState> {
        self.disks.values().find(|d| {
            d.cluster
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(cluster))
                && d.resource_name
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(resource))
        })
    }

    /// The clustered disk, mutable.
    pub fn cluster_disk_mut(&mut self, cluster: &str, resource: &str) -> Option<&mut DiskState> {
        self.disks.values_mut().find(|d| {
            d.cluster
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(cluster))
                && d.resource_name
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(resource))
        })
    }
}

impl ClusterState {
    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&GroupState> {
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// The group named `name`, mutable.
    pub fn group_mut(&mut self, name: &str) -> Option<&mut GroupState> {
        self.groups
            .iter_mut()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    /// Whether `node` is a member.
    pub fn is_member(&self, node: &str) -> bool {
        self.members.iter().any(|m| m.eq_ignore_ascii_case(node))
    }

    /// The group holding the disk resource `disk`.
    pub fn group_of_disk(&self, disk: &str) -> Option<&GroupState> {
        self.groups
            .iter()
            .find(|g| g.disks.iter().any(|d| d.eq_ignore_ascii_case(disk)))
    }
}

/// The network-name key of a SQL server name: `VNN\INST` → `VNN`, upper case.
pub fn vnn(server: &str) -> String {
    server
        .split('\\')
        .next()
        .unwrap_or(server)
        .to_ascii_uppercase()
}

/// Why the world could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// File-system trouble.
    #[error("simulated world {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file is not a world.
    #[error("simulated world {path} is corrupt ({reason}); delete it to start from a fresh world")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorldError + '_ {
    move |source| WorldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The state file of a world directory.
pub fn world_file(dir: &Path) -> PathBuf {
    dir.join("world.json")
}

/// Holds the exclusive lock of a world directory while alive.
struct Lock(File);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.0);
    }
}

/// Takes the world directory's lock: exclusive to change the world, shared to read it
/// (readers never see a half-written file anyway: `write` renames a complete one into place).
fn lock(dir: &Path, exclusive: bool) -> Result<Lock, WorldError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join("world.lock");
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    if exclusive {
        f.lock_exclusive().map_err(io(&path))?;
    } else {
        FileExt::lock_shared(&f).map_err(io(&path))?;
    }
    Ok(Lock(f))
}

fn read(dir: &Path, inv: &Inventory) -> Result<World, WorldError> {
    let path = world_file(dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let w: World = serde_json::from_slice(&bytes).map_err(|e| WorldError::Corrupt {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            if w.version != WORLD_VERSION {
                return Err(WorldError::Corrupt {
                    path,
                    reason: format!("format version {} is not {WORLD_VERSION}", w.version),
                });
            }
            Ok(w)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(World::fresh(inv)),
        Err(e) => Err(io(&path)(e)),
    }
}

fn write(dir: &Path, w: &World) -> Result<(), WorldError> {
    let path = world_file(dir);
    let tmp = dir.join(format!(".world.json.{}.tmp", std::process::id()));
    let text = serde_json::to_vec_pretty(w).expect("world serializes");
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(&text).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(io(&path))
}

/// Reads the world (a fresh one when `dir` holds none yet) under the lock.
pub fn load(dir: &Path, inv: &Inventory) -> Result<World, WorldError> {
    let _l = lock(dir, false)?;
    read(dir, inv)
}

/// Read-modify-write under the exclusive lock. The world is saved only when `f` changed it.
pub fn update<T>(
    dir: &Path,
    inv: &Inventory,
    f: impl FnOnce(&mut World) -> T,
) -> Result<T, WorldError> {
    let _l = lock(dir, true)?;
    let mut w = read(dir, inv)?;
    let before = w.clone();
    let out = f(&mut w);
    if w != before || !world_file(dir).exists() {
        write(dir, &w)?;
    }
    Ok(out)
}
