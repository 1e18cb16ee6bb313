//! BizTalk on the SQL tier: the group configuration that creates the databases and their SQL
//! Agent jobs, database settings, the Backup BizTalk Server job (and the full backups it
//! takes), other agent jobs, and BizTalk log shipping to a DR instance. Takes a step and the
//! world; answers probes and converges applies (no group before the instances answer, no log
//! shipping before the source has a backup history).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::sql::{agent_running, reach, sql_error};
use super::world::{vnn, BackupSettings, DatabaseState, JobState, LogShippingState, World};
use super::Ctx;
use crate::step::ResourceKind;

/// The restore job log shipping creates on the destination.
pub(super) const RESTORE_JOB: &str = "BTS Log Shipping - Restore Databases";

/// Seconds in one backup frequency period.
pub(super) fn period_secs(frequency: &str) -> u64 {
    match frequency {
        "hourly" => 3_600,
        "weekly" => 7 * 86_400,
        "monthly" => 31 * 86_400,
        "yearly" => 366 * 86_400,
        _ => 86_400,
    }
}

fn obj(c: &Ctx, key: &str) -> Map<String, Value> {
    c.params
        .get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Probe of `biztalk_group`, `database_settings`, `backup_job`, `agent_job`, `log_shipping`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    match c.kind {
        ResourceKind::BiztalkGroup => {
            let (mgmt, server) = management(c)?;
            let group = reach(w, &server)?
                .databases
                .get(&mgmt)
                .and_then(|d| d.biztalk_group.clone());
            Ok(json!({
                "configured": group.is_some(),
                "databases": group.unwrap_or_default(),
            }))
        }
        ResourceKind::DatabaseSettings => {
            let db = c.param_str("database")?;
            let found = reach(w, &c.param_str("server")?)?.databases.get(&db);
            Ok(match found {
                Some(d) => json!({
                    "exists": true, "recovery_model": d.recovery_model,
                    "auto_create_statistics": d.auto_create_statistics,
                    "auto_update_statistics": d.auto_update_statistics,
                    "publishing": d.publishing,
                }),
                None => json!({
                    "exists": false, "recovery_model": null, "auto_create_statistics": null,
                    "auto_update_statistics": null, "publishing": null,
                }),
            })
        }
        ResourceKind::BackupJob => {
            let job = c.param_str("job_name")?;
            let found = reach(w, &c.param_str("server")?)?.jobs.get(&job);
            Ok(match found {
                Some(j) => {
                    let b = j.backup.clone().unwrap_or_default();
                    json!({
                        "exists": true, "enabled": j.enabled, "destination": b.destination,
                        "frequency": b.frequency, "backup_hour": b.backup_hour,
                        "use_local_time": b.use_local_time, "mark_name": b.mark_name,
                        "days_to_keep": b.days_to_keep, "compression": b.compression,
                    })
                }
                None => json!({
                    "exists": false, "enabled": null, "destination": null, "frequency": null,
                    "backup_hour": null, "use_local_time": null, "mark_name": null,
                    "days_to_keep": null, "compression": null,
                }),
            })
        }
        ResourceKind::AgentJob => {
            let job = c.param_str("job_name")?;
            let found = reach(w, &c.param_str("server")?)?.jobs.get(&job);
            Ok(json!({ "exists": found.is_some(), "enabled": found.map(|j| j.enabled) }))
        }
        _ => {
            let dest = reach(w, &c.param_str("destination_server")?)?;
            let ls = dest.log_shipping.as_ref().map(|l| (dest, l));
            Ok(match ls {
                Some((i, l)) => json!({
                    "configured": true, "source": l.source, "databases": l.databases,
                    "restore_job_enabled": i.jobs.get(RESTORE_JOB).map(|j| j.enabled),
                }),
                None => json!({
                    "configured": false, "source": null, "databases": [],
                    "restore_job_enabled": null,
                }),
            })
        }
    }
}

/// The management database and the server holding it.
fn management(c: &Ctx) -> Result<(String, String), String> {
    let roles = obj(c, "roles");
    let servers = obj(c, "servers");
    let mgmt = roles
        .iter()
        .find(|(_, r)| r.as_str() == Some("management"))
        .map(|(d, _)| d.clone())
        .ok_or("the step's spec names no management database (a render bug)")?;
    let server = servers
        .get(&mgmt)
        .and_then(Value::as_str)
        .ok_or("the step's spec has no server for the management database (a render bug)")?
        .to_string();
    Ok((mgmt, server))
}

/// Apply of `biztalk_group`, `database_settings`, `backup_job`, `agent_job`, `log_shipping`.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    match c.kind {
        ResourceKind::BiztalkGroup => configure_group(w, c),
        ResourceKind::DatabaseSettings => settings(w, c),
        ResourceKind::BackupJob => backup_job(w, c),
        ResourceKind::AgentJob => agent_job(w, c),
        _ => log_shipping(w, c),
    }
}

