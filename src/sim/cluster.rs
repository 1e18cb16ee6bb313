//! The failover cluster: validation, creation, membership, networks, the quorum witness,
//! quorum arithmetic, group states and failover. Takes a step and the world; answers probes,
//! converges applies with WSFC's preconditions, and moves groups when nodes go down.

use serde_json::{json, Value};

use super::world::{
    ClusterState, GroupKind, GroupState, NetworkState, ValidationState, WitnessState, World,
};
use super::{str_list, Ctx};
use crate::step::ResourceKind;
use crate::topology::{AVAILABLE_STORAGE, CORE_GROUP};

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
pub(super) fn require<'w>(w: &'w World, c: &Ctx) -> Result<&'w ClusterState, String> {
    let name = c.cluster_name()?;
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

fn features_installed(w: &World, nodes: &[String]) -> Result<(), String> {
    for n in nodes {
        let installed = w.has_clustering_feature(n);
        if !installed {
            return Err(format!(
                "The Failover Clustering feature is not installed on node '{n}'. Install it (Install-WindowsFeature Failover-Clustering) on every node first."
            ));
        }
    }
    Ok(())
}

/// Probe of `cluster_validation`, `cluster`, `cluster_node`, `cluster_network`, `quorum`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    match c.kind {
        ResourceKind::ClusterValidation => {
            let name = c.param_str("cluster")?;
            let v = w.validations.get(&name.to_ascii_uppercase());
            Ok(json!({ "report_exists": v.is_some(), "passed": v.map(|v| v.passed) }))
        }
        ResourceKind::Cluster => {
            let name = c
                .want_str("name")
                .or_else(|| c.node_cluster())
                .unwrap_or_default();
            let Some(cl) = w.cluster(&name).filter(|cl| cl.is_member(&c.node)) else {
                return Ok(json!({
                    "exists": false, "name": null, "static_address": null,
                    "nodes": [], "groups": [], "has_quorum": false,
                }));
            };
            if !active(w, &c.node) {
                return Err("Get-Cluster : The cluster service is not running.  Make sure that the service is running on all nodes in the cluster.".into());
            }
            let nodes: Vec<Value> = cl
                .members
                .iter()
                .map(|m| json!({ "name": m, "state": if active(w, m) { "Up" } else { "Down" } }))
                .collect();
            let groups: Vec<Value> = cl
                .groups
                .iter()
                .map(
                    |g| json!({ "name": g.name, "state": group_state(w, cl, g), "owner": g.owner }),
                )
                .collect();
            Ok(json!({
                "exists": true, "name": cl.name, "static_address": cl.ip,
                "nodes": nodes, "groups": groups, "has_quorum": has_quorum(w, cl),
            }))
        }
        ResourceKind::ClusterNode => {
            let name = c.cluster_name()?;
            let node = c.param_str("node").unwrap_or_else(|_| c.node.clone());
            let member = w.cluster(&name).is_some_and(|cl| cl.is_member(&node));
            Ok(json!({
                "member": member,
                "state": member.then(|| if active(w, &node) { "Up" } else { "Down" }),
            }))
        }
        ResourceKind::ClusterNetwork => {
            let name = c.cluster_name()?;
            let subnet = c.param_str("subnet")?;
            let net = w
                .cluster(&name)
                .and_then(|cl| cl.networks.iter().find(|n| n.subnet == subnet));
            Ok(json!({
                "exists": net.is_some(),
                "name": net.map(|n| n.name.clone()),
                "role": net.map(|n| n.role.clone()),
            }))
        }
        _ => {
            let name = c.cluster_name()?;
            let wit = w
                .cluster(&name)
                .map(|cl| cl.witness.clone())
                .unwrap_or_default();
            Ok(json!({
                "witness": wit.kind, "disk": wit.disk, "path": wit.path, "account": wit.account,
            }))
        }
    }
}

/// Apply of `cluster_validation`, `cluster`, `cluster_node`, `cluster_network`, `quorum`.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    match c.kind {
        ResourceKind::ClusterValidation => validate(w, c),
        ResourceKind::Cluster => create(w, c),
        ResourceKind::ClusterNode => join(w, c),
        ResourceKind::ClusterNetwork => network(w, c),
        _ => quorum(w, c),
    }
}

