//! `backup_users`: a log shipping destination's SQL Agent account in the `BTS_BACKUP_USERS`
//! role of the BizTalk databases on a source instance (`sql.I.backup-users.LOGIN`).
//!
//! Microsoft, "Log shipping user accounts and roles"
//! (https://learn.microsoft.com/en-us/biztalk/technical-guides/log-shipping-user-accounts-and-roles):
//! the account that restores the databases needs a login on each instance hosting the
//! BizTalk databases it restores, is assigned to the `BTS_BACKUP_USERS` role "on each
//! server", and is sysadmin on the instance of the management database (the `sql_login`
//! resource beside this one). BizTalk configuration creates the role in each database.

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, Removal, ResourceKind};

/// The kind.
pub struct BackupUsers;

/// Verify: the account is a member of `BTS_BACKUP_USERS` in every database.
pub const CHECK_MEMBER: &str = "backup-users-member";

impl Kind for BackupUsers {
    const KIND: ResourceKind = ResourceKind::BackupUsers;
    const CHECKS: &'static [&'static str] = &[CHECK_MEMBER];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/backup_users.sql", "backup_users.sql"),
        ExtraFile::tsql("sql/backup_users_probe.sql", "backup_users_probe.sql"),
    ];
    /// The database users go with the BizTalk databases.
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    type Params = Params;
    type Desired = Desired;
    type Observed = BackupUsersObserved;

    fn exists(o: &BackupUsersObserved) -> bool {
        !o.databases.is_empty()
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The source SQL server name.
    pub server: String,
    /// The destination's SQL Agent account (`DOMAIN\name`), which has a login there.
    pub login: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The BizTalk databases on the instance whose `BTS_BACKUP_USERS` has the account
    /// (sorted).
    pub databases: Vec<String>,
}

/// The databases (of the desired ones) where the account's user is in `BTS_BACKUP_USERS`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupUsersObserved {
    /// Sorted.
    pub databases: Vec<String>,
}
