//! The BizTalk group configuration, database settings, SQL Agent jobs and log shipping.

use super::super::resource::{sorted, NameMap, SecretUse, Target};
use super::{fci_owner, server_name, Builder};
use crate::inventory::{Database, DatabaseRole, Site};
use crate::kind::biztalk_group::NamePairs;
use crate::kind::{
    agent_job, backup_job, biztalk_group, biztalk_server, database_settings, host_instances,
    log_shipping, messagebox, sql_login, ResourceKind,
};

impl Builder<'_> {
    pub(super) fn biztalk_and_databases(&mut self, site_filter: Option<&str>) {
        let inv = self.inv;
        let Some(mgmt) = inv
            .databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Management)
        else {
            return;
        };
        if inv.listener(&mgmt.instance).is_some() {
            return self.biztalk_on_listeners(site_filter, mgmt);
        }
        let Some((site, _, _)) = inv.instance(&mgmt.instance) else {
            return;
        };
        if site_filter.is_some_and(|f| !site.name.eq_ignore_ascii_case(f)) {
            return;
        }
        let Some(bts) = site.biztalk_servers.first() else {
            return;
        };
        // Everything the group configuration needs: instances configured with their logins,
        // MSDTC everywhere, the clustered roles.
        let mut deps: Vec<String> = Vec::new();
        let instances: Vec<String> = {
            let mut v: Vec<String> = inv
                .databases
                .iter()
                .map(|d| d.instance.value.clone())
                .collect();
            v.sort_by_key(|s| s.to_ascii_lowercase());
            v.dedup_by_key(|s| s.to_ascii_lowercase());
            v
        };
        for r in &self.resources {
            let on_instance = instances.iter().any(|i| {
                r.address == format!("sql.{i}.config")
                    || r.address.starts_with(&format!("sql.{i}.login."))
            });
            let site_infra = r.site == site.name.value
                && matches!(
                    r.kind,
                    ResourceKind::DtcNetwork | ResourceKind::ClusteredDtc | ResourceKind::SsoRole
                );
            if on_instance || site_infra {
                deps.push(r.address.clone());
            }
        }
        let group_addr = self.biztalk_group(site, bts, deps, |d| {
            inv.instance(&d.instance).map(|(_, _, i)| server_name(i))
        });

        // Scaled-out MessageBoxes, through BizTalk's WMI on the BizTalk server: the others
        // created and publishing before the master stops publishing (biztalk-ha.md §2.4).
        let msgbox_addr = self.scaled_out_messageboxes(site, bts, &group_addr, |d| {
            inv.instance(&d.instance).map(|(_, _, i)| server_name(i))
        });
        let after_msgbox = |db: &str| after_msgbox(&group_addr, &msgbox_addr, db);
        let master = inv.master_messagebox().map(|d| d.name.value.clone());

        // Database settings.
        for d in &inv.databases {
            if !inv.is_configured_sql_database(d) {
                continue;
            }
            let Some((dsite, cluster, i)) = inv.instance(&d.instance) else {
                continue;
            };
            let messagebox = d.role.value == DatabaseRole::Messagebox;
            // Only the MessageBox's settings are managed beyond recovery; publication is the
            // messagebox resources' business (BizTalk's WMI, never its tables).
            let desired = database_settings::Desired {
                exists: true,
                recovery_model: "FULL".into(),
                auto_create_statistics: messagebox.then_some(false),
                auto_update_statistics: messagebox.then_some(false),
            };
            self.resource::<database_settings::DatabaseSettings>(
                format!("db.{}.{}.settings", i.name, d.name),
                dsite,
                fci_owner(cluster, i),
                after_msgbox(&d.name),
                database_settings::Params {
                    server: server_name(i),
                    database: d.name.value.clone(),
                    role: d.role.value.as_str().to_string(),
                    master: master.as_deref() == Some(d.name.as_str()),
                    management_database: mgmt.name.value.clone(),
                },
                desired,
            );
        }

        // SQL Agent jobs.
        if let Some((msite, cluster, i)) = inv.instance(&mgmt.instance) {
            self.resource::<backup_job::BackupJob>(
                format!("sql.{}.job.backup-biztalk-server", i.name),
                msite,
                fci_owner(cluster, i),
                vec![group_addr.clone()],
                backup_job_params(inv, &mgmt.name.value, server_name(i)),
                backup_job_desired(inv),
            );
        }
        // BizTalk Server on every BizTalk server of the site: the runtime, and Join on all
        // but the first (the group's); then its host instances and ENTSSO.
        self.biztalk_servers(site, mgmt, &group_addr, |d| {
            inv.instance(&d.instance).map(|(_, _, i)| server_name(i))
        });
        for d in &inv.databases {
            let job = match d.role.value {
                DatabaseRole::Tracking => Some((
                    "dta-purge-and-archive".to_string(),
                    format!("DTA Purge and Archive ({})", d.name),
                    true,
                )),
                DatabaseRole::Messagebox => Some((
                    format!("messagebox-message-cleanup-{}", d.name.to_ascii_lowercase()),
                    format!("MessageBox_Message_Cleanup_{}", d.name),
                    false,
                )),
                _ => None,
            };
            let Some((slug, job_name, enabled)) = job else {
                continue;
            };
            let Some((jsite, cluster, i)) = inv.instance(&d.instance) else {
                continue;
            };
            self.resource::<agent_job::AgentJob>(
                format!("sql.{}.job.{slug}", i.name),
                jsite,
                fci_owner(cluster, i),
                after_msgbox(&d.name),
                agent_job::Params {
                    server: server_name(i),
                    job_name,
                    database: d.name.value.clone(),
                },
                agent_job::Desired {
                    exists: true,
                    enabled,
                },
            );
        }
    }

    /// The MessageBoxes beyond the group's master (`biztalk.SITE.messagebox.DB`), added through
    /// BizTalk's WMI on `bts`: the others created and publishing before the master stops
    /// publishing (biztalk-ha.md §2.4). `server_of` names the SQL server BizTalk addresses a
    /// database by. Returns (database, address) of each, in build order; empty with one
    /// MessageBox.
    pub(super) fn scaled_out_messageboxes(
        &mut self,
        site: &Site,
        bts: &crate::inventory::BiztalkServer,
        group_addr: &str,
        server_of: impl Fn(&Database) -> Option<String>,
    ) -> Vec<(String, String)> {
        let inv = self.inv;
        let master = inv.master_messagebox().map(|d| d.name.value.clone());
        let msgboxes: Vec<_> = inv
            .databases
            .iter()
            .filter(|d| d.role.value == DatabaseRole::Messagebox)
            .collect();
        let mut msgbox_addr: Vec<(String, String)> = Vec::new();
        if msgboxes.len() > 1 {
            let (masters, others): (Vec<&&Database>, Vec<&&Database>) = msgboxes
                .iter()
                .partition(|d| master.as_deref() == Some(d.name.as_str()));
            for d in others.into_iter().chain(masters) {
                let Some(server) = server_of(d) else {
                    continue;
                };
                let is_master = master.as_deref() == Some(d.name.as_str());
                let mut deps = vec![group_addr.to_string()];
                if is_master {
                    deps.extend(msgbox_addr.iter().map(|(_, a)| a.clone()));
                }
                let a = self.resource::<messagebox::Messagebox>(
                    format!("biztalk.{}.messagebox.{}", site.name, d.name),
                    site,
                    Target::Node {
                        host: bts.name.value.clone(),
                    },
                    deps,
                    messagebox::Params {
                        server,
                        database: d.name.value.clone(),
                        master: is_master,
                    },
                    messagebox::Desired {
                        exists: true,
                        publishing: d.publishing.as_ref().is_none_or(|p| p.value),
                    },
                );
                msgbox_addr.push((d.name.value.clone(), a));
            }
        }
        msgbox_addr
    }

    /// The BizTalk group's configuration (`biztalk.SITE.group`) from `bts`, the site's first
    /// BizTalk server, after `deps`; `server_of` names the SQL server BizTalk addresses a
    /// database by (an FCI's network name, or a listener's name). Returns its address.
    pub(super) fn biztalk_group(
        &mut self,
        site: &Site,
        bts: &crate::inventory::BiztalkServer,
        deps: Vec<String>,
        server_of: impl Fn(&Database) -> Option<String>,
    ) -> String {
        let inv = self.inv;
        // What the management database records where the group's probe reads it (the
        // master MessageBox only: the others are the messagebox resources', below).
        let master_msgbox = inv.master_messagebox().map(|d| d.name.value.clone());
        let databases: NameMap = inv
            .databases
            .iter()
            .filter(|d| {
                biztalk_group::recorded_by_group(
                    d.role.value.as_str(),
                    master_msgbox.as_deref() == Some(d.name.as_str()),
                )
            })
            .map(|d| (d.name.value.clone(), d.instance.value.clone()))
            .collect();
        let roles: NamePairs = inv
            .databases
            .iter()
            .map(|d| (d.name.value.clone(), d.role.value.as_str().to_string()))
            .collect();
        let servers: NamePairs = inv
            .databases
            .iter()
            .filter_map(|d| server_of(d).map(|server| (d.name.value.clone(), server)))
            .collect();
        let groups = &inv.biztalk.groups;
        let (params, secrets) = self.group_params(biztalk_group::Params {
            version: inv.biztalk.version.value.clone(),
            roles,
            servers,
            administrators: groups.administrators.value.clone(),
            operators: groups.operators.value.clone(),
            sso_administrators: groups.sso_administrators.value.clone(),
            host_users: groups.host_users.iter().map(|h| h.value.clone()).collect(),
            sso_create: false,
            sso_service_account: None,
            sso_backup_file: None,
            sso_backup_reminder: None,
            sso_affiliate_administrators: None,
            rule_engine_account: None,
            b2b_operators: None,
        });
        let group_addr = self.resource::<biztalk_group::BiztalkGroup>(
            format!("biztalk.{}.group", site.name),
            site,
            Target::Node {
                host: bts.name.value.clone(),
            },
            deps,
            params,
            biztalk_group::Desired {
                configured: true,
                databases,
            },
        );
        let last = self.last();
        last.immutable = vec!["databases"];
        last.secrets = secrets;
        group_addr
    }

    /// BizTalk Server on every BizTalk server of `site` (`biztalk.SITE.server.NAME`): the
    /// runtime, and Join on all but the group's first server; then each server's host
    /// instances and ENTSSO (`biztalk.SITE.hosts.NAME`). `server_of` names the SQL server
    /// BizTalk addresses a database by (an FCI's network name, or a listener's name).
    pub(super) fn biztalk_servers(
        &mut self,
        site: &Site,
        mgmt: &Database,
        group_addr: &str,
        server_of: impl Fn(&Database) -> Option<String>,
    ) {
        let inv = self.inv;
        let sso = inv
            .databases
            .iter()
            .find(|d| *d.role == DatabaseRole::Sso)
            .and_then(|d| server_of(d).map(|server| (server, d.name.value.clone())))
            .unwrap_or_default();
        let messagebox_servers: Vec<String> = inv
            .databases
            .iter()
            .filter(|d| *d.role == DatabaseRole::Messagebox)
            .filter_map(&server_of)
            .collect();
        let netbios = &inv.domain.netbios.value;
        let host_users = &inv.biztalk.groups.host_users;
        let in_process_users = host_users.first().map_or_else(
            || format!("{netbios}\\BizTalk Application Users"),
            |g| g.value.clone(),
        );
        let isolated_users = host_users.get(1).map_or_else(
            || format!("{netbios}\\BizTalk Isolated Host Users"),
            |g| g.value.clone(),
        );
        let sso_account = inv.biztalk.sso.as_ref().map(|s| &s.service_account);
        for (n, server) in site.biztalk_servers.iter().enumerate() {
            let mut deps = vec![group_addr.to_string()];
            deps.extend(
                self.resources
                    .iter()
                    .filter(|r| {
                        matches!(r.kind, ResourceKind::DtcNetwork | ResourceKind::Firewall)
                            && matches!(&r.target, Target::Node { host } if host.eq_ignore_ascii_case(&server.name))
                    })
                    .map(|r| r.address.clone()),
            );
            let server_addr = self.resource::<biztalk_server::BiztalkServer>(
                format!("biztalk.{}.server.{}", site.name, server.name),
                site,
                Target::Node {
                    host: server.name.value.clone(),
                },
                deps,
                biztalk_server::Params {
                    server: server.name.value.clone(),
                    version: inv.biztalk.version.value.clone(),
                    join: n > 0 || self.group_elsewhere,
                    management_server: server_of(mgmt).unwrap_or_default(),
                    management_database: mgmt.name.value.clone(),
                    messagebox_servers: messagebox_servers.clone(),
                    sso_server: sso.0.clone(),
                    sso_database: sso.1.clone(),
                    host_users: in_process_users.clone(),
                    isolated_host_users: isolated_users.clone(),
                    service_account: sso_account.map(|a| a.user.value.clone()),
                },
                biztalk_server::Desired { configured: true },
            );
            if let Some(p) = sso_account.and_then(|a| a.password.as_ref()) {
                self.last().secrets = vec![SecretUse {
                    key: "biztalk.sso.service_password".into(),
                    reference: p.value.clone(),
                }];
            }
            self.resource::<host_instances::HostInstances>(
                format!("biztalk.{}.hosts.{}", site.name, server.name),
                site,
                Target::Node {
                    host: server.name.value.clone(),
                },
                vec![group_addr.to_string(), server_addr],
                host_instances::Params {
                    server: server.name.value.clone(),
                    watch: None,
                },
                host_instances::Desired {
                    stopped_automatic: Vec::new(),
                },
            );
        }
    }

    /// The group configuration's accounts, filled into `params`: the SSO parameters
    /// (`sso_create` false, and the rest null, without `biztalk.sso`: the configuration then
    /// joins an existing SSO system), the Rule Engine Update Service account, the B2B
    /// operators group; and the secrets they carry (only references; the values travel in
    /// the step payload).
    pub(super) fn group_params(
        &self,
        mut params: biztalk_group::Params,
    ) -> (biztalk_group::Params, Vec<SecretUse>) {
        let bt = &self.inv.biztalk;
        let netbios = &self.inv.domain.netbios.value;
        let mut secrets = Vec::new();
        // With a clustered master secret server the SSO system exists before the group is
        // configured (sso.rs), and the group joins it; otherwise the group creates it.
        let clustered = self
            .inv
            .clusters()
            .any(|(_, c)| c.sso_master_secret.is_some());
        if let Some(s) = bt.sso.as_ref() {
            secrets.extend(Self::sso_secrets(s, !clustered));
            params.sso_create = !clustered;
            params.sso_service_account = Some(s.service_account.user.value.clone());
            params.sso_backup_file = Some(s.backup_file.value.clone());
            params.sso_backup_reminder = s.backup_reminder.as_ref().map(|r| r.value.clone());
            params.sso_affiliate_administrators =
                Some(s.affiliate_administrators.as_ref().map_or_else(
                    || format!("{netbios}\\SSO Affiliate Administrators"),
                    |a| a.value.clone(),
                ));
        }
        let rule_engine = bt.rule_engine_account.as_ref();
        if let Some(p) = rule_engine.and_then(|a| a.password.as_ref()) {
            secrets.push(SecretUse {
                key: "biztalk.rule_engine.password".into(),
                reference: p.value.clone(),
            });
        }
        params.rule_engine_account = rule_engine.map(|a| a.user.value.clone());
        params.b2b_operators = bt.groups.b2b_operators.as_ref().map(|g| g.value.clone());
        (params, secrets)
    }

    pub(super) fn log_shipping(&mut self, site_filter: Option<&str>) {
        let inv = self.inv;
        for ls in &inv.backup.log_shipping {
            let (Some((_, _, src)), Some((dsite, dcluster, dst))) =
                (inv.instance(&ls.source), inv.instance(&ls.destination))
            else {
                continue;
            };
            if site_filter.is_some_and(|f| !dsite.name.eq_ignore_ascii_case(f)) {
                continue;
            }
            let databases: Vec<String> = sorted(
                inv.databases_on(&src.name)
                    .filter(|d| inv.is_configured_sql_database(d))
                    .map(|d| d.name.value.clone())
                    .collect(),
            );
            // The DR SQL Agent account reads the source's backup history over a linked
            // server: a login with sysadmin on the source management instance ("Log shipping
            // user accounts and roles", biztalk-ha.md §5.4). Part of the shipping, so a DR
            // site built on its own (`--site`) creates it too.
            let (ssite, scluster, _) = inv.instance(&src.name).expect("matched above");
            let agent = dst.service_accounts.agent.user.value.clone();
            let login_addr = format!("sql.{}.login.{agent}", src.name);
            if !self.resources.iter().any(|r| r.address == login_addr) {
                self.resource::<sql_login::SqlLogin>(
                    login_addr.clone(),
                    ssite,
                    fci_owner(scluster, src),
                    vec![format!("sql.{}.config", src.name)],
                    sql_login::Params {
                        server: server_name(src),
                        login: agent,
                    },
                    sql_login::Desired {
                        exists: true,
                        server_roles: vec!["sysadmin".into()],
                    },
                );
                // A login outside a `--site` slice has no config resource to wait for.
                let present: Vec<String> =
                    self.resources.iter().map(|r| r.address.clone()).collect();
                self.last().depends_on.retain(|d| present.contains(d));
            }
            let rights = self.shipping_rights(
                (ssite, scluster, src),
                (dsite, dcluster, dst),
                &databases,
                &login_addr,
            );
            let mut deps = vec![format!("sql.{}.config", dst.name), login_addr];
            deps.extend(rights);
            for r in &self.resources {
                if r.address.starts_with(&format!("sql.{}.login.", dst.name))
                    || r.address == format!("sql.{}.job.backup-biztalk-server", src.name)
                {
                    deps.push(r.address.clone());
                }
            }
            deps.retain(|d| self.resources.iter().any(|r| &r.address == d));
            let mgmt = inv
                .databases
                .iter()
                .find(|d| d.role.value == DatabaseRole::Management)
                .map(|d| d.name.value.clone());
            self.resource::<log_shipping::LogShipping>(
                format!("logshipping.{}-to-{}", src.name, dst.name),
                dsite,
                fci_owner(dcluster, dst),
                deps,
                log_shipping::Params {
                    source_server: server_name(src),
                    destination_server: server_name(dst),
                    management_database: mgmt,
                    backup_destination: inv.backup.destination.value.clone(),
                },
                log_shipping::Desired {
                    configured: true,
                    source: src.name.value.clone(),
                    databases,
                    restore_job_enabled: true,
                },
            );
        }
    }
}

