//! `sql_fci`: the SQL Server FCI, installed on the first owner (`sql.I`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind};

/// The kind.
pub struct SqlFci;

/// Verify: the FCI's group is Online.
pub const CHECK_ONLINE: &str = "sql-fci-online";
/// Verify: SQL Server Agent runs on the owner.
pub const CHECK_AGENT_RUNNING: &str = "sql-agent-running";

impl Kind for SqlFci {
    const KIND: ResourceKind = ResourceKind::SqlFci;
    const CHECKS: &'static [&'static str] = &[CHECK_ONLINE, CHECK_AGENT_RUNNING];
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile {
        template: "ini/install_failover_cluster.ini",
        file: "ConfigurationFile.ini",
        step: "setup-ini",
    }];
    type Params = Params;
    type Desired = Desired;
    type Observed = SqlFciObserved;

    fn exists(o: &SqlFciObserved) -> bool {
        o.installed
    }

    fn manual_path(key: &str) -> Option<String> {
        Some(match key {
            "network_name" | "instance" => format!(
                "renaming an FCI needs a reinstall: {key} cannot change in place. Move the BizTalk \
                 databases off it (biztalk-ha.md §5.5), remove the FCI from every node \
                 (setup /ACTION=RemoveNode), then apply to install it under the new name"
            ),
            _ => format!(
                "{key} of an installed FCI is fixed at setup: reinstall the FCI (setup \
                 /ACTION=RemoveNode on every node, then apply) or change the inventory back"
            ),
        })
    }

    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        setup_extras(p, env)
    }
}

/// What the setup templates (InstallFailoverCluster and AddNode) derive from the params.
pub(super) fn setup_extras(p: &Params, env: &ExtrasEnv) -> Value {
    // No spaces anywhere in the spec: setup splits several addresses on spaces.
    let ip_spec = format!("IPv4;{};{};{}", p.ip, p.cluster_network, p.mask);
    let setup = format!("{}\\setup.exe", p.setup_media.trim_end_matches('\\'));
    let default = p.instance.eq_ignore_ascii_case("MSSQLSERVER");
    let server = if default {
        p.network_name.clone()
    } else {
        format!("{}\\{}", p.network_name, p.instance)
    };
    let service = if default {
        "MSSQLSERVER".to_string()
    } else {
        format!("MSSQL${}", p.instance)
    };
    // The system databases go to the root of the data disk (a shared disk).
    let install_data_dir = match p.data_dir.as_bytes() {
        [l, b':', b'\\', ..] if l.is_ascii_alphabetic() => format!("{}:\\", *l as char),
        _ => p.data_dir.clone(),
    };
    let bootstrap = match p.version.as_str() {
        "2014" => "120",
        "2016" => "130",
        "2017" => "140",
        "2019" => "150",
        "2022" => "160",
        _ => "170",
    };
    json!({
        "ip_spec": ip_spec,
        "setup_exe": setup,
        "node": env.host,
        "server": server,
        "service": service,
        "install_data_dir": install_data_dir,
        "bootstrap": bootstrap,
        "engine_password": env.has_secret("engine_password"),
        "agent_password": env.has_secret("agent_password"),
    })
}

/// Inputs of setup (InstallFailoverCluster here, AddNode for `sql_fci_node`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Folder holding `setup.exe`.
    pub setup_media: String,
    /// Instance name (`MSSQLSERVER` for a default instance).
    pub instance: String,
    /// Virtual network name.
    pub network_name: String,
    /// IP address.
    pub ip: String,
    /// The cluster network of the address.
    pub cluster_network: String,
    /// Its mask.
    pub mask: String,
    /// The cluster group setup creates, `SQL Server (INSTANCE)`.
    pub group: String,
    /// Cluster disk resources of the instance (sorted).
    pub disks: Vec<String>,
    /// Windows accounts and groups made sysadmin.
    pub sysadmins: Vec<String>,
    /// Number of tempdb data files.
    pub tempdb_files: u32,
    /// Static TCP port.
    pub port: u16,
    /// Engine service account.
    pub engine_account: String,
    /// Agent service account.
    pub agent_account: String,
    /// The engine account is a gMSA (no password).
    pub engine_gmsa: bool,
    /// The agent account is a gMSA (no password).
    pub agent_gmsa: bool,
    /// Default data directory.
    pub data_dir: String,
    /// Default log directory.
    pub log_dir: String,
    /// tempdb directory.
    pub tempdb_dir: String,
    /// Backup directory.
    pub backup_dir: String,
    /// Major version as a year.
    pub version: String,
    /// Edition.
    pub edition: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Installed.
    pub installed: bool,
    /// Instance name (immutable).
    pub instance: String,
    /// Virtual network name (immutable).
    pub network_name: String,
    /// IP address.
    pub ip: String,
    /// Major version (immutable).
    pub version: String,
    /// Edition (immutable).
    pub edition: String,
    /// Default data directory (immutable).
    pub data_dir: String,
    /// Default log directory (immutable).
    pub log_dir: String,
    /// tempdb directory.
    pub tempdb_dir: String,
    /// Backup directory.
    pub backup_dir: String,
    /// Engine service account.
    pub engine_account: String,
    /// Agent service account.
    pub agent_account: String,
    /// Cluster disk resources in the group (sorted).
    pub disks: Vec<String>,
    /// `Online`.
    pub state: String,
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
