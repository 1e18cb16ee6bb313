//! Destroy: the reverse of apply (`bisrc destroy`). It takes a context, the `--target` globs
//! and optionally a saved destroy plan; it probes the resources the inventory describes (and
//! only those: nothing else is ever touched), plans each one's removal — by its kind's removal
//! script, with the resource it is a setting of, or not at all (what belongs to the Windows
//! server itself) — and, under the environment lock, after a confirmation, runs the removal
//! scripts in reverse dependency order ([`super::schedule`]), each followed by its probe in the
//! same payload: a resource still there fails the step. Every step's start and end goes to the
//! journal. Resuming is running it again: what is gone plans as `absent`.
//!
//! Whether the environment may be destroyed at all (`environment_kind`, the name typed back)
//! is the caller's question: the engine never prompts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::kind::Removal;
use crate::step::{Observed, ResourceKind, StepAction};
use crate::topology::Resource;

use super::apply::{ApplySummary, StepStatus};
use super::context::Context;
use super::event::Event;
use super::ids::now_rfc3339;
use super::lock;
use super::plan::{fingerprint, groups_of, runs_on, GroupOwnership};
use super::planfile::{PlanFile, Planned};
use super::probe::run_batched;
use super::steps::{cluster_of, refresh_owners, run_steps, send, tail, Step};

/// Version of the destroy plan JSON.
pub const DESTROY_FORMAT_VERSION: &str = "1.0";

/// Version of the destroy plan file layout.
pub const DESTROY_PLANFILE_VERSION: u32 = 1;

/// What destroy proposes for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestroyAction {
    /// It exists: its removal script runs.
    Destroy,
    /// It does not exist (never made, or already removed).
    Absent,
    /// A setting or part of another resource: removed with it, no step of its own.
    WithParent,
    /// Left in place (a setting of the Windows server itself).
    Kept,
    /// It could not be probed.
    Unknown,
}

impl DestroyAction {
    /// Terraform-like symbol.
    pub fn symbol(self) -> char {
        match self {
            DestroyAction::Destroy => '-',
            DestroyAction::Absent => '=',
            DestroyAction::WithParent => '^',
            DestroyAction::Kept => '.',
            DestroyAction::Unknown => '?',
        }
    }

    /// `destroy`, `absent`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            DestroyAction::Destroy => "destroy",
            DestroyAction::Absent => "absent",
            DestroyAction::WithParent => "with-parent",
            DestroyAction::Kept => "kept",
            DestroyAction::Unknown => "unknown",
        }
    }
}

/// What destroy proposes for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyChange {
    /// Resource address.
    pub address: String,
    /// Resource kind.
    pub kind: ResourceKind,
    /// The proposed action.
    pub action: DestroyAction,
    /// Where its removal runs: a host name, or `owner of GROUP`.
    pub runs_on: String,
    /// The host the probe ran on.
    pub probed_on: Option<String>,
    /// Why: the parent it goes with, why it is kept or absent, why unknown.
    pub reason: Option<String>,
    /// Resources whose removal comes first (they depend on this one).
    pub after: Vec<String>,
    /// SHA-256 of the observed state (none when not probed). A saved destroy plan is stale
    /// when a re-probe gives another.
    pub fingerprint: Option<String>,
}

/// The result of planning a destroy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyPlan {
    /// [`DESTROY_FORMAT_VERSION`].
    pub format_version: String,
    /// Environment name.
    pub environment: String,
    /// `test` or `production`.
    pub environment_kind: String,
    /// `--site`, if any.
    pub site: Option<String>,
    /// When the plan was made (UTC, RFC 3339). Display only.
    pub created: String,
    /// `--target` globs (all resources when empty; dependents follow).
    pub targets: Vec<String>,
    /// One entry per selected resource, in removal order (dependents first).
    pub changes: Vec<DestroyChange>,
    /// Every cluster group and its current owner, as the cluster probes reported them.
    pub groups: Vec<GroupOwnership>,
    /// Hosts that could not be reached, and why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreachable: BTreeMap<String, String>,
}

