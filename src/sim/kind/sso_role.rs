//! `sso_role` on a simulated node: the clustered Enterprise SSO master secret server (a
//! generic service role for `ENTSSO`, `Add-ClusterGenericServiceRole`), its restart and
//! `ssomanage -updatedb` naming the role's network name in the SSO database.
//!
//! Preconditions enforced (docs/windows-behaviour.md): WB-ROLE-05 (the ENTSSO service exists
//! on every possible owner), WB-ROLE-07 (the role comes online), WB-SSO-02 (`-updatedb` runs
//! against the online role). Sources:
//! https://learn.microsoft.com/en-us/powershell/module/failoverclusters/add-clustergenericservicerole ;
//! https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-the-master-secret-server1

use super::sso_server::secret_server;
use super::{Simulated, Spec};
use crate::kind::sso_role::{SsoRole, SsoRoleObserved, CHECK_ROLE_ONLINE, CHECK_SECRET_SERVER};
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
            secret_server: secret_server(w, &s.params.sso_server, &s.params.sso_database),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let want = &s.desired;
        let p = &s.params;
        // WB-ROLE-05: the generic service runs ENTSSO wherever the role goes; a possible
        // owner without the service (Enterprise SSO not configured there) fails with
        // ERROR_SERVICE_DOES_NOT_EXIST (1060).
        if role_group(w, c, &want.name).is_none() {
            let members = w
                .cluster(&c.cluster_name(None)?)
                .map(|cl| cl.members.clone())
                .unwrap_or_default();
            for m in members {
                let configured = w.host(&m).is_some_and(|h| h.sso.is_some());
                if !configured {
                    return Err(format!(
                        "Add-ClusterGenericServiceRole : The generic service resource for '{}' cannot come online on node '{m}': The specified service does not exist as an installed service. (Exception from HRESULT: 0x80070424) — configure Enterprise SSO on every possible owner first",
                        p.service
                    ));
                }
            }
        }
        let role = Role {
            kind: GroupKind::Sso,
            name: &want.name,
            disk: p.disk.as_deref(),
            ip: &want.ip,
            online: want.state == "Online",
        };
        converge_role(w, c, &role, |g| {
            g.use_network_name = Some(want.use_network_name);
        })?;
        // WB-SSO-02: `ssomanage -updatedb` reaches the master secret server by the network
        // name; it answers only once the role is online.
        let have = secret_server(w, &p.sso_server, &p.sso_database);
        if have.as_deref() != Some(want.secret_server.as_str()) {
            let online = Self::probe(w, c, s)?.state.as_deref() == Some("Online");
            if !online {
                return Err("ssomanage -updatedb : ERROR: 0x800706D9 : There are no more endpoints available from the endpoint mapper.".into());
            }
            let Some(db) = w
                .instance_mut(&p.sso_server)
                .and_then(|i| i.databases.get_mut(&p.sso_database))
                .filter(|d| d.sso_secret_server.is_some())
            else {
                return Err(format!(
                    "ssomanage -updatedb : ERROR: the SSO database '{}' on '{}' holds no SSO system",
                    p.sso_database, p.sso_server
                ));
            };
            db.sso_secret_server = Some(want.secret_server.clone());
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &SsoRoleObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let ok = o.state.as_deref() == Some("Online") && o.use_network_name == Some(true);
        let mss_ok = o.secret_server.as_deref() == Some(s.desired.secret_server.as_str());
        Ok(vec![
            check(
                CHECK_ROLE_ONLINE,
                ok,
                if o.exists && o.use_network_name != Some(true) {
                    format!("UseNetworkName is off on the ENTSSO resource (clients get 0x800706D9); {apply_hint}")
                } else {
                    role_detail("the SSO role", o.state.as_deref(), &apply_hint)
                },
            ),
            check(
                CHECK_SECRET_SERVER,
                mss_ok,
                if mss_ok {
                    format!(
                        "{} names {} as its master secret server",
                        s.params.sso_database, s.desired.secret_server
                    )
                } else {
                    format!(
                        "{} names {} as its master secret server, not the network name {}: clients fail when the role moves; {apply_hint}",
                        s.params.sso_database,
                        o.secret_server.as_deref().unwrap_or("nothing"),
                        s.desired.secret_server
                    )
                },
            ),
        ])
    }

    /// `Remove-ClusterGroup -RemoveResources -Force` (WB-DEL-03).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::roles::remove_role(w, c, GroupKind::Sso, &s.desired.name)
    }
}
