//! `group_owner` on a simulated node: where a cluster group runs, and moving it
//! (`Move-ClusterGroup`), as `verify --failover` rehearses failovers.

use super::{Simulated, Spec};
use crate::kind::group_owner::{GroupOwner, GroupOwnerObserved, CHECK_OWNER};
use crate::sim::checks::matches;
use crate::sim::cluster::{active, group_state, require};
use crate::sim::roles::start_group;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for GroupOwner {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<GroupOwnerObserved, String> {
        let found = w
            .cluster(&s.params.cluster)
            .and_then(|cl| cl.group(&s.params.group).map(|g| (cl, g)));
        Ok(match found {
            Some((cl, g)) => GroupOwnerObserved {
                exists: true,
                owner: Some(g.owner.clone()),
                state: Some(group_state(w, cl, g).to_string()),
            },
            None => GroupOwnerObserved::default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let cname = require(w, c, Some(&s.params.cluster))?.name.clone();
        let group = &s.params.group;
        let cl = w.cluster(&cname).expect("required");
        let Some(g) = cl.group(group) else {
            return Err(format!(
                "Move-ClusterGroup : The cluster group '{group}' was not found."
            ));
        };
        let target = &s.desired.owner;
        let Some(target) = cl
            .members
            .iter()
            .find(|m| m.eq_ignore_ascii_case(target))
            .cloned()
        else {
            return Err(format!(
                "Move-ClusterGroup : The node '{target}' is not a member of cluster '{cname}'."
            ));
        };
        if !g.possible_owners.iter().any(|p| p == &target) {
            return Err(format!(
                "Move-ClusterGroup : The node '{target}' is not a possible owner of '{}'. (Error 5016: the resource cannot be hosted on this node; for a SQL FCI run setup AddNode on it first.)",
                g.name
            ));
        }
        if !active(w, &target) {
            return Err(format!(
                "Move-ClusterGroup : The node '{target}' is down; the group '{}' cannot move to it.",
                g.name
            ));
        }
        let gname = g.name.clone();
        let moved = !g.owner.eq_ignore_ascii_case(&target);
        if let Some(g) = w.cluster_mut(&cname).and_then(|cl| cl.group_mut(&gname)) {
            g.owner = target;
        }
        if s.desired.state != "Offline" {
            start_group(w, &cname, &gname)?;
        }
        if moved {
            // What the move did to the BizTalk servers while the group was away.
            crate::sim::biztalk_runtime::group_moved(w, &cname, &gname);
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &GroupOwnerObserved,
    ) -> Result<Vec<Check>, String> {
        let ok = o.exists
            && o.state.as_deref() == Some("Online")
            && matches(c, o, &["owner"]).is_empty();
        Ok(vec![check(
            CHECK_OWNER,
            ok,
            if ok {
                format!("Online on {}", o.owner.as_deref().unwrap_or("?"))
            } else {
                format!(
                    "the group is {} on {}, want Online on {}; move it (Move-ClusterGroup)",
                    o.state.as_deref().unwrap_or("missing"),
                    o.owner.as_deref().unwrap_or("no node"),
                    s.desired.owner
                )
            },
        )])
    }
}
