//! `biztalk_group` on a simulated BizTalk server: `Configuration.exe /s` creating the group's
//! databases and their SQL Agent jobs (MSDTC must allow network transactions and every
//! instance must answer first; an existing group is never reconfigured).

use super::{Simulated, Spec};
use crate::kind::biztalk_group::{BiztalkGroup, BiztalkGroupObserved, Params, CHECK_CONFIGURED};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::world::{BackupSettings, DatabaseState, JobState, World};
use crate::sim::Ctx;
use crate::step::Check;

/// The management database and the server holding it.
fn management(p: &Params) -> Result<(String, String), String> {
    let mgmt = p
        .roles
        .key_of("management")
        .ok_or("the step's spec names no management database (a render bug)")?;
    let server = p
        .servers
        .get(mgmt)
        .ok_or("the step's spec has no server for the management database (a render bug)")?;
    Ok((mgmt.to_string(), server.to_string()))
}

/// The SQL Agent jobs BizTalk configuration creates for a database (the kind module's list).
pub(in crate::sim) fn jobs_for(db: &str, role: &str, master: bool) -> Vec<(String, bool)> {
    crate::kind::biztalk_group::configuration_jobs(db, role, master)
}

impl Simulated for BiztalkGroup {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<BiztalkGroupObserved, String> {
        let (mgmt, server) = management(&s.params)?;
        let group = reach(w, &server)?
            .databases
            .get(&mgmt)
            .and_then(|d| d.biztalk_group.clone());
        Ok(BiztalkGroupObserved {
            configured: group.is_some(),
            databases: group.unwrap_or_default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        // WB-BTS-06: the server's NetBIOS name is at most 15 characters.
        crate::sim::env::netbios_name(&c.node)?;
        // WB-PROC-02, WB-BTS-01: Configuration.exe silent, and waited for.
        crate::sim::script::silent(c.script)?;
        crate::sim::script::waits_for_configuration(c.script)?;
        let (mgmt, mgmt_server) = management(p)?;
        let dtc = w.host(&c.node).map(|h| h.dtc.clone()).unwrap_or_default();
        if !(dtc.network_dtc_access && dtc.inbound && dtc.outbound) {
            return Err(format!(
                "BizTalk Server Configuration: MSDTC on {} is not configured for network transactions (network DTC access, inbound and outbound must be allowed). Configure MSDTC first.",
                c.node
            ));
        }
        // Every instance must answer, the account sysadmin there (WB-BTS-03), before
        // anything is created.
        for (_, s) in p.servers.iter() {
            reach(w, s).map_err(|e| {
                format!(
                    "BizTalk Server Configuration failed: cannot connect to SQL Server '{s}'. {e}"
                )
            })?;
            if !crate::sim::sql_side::caller_is_sysadmin(w, s) {
                return Err(format!(
                    "BizTalk Server Configuration failed: the account '{}' is not a member of the sysadmin role on SQL Server '{s}'",
                    w.sql_side.caller
                ));
            }
        }
        // WB-BTS-04: the Enterprise SSO feature joins an SSO system only if one exists (the
        // clustered master secret server's nodes created it), and Create makes one.
        let sso_db = p.roles.key_of("sso");
        let sso_server = sso_db.and_then(|d| p.servers.get(d));
        if let (false, Some(db), Some(server)) = (p.sso_create, sso_db, sso_server) {
            if super::sso_server::secret_server(w, server, db).is_none() {
                return Err(format!(
                    "BizTalk Server Configuration (Enterprise SSO) failed: Join an existing SSO system: the SSO database '{db}' on '{server}' holds no SSO system (no master secret server). Create the SSO system first; every later feature was skipped"
                ));
            }
        }
        // What configuration records where the group's probe reads it (the management
        // database's own server, adm_Group's tracking database, adm_MessageBox's master), as
        // the probe reports it: the network name, without the instance.
        let master_db = p.roles.key_of("messagebox");
        let wanted: std::collections::BTreeMap<String, String> = p
            .roles
            .iter()
            .filter(|(db, role)| {
                crate::kind::biztalk_group::recorded_by_group(role, master_db == Some(*db))
            })
            .filter_map(|(db, _)| {
                p.servers.get(db).map(|s| {
                    (
                        db.to_string(),
                        s.split('\\').next().unwrap_or(s).to_string(),
                    )
                })
            })
            .collect();
        let existing = w
            .instance(&mgmt_server)
            .and_then(|i| i.databases.get(&mgmt))
            .and_then(|d| d.biztalk_group.clone());
        if let Some(have) = existing {
            if have != wanted {
                return Err(format!(
                    "BizTalk Server Configuration: the group in {mgmt} is already configured with other databases; bisrc will not reconfigure an existing group (unconfigure it first)"
                ));
            }
            return Ok(());
        }
        let master = p.roles.key_of("messagebox");
        for (db, role) in p.roles.iter() {
            if matches!(role, "bam_analysis" | "tracking_analysis") {
                continue; // Analysis Services databases, not SQL Server databases.
            }
            if role == "messagebox" && master != Some(db) {
                continue; // The XML names the master; the others are added afterwards.
            }
            let Some(server) = p.servers.get(db) else {
                continue;
            };
            let i = w.instance_mut(server).expect("reached above");
            let msgbox = role == "messagebox";
            i.databases.entry(db.to_string()).or_insert(DatabaseState {
                role: Some(role.to_string()),
                recovery_model: "FULL".into(),
                // BizTalk turns automatic statistics off on the MessageBox itself.
                auto_create_statistics: !msgbox,
                auto_update_statistics: !msgbox,
                publishing: msgbox.then_some(true),
                biztalk_group: None,
                sso_secret_server: None,
            });
            for (job, enabled) in jobs_for(db, role, master == Some(db)) {
                i.jobs.entry(job).or_insert(JobState {
                    enabled,
                    step_database: Some(db.to_string()),
                    ..JobState::default()
                });
            }
            if role == "management" {
                i.jobs
                    .get_mut(&format!("Backup BizTalk Server ({db})"))
                    .expect("just created")
                    .backup = Some(BackupSettings::default());
            }
        }
        if let (true, Some(db), Some(server)) = (p.sso_create, sso_db, sso_server) {
            // Create: this server generates the master secret and becomes the master secret
            // server.
            if let Some(d) = w.instance_mut(server).and_then(|i| i.databases.get_mut(db)) {
                d.sso_secret_server.get_or_insert_with(|| c.node.clone());
            }
        }
        let i = w.instance_mut(&mgmt_server).expect("reached above");
        let d = i
            .databases
            .get_mut(&mgmt)
            .ok_or("the management database was not created")?;
        d.biztalk_group = Some(wanted);
        // The group's configuration leaves the runtime out: this server's host instances and
        // ENTSSO come with its `biztalk_server` step (sim/kind/biztalk_server.rs).
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &BiztalkGroupObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_CONFIGURED,
            c,
            o,
            &["configured", "databases"],
            &c.apply_hint(),
        )])
    }

    /// Drops the group's databases and the SQL Agent jobs configuration made for them, on
    /// every instance holding one (WB-DEL-06): each instance must answer first.
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        for (_, server) in p.servers.iter() {
            reach(w, server)?;
        }
        // WB-AG-10: a database in an availability group cannot be dropped.
        for (db, _) in p.servers.iter() {
            if let Some(ag) = w.ags.values().find(|a| a.databases.iter().any(|d| d == db)) {
                return Err(format!("Msg 3752: The database '{db}' is currently joined to an availability group ('{}'). Before you can drop the database, you need to remove it from the availability group.", ag.name));
            }
        }
        let master = p.roles.key_of("messagebox");
        for (db, role) in p.roles.iter() {
            let Some(server) = p.servers.get(db) else {
                continue;
            };
            let Some(i) = w.instance_mut(server) else {
                continue;
            };
            i.databases.remove(db);
            for (job, _) in jobs_for(db, role, master == Some(db)) {
                i.jobs.remove(&job);
            }
        }
        Ok(())
    }
}
