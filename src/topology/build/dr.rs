//! The DR promotion's resources (`bisrc dr promote --site SITE`), in the order of Microsoft's
//! failover procedure (biztalk-ha.md §5.4): on each DR instance that receives log shipping,
//! restore to the latest mark (`dr.INSTANCE.restore`); on each of the site's BizTalk servers,
//! re-point BizTalk at the DR instances and restart its services (`dr.SITE.repoint.SERVER`,
//! `UpdateDatabase.vbs` on the first one only); then the Backup BizTalk Server job on the
//! new management instance (the same resource `apply` manages there). The DR instances'
//! logins come with it, with the server roles the databases now on them need.

use super::super::resource::Target;
use super::{fci_owner, server_name, Builder};
use crate::inventory::{DatabaseRole, Inventory, Site};
use crate::kind::biztalk_repoint::{self, DbMove};
use crate::kind::{backup_job, dr_restore};

impl Builder<'_> {
    /// The promotion of `site`: its hosts and the promotion resources (none when no log
    /// shipping ends in the site).
    pub(in crate::topology) fn promotion(
        mut self,
        site: &Site,
    ) -> (Vec<super::Resource>, Vec<super::Host>) {
        let inv = self.inv;
        // The site's hosts, as a normal build of the site makes them.
        let (_, hosts) = super::Builder::new(inv).build(Some(&site.name.value));
        // Source instance → DR instance, for the pairs that end in this site.
        let mut pairs = Vec::new();
        for ls in &inv.backup.log_shipping {
            let (Some((_, _, src)), Some((dsite, dcluster, dst))) =
                (inv.instance(&ls.source), inv.instance(&ls.destination))
            else {
                continue;
            };
            if dsite.name.eq_ignore_ascii_case(&site.name) {
                pairs.push((src, dcluster, dst));
            }
        }
        let mut restores = Vec::new();
        for (src, dcluster, dst) in &pairs {
            let online: Vec<String> = super::sorted(
                inv.databases_on(&src.name)
                    .filter(|d| inv.is_configured_sql_database(d))
                    .map(|d| d.name.value.clone())
                    .collect(),
            );
            restores.push(self.resource::<dr_restore::DrRestore>(
                format!("dr.{}.restore", dst.name),
                site,
                fci_owner(dcluster, dst),
                vec![],
                dr_restore::Params {
                    source_server: server_name(src),
                    destination_server: server_name(dst),
                },
                dr_restore::Desired {
                    recovered: true,
                    online,
                    shipping_jobs_enabled: false,
                },
            ));
        }
        // The logins of each DR instance as the new primary needs them: the server roles
        // follow the databases (SSO Administrators need `securityadmin` where SSODB lives,
        // biztalk-ha.md §1.2), and logins live in master, which the restore does not bring.
        let promoted = after_promotion(inv);
        let (as_primary, _) = super::Builder::promoted(&promoted).build(Some(&site.name.value));
        for (_, _, dst) in &pairs {
            let prefix = format!("sql.{}.login.", dst.name);
            for r in as_primary.iter().filter(|r| r.address.starts_with(&prefix)) {
                self.resources.push(r.clone());
            }
        }
        let dest_of = |instance: &str| {
            pairs
                .iter()
                .find(|(s, _, _)| s.name.eq_ignore_ascii_case(instance))
                .map(|(_, c, d)| (*c, *d))
        };
        let Some(mgmt) = inv
            .databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Management)
        else {
            return (self.resources, hosts);
        };
        let Some((mcluster, mdst)) = dest_of(&mgmt.instance) else {
            return (self.resources, hosts);
        };
        let master = inv.master_messagebox().map(|d| d.name.value.clone());
        let mut moves = Vec::new();
        let mut databases = std::collections::BTreeMap::new();
        for d in &inv.databases {
            let Some((_, _, src)) = inv.instance(&d.instance) else {
                continue;
            };
            let Some((_, dst)) = dest_of(&d.instance) else {
                continue;
            };
            if crate::kind::biztalk_group::recorded_by_group(
                d.role.value.as_str(),
                master.as_deref() == Some(d.name.as_str()),
            ) {
                databases.insert(d.name.value.clone(), dst.name.value.clone());
            }
            moves.push(DbMove {
                name: d.name.value.clone(),
                label: update_info_label(d.role.value).to_string(),
                master: master.as_deref() == Some(d.name.as_str()),
                old: server_name(src),
                new: server_name(dst),
            });
        }
        let mut deps = restores.clone();
        let mut repoints = Vec::new();
        for (n, bts) in site.biztalk_servers.iter().enumerate() {
            let addr = self.resource::<biztalk_repoint::BiztalkRepoint>(
                format!("dr.{}.repoint.{}", site.name, bts.name),
                site,
                Target::Node {
                    host: bts.name.value.clone(),
                },
                deps.clone(),
                biztalk_repoint::Params {
                    biztalk_version: inv.biztalk.version.value.clone(),
                    management_database: mgmt.name.value.clone(),
                    update_database: n == 0,
                    moves: moves.clone(),
                },
                biztalk_repoint::Desired {
                    mgmt_server: server_name(mdst),
                    databases: databases.clone(),
                    services_using: server_name(mdst),
                },
            );
            // UpdateDatabase.vbs runs once, on the first server; the others follow it.
            if n == 0 {
                deps.push(addr.clone());
            }
            repoints.push(addr);
        }
        // Then each of the site's BizTalk servers joins the restored group (Microsoft,
        // "Restoring the BizTalk group": restore the databases, then the BizTalk Server
        // runtime servers; https://learn.microsoft.com/biztalk/technical-guides/restoring-the-biztalk-group).
        for r in as_primary
            .iter()
            .filter(|r| r.kind == crate::kind::ResourceKind::BiztalkServer)
        {
            let mut r = r.clone();
            r.depends_on = repoints.clone();
            self.resources.push(r);
        }
        // The Backup BizTalk Server job on the new primary.
        self.resource::<backup_job::BackupJob>(
            format!("sql.{}.job.backup-biztalk-server", mdst.name),
            site,
            fci_owner(mcluster, mdst),
            deps,
            super::biztalk::backup_job_params(inv, &mgmt.name.value, server_name(mdst)),
            super::biztalk::backup_job_desired(inv),
        );
        (self.resources, hosts)
    }
}

