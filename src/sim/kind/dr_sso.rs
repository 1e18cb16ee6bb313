//! `dr_sso` on a simulated DR BizTalk server: `ssomanage -updatedb` naming this server in the
//! restored SSO database, ENTSSO restarted, then the master secret restored from the backup's
//! DR copy (`ISSOConfigSS.RestoreSecret`, what `ssoconfig -restoresecret` calls).
//!
//! Preconditions enforced (docs/windows-behaviour.md): WB-DRSSO-01 (the restore reads the
//! backup's copy: a file this server reaches, on itself or a host of the world that is up),
//! WB-DRSSO-02 (ENTSSO here is configured against the DR instance's SSO database, and
//! `-updatedb` writes that database, which must be restored and answering).
//! Sources: https://learn.microsoft.com/en-us/biztalk/core/how-to-move-the-master-secret-server ;
//! https://learn.microsoft.com/en-us/biztalk/core/how-to-restore-the-master-secret

use super::{Simulated, Spec};
use crate::kind::dr_sso::{DrSso, DrSsoObserved, CHECK_SECRET_HELD, CHECK_SECRET_SERVER};
use crate::sim::sql::reach;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

/// What a master secret backup file holds in the simulated world.
const BACKUP: &str = super::SSO_BACKUP;

/// The host that keeps `path`: the server a UNC path names (`\\HOST\share\…`, domain suffix
/// dropped), else `this` (a drive path on the server that reads it).
pub(in crate::sim) fn file_host<'a>(path: &'a str, this: &'a str) -> &'a str {
    match path.strip_prefix("\\\\") {
        Some(rest) => {
            let host = rest.split('\\').next().unwrap_or(rest);
            host.split('.').next().unwrap_or(host)
        }
        None => this,
    }
}

impl Simulated for DrSso {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<DrSsoObserved, String> {
        let p = &s.params;
        let secret_server = reach(w, &p.sso_server).ok().and_then(|i| {
            i.databases
                .get(&p.sso_database)
                .and_then(|d| d.sso_secret_server.clone())
        });
        Ok(DrSsoObserved {
            secret_server,
            holds_secret: c.this_host(w)?.sso.as_ref().is_some_and(|n| n.holds_secret),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (p, want) = (&s.params, &s.desired);
        let have = Self::probe(w, c, s)?;
        // WB-DRSSO-02: ssomanage writes the SSO database the local ENTSSO is configured
        // against; the step refuses unless that is the DR instance's restored one (review4 F10).
        let configured = c.this_host(w)?.sso.as_ref().map(|n| n.server.clone());
        if !configured
            .as_deref()
            .is_some_and(|srv| srv.eq_ignore_ascii_case(&p.sso_server))
        {
            return Err(format!(
                "Enterprise SSO on {} is configured against SQL server '{}', not the DR instance {}: it must point at the restored {} before the master secret server moves (run the repoint of this server first); nothing was written",
                c.node,
                configured.unwrap_or_default(),
                p.sso_server,
                p.sso_database
            ));
        }
        if !have.holds_secret {
            // WB-DRSSO-01: the restore reads the backup's copy; the step looks for it before
            // it writes anything.
            let host = file_host(&p.backup_file, &c.node);
            let copy = w
                .host(host)
                .filter(|h| h.up)
                .and_then(|h| h.files.get(&p.backup_file));
            if copy.map(String::as_str) != Some(BACKUP) {
                return Err(format!(
                    "Copy-Item : Cannot find path '{}' because it does not exist.",
                    p.backup_file
                ));
            }
        }
        if have.secret_server.as_deref() != Some(want.secret_server.as_str()) {
            // `ssomanage -updatedb` writes the restored SSO database.
            let i = reach(w, &p.sso_server)
                .map_err(|e| format!("ssomanage -updatedb: cannot reach the SSO database: {e}"))?;
            if !i.databases.contains_key(&p.sso_database) {
                return Err(format!(
                    "ssomanage -updatedb: Cannot open database \"{}\" on '{}': it does not exist or is still restoring",
                    p.sso_database, p.sso_server
                ));
            }
            let i = w.instance_mut(&p.sso_server).expect("reached");
            let d = i.databases.get_mut(&p.sso_database).expect("present");
            d.sso_secret_server = Some(want.secret_server.clone());
        }
        if !have.holds_secret {
            // ENTSSO restarts here (the master secret server the database now names), then
            // the secret is restored from the copy.
            if let Some(n) = c.this_host_mut(w)?.sso.as_mut() {
                n.holds_secret = true;
            }
        }
        Ok(())
    }

    fn verify(_: &World, c: &Ctx, s: &Spec<Self>, o: &DrSsoObserved) -> Result<Vec<Check>, String> {
        let (p, want) = (&s.params, &s.desired);
        let hint = "run `bisrc dr promote` again";
        let named = o.secret_server.as_deref() == Some(want.secret_server.as_str());
        Ok(vec![
            check(
                CHECK_SECRET_SERVER,
                named,
                if named {
                    format!(
                        "{} names {} as its master secret server",
                        p.sso_database, want.secret_server
                    )
                } else {
                    format!(
                        "{} names {} as its master secret server, not {}; {hint}",
                        p.sso_database,
                        o.secret_server.as_deref().unwrap_or("nothing"),
                        want.secret_server
                    )
                },
            ),
            check(
                CHECK_SECRET_HELD,
                o.holds_secret,
                if o.holds_secret {
                    format!("{} holds the master secret", c.node)
                } else {
                    format!(
                        "{} does not hold the master secret (restore it from {}); {hint}",
                        c.node, p.backup_file
                    )
                },
            ),
        ])
    }
}