impl DestroyPlan {
    /// Whether a removal is pending (unknown counts: the environment is not known to be gone).
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.action, DestroyAction::Destroy | DestroyAction::Unknown))
    }

    /// Whether some resources could not be probed.
    pub fn is_incomplete(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action == DestroyAction::Unknown)
    }

    /// How many changes have `action`.
    pub fn count(&self, action: DestroyAction) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// The change for `address`.
    pub fn change(&self, address: &str) -> Option<&DestroyChange> {
        self.changes.iter().find(|c| c.address == address)
    }
}

/// The nearest resource of kind `parent` among `r`'s dependencies (direct or not).
fn parent_of<'t>(ctx: &'t Context, r: &Resource, parent: ResourceKind) -> Option<&'t Resource> {
    let mut todo: Vec<&str> = r.depends_on.iter().map(String::as_str).collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(a) = todo.first().copied() {
        todo.remove(0);
        if !seen.insert(a) {
            continue;
        }
        let Some(d) = ctx.topology.get(a) else {
            continue;
        };
        if d.kind == parent {
            return Some(d);
        }
        todo.extend(d.depends_on.iter().map(String::as_str));
    }
    None
}

/// Probes the resources `targets` select (and their dependents) and plans their removal.
pub fn plan(ctx: &Context, targets: &[String]) -> anyhow::Result<DestroyPlan> {
    let selected = ctx.topology.select_for_removal(targets)?;
    let scripted: Vec<&Resource> = selected
        .iter()
        .copied()
        .filter(|r| r.kind.removal() == Removal::Script)
        .collect();
    let runs = run_batched(ctx, &scripted, StepAction::Probe)?;
    let mut runs: HashMap<&str, _> = scripted
        .iter()
        .map(|r| r.address.as_str())
        .zip(runs)
        .collect();
    let mut groups = Vec::new();
    // Resources known to be gone, with the resource whose absence explains it.
    let mut gone: HashMap<String, String> = HashMap::new();
    let mut changes = Vec::with_capacity(selected.len());
    for r in &selected {
        let gone_dep = r.depends_on.iter().find_map(|d| gone.get(d).cloned());
        let mut change = DestroyChange {
            address: r.address.clone(),
            kind: r.kind,
            action: DestroyAction::Absent,
            runs_on: runs_on(&r.target),
            probed_on: None,
            reason: None,
            after: Vec::new(),
            fingerprint: None,
        };
        match r.kind.removal() {
            Removal::Kept(why) => {
                change.action = DestroyAction::Kept;
                change.reason = Some(why.to_string());
            }
            Removal::WithParent(kind) => {
                change.action = DestroyAction::WithParent;
                let parent = parent_of(ctx, r, kind);
                change.reason = Some(match parent {
                    Some(p) => format!("removed with {}", p.address),
                    None => format!("removed with its {}", kind.as_str()),
                });
                if let Some(root) = gone_dep {
                    gone.insert(r.address.clone(), root);
                }
            }
            Removal::Script => {
                let run = runs
                    .remove(r.address.as_str())
                    .expect("every scripted resource ran");
                change.probed_on = run.host.clone();
                match run.result.and_then(|v| Observed::from_result(r.kind, &v)) {
                    Ok(o) => {
                        groups.extend(groups_of(r, &o));
                        change.fingerprint = Some(fingerprint(&o));
                        if o.exists() {
                            change.action = DestroyAction::Destroy;
                        } else {
                            gone.insert(r.address.clone(), r.address.clone());
                        }
                    }
                    // A probe that cannot run because what the resource lives in is gone (a
                    // login on an instance already removed): it is gone with it.
                    Err(_) if run.host.is_some() && gone_dep.is_some() => {
                        let root = gone_dep.unwrap_or_default();
                        change.reason = Some(format!("gone with {root}"));
                        gone.insert(r.address.clone(), root);
                    }
                    Err(reason) => {
                        change.action = DestroyAction::Unknown;
                        change.reason = Some(reason);
                    }
                }
            }
        }
        changes.push(change);
    }
    // What must go first: every pending removal that depends on this one, directly or not.
    let pending: std::collections::HashSet<String> = changes
        .iter()
        .filter(|c| matches!(c.action, DestroyAction::Destroy | DestroyAction::Unknown))
        .map(|c| c.address.clone())
        .collect();
    for c in changes.iter_mut().filter(|c| pending.contains(&c.address)) {
        c.after = ctx
            .topology
            .dependents(&c.address)
            .into_iter()
            .filter(|d| pending.contains(&d.address))
            .map(|d| d.address.clone())
            .collect();
    }
    changes.reverse();
    let unreachable = ctx
        .topology
        .hosts
        .iter()
        .filter_map(|h| {
            ctx.pool
                .known_down(&h.name)
                .map(|why| (h.name.clone(), ctx.scrub(why.trim())))
        })
        .collect();
    Ok(DestroyPlan {
        format_version: DESTROY_FORMAT_VERSION.to_string(),
        environment: ctx.topology.environment.clone(),
        environment_kind: ctx.inventory.environment_kind.as_str().to_string(),
        site: ctx.topology.site.clone(),
        created: now_rfc3339(),
        targets: targets.to_vec(),
        changes,
        groups,
        unreachable,
    })
}

