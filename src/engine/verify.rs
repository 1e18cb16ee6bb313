//! Verify: run every selected resource's verify step (batched per host, one payload per
//! host) and collect the checks with resource, host and outcome. A resource that cannot be
//! verified (host down, step failed) yields a failed check naming the node and the cause. It
//! takes a context and a selection; it produces a [`VerifyReport`]; it changes nothing.

use serde::{Deserialize, Serialize};

use crate::kind::host_instances::Event as HostEvent;
use crate::step::{StepAction, VerifyResult};
use crate::topology::Resource;

use super::context::Context;
use super::plan::{GroupOwnership, Selection};
use super::probe::run_batched;

/// Version of the verify JSON.
pub const FORMAT_VERSION: &str = "1.0";

/// One check as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Check name, e.g. `cluster-nodes-up` (`step-ran` when the verify step itself failed).
    pub name: String,
    /// Resource address.
    pub resource: String,
    /// Host the check ran on (none when unreachable).
    pub host: Option<String>,
    /// Site of the resource.
    pub site: String,
    /// Passed.
    pub ok: bool,
    /// What was found; when failed, what is wrong and how to fix it.
    pub detail: String,
}

/// Counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifySummary {
    /// Checks passed.
    pub passed: usize,
    /// Checks failed.
    pub failed: usize,
}

/// One move of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Move {
    /// Cluster.
    pub cluster: String,
    /// Group.
    pub group: String,
    /// Owner before the move (none when unknown).
    pub from: Option<String>,
    /// Destination.
    pub to: String,
    /// The group came online on `to`.
    pub ok: bool,
    /// Not attempted (destination unreachable).
    pub skipped: bool,
    /// Milliseconds from the move command to the group online.
    pub duration_ms: u64,
    /// What happened.
    pub detail: String,
    /// Cluster and SQL checks after the move (and the BizTalk servers' recovery).
    pub checks: Vec<CheckResult>,
    /// Each host instance and ENTSSO of the BizTalk servers through the move.
    #[serde(default)]
    pub hosts: Vec<HostTimeline>,
}

/// The failover rehearsal (`verify --failover`, run by `failover.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailoverReport {
    /// Moves in order.
    pub moves: Vec<Move>,
    /// Where every group runs at the end.
    pub final_owners: Vec<GroupOwnership>,
}

impl FailoverReport {
    /// Every move succeeded and every check after it passed.
    pub fn ok(&self) -> bool {
        self.moves
            .iter()
            .all(|m| m.ok && m.checks.iter().all(|c| c.ok))
    }
}

/// The result of `bisrc verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// [`FORMAT_VERSION`].
    pub format_version: String,
    /// Environment.
    pub environment: String,
    /// Every check, in resource order.
    pub checks: Vec<CheckResult>,
    /// Counts (failover checks included).
    pub summary: VerifySummary,
    /// The failover rehearsal (`--failover`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverReport>,
}

impl VerifyReport {
    /// Every check passed and every failover move succeeded.
    pub fn ok(&self) -> bool {
        self.summary.failed == 0 && self.failover.as_ref().is_none_or(FailoverReport::ok)
    }

    /// Recomputes the summary from the checks (and the failover's checks).
    pub fn resummarize(&mut self) {
        let mut s = VerifySummary::default();
        let fo = self
            .failover
            .iter()
            .flat_map(|f| f.moves.iter().flat_map(|m| m.checks.iter()));
        for c in self.checks.iter().chain(fo) {
            if c.ok {
                s.passed += 1;
            } else {
                s.failed += 1;
            }
        }
        self.summary = s;
    }
}

/// Runs the verify steps of `resources`.
pub fn checks_of(ctx: &Context, resources: &[&Resource]) -> anyhow::Result<Vec<CheckResult>> {
    let runs = run_batched(ctx, resources, StepAction::Verify)?;
    let mut out = Vec::new();
    for (r, run) in resources.iter().zip(runs) {
        let parsed = run.result.and_then(|v| {
            serde_json::from_value::<VerifyResult>(v)
                .map_err(|e| format!("the verify step printed no checks: {e}"))
        });
        match parsed {
            Ok(v) => out.extend(v.checks.into_iter().map(|c| CheckResult {
                name: c.name,
                resource: r.address.clone(),
                host: run.host.clone(),
                site: r.site.clone(),
                ok: c.ok,
                detail: ctx.scrub(&c.detail),
            })),
            Err(reason) => out.push(CheckResult {
                name: "step-ran".into(),
                resource: r.address.clone(),
                host: run.host.clone(),
                site: r.site.clone(),
                ok: false,
                detail: format!("cannot verify {}: {reason}", r.address),
            }),
        }
    }
    Ok(out)
}

/// `bisrc verify`.
pub fn verify(ctx: &Context, selection: &Selection) -> anyhow::Result<VerifyReport> {
    let selected = ctx
        .topology
        .select(&selection.targets, &selection.excludes)?;
    let checks = checks_of(ctx, &selected)?;
    let mut report = VerifyReport {
        format_version: FORMAT_VERSION.to_string(),
        environment: ctx.topology.environment.clone(),
        checks,
        summary: VerifySummary::default(),
        failover: None,
    };
    report.resummarize();
    Ok(report)
}

/// How a host instance (or ENTSSO) came through a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// It never stopped.
    Unaffected,
    /// It stopped and ran again by itself.
    ByItself,
    /// It stayed stopped and `--restart-stopped-hosts` started it.
    RestartedByBisrc,
    /// It is not running after the watch.
    NotRecovered,
}

/// One host instance (or `ENTSSO`) on one BizTalk server through one move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostTimeline {
    /// The BizTalk server.
    pub server: String,
    /// The host of the instance, or `ENTSSO`.
    pub subject: String,
    /// State before the move.
    pub before: String,
    /// Worst state while the move's databases were away (`before` when unaffected).
    pub during: String,
    /// State at the end of the watch (after a restart by bisrc, if any).
    pub after: String,
    /// Seconds from its first stop to running again, when it ran again by itself.
    pub back_after_s: Option<u64>,
    /// How it came through.
    pub recovery: Recovery,
    /// Its events, seconds after the move started (5410, 7036, 10590).
    pub events: Vec<HostEvent>,
}
