//! `backup_share`: the backup share's rights for the accounts of one log shipping pair
//! (`logshipping.S-to-D.share`): the source's SQL Server and SQL Agent accounts write
//! (`change`), the destination's read (`read`), on the SMB share and its folder's NTFS
//! permissions alike (Windows applies both; the more restrictive wins).
//!
//! Microsoft, "Log shipping user accounts and roles"
//! (https://learn.microsoft.com/en-us/biztalk/technical-guides/log-shipping-user-accounts-and-roles):
//! "the account that performs backup and restore operations must have Read and Write access
//! to the UNC share where backup files are created". Who needs what:
//! `Inventory::backup_share_accounts`.
//!
//! A share on a server the inventory describes is managed: apply grants the rights there.
//! A share on a server bisrc does not manage (a file server) is checked only: its `rights`
//! are immutable, so plan shows a missing right as blocked, with the manual path, and
//! verify names which right is missing for whom.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct BackupShare;

/// Verify: every account has its right on the share.
pub const CHECK_RIGHTS: &str = "backup-share-rights";

impl Kind for BackupShare {
    const KIND: ResourceKind = ResourceKind::BackupShare;
    const CHECKS: &'static [&'static str] = &[CHECK_RIGHTS];
    const REMOVAL: Removal = Removal::Kept(
        "the backup share and its permissions belong to the server that serves it; bisrc leaves them",
    );
    type Params = Params;
    type Desired = Desired;
    type Observed = BackupShareObserved;

    fn exists(o: &BackupShareObserved) -> bool {
        o.exists
    }

    fn manual_path(key: &str) -> Option<String> {
        (key == "rights").then(|| {
            "the backup share is on a server the inventory does not describe, so bisrc only checks it: \
             on that server, give each account whose right is not `change` Read and Write (share \
             permission Change, and Modify in the shared folder's NTFS permissions), then run bisrc \
             verify"
                .to_string()
        })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// `\\server\share`.
    pub path: String,
    /// The share name.
    pub share: String,
    /// The share's server is a host of the inventory (the step runs there and grants the
    /// rights); otherwise the step runs on the destination instance's node and only reads
    /// them through the UNC path.
    pub managed: bool,
    /// The server part of the UNC path.
    pub server: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The share exists.
    pub exists: bool,
    /// Account → `change` or `read`.
    pub rights: BTreeMap<String, String>,
}

/// The share as the accounts see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupShareObserved {
    /// The share answers.
    pub exists: bool,
    /// For each account of the desired state: its desired right when it has at least that,
    /// else what it has (`read` or `none`).
    pub rights: BTreeMap<String, String>,
}
