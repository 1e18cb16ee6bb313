//! Failover rehearsal (`verify --failover`): move every clustered role (SQL FCI groups, the
//! DTC and SSO roles) to each of its possible owners and back, as `group_owner` steps
//! (`Move-ClusterGroup`) run on the group's current owner, re-running the cluster and SQL
//! checks after each move and timing it. A move to an unreachable node is reported failed
//! without being tried. Around each move the BizTalk servers are watched (`host_watch.rs`):
//! every host instance's and ENTSSO's timeline, and whether they run again. It produces a
//! [`FailoverReport`] ending with where every role runs.

use std::time::Instant;

use crate::step::{Observed, Payload, PayloadStep, ResourceKind, StepAction, WIRE_VERSION};
use crate::topology::{Resource, Target};

use super::context::Context;
use super::event::Event;
use super::host_watch;
use super::plan::{groups_of, GroupOwnership};
use super::probe::{choose_host, run_batched};
use super::verify::{checks_of, FailoverReport, Move};

/// The ad-hoc `group_owner` resource that moves `group` to `to`.
pub fn group_owner(
    cluster: &str,
    group: &str,
    candidates: &[String],
    site: &str,
    to: &str,
) -> Resource {
    use crate::kind::group_owner::{Desired, GroupOwner, Params};
    Resource::new::<GroupOwner>(
        format!("failover.{cluster}.{group}"),
        site,
        Target::Owner {
            cluster: cluster.to_string(),
            group: group.to_string(),
            candidates: candidates.to_vec(),
        },
        Params {
            cluster: cluster.to_string(),
            group: group.to_string(),
        },
        Desired {
            exists: true,
            owner: to.to_string(),
            state: "Online".into(),
        },
    )
}

fn owners(ctx: &Context) -> anyhow::Result<Vec<GroupOwnership>> {
    let clusters: Vec<&Resource> = ctx
        .topology
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Cluster)
        .collect();
    let runs = run_batched(ctx, &clusters, StepAction::Probe)?;
    let mut out = Vec::new();
    for (r, run) in clusters.iter().zip(runs) {
        if let Some(o) = run
            .result
            .ok()
            .and_then(|v| Observed::from_result(r.kind, &v).ok())
        {
            out.extend(groups_of(r, &o));
        }
    }
    Ok(out)
}

/// Runs the rehearsal; `restart_stopped_hosts` starts host instances that stay stopped
/// after a move (and says so in the move's timeline).
pub fn rehearse(ctx: &Context, restart_stopped_hosts: bool) -> anyhow::Result<FailoverReport> {
    // Roles to move: one per (cluster, group), with their possible owners.
    let mut roles: Vec<(&str, &str, &[String], &str)> = Vec::new();
    // Every owner-bound resource names its group; the core group and the pool of unowned
    // disks are not roles.
    for r in &ctx.topology.resources {
        if let Target::Owner {
            cluster,
            group,
            candidates,
        } = &r.target
        {
            if group == crate::topology::CORE_GROUP || group == crate::topology::AVAILABLE_STORAGE {
                continue;
            }
            if !roles.iter().any(|x| x.0 == cluster && x.1 == group) {
                roles.push((cluster, group, candidates, &r.site));
            }
        }
    }
    // Checks re-run after each move: the cluster's, the SQL instances' and the availability
    // groups' (replicas synchronized and listener online on the new primary).
    let check_res: Vec<&Resource> = ctx
        .topology
        .resources
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                ResourceKind::Cluster
                    | ResourceKind::SqlFci
                    | ResourceKind::SqlConfig
                    | ResourceKind::AvailabilityGroup
            )
        })
        .collect();

    // The BizTalk servers watched around each move.
    let runtimes = host_watch::runtime_resources(ctx);
    let mut hosts_now: Option<Vec<Option<crate::kind::host_instances::HostInstancesObserved>>> =
        None;
    let mut current = owners(ctx)?;
    let mut moves = Vec::new();
    for (cluster, group, candidates, site) in roles {
        let find = |cur: &[GroupOwnership]| {
            cur.iter()
                .find(|g| {
                    g.cluster.eq_ignore_ascii_case(cluster) && g.group.eq_ignore_ascii_case(group)
                })
                .map(|g| g.owner.clone())
        };
        let Some(home) = find(&current) else {
            moves.push(Move {
                cluster: cluster.into(),
                group: group.into(),
                from: None,
                to: candidates.join(", "),
                ok: false,
                skipped: true,
                duration_ms: 0,
                detail: format!("{group} does not exist in {cluster}; run `bisrc apply` first"),
                checks: Vec::new(),
                hosts: Vec::new(),
            });
            continue;
        };
        let others: Vec<&String> = candidates
            .iter()
            .filter(|c| !c.eq_ignore_ascii_case(&home))
            .collect();
        for to in others {
            for dest in [to.clone(), home.clone()] {
                let from = find(&current);
                if from
                    .as_deref()
                    .is_some_and(|f| f.eq_ignore_ascii_case(&dest))
                {
                    continue;
                }
                // The last watch's end is this move's start, unless a server did not answer.
                let before = match hosts_now.take() {
                    Some(b) if b.iter().all(Option::is_some) => b,
                    _ => host_watch::snapshot(ctx, &runtimes)?,
                };
                let mut m = move_group(
                    ctx, cluster, group, candidates, site, from, &dest, &check_res,
                )?;
                if m.skipped {
                    hosts_now = Some(before);
                } else {
                    let w = host_watch::watch(ctx, &runtimes, &before, restart_stopped_hosts)?;
                    m.hosts = w.timelines;
                    m.checks.extend(w.checks);
                    hosts_now = Some(w.now);
                }
                let failed_there = !m.ok;
                moves.push(m);
                current = owners(ctx)?;
                if failed_there {
                    // No "move back" from a move that did not happen.
                    break;
                }
            }
        }
    }
    Ok(FailoverReport {
        moves,
        final_owners: current,
    })
}

