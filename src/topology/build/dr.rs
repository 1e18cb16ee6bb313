//! The DR promotion's resources (`bisrc dr promote --site SITE`), in the order of Microsoft's
//! failover procedure (biztalk-ha.md §5.4): on each DR instance that receives log shipping,
//! restore to the latest mark (`dr.INSTANCE.restore`); on each of the site's BizTalk servers,
//! re-point BizTalk at the DR instances and restart its services (`dr.SITE.repoint.SERVER`,
//! `UpdateDatabase.vbs` on the first one only), the SSO master secret server moved to the
//! first one between its repoint and the others' (`dr.SITE.sso`, review4 F10); then the
//! site's BizTalk servers join the restored group, and the Backup BizTalk Server job on the
//! new management instance (the same resource `apply` manages there). The DR instances'
//! logins come with it, with the server roles the databases now on them need.

use super::super::resource::{SecretUse, Target};
use super::{fci_owner, server_name, Builder};
use crate::inventory::{DatabaseRole, Inventory, Site};
use crate::kind::biztalk_repoint::{self, DbMove};
use crate::kind::{backup_job, dr_restore, dr_sso};

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
        // review4 F10, Microsoft's "How to move the master secret server" (steps 2, 4, 5, 6): the
        // designated DR server's ENTSSO first points at the restored SSO database (its repoint's
        // `UpdateRegistry.vbs`, which does not restart ENTSSO there), then `dr.SITE.sso` names
        // it in that database (`ssomanage -updatedb`), restarts ENTSSO and restores the secret;
        // only then do the site's other servers restart ENTSSO (their repoints).
        let mut deps = restores.clone();
        let sso_planned = self.dr_sso_planned(site, &dest_of);
        let mut repoints = Vec::new();
        let mut sso_moved = None;
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
                    restart_entsso: !(n == 0 && sso_planned),
                    moves: moves.clone(),
                },
                biztalk_repoint::Desired {
                    mgmt_server: server_name(mdst),
                    databases: databases.clone(),
                    services_using: server_name(mdst),
                },
            );
            // UpdateDatabase.vbs runs once, on the first server; the others follow it, and
            // the master secret server's move.
            if n == 0 {
                deps.push(addr.clone());
                sso_moved = self.dr_sso(site, &dest_of, deps.clone());
                deps.extend(sso_moved.clone());
            }
            repoints.push(addr);
        }
        // Then each of the site's BizTalk servers joins the restored group (Microsoft,
        // "Restoring the BizTalk group": restore the databases, then the BizTalk Server
        // runtime servers; https://learn.microsoft.com/biztalk/technical-guides/restoring-the-biztalk-group),
        // once the master secret server moved: its host instances need the secret.
        for r in as_primary
            .iter()
            .filter(|r| r.kind == crate::kind::ResourceKind::BiztalkServer)
        {
            let mut r = r.clone();
            r.depends_on = repoints.iter().chain(&sso_moved).cloned().collect();
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

impl Builder<'_> {
    /// Whether the promotion of `site` moves the SSO master secret server (`dr_sso` makes a
    /// resource).
    fn dr_sso_planned<'c>(
        &self,
        site: &Site,
        dest_of: &dyn Fn(
            &str,
        ) -> Option<(
            &'c crate::inventory::Cluster,
            &'c crate::inventory::SqlInstance,
        )>,
    ) -> bool {
        let inv = self.inv;
        let Some(sso) = inv.biztalk.sso.as_ref() else {
            return false;
        };
        sso.dr_backup_file.is_some()
            && !site.biztalk_servers.is_empty()
            && inv
                .databases
                .iter()
                .find(|d| d.role.value == DatabaseRole::Sso)
                .is_some_and(|db| dest_of(&db.instance).is_some())
    }

    /// The SSO master secret server moved to `site` (`dr.SITE.sso`, review3 F11, review4 F10):
    /// on the site's first BizTalk server, once its repoint pointed ENTSSO at the restored SSO
    /// database, `ssomanage -updatedb` names it there, ENTSSO restarts and the secret is
    /// restored from the backup's DR copy (Microsoft, "How to move the master secret server"). None
    /// without an SSO database shipped to the site, a BizTalk server there, or the DR copy
    /// (`dr promote` refuses that last case: BZ255).
    fn dr_sso<'c>(
        &mut self,
        site: &Site,
        dest_of: &dyn Fn(
            &str,
        ) -> Option<(
            &'c crate::inventory::Cluster,
            &'c crate::inventory::SqlInstance,
        )>,
        deps: Vec<String>,
    ) -> Option<String> {
        let inv = self.inv;
        let sso = inv.biztalk.sso.as_ref()?;
        let copy = sso.dr_backup_file.as_ref()?;
        let db = inv
            .databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Sso)?;
        let (_, dst) = dest_of(&db.instance)?;
        let server = site.biztalk_servers.first()?.name.value.clone();
        let addr = self.resource::<dr_sso::DrSso>(
            format!("dr.{}.sso", site.name),
            site,
            Target::Node {
                host: server.clone(),
            },
            deps,
            dr_sso::Params {
                backup_file: copy.value.clone(),
                sso_server: server_name(dst),
                sso_database: db.name.value.clone(),
            },
            dr_sso::Desired {
                secret_server: server,
                holds_secret: true,
            },
        );
        self.last().secrets = vec![SecretUse {
            key: "biztalk.sso.backup_password".into(),
            reference: sso.backup_password.value.clone(),
        }];
        Some(addr)
    }
}

/// Why `bisrc dr promote --site SITE` cannot move the SSO master secret server, if it cannot:
/// the SSO database ships to the site but the inventory does not say where the DR site reads
/// the master secret backup's copy (BZ255).
pub fn sso_copy_missing(inv: &Inventory, site: &str) -> Option<String> {
    let sso = inv.biztalk.sso.as_ref()?;
    if sso.dr_backup_file.is_some() {
        return None;
    }
    let db = inv
        .databases
        .iter()
        .find(|d| d.role.value == DatabaseRole::Sso)?;
    let ships_here = inv.backup.log_shipping.iter().any(|ls| {
        ls.source.eq_ignore_ascii_case(&db.instance)
            && inv
                .instance(&ls.destination)
                .is_some_and(|(s, _, _)| s.name.eq_ignore_ascii_case(site))
    });
    ships_here.then(|| format!(
        "BZ255: the promotion of site {site} must move the SSO master secret server there (SSODB {} moves to it), but the inventory does not say where the DR site reads the master secret backup: copy {} off the primary site to a place the DR site reaches and set `biztalk.sso.dr_backup_file` to that path (a UNC path, or a drive path on the site's first BizTalk server). Without it ENTSSO on the DR BizTalk servers cannot get the master secret and BizTalk stays down (Microsoft, \"How to move the master secret server\")",
        db.name.value, sso.backup_file.value
    ))
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
