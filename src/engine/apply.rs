//! Apply: converge the environment to the inventory. It takes a context, a selection and
//! optionally a saved plan file; under the environment lock it re-probes (refusing a stale
//! saved plan, naming what changed), asks for confirmation through a callback, then runs
//! one apply step per create/update change in dependency order ([`super::schedule`]), each
//! followed by its probe in the same payload: remaining drift fails the step. Every step's
//! start and end goes to the journal. It produces an [`ApplyReport`] listing what succeeded,
//! what failed (with the tail of stderr) and what never ran. Resuming is just running it
//! again: probes are idempotent, so converged resources plan as no-ops.

pub use super::context::Progress;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::step::{Observed, Payload, PayloadStep, StepAction, StepOutcome, WIRE_VERSION};
use crate::topology::{Resource, Target};

use super::applied;
use super::context::Context;
use super::diff::{diff, Action};
use super::event::Event;
use super::ids::new_id;
use super::journal::Journal;
use super::lock;
use super::plan::{groups_of, plan, GroupOwnership, Plan, Selection};
use super::planfile::PlanFile;
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

/// One step of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// Resource address.
    pub address: String,
    /// What plan proposed.
    pub action: Action,
    /// Host it ran on.
    pub host: Option<String>,
    /// Outcome.
    pub status: StepStatus,
    /// Failure (tail of stderr), why it never ran, or a note on a success.
    pub detail: Option<String>,
    /// Wall-clock milliseconds of the step.
    pub duration_ms: Option<u64>,
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

/// The result of an apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Run ID (also in the journal's file name).
    pub run_id: String,
    /// The journal file.
    pub journal: String,
    /// One entry per step (create/update/blocked/unknown changes), in dependency order.
    pub steps: Vec<StepReport>,
    /// Counts.
    pub summary: ApplySummary,
    /// Ctrl-C stopped the run early.
    pub interrupted: bool,
}

impl ApplyReport {
    /// Whether everything converged.
    pub fn ok(&self) -> bool {
        self.summary.failed == 0 && self.summary.never_ran == 0 && !self.interrupted
    }
}

/// What `run` did.
#[derive(Debug)]
pub struct ApplyOutcome {
    /// The plan that was applied (or declined).
    pub plan: Plan,
    /// The report; `None` when there was nothing to do or the user declined.
    pub report: Option<ApplyReport>,
}

