//! `ag_database`: a BizTalk database in its availability group (`ag.AG.db.NAME`): on the
//! primary, in the full recovery model with a full backup taken, then `ALTER AVAILABILITY
//! GROUP … ADD DATABASE`; automatic seeding creates it on every joined secondary. Runs on the
//! owner of the group's cluster role, which is the primary replica.

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, ResourceKind};

/// The kind.
pub struct AgDatabase;

/// Verify: the database is in the group, in the full recovery model.
pub const CHECK_IN_GROUP: &str = "ag-database-in-group";
/// Verify: every replica holds the database, synchronized.
pub const CHECK_SYNCHRONIZED: &str = "ag-database-synchronized";

impl Kind for AgDatabase {
    const KIND: ResourceKind = ResourceKind::AgDatabase;
    const CHECKS: &'static [&'static str] = &[CHECK_IN_GROUP, CHECK_SYNCHRONIZED];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_database_probe.sql", "ag_database_probe.sql"),
        ExtraFile::tsql("sql/ag_database.sql", "ag_database.sql"),
        ExtraFile::tsql("sql/ag_database_remove.sql", "ag_database_remove.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgDatabaseObserved;

    fn exists(o: &AgDatabaseObserved) -> bool {
        o.in_group
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The availability group.
    pub availability_group: String,
    /// The database.
    pub database: String,
    /// Where the step connects: the local replica instance (`NODE` or `NODE\INSTANCE`) is
    /// not known before the step runs, so the group's listener, which reaches the primary.
    pub server: String,
    /// Every replica's server name, as `sys.availability_replicas` lists it.
    pub replicas: Vec<String>,
    /// Where the full backup that must precede `ADD DATABASE` is written (the Backup
    /// BizTalk Server destination).
    pub backup_destination: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The database belongs to the group.
    pub in_group: bool,
    /// `FULL`: an availability database must use the full recovery model.
    pub recovery_model: String,
}

/// What the probe reports, on the primary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgDatabaseObserved {
    /// The database exists on the primary.
    pub exists: bool,
    /// The database belongs to the group.
    pub in_group: bool,
    /// Its recovery model.
    pub recovery_model: Option<String>,
    /// Replicas that do not hold the database SYNCHRONIZED (`SERVER: state`).
    pub not_synchronized: Vec<String>,
}
