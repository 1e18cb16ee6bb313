//! Running a plan's steps: the executor apply and destroy share. It takes the steps (each a
//! resource address, what must succeed before it, and why it may not run at all) and the
//! action that carries one step out on a host (apply's script and probe, destroy's removal
//! and probe); under the caller's lock it journals the run, schedules the steps in
//! dependency order and in parallel ([`super::schedule`]), connects to each step's host
//! (a group-bound step follows its group's current owner, which the action refreshes),
//! keeps the Ctrl-C progress, sends one event stream to the journal and the UI, and returns
//! how each step ended with the counts.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::step::{Payload, PayloadStep, ResourceKind, StepOutcome, WIRE_VERSION};
use crate::topology::{Resource, Target};

use super::context::Context;
use super::event::Event;
use super::ids::new_id;
use super::journal::Journal;
use super::plan::GroupOwnership;
use super::schedule::{self, Job, JobStatus};

/// How one step of an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Applied, and the probe afterwards shows no drift.
    Succeeded,
    /// The step failed, or drift remained.
    Failed,
    /// Never ran (a dependency failed or did not run, blocked, its host unreachable,
    /// interrupted).
    NeverRan,
}

/// Counts of an apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplySummary {
    /// Steps that succeeded.
    pub succeeded: usize,
    /// Steps that failed.
    pub failed: usize,
    /// Steps that never ran.
    pub never_ran: usize,
    /// Resources already converged (no step).
    pub unchanged: usize,
}

/// One step to run.
#[derive(Debug, Clone)]
pub(super) struct Step<'p> {
    /// Resource address.
    pub address: &'p str,
    /// Addresses of steps that must succeed first (others are ignored).
    pub after: &'p [String],
    /// Why it never runs (a blocked change), when the resource is in the topology.
    pub skip: Option<String>,
}

/// How one step ended.
#[derive(Debug, Clone)]
pub(super) struct Ran {
    /// Resource address.
    pub address: String,
    /// Host it ran on (none when it never ran).
    pub host: Option<String>,
    /// Outcome.
    pub status: StepStatus,
    /// Failure (scrubbed), why it never ran, or a note on a success.
    pub detail: Option<String>,
    /// Wall-clock milliseconds of the step.
    pub duration_ms: Option<u64>,
}

/// A finished run.
#[derive(Debug)]
pub(super) struct Run {
    /// Run ID (also in the journal's file name).
    pub run_id: String,
    /// The journal file.
    pub journal: String,
    /// One entry per step, in the order given.
    pub steps: Vec<Ran>,
    /// Counts; `unchanged` as the caller gave it.
    pub summary: ApplySummary,
    /// Ctrl-C stopped the run early.
    pub interrupted: bool,
}

/// The action of one step: `(index of the step, its resource, the host, the group owners to
/// refresh)` → a note on success, or why it failed (scrubbed here).
pub(super) type Action<'a> = dyn Fn(usize, &Resource, &str, &Mutex<Vec<GroupOwnership>>) -> Result<Option<String>, String>
    + Sync
    + 'a;