#[allow(clippy::too_many_arguments)]
fn move_group(
    ctx: &Context,
    cluster: &str,
    group: &str,
    candidates: &[String],
    site: &str,
    from: Option<String>,
    to: &str,
    check_res: &[&Resource],
) -> anyhow::Result<Move> {
    let mut m = Move {
        cluster: cluster.into(),
        group: group.into(),
        from: from.clone(),
        to: to.into(),
        ok: false,
        skipped: false,
        duration_ms: 0,
        detail: String::new(),
        checks: Vec::new(),
        hosts: Vec::new(),
    };
    if let Err(reason) = ctx.pool.connect(to) {
        m.skipped = true;
        m.detail = format!("not attempted: {to} is unreachable: {reason}");
        return Ok(m);
    }
    // Hook (issue 14): an availability group's role should move with `ALTER AVAILABILITY
    // GROUP … FAILOVER` run on `to` (WB-AG-07), not Move-ClusterGroup; when that kind exists,
    // pick it here for roles of kind `availability_group`.
    let res = group_owner(cluster, group, candidates, site, to);
    // Run on the current owner when it is up, else on any reachable member.
    let host = match from.as_deref().filter(|f| ctx.pool.connect(f).is_ok()) {
        Some(f) => f.to_string(),
        None => match choose_host(ctx, &res.target) {
            Ok(h) => h,
            Err(e) => {
                m.detail = e;
                return Ok(m);
            }
        },
    };
    let payload = Payload {
        version: WIRE_VERSION,
        steps: vec![
            PayloadStep {
                script: ctx
                    .scripts
                    .script(&res, StepAction::Apply)
                    .map_err(|e| anyhow::anyhow!(e))?,
            },
            PayloadStep {
                script: ctx
                    .scripts
                    .script(&res, StepAction::Probe)
                    .map_err(|e| anyhow::anyhow!(e))?,
            },
        ],
        continue_on_error: false,
        secrets: Default::default(),
    };
    ctx.emit(Event::MoveStarted {
        group: group.into(),
        to: to.into(),
    });
    let t = Instant::now();
    let result = ctx.pool.run(&host, &payload);
    m.duration_ms = t.elapsed().as_millis() as u64;
    match result {
        Err(e) => m.detail = ctx.scrub(&e.to_string()),
        Ok(outcomes) => {
            let apply = outcomes.iter().find(|o| o.index == 0);
            let probe = outcomes.iter().find(|o| o.index == 1);
            match (apply, probe) {
                (Some(a), _) if !a.ok => m.detail = ctx.scrub(a.error.trim()),
                (_, Some(p)) if p.ok => {
                    let obs = p
                        .result
                        .as_ref()
                        .map(|v| Observed::from_result(ResourceKind::GroupOwner, v));
                    match obs {
                        Some(Ok(Observed::GroupOwner(g))) => {
                            let owner = g.owner.unwrap_or_default();
                            let state = g.state.unwrap_or_default();
                            m.ok = owner.eq_ignore_ascii_case(to) && state == "Online";
                            m.detail = format!("{group} is {state} on {owner}");
                        }
                        _ => m.detail = "the probe after the move printed no owner".into(),
                    }
                }
                _ => m.detail = "the node reported no result for the move".into(),
            }
        }
    }
    ctx.emit(Event::MoveFinished {
        group: group.into(),
        to: to.into(),
        ok: m.ok,
        duration_ms: m.duration_ms,
    });
    m.checks = checks_of(ctx, check_res)?;
    Ok(m)
}
