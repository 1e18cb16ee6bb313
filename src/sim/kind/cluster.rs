//! `cluster` on a simulated node: `New-Cluster` (or restarting the cluster service of a
//! member), and the cluster's live view (`Get-Cluster`, `Get-ClusterNode`, `Get-ClusterGroup`).

use super::{Simulated, Spec};
use crate::kind::cluster::{
    Cluster, ClusterGroupState, ClusterNodeState, ClusterObserved, CHECK_EXISTS, CHECK_NODES_UP,
    CHECK_QUORUM, CHECK_ROLES_ONLINE,
};
use crate::sim::cluster::{active, fail_over, features_installed, group_state, has_quorum};
use crate::sim::world::{ClusterState, GroupKind, GroupState, NetworkState, WitnessState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;
use crate::topology::{AVAILABLE_STORAGE, CORE_GROUP};

/// Whether `ip` lies in `subnet` (`10.0.0.0/255.255.255.0` or `/24`, as the topology splits it).
fn in_subnet(ip: &str, subnet: &str) -> bool {
    let (a, m) = crate::topology::split_subnet(subnet);
    match (
        ip.parse::<std::net::Ipv4Addr>(),
        a.parse::<std::net::Ipv4Addr>(),
        m.parse::<std::net::Ipv4Addr>(),
    ) {
        (Ok(ip), Ok(a), Ok(m)) => u32::from(ip) & u32::from(m) == u32::from(a) & u32::from(m),
        _ => false,
    }
}

/// WB-CL-05: `New-Cluster -StaticAddress` needs a network every node has an address on
/// (https://learn.microsoft.com/en-us/powershell/module/failoverclusters/new-cluster).
fn address_network(c: &Ctx, nodes: &[String], ip: &str) -> Result<(), String> {
    if ip.is_empty() {
        return Ok(());
    }
    let site = c.inv.sites.iter().find(|s| {
        s.nodes
            .iter()
            .any(|n| n.name.value.eq_ignore_ascii_case(&c.node))
    });
    let Some(site) = site else { return Ok(()) };
    let Some(net) = site
        .networks
        .iter()
        .find(|n| in_subnet(ip, &n.subnet.value))
    else {
        return Err(format!(
            "New-Cluster : The static address '{ip}' is not on any network of the nodes; no cluster network can hold it."
        ));
    };
    for n in nodes {
        let has = site
            .nodes
            .iter()
            .filter(|x| x.name.value.eq_ignore_ascii_case(n))
            .flat_map(|x| x.ips.iter())
            .any(|a| in_subnet(&a.value, &net.subnet.value));
        if !has {
            return Err(format!(
                "New-Cluster : The static address '{ip}' is on network {} ({}), where node '{n}' has no address.",
                net.name.value, net.subnet.value
            ));
        }
    }
    Ok(())
}

impl Simulated for Cluster {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<ClusterObserved, String> {
        let Some(cl) = w
            .cluster(&s.desired.name)
            .filter(|cl| cl.is_member(&c.node))
        else {
            return Ok(ClusterObserved::default());
        };
        if !active(w, &c.node) {
            return Err("Get-Cluster : The cluster service is not running.  Make sure that the service is running on all nodes in the cluster.".into());
        }
        Ok(ClusterObserved {
            exists: true,
            name: Some(cl.name.clone()),
            static_address: Some(cl.ip.clone()),
            nodes: cl
                .members
                .iter()
                .map(|m| ClusterNodeState {
                    name: m.clone(),
                    state: if active(w, m) { "Up" } else { "Down" }.into(),
                })
                .collect(),
            groups: cl
                .groups
                .iter()
                .map(|g| ClusterGroupState {
                    name: g.name.clone(),
                    state: group_state(w, cl, g).into(),
                    owner: g.owner.clone(),
                })
                .collect(),
            has_quorum: has_quorum(w, cl),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = s.desired.name.clone();
        let ip = s.desired.static_address.clone();
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
        let mut nodes = s.params.nodes.clone();
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
        // WB-CL-06: bisrc's New-Cluster step refuses to run over a failed validation and
        // names the failing tests (Microsoft supports a cluster whose full validation passed,
        // https://learn.microsoft.com/en-us/windows-server/failover-clustering/create-failover-cluster).
        // No result at all is refused too (fail closed, review3 F18): a targeted apply or a
        // validation run elsewhere must not create an unvalidated cluster.
        match w.validations.get(&name.to_ascii_uppercase()) {
            None => {
                return Err(format!(
                    "no cluster validation result for {name} on this node; New-Cluster needs a passing validation: run bisrc apply --target 'cluster.{name}.validation' first"
                ))
            }
            Some(v) if !v.passed => {
                return Err(format!(
                    "cluster validation failed ({}); New-Cluster needs a passing validation: fix the failing tests and run bisrc apply again",
                    v.failed.join("; ")
                ));
            }
            Some(_) => {}
        }
        // WB-VAL-04: Microsoft supports a cluster whose full validation passed, storage
        // included; a kept validation whose storage tests tested nothing does not count.
        if let Some(v) = w.validations.get(&name.to_ascii_uppercase()) {
            if v.skipped.iter().any(|x| x == "Storage") {
                return Err(format!(
                    "cluster validation did not include the storage tests (every shared disk was online in a clustered role); New-Cluster needs a full validation: take the disks out of their roles and validate again before creating '{name}'"
                ));
            }
        }
        crate::sim::env::require_admin_on(w, &nodes, "New-Cluster")?;
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
        // WB-CL-05: the static address lies on a network every node has an address on.
        address_network(c, &nodes, &ip)?;
        // WB-CL-04: the cluster name object is created in AD by the creating account (or a
        // pre-staged, disabled one is taken); otherwise New-Cluster fails and tears down.
        crate::sim::env::create_computer_object(
            w,
            &name,
            &format!("New-Cluster : There was an error creating the cluster name '{name}' in Active Directory, and the cluster was destroyed"),
        )?;
        // WB-CL-08: in Azure, New-Cluster without -ManagementPointNetworkType Singleton makes
        // a distributed network name (the template passes Singleton; a stub body does not).
        if w.env.azure && !crate::sim::script::singleton_management_point(c.script) {
            w.env
                .distributed_management_point
                .insert(name.to_ascii_uppercase());
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

    fn verify(
        w: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &ClusterObserved,
    ) -> Result<Vec<Check>, String> {
        let hint = c.apply_hint();
        let exists = o.exists;
        let name = &s.desired.name;
        let mut v = vec![check(
            CHECK_EXISTS,
            exists,
            if exists {
                format!(
                    "cluster {name} exists with address {}",
                    o.static_address.as_deref().unwrap_or("?")
                )
            } else {
                format!("no cluster {name} on {}; {hint}", c.node)
            },
        )];
        let Some(cl) = w.cluster(name).filter(|_| exists) else {
            return Ok(v);
        };
        let down: Vec<&str> = cl
            .members
            .iter()
            .filter(|m| !active(w, m))
            .map(String::as_str)
            .collect();
        v.push(check(
            CHECK_NODES_UP,
            down.is_empty(),
            if down.is_empty() {
                format!("every node is Up ({})", cl.members.join(", "))
            } else {
                format!("node(s) not Up: {}; power them on or start the cluster service (Start-ClusterNode)", down.join(", "))
            },
        ));
        // A witness that is not Online fails the check even while the nodes keep a majority
        // (review3 F17): the next node loss would take the cluster down.
        let witness_online = cl.witness.kind != "disk"
            || cl.witness.disk.as_deref().is_some_and(|d| {
                w.cluster_disk(&cl.name, d)
                    .is_some_and(|d| d.state.as_deref() == Some("Online"))
            });
        let quorum = has_quorum(w, cl) && witness_online;
        v.push(check(
            CHECK_QUORUM,
            quorum,
            if quorum {
                format!("quorum holds (witness: {})", cl.witness.kind)
            } else if !witness_online && has_quorum(w, cl) {
                "quorum at risk: the disk witness is not Online; bring it online (Start-ClusterResource) before another node goes down".to_string()
            } else if cl.witness.kind == "none" {
                "quorum lost: too few nodes are up and there is no witness; bring nodes up and configure a witness".to_string()
            } else {
                "quorum lost: too few votes (nodes and witness); bring nodes and the witness back".to_string()
            },
        ));
        let failed: Vec<String> = cl
            .groups
            .iter()
            .filter(|g| {
                group_state(w, cl, g) != "Online"
                    || !g.possible_owners.iter().any(|p| p == &g.owner)
            })
            .map(|g| format!("{} ({} on {})", g.name, group_state(w, cl, g), g.owner))
            .collect();
        v.push(check(
            CHECK_ROLES_ONLINE,
            failed.is_empty(),
            if failed.is_empty() {
                format!("all {} groups Online on possible owners", cl.groups.len())
            } else {
                format!("groups not Online: {}; bring them online (Start-ClusterGroup) on an up possible owner", failed.join(", "))
            },
        ));
        Ok(v)
    }

    /// `Remove-Cluster -Force -CleanupAD` (WB-DEL-01): run on an active member; every member must
    /// answer to be cleaned up (a node that is down keeps its cluster configuration); the
    /// removal script itself refuses a cluster that still holds a role (other than the core
    /// group and Available Storage): bisrc removes the roles it describes first.
    /// The cluster's disks leave it with their volumes intact.
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = s.desired.name.clone();
        let Some(cl) = w.cluster(&name).filter(|cl| cl.is_member(&c.node)) else {
            return Ok(());
        };
        if !active(w, &c.node) {
            return Err("Remove-Cluster : The cluster service is not running on this node.".into());
        }
        let foreign: Vec<&str> = cl
            .groups
            .iter()
            .filter(|g| !matches!(g.kind, GroupKind::Core | GroupKind::Storage))
            .map(|g| g.name.as_str())
            .collect();
        if !foreign.is_empty() {
            return Err(format!(
                "the cluster still holds roles: {}; Remove-Cluster would take them with it. bisrc removes the roles the inventory describes before the cluster: remove the others by hand, then run destroy again",
                foreign.join(", ")
            ));
        }
        if let Some(down) = cl.members.iter().find(|m| !active(w, m)) {
            return Err(format!(
                "Remove-Cluster : The node '{down}' could not be reached; it would keep its cluster configuration. Bring it up and run again (or evict it and run Clear-ClusterNode on it later)."
            ));
        }
        for d in w.disks.values_mut() {
            if d.cluster
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(&name))
            {
                d.cluster = None;
                d.resource_name = None;
                d.state = None;
            }
        }
        w.clusters.remove(&name.to_ascii_uppercase());
        Ok(())
    }
}
