//! `ag_failover` on a simulated node: a planned manual failover, `ALTER AVAILABILITY GROUP
//! … FAILOVER` run on the target secondary (WB-AG-07): HADR on, the group exists, the local
//! replica is joined, synchronous-commit, connected and synchronized, else Msg 41142. The
//! group's role moves to the target; BizTalk loses its databases for the failover's span.

use super::{Simulated, Spec};
use crate::kind::ag_failover::{AgFailover, AgFailoverObserved, CHECK_PRIMARY};
use crate::sim::ag::{replica_health, standalone_key};
use crate::sim::checks::matches;
use crate::sim::cluster::group_state;
use crate::sim::roles::start_group;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

/// SQL Server's refusal when the local replica cannot become primary without data loss.
fn cannot_become_primary(ag: &str) -> String {
    format!("Msg 41142: The availability replica for availability group '{ag}' on this instance of SQL Server cannot become the primary replica. One or more databases are not synchronized or have not joined the availability group, or the WSFC cluster was started in Force Quorum mode. If the cluster was started in Force Quorum mode or the availability replica uses the asynchronous-commit mode, consider performing a forced manual failover (with possible data loss). Otherwise, once all local secondary databases are joined and synchronized, you can perform a planned manual failover to this secondary replica (without data loss).")
}

impl Simulated for AgFailover {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<AgFailoverObserved, String> {
        let Some(ag) = w.ag(&s.params.availability_group) else {
            return Ok(AgFailoverObserved::default());
        };
        let role = w
            .cluster(&ag.cluster)
            .and_then(|cl| cl.group(&ag.name).map(|g| (cl, g)));
        Ok(match role {
            Some((cl, g)) => AgFailoverObserved {
                exists: true,
                owner: Some(g.owner.clone()),
                state: Some(group_state(w, cl, g).to_string()),
            },
            None => AgFailoverObserved::default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let name = &p.availability_group;
        let ag = w.ag(name).ok_or_else(|| {
            format!("Msg 15151: Cannot find the availability group '{name}', because it does not exist or you do not have permission.")
        })?;
        let r = ag
            .replicas
            .iter()
            .find(|r| r.node.eq_ignore_ascii_case(&c.node))
            .ok_or_else(|| format!("ALTER AVAILABILITY GROUP … FAILOVER failed: the local instance on {} is not a replica of availability group '{name}'", c.node))?;
        let local = w
            .standalone
            .get(&standalone_key(&r.node, &r.instance))
            .ok_or_else(|| format!("SQL Server is not installed on {}", c.node))?;
        if !local.hadr_enabled {
            return Err(format!("Msg 35221: Could not process the operation. Always On Availability Groups replica manager is disabled on this instance of SQL Server ({}).", p.server));
        }
        if w.ag_primary(ag)
            .is_some_and(|o| o.eq_ignore_ascii_case(&c.node))
        {
            return Ok(()); // Already the primary: nothing to fail over.
        }
        let (connected, healthy) = replica_health(w, ag, r, &local.sql.engine_account);
        let seeded = ag
            .databases
            .iter()
            .all(|d| local.sql.databases.contains_key(d));
        if !r.synchronous || !connected || !healthy || !seeded {
            return Err(cannot_become_primary(&ag.name));
        }
        let (cluster, group) = (ag.cluster.clone(), ag.name.clone());
        let listener = ag.listener.as_ref().map(|l| l.name.clone());
        if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&group)) {
            g.owner = c.node.clone();
        }
        start_group(w, &cluster, &group)?;
        // BizTalk reaches its databases through the listener, away for the failover.
        if let Some(l) = listener {
            let from_s = w.clock_s + 1;
            crate::sim::biztalk_runtime::sql_outage(
                w,
                &l,
                from_s,
                crate::sim::biztalk_runtime::SIM_FAILOVER_OUTAGE_S,
            );
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &AgFailoverObserved,
    ) -> Result<Vec<Check>, String> {
        let ok = o.exists
            && o.state.as_deref() == Some("Online")
            && matches(c, o, &["owner"]).is_empty();
        Ok(vec![check(
            CHECK_PRIMARY,
            ok,
            if ok {
                format!("primary on {}", o.owner.as_deref().unwrap_or("?"))
            } else {
                format!(
                    "the group's primary is {} ({}), want {}; fail over with ALTER AVAILABILITY GROUP … FAILOVER on it",
                    o.owner.as_deref().unwrap_or("no node"),
                    o.state.as_deref().unwrap_or("missing"),
                    s.desired.owner
                )
            },
        )])
    }
}
