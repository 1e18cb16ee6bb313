//! `log_shipping`: BizTalk log shipping from a source to a destination instance
//! (`logshipping.S-to-D`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind};

/// The kind.
pub struct LogShipping;

/// Verify: log shipping is configured from the source for the desired databases.
pub const CHECK_CONFIGURED: &str = "log-shipping-configured";
/// Verify: the restore job on the destination is enabled.
pub const CHECK_RESTORE_ENABLED: &str = "log-shipping-restore-enabled";
/// Verify: a backup set has been restored; the detail reports the lag (newest mark restored,
/// its age, the newest backup set not yet restored).
pub const CHECK_LAG: &str = "log-shipping-lag";

impl Kind for LogShipping {
    const KIND: ResourceKind = ResourceKind::LogShipping;
    const CHECKS: &'static [&'static str] = &[CHECK_CONFIGURED, CHECK_RESTORE_ENABLED, CHECK_LAG];
    const EXTRA_FILES: &'static [ExtraFile] =
        &[ExtraFile::tsql("sql/log_shipping.sql", "log_shipping.sql")];
    type Params = Params;
    type Desired = Desired;
    type Observed = LogShippingObserved;

    fn exists(o: &LogShippingObserved) -> bool {
        o.configured
    }

    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        let folder = ExtrasEnv::biztalk_folder(&env.biztalk_version);
        json!({
            "description": format!("bisrc: {} from {}", env.environment, p.source_server),
            "mgmt_server": env.mgmt_server,
            "schema_folder": format!("{folder}\\Schema"),
        })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Source SQL server name.
    pub source_server: String,
    /// Destination SQL server name.
    pub destination_server: String,
    /// The management database's name.
    pub management_database: Option<String>,
    /// Where the source's backups go.
    pub backup_destination: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Configured.
    pub configured: bool,
    /// Source instance.
    pub source: String,
    /// Databases restored (sorted).
    pub databases: Vec<String>,
    /// The restore job is enabled.
    pub restore_job_enabled: bool,
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
    /// The newest mark restored (`bts_LogShippingHistory`, `Restored = 1`).
    pub restored_mark: Option<String>,
    /// When the source took it (Unix seconds, UTC).
    pub restored_mark_unix: Option<u64>,
    /// The newest backup set copied from the source but not restored yet.
    pub newest_unrestored: Option<String>,
}
