//! Shared disks: presented LUNs, initialized and formatted, lettered, added to the cluster,
//! named and online. Takes a `cluster_disk` step and the world; answers the probe and
//! converges the apply (refusing to reformat a disk that already holds a file system).

use serde_json::{json, Value};

use super::cluster::{active, require};
use super::world::{disk_key, GroupKind, World};
use super::Ctx;
use crate::topology::AVAILABLE_STORAGE;

fn number(c: &Ctx) -> Result<u32, String> {
    c.params
        .get("number")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| "the step's spec has no params.number (a render bug)".to_string())
}

fn key(w: &World, c: &Ctx) -> Result<String, String> {
    let site = w.host(&c.node).map(|h| h.site.clone()).unwrap_or_default();
    Ok(disk_key(&site, number(c)?))
}

/// Probe of `cluster_disk`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    let cluster = c.node_cluster().unwrap_or_default();
    let Some(d) = w.disks.get(&key(w, c)?) else {
        return Ok(json!({
            "presented": false, "clustered": false, "resource_name": null, "state": null,
            "file_system": null, "allocation_unit_kb": null, "letter": null, "size_gb": null,
        }));
    };
    let clustered = d
        .cluster
        .as_deref()
        .is_some_and(|x| x.eq_ignore_ascii_case(&cluster));
    Ok(json!({
        "presented": true,
        "clustered": clustered,
        "resource_name": if clustered { d.resource_name.clone() } else { None },
        "state": if clustered { d.state.clone() } else { None },
        "file_system": d.file_system,
        "allocation_unit_kb": d.allocation_unit_kb,
        "letter": d.letter,
        "size_gb": d.size_gb,
    }))
}

/// Apply of `cluster_disk`: Initialize-Disk, New-Partition, Format-Volume, Add-ClusterDisk,
/// rename, Start-ClusterResource.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    let k = key(w, c)?;
    let n = number(c)?;
    let Some(d) = w.disks.get(&k).cloned() else {
        return Err(format!(
            "Get-Disk : No MSFT_Disk objects found with property 'Number' equal to '{n}'. Present the LUN to every node."
        ));
    };
    let want_clustered = c.want_bool("clustered").unwrap_or(true);
    let cluster = if want_clustered {
        Some(require(w, c)?.name.clone())
    } else {
        None
    };
    let mut new = d.clone();
    let fs = c.want_str("file_system").unwrap_or_else(|| "NTFS".into());
    let au = c
        .want_u64("allocation_unit_kb")
        .and_then(|v| u32::try_from(v).ok());
    match &d.file_system {
        None => {
            new.file_system = Some(fs);
            new.allocation_unit_kb = Some(au.unwrap_or(4));
        }
        Some(have) => {
            let au_differs = au.is_some_and(|au| d.allocation_unit_kb != Some(au));
            if !have.eq_ignore_ascii_case(&fs) || au_differs {
                return Err(format!(
                    "disk {n} already holds a {have} volume with {} KB allocation units; bisrc will not reformat a disk that may hold data (reformat it by hand if it is empty)",
                    d.allocation_unit_kb.unwrap_or(4)
                ));
            }
        }
    }
    if let Some(l) = c.want_str("letter") {
        let l = l.to_ascii_uppercase();
        if let Some(other) = w
            .disks
            .values()
            .find(|o| o.site == d.site && o.number != n && o.letter.as_deref() == Some(&l))
        {
            return Err(format!(
                "Set-Partition : The drive letter {l}: is already used by disk {}.",
                other.number
            ));
        }
        new.letter = Some(l);
    }
    let name = c
        .want_str("resource_name")
        .or_else(|| c.param_str("label").ok());
    if let Some(cluster) = cluster {
        let old_name = d.resource_name.clone();
        new.cluster = Some(cluster.clone());
        new.resource_name = name.clone().or(old_name.clone());
        let res = new.resource_name.clone().unwrap_or_default();
        let cl = w.cluster_mut(&cluster).expect("required");
        let holder = old_name.as_deref().and_then(|o| {
            cl.groups
                .iter()
                .position(|g| g.disks.iter().any(|x| x == o))
        });
        match holder {
            Some(i) => {
                let g = &mut cl.groups[i];
                for x in g.disks.iter_mut() {
                    if Some(x.as_str()) == old_name.as_deref() {
                        x.clone_from(&res);
                    }
                }
            }
            None => {
                if let Some(g) = cl.group_mut(AVAILABLE_STORAGE) {
                    g.disks.push(res.clone());
                }
            }
        }
        if cl.witness.disk.is_some() && cl.witness.disk == old_name {
            cl.witness.disk = Some(res.clone());
        }
        if c.want_str("state").as_deref() != Some("Offline") {
            let owner = cl
                .group_of_disk(&res)
                .map(|g| (g.owner.clone(), g.kind))
                .unwrap_or((c.node.clone(), GroupKind::Storage));
            if !active(w, &owner.0) {
                return Err(format!(
                    "Start-ClusterResource : The disk '{res}' cannot come online: its owner node '{}' is down.",
                    owner.0
                ));
            }
            new.state = Some("Online".into());
        } else {
            new.state = Some("Offline".into());
        }
    } else {
        new.cluster = None;
        new.resource_name = None;
        new.state = None;
    }
    w.disks.insert(k, new);
    Ok(())
}
