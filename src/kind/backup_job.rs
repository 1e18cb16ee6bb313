//! `backup_job`: the Backup BizTalk Server job (`sql.I.job.backup-biztalk-server`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct BackupJob;

/// Verify: the job is enabled.
pub const CHECK_ENABLED: &str = "backup-job-enabled";
/// Verify: the job's step parameters are as desired.
pub const CHECK_SETTINGS: &str = "backup-job-settings";
/// Verify: the last full backup is within the period plus one hour.
pub const CHECK_FRESH: &str = "backup-fresh";

/// The desired attributes that are job step parameters (what [`CHECK_SETTINGS`] compares).
pub const SETTINGS: [&str; 7] = [
    "destination",
    "frequency",
    "backup_hour",
    "use_local_time",
    "mark_name",
    "days_to_keep",
    "compression",
];

impl Kind for BackupJob {
    const KIND: ResourceKind = ResourceKind::BackupJob;
    const CHECKS: &'static [&'static str] = &[CHECK_ENABLED, CHECK_SETTINGS, CHECK_FRESH];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    const EXTRA_FILES: &'static [ExtraFile] =
        &[
            ExtraFile::tsql("sql/backup_job.sql", "backup_job.sql"),
            ExtraFile::tsql("sql/backup_purge.sql", "backup_purge.sql"),
        ];
    type Params = Params;
    type Desired = Desired;
    type Observed = BackupJobObserved;

    fn exists(o: &BackupJobObserved) -> bool {
        o.exists
    }

    /// `fresh_minutes`: how old the last full backup may be (the period plus one hour).
    fn extras(p: &Params, _: &Desired, _: &ExtrasEnv) -> Value {
        let hours = match p.frequency_letter.as_str() {
            "h" => 1,
            "w" => 24 * 7,
            "m" => 24 * 31,
            "y" => 24 * 366,
            _ => 24,
        };
        json!({ "fresh_minutes": (hours + 1) * 60 })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name.
    pub server: String,
    /// `Backup BizTalk Server (MGMTDB)`.
    pub job_name: String,
    /// The management database's name.
    pub management_database: String,
    /// `d`, `h`, `w`, `m` or `y`.
    pub frequency_letter: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The job exists.
    pub exists: bool,
    /// Enabled.
    pub enabled: bool,
    /// Backup destination folder.
    pub destination: String,
    /// `daily`, `hourly`, ...
    pub frequency: String,
    /// Hour of the full backup.
    pub backup_hour: u32,
    /// Local time rather than UTC.
    pub use_local_time: bool,
    /// Mark name.
    pub mark_name: String,
    /// Days of backups kept.
    pub days_to_keep: u32,
    /// Backup compression.
    pub compression: bool,
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
