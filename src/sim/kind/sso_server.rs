//! `sso_server` on a simulated cluster node: BizTalk configuration's Enterprise SSO feature
//! (Create a new SSO system on the first node, Join it on the others) and the restore of the
//! master secret from the first node's backup (`ISSOConfigSS.RestoreSecret`).
//!
//! Preconditions enforced (docs/windows-behaviour.md): WB-BTS-03 (the SSO database's
//! instance answers), WB-SSO-05 (Join needs an SSO system), WB-SSO-06 (Create refuses a
//! database that already holds one), WB-SSO-01 (the restore needs the backup the first node
//! wrote). Source: https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-the-master-secret-server1

use super::{Simulated, Spec};
use crate::kind::sso_server::{
    Params, SsoServer, SsoServerObserved, CHECK_CONFIGURED, CHECK_SECRET,
};
use crate::sim::sql::reach;
use crate::sim::world::{DatabaseState, SsoNodeState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// What the backup file holds in the simulated world (its path is on the first node).
const BACKUP: &str = super::SSO_BACKUP;

/// The master secret server the SSO database names, if it holds an SSO system.
pub(in crate::sim) fn secret_server(w: &World, server: &str, database: &str) -> Option<String> {
    w.instance(server)?
        .databases
        .get(database)?
        .sso_secret_server
        .clone()
}

/// `\\NODE\C$\dir\file` as Copy-Item names the path it cannot find.
fn share_path(p: &Params) -> String {
    match p.backup_file.split_once(":\\") {
        Some((drive, rest)) => format!("\\\\{}\\{drive}$\\{rest}", p.first_node),
        None => p.backup_file.clone(),
    }
}

impl Simulated for SsoServer {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<SsoServerObserved, String> {
        let p = &s.params;
        let sso = c.this_host(w)?.sso.as_ref().filter(|n| {
            n.server.eq_ignore_ascii_case(&p.sso_server)
                && n.database.eq_ignore_ascii_case(&p.sso_database)
        });
        Ok(SsoServerObserved {
            configured: sso.is_some(),
            holds_secret: sso.is_some_and(|n| n.holds_secret),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let have = Self::probe(w, c, s)?;
        if !have.configured {
            // WB-PROC-02, WB-BTS-01: Configuration.exe silent, and waited for.
            crate::sim::script::silent(c.script)?;
            crate::sim::script::waits_for_configuration(c.script)?;
            // WB-SSO-03: the service account's rights on this node.
            crate::sim::env::sso_service_account(w, &c.node, &p.service_account)?;
            reach(w, &p.sso_server).map_err(|e| {
                format!("BizTalk Server Configuration (Enterprise SSO) failed: cannot connect to SQL Server '{}'. {e}", p.sso_server)
            })?;
            let existing = secret_server(w, &p.sso_server, &p.sso_database);
            match (p.create, existing) {
                (true, Some(mss)) => {
                    return Err(format!(
                        "BizTalk Server Configuration (Enterprise SSO) failed: Create a new SSO system: the SSO database '{}' on '{}' already holds an SSO system (master secret server {mss}); join it instead",
                        p.sso_database, p.sso_server
                    ))
                }
                (false, None) => {
                    return Err(format!(
                        "BizTalk Server Configuration (Enterprise SSO) failed: Join an existing SSO system: the SSO database '{}' on '{}' holds no SSO system (no master secret server). Create the SSO system first",
                        p.sso_database, p.sso_server
                    ))
                }
                _ => {}
            }
            if p.create {
                let i = w.instance_mut(&p.sso_server).expect("reached above");
                let db = i
                    .databases
                    .entry(p.sso_database.clone())
                    .or_insert(DatabaseState {
                        role: Some("sso".into()),
                        recovery_model: "FULL".into(),
                        auto_create_statistics: true,
                        auto_update_statistics: true,
                        ..DatabaseState::default()
                    });
                // The node that creates the system generates the master secret.
                db.sso_secret_server = Some(c.node.clone());
            }
            let h = c.this_host_mut(w)?;
            h.sso = Some(SsoNodeState {
                server: p.sso_server.clone(),
                database: p.sso_database.clone(),
                holds_secret: p.create,
            });
            if p.create {
                h.files.insert(p.backup_file.clone(), BACKUP.into());
            }
        }
        if !p.create && !Self::probe(w, c, s)?.holds_secret {
            let backup = w
                .host(&p.first_node)
                .filter(|h| h.up)
                .and_then(|h| h.files.get(&p.backup_file));
            if backup.map(String::as_str) != Some(BACKUP) {
                return Err(format!(
                    "Copy-Item : Cannot find path '{}' because it does not exist.",
                    share_path(p)
                ));
            }
            if let Some(n) = c.this_host_mut(w)?.sso.as_mut() {
                n.holds_secret = true;
            }
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &SsoServerObserved,
    ) -> Result<Vec<Check>, String> {
        let p = &s.params;
        let hint = c.apply_hint();
        Ok(vec![
            check(
                CHECK_CONFIGURED,
                o.configured,
                if o.configured {
                    format!("Enterprise SSO uses {} on {}", p.sso_database, p.sso_server)
                } else {
                    format!(
                        "Enterprise SSO is not configured against {} on {}; {hint}",
                        p.sso_database, p.sso_server
                    )
                },
            ),
            check(
                CHECK_SECRET,
                o.holds_secret,
                if o.holds_secret {
                    "holds the master secret".to_string()
                } else {
                    format!("does not hold the master secret: the SSO role would fail here (\"Failed to retrieve master secrets\"); {hint}")
                },
            ),
        ])
    }
}