/// What `destroy -o` writes: the destroy plan and the hashes of what it was made from (the
/// generic plan file, under its own version key: an apply plan file is refused).
pub type DestroyPlanFile = PlanFile<DestroyPlan>;

impl Planned for DestroyPlan {
    const VERSION_KEY: &'static str = "destroy_plan_version";
    const VERSION: u32 = DESTROY_PLANFILE_VERSION;
    const NAME: &'static str = "destroy plan";
    const VERB: &'static str = "destroy";
    fn entries(&self) -> Vec<(&str, &'static str, Option<&str>)> {
        self.changes
            .iter()
            .map(|c| {
                (
                    c.address.as_str(),
                    c.action.as_str(),
                    c.fingerprint.as_deref(),
                )
            })
            .collect()
    }
}

/// One removal step of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyStep {
    /// Resource address.
    pub address: String,
    /// Host it ran on.
    pub host: Option<String>,
    /// Outcome.
    pub status: StepStatus,
    /// Failure, why it never ran, or a note.
    pub detail: Option<String>,
    /// Wall-clock milliseconds.
    pub duration_ms: Option<u64>,
}

/// The result of a destroy run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyReport {
    /// Run ID (also in the journal's file name).
    pub run_id: String,
    /// The journal file.
    pub journal: String,
    /// One entry per removal step, in removal order.
    pub steps: Vec<DestroyStep>,
    /// Counts (`unchanged`: resources with no step of their own).
    pub summary: ApplySummary,
    /// Ctrl-C stopped the run early.
    pub interrupted: bool,
}

impl DestroyReport {
    /// Whether everything selected is gone.
    pub fn ok(&self) -> bool {
        self.summary.failed == 0 && self.summary.never_ran == 0 && !self.interrupted
    }
}

/// What [`run`] did.
#[derive(Debug)]
pub struct DestroyOutcome {
    /// The plan that was carried out (or declined).
    pub plan: DestroyPlan,
    /// The report; `None` when nothing was left to remove or the answer was no.
    pub report: Option<DestroyReport>,
}

