//! `quorum` on a simulated node: `Set-ClusterQuorum` (the witness disk moves into the core
//! group) and `Get-ClusterQuorum`.

use super::{Simulated, Spec};
use crate::kind::quorum::{Quorum, QuorumObserved, CHECK_WITNESS};
use crate::sim::checks::diff_check;
use crate::sim::cluster::require;
use crate::sim::world::{GroupKind, WitnessState, World};
use crate::sim::Ctx;
use crate::step::Check;
use crate::topology::{AVAILABLE_STORAGE, CORE_GROUP};

impl Simulated for Quorum {
    fn probe(w: &World, c: &Ctx, _: &Spec<Self>) -> Result<QuorumObserved, String> {
        let name = c.cluster_name(None)?;
        let wit = w
            .cluster(&name)
            .map(|cl| cl.witness.clone())
            .unwrap_or_default();
        Ok(QuorumObserved {
            witness: wit.kind,
            disk: wit.disk,
            path: wit.path,
            account: wit.account,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = require(w, c, None)?.name.clone();
        let kind = s.desired.witness.clone();
        let mut wit = WitnessState {
            kind: kind.clone(),
            ..WitnessState::default()
        };
        match kind.as_str() {
            "disk" => {
                let disk = s
                    .desired
                    .disk
                    .clone()
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
            "file_share" => {
                // WB-QUO-02: the CNO must be able to write to the share.
                crate::sim::env::witness_share(w, &name, s.desired.path.as_deref().unwrap_or(""))?;
                wit.path.clone_from(&s.desired.path);
            }
            "cloud" => {
                // WB-QUO-03: every node reaches Azure blob storage over HTTPS.
                crate::sim::env::cloud_witness(w, s.desired.account.as_deref().unwrap_or(""))?;
                wit.account.clone_from(&s.desired.account);
            }
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

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &QuorumObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_WITNESS,
            c,
            o,
            &["witness", "disk", "path", "account"],
            &c.apply_hint(),
        )])
    }
}
