//! `user_rights`: user rights (Local Security Policy, User Rights Assignment) of the SQL
//! engine account on one FCI owner (`sql.I.rights.NODE`), granted before SQL setup so the
//! service's first start has them.
//!
//! *Perform volume maintenance tasks* (`SeManageVolumePrivilege`) gives the engine instant
//! file initialisation; SQL setup's `SQLSVCINSTANTFILEINIT` grants it for stand-alone installs
//! only, so an FCI's nodes get it here
//! (<https://learn.microsoft.com/sql/relational-databases/databases/database-instant-file-initialization>).
//! *Lock pages in memory* (`SeLockMemoryPrivilege`) only when the inventory asks
//! (<https://learn.microsoft.com/sql/database-engine/configure-windows/enable-the-lock-pages-in-memory-option-windows>).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct UserRights;

/// Verify: the account holds every wanted right.
pub const CHECK_RIGHTS: &str = "user-rights";

/// *Perform volume maintenance tasks*: instant file initialisation.
pub const MANAGE_VOLUME: &str = "SeManageVolumePrivilege";
/// *Lock pages in memory*.
pub const LOCK_MEMORY: &str = "SeLockMemoryPrivilege";

impl Kind for UserRights {
    const KIND: ResourceKind = ResourceKind::UserRights;
    const CHECKS: &'static [&'static str] = &[CHECK_RIGHTS];
    const REMOVAL: Removal = Removal::Kept(
        "a user right in the Windows server's local security policy; revoke it in secpol.msc (User Rights Assignment) if the account goes",
    );
    type Params = Params;
    type Desired = Desired;
    type Observed = UserRightsObserved;

    fn exists(o: &UserRightsObserved) -> bool {
        !o.rights.is_empty()
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The account (`DOMAIN\name`, a gMSA ending in `$`).
    pub account: String,
    /// What the account is (for messages): `SQL Server engine of INSTANCE`.
    pub purpose: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The privilege constants the account holds, sorted.
    pub rights: Vec<String>,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRightsObserved {
    /// Of the wanted privileges, those the account holds, sorted (read from the local policy
    /// by `secedit /export /areas USER_RIGHTS`).
    pub rights: Vec<String>,
}
