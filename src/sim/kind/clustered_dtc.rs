//! `clustered_dtc` on a simulated node: the clustered MSDTC role
//! (`Add-ClusterServerRole`, `Add-ClusterResource -ResourceType 'Distributed Transaction
//! Coordinator'`) and its network settings.

use super::{Simulated, Spec};
use crate::kind::clustered_dtc::{
    ClusteredDtc, ClusteredDtcObserved, CHECK_NETWORK_ACCESS, CHECK_OWNERS, CHECK_ROLE_ONLINE,
};
use crate::sim::checks::{diff_check, matches};
use crate::sim::cluster::group_state;
use crate::sim::roles::{converge_role, role_detail, role_group, Role};
use crate::sim::world::{GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for ClusteredDtc {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<ClusteredDtcObserved, String> {
        let Some((cl, g)) =
            role_group(w, c, &s.desired.name).filter(|(_, g)| g.kind == GroupKind::Dtc)
        else {
            return Ok(ClusteredDtcObserved::default());
        };
        let d = g.dtc.clone().unwrap_or_default();
        Ok(ClusteredDtcObserved {
            exists: true,
            name: g.network_name.clone(),
            ip: g.ip.clone(),
            disk: g.disks.first().cloned(),
            state: Some(group_state(w, cl, g).to_string()),
            network_dtc_access: d.network_dtc_access,
            inbound: d.inbound,
            outbound: d.outbound,
            authentication: Some(d.authentication),
            remote_clients: d.remote_clients,
            remote_administration: d.remote_administration,
            preferred_owners: g.preferred_owners.clone(),
            auto_failback: g.auto_failback,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let want = &s.desired;
        // WB-ROLE-04: the DTC resource depends on a network name and a disk in its own group.
        if let Some((_, g)) = crate::sim::roles::role_group(w, c, &want.name) {
            let missing: Vec<&str> = [
                ("network name", g.network_name.is_none()),
                ("disk", g.disks.is_empty()),
            ]
            .into_iter()
            .filter_map(|(what, gone)| gone.then_some(what))
            .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "The Distributed Transaction Coordinator resource of role '{}' cannot come online: it depends on a network name and a disk in its own group, and the group has no {}.",
                    want.name,
                    missing.join(" and no ")
                ));
            }
        }
        let role = Role {
            kind: GroupKind::Dtc,
            name: &want.name,
            disk: Some(&want.disk),
            ip: &want.ip,
            online: want.state == "Online",
        };
        converge_role(w, c, &role, |g| {
            let mut d = g.dtc.clone().unwrap_or_default();
            d.network_dtc_access = want.network_dtc_access;
            d.inbound = want.inbound;
            d.outbound = want.outbound;
            d.authentication.clone_from(&want.authentication);
            d.remote_clients = want.remote_clients;
            d.remote_administration = want.remote_administration;
            g.dtc = Some(d);
            g.auto_failback = want.auto_failback;
        })?;
        // Set-ClusterOwnerNode -Group: every preferred owner must be a possible owner
        // (WB-OWN-01).
        let cname = crate::sim::cluster::require(w, c, None)?.name.clone();
        let g = w
            .cluster_mut(&cname)
            .and_then(|cl| cl.group_mut(&want.name))
            .ok_or_else(|| {
                format!(
                    "Get-ClusterGroup : The cluster group '{}' was not found.",
                    want.name
                )
            })?;
        for n in &want.preferred_owners {
            if !g.possible_owners.iter().any(|p| p.eq_ignore_ascii_case(n)) {
                return Err(format!(
                    "Set-ClusterOwnerNode : The node '{n}' is not a possible owner of '{}'.",
                    want.name
                ));
            }
        }
        g.preferred_owners.clone_from(&want.preferred_owners);
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &ClusteredDtcObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let online = o.state.as_deref() == Some("Online");
        let net = o.network_dtc_access
            && o.inbound
            && o.outbound
            && !o.remote_clients
            && !o.remote_administration;
        Ok(vec![
            check(
                CHECK_ROLE_ONLINE,
                online,
                role_detail("the clustered DTC role", o.state.as_deref(), &apply_hint),
            ),
            check(
                CHECK_NETWORK_ACCESS,
                net && matches(c, o, &["authentication"]).is_empty(),
                if net {
                    "clustered MSDTC allows network transactions in and out, remote clients and administration off".to_string()
                } else {
                    format!("clustered MSDTC: network access {}, inbound {}, outbound {}, remote clients {}, remote administration {}; want on, on, on, off, off: {apply_hint}",
                        o.network_dtc_access, o.inbound, o.outbound, o.remote_clients, o.remote_administration)
                },
            ),
            diff_check(
                CHECK_OWNERS,
                c,
                o,
                &["preferred_owners", "auto_failback"],
                &apply_hint,
            ),
        ])
    }

    /// `Remove-ClusterGroup -RemoveResources -Force` (WB-DEL-03).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::roles::remove_role(w, c, GroupKind::Dtc, &s.desired.name)
    }
}