/// The Backup BizTalk Server job's parameters on the instance (`server`) holding the
/// management database: where the group configuration put it, or the DR instance a
/// promotion makes the new primary.
pub(super) fn backup_job_params(
    inv: &crate::inventory::Inventory,
    management_database: &str,
    server: String,
) -> backup_job::Params {
    backup_job::Params {
        server,
        job_name: format!("Backup BizTalk Server ({management_database})"),
        management_database: management_database.to_string(),
        frequency_letter: inv.backup.frequency.value.job_letter().into(),
    }
}

/// The Backup BizTalk Server job as the inventory's `backup` section describes it.
pub(super) fn backup_job_desired(inv: &crate::inventory::Inventory) -> backup_job::Desired {
    let b = &inv.backup;
    backup_job::Desired {
        exists: true,
        enabled: true,
        destination: b.destination.value.clone(),
        frequency: format!("{:?}", b.frequency.value).to_ascii_lowercase(),
        backup_hour: b.backup_hour.as_ref().map_or(0, |h| h.value),
        use_local_time: b.use_local_time.as_ref().is_some_and(|h| h.value),
        mark_name: b.mark_name.value.clone(),
        days_to_keep: b.days_to_keep.value,
        compression: b.compression.as_ref().is_some_and(|h| h.value),
    }
}

/// What a step on database `db` waits for: the group's configuration and, for a MessageBox
/// added after it, that MessageBox's resource.
pub(super) fn after_msgbox(
    group_addr: &str,
    msgbox_addr: &[(String, String)],
    db: &str,
) -> Vec<String> {
    let mut deps = vec![group_addr.to_string()];
    deps.extend(
        msgbox_addr
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(db))
            .map(|(_, a)| a.clone()),
    );
    deps
}
