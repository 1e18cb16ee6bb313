//! `sql_owners` on a simulated node: the FCI's (or SSO role's) group's preferred owners
//! (`Set-ClusterOwnerNode -Group`), each of which must be a possible owner already, and its
//! failback policy (`AutoFailbackType`).

use super::{Simulated, Spec};
use crate::kind::sql_owners::{SqlOwners, SqlOwnersObserved, CHECK_PREFERRED_OWNERS};
use crate::sim::checks::diff_check;
use crate::sim::cluster::require;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for SqlOwners {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<SqlOwnersObserved, String> {
        let group = c
            .node_cluster()
            .and_then(|cl| w.cluster(&cl))
            .and_then(|cl| cl.group(&s.params.group));
        Ok(SqlOwnersObserved {
            preferred_owners: group
                .map(|g| g.preferred_owners.clone())
                .unwrap_or_default(),
            auto_failback: group.is_some_and(|g| g.auto_failback),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let cname = require(w, c, None)?.name.clone();
        let group = &s.params.group;
        let want = &s.desired.preferred_owners;
        let cl = w.cluster_mut(&cname).expect("required");
        let Some(g) = cl.group_mut(group) else {
            return Err(format!(
                "Set-ClusterOwnerNode : The cluster group '{group}' was not found."
            ));
        };
        for n in want {
            if !g.possible_owners.iter().any(|p| p.eq_ignore_ascii_case(n)) {
                return Err(format!(
                    "Set-ClusterOwnerNode : The node '{n}' is not a possible owner of '{group}'; run SQL Server setup AddNode on it first."
                ));
            }
        }
        g.preferred_owners.clone_from(want);
        g.auto_failback = s.desired.auto_failback;
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &SqlOwnersObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_PREFERRED_OWNERS,
            c,
            o,
            &["preferred_owners", "auto_failback"],
            &c.apply_hint(),
        )])
    }
}
