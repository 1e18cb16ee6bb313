//! `biztalk_repoint` on a simulated BizTalk server: `UpdateDatabase.vbs` (first server only)
//! rewrites where the restored management database says each database lives;
//! `UpdateRegistry.vbs` rewrites the server's registry; the BizTalk services restart
//! (https://learn.microsoft.com/biztalk/core/how-to-restore-your-databases, steps 3-5;
//! WB-DR-03). Both scripts open the databases, so they fail while the DR databases are still
//! restoring.

use super::{Simulated, Spec};
use crate::kind::biztalk_repoint::{
    BiztalkRepoint, BiztalkRepointObserved, CHECK_DATABASES, CHECK_REGISTRY, CHECK_SERVICES,
};
use crate::sim::sql::reach;
use crate::sim::world::{BiztalkHost, SsoNodeState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// WB-DRSSO-03: the restarted ENTSSO gets the master secret from the master secret server the
/// SSO database names; it does not start while that server is unreachable or does not hold
/// the secret (review3 F11; Microsoft, "How to move the master secret server"). Checked only
/// for a promotion that moves the SSO database, and only where the server named is a host
/// of the world (a clustered role's network name is answered by its cluster).
fn entsso_starts(w: &World, p: &crate::kind::biztalk_repoint::Params) -> Result<(), String> {
    let Some(m) = p.moves.iter().find(|m| m.label == "SSO") else {
        return Ok(());
    };
    let Some(mss) = super::sso_server::secret_server(w, &m.new, &m.name) else {
        return Ok(());
    };
    let ok = match w.host(&mss) {
        // A server whose SSO state the world does not track (a BizTalk server that created
        // the system through the group configuration) serves the secret while it is up.
        Some(h) => h.up && !matches!(&h.sso, Some(n) if !n.holds_secret),
        None => w
            .clusters
            .values()
            .any(|c| c.groups.iter().any(|g| g.name.eq_ignore_ascii_case(&mss))),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Restart-Service : Failed to start service 'Enterprise Single Sign-On Service (ENTSSO)'. The SSO service failed to retrieve the master secret from the master secret server {mss} named by {} on '{}' (unreachable). Restore the master secret on a DR SSO server and name it with `ssomanage -updatedb` first",
            m.name, m.new
        ))
    }
}

impl Simulated for BiztalkRepoint {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<BiztalkRepointObserved, String> {
        let host = c.this_host(w)?;
        let Some(b) = &host.biztalk_registry else {
            return Ok(BiztalkRepointObserved::default());
        };
        let databases = reach(w, &b.mgmt_server)
            .ok()
            .and_then(|i| i.databases.get(&s.params.management_database))
            .and_then(|d| d.biztalk_group.clone())
            .unwrap_or_default();
        Ok(BiztalkRepointObserved {
            mgmt_server: Some(b.mgmt_server.clone()),
            databases,
            services_using: b.services_using.clone(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (p, want) = (&s.params, &s.desired);
        let mgmt = &p.management_database;
        let open = |w: &World, server: &str, db: &str| -> Result<(), String> {
            let i = reach(w, server)?;
            if i.databases.contains_key(db) {
                Ok(())
            } else {
                Err(format!(
                    "Cannot open database \"{db}\" requested by the login on '{server}': it does not exist or is still restoring (run BTS Log Shipping - Restore To Mark first)"
                ))
            }
        };
        open(w, &want.mgmt_server, mgmt).map_err(|e| format!("UpdateDatabase.vbs: {e}"))?;
        if p.update_database {
            for (db, server) in &want.databases {
                open(w, server, db).map_err(|e| format!("UpdateDatabase.vbs: {e}"))?;
            }
            // UpdateDatabase.vbs rewrites the server of each database SampleUpdateInfo.xml
            // moves, in the places the management database already records.
            let i = w.instance_mut(&want.mgmt_server).expect("reached");
            let d = i.databases.get_mut(mgmt).expect("opened");
            let mut recorded = d.biztalk_group.clone().unwrap_or_default();
            for (db, server) in recorded.iter_mut() {
                if let Some(m) = p.moves.iter().find(|m| m.name.eq_ignore_ascii_case(db)) {
                    *server = m.new.split('\\').next().unwrap_or(&m.new).to_string();
                }
            }
            d.biztalk_group = Some(recorded);
        } else {
            let recorded = reach(w, &want.mgmt_server)?
                .databases
                .get(mgmt)
                .and_then(|d| d.biztalk_group.clone())
                .unwrap_or_default();
            if recorded != want.databases {
                return Err(format!(
                    "UpdateRegistry.vbs: {mgmt} on '{}' still records the source's servers; run UpdateDatabase.vbs on the first DR BizTalk server first",
                    want.mgmt_server
                ));
            }
        }
        if p.restart_entsso {
            entsso_starts(w, p)?;
        }
        let host = c.this_host_mut(w)?;
        // UpdateRegistry.vbs points ENTSSO at the SSO database's new server
        // (`HKLM\SOFTWARE\Microsoft\ENTSSO\SQL`, WB-DRSSO-02 [to confirm on Windows]); the
        // promotion's dr_sso step needs that before it moves the master secret server here.
        if let Some(m) = p.moves.iter().find(|m| m.label == "SSO") {
            let n = host.sso.get_or_insert_with(SsoNodeState::default);
            n.server = m.new.clone();
            n.database = m.name.clone();
        }
        host.biztalk_registry = Some(BiztalkHost {
            mgmt_server: want.mgmt_server.clone(),
            services_using: Some(want.services_using.clone()),
        });
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &BiztalkRepointObserved,
    ) -> Result<Vec<Check>, String> {
        let want = &s.desired;
        let hint = "run `bisrc dr promote` again";
        let reg = o.mgmt_server.as_deref() == Some(want.mgmt_server.as_str());
        let dbs = o.databases == want.databases;
        let svc = o.services_using.as_deref() == Some(want.services_using.as_str());
        let wrong: Vec<String> = want
            .databases
            .iter()
            .filter(|(d, srv)| o.databases.get(*d) != Some(*srv))
            .map(|(d, srv)| format!("{d} (want {srv})"))
            .collect();
        Ok(vec![
            check(
                CHECK_REGISTRY,
                reg,
                if reg {
                    format!("{} points at {}", c.node, want.mgmt_server)
                } else {
                    format!(
                        "{} points at {}; {hint}",
                        c.node,
                        o.mgmt_server.as_deref().unwrap_or("no management server")
                    )
                },
            ),
            check(
                CHECK_DATABASES,
                dbs,
                if dbs {
                    format!("the group's databases are on {}", want.mgmt_server)
                } else {
                    format!("not on the DR instances: {}; {hint}", wrong.join(", "))
                },
            ),
            check(
                CHECK_SERVICES,
                svc,
                if svc {
                    format!("BizTalk services restarted against {}", want.services_using)
                } else {
                    format!(
                        "BizTalk services on {} not restarted since the re-pointing; {hint}",
                        c.node
                    )
                },
            ),
        ])
    }
}
