//! The BizTalk side of a failover move (`verify --failover`): each BizTalk server's host
//! instances and ENTSSO are probed before the move, then watched after it (the probe waits
//! for the automatic host instances to run again and reads what happened from the event
//! logs), giving one [`HostTimeline`] per host instance and per ENTSSO, and a
//! `host-instances-recovered` and `entsso-running` check per server. With
//! `--restart-stopped-hosts`, host instances that stayed stopped are started (the kind's
//! apply step) and the timeline says so. Everything here runs batched, one payload per
//! server per phase; it never prints.

use crate::kind::host_instances::{
    Event as HostEvent, HostInstancesObserved, Watch, AUTOMATIC, CHECK_ENTSSO, CHECK_RECOVERED,
    RUNNING, WATCH_S,
};
use crate::step::{Observed, ResourceKind, StepAction};
use crate::topology::Resource;

use super::context::Context;
use super::probe::run_batched;
use super::verify::CheckResult;
pub use super::verify::{HostTimeline, Recovery};

/// The runtime resources (`host_instances`) of the topology.
pub fn runtime_resources<'a>(ctx: &'a Context<'_>) -> Vec<&'a Resource> {
    ctx.topology
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::HostInstances)
        .collect()
}

/// Probes `res` (batched); `None` for a server that did not answer.
pub fn snapshot(
    ctx: &Context,
    res: &[&Resource],
) -> anyhow::Result<Vec<Option<HostInstancesObserved>>> {
    Ok(run_batched(ctx, res, StepAction::Probe)?
        .into_iter()
        .map(|run| {
            match run
                .result
                .ok()
                .and_then(|v| Observed::from_result(ResourceKind::HostInstances, &v).ok())
            {
                Some(Observed::HostInstances(o)) => Some(o),
                _ => None,
            }
        })
        .collect())
}

/// What watching the BizTalk servers through one move found.
pub struct Watched {
    /// One per host instance and ENTSSO of every watched server.
    pub timelines: Vec<HostTimeline>,
    /// `host-instances-recovered` and `entsso-running` per watched server.
    pub checks: Vec<CheckResult>,
    /// Every server's state at the end, aligned with the resources: the next move's
    /// "before" (so a rehearsal probes each server once per move, not twice).
    pub now: Vec<Option<HostInstancesObserved>>,
}

