//! `cluster_disk` on a simulated node: a presented LUN initialized, formatted, lettered,
//! added to the cluster (`Add-ClusterDisk`), named and brought online — refusing to
//! reformat a disk that already holds a file system.

use super::{Simulated, Spec};
use crate::kind::cluster_disk::{ClusterDisk, ClusterDiskObserved, CHECK_ONLINE};
use crate::sim::cluster::{active, require};
use crate::sim::partitions::Selection;
use crate::sim::world::{disk_key, GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;
use crate::topology::AVAILABLE_STORAGE;

/// The world's key of the spec's disk, in the site of the node running the step.
fn key(w: &World, c: &Ctx, s: &Spec<ClusterDisk>) -> String {
    let site = w.host(&c.node).map(|h| h.site.clone()).unwrap_or_default();
    disk_key(&site, s.params.number)
}

/// WB-DISK-07: `Get-ClusterAvailableDisk` lists a disk only when every member sees it;
/// otherwise `Add-ClusterDisk` gets nothing and the template throws
/// (https://learn.microsoft.com/en-us/powershell/module/failoverclusters/get-clusteravailabledisk).
fn available_to(w: &World, cluster: &str, key: &str, n: u32) -> Result<(), String> {
    let Some(hidden) = w.env.disk_hidden_from.get(key) else {
        return Ok(());
    };
    let members = w
        .cluster(cluster)
        .map(|c| c.members.clone())
        .unwrap_or_default();
    let blind: Vec<&String> = members
        .iter()
        .filter(|m| hidden.contains(&m.to_ascii_uppercase()))
        .collect();
    if blind.is_empty() {
        return Ok(());
    }
    Err(format!(
        "disk {n} is not available to the cluster (it must be a basic disk seen by every node): Get-ClusterAvailableDisk does not list it, node(s) {} do not see it",
        blind.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    ))
}

impl Simulated for ClusterDisk {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<ClusterDiskObserved, String> {
        let cluster = c.node_cluster().unwrap_or_default();
        let Some(d) = w.disks.get(&key(w, c, s)) else {
            return Ok(ClusterDiskObserved::default());
        };
        let clustered = d
            .cluster
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(&cluster));
        Ok(ClusterDiskObserved {
            presented: true,
            clustered,
            resource_name: if clustered {
                d.resource_name.clone()
            } else {
                None
            },
            state: if clustered { d.state.clone() } else { None },
            file_system: d.file_system.clone(),
            allocation_unit_kb: d.allocation_unit_kb,
            letter: d.letter.clone(),
            size_gb: Some(d.size_gb),
        })
    }

    /// Initialize-Disk, New-Partition, Format-Volume, Add-ClusterDisk, rename,
    /// Start-ClusterResource.
    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let k = key(w, c, s);
        let n = s.params.number;
        let want = &s.desired;
        let Some(d) = w.disks.get(&k).cloned() else {
            return Err(format!(
                "Get-Disk : No MSFT_Disk objects found with property 'Number' equal to '{n}'. Present the LUN to every node."
            ));
        };
        // A disk number is per node and can change: a disk whose size is not the inventory's
        // may be another LUN, and is not touched (review3 F10).
        if d.cluster.is_none()
            && d.size_gb.abs_diff(s.params.size_gb) > (s.params.size_gb / 50).max(1)
        {
            return Err(format!(
                "disk {n} is {} GB, the inventory says {} GB: it may be another LUN (disk numbers are per node and can change); bisrc does not touch it. Check Get-Disk (UniqueId, SerialNumber) and the inventory",
                d.size_gb, s.params.size_gb
            ));
        }
        let cluster = if want.clustered {
            Some(require(w, c, None)?.name.clone())
        } else {
            None
        };
        let mut new = d.clone();
        if d.cluster.is_none() {
            // Initialize-Disk, Get-BisrcDataPartition / New-Partition, Format-Volume's target
            // (WB-DISK-02, -03, -05).
            crate::sim::partitions::prepare(&mut new, Selection::ByType, &want.letter)?;
            if let Some(cl) = &cluster {
                available_to(w, cl, &k, n)?;
            }
        }
        let fs = want.file_system.clone();
        let au = want.allocation_unit_kb;
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
        let l = want.letter.to_ascii_uppercase();
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
        let name = Some(want.resource_name.clone());
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
            if want.state != "Offline" {
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

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &ClusterDiskObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let ok = o.clustered && o.state.as_deref() == Some("Online");
        let resource = o.resource_name.as_deref().unwrap_or("?");
        Ok(vec![check(
            CHECK_ONLINE,
            ok,
            if ok {
                format!("{resource} is Online")
            } else if !o.clustered {
                format!(
                    "disk {} is not a cluster disk; {apply_hint}",
                    s.params.number
                )
            } else {
                format!(
                    "cluster disk {resource} is {}; bring it online (Start-ClusterResource) or {apply_hint}",
                    o.state.as_deref().unwrap_or("unknown")
                )
            },
        )])
    }
}
