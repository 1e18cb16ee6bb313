//! `log_shipping` on a simulated node: `bts_ConfigureBizTalkLogShipping` on the destination
//! (the source must answer through the linked server and have a backup history) and the
//! jobs it creates.

use super::{Simulated, Spec};
use crate::kind::log_shipping::{
    LogShipping, LogShippingObserved, CHECK_CONFIGURED, CHECK_LAG, CHECK_RESTORE_ENABLED,
};
use crate::sim::backup_rights::can_read;
use crate::sim::checks::diff_check;
use crate::sim::shipping::{age, catch_up, HISTORY_JOB};
use crate::sim::sql::reach;
use crate::sim::sql_side::{access_denied, query_error, security, share_allows, sp_configure};
use crate::sim::world::{LogShippingState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// Msg 15281 (the source is read through OPENROWSET).
const AD_HOC_BLOCKED: &str = "SQL Server blocked access to STATEMENT 'OpenRowset/OpenDatasource' of component 'Ad Hoc Distributed Queries' because this component is turned off as part of the security configuration for this server. A system administrator can enable the use of 'Ad Hoc Distributed Queries' by using sp_configure.";

/// The restore job log shipping creates on the destination.
const RESTORE_JOB: &str = "BTS Log Shipping - Restore Databases";

impl Simulated for LogShipping {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<LogShippingObserved, String> {
        let dest = reach(w, &s.params.destination_server)?;
        Ok(match &dest.log_shipping {
            Some(l) => LogShippingObserved {
                configured: true,
                source: Some(l.source.clone()),
                databases: l.databases.clone(),
                restore_job_enabled: dest.jobs.get(RESTORE_JOB).map(|j| j.enabled),
                restored_mark: l.restored.as_ref().map(|m| m.name.clone()),
                restored_mark_unix: l.restored.as_ref().map(|m| m.at),
                newest_unrestored: l
                    .history
                    .last()
                    .filter(|m| l.restored.as_ref().map(|r| r.at) < Some(m.at))
                    .map(|m| m.name.clone()),
            },
            None => LogShippingObserved::default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (p, want) = (&s.params, &s.desired);
        let dest = &p.destination_server;
        let source = &p.source_server;
        let mgmt = p
            .management_database
            .clone()
            .unwrap_or_else(|| "BizTalkMgmtDb".into());
        if reach(w, dest)?.log_shipping.is_none() {
            // WB-LS-01: the destination scripts ship in BizTalk's Schema folder on this node.
            if w.sql_side
                .schema_scripts_missing
                .contains(&c.node.to_ascii_uppercase())
            {
                let folder = crate::kind::ExtrasEnv::biztalk_folder(&c.inv.biztalk.version);
                return Err(format!(
                    "C:\\Program Files (x86)\\{folder}\\Schema\\LogShipping_Destination_Schema.sql not found; install the BizTalk Server administration tools on this node"
                ));
            }
            // WB-LS-02 / WB-TSQL-01: templates/sql/log_shipping.sql.hbs turns on show advanced
            // options, then Ad Hoc Distributed Queries, before bts_ConfigureBizTalkLogShipping
            // (which reads the source through OPENROWSET: Msg 15281 while it is off).
            sp_configure(w, dest, "show advanced options", 1)?;
            sp_configure(w, dest, "Ad Hoc Distributed Queries", 1)?;
        }
        if !security(w, dest).ad_hoc_distributed_queries {
            return Err(query_error(AD_HOC_BLOCKED));
        }
        let src = reach(w, source).map_err(|e| {
            query_error(&format!(
                "bts_ConfigureBizTalkLogShipping: cannot reach the source management server '{source}' through the linked server: {e}"
            ))
        })?;
        let has_history = src
            .jobs
            .values()
            .filter_map(|j| j.backup.as_ref())
            .any(|b| b.last_full_backup.is_some());
        // The destination's SQL Agent account must be sysadmin on the source management
        // instance (WB-DR-04, log-shipping-user-accounts-and-roles).
        let agent = w
            .instance(dest)
            .map(|d| d.agent_account.clone())
            .unwrap_or_default();
        let sysadmin = src.logins.iter().any(|(l, roles)| {
            l.eq_ignore_ascii_case(&agent) && roles.iter().any(|r| r == "sysadmin")
        });
        if !sysadmin {
            return Err(query_error(&format!(
                "Login failed for user '{agent}'. (bts_ConfigureBizTalkLogShipping, linked server '{source}': the destination's SQL Server Agent account needs a login with sysadmin on the source management instance)"
            )));
        }
        // Configuring restores the full backup set from the share: the destination's SQL
        // Server account reads it (WB-DR-07, log-shipping-user-accounts-and-roles).
        let engine = w
            .instance(dest)
            .map(|d| d.engine_account.clone())
            .unwrap_or_default();
        if !can_read(w, &p.backup_destination, &engine) {
            return Err(format!(
                "bts_ConfigureBizTalkLogShipping: Cannot open backup device '{}'. Operating system error 5(Access is denied.): the destination's SQL Server account {engine} cannot read the backup share",
                p.backup_destination
            ));
        }
        if !src.databases.contains_key(&mgmt) || !has_history {
            return Err(query_error(&format!(
                "bts_ConfigureBizTalkLogShipping: no backup history in {mgmt}.adm_BackupHistory on '{source}'; configure and enable the Backup BizTalk Server job on the source first"
            )));
        }
        // WB-BAK-06 / WB-LOGIN-03: the destination restores the source's backup files from
        // the share as its SQL Server Agent account (Msg 3201 without read).
        if !share_allows(w, &agent, "read") {
            return Err(query_error(&access_denied(&format!(
                "{}{source}_{mgmt}_Full.bak",
                p.backup_destination
            ))));
        }
        let mut databases = want.databases.clone();
        databases.sort();
        let restore = want.restore_job_enabled;
        let src = src.clone();
        let i = w.instance_mut(dest).expect("reached");
        let mut state = LogShippingState {
            source: want.source.clone(),
            databases,
            restore_job_enabled: restore,
            ..LogShippingState::default()
        };
        // Configuring restores the full backup set (and the logs after it but the newest).
        catch_up(&mut state, &src);
        i.log_shipping = Some(state);
        for (job, enabled) in [
            (HISTORY_JOB, restore),
            (RESTORE_JOB, restore),
            ("BTS Log Shipping - Restore To Mark", false),
        ] {
            i.jobs.entry(job.to_string()).or_default().enabled = enabled;
        }
        Ok(())
    }

    fn verify(
        w: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &LogShippingObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let restore = o.restore_job_enabled == Some(true);
        let dest = reach(w, &s.params.destination_server)?;
        let waiting = dest.log_shipping.as_ref().map_or(0, |l| {
            let restored = l.restored.as_ref().map(|r| r.at);
            l.history.iter().filter(|m| Some(m.at) > restored).count()
        });
        let history_failed = dest
            .jobs
            .get(HISTORY_JOB)
            .is_some_and(|j| j.last_outcome.as_deref() == Some("Failed"));
        Ok(vec![
            diff_check(
                CHECK_CONFIGURED,
                c,
                o,
                &["configured", "source", "databases"],
                &apply_hint,
            ),
            check(
                CHECK_RESTORE_ENABLED,
                restore,
                if restore {
                    format!("'{RESTORE_JOB}' is enabled")
                } else {
                    format!("'{RESTORE_JOB}' is not enabled on the destination; {apply_hint}")
                },
            ),
            lag(c.now, o, waiting, history_failed),
        ])
    }

    /// Deletes the BTS Log Shipping jobs and the list of shipped databases on the destination
    /// (WB-DEL-07): the destination instance must answer.
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let dest = &s.params.destination_server;
        reach(w, dest)?;
        let i = w.instance_mut(dest).expect("reached");
        i.log_shipping = None;
        i.jobs
            .retain(|name, _| !name.starts_with("BTS Log Shipping - "));
        Ok(())
    }
}

/// The shipping lag: the newest mark restored, its age, and the newest backup set copied but
/// not restored yet. The restore job always leaves the newest set for its next run, so one
/// set waiting is normal; more than two mean restores do not keep up, and a failed Get Backup
/// History means no new set arrives at all (review3 F12, as the template reads them).
fn lag(now: u64, o: &LogShippingObserved, waiting: usize, history_failed: bool) -> Check {
    match (&o.restored_mark, o.restored_mark_unix) {
        (Some(mark), Some(at)) => {
            let detail = format!(
                "newest mark restored: {mark} ({} ago); sets waiting: {waiting} (newest {})",
                age(now, at),
                o.newest_unrestored.as_deref().unwrap_or("none")
            );
            if history_failed {
                check(CHECK_LAG, false, format!("{detail}; the last run of '{HISTORY_JOB}' failed: read its job history (rights on the source management database and the backup share)"))
            } else if waiting > 2 {
                check(CHECK_LAG, false, format!("{detail}; restores do not keep up: read the history of '{RESTORE_JOB}'"))
            } else {
                check(CHECK_LAG, true, detail)
            }
        }
        _ => check(
            CHECK_LAG,
            false,
            format!("no backup set restored yet: check that the source's Backup BizTalk Server job runs and '{HISTORY_JOB}' copies its history"),
        ),
    }
}
