//! `sql_config`: instance settings, memory, MAXDOP, TCP port (`sql.I.config`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct SqlConfig;

/// Verify: the instance answers through its network name.
pub const CHECK_REACHABLE: &str = "sql-reachable";
/// Verify: min and max server memory.
pub const CHECK_MEMORY: &str = "sql-memory";
/// Verify: MAXDOP (only on an instance holding a MessageBox).
pub const CHECK_MAXDOP: &str = "sql-maxdop";

impl Kind for SqlConfig {
    const KIND: ResourceKind = ResourceKind::SqlConfig;
    const CHECKS: &'static [&'static str] = &[CHECK_REACHABLE, CHECK_MEMORY, CHECK_MAXDOP];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::SqlFci);
    const EXTRA_FILES: &'static [ExtraFile] =
        &[ExtraFile::tsql("sql/sql_config.sql", "sql_config.sql")];
    type Params = Params;
    type Desired = Desired;
    type Observed = SqlConfigObserved;

    fn exists(o: &SqlConfigObserved) -> bool {
        o.reachable
    }

    /// `instance`: the instance part of the server name.
    fn extras(p: &Params, _: &Desired, _: &ExtrasEnv) -> Value {
        let instance = p.server.split_once('\\').map_or("MSSQLSERVER", |(_, i)| i);
        json!({ "instance": instance })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name (`VNN` or `VNN\INSTANCE`).
    pub server: String,
    /// The instance holds a MessageBox.
    pub hosts_messagebox: bool,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The instance answers.
    pub reachable: bool,
    /// `max server memory (MB)`.
    pub max_server_memory_mb: u64,
    /// `min server memory (MB)`.
    pub min_server_memory_mb: u64,
    /// Static TCP port.
    pub tcp_port: u16,
    /// `max degree of parallelism` (1 where a MessageBox lives; otherwise not managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_degree_of_parallelism: Option<u32>,
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