/// Where a database goes in `SampleUpdateInfo.xml`: its own element (`management`,
/// `tracking`, `MessageBox`) or the `<OtherDatabases>` label Microsoft's sample uses.
pub(crate) fn update_info_label(role: DatabaseRole) -> &'static str {
    match role {
        DatabaseRole::Management => "management",
        DatabaseRole::Tracking => "tracking",
        DatabaseRole::Messagebox => "MessageBox",
        DatabaseRole::Sso => "SSO",
        DatabaseRole::RuleEngine => "Rule Engine DB",
        DatabaseRole::BamPrimaryImport => "BAM Primary Import",
        DatabaseRole::BamArchive => "BAM Archive",
        DatabaseRole::BamStarSchema => "BAM Star Schema",
        DatabaseRole::BamAnalysis => "BAM Analysis",
        DatabaseRole::BamAlertsApplication => "BAM Alerts Application DB",
        DatabaseRole::BamAlertsInstance => "BAM Alerts Instance DB",
        _ => "Tracking Analysis Server",
    }
}

/// The inventory as a promotion leaves the environment: every database on the DR instance
/// its instance shipped logs to, and each log shipping pair reversed (DR → former source).
pub(in crate::topology) fn after_promotion(inv: &Inventory) -> Inventory {
    let mut out = inv.clone();
    for d in &mut out.databases {
        if let Some(ls) = inv
            .backup
            .log_shipping
            .iter()
            .find(|l| l.source.eq_ignore_ascii_case(&d.instance))
        {
            d.instance.value = ls.destination.value.clone();
        }
    }
    for ls in &mut out.backup.log_shipping {
        std::mem::swap(&mut ls.source, &mut ls.destination);
    }
    out
}
