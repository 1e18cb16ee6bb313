//! Clustered role mechanics several kinds' handlers share: finding and creating a role's
//! group with WSFC's preconditions, and starting a group (a role comes online only on an up
//! node that is a possible owner, with its disks online).

use super::cluster::{active, has_quorum, require};
use super::world::{ClusterState, GroupKind, GroupState, World};
use super::Ctx;
use crate::topology::AVAILABLE_STORAGE;

/// The clustered role's group `name` in this node's cluster.
pub(super) fn role_group<'w>(
    w: &'w World,
    c: &Ctx,
    name: &str,
) -> Option<(&'w ClusterState, &'w GroupState)> {
    let cluster = w.cluster(&c.cluster_name(None).ok()?)?;
    cluster.group(name).map(|g| (cluster, g))
}

/// Makes sure the clustered role `name` of kind `gkind` exists (creating it on its storage,
/// `disk`, taken out of Available Storage), as `Add-ClusterServerRole` and
/// `Add-ClusterGenericServiceRole` do. Returns the cluster's name.
fn ensure_role(
    w: &mut World,
    c: &Ctx,
    gkind: GroupKind,
    name: &str,
    disk: Option<&str>,
) -> Result<String, String> {
    let cl = require(w, c, None)?;
    let cname = cl.name.clone();
    let what = if gkind == GroupKind::Dtc {
        "Add-ClusterServerRole (Distributed Transaction Coordinator)"
    } else {
        "Add-ClusterGenericServiceRole (ENTSSO)"
    };
    if let Some(g) = cl.group(name) {
        if g.kind != gkind {
            return Err(format!(
                "{what} : A cluster group named '{name}' already exists and is not this role."
            ));
        }
        return Ok(cname);
    }
    if let Some(d) = disk {
        let Some(ds) = w.cluster_disk(&cname, d) else {
            return Err(format!(
                "{what} : The cluster disk '{d}' was not found. Add the disk to the cluster first."
            ));
        };
        if ds.state.as_deref() != Some("Online") {
            return Err(format!("{what} : The cluster disk '{d}' is not online."));
        }
        if cl.group_of_disk(d).map(|g| g.kind) != Some(GroupKind::Storage) {
            return Err(format!(
                "{what} : The cluster disk '{d}' is not in Available Storage; another role owns it."
            ));
        }
    }
    // WB-ROLE-01: the CNO creates the role's computer object (VCO) in AD, or takes a
    // pre-staged one; otherwise the network name resource fails to come online (event 1194).
    super::env::create_computer_object(
        w,
        name,
        &format!("{what} : The network name resource '{name}' failed to come online (event 1194)"),
    )?;
    // The role starts where its storage is (or on this node when it has none).
    let owner = disk
        .and_then(|_| cl.group(AVAILABLE_STORAGE).map(|g| g.owner.clone()))
        .unwrap_or_else(|| c.node.clone());
    let members = cl.members.clone();
    let cl = w.cluster_mut(&cname).expect("required");
    if let Some(d) = disk {
        if let Some(s) = cl.group_mut(AVAILABLE_STORAGE) {
            s.disks.retain(|x| !x.eq_ignore_ascii_case(d));
        }
    }
    cl.groups.push(GroupState {
        name: name.to_string(),
        kind: gkind,
        owner,
        possible_owners: members,
        disks: disk.iter().map(|d| d.to_string()).collect(),
        network_name: Some(name.to_string()),
        ..GroupState::default()
    });
    Ok(cname)
}

/// A clustered role as its step wants it.
pub(super) struct Role<'a> {
    /// DTC or SSO.
    pub kind: GroupKind,
    /// Its group and network name.
    pub name: &'a str,
    /// The cluster disk it depends on.
    pub disk: Option<&'a str>,
    /// Its IP address.
    pub ip: &'a str,
    /// Bring it online (`Start-ClusterGroup`).
    pub online: bool,
}

/// Converges a clustered role: makes sure it exists ([`ensure_role`]), sets its address and
/// what `configure` sets on its group, and starts it when wanted online.
pub(super) fn converge_role(
    w: &mut World,
    c: &Ctx,
    role: &Role,
    configure: impl FnOnce(&mut GroupState),
) -> Result<(), String> {
    let cname = ensure_role(w, c, role.kind, role.name, role.disk)?;
    client_network(w, &cname, role.ip)?;
    let cl = w.cluster_mut(&cname).expect("required");
    let g = cl.group_mut(role.name).expect("exists now");
    g.ip = Some(role.ip.to_string());
    configure(g);
    if role.online {
        start_group(w, &cname, role.name)?;
    }
    Ok(())
}