/// Locks, plans (checking a saved plan), confirms, applies.
pub fn run(
    ctx: &Context,
    selection: &Selection,
    saved: Option<&PlanFile>,
    confirm: &mut dyn FnMut(&Plan) -> anyhow::Result<bool>,
) -> anyhow::Result<ApplyOutcome> {
    if let Some(pf) = saved {
        pf.check_sources(&ctx.inventory_hash, &ctx.scripts.fingerprint())
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let held = lock::acquire(ctx, "apply")?;
    if let Some((old, reason)) = &held.took_over {
        ctx.emit(Event::LockTakenOver {
            holder: old.to_string(),
            reason: reason.clone(),
        });
    }
    let selection = saved.map_or(selection, |pf| &pf.plan.selection);
    let fresh = plan(ctx, selection)?;
    if let Some(pf) = saved {
        pf.check_fresh(&fresh).map_err(|e| anyhow::anyhow!(e))?;
    }
    if !fresh.has_changes() {
        drop(held);
        return Ok(ApplyOutcome {
            plan: fresh,
            report: None,
        });
    }
    // A saved plan was reviewed when it was made: no second confirmation.
    if saved.is_none() && !confirm(&fresh)? {
        drop(held);
        return Ok(ApplyOutcome {
            plan: fresh,
            report: None,
        });
    }
    let report = apply(ctx, &fresh)?;
    drop(held);
    Ok(ApplyOutcome {
        plan: fresh,
        report: Some(report),
    })
}

/// Runs the plan's changes (the caller holds the lock).
pub fn apply(ctx: &Context, plan: &Plan) -> anyhow::Result<ApplyReport> {
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

    let steps: Vec<&super::plan::Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let index: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, c)| (c.address.as_str(), i))
        .collect();
    let resources: Vec<Option<&Resource>> =
        steps.iter().map(|c| ctx.topology.get(&c.address)).collect();
    let jobs: Vec<Job> = steps
        .iter()
        .zip(&resources)
        .map(|(c, r)| Job {
            name: c.address.clone(),
            deps: c
                .depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect(),
            serial_group: r.and_then(|r| r.serial_group.clone()),
            skip: match (c.action, r) {
                (_, None) => Some("not in the inventory's topology".into()),
                (Action::Blocked, _) => {
                    Some(format!("blocked: {}", c.reason.clone().unwrap_or_default()))
                }
                _ => None,
            },
        })
        .collect();

    let owners: Mutex<Vec<GroupOwnership>> = Mutex::new(plan.groups.clone());
    let reports: Mutex<Vec<Option<StepReport>>> = Mutex::new(vec![None; steps.len()]);

    let host_of = |i: usize| -> String {
        let r = resources[i].expect("jobs without a resource are skipped");
        match &r.target {
            Target::Node { host } => host.clone(),
            Target::Owner {
                cluster,
                group,
                candidates,
            } => {
                let g = owners.lock().unwrap_or_else(|e| e.into_inner());
                let owner = g
                    .iter()
                    .find(|o| {
                        o.cluster.eq_ignore_ascii_case(cluster)
                            && o.group.eq_ignore_ascii_case(group)
                    })
                    .map(|o| o.owner.clone());
                drop(g);
                owner
                    .filter(|o| candidates.iter().any(|c| c.eq_ignore_ascii_case(o)))
                    .filter(|o| ctx.pool.known_down(o).is_none())
                    .or_else(|| {
                        candidates
                            .iter()
                            .find(|c| ctx.pool.known_down(c).is_none())
                            .cloned()
                    })
                    .unwrap_or_else(|| r.target.default_host().to_string())
            }
        }
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
        // A resource plan could not probe (often: what it lives in was down and is being
        // converged in this run) is probed again once its dependencies succeeded.
        let result = if steps[i].action == Action::Unknown {
            reprobe(ctx, r, host).and_then(|drifted| {
                if drifted {
                    run_step(ctx, r, host, &owners)
                } else {
                    Ok(None)
                }
            })
        } else {
            run_step(ctx, r, host, &owners)
        };
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
        reports.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(StepReport {
            address: r.address.clone(),
            action: steps[i].action,
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
        unchanged: plan.changes.len() - steps.len(),
        ..Default::default()
    };
    for (i, st) in statuses.into_iter().enumerate() {
        let rep = match st {
            JobStatus::Skipped(reason) => {
                tell(Event::StepSkipped {
                    address: steps[i].address.clone(),
                    reason: reason.clone(),
                });
                StepReport {
                    address: steps[i].address.clone(),
                    action: steps[i].action,
                    host: None,
                    status: StepStatus::NeverRan,
                    detail: Some(reason),
                    duration_ms: None,
                }
            }
            _ => reports[i].take().expect("a step that ran has a report"),
        };
        match rep.status {
            StepStatus::Succeeded => summary.succeeded += 1,
            StepStatus::Failed => summary.failed += 1,
            StepStatus::NeverRan => summary.never_ran += 1,
        }
        out.push(rep);
    }
    let interrupted = ctx.cancelled();
    tell(Event::RunFinished {
        summary: format!(
            "{} succeeded, {} failed, {} never ran{}",
            summary.succeeded,
            summary.failed,
            summary.never_ran,
            if interrupted { ", interrupted" } else { "" }
        ),
    });
    Ok(ApplyReport {
        run_id,
        journal: journal.path.display().to_string(),
        steps: out,
        summary,
        interrupted,
    })
}

/// The `cluster` resource for an owner-bound target (its probe rides along to refresh owners).
fn cluster_resource<'t>(ctx: &'t Context, target: &Target) -> Option<&'t Resource> {
    let Target::Owner { cluster, .. } = target else {
        return None;
    };
    ctx.topology.resources.iter().find(|r| {
        r.kind == crate::step::ResourceKind::Cluster
            && r.cluster_name().eq_ignore_ascii_case(cluster)
    })
}

