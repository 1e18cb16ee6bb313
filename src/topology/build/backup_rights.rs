//! The rights a log shipping pair needs besides the destination agent's sysadmin login on
//! the source (built in `biztalk.rs`): that account in `BTS_BACKUP_USERS` of the source's
//! BizTalk databases, and (in `backup_share`) the backup share's rights. Part of the
//! shipping, so a DR site built on its own (`--site`) gets them too.

use super::super::resource::Target;
use super::{fci_owner, server_name, Builder};
use crate::inventory::backup_share::Unc;
use crate::inventory::{Cluster, Site, SqlInstance};
use crate::kind::{backup_share, backup_users, ResourceKind};

impl Builder<'_> {
    /// The rights of the log shipping from `src` to `dst` (`databases`: what it ships);
    /// returns their addresses, which the log shipping resource depends on.
    pub(super) fn shipping_rights(
        &mut self,
        source: (&Site, &Cluster, &SqlInstance),
        destination: (&Site, &Cluster, &SqlInstance),
        databases: &[String],
        login_addr: &str,
    ) -> Vec<String> {
        let mut out = self.backup_users(source, destination.2, databases, login_addr);
        out.extend(self.backup_share(source.2, destination));
        out
    }

    /// The backup share's rights for the pair's accounts (`logshipping.S-to-D.share`): granted
    /// where the inventory describes the share's server, checked only elsewhere.
    fn backup_share(
        &mut self,
        src: &SqlInstance,
        destination: (&Site, &Cluster, &SqlInstance),
    ) -> Option<String> {
        let (dsite, dcluster, dst) = destination;
        let inv = self.inv;
        let unc = Unc::parse(&inv.backup.destination)?;
        let host = inv.backup_share_host();
        let addr = format!("logshipping.{}-to-{}.share", src.name, dst.name);
        let target = match &host {
            Some(h) => Target::Node { host: h.clone() },
            None => fci_owner(dcluster, dst),
        };
        self.resource::<backup_share::BackupShare>(
            addr.clone(),
            dsite,
            target,
            vec![],
            backup_share::Params {
                path: unc.root(),
                share: unc.share.clone(),
                managed: host.is_some(),
                server: unc.host.clone(),
            },
            backup_share::Desired {
                exists: true,
                rights: inv
                    .backup_share_accounts(src, dst)
                    .into_iter()
                    .map(|(a, r)| (a, r.to_string()))
                    .collect(),
            },
        );
        if host.is_none() {
            self.last().immutable = vec!["rights"];
        }
        Some(addr)
    }

    /// The destination's SQL Agent account in `BTS_BACKUP_USERS` of the source's databases.
    fn backup_users(
        &mut self,
        source: (&Site, &Cluster, &SqlInstance),
        dst: &SqlInstance,
        databases: &[String],
        login_addr: &str,
    ) -> Vec<String> {
        let (ssite, scluster, src) = source;
        let agent = dst.service_accounts.agent.user.value.clone();
        let addr = format!("sql.{}.backup-users.{agent}", src.name);
        if self.resources.iter().any(|r| r.address == addr) {
            return vec![addr];
        }
        let mut deps = vec![login_addr.to_string()];
        deps.extend(
            self.resources
                .iter()
                .filter(|r| r.kind == ResourceKind::BiztalkGroup)
                .map(|r| r.address.clone()),
        );
        self.resource::<backup_users::BackupUsers>(
            addr.clone(),
            ssite,
            fci_owner(scluster, src),
            deps,
            backup_users::Params {
                server: server_name(src),
                login: agent,
            },
            backup_users::Desired {
                databases: databases.to_vec(),
            },
        );
        // Outside a `--site` slice the group is someone else's: nothing to wait for.
        let present: Vec<String> = self.resources.iter().map(|r| r.address.clone()).collect();
        self.last().depends_on.retain(|d| present.contains(d));
        vec![addr]
    }
}
