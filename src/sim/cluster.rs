//! Failover cluster mechanics several kinds' handlers share: quorum arithmetic, group
//! states, failover when nodes go down, and the checks cluster cmdlets make before they act.

use super::world::{ClusterState, GroupKind, GroupState, World};
use super::Ctx;

/// A node counts in the cluster: powered on and the cluster service running.
pub(super) fn active(w: &World, node: &str) -> bool {
    w.host(node).is_some_and(|h| h.up && !h.stopped("ClusSvc"))
}

/// Node majority, plus the witness vote: more than half of the votes must be present.
pub(super) fn has_quorum(w: &World, c: &ClusterState) -> bool {
    let up = c.members.iter().filter(|m| active(w, m)).count();
    let (votes, witness_up) = match c.witness.kind.as_str() {
        "none" => (c.members.len(), 0),
        "disk" => {
            let online = c.witness.disk.as_deref().is_some_and(|d| {
                w.cluster_disk(&c.name, d)
                    .is_some_and(|d| d.state.as_deref() == Some("Online"))
            });
            (c.members.len() + 1, usize::from(online))
        }
        // A file share or cloud witness is reachable from any surviving node.
        _ => (c.members.len() + 1, 1),
    };
    up > 0 && 2 * (up + witness_up) > votes
}

/// The state `Get-ClusterGroup` shows.
pub(super) fn group_state(w: &World, c: &ClusterState, g: &GroupState) -> &'static str {
    if !has_quorum(w, c) || g.offline {
        return "Offline";
    }
    if !active(w, &g.owner) {
        return "Offline";
    }
    let disk_down = g.disks.iter().any(|d| {
        w.cluster_disk(&c.name, d)
            .is_none_or(|d| d.state.as_deref() != Some("Online"))
    });
    let owner = w.host(&g.owner);
    let service_down = match g.kind {
        GroupKind::Sql => owner.is_some_and(|h| h.stopped("MSSQLSERVER")),
        GroupKind::Dtc => owner.is_some_and(|h| h.stopped("MSDTC")),
        GroupKind::Sso => owner.is_some_and(|h| h.stopped("ENTSSO")),
        _ => false,
    };
    if disk_down || service_down {
        "Failed"
    } else {
        "Online"
    }
}

/// Moves every group whose owner is not active to its first active possible owner
/// (preferred owners first), when the cluster keeps quorum. Without quorum nothing moves:
/// the cluster is stopped and every group shows Offline.
pub(super) fn fail_over(w: &mut World) {
    let names: Vec<String> = w.clusters.keys().cloned().collect();
    for name in names {
        let Some(c) = w.clusters.get(&name) else {
            continue;
        };
        if !has_quorum(w, c) {
            continue;
        }
        let moves: Vec<(usize, String)> = c
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !active(w, &g.owner))
            .filter_map(|(i, g)| {
                g.preferred_owners
                    .iter()
                    .chain(g.possible_owners.iter())
                    .find(|n| active(w, n) && g.possible_owners.contains(n))
                    .map(|n| (i, n.clone()))
            })
            .collect();
        if let Some(c) = w.clusters.get_mut(&name) {
            for (i, owner) in moves {
                c.groups[i].owner = owner;
            }
        }
    }
}

/// The cluster this step acts on, checked the way cluster cmdlets check it: the node must be
/// an active member and the cluster must have quorum.
///
/// `named` is the cluster a step's params name; without one, the node's own cluster.
pub(super) fn require<'w>(
    w: &'w World,
    c: &Ctx,
    named: Option<&str>,
) -> Result<&'w ClusterState, String> {
    let name = c.cluster_name(named)?;
    let Some(cl) = w.cluster(&name) else {
        return Err(format!(
            "Get-Cluster : The cluster '{name}' was not found. Create the cluster first (New-Cluster)."
        ));
    };
    if !cl.is_member(&c.node) {
        return Err(format!(
            "Get-Cluster : Node '{}' is not a member of cluster '{}'. Add it with Add-ClusterNode first.",
            c.node, cl.name
        ));
    }
    if !active(w, &c.node) {
        return Err(
            "Get-Cluster : The cluster service is not running.  Make sure that the service is running on all nodes in the cluster.".into(),
        );
    }
    if !has_quorum(w, cl) {
        return Err(format!(
            "The cluster '{}' has lost quorum: too few nodes are up and the witness cannot make up the majority. Bring nodes back up (Start-ClusterNode) before changing the cluster.",
            cl.name
        ));
    }
    Ok(cl)
}

/// Fails as cluster cmdlets do when a node lacks the Failover Clustering feature.
pub(super) fn features_installed(w: &World, nodes: &[String]) -> Result<(), String> {
    for n in nodes {
        let installed = w.has_clustering_feature(n);
        if !installed && w.env.host(n).pending("Failover-Clustering") {
            // WB-FEAT-03: installed, but not usable until the node restarts.
            return Err(format!(
                "The Failover Clustering feature on node '{n}' waits for a restart (InstallState InstallPending). Restart the node first."
            ));
        }
        if !installed {
            return Err(format!(
                "The Failover Clustering feature is not installed on node '{n}'. Install it (Install-WindowsFeature Failover-Clustering) on every node first."
            ));
        }
    }
    Ok(())
}
