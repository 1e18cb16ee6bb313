//! `backup_job` on a simulated node: the Backup BizTalk Server job's step parameters and
//! enabled state; its first run after enabling takes a full backup when SQL Server Agent
//! runs, and verify checks that the last full backup is fresh.

use super::{Simulated, Spec};
use crate::kind::backup_job::{
    BackupJob, BackupJobObserved, CHECK_ENABLED, CHECK_FRESH, CHECK_SETTINGS, SETTINGS,
};
use crate::sim::checks::diff_check;
use crate::sim::sql::{agent_running, missing_job, online, reach};
use crate::sim::sql_side::{backup_run_failure, may_update_job};
use crate::sim::world::{BackupSettings, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// Seconds in one backup frequency period.
fn period_secs(frequency: &str) -> u64 {
    match frequency {
        "hourly" => 3_600,
        "weekly" => 7 * 86_400,
        "monthly" => 31 * 86_400,
        "yearly" => 366 * 86_400,
        _ => 86_400,
    }
}

/// Unix seconds as an RFC 3339 UTC time.
fn utc(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("unix time {secs}"))
}

/// Whether the last full backup is within the period plus one hour.
fn fresh(w: &World, c: &Ctx, s: &Spec<BackupJob>) -> Check {
    let (server, job) = (&s.params.server, &s.params.job_name);
    let freq = &s.desired.frequency;
    let limit = period_secs(freq) + 3_600;
    let last = w
        .instance(server)
        .filter(|i| online(w, i))
        .and_then(|i| i.jobs.get(job))
        .and_then(|j| j.backup.as_ref())
        .and_then(|b| b.last_full_backup);
    match last {
        Some(t) if c.now.saturating_sub(t) <= limit => check(
            CHECK_FRESH,
            true,
            // An absolute time, not "N s ago": two verify runs must report the same detail
            // (JUnit output is compared byte for byte).
            format!("last full backup at {} (within the {freq} period plus one hour)", utc(t)),
        ),
        Some(t) => check(
            CHECK_FRESH,
            false,
            format!(
                "last full backup at {}, older than the {freq} period plus one hour; check the job history of '{job}' and that SQL Server Agent runs",
                utc(t)
            ),
        ),
        None => match w
            .sql_side
            .job_failures
            .get(&format!("{}/{job}", crate::sim::world::vnn(server)))
        {
            Some(e) => check(
                CHECK_FRESH,
                false,
                format!("no successful full backup recorded by '{job}'; its last run failed: {e}"),
            ),
            None => check(
                CHECK_FRESH,
                false,
                format!("no successful full backup recorded by '{job}'; enable the job and make sure SQL Server Agent runs"),
            ),
        },
    }
}

impl Simulated for BackupJob {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<BackupJobObserved, String> {
        let found = reach(w, &s.params.server)?.jobs.get(&s.params.job_name);
        Ok(match found {
            Some(j) => {
                let b = j.backup.clone().unwrap_or_default();
                BackupJobObserved {
                    exists: true,
                    enabled: Some(j.enabled),
                    destination: b.destination,
                    frequency: b.frequency,
                    backup_hour: b.backup_hour,
                    use_local_time: b.use_local_time,
                    mark_name: b.mark_name,
                    days_to_keep: b.days_to_keep,
                    compression: b.compression,
                }
            }
            None => BackupJobObserved::default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (server, job, want) = (&s.params.server, &s.params.job_name, &s.desired);
        if !reach(w, server)?.jobs.contains_key(job) {
            return Err(missing_job(job));
        }
        may_update_job(w, server, job)?;
        let agent = agent_running(w, server);
        // What the job's first run would hit, decided before the world changes.
        let run_failure = backup_run_failure(w, server, &want.destination, &want.mark_name);
        let now = c.now;
        let i = w.instance_mut(server).expect("reached");
        let j = i.jobs.get_mut(job).ok_or_else(|| missing_job(job))?;
        let b = j.backup.get_or_insert_with(BackupSettings::default);
        b.destination = Some(want.destination.clone());
        b.frequency = Some(want.frequency.clone());
        if want.backup_hour > 23 {
            return Err(format!(
                "@BackupHour {} is not an hour of the day (0-23)",
                want.backup_hour
            ));
        }
        b.backup_hour = Some(want.backup_hour);
        b.use_local_time = Some(want.use_local_time);
        b.mark_name = Some(want.mark_name.clone());
        b.days_to_keep = Some(want.days_to_keep);
        b.compression = Some(want.compression);
        let newly = want.enabled && !j.enabled;
        j.enabled = want.enabled;
        // The job's first run after enabling takes a full backup (when the agent runs).
        let mut took_set = false;
        let mut failure = None;
        if newly && agent {
            if let Some(e) = run_failure {
                j.last_outcome = Some("Failed".into());
                failure = Some(e);
            } else if b.destination.is_none() {
                j.last_outcome = Some("Failed".into());
            } else {
                b.last_full_backup = Some(now);
                j.last_outcome = Some("Succeeded".into());
                took_set = true;
            }
            j.last_run = Some(now);
        }
        let key = format!("{}/{job}", crate::sim::world::vnn(server));
        if let Some(e) = failure {
            w.sql_side.job_failures.insert(key, e);
        } else if took_set {
            w.sql_side.job_failures.remove(&key);
        }
        if took_set {
            crate::sim::shipping::backup_set(w, server, &want.mark_name, now);
        }
        Ok(())
    }

    fn verify(
        w: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &BackupJobObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let enabled = o.enabled == Some(true);
        Ok(vec![
            check(
                CHECK_ENABLED,
                enabled,
                if enabled {
                    "the Backup BizTalk Server job is enabled".to_string()
                } else if o.exists {
                    format!("the Backup BizTalk Server job is disabled (it ships disabled); {apply_hint}")
                } else {
                    "the Backup BizTalk Server job does not exist; configure the BizTalk group first".to_string()
                },
            ),
            diff_check(CHECK_SETTINGS, c, o, &SETTINGS, &apply_hint),
            fresh(w, c, s),
        ])
    }
}
