//! `clustered_dtc` on a simulated node: the clustered MSDTC role
//! (`Add-ClusterServerRole`, `Add-ClusterResource -ResourceType 'Distributed Transaction
//! Coordinator'`) and its network settings.

use super::{Simulated, Spec};
use crate::kind::clustered_dtc::{
    ClusteredDtc, ClusteredDtcObserved, CHECK_NETWORK_ACCESS, CHECK_ROLE_ONLINE,
};
use crate::sim::checks::matches;
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
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let want = &s.desired;
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
            g.dtc = Some(d);
        })
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &ClusteredDtcObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let online = o.state.as_deref() == Some("Online");
        let net = o.network_dtc_access && o.inbound && o.outbound;
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
                    "clustered MSDTC allows network transactions in and out".to_string()
                } else {
                    format!("clustered MSDTC does not allow network transactions; {apply_hint}")
                },
            ),
        ])
    }

    /// `Remove-ClusterGroup -RemoveResources -Force` (WB-DEL-03).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::roles::remove_role(w, c, GroupKind::Dtc, &s.desired.name)
    }
}
