//! `dr_restore` on a simulated node: the DR promotion's *Restore To Mark* on the destination
//! instance. Microsoft's failover procedure (biztalk-ha.md §5.4, WB-DR-02): disable *Get
//! Backup History* and *Restore Databases*, then *Restore To Mark* restores every database to
//! the latest mark and recovers it (RESTORE ... WITH STOPATMARK, RECOVERY), and re-creates
//! the source's SQL Agent jobs on the destination
//! (https://learn.microsoft.com/biztalk/core/how-to-restore-your-databases).

use super::{Simulated, Spec};
use crate::kind::dr_restore::{
    DrRestore, DrRestoreObserved, CHECK_RESTORED, CHECK_SHIPPING_STOPPED,
};
use crate::sim::shipping::{age, HISTORY_JOB, RESTORE_JOB};
use crate::sim::sql::reach;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

/// The job *Restore To Mark* is.
const TO_MARK_JOB: &str = "BTS Log Shipping - Restore To Mark";

impl Simulated for DrRestore {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<DrRestoreObserved, String> {
        let dest = reach(w, &s.params.destination_server)?;
        let Some(ls) = &dest.log_shipping else {
            return Ok(DrRestoreObserved::default());
        };
        let online: Vec<String> = ls
            .databases
            .iter()
            .filter(|d| dest.databases.contains_key(*d))
            .cloned()
            .collect();
        let enabled = [HISTORY_JOB, RESTORE_JOB]
            .iter()
            .any(|j| dest.jobs.get(*j).is_some_and(|j| j.enabled));
        Ok(DrRestoreObserved {
            recovered: !ls.databases.is_empty() && online.len() == ls.databases.len(),
            online,
            shipping_jobs_enabled: Some(enabled),
            mark: ls.restored.as_ref().map(|m| m.name.clone()),
            mark_unix: ls.restored.as_ref().map(|m| m.at),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let server = &s.params.destination_server;
        reach(w, server)?;
        let i = w.instance_mut(server).expect("reached");
        let Some(ls) = i.log_shipping.as_mut() else {
            return Err(format!(
                "{TO_MARK_JOB}: log shipping is not configured on '{server}' (bts_LogShippingDatabases is empty); there is nothing to restore. Configure log shipping (bisrc apply --site of this instance) while the source still answers"
            ));
        };
        // Step 1 of the failover: stop log shipping.
        ls.restore_job_enabled = false;
        // Restore To Mark: the final log, to the latest mark copied from the source.
        let Some(mark) = ls.history.last().cloned() else {
            return Err(format!(
                "{TO_MARK_JOB}: no backup history was copied from '{}'; no mark to restore to",
                ls.source
            ));
        };
        let already: Vec<String> = ls
            .databases
            .iter()
            .filter(|d| i.databases.contains_key(*d))
            .cloned()
            .collect();
        let restoring = std::mem::take(&mut ls.restoring);
        let jobs = ls.source_jobs.clone();
        let wanted = ls.databases.clone();
        if already.len() < wanted.len() {
            ls.restored = Some(mark);
            for d in &wanted {
                if i.databases.contains_key(d) {
                    continue;
                }
                let state = restoring.get(d).cloned().ok_or_else(|| {
                    format!("{TO_MARK_JOB}: {d} has no restored backup set on '{server}' (the full backup was never restored); restore it by hand from the newest full backup set")
                })?;
                i.databases.insert(d.clone(), state);
            }
            // The source's jobs, re-created; the backup job stays disabled until the new
            // primary's backup destination is set.
            for (name, mut job) in jobs {
                if job.backup.is_some() {
                    job.enabled = false;
                }
                i.jobs.entry(name).or_insert(job);
            }
        } else {
            i.log_shipping.as_mut().expect("checked").restoring = restoring;
        }
        for j in [HISTORY_JOB, RESTORE_JOB] {
            if let Some(job) = i.jobs.get_mut(j) {
                job.enabled = false;
            }
        }
        if let Some(job) = i.jobs.get_mut(TO_MARK_JOB) {
            job.last_run = Some(c.now);
            job.last_outcome = Some("Succeeded".into());
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &DrRestoreObserved,
    ) -> Result<Vec<Check>, String> {
        let server = &s.params.destination_server;
        let window = match (&o.mark, o.mark_unix) {
            (Some(m), Some(at)) => format!(
                "restored to mark {m}; data-loss window: {} (what the source committed after that mark is lost)",
                age(c.now, at)
            ),
            _ => "no mark restored".to_string(),
        };
        let restored = if o.recovered {
            format!("{} online on {server}; {window}", o.online.join(", "))
        } else {
            format!(
                "on {server} only {} of the shipped databases are online; {window}; run `bisrc dr promote`",
                if o.online.is_empty() { "none".to_string() } else { o.online.join(", ") }
            )
        };
        let stopped = o.shipping_jobs_enabled == Some(false);
        Ok(vec![
            check(CHECK_RESTORED, o.recovered, restored),
            check(
                CHECK_SHIPPING_STOPPED,
                stopped,
                if stopped {
                    format!("'{HISTORY_JOB}' and '{RESTORE_JOB}' are disabled")
                } else {
                    format!("'{HISTORY_JOB}' or '{RESTORE_JOB}' is still enabled on {server}")
                },
            ),
        ])
    }
}
