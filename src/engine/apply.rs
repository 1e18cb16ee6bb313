//! Apply: converge the environment to the inventory. It takes a context, a selection and
//! optionally a saved plan file; under the environment lock it re-probes (refusing a stale
//! saved plan, naming what changed), asks for confirmation through a callback, then runs
//! one apply step per create/update change in dependency order ([`super::schedule`]), each
//! followed by its probe in the same payload: remaining drift fails the step. Every step's
//! start and end goes to the journal. It produces an [`ApplyReport`] listing what succeeded,
//! what failed (with the tail of stderr) and what never ran. Resuming is just running it
//! again: probes are idempotent, so converged resources plan as no-ops.

pub use super::context::Progress;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::step::{Observed, StepAction};
use crate::topology::Resource;

use super::applied;
use super::context::Context;
use super::diff::{diff, Action};
use super::event::Event;
use super::lock;
use super::plan::{groups_of, plan, GroupOwnership, Plan, Selection};
use super::planfile::PlanFile;
use super::steps::{cluster_of, refresh_owners, run_steps, send, tail, Step};
pub use super::steps::{ApplySummary, StepStatus};

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

/// The changes `c` must wait for: its dependencies that change and, through a dependency
/// that does not (no step runs for it), that dependency's own, transitively. An unchanged
/// resource between two changes still orders them: B unchanged between A and C means C
/// waits for A, as the dependency graph says.
fn steps_before(
    by_address: &BTreeMap<&str, &super::plan::Change>,
    c: &super::plan::Change,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = c.depends_on.iter().map(String::as_str).collect();
    while let Some(d) = stack.pop() {
        if !seen.insert(d) {
            continue;
        }
        match by_address.get(d) {
            Some(dep) if dep.action == Action::NoOp => {
                stack.extend(dep.depends_on.iter().map(String::as_str));
            }
            _ => out.push(d.to_string()),
        }
    }
    out
}

/// Runs the plan's changes (the caller holds the lock).
pub fn apply(ctx: &Context, plan: &Plan) -> anyhow::Result<ApplyReport> {
    let changes: Vec<&super::plan::Change> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let by_address: BTreeMap<&str, &super::plan::Change> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c))
        .collect();
    let after: Vec<Vec<String>> = changes
        .iter()
        .map(|c| steps_before(&by_address, c))
        .collect();
    let steps: Vec<Step> = changes
        .iter()
        .zip(&after)
        .map(|(c, after)| Step {
            address: &c.address,
            after,
            skip: (c.action == Action::Blocked)
                .then(|| format!("blocked: {}", c.reason.clone().unwrap_or_default())),
        })
        .collect();
    let run = run_steps(
        ctx,
        &steps,
        &plan.groups,
        plan.changes.len() - changes.len(),
        "succeeded",
        &|i, r, host, owners| {
            // A resource plan could not probe (often: what it lives in was down and is being
            // converged in this run) is probed again once its dependencies succeeded.
            if changes[i].action == Action::Unknown {
                reprobe(ctx, r, host).and_then(|drifted| {
                    if drifted {
                        run_step(ctx, r, host, owners)
                    } else {
                        Ok(None)
                    }
                })
            } else {
                run_step(ctx, r, host, owners)
            }
        },
    )?;
    Ok(ApplyReport {
        run_id: run.run_id,
        journal: run.journal,
        steps: run
            .steps
            .into_iter()
            .zip(&changes)
            .map(|(s, c)| StepReport {
                address: s.address,
                action: c.action,
                host: s.host,
                status: s.status,
                detail: s.detail,
                duration_ms: s.duration_ms,
            })
            .collect(),
        summary: run.summary,
        interrupted: run.interrupted,
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
    let cluster = cluster_of(ctx, r);
    if let Some(c) = cluster.filter(|c| c.address != r.address) {
        targets.push((c, StepAction::Probe));
    }
    let scripts = targets
        .iter()
        .map(|(res, action)| script(ctx, res, *action))
        .collect::<Result<Vec<String>, String>>()?;
    let apply_script = scripts[0].clone();
    let outcomes = send(ctx, r, host, scripts)?;
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
        let cl = fresh[0].cluster.clone();
        refresh_owners(owners, &cl, fresh);
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
    let outcomes = send(ctx, r, host, vec![script(ctx, r, StepAction::Probe)?])?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::Change;
    use crate::step::ResourceKind;

    fn change(address: &str, action: Action, deps: &[&str]) -> Change {
        Change {
            address: address.into(),
            kind: ResourceKind::Firewall,
            action,
            runs_on: "N".into(),
            probed_on: None,
            attributes: Vec::new(),
            reason: None,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            fingerprint: None,
            script_diff: None,
            known_after: None,
        }
    }

    #[test]
    fn an_unchanged_resource_between_two_changes_still_orders_them() {
        // C depends on B, unchanged, which depends on A, created: C waits for A (the engine
        // once started C at once, because B ran no step).
        let changes = [
            change("a", Action::Create, &[]),
            change("b", Action::NoOp, &["a"]),
            change("c", Action::Update, &["b"]),
            change("d", Action::Create, &["c", "b"]),
        ];
        let by_address: BTreeMap<&str, &Change> =
            changes.iter().map(|c| (c.address.as_str(), c)).collect();
        assert_eq!(steps_before(&by_address, &changes[2]), vec!["a"]);
        let mut d = steps_before(&by_address, &changes[3]);
        d.sort();
        assert_eq!(d, vec!["a", "c"]);
        assert!(steps_before(&by_address, &changes[0]).is_empty());
    }
}