/// After a move that started when `before` was taken: watches every configured server,
/// restarts what stayed stopped when `restart`, and returns the timelines and the checks.
pub fn watch(
    ctx: &Context,
    res: &[&Resource],
    before: &[Option<HostInstancesObserved>],
    restart: bool,
) -> anyhow::Result<Watched> {
    // Only servers BizTalk runs on and that answered before the move.
    let watched_at: Vec<usize> = (0..res.len())
        .filter(|&i| {
            before
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|b| b.exists)
        })
        .collect();
    let watched: Vec<(&Resource, &HostInstancesObserved)> = watched_at
        .iter()
        .map(|&i| (res[i], before[i].as_ref().expect("filtered above")))
        .collect();
    let watching: Vec<Resource> = watched
        .iter()
        .map(|(r, b)| {
            let mut w = (*r).clone();
            let watch = Watch {
                since_s: b.clock_s,
                wait_s: WATCH_S,
            };
            w.params.insert(
                "watch".into(),
                serde_json::to_value(watch).expect("plain struct"),
            );
            w
        })
        .collect();
    let refs: Vec<&Resource> = watching.iter().collect();
    let mut after = snapshot(ctx, &refs)?;

    // Start what stayed stopped, then look again.
    let mut restarted: Vec<bool> = vec![false; watched.len()];
    // Why a restart failed, per watched server.
    let mut restart_error: Vec<Option<String>> = vec![None; watched.len()];
    if restart {
        let stuck: Vec<usize> = (0..watched.len())
            .filter(|&i| {
                after[i]
                    .as_ref()
                    .is_some_and(|a| !a.stopped_automatic.is_empty())
            })
            .collect();
        if !stuck.is_empty() {
            let targets: Vec<&Resource> = stuck.iter().map(|&i| watched[i].0).collect();
            let runs = run_batched(ctx, &targets, StepAction::Apply)?;
            for (&i, run) in stuck.iter().zip(runs) {
                restart_error[i] = run.result.err();
            }
            let again = snapshot(ctx, &targets)?;
            for (&i, o) in stuck.iter().zip(again) {
                if let (Some(a), Some(o)) = (after[i].as_mut(), o) {
                    // Keep the watch's events; take the states after the restart.
                    a.instances = o.instances;
                    a.stopped_automatic = o.stopped_automatic;
                    a.entsso = o.entsso;
                    a.clock_s = o.clock_s;
                    restarted[i] = true;
                }
            }
        }
    }

    let mut timelines = Vec::new();
    let mut checks = Vec::new();
    for (i, (r, b)) in watched.iter().enumerate() {
        let server = r.target.default_host().to_string();
        let check = |name: &str, ok: bool, detail: String| CheckResult {
            name: name.into(),
            resource: r.address.clone(),
            host: Some(server.clone()),
            site: r.site.clone(),
            ok,
            detail: ctx.scrub(&detail),
        };
        let Some(a) = &after[i] else {
            checks.push(check(
                CHECK_RECOVERED,
                false,
                format!("{server} did not answer after the move; its host instances are unknown"),
            ));
            continue;
        };
        let mut not_back = Vec::new();
        let mut by_bisrc = Vec::new();
        for hi in &b.instances {
            let now = a.instances.iter().find(|x| x.host == hi.host);
            let after_state = now.map_or("missing", |x| x.state.as_str()).to_string();
            let t = timeline(
                &server,
                &hi.host,
                &hi.state,
                &after_state,
                &a.timeline,
                restarted[i],
            );
            if hi.start_mode == AUTOMATIC {
                match t.recovery {
                    Recovery::NotRecovered => not_back.push(hi.host.clone()),
                    Recovery::RestartedByBisrc => by_bisrc.push(hi.host.clone()),
                    _ => {}
                }
            }
            timelines.push(t);
        }
        let sso_before = b.entsso.clone().unwrap_or_else(|| "not installed".into());
        let sso_after = a.entsso.clone().unwrap_or_else(|| "not installed".into());
        if b.entsso.is_some() {
            timelines.push(timeline(
                &server,
                "ENTSSO",
                &sso_before,
                &sso_after,
                &a.timeline,
                restarted[i],
            ));
        }
        checks.push(if not_back.is_empty() {
            let detail = if by_bisrc.is_empty() {
                format!("every automatic host instance on {server} runs again")
            } else {
                format!(
                    "host instance(s) {} on {server} stayed stopped and were started by bisrc (--restart-stopped-hosts)",
                    by_bisrc.join(", ")
                )
            };
            check(CHECK_RECOVERED, true, detail)
        } else {
            let mut detail = format!(
                "host instance(s) {} on {server} did not run again by itself within {WATCH_S} s of the move; ",
                not_back.join(", ")
            );
            match &restart_error[i] {
                Some(e) => detail.push_str(&format!("bisrc could not start them: {e}; ")),
                None => detail.push_str(&format!("start them with `bisrc verify --failover --restart-stopped-hosts` (or Start-Service on {server}) and ")),
            }
            detail.push_str("read Events 5410/6913 in its Application log");
            check(CHECK_RECOVERED, false, detail)
        });
        if b.entsso.is_some() {
            let ok = sso_after == RUNNING;
            checks.push(check(
                CHECK_ENTSSO,
                ok,
                if ok {
                    format!("ENTSSO running on {server}")
                } else {
                    format!(
                        "ENTSSO is {sso_after} on {server} after the move (Event 10590: SSODB was away about 5 minutes or more); once SSODB answers, restart it (Restart-Service ENTSSO on {server}, or --restart-stopped-hosts)"
                    )
                },
            ));
        }
    }
    let mut now: Vec<Option<HostInstancesObserved>> = before.to_vec();
    for (&i, a) in watched_at.iter().zip(after) {
        now[i] = a.map(|mut a| {
            a.timeline.clear();
            a
        });
    }
    Ok(Watched {
        timelines,
        checks,
        now,
    })
}

/// The timeline of `subject` from its events and its states before and after.
fn timeline(
    server: &str,
    subject: &str,
    before: &str,
    after: &str,
    all: &[HostEvent],
    restarted: bool,
) -> HostTimeline {
    let events: Vec<HostEvent> = all
        .iter()
        .filter(|e| e.subject.eq_ignore_ascii_case(subject))
        .cloned()
        .collect();
    let down_at = events.iter().position(|e| e.state != RUNNING);
    let first_down = down_at.map(|i| &events[i]);
    let back = down_at.and_then(|i| {
        events[i..]
            .iter()
            .find(|e| e.state == RUNNING)
            .map(|e| e.t_s - events[i].t_s)
    });
    let during = first_down.map_or(before, |d| d.state.as_str()).to_string();
    let recovery = match (first_down.is_some(), after == RUNNING) {
        (_, false) => Recovery::NotRecovered,
        (false, true) if before == RUNNING => Recovery::Unaffected,
        // Stopped in the watch and running now: by itself unless bisrc started it after
        // the watch (then the watch's events end on a stop).
        _ if restarted && events.last().is_some_and(|e| e.state != RUNNING) => {
            Recovery::RestartedByBisrc
        }
        (false, true) if restarted => Recovery::RestartedByBisrc,
        _ => Recovery::ByItself,
    };
    HostTimeline {
        server: server.into(),
        subject: subject.into(),
        before: before.into(),
        during,
        after: after.into(),
        back_after_s: if recovery == Recovery::ByItself {
            back
        } else {
            None
        },
        recovery,
        events,
    }
}