fn validate(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = c.param_str("cluster")?;
    let nodes = str_list(c.params.get("nodes"));
    features_installed(w, &nodes)?;
    let down: Vec<&String> = nodes.iter().filter(|n| !active(w, n)).collect();
    if !down.is_empty() {
        return Err(format!(
            "Test-Cluster : Validation failed: node(s) {} did not respond. Bring them up and run validation again.",
            down.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    w.validations.insert(
        name.to_ascii_uppercase(),
        ValidationState {
            nodes,
            passed: true,
        },
    );
    Ok(())
}

fn create(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = c
        .want_str("name")
        .ok_or("the step's spec has no desired.name (a render bug)")?;
    let ip = c.want_str("static_address").unwrap_or_default();
    if let Some(cl) = w.cluster(&name) {
        if !cl.is_member(&c.node) {
            return Err(format!(
                "New-Cluster : The cluster '{name}' already exists and node '{}' is not a member of it.",
                c.node
            ));
        }
        // Start-ClusterNode when the service was stopped; then set the address.
        if let Some(h) = w.host_mut(&c.node) {
            h.stopped_services
                .retain(|s| !s.eq_ignore_ascii_case("ClusSvc"));
        }
        let cl = w.cluster_mut(&name).expect("checked above");
        if !ip.is_empty() {
            cl.ip = ip;
        }
        fail_over(w);
        return Ok(());
    }
    let mut nodes = str_list(c.params.get("nodes"));
    if nodes.is_empty() {
        nodes.push(c.node.clone());
    }
    if !nodes.iter().any(|n| n.eq_ignore_ascii_case(&c.node)) {
        return Err(format!(
            "New-Cluster must run on one of the new cluster's nodes ({}), not on '{}'",
            nodes.join(", "),
            c.node
        ));
    }
    features_installed(w, &nodes)?;
    for n in &nodes {
        if !active(w, n) {
            return Err(format!(
                "New-Cluster : Node '{n}' is not reachable. Check that it is up and joined to the domain."
            ));
        }
        if let Some(other) = w.clusters.values().find(|cl| cl.is_member(n)) {
            return Err(format!(
                "New-Cluster : Node '{n}' is already a member of cluster '{}'.",
                other.name
            ));
        }
    }
    let site = w.host(&c.node).map(|h| h.site.clone()).unwrap_or_default();
    // The cluster discovers one network per subnet the nodes have an address on.
    let networks = c
        .inv
        .site(&site)
        .map(|s| {
            s.networks
                .iter()
                .enumerate()
                .map(|(i, n)| NetworkState {
                    name: format!("Cluster Network {}", i + 1),
                    subnet: n.subnet.value.clone(),
                    role: "ClusterAndClient".into(),
                })
                .collect()
        })
        .unwrap_or_default();
    let owner = c.node.clone();
    let group = |name: &str, kind| GroupState {
        name: name.to_string(),
        kind,
        owner: owner.clone(),
        possible_owners: nodes.clone(),
        ..GroupState::default()
    };
    let groups = vec![
        group(CORE_GROUP, GroupKind::Core),
        group(AVAILABLE_STORAGE, GroupKind::Storage),
    ];
    w.clusters.insert(
        name.to_ascii_uppercase(),
        ClusterState {
            name,
            site,
            ip,
            members: nodes,
            networks,
            groups,
            witness: WitnessState::default(),
        },
    );
    Ok(())
}

fn join(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = c.cluster_name()?;
    let node = c.param_str("node").unwrap_or_else(|_| c.node.clone());
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

fn network(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = require(w, c)?.name.clone();
    let subnet = c.param_str("subnet")?;
    let cl = w.cluster_mut(&name).expect("required");
    let Some(net) = cl.networks.iter_mut().find(|n| n.subnet == subnet) else {
        return Err(format!(
            "Get-ClusterNetwork : No cluster network has the subnet {subnet}. Give the nodes an address on it."
        ));
    };
    if let Some(n) = c.want_str("name") {
        net.name = n;
    }
    if let Some(r) = c.want_str("role") {
        if !["ClusterAndClient", "Cluster", "None"].contains(&r.as_str()) {
            return Err(format!(
                "cluster network role '{r}' is not ClusterAndClient, Cluster or None"
            ));
        }
        net.role = r;
    }
    Ok(())
}

fn quorum(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = require(w, c)?.name.clone();
    let kind = c.want_str("witness").unwrap_or_else(|| "none".into());
    let mut wit = WitnessState {
        kind: kind.clone(),
        ..WitnessState::default()
    };
    match kind.as_str() {
        "disk" => {
            let disk = c
                .want_str("disk")
                .ok_or("Set-ClusterQuorum : a disk witness needs a disk")?;
            let cl = w.cluster(&name).expect("required");
            let Some(d) = w.cluster_disk(&name, &disk) else {
                return Err(format!(
                    "Set-ClusterQuorum : The cluster disk resource '{disk}' was not found. Add the disk to the cluster first."
                ));
            };
            if d.state.as_deref() != Some("Online") {
                return Err(format!(
                    "Set-ClusterQuorum : The disk '{disk}' is not online; bring it online first."
                ));
            }
            let holder = cl.group_of_disk(&disk).map(|g| g.kind);
            if !matches!(holder, Some(GroupKind::Storage | GroupKind::Core)) {
                return Err(format!(
                    "Set-ClusterQuorum : The disk '{disk}' belongs to a role; a witness disk must be available storage."
                ));
            }
            wit.disk = Some(disk);
        }
        "file_share" => wit.path = c.want_str("path"),
        "cloud" => wit.account = c.want_str("account"),
        "none" => {}
        other => return Err(format!("unknown witness kind '{other}'")),
    }
    let cl = w.cluster_mut(&name).expect("required");
    // The witness disk moves into the core group; a former witness disk goes back to storage.
    if let Some(old) = cl.witness.disk.clone() {
        if wit.disk.as_deref() != Some(old.as_str()) {
            if let Some(g) = cl.group_mut(CORE_GROUP) {
                g.disks.retain(|d| !d.eq_ignore_ascii_case(&old));
            }
            if let Some(g) = cl.group_mut(AVAILABLE_STORAGE) {
                g.disks.push(old);
            }
        }
    }
    if let Some(d) = &wit.disk {
        if let Some(g) = cl.group_mut(AVAILABLE_STORAGE) {
            g.disks.retain(|x| !x.eq_ignore_ascii_case(d));
        }
        if let Some(g) = cl.group_mut(CORE_GROUP) {
            if !g.disks.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                g.disks.push(d.clone());
            }
        }
    }
    cl.witness = wit;
    Ok(())
}