/// Locks, plans (checking a saved plan), confirms, removes.
pub fn run(
    ctx: &Context,
    targets: &[String],
    saved: Option<&DestroyPlanFile>,
    confirm: &mut dyn FnMut(&DestroyPlan) -> anyhow::Result<bool>,
) -> anyhow::Result<DestroyOutcome> {
    if let Some(pf) = saved {
        pf.check_sources(&ctx.inventory_hash, &ctx.scripts.fingerprint())
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let held = lock::acquire(ctx, "destroy")?;
    if let Some((old, reason)) = &held.took_over {
        ctx.emit(Event::LockTakenOver {
            holder: old.to_string(),
            reason: reason.clone(),
        });
    }
    let targets = saved.map_or(targets, |pf| &pf.plan.targets);
    let fresh = plan(ctx, targets)?;
    if let Some(pf) = saved {
        pf.check_fresh(&fresh).map_err(|e| anyhow::anyhow!(e))?;
    }
    // A saved plan was reviewed when it was made: no second confirmation.
    if !fresh.has_changes() || (saved.is_none() && !confirm(&fresh)?) {
        drop(held);
        return Ok(DestroyOutcome {
            plan: fresh,
            report: None,
        });
    }
    let report = destroy(ctx, &fresh)?;
    drop(held);
    Ok(DestroyOutcome {
        plan: fresh,
        report: Some(report),
    })
}

/// Runs the plan's removals (the caller holds the lock).
pub fn destroy(ctx: &Context, plan: &DestroyPlan) -> anyhow::Result<DestroyReport> {
    let changes: Vec<&DestroyChange> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, DestroyAction::Destroy | DestroyAction::Unknown))
        .collect();
    let steps: Vec<Step> = changes
        .iter()
        .map(|c| Step {
            address: &c.address,
            after: &c.after,
            skip: None,
        })
        .collect();
    let run = run_steps(
        ctx,
        &steps,
        &plan.groups,
        plan.changes.len() - changes.len(),
        "removed",
        &|_, r, host, owners| remove(ctx, r, host, owners),
    )?;
    Ok(DestroyReport {
        run_id: run.run_id,
        journal: run.journal,
        steps: run
            .steps
            .into_iter()
            .map(|s| DestroyStep {
                address: s.address,
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

/// One removal: `[probe, destroy, probe, cluster probe]` in one payload. A resource the
/// first probe finds gone is left alone (a resumed run); the destroy step runs otherwise, and
/// the probe after it must find the resource gone.
fn remove(
    ctx: &Context,
    r: &Resource,
    host: &str,
    owners: &Mutex<Vec<GroupOwnership>>,
) -> Result<Option<String>, String> {
    let script =
        |res: &Resource, a: StepAction| ctx.scripts.script(res, a).map_err(|e| e.to_string());
    let send = |scripts: Vec<String>| send(ctx, r, host, scripts);
    let observed = |o: Option<&crate::step::StepOutcome>, what: &str| -> Result<Observed, String> {
        let o = o.ok_or_else(|| format!("the node reported no result for the {what}"))?;
        if !o.ok {
            return Err(format!("the {what} failed: {}", tail(&o.error)));
        }
        let v = o
            .result
            .as_ref()
            .ok_or("the probe printed no observed state")?;
        Observed::from_result(r.kind, v)
    };
    // Still there? (An unknown at plan time, or a run resumed after an interruption.)
    let before = send(vec![script(r, StepAction::Probe)?])?;
    if !observed(before.first(), "probe")?.exists() {
        return Ok(Some("already gone".into()));
    }
    let cluster = cluster_of(ctx, r);
    let mut steps = vec![
        script(r, StepAction::Destroy)?,
        script(r, StepAction::Probe)?,
    ];
    if let Some(c) = cluster.filter(|c| c.address != r.address) {
        steps.push(script(c, StepAction::Probe)?);
    }
    let outcomes = send(steps)?;
    let step = outcomes
        .iter()
        .find(|o| o.index == 0)
        .ok_or("the node reported no result for the destroy step")?;
    if !step.ok {
        return Err(tail(&step.error));
    }
    let after = observed(
        outcomes.iter().find(|o| o.index == 1),
        "probe after the removal",
    )?;
    // Refresh group owners (a removed node's groups moved to another).
    let fresh = match (cluster, outcomes.iter().find(|o| o.index == 2)) {
        (Some(c), Some(o)) if c.address != r.address => o
            .result
            .as_ref()
            .and_then(|v| Observed::from_result(c.kind, v).ok())
            .map(|co| groups_of(c, &co))
            .unwrap_or_default(),
        _ => groups_of(r, &after),
    };
    if let Some(c) = cluster {
        refresh_owners(owners, &c.cluster_name(), fresh);
    }
    if after.exists() {
        return Err("the removal script ran, but the probe afterwards still finds it".into());
    }
    Ok(None)
}
