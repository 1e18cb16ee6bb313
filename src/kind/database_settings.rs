//! `database_settings`: settings of one BizTalk database (`db.I.NAME.settings`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct DatabaseSettings;

/// Verify: the database exists in FULL recovery.
pub const CHECK_RECOVERY_FULL: &str = "db-recovery-full";
/// Verify: automatic statistics off (MessageBox only).
pub const CHECK_AUTO_STATISTICS_OFF: &str = "db-auto-statistics-off";

impl Kind for DatabaseSettings {
    const KIND: ResourceKind = ResourceKind::DatabaseSettings;
    // Publication of a MessageBox is the `messagebox` kind's (BizTalk's WMI), not a setting
    // written here.
    const CHECKS: &'static [&'static str] = &[CHECK_RECOVERY_FULL, CHECK_AUTO_STATISTICS_OFF];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile::tsql(
        "sql/database_settings.sql",
        "database_settings.sql",
    )];
    type Params = Params;
    type Desired = Desired;
    type Observed = DatabaseSettingsObserved;

    fn exists(o: &DatabaseSettingsObserved) -> bool {
        o.exists
    }

    fn extras(p: &Params, _: &Desired, _: &ExtrasEnv) -> Value {
        json!({ "messagebox": p.role == "messagebox" })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name.
    pub server: String,
    /// Database name.
    pub database: String,
    /// Its BizTalk role (`messagebox`, ...).
    pub role: String,
    /// It is the master MessageBox.
    pub master: bool,
    /// The management database's name.
    pub management_database: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The database exists.
    pub exists: bool,
    /// `FULL`.
    pub recovery_model: String,
    /// MessageBox: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_create_statistics: Option<bool>,
    /// MessageBox: `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_update_statistics: Option<bool>,
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
}