/// One apply step and its probe (and, for owner-bound resources, the cluster probe) in one
/// payload; the error says what failed. On success, records the applied script (the `Ok`
/// value is a note when that could not be done).
fn run_step(
    ctx: &Context,
    r: &Resource,
    host: &str,
    owners: &Mutex<Vec<GroupOwnership>>,
) -> Result<Option<String>, String> {
    let mut targets: Vec<(&Resource, StepAction)> =
        vec![(r, StepAction::Apply), (r, StepAction::Probe)];
    let cluster = if r.kind == crate::step::ResourceKind::Cluster {
        Some(r)
    } else {
        cluster_resource(ctx, &r.target)
    };
    if let Some(c) = cluster.filter(|c| c.address != r.address) {
        targets.push((c, StepAction::Probe));
    }
    let mut payload = Payload {
        version: WIRE_VERSION,
        steps: Vec::new(),
        continue_on_error: false,
        secrets: BTreeMap::new(),
    };
    for (res, action) in &targets {
        let script = script(ctx, res, *action)?;
        payload.steps.push(PayloadStep { script });
    }
    let apply_script = payload.steps[0].script.clone();
    let outcomes = send(ctx, r, host, payload)?;
    let apply = outcomes
        .iter()
        .find(|o| o.index == 0)
        .ok_or("the node reported no result for the apply step")?;
    if !apply.ok {
        return Err(tail(&apply.error));
    }
    let probe = outcomes
        .iter()
        .find(|o| o.index == 1)
        .ok_or("the node reported no result for the probe after the apply step")?;
    if !probe.ok {
        return Err(format!(
            "applied, but the probe afterwards failed: {}",
            tail(&probe.error)
        ));
    }
    let observed = match &probe.result {
        Some(v) => Observed::from_result(r.kind, v)?,
        None => return Err("the probe printed no observed state".into()),
    };
    // Refresh group owners: from this probe when it is the cluster, else the cluster probe.
    let mut fresh = groups_of(r, &observed);
    if let (Some(c), Some(o)) = (cluster, outcomes.iter().find(|o| o.index == 2)) {
        if let Some(Ok(co)) = o.result.as_ref().map(|v| Observed::from_result(c.kind, v)) {
            fresh = groups_of(c, &co);
        }
    }
    if !fresh.is_empty() {
        let mut g = owners.lock().unwrap_or_else(|e| e.into_inner());
        let cl = fresh[0].cluster.clone();
        g.retain(|o| !o.cluster.eq_ignore_ascii_case(&cl));
        g.extend(fresh);
    }
    let d = diff(r, &observed);
    if d.action != Action::NoOp {
        let what: Vec<String> = d
            .attributes
            .iter()
            .map(|a| format!("{} observed {}, desired {}", a.key, a.observed, a.desired))
            .collect();
        return Err(format!("applied but still drifted: {}", what.join("; ")));
    }
    // What ran is what plan diffs later scripts against. The node converged either way, so
    // a local write error does not fail the step; it is reported with it.
    Ok(applied::record(ctx, &r.address, &apply_script)
        .err()
        .map(|e| format!("could not record the applied script: {e:#}")))
}

/// Probes `r` on `host`; says whether it differs from the desired state.
fn reprobe(ctx: &Context, r: &Resource, host: &str) -> Result<bool, String> {
    let payload = Payload {
        version: WIRE_VERSION,
        steps: vec![PayloadStep {
            script: script(ctx, r, StepAction::Probe)?,
        }],
        continue_on_error: false,
        secrets: BTreeMap::new(),
    };
    let outcomes = send(ctx, r, host, payload)?;
    let probe = outcomes
        .first()
        .ok_or("the node reported no result for the probe")?;
    if !probe.ok {
        return Err(format!("could not be probed: {}", tail(&probe.error)));
    }
    let observed = match &probe.result {
        Some(v) => Observed::from_result(r.kind, v)?,
        None => return Err("the probe printed no observed state".into()),
    };
    match diff(r, &observed) {
        d if d.action == Action::NoOp => Ok(false),
        d if d.action == Action::Blocked => {
            Err(format!("blocked: {}", d.reason.unwrap_or_default()))
        }
        _ => Ok(true),
    }
}

/// The script of one step of `r`; the error is the renderer's.
fn script(ctx: &Context, r: &Resource, action: StepAction) -> Result<String, String> {
    ctx.scripts.script(r, action).map_err(|e| e.to_string())
}

/// Adds `r`'s secrets to `payload` and runs it on `host`; the error is the tail of why it
/// could not run.
fn send(
    ctx: &Context,
    r: &Resource,
    host: &str,
    mut payload: Payload,
) -> Result<Vec<StepOutcome>, String> {
    ctx.resolve_secrets(r, &mut payload.secrets)
        .map_err(|e| e.to_string())?;
    ctx.pool
        .run(host, &payload)
        .map_err(|e| tail(&e.to_string()))
}

/// The last 10 lines of an error.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.trim().lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}