/// Runs `steps` (the caller holds the lock): `groups` are the owners the plan saw, `unchanged`
/// the resources with no step, and `done` the word for a succeeded step in the run's closing
/// summary (`succeeded`, `removed`).
pub(super) fn run_steps(
    ctx: &Context,
    steps: &[Step],
    groups: &[GroupOwnership],
    unchanged: usize,
    done: &str,
    action: &Action,
) -> anyhow::Result<Run> {
    let run_id = new_id();
    let journal = Journal::create(&ctx.state, &run_id)?;
    // One stream: every event of the run goes to the journal and to the UI alike.
    let tell = |ev: Event| {
        journal.event(&ev);
        ctx.emit(ev);
    };
    tell(Event::RunStarted {
        run_id: run_id.clone(),
    });

    let index: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.address, i))
        .collect();
    let resources: Vec<Option<&Resource>> =
        steps.iter().map(|s| ctx.topology.get(s.address)).collect();
    let jobs: Vec<Job> = steps
        .iter()
        .zip(&resources)
        .map(|(s, r)| Job {
            name: s.address.to_string(),
            deps: s
                .after
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect(),
            serial_group: r.and_then(|r| r.serial_group.clone()),
            skip: match r {
                None => Some("not in the inventory's topology".into()),
                Some(_) => s.skip.clone(),
            },
        })
        .collect();

    let owners: Mutex<Vec<GroupOwnership>> = Mutex::new(groups.to_vec());
    let reports: Mutex<Vec<Option<Ran>>> = Mutex::new(vec![None; steps.len()]);

    let host_of = |i: usize| -> String {
        let r = resources[i].expect("jobs without a resource are skipped");
        current_host(ctx, r, &owners.lock().unwrap_or_else(|e| e.into_inner()))
    };
    let exec = |i: usize, host: &str| -> JobStatus {
        let r = resources[i].expect("jobs without a resource are skipped");
        // A host still unreachable when the step's turn comes (typically an `unknown`
        // change: its host was down at plan time): the step never ran, it did not fail.
        if let Err(reason) = ctx.pool.connect(host) {
            return JobStatus::Skipped(format!(
                "host {host} is unreachable: {}",
                ctx.scrub(reason.to_string().trim())
            ));
        }
        ctx.apply_progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .running
            .insert(r.address.clone(), host.to_string());
        tell(Event::StepStarted {
            address: r.address.clone(),
            host: host.to_string(),
        });
        let t = Instant::now();
        let result = action(i, r, host, &owners);
        let ms = t.elapsed().as_millis() as u64;
        let (ok, detail) = match result {
            Ok(note) => (true, note.map(|n| ctx.scrub(&n))),
            Err(e) => (false, Some(ctx.scrub(&e))),
        };
        {
            let mut p = ctx.apply_progress.lock().unwrap_or_else(|e| e.into_inner());
            p.running.remove(&r.address);
            p.finished += 1;
        }
        tell(Event::StepFinished {
            address: r.address.clone(),
            host: host.to_string(),
            ok,
            detail: detail.clone(),
            duration_ms: ms,
        });
        reports.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(Ran {
            address: r.address.clone(),
            host: Some(host.to_string()),
            status: if ok {
                StepStatus::Succeeded
            } else {
                StepStatus::Failed
            },
            detail,
            duration_ms: Some(ms),
        });
        if ok {
            JobStatus::Succeeded
        } else {
            JobStatus::Failed
        }
    };

    ctx.apply_progress
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .start(steps.len());
    let statuses = schedule::run(
        &jobs,
        ctx.parallelism,
        &ctx.cancel,
        || ctx.emit(Event::Interrupted),
        host_of,
        exec,
    );

    let mut reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::with_capacity(steps.len());
    let mut summary = ApplySummary {
        unchanged,
        ..Default::default()
    };
    for (i, st) in statuses.into_iter().enumerate() {
        let ran = match st {
            JobStatus::Skipped(reason) => {
                tell(Event::StepSkipped {
                    address: steps[i].address.to_string(),
                    reason: reason.clone(),
                });
                Ran {
                    address: steps[i].address.to_string(),
                    host: None,
                    status: StepStatus::NeverRan,
                    detail: Some(reason),
                    duration_ms: None,
                }
            }
            _ => reports[i].take().expect("a step that ran has a report"),
        };
        match ran.status {
            StepStatus::Succeeded => summary.succeeded += 1,
            StepStatus::Failed => summary.failed += 1,
            StepStatus::NeverRan => summary.never_ran += 1,
        }
        out.push(ran);
    }
    let interrupted = ctx.cancelled();
    tell(Event::RunFinished {
        summary: format!(
            "{} {done}, {} failed, {} never ran{}",
            summary.succeeded,
            summary.failed,
            summary.never_ran,
            if interrupted { ", interrupted" } else { "" }
        ),
    });
    Ok(Run {
        run_id,
        journal: journal.path.display().to_string(),
        steps: out,
        summary,
        interrupted,
    })
}

/// Where `r`'s step runs now: its node, or its group's current owner when reachable, else
/// the first reachable candidate.
fn current_host(ctx: &Context, r: &Resource, owners: &[GroupOwnership]) -> String {
    match &r.target {
        Target::Node { host } => host.clone(),
        Target::Owner {
            cluster,
            group,
            candidates,
        } => owners
            .iter()
            .find(|o| {
                o.cluster.eq_ignore_ascii_case(cluster) && o.group.eq_ignore_ascii_case(group)
            })
            .map(|o| o.owner.clone())
            .filter(|o| candidates.iter().any(|c| c.eq_ignore_ascii_case(o)))
            .filter(|o| ctx.pool.known_down(o).is_none())
            .or_else(|| {
                candidates
                    .iter()
                    .find(|c| ctx.pool.known_down(c).is_none())
                    .cloned()
            })
            .unwrap_or_else(|| r.target.default_host().to_string()),
    }
}

/// The `cluster` resource of `r`: itself when it is one, else its owner-bound target's (its
/// probe rides along with a step to refresh the group owners).
pub(super) fn cluster_of<'t>(ctx: &'t Context, r: &'t Resource) -> Option<&'t Resource> {
    if r.kind == ResourceKind::Cluster {
        return Some(r);
    }
    let Target::Owner { cluster, .. } = &r.target else {
        return None;
    };
    ctx.topology
        .resources
        .iter()
        .find(|c| c.kind == ResourceKind::Cluster && c.cluster_name().eq_ignore_ascii_case(cluster))
}

/// Replaces the owners of `cluster`'s groups with `fresh`.
pub(super) fn refresh_owners(
    owners: &Mutex<Vec<GroupOwnership>>,
    cluster: &str,
    fresh: Vec<GroupOwnership>,
) {
    let mut g = owners.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|o| !o.cluster.eq_ignore_ascii_case(cluster));
    g.extend(fresh);
}

/// Runs `scripts` as one payload on `host` with `r`'s secrets; the error is the tail of why
/// it could not run.
pub(super) fn send(
    ctx: &Context,
    r: &Resource,
    host: &str,
    scripts: Vec<String>,
) -> Result<Vec<StepOutcome>, String> {
    let mut payload = Payload {
        version: WIRE_VERSION,
        steps: scripts
            .into_iter()
            .map(|script| PayloadStep { script })
            .collect(),
        continue_on_error: false,
        secrets: BTreeMap::new(),
    };
    ctx.resolve_secrets(r, &mut payload.secrets)
        .map_err(|e| e.to_string())?;
    let outcomes = ctx
        .pool
        .run(host, &payload)
        .map_err(|e| tail(&e.to_string()))?;
    super::artifacts::keep(ctx, &r.address, &outcomes);
    Ok(outcomes)
}

/// The last 10 lines of an error.
pub(super) fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.trim().lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}
