//! `ag_join` on a simulated node: `ALTER AVAILABILITY GROUP … JOIN` on a secondary, which
//! needs HADR on the local instance, the group to list this replica, and both endpoints
//! started with CONNECT for the engine account (WB-AG-03).

use super::{Simulated, Spec};
use crate::kind::ag_join::{AgJoin, AgJoinObserved, CHECK_JOINED};
use crate::sim::ag::endpoint_open;
use crate::sim::checks::diff_check;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for AgJoin {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<AgJoinObserved, String> {
        let Some(ag) = w.ag(&s.params.availability_group) else {
            return Ok(AgJoinObserved::default());
        };
        let joined = ag
            .replicas
            .iter()
            .any(|r| r.joined && r.node.eq_ignore_ascii_case(&c.node));
        let primary = w.ag_primary(ag).unwrap_or_default();
        Ok(AgJoinObserved {
            joined,
            role: joined.then(|| {
                if primary.eq_ignore_ascii_case(&c.node) {
                    "PRIMARY"
                } else {
                    "SECONDARY"
                }
                .into()
            }),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = &s.params.availability_group;
        let ag = w.ag(name).ok_or_else(|| {
            format!("Msg 15151: Cannot find the availability group '{name}', because it does not exist or you do not have permission; create it on the primary first")
        })?;
        let r = ag
            .replicas
            .iter()
            .find(|r| r.node.eq_ignore_ascii_case(&c.node))
            .ok_or_else(|| format!("Msg 19435: the local instance {} is not a replica of availability group '{name}'", s.params.server))?;
        let local = w.standalone_on(&c.node, &r.instance).ok_or_else(|| {
            format!(
                "SQL Server instance {} is not installed on {}",
                r.instance, c.node
            )
        })?;
        if !local.hadr_enabled {
            return Err(format!("Msg 35221: Always On Availability Groups replica manager is disabled on {}; enable it and restart the service", s.params.server));
        }
        let account = c
            .inv
            .availability_groups()
            .find(|(_, _, g)| g.name.eq_ignore_ascii_case(name))
            .map(|(_, _, g)| g.service_account.user.value.to_ascii_lowercase())
            .unwrap_or_default();
        let primary = w.ag_primary(ag).unwrap_or_default();
        let primary_open = ag
            .replicas
            .iter()
            .find(|p| p.node.eq_ignore_ascii_case(&primary))
            .and_then(|p| w.standalone_on(&p.node, &p.instance))
            .is_some_and(|i| endpoint_open(i, &account));
        let primary_up = w.host(&primary).is_some_and(|h| h.up);
        if !endpoint_open(local, &account) || !primary_open || !primary_up {
            return Err(format!("Msg 35250: The connection to the primary replica is not active. The command cannot be processed. (joining {} to '{name}': both database mirroring endpoints must be started, with CONNECT granted to {account})", s.params.server));
        }
        let key = name.to_ascii_uppercase();
        let ag = w.ags.get_mut(&key).expect("found");
        if let Some(r) = ag
            .replicas
            .iter_mut()
            .find(|r| r.node.eq_ignore_ascii_case(&c.node))
        {
            r.joined = true;
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AgJoinObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_JOINED,
            c,
            o,
            &["joined"],
            &c.apply_hint(),
        )])
    }
}
