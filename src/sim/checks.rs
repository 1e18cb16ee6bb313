//! Verify answers: the named checks of each resource kind (the names render's verify
//! templates print), computed from the world. Every failed check's detail says what is wrong
//! and how to fix it. Takes a step and the world; changes nothing.

use serde::Serialize;
use serde_json::Value;

use super::biztalk::{period_secs, RESTORE_JOB};
use super::sql::online;
use super::world::{DtcSettings, World};
use super::{check, probe, Ctx};
use crate::step::{Check, ResourceKind as K};

/// The desired attributes among `keys` that differ from the observed state `o` (a kind's
/// observed type, compared field by field as JSON, as plan does), each as `k is X, want Y`.
pub(super) fn matches<O: Serialize>(c: &Ctx, o: &O, keys: &[&str]) -> Vec<String> {
    let o = serde_json::to_value(o).unwrap_or(Value::Null);
    keys.iter()
        .filter_map(|k| {
            let want = c.desired.get(*k)?;
            let have = o.get(k).unwrap_or(&Value::Null);
            (want != have).then(|| format!("{k} is {have}, want {want}"))
        })
        .collect()
}

/// A check that passes when the desired attributes among `keys` match the probe.
pub(super) fn diff_check<O: Serialize>(
    name: &str,
    c: &Ctx,
    o: &O,
    keys: &[&str],
    fix: &str,
) -> Check {
    let wrong = matches(c, o, keys);
    if wrong.is_empty() {
        check(name, true, format!("{} as desired", keys.join(", ")))
    } else {
        check(name, false, format!("{}; {fix}", wrong.join("; ")))
    }
}

/// MSDTC allows network transactions in and out.
pub(super) fn dtc_ok(s: &DtcSettings) -> bool {
    s.network_dtc_access && s.inbound && s.outbound
}

/// `DtcSettings` as words of a verify detail.
pub(super) fn dtc_summary(s: &DtcSettings) -> String {
    format!(
        "network access {}, inbound {}, outbound {}, authentication {}",
        on(s.network_dtc_access),
        on(s.inbound),
        on(s.outbound),
        s.authentication
    )
}

fn on(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// The checks of the step's resource.
pub(super) fn verify(w: &World, c: &Ctx) -> Result<Vec<Check>, String> {
    let o = probe(w, c)?;
    let apply_hint = format!("run `bisrc apply --target '{}'`", c.address);
    Ok(match c.kind {
        K::BiztalkGroup => vec![diff_check(
            "biztalk-group-configured",
            c,
            &o,
            &["configured", "databases"],
            &apply_hint,
        )],
        K::DatabaseSettings => {
            let mut v = vec![diff_check(
                "db-recovery-full",
                c,
                &o,
                &["exists", "recovery_model"],
                &apply_hint,
            )];
            if c.desired.contains_key("auto_create_statistics") {
                v.push(diff_check(
                    "db-auto-statistics-off",
                    c,
                    &o,
                    &["auto_create_statistics", "auto_update_statistics"],
                    &format!(
                        "BizTalk needs automatic statistics off on the MessageBox; {apply_hint}"
                    ),
                ));
            }
            if c.desired.contains_key("publishing") {
                v.push(diff_check(
                    "db-publishing",
                    c,
                    &o,
                    &["publishing"],
                    &apply_hint,
                ));
            }
            v
        }
        K::BackupJob => {
            let enabled = o["enabled"] == true;
            let settings = [
                "destination",
                "frequency",
                "backup_hour",
                "use_local_time",
                "mark_name",
                "days_to_keep",
                "compression",
            ];
            vec![
                check(
                    "backup-job-enabled",
                    enabled,
                    if enabled {
                        "the Backup BizTalk Server job is enabled".to_string()
                    } else if o["exists"] == true {
                        format!("the Backup BizTalk Server job is disabled (it ships disabled); {apply_hint}")
                    } else {
                        "the Backup BizTalk Server job does not exist; configure the BizTalk group first".to_string()
                    },
                ),
                diff_check("backup-job-settings", c, &o, &settings, &apply_hint),
                fresh(w, c)?,
            ]
        }
        K::AgentJob => vec![diff_check(
            "agent-job-state",
            c,
            &o,
            &["exists", "enabled"],
            &apply_hint,
        )],
        K::LogShipping => vec![
            diff_check(
                "log-shipping-configured",
                c,
                &o,
                &["configured", "source", "databases"],
                &apply_hint,
            ),
            check(
                "log-shipping-restore-enabled",
                o["restore_job_enabled"] == true,
                if o["restore_job_enabled"] == true {
                    format!("'{RESTORE_JOB}' is enabled")
                } else {
                    format!("'{RESTORE_JOB}' is not enabled on the destination; {apply_hint}")
                },
            ),
        ],
        other => return Err(format!("no simulator handler for {}", other.as_str())),
    })
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

fn fresh(w: &World, c: &Ctx) -> Result<Check, String> {
    let server = c.param_str("server")?;
    let job = c.param_str("job_name")?;
    let freq = c.want_str("frequency").unwrap_or_else(|| "daily".into());
    let limit = period_secs(&freq) + 3_600;
    let last = w
        .instance(&server)
        .filter(|i| online(w, i))
        .and_then(|i| i.jobs.get(&job))
        .and_then(|j| j.backup.as_ref())
        .and_then(|b| b.last_full_backup);
    Ok(match last {
        Some(t) if c.now.saturating_sub(t) <= limit => check(
            "backup-fresh",
            true,
            // An absolute time, not "N s ago": two verify runs must report the same detail
            // (JUnit output is compared byte for byte).
            format!("last full backup at {} (within the {freq} period plus one hour)", utc(t)),
        ),
        Some(t) => check(
            "backup-fresh",
            false,
            format!(
                "last full backup at {}, older than the {freq} period plus one hour; check the job history of '{job}' and that SQL Server Agent runs",
                utc(t)
            ),
        ),
        None => check(
            "backup-fresh",
            false,
            format!("no successful full backup recorded by '{job}'; enable the job and make sure SQL Server Agent runs"),
        ),
    })
}
