//! `cluster_node` on a simulated node: `Add-ClusterNode` and membership.

use super::{Simulated, Spec};
use crate::kind::cluster_node::{ClusterNode, ClusterNodeObserved, CHECK_MEMBER, CHECK_UP};
use crate::sim::cluster::{active, fail_over, features_installed, has_quorum};
use crate::sim::world::{GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for ClusterNode {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<ClusterNodeObserved, String> {
        let name = c.cluster_name(Some(&s.params.cluster))?;
        let node = &s.params.node;
        let member = w.cluster(&name).is_some_and(|cl| cl.is_member(node));
        Ok(ClusterNodeObserved {
            member,
            state: member.then(|| if active(w, node) { "Up" } else { "Down" }.to_string()),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = c.cluster_name(Some(&s.params.cluster))?;
        let node = s.params.node.clone();
        let Some(cl) = w.cluster(&name) else {
            return Err(format!(
                "Add-ClusterNode : The cluster '{name}' was not found. Create the cluster first."
            ));
        };
        if !has_quorum(w, cl) {
            return Err(format!(
                "Add-ClusterNode : The cluster '{name}' does not have quorum; a node cannot join it now."
            ));
        }
        features_installed(w, std::slice::from_ref(&node))?;
        if let Some(other) = w
            .clusters
            .values()
            .find(|o| o.is_member(&node) && !o.name.eq_ignore_ascii_case(&name))
        {
            return Err(format!(
                "Add-ClusterNode : Node '{node}' is already a member of cluster '{}'.",
                other.name
            ));
        }
        if let Some(h) = w.host_mut(&node) {
            h.stopped_services
                .retain(|s| !s.eq_ignore_ascii_case("ClusSvc"));
        }
        let cl = w.cluster_mut(&name).expect("checked above");
        if !cl.is_member(&node) {
            cl.members.push(node.clone());
            // Every role but a SQL FCI can run on the new node (an FCI needs AddNode).
            for g in cl.groups.iter_mut().filter(|g| g.kind != GroupKind::Sql) {
                if !g.possible_owners.contains(&node) {
                    g.possible_owners.push(node.clone());
                }
            }
        }
        fail_over(w);
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &ClusterNodeObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let member = o.member;
        let up = o.state.as_deref() == Some("Up");
        Ok(vec![
            check(
                CHECK_MEMBER,
                member,
                if member {
                    format!("{} is a member", c.node)
                } else {
                    format!("{} is not a cluster member; {apply_hint}", c.node)
                },
            ),
            check(
                CHECK_UP,
                up,
                if up {
                    format!("{} is Up", c.node)
                } else {
                    format!(
                        "{} is {}; start it (Start-ClusterNode) or power it on",
                        c.node,
                        o.state.as_deref().unwrap_or("not a member")
                    )
                },
            ),
        ])
    }

    /// `Remove-ClusterNode -Force` (WB-DEL-02): the cluster needs quorum; the last node cannot be
    /// evicted (the cluster is removed instead); the roles the node owns move to another
    /// active member first, and the node stops being a possible owner of any.
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = c.cluster_name(Some(&s.params.cluster))?;
        let node = s.params.node.clone();
        let Some(cl) = w.cluster(&name).filter(|cl| cl.is_member(&node)) else {
            return Ok(());
        };
        if !has_quorum(w, cl) {
            return Err(format!(
                "Remove-ClusterNode : The cluster '{name}' does not have quorum; a node cannot be evicted now."
            ));
        }
        let others: Vec<String> = cl
            .members
            .iter()
            .filter(|m| !m.eq_ignore_ascii_case(&node) && active(w, m))
            .cloned()
            .collect();
        if cl.members.len() == 1 {
            return Err(format!(
                "Remove-ClusterNode : '{node}' is the last node of cluster '{name}'; remove the cluster instead (Remove-Cluster)."
            ));
        }
        let cl = w.cluster_mut(&name).expect("found above");
        for g in cl.groups.iter_mut() {
            if g.owner.eq_ignore_ascii_case(&node) {
                let to = others
                    .iter()
                    .find(|o| g.possible_owners.iter().any(|p| p.eq_ignore_ascii_case(o)))
                    .or(others.first());
                match to {
                    Some(t) => g.owner = t.clone(),
                    None => {
                        return Err(format!(
                            "Remove-ClusterNode : no other node is up to take the role '{}' from '{node}'.",
                            g.name
                        ))
                    }
                }
            }
            g.possible_owners.retain(|p| !p.eq_ignore_ascii_case(&node));
            g.preferred_owners
                .retain(|p| !p.eq_ignore_ascii_case(&node));
        }
        cl.members.retain(|m| !m.eq_ignore_ascii_case(&node));
        Ok(())
    }
}
