//! BizTalk on availability groups (biztalk-ha.md §4.2, "Setting up BizTalk when the AGs
//! already exist"): logins on every replica; the group configured against the listeners
//! (every database addressed by its group's listener name); the database settings and SQL
//! Agent jobs through the listener, on the primary; each BizTalk database added to its group
//! and seeded to the secondaries; then BizTalk's jobs on every replica, each step behind the
//! primary-replica guard.

use super::super::resource::{sorted, Target};
use super::availability::replica_server;
use super::biztalk::{after_msgbox, backup_job_desired, backup_job_params};
use super::Builder;
use crate::inventory::{AvailabilityGroup, Cluster, Database, DatabaseRole, Site};
use crate::kind::biztalk_group::configuration_jobs;
use crate::kind::{ag_database, ag_jobs, agent_job, backup_job, database_settings, sql_login};

/// Steps that run on the primary replica of `g`: the owner of its cluster role.
fn ag_owner(c: &Cluster, g: &AvailabilityGroup) -> Target {
    Target::Owner {
        cluster: c.name.value.clone(),
        group: g.name.value.clone(),
        candidates: g.replicas.iter().map(|r| r.node.value.clone()).collect(),
    }
}

impl Builder<'_> {
    /// The BizTalk group and its databases when the management database is on an
    /// availability group's listener. Every BizTalk database is then on a listener
    /// (validation's rule).
    pub(super) fn biztalk_on_listeners(&mut self, site_filter: Option<&str>, mgmt: &Database) {
        let inv = self.inv;
        let Some((site, _, _)) = inv.listener(&mgmt.instance) else {
            return;
        };
        if site_filter.is_some_and(|f| !site.name.eq_ignore_ascii_case(f)) {
            return;
        }
        let Some(bts) = site.biztalk_servers.first() else {
            return;
        };
        // The groups BizTalk's databases are on, each once, in inventory order.
        let mut groups: Vec<(&Site, &Cluster, &AvailabilityGroup)> = Vec::new();
        for d in &inv.databases {
            if let Some(found) = inv.listener(&d.instance) {
                if !groups.iter().any(|(_, _, g)| g.name == found.2.name) {
                    groups.push(found);
                }
            }
        }
        // Logins live in master, which no group replicates: every replica gets them, so a
        // secondary that becomes primary lets BizTalk in (Windows logins: the domain gives
        // the same SID everywhere).
        let mut deps: Vec<String> = Vec::new();
        for (gsite, _, g) in &groups {
            let hosts_sso = inv
                .databases
                .iter()
                .any(|d| d.role.value == DatabaseRole::Sso && d.instance == g.listener.name);
            for r in &g.replicas {
                for (login, roles) in self.biztalk_logins(hosts_sso) {
                    deps.push(self.resource::<sql_login::SqlLogin>(
                        format!("ag.{}.replica.{}.login.{login}", g.name, r.node),
                        gsite,
                        Target::Node {
                            host: r.node.value.clone(),
                        },
                        vec![format!("ag.{}.replica.{}", g.name, r.node)],
                        sql_login::Params {
                            server: replica_server(&r.node, g),
                            login,
                        },
                        sql_login::Desired {
                            exists: true,
                            server_roles: roles,
                        },
                    ));
                }
            }
            deps.push(format!("ag.{}", g.name));
            for r in g.replicas.iter().skip(1) {
                deps.push(format!("ag.{}.join.{}", g.name, r.node));
            }
        }
        // A database beside the groups on an FCI (BAMArchive, which cannot be in a group): its
        // instance configured with its logins first, as for a group on FCIs.
        let on_fci: Vec<String> = inv
            .databases
            .iter()
            .filter(|d| inv.listener(&d.instance).is_none())
            .map(|d| d.instance.value.clone())
            .collect();
        for r in &self.resources {
            let fci_ready = on_fci.iter().any(|i| {
                r.address == format!("sql.{i}.config")
                    || r.address.starts_with(&format!("sql.{i}.login."))
            });
            if fci_ready
                || (r.site == site.name.value && r.kind == crate::kind::ResourceKind::DtcNetwork)
            {
                deps.push(r.address.clone());
            }
        }
        // The group configuration, against the listeners.
        let group_addr = self.biztalk_group(site, bts, deps, |d| Some(d.instance.value.clone()));
        // BizTalk Server on every BizTalk server, addressing the databases by their listeners.
        self.biztalk_servers(site, mgmt, &group_addr, |d| Some(d.instance.value.clone()));
        // Scaled-out MessageBoxes through BizTalk's WMI, on their listeners (as on an FCI).
        let msgbox_addr = self
            .scaled_out_messageboxes(site, bts, &group_addr, |d| Some(d.instance.value.clone()));
        for (gsite, c, g) in groups {
            self.group_databases_and_jobs(gsite, c, g, mgmt, &group_addr, &msgbox_addr);
        }
    }

    /// One availability group's BizTalk databases: their settings and jobs through the
    /// listener, each added to the group, then BizTalk's jobs on every replica.
    fn group_databases_and_jobs(
        &mut self,
        gsite: &Site,
        c: &Cluster,
        g: &AvailabilityGroup,
        mgmt: &Database,
        group_addr: &str,
        msgbox_addr: &[(String, String)],
    ) {
        let inv = self.inv;
        let master = inv.master_messagebox().map(|d| d.name.value.clone());
        let listener = g.listener.name.value.clone();
        let on_primary = ag_owner(c, g);
        let dbs: Vec<&Database> = inv
            .databases
            .iter()
            .filter(|d| d.instance.eq_ignore_ascii_case(&listener))
            .filter(|d| inv.is_configured_sql_database(d))
            .collect();
        // Settings and jobs through the listener, on the primary, before the jobs are
        // copied: the backup job's configuration rewrites its steps, which must happen
        // before they are guarded.
        let mut before_copy: Vec<String> = Vec::new();
        for d in &dbs {
            let messagebox = d.role.value == DatabaseRole::Messagebox;
            let settings = self.resource::<database_settings::DatabaseSettings>(
                format!("db.{listener}.{}.settings", d.name),
                gsite,
                on_primary.clone(),
                after_msgbox(group_addr, msgbox_addr, &d.name),
                database_settings::Params {
                    server: listener.clone(),
                    database: d.name.value.clone(),
                    role: d.role.value.as_str().to_string(),
                    master: master.as_deref() == Some(d.name.as_str()),
                    management_database: mgmt.name.value.clone(),
                },
                database_settings::Desired {
                    exists: true,
                    recovery_model: "FULL".into(),
                    auto_create_statistics: messagebox.then_some(false),
                    auto_update_statistics: messagebox.then_some(false),
                },
            );
            let added = self.resource::<ag_database::AgDatabase>(
                format!("ag.{}.db.{}", g.name, d.name),
                gsite,
                on_primary.clone(),
                vec![settings],
                ag_database::Params {
                    availability_group: g.name.value.clone(),
                    database: d.name.value.clone(),
                    server: listener.clone(),
                    replicas: sorted(
                        g.replicas
                            .iter()
                            .map(|r| replica_server(&r.node, g).to_ascii_uppercase())
                            .collect(),
                    ),
                    backup_destination: inv.backup.destination.value.clone(),
                },
                ag_database::Desired {
                    in_group: true,
                    recovery_model: "FULL".into(),
                },
            );
            before_copy.push(added);
            let job = match d.role.value {
                DatabaseRole::Management => {
                    before_copy.push(self.resource::<backup_job::BackupJob>(
                        format!("sql.{listener}.job.backup-biztalk-server"),
                        gsite,
                        on_primary.clone(),
                        vec![group_addr.to_string()],
                        backup_job_params(inv, &d.name.value, listener.clone()),
                        backup_job_desired(inv),
                    ));
                    None
                }
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
            if let Some((slug, job_name, enabled)) = job {
                before_copy.push(self.resource::<agent_job::AgentJob>(
                    format!("sql.{listener}.job.{slug}"),
                    gsite,
                    on_primary.clone(),
                    after_msgbox(group_addr, msgbox_addr, &d.name),
                    agent_job::Params {
                        server: listener.clone(),
                        job_name,
                        database: d.name.value.clone(),
                    },
                    agent_job::Desired {
                        exists: true,
                        enabled,
                    },
                ));
            }
        }
        // BizTalk's jobs for the group's databases, on every replica: the initial
        // primary's guarded first, then copied from the primary to each secondary.
        let jobs: Vec<ag_jobs::JobSpec> = dbs
            .iter()
            .flat_map(|d| {
                let is_master = master.as_deref() == Some(d.name.as_str());
                configuration_jobs(&d.name, d.role.value.as_str(), is_master)
                    .into_iter()
                    .map(|(name, _)| ag_jobs::JobSpec {
                        name,
                        database: d.name.value.clone(),
                    })
            })
            .collect();
        if jobs.is_empty() {
            return;
        }
        let names = sorted(jobs.iter().map(|j| j.name.clone()).collect());
        let mut first: Option<String> = None;
        for r in &g.replicas {
            let mut deps = match &first {
                None => before_copy.clone(),
                Some(p) => vec![p.clone(), format!("ag.{}.join.{}", g.name, r.node)],
            };
            deps.push(format!("ag.{}.replica.{}", g.name, r.node));
            let addr = self.resource::<ag_jobs::AgJobs>(
                format!("ag.{}.jobs.{}", g.name, r.node),
                gsite,
                Target::Node {
                    host: r.node.value.clone(),
                },
                deps,
                ag_jobs::Params {
                    availability_group: g.name.value.clone(),
                    server: replica_server(&r.node, g),
                    source: listener.clone(),
                    jobs: jobs.clone(),
                },
                ag_jobs::Desired {
                    jobs: names.clone(),
                    guarded: names.clone(),
                },
            );
            first.get_or_insert(addr);
        }
    }

    /// BizTalk's Windows logins and their fixed server roles on an instance
    /// (`securityadmin` for the SSO administrators where the SSO database is).
    fn biztalk_logins(&self, hosts_sso: bool) -> Vec<(String, Vec<String>)> {
        let g = &self.inv.biztalk.groups;
        let mut logins: Vec<(String, Vec<String>)> = vec![
            (g.administrators.value.clone(), vec![]),
            (g.operators.value.clone(), vec![]),
            (
                g.sso_administrators.value.clone(),
                if hosts_sso {
                    vec!["securityadmin".to_string()]
                } else {
                    vec![]
                },
            ),
        ];
        logins.extend(g.host_users.iter().map(|h| (h.value.clone(), vec![])));
        logins.extend(g.b2b_operators.iter().map(|h| (h.value.clone(), vec![])));
        let mut seen = std::collections::BTreeSet::new();
        logins.retain(|(l, _)| seen.insert(l.to_ascii_lowercase()));
        logins
    }
}
