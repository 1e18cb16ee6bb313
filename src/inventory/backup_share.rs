//! Who needs what on the backup share, and where it is hosted. One answer for the topology
//! (the `backup_share` resource) and the node simulator (its share).
//!
//! Microsoft, "Log shipping user accounts and roles"
//! (https://learn.microsoft.com/en-us/biztalk/technical-guides/log-shipping-user-accounts-and-roles):
//! "the account that performs backup and restore operations must have Read and Write access
//! to the UNC share where backup files are created". On the source, the SQL Server service
//! writes the files (`BACKUP ... TO DISK`) and deletes old ones (`xp_delete_file`, WB-BAK-04)
//! for the Backup BizTalk Server job its SQL Agent runs; on the destination, the SQL Server
//! service reads them (`RESTORE ... FROM DISK`) for the log shipping jobs its SQL Agent runs.
//! The destination's accounts get Read and Write too, as Microsoft's page says, and because
//! the DR procedure needs it: `bisrc dr promote` starts the Backup BizTalk Server job on the
//! DR instance, which then writes its backups to the same share (and `dr rebuild` ships them
//! back from there).

use super::{Inventory, SqlInstance};

/// A right on the share (both the SMB share permission and the folder's NTFS permission).
pub const CHANGE: &str = "change";
/// Read only.
pub const READ: &str = "read";

/// A UNC path split: `\\host\share\rest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unc {
    /// The server part (a NetBIOS or DNS name).
    pub host: String,
    /// The share name.
    pub share: String,
}

impl Unc {
    /// `\\host\share[\...]`, or `None` for a local path or URL.
    pub fn parse(path: &str) -> Option<Unc> {
        let rest = path.strip_prefix("\\\\")?;
        let mut parts = rest.split('\\').filter(|p| !p.is_empty());
        let host = parts.next()?.to_string();
        let share = parts.next()?.to_string();
        Some(Unc { host, share })
    }

    /// `\\host\share`.
    pub fn root(&self) -> String {
        format!("\\\\{}\\{}", self.host, self.share)
    }
}

impl Inventory {
    /// The accounts that need a right on the backup share for the log shipping from
    /// `source` to `destination`, each with its right (one entry per account, the stronger
    /// right when an account plays both parts), in a stable order: today [`CHANGE`] for the
    /// SQL Server and SQL Agent accounts of both ends (see the module comment).
    pub fn backup_share_accounts(
        &self,
        source: &SqlInstance,
        destination: &SqlInstance,
    ) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        let wanted = [
            (&source.service_accounts.engine, CHANGE),
            (&source.service_accounts.agent, CHANGE),
            (&destination.service_accounts.engine, CHANGE),
            (&destination.service_accounts.agent, CHANGE),
        ];
        for (account, right) in wanted {
            let name = account.user.value.clone();
            match out.iter_mut().find(|(a, _)| a.eq_ignore_ascii_case(&name)) {
                Some(e) if right == CHANGE => e.1 = CHANGE,
                Some(_) => {}
                None => out.push((name, right)),
            }
        }
        out
    }

    /// The host of the inventory that serves the backup share (a node or BizTalk server whose
    /// name or address is the UNC's server part), or `None` when the share is on a server
    /// the inventory does not describe (or the destination is not a UNC path).
    pub fn backup_share_host(&self) -> Option<String> {
        let unc = Unc::parse(&self.backup.destination)?;
        let short = unc.host.split('.').next().unwrap_or_default();
        let matches = |name: &str, address: &str| {
            unc.host.eq_ignore_ascii_case(address)
                || unc.host.eq_ignore_ascii_case(name)
                || (short.eq_ignore_ascii_case(name)
                    && unc.host.len() > short.len()
                    && unc.host[short.len() + 1..].eq_ignore_ascii_case(&self.domain.fqdn))
        };
        for site in &self.sites {
            for n in &site.nodes {
                if matches(&n.name, &n.address) {
                    return Some(n.name.value.clone());
                }
            }
            for b in &site.biztalk_servers {
                if matches(&b.name, &b.address) {
                    return Some(b.name.value.clone());
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_paths_split_into_server_and_share() {
        let u = Unc::parse("\\\\labfs.lab.local\\biztalk-backup\\").unwrap();
        assert_eq!(u.host, "labfs.lab.local");
        assert_eq!(u.share, "biztalk-backup");
        assert_eq!(u.root(), "\\\\labfs.lab.local\\biztalk-backup");
        assert!(Unc::parse("S:\\Backup").is_none());
        assert!(Unc::parse("\\\\server").is_none());
    }
}
