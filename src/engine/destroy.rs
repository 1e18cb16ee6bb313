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
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::kind::Removal;
use crate::state::write_atomic;
use crate::step::{Observed, Payload, PayloadStep, ResourceKind, StepAction, WIRE_VERSION};
use crate::topology::{Resource, Target};

use super::apply::{ApplySummary, StepStatus};
use super::context::Context;
use super::event::Event;
use super::ids::{new_id, now_rfc3339};
use super::journal::Journal;
use super::lock;
use super::plan::{fingerprint, groups_of, runs_on, GroupOwnership};
use super::probe::run_batched;
use super::schedule::{self, Job, JobStatus};

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

/// What `destroy -o` writes: the destroy plan and the hashes of what it was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestroyPlanFile {
    /// [`DESTROY_PLANFILE_VERSION`].
    pub destroy_plan_version: u32,
    /// bisrc version that wrote it.
    pub bisrc_version: String,
    /// SHA-256 of the inventory file's text.
    pub inventory_hash: String,
    /// Fingerprint of the templates in use.
    pub template_hash: String,
    /// The plan.
    pub plan: DestroyPlan,
}

impl DestroyPlanFile {
    /// Wraps a plan.
    pub fn new(plan: DestroyPlan, inventory_hash: String, template_hash: String) -> Self {
        DestroyPlanFile {
            destroy_plan_version: DESTROY_PLANFILE_VERSION,
            bisrc_version: env!("CARGO_PKG_VERSION").to_string(),
            inventory_hash,
            template_hash,
            plan,
        }
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        write_atomic(path, text.as_bytes())?;
        Ok(())
    }

    /// Reads a destroy plan file (an apply plan file is refused).
    pub fn read(path: &Path) -> anyhow::Result<DestroyPlanFile> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read destroy plan file {}: {e}", path.display())
        })?;
        let pf: DestroyPlanFile = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a bisrc destroy plan file: {e}; make one with `bisrc destroy -o FILE`",
                path.display()
            )
        })?;
        if pf.destroy_plan_version != DESTROY_PLANFILE_VERSION {
            anyhow::bail!(
                "{} is destroy plan file version {}, this bisrc reads version {DESTROY_PLANFILE_VERSION}; run destroy -o again",
                path.display(),
                pf.destroy_plan_version
            );
        }
        Ok(pf)
    }

    /// Refuses a plan made from another inventory or other templates.
    pub fn check_sources(&self, inventory_hash: &str, template_hash: &str) -> Result<(), String> {
        if self.inventory_hash != inventory_hash {
            return Err("the destroy plan is stale: it was made from another inventory; run `bisrc destroy -o FILE` again".into());
        }
        if self.template_hash != template_hash {
            return Err("the destroy plan is stale: the templates changed since it was made; run `bisrc destroy -o FILE` again".into());
        }
        Ok(())
    }

    /// Refuses the plan when a fresh probe does not give the same states, naming each
    /// resource that changed.
    pub fn check_fresh(&self, fresh: &DestroyPlan) -> Result<(), String> {
        let mut changed = Vec::new();
        for c in &self.plan.changes {
            match fresh.change(&c.address) {
                None => changed.push(format!("{} (no longer selected)", c.address)),
                Some(f) if f.action != c.action => changed.push(format!(
                    "{} (was {}, now {})",
                    c.address,
                    c.action.as_str(),
                    f.action.as_str()
                )),
                Some(f) if f.fingerprint != c.fingerprint => {
                    changed.push(format!("{} (observed state changed)", c.address))
                }
                Some(_) => {}
            }
        }
        for f in &fresh.changes {
            if self.plan.change(&f.address).is_none() {
                changed.push(format!("{} (not in the saved plan)", f.address));
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = changed.iter().take(8).cloned().collect();
        let more = changed.len().saturating_sub(8);
        Err(format!(
            "the destroy plan is stale: the environment changed since it was made ({} resources): {}{}; run `bisrc destroy -o FILE` again",
            changed.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ))
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
    let run_id = new_id();
    let journal = Journal::create(&ctx.state, &run_id)?;
    let tell = |ev: Event| {
        journal.event(&ev);
        ctx.emit(ev);
    };
    tell(Event::RunStarted {
        run_id: run_id.clone(),
    });
    let steps: Vec<&DestroyChange> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, DestroyAction::Destroy | DestroyAction::Unknown))
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
                .after
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect(),
            serial_group: r.and_then(|r| r.serial_group.clone()),
            skip: r
                .is_none()
                .then(|| "not in the inventory's topology".to_string()),
        })
        .collect();
    let owners: Mutex<Vec<GroupOwnership>> = Mutex::new(plan.groups.clone());
    let reports: Mutex<Vec<Option<DestroyStep>>> = Mutex::new(vec![None; steps.len()]);

    let host_of = |i: usize| -> String {
        let r = resources[i].expect("jobs without a resource are skipped");
        current_host(ctx, r, &owners.lock().unwrap_or_else(|e| e.into_inner()))
    };
    let exec = |i: usize, host: &str| -> JobStatus {
        let r = resources[i].expect("jobs without a resource are skipped");
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
        let result = remove(ctx, r, host, &owners);
        let ms = t.elapsed().as_millis() as u64;
        let (ok, detail) = match result {
            Ok(note) => (true, note),
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
        reports.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(DestroyStep {
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
    {
        let mut p = ctx.apply_progress.lock().unwrap_or_else(|e| e.into_inner());
        p.total = steps.len();
        p.finished = 0;
        p.running.clear();
    }
    let statuses = schedule::run(
        &jobs,
        ctx.parallelism,
        &ctx.cancel,
        || ctx.emit(Event::Interrupted),
        host_of,
        exec,
    );
    let mut reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut summary = ApplySummary {
        unchanged: plan.changes.len() - steps.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(steps.len());
    for (i, st) in statuses.into_iter().enumerate() {
        let rep = match st {
            JobStatus::Skipped(reason) => {
                tell(Event::StepSkipped {
                    address: steps[i].address.clone(),
                    reason: reason.clone(),
                });
                DestroyStep {
                    address: steps[i].address.clone(),
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
            "{} removed, {} failed, {} never ran{}",
            summary.succeeded,
            summary.failed,
            summary.never_ran,
            if interrupted { ", interrupted" } else { "" }
        ),
    });
    Ok(DestroyReport {
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

/// The `cluster` resource of an owner-bound target (its probe rides along to refresh owners).
fn cluster_of<'t>(ctx: &'t Context, r: &'t Resource) -> Option<&'t Resource> {
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
    let send = |steps: Vec<String>| {
        let mut payload = Payload {
            version: WIRE_VERSION,
            steps: steps
                .into_iter()
                .map(|script| PayloadStep { script })
                .collect(),
            continue_on_error: false,
            secrets: BTreeMap::new(),
        };
        ctx.resolve_secrets(r, &mut payload.secrets)
            .map_err(|e| e.to_string())?;
        ctx.pool
            .run(host, &payload)
            .map_err(|e| tail(&e.to_string()))
    };
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
        let mut g = owners.lock().unwrap_or_else(|e| e.into_inner());
        let name = c.cluster_name();
        g.retain(|o| !o.cluster.eq_ignore_ascii_case(&name));
        g.extend(fresh);
    }
    if after.exists() {
        return Err("the removal script ran, but the probe afterwards still finds it".into());
    }
    Ok(None)
}

/// The last 10 lines of an error.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.trim().lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}