fn configure_group(w: &mut World, c: &Ctx) -> Result<(), String> {
    let (mgmt, mgmt_server) = management(c)?;
    let roles = obj(c, "roles");
    let servers = obj(c, "servers");
    let dtc = w.host(&c.node).map(|h| h.dtc.clone()).unwrap_or_default();
    if !(dtc.network_dtc_access && dtc.inbound && dtc.outbound) {
        return Err(format!(
            "BizTalk Server Configuration: MSDTC on {} is not configured for network transactions (network DTC access, inbound and outbound must be allowed). Configure MSDTC first.",
            c.node
        ));
    }
    // Every instance must answer before anything is created.
    for s in servers.values().filter_map(Value::as_str) {
        reach(w, s).map_err(|e| {
            format!("BizTalk Server Configuration failed: cannot connect to SQL Server '{s}'. {e}")
        })?;
    }
    let wanted: BTreeMap<String, String> = c
        .want("databases")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
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
    let master = roles
        .iter()
        .find(|(_, r)| r.as_str() == Some("messagebox"))
        .map(|(d, _)| d.clone());
    for (db, role) in &roles {
        let role = role.as_str().unwrap_or_default();
        if matches!(role, "bam_analysis" | "tracking_analysis") {
            continue; // Analysis Services databases, not SQL Server databases.
        }
        let Some(server) = servers.get(db).and_then(Value::as_str) else {
            continue;
        };
        let i = w.instance_mut(server).expect("reached above");
        let msgbox = role == "messagebox";
        i.databases.entry(db.clone()).or_insert(DatabaseState {
            role: Some(role.to_string()),
            recovery_model: "FULL".into(),
            // BizTalk turns automatic statistics off on the MessageBox itself.
            auto_create_statistics: !msgbox,
            auto_update_statistics: !msgbox,
            publishing: msgbox.then_some(true),
            biztalk_group: None,
        });
        for (job, enabled) in jobs_for(db, role, master.as_deref() == Some(db)) {
            i.jobs.entry(job).or_insert(JobState {
                enabled,
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
    let i = w.instance_mut(&mgmt_server).expect("reached above");
    let d = i
        .databases
        .get_mut(&mgmt)
        .ok_or("the management database was not created")?;
    d.biztalk_group = Some(wanted);
    Ok(())
}

/// The SQL Agent jobs BizTalk configuration creates for a database, and whether each ships
/// enabled (biztalk-ha.md §5.6).
fn jobs_for(db: &str, role: &str, master: bool) -> Vec<(String, bool)> {
    match role {
        "management" => vec![
            (format!("Backup BizTalk Server ({db})"), false),
            (format!("CleanupBTFExpiredEntriesJob_{db}"), true),
            (format!("Monitor BizTalk Server ({db})"), true),
        ],
        "messagebox" => {
            let mut v = vec![
                (format!("MessageBox_DeadProcesses_Cleanup_{db}"), true),
                (format!("MessageBox_Message_Cleanup_{db}"), false),
                (format!("MessageBox_Message_ManageRefCountLog_{db}"), true),
                (format!("MessageBox_Parts_Cleanup_{db}"), true),
                (format!("MessageBox_UpdateStats_{db}"), true),
                (format!("PurgeSubscriptionsJob_{db}"), true),
                (format!("TrackedMessages_Copy_{db}"), true),
            ];
            if master {
                v.push((format!("Operations_OperateOnInstances_OnMaster_{db}"), true));
            }
            v
        }
        "tracking" => vec![(format!("DTA Purge and Archive ({db})"), false)],
        "rule_engine" => vec![(format!("Rules_Database_Cleanup_{db}"), true)],
        _ => vec![],
    }
}

fn missing_db(db: &str) -> String {
    format!(
        "Invoke-Sqlcmd : Database '{db}' does not exist. Make sure that the name is entered correctly. (Msg 911) Run the BizTalk group configuration first."
    )
}

fn missing_job(job: &str) -> String {
    format!(
        "Invoke-Sqlcmd : The specified @job_name ('{job}') does not exist. (Msg 14262) Run the BizTalk group configuration first."
    )
}

fn settings(w: &mut World, c: &Ctx) -> Result<(), String> {
    let server = c.param_str("server")?;
    let db = c.param_str("database")?;
    reach(w, &server)?;
    let i = w.instance_mut(&server).expect("reached");
    let d = i.databases.get_mut(&db).ok_or_else(|| missing_db(&db))?;
    if let Some(v) = c.want_str("recovery_model") {
        if !["FULL", "BULK_LOGGED", "SIMPLE"].contains(&v.as_str()) {
            return Err(format!("Msg 102: Incorrect syntax near '{v}'."));
        }
        d.recovery_model = v;
    }
    if let Some(v) = c.want_bool("auto_create_statistics") {
        d.auto_create_statistics = v;
    }
    if let Some(v) = c.want_bool("auto_update_statistics") {
        d.auto_update_statistics = v;
    }
    if let Some(v) = c.want_bool("publishing") {
        if d.publishing.is_none() {
            return Err(format!(
                "{db} is not a MessageBox database; publication cannot be set on it"
            ));
        }
        d.publishing = Some(v);
    }
    Ok(())
}

fn backup_job(w: &mut World, c: &Ctx) -> Result<(), String> {
    let server = c.param_str("server")?;
    let job = c.param_str("job_name")?;
    reach(w, &server)?;
    let agent = agent_running(w, &server);
    let now = c.now;
    let i = w.instance_mut(&server).expect("reached");
    let j = i.jobs.get_mut(&job).ok_or_else(|| missing_job(&job))?;
    let b = j.backup.get_or_insert_with(BackupSettings::default);
    if let Some(v) = c.want_str("destination") {
        b.destination = Some(v);
    }
    if let Some(v) = c.want_str("frequency") {
        b.frequency = Some(v);
    }
    if let Some(v) = c.want_u64("backup_hour") {
        if v > 23 {
            return Err(format!("@BackupHour {v} is not an hour of the day (0-23)"));
        }
        b.backup_hour = u32::try_from(v).ok();
    }
    if let Some(v) = c.want_bool("use_local_time") {
        b.use_local_time = Some(v);
    }
    if let Some(v) = c.want_str("mark_name") {
        b.mark_name = Some(v);
    }
    if let Some(v) = c.want_u64("days_to_keep") {
        b.days_to_keep = u32::try_from(v).ok();
    }
    if let Some(v) = c.want_bool("compression") {
        b.compression = Some(v);
    }
    let enable = c.want_bool("enabled");
    if let Some(e) = enable {
        let newly = e && !j.enabled;
        j.enabled = e;
        // The job's first run after enabling takes a full backup (when the agent runs).
        if newly && agent {
            if b.destination.is_none() {
                j.last_outcome = Some("Failed".into());
            } else {
                b.last_full_backup = Some(now);
                j.last_outcome = Some("Succeeded".into());
            }
            j.last_run = Some(now);
        }
    }
    Ok(())
}

fn agent_job(w: &mut World, c: &Ctx) -> Result<(), String> {
    let server = c.param_str("server")?;
    let job = c.param_str("job_name")?;
    reach(w, &server)?;
    let i = w.instance_mut(&server).expect("reached");
    let j = i.jobs.get_mut(&job).ok_or_else(|| missing_job(&job))?;
    if let Some(e) = c.want_bool("enabled") {
        j.enabled = e;
    }
    Ok(())
}

fn log_shipping(w: &mut World, c: &Ctx) -> Result<(), String> {
    let dest = c.param_str("destination_server")?;
    let source = c.param_str("source_server")?;
    let mgmt = c
        .param_str("management_database")
        .unwrap_or_else(|_| "BizTalkMgmtDb".into());
    reach(w, &dest)?;
    let src = reach(w, &source).map_err(|_| {
            format!(
                "bts_ConfigureBizTalkLogShipping: cannot reach the source management server '{source}' through the linked server. {}",
                sql_error(&source)
            )
        })?;
    let has_history = src
        .jobs
        .values()
        .filter_map(|j| j.backup.as_ref())
        .any(|b| b.last_full_backup.is_some());
    if !src.databases.contains_key(&mgmt) || !has_history {
        return Err(format!(
            "bts_ConfigureBizTalkLogShipping: no backup history in {mgmt}.adm_BackupHistory on '{source}'; configure and enable the Backup BizTalk Server job on the source first"
        ));
    }
    let source_name = c.want_str("source").unwrap_or_else(|| vnn(&source));
    let mut databases: Vec<String> = c
        .want("databases")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    databases.sort();
    let restore = c.want_bool("restore_job_enabled").unwrap_or(true);
    let i = w.instance_mut(&dest).expect("reached");
    i.log_shipping = Some(LogShippingState {
        source: source_name,
        databases,
        restore_job_enabled: restore,
    });
    for (job, enabled) in [
        ("BTS Log Shipping - Get Backup History", restore),
        (RESTORE_JOB, restore),
        ("BTS Log Shipping - Restore To Mark", false),
    ] {
        i.jobs.entry(job.to_string()).or_default().enabled = enabled;
    }
    Ok(())
}
