//! Clustered roles other than SQL: the clustered MSDTC role and its network settings, the
//! clustered SSO master secret server, and moving a group to another node (`group_owner`).
//! Takes a step and the world; answers probes, converges applies with WSFC's preconditions
//! (a role comes online only on an up node that is a possible owner).

use serde_json::{json, Value};

use super::cluster::{active, group_state, has_quorum, require};
use super::world::{ClusterState, GroupKind, GroupState, World};
use super::Ctx;
use crate::step::ResourceKind;
use crate::topology::AVAILABLE_STORAGE;

fn role_group<'w>(w: &'w World, c: &Ctx) -> Option<(&'w ClusterState, &'w GroupState)> {
    let cluster = w.cluster(&c.cluster_name(None).ok()?)?;
    let name = c.want_str("name")?;
    cluster.group(&name).map(|g| (cluster, g))
}

/// Probe of `clustered_dtc`, `sso_role`, `group_owner`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    match c.kind {
        ResourceKind::ClusteredDtc => {
            let Some((cl, g)) = role_group(w, c).filter(|(_, g)| g.kind == GroupKind::Dtc) else {
                return Ok(json!({
                    "exists": false, "name": null, "ip": null, "disk": null, "state": null,
                    "network_dtc_access": false, "inbound": false, "outbound": false,
                    "authentication": null,
                }));
            };
            let s = g.dtc.clone().unwrap_or_default();
            Ok(json!({
                "exists": true, "name": g.network_name, "ip": g.ip, "disk": g.disks.first(),
                "state": group_state(w, cl, g),
                "network_dtc_access": s.network_dtc_access, "inbound": s.inbound,
                "outbound": s.outbound, "authentication": s.authentication,
            }))
        }
        ResourceKind::SsoRole => {
            let Some((cl, g)) = role_group(w, c).filter(|(_, g)| g.kind == GroupKind::Sso) else {
                return Ok(json!({
                    "exists": false, "name": null, "ip": null, "state": null,
                    "use_network_name": null,
                }));
            };
            Ok(json!({
                "exists": true, "name": g.network_name, "ip": g.ip,
                "state": group_state(w, cl, g), "use_network_name": g.use_network_name,
            }))
        }
        _ => {
            let cluster = c.param_str("cluster")?;
            let group = c.param_str("group")?;
            let found = w
                .cluster(&cluster)
                .and_then(|cl| cl.group(&group).map(|g| (cl, g)));
            Ok(match found {
                Some((cl, g)) => json!({
                    "exists": true, "owner": g.owner, "state": group_state(w, cl, g),
                }),
                None => json!({ "exists": false, "owner": null, "state": null }),
            })
        }
    }
}

/// Apply of `clustered_dtc`, `sso_role`, `group_owner`.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    match c.kind {
        ResourceKind::GroupOwner => move_group(w, c),
        kind => role(w, c, kind),
    }
}

fn role(w: &mut World, c: &Ctx, kind: ResourceKind) -> Result<(), String> {
    let cl = require(w, c, None)?;
    let cname = cl.name.clone();
    let name = c
        .want_str("name")
        .ok_or("the step's spec has no desired.name (a render bug)")?;
    let gkind = if kind == ResourceKind::ClusteredDtc {
        GroupKind::Dtc
    } else {
        GroupKind::Sso
    };
    let disk = if kind == ResourceKind::ClusteredDtc {
        c.want_str("disk")
    } else {
        c.param_str("disk").ok()
    };
    let what = if gkind == GroupKind::Dtc {
        "Add-ClusterServerRole (Distributed Transaction Coordinator)"
    } else {
        "Add-ClusterGenericServiceRole (ENTSSO)"
    };
    if let Some(g) = cl.group(&name) {
        if g.kind != gkind {
            return Err(format!(
                "{what} : A cluster group named '{name}' already exists and is not this role."
            ));
        }
    } else {
        if let Some(d) = &disk {
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
        // The role starts where its storage is (or on this node when it has none).
        let owner = disk
            .as_deref()
            .and_then(|_| cl.group(AVAILABLE_STORAGE).map(|g| g.owner.clone()))
            .unwrap_or_else(|| c.node.clone());
        let members = cl.members.clone();
        let cl = w.cluster_mut(&cname).expect("required");
        if let Some(d) = &disk {
            if let Some(s) = cl.group_mut(AVAILABLE_STORAGE) {
                s.disks.retain(|x| !x.eq_ignore_ascii_case(d));
            }
        }
        cl.groups.push(GroupState {
            name: name.clone(),
            kind: gkind,
            owner,
            possible_owners: members,
            disks: disk.iter().cloned().collect(),
            network_name: Some(name.clone()),
            ..GroupState::default()
        });
    }
    let cl = w.cluster_mut(&cname).expect("required");
    let g = cl.group_mut(&name).expect("exists now");
    if let Some(ip) = c.want_str("ip") {
        g.ip = Some(ip);
    }
    if gkind == GroupKind::Dtc {
        let mut s = g.dtc.clone().unwrap_or_default();
        if let Some(v) = c.want_bool("network_dtc_access") {
            s.network_dtc_access = v;
        }
        if let Some(v) = c.want_bool("inbound") {
            s.inbound = v;
        }
        if let Some(v) = c.want_bool("outbound") {
            s.outbound = v;
        }
        if let Some(v) = c.want_str("authentication") {
            s.authentication = v;
        }
        g.dtc = Some(s);
    } else if let Some(v) = c.want_bool("use_network_name") {
        g.use_network_name = Some(v);
    } else if g.use_network_name.is_none() {
        g.use_network_name = Some(true);
    }
    if c.want_str("state").as_deref() == Some("Online") {
        start_group(w, &cname, &name)?;
    }
    Ok(())
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

fn move_group(w: &mut World, c: &Ctx) -> Result<(), String> {
    let named = c.param_str("cluster")?;
    let cname = require(w, c, Some(&named))?.name.clone();
    let group = c.param_str("group")?;
    let cl = w.cluster(&cname).expect("required");
    let Some(g) = cl.group(&group) else {
        return Err(format!(
            "Move-ClusterGroup : The cluster group '{group}' was not found."
        ));
    };
    let target = c.want_str("owner").unwrap_or_else(|| c.node.clone());
    let Some(target) = cl
        .members
        .iter()
        .find(|m| m.eq_ignore_ascii_case(&target))
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
    if let Some(g) = w.cluster_mut(&cname).and_then(|cl| cl.group_mut(&gname)) {
        g.owner = target;
    }
    if c.want_str("state").as_deref() != Some("Offline") {
        start_group(w, &cname, &gname)?;
    }
    Ok(())
}
