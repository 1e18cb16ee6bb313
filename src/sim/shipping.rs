//! BizTalk backup sets and log shipping as time passes: the source's Backup BizTalk Server
//! job taking a marked backup set, and each destination's *Get Backup History* and *Restore
//! Databases* jobs catching up. Used by the log shipping and DR handlers and by the
//! `backup-run` fault (the simulated world has no scheduler: a test or `bisrc sim fault
//! backup-run` says when the job runs).
//!
//! Microsoft's behaviour modelled here (biztalk-ha.md §5.4, docs/windows-behaviour.md WB-DR-*):
//! - the restore job never restores the newest backup set, only the next-to-last one
//!   (https://learn.microsoft.com/biztalk/core/log-shipping), so the databases stay in the
//!   restoring state (`WITH NORECOVERY`) and the newest set waits for the next run or for
//!   *Restore To Mark*;
//! - a database recovered (`WITH RECOVERY`, as *Restore To Mark* leaves it) takes no further
//!   log restore: RESTORE LOG needs the database in the restoring state
//!   (https://learn.microsoft.com/sql/t-sql/statements/restore-statements-arguments-transact-sql).

use super::world::{BackupMark, LogShippingState, World};

/// The Backup BizTalk Server job's mark name for a set taken at `at`:
/// `<MarkName>_<yyyy>_<mm>_<dd>_<hh>_<mi>_<ss>` (UTC).
pub(super) fn mark_name(prefix: &str, at: u64) -> String {
    let t = i64::try_from(at)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{prefix}_{:04}_{:02}_{:02}_{:02}_{:02}_{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Records a marked backup set on `server` at `at` (the job's run), then lets every
/// destination shipping from it catch up.
pub(super) fn backup_set(w: &mut World, server: &str, mark_prefix: &str, at: u64) {
    let Some(i) = w.instance_mut(server) else {
        return;
    };
    // Two runs in the same second are one set.
    let name = mark_name(mark_prefix, at);
    if i.backup_history.last().map(|m| &m.name) != Some(&name) {
        i.backup_history.push(BackupMark { name, at });
    }
    let source = i.network_name.clone();
    ship_from(w, &source);
}

/// Runs *Get Backup History* and *Restore Databases* on every destination of `source`
/// whose restore job is enabled.
pub(super) fn ship_from(w: &mut World, source: &str) {
    let Some(src) = w.instance(source).cloned() else {
        return;
    };
    // The restore job reads the backup files from the share as the destination's SQL Server
    // account (WB-DR-07): without read access it fails, like a recovered database.
    let share = src
        .jobs
        .values()
        .filter_map(|j| j.backup.as_ref())
        .find_map(|b| b.destination.clone());
    let denied: Vec<String> = w
        .instances
        .iter()
        .filter(|(_, d)| {
            share
                .as_deref()
                .is_some_and(|p| !super::backup_rights::can_read(w, p, &d.engine_account))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for (key, dest) in w.instances.iter_mut() {
        let recovered: Vec<String> = dest.databases.keys().cloned().collect();
        let Some(ls) = dest.log_shipping.as_mut() else {
            continue;
        };
        if !ls.source.eq_ignore_ascii_case(&src.network_name) || !ls.restore_job_enabled {
            continue;
        }
        // A recovered database takes no more logs, and unreadable files restore nothing:
        // the restore job fails.
        if ls.databases.iter().any(|d| recovered.contains(d)) || denied.contains(key) {
            // Get Backup History still copies the history (it reads the source's tables
            // through the linked server, not the files): the sets pile up unrestored.
            ls.history = src.backup_history.clone();
            if let Some(j) = dest.jobs.get_mut(RESTORE_JOB) {
                j.last_outcome = Some("Failed".into());
            }
            continue;
        }
        catch_up(ls, &src);
        if let Some(j) = dest.jobs.get_mut(RESTORE_JOB) {
            j.last_outcome = Some("Succeeded".into());
        }
    }
}

/// The restore job log shipping creates on the destination.
pub(super) const RESTORE_JOB: &str = "BTS Log Shipping - Restore Databases";
/// The history job log shipping creates on the destination.
pub(super) const HISTORY_JOB: &str = "BTS Log Shipping - Get Backup History";

/// Copies the source's history and restores up to the next-to-last set (the only set when
/// there is one: the full backup restored when log shipping is configured).
pub(super) fn catch_up(ls: &mut LogShippingState, src: &super::world::InstanceState) {
    ls.history = src.backup_history.clone();
    let n = ls.history.len();
    let upto = n.saturating_sub(2);
    if let Some(m) = ls.history.get(upto) {
        if ls.restored.as_ref().map(|r| r.at) != Some(m.at) {
            ls.restored = Some(m.clone());
            ls.restoring = src
                .databases
                .iter()
                .filter(|(name, _)| ls.databases.contains(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            ls.source_jobs = src.jobs.clone();
        }
    }
}

/// How long ago `at` was, for people: `3 min 12 s`, `2 h 5 min`, `4 d 1 h`.
pub(super) fn age(now: u64, at: u64) -> String {
    let s = now.saturating_sub(at);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}
