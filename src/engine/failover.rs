//! Failover rehearsal (`verify --failover`): move every clustered role (SQL FCI groups, the
//! DTC and SSO roles) to each of its possible owners and back, as `group_owner` steps
//! (`Move-ClusterGroup`) run on the group's current owner, re-running the cluster and SQL
//! checks after each move and timing it. An availability group moves to each of its
//! synchronous-commit replicas and back by `ag_failover` steps (`ALTER AVAILABILITY GROUP …
//! FAILOVER`) run on the target replica (WB-AG-07), never by Move-ClusterGroup. A move to an unreachable node is reported failed
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

/// The ad-hoc `ag_failover` resource that makes the replica on `to` (server `server`) the
/// primary of availability group `group`.
pub fn ag_failover(cluster: &str, group: &str, site: &str, to: &str, server: &str) -> Resource {
    use crate::kind::ag_failover::{AgFailover, Desired, Params};
    Resource::new::<AgFailover>(
        format!("failover.{cluster}.{group}"),
        site,
        Target::Node {
            host: to.to_string(),
        },
        Params {
            cluster: cluster.to_string(),
            availability_group: group.to_string(),
            server: server.to_string(),
        },
        Desired {
            exists: true,
            owner: to.to_string(),
            state: "Online".into(),
        },
    )
}

/// The availability groups of the topology: role name → its synchronous-commit replicas
/// (node, server), the only planned-failover targets.
fn availability_groups(ctx: &Context) -> Vec<(String, Vec<(String, String)>)> {
    use crate::kind::availability_group::{Desired, Params};
    ctx.topology
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::AvailabilityGroup)
        .filter_map(|r| {
            let p: Params = crate::kind::from_map(&r.params).ok()?;
            let d: Desired = crate::kind::from_map(&r.desired).ok()?;
            let sync = p
                .replica_specs
                .into_iter()
                .filter(|s| s.synchronous)
                .map(|s| (s.node, s.server))
                .collect();
            Some((d.name, sync))
        })
        .collect()
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
    let ags = availability_groups(ctx);
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
    // groups' (replicas and databases synchronized, listener online on the new primary).
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
                    | ResourceKind::AgDatabase
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
        let ag = ags
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(group));
        let others: Vec<&String> = candidates
            .iter()
            .filter(|c| !c.eq_ignore_ascii_case(&home))
            // A planned failover goes to synchronous-commit replicas only.
            .filter(|c| {
                ag.is_none_or(|(_, sync)| sync.iter().any(|(n, _)| n.eq_ignore_ascii_case(c)))
            })
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
                let ag_server = ag.and_then(|(_, sync)| {
                    sync.iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(&dest))
                        .map(|(_, s)| s.as_str())
                });
                let how = Mover {
                    cluster,
                    group,
                    candidates,
                    site,
                    ag_server,
                };
                let mut m = move_group(ctx, &how, from, &dest, &check_res)?;
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

/// One role to move and how.
struct Mover<'a> {
    cluster: &'a str,
    group: &'a str,
    candidates: &'a [String],
    site: &'a str,
    /// For an availability group: the target replica's server name (the move is an
    /// `ag_failover` run on the target).
    ag_server: Option<&'a str>,
}

fn move_group(
    ctx: &Context,
    how: &Mover,
    from: Option<String>,
    to: &str,
    check_res: &[&Resource],
) -> anyhow::Result<Move> {
    let (cluster, group, candidates, site) = (how.cluster, how.group, how.candidates, how.site);
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
    // An availability group fails over on its target replica (WB-AG-07); another role moves
    // from its current owner when that is up, else from any reachable member.
    let (res, observed_kind) = match how.ag_server {
        Some(server) => (
            ag_failover(cluster, group, site, to, server),
            ResourceKind::AgFailover,
        ),
        None => (
            group_owner(cluster, group, candidates, site, to),
            ResourceKind::GroupOwner,
        ),
    };
    let host = match from.as_deref().filter(|f| ctx.pool.connect(f).is_ok()) {
        _ if how.ag_server.is_some() => to.to_string(),
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
                        .map(|v| Observed::from_result(observed_kind, v));
                    let where_now = match obs {
                        Some(Ok(Observed::GroupOwner(g))) => Some((g.owner, g.state)),
                        Some(Ok(Observed::AgFailover(g))) => Some((g.owner, g.state)),
                        _ => None,
                    };
                    match where_now {
                        Some((owner, state)) => {
                            let owner = owner.unwrap_or_default();
                            let state = state.unwrap_or_default();
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