/// WB-ROLE-02: a role's static address must lie on a cluster network that allows client
/// access (`Role` ClusterAndClient); otherwise its IP address resource cannot come online
/// (https://learn.microsoft.com/en-us/windows-server/failover-clustering/manage-cluster-networks,
/// the wording below is bisrc's, not Windows's).
pub(super) fn client_network(w: &World, cluster: &str, ip: &str) -> Result<(), String> {
    let Ok(addr) = ip.parse::<std::net::Ipv4Addr>() else {
        return Err(format!(
            "Add-ClusterServerRole : '{ip}' is not a valid IPv4 address."
        ));
    };
    let Some(cl) = w.cluster(cluster) else {
        return Ok(());
    };
    let on = cl.networks.iter().find(|n| {
        let (a, m) = crate::topology::split_subnet(&n.subnet);
        match (
            a.parse::<std::net::Ipv4Addr>(),
            m.parse::<std::net::Ipv4Addr>(),
        ) {
            (Ok(a), Ok(m)) => u32::from(addr) & u32::from(m) == u32::from(a) & u32::from(m),
            _ => false,
        }
    });
    match on {
        None => Err(format!(
            "The IP address resource '{ip}' cannot come online: no cluster network holds that address."
        )),
        Some(n) if n.role != "ClusterAndClient" => Err(format!(
            "The IP address resource '{ip}' cannot come online: cluster network '{}' does not allow client access (its role is {}, not ClusterAndClient).",
            n.name, n.role
        )),
        Some(_) => Ok(()),
    }
}

/// A role's state for a verify detail.
pub(super) fn role_detail(what: &str, state: Option<&str>, hint: &str) -> String {
    match state {
        Some("Online") => format!("{what} is Online"),
        Some(s) => format!(
            "{what} is {s}; a role comes online only on an up node that is a possible owner with its disks online. Bring it online (Start-ClusterGroup) or {hint}"
        ),
        None => format!("{what} does not exist; {hint}"),
    }
}

/// Start-ClusterGroup: brings the group's disks online and restarts its service on the owner.
pub(super) fn start_group(w: &mut World, cluster: &str, group: &str) -> Result<(), String> {
    let cl = w.cluster(cluster).ok_or("no cluster")?;
    let g = cl.group(group).ok_or("no group")?.clone();
    if !has_quorum(w, cl) {
        return Err(format!(
            "Start-ClusterGroup : The cluster '{cluster}' has no quorum; '{group}' cannot come online."
        ));
    }
    if !active(w, &g.owner) {
        return Err(format!(
            "Start-ClusterGroup : '{group}' cannot come online: its owner node '{}' is down.",
            g.owner
        ));
    }
    for d in &g.disks {
        if let Some(ds) = w.cluster_disk_mut(cluster, d) {
            ds.state = Some("Online".into());
        }
    }
    let svc = match g.kind {
        GroupKind::Sql => Some("MSSQLSERVER"),
        GroupKind::Dtc => Some("MSDTC"),
        GroupKind::Sso => Some("ENTSSO"),
        _ => None,
    };
    if let (Some(svc), Some(h)) = (svc, w.host_mut(&g.owner)) {
        h.stopped_services.retain(|s| !s.eq_ignore_ascii_case(svc));
    }
    if let Some(g) = w.cluster_mut(cluster).and_then(|cl| cl.group_mut(group)) {
        g.offline = false;
    }
    Ok(())
}

/// `Remove-ClusterGroup -RemoveResources` on the role `name` of kind `gkind` in this node's
/// cluster (WB-DEL-03): the cluster needs quorum to change its configuration; the role's
/// resources go with it, so its disks leave the cluster (they keep their volumes). Nothing to
/// do when the role does not exist.
pub(super) fn remove_role(
    w: &mut World,
    c: &Ctx,
    gkind: GroupKind,
    name: &str,
) -> Result<(), String> {
    let Some((cl, g)) = role_group(w, c, name).filter(|(_, g)| g.kind == gkind) else {
        return Ok(());
    };
    // WB-DEL-03: a group that holds resources goes only with -RemoveResources.
    let has_resources = g.network_name.is_some() || g.ip.is_some() || !g.disks.is_empty();
    super::script::removes_resources(c.script, name, has_resources)?;
    if !has_quorum(w, cl) {
        return Err(format!(
            "Remove-ClusterGroup : The cluster '{}' does not have quorum; its configuration cannot change now.",
            cl.name
        ));
    }
    let cname = cl.name.clone();
    let cl = w.cluster_mut(&cname).expect("found above");
    let Some(i) = cl
        .groups
        .iter()
        .position(|g| g.name.eq_ignore_ascii_case(name))
    else {
        return Ok(());
    };
    let group = cl.groups.remove(i);
    for d in &group.disks {
        if let Some(disk) = w.cluster_disk_mut(&cname, d) {
            disk.cluster = None;
            disk.resource_name = None;
            disk.state = None;
        }
    }
    Ok(())
}
