//! The rights BizTalk log shipping needs, in the simulated world: the destination's SQL
//! Agent account in `BTS_BACKUP_USERS` of the source's BizTalk databases, and the backup
//! share with its per-account share and NTFS permissions (the `backup_users` and
//! `backup_share` kinds; docs/windows-behaviour.md WB-DR-04, WB-DR-06, WB-DR-07).
//!
//! The world starts with the share created: on a host the inventory describes, as its admin
//! created it (Administrators only: bisrc grants the SQL accounts their rights); on a file
//! server outside the inventory, with the rights the README's operator's part asks for.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::world::World;
use crate::inventory::backup_share::{Unc, CHANGE, READ};
use crate::inventory::Inventory;

/// Full control, as an admin has it.
pub(super) const FULL: &str = "full";
/// What an admin account is called in a fresh share.
const ADMINISTRATORS: &str = "BUILTIN\\Administrators";

/// The DR rights of the world.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DrRights {
    /// `BTS_BACKUP_USERS` members: instance network name (upper case) → database → logins.
    #[serde(default)]
    pub backup_users: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Backup shares, by `\\host\share` in lower case.
    #[serde(default)]
    pub shares: BTreeMap<String, ShareState>,
}

impl DrRights {
    /// Nothing recorded (a world without log shipping).
    pub fn is_empty(&self) -> bool {
        self.backup_users.is_empty() && self.shares.is_empty()
    }
}

/// One SMB share and its folder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareState {
    /// The inventory's host serving it; `None` for a file server the inventory does not
    /// describe.
    pub host: Option<String>,
    /// Share permissions: account → `read`, `change` or `full`.
    pub share: BTreeMap<String, String>,
    /// NTFS permissions of the shared folder: account → `read`, `change` (Modify) or `full`.
    pub ntfs: BTreeMap<String, String>,
}

fn level(right: Option<&String>) -> u8 {
    match right.map(String::as_str) {
        Some(FULL) => 3,
        Some(CHANGE) => 2,
        Some(READ) => 1,
        _ => 0,
    }
}

fn lookup<'a>(map: &'a BTreeMap<String, String>, account: &str) -> Option<&'a String> {
    map.iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(account))
        .map(|(_, r)| r)
}

impl ShareState {
    /// What `account` may do through the share: the weaker of its share and NTFS rights
    /// (Windows applies both, the most restrictive wins), as `change`, `read` or `none`.
    pub fn effective(&self, account: &str) -> &'static str {
        match level(lookup(&self.share, account)).min(level(lookup(&self.ntfs, account))) {
            2.. => CHANGE,
            1 => READ,
            _ => "none",
        }
    }

    /// `account` may at least do `right`.
    pub fn allows(&self, account: &str, right: &str) -> bool {
        let have = level(Some(&self.effective(account).to_string()));
        have >= level(Some(&right.to_string()))
    }
}

/// The key of a share.
pub(crate) fn share_key(path: &str) -> Option<String> {
    Unc::parse(path).map(|u| u.root().to_ascii_lowercase())
}

/// The backup share of the inventory, created (see the module comment).
pub(super) fn fresh(w: &mut World, inv: &Inventory) {
    let Some(key) = share_key(&inv.backup.destination) else {
        return;
    };
    let host = inv.backup_share_host();
    let admin = BTreeMap::from([(ADMINISTRATORS.to_string(), FULL.to_string())]);
    let mut share = ShareState {
        host: host.clone(),
        share: admin.clone(),
        ntfs: admin,
    };
    if host.is_none() {
        for ls in &inv.backup.log_shipping {
            let (Some((_, _, src)), Some((_, _, dst))) =
                (inv.instance(&ls.source), inv.instance(&ls.destination))
            else {
                continue;
            };
            for (account, right) in inv.backup_share_accounts(src, dst) {
                share.share.insert(account.clone(), right.to_string());
                share.ntfs.insert(account, right.to_string());
            }
        }
    }
    w.dr_rights.shares.insert(key, share);
}

/// The share at `path` as a node reaches it: it must exist and its server must be up.
pub(crate) fn reach_share<'a>(w: &'a World, path: &str) -> Result<&'a ShareState, String> {
    let key = share_key(path).ok_or_else(|| format!("{path} is not a UNC path"))?;
    let share = w
        .dr_rights
        .shares
        .get(&key)
        .ok_or_else(|| format!("The network name cannot be found: {path} (no such share)"))?;
    if let Some(h) = &share.host {
        if !w.host(h).is_some_and(|h| h.up) {
            return Err(format!(
                "The network path was not found: {path} ({h} does not answer)"
            ));
        }
    }
    Ok(share)
}

/// Whether `account` may read the backup files at `path`: the share reached, its rights
/// allowing it, and no deny entry from `sim fault sql share-deny` (a deny ACE wins over an
/// allow, as on Windows). A local path or URL is not a share: nothing to check here.
pub(crate) fn can_read(w: &World, path: &str, account: &str) -> bool {
    super::sql_side::share_allows(w, account, "read")
        && (share_key(path).is_none()
            || reach_share(w, path).is_ok_and(|s| s.allows(account, READ)))
}
