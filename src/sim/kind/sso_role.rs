//! `sso_role` on a simulated node: the clustered Enterprise SSO master secret server (a
//! generic service role for `ENTSSO`, `Add-ClusterGenericServiceRole`).

use super::{Simulated, Spec};
use crate::kind::sso_role::{SsoRole, SsoRoleObserved, CHECK_ROLE_ONLINE};
use crate::sim::cluster::group_state;
use crate::sim::roles::{converge_role, role_detail, role_group, Role};
use crate::sim::world::{GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for SsoRole {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<SsoRoleObserved, String> {
        let Some((cl, g)) =
            role_group(w, c, &s.desired.name).filter(|(_, g)| g.kind == GroupKind::Sso)
        else {
            return Ok(SsoRoleObserved::default());
        };
        Ok(SsoRoleObserved {
            exists: true,
            name: g.network_name.clone(),
            ip: g.ip.clone(),
            state: Some(group_state(w, cl, g).to_string()),
            use_network_name: g.use_network_name,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let want = &s.desired;
        let role = Role {
            kind: GroupKind::Sso,
            name: &want.name,
            disk: s.params.disk.as_deref(),
            ip: &want.ip,
            online: want.state == "Online",
        };
        converge_role(w, c, &role, |g| {
            g.use_network_name = Some(want.use_network_name);
        })
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &SsoRoleObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let ok = o.state.as_deref() == Some("Online") && o.use_network_name == Some(true);
        Ok(vec![check(
            CHECK_ROLE_ONLINE,
            ok,
            if o.exists && o.use_network_name != Some(true) {
                format!("UseNetworkName is off on the ENTSSO resource (clients get 0x800706D9); {apply_hint}")
            } else {
                role_detail("the SSO role", o.state.as_deref(), &apply_hint)
            },
        )])
    }

    /// `Remove-ClusterGroup -RemoveResources -Force` (WB-DEL-03).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::roles::remove_role(w, c, GroupKind::Sso, &s.desired.name)
    }
}
