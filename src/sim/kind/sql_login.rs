//! `sql_login` on a simulated node: a Windows login and its fixed server roles
//! (`CREATE LOGIN ... FROM WINDOWS`, `ALTER SERVER ROLE`).

use std::collections::BTreeSet;

use super::{Simulated, Spec};
use crate::kind::sql_login::{SqlLogin, SqlLoginObserved, CHECK_EXISTS};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::sql_side::{account_known, caller_is_sysadmin, query_error, security};
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for SqlLogin {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<SqlLoginObserved, String> {
        let login = &s.params.login;
        let found = reach(w, &s.params.server)?
            .logins
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(login))
            .map(|(_, r)| r.clone());
        Ok(SqlLoginObserved {
            exists: found.is_some(),
            server_roles: found.unwrap_or_default().into_iter().collect(),
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let server = &s.params.server;
        let login = &s.params.login;
        let existing = reach(w, server)?
            .logins
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(login))
            .map(|(l, r)| (l.clone(), r.clone()));
        let roles: BTreeSet<String> = s.desired.server_roles.iter().cloned().collect();
        let changes = if s.desired.exists {
            existing.as_ref().map(|(_, r)| r) != Some(&roles)
        } else {
            existing.is_some()
        };
        if changes {
            // WB-LOGIN-02: CREATE/DROP LOGIN need ALTER ANY LOGIN (Msg 15247); adding a member
            // to a fixed server role needs membership of that role, sysadmin for sysadmin
            // (Msg 15151). The caller bisrc connects as is sysadmin or holds neither.
            if !caller_is_sysadmin(w, server) {
                let added = existing
                    .as_ref()
                    .and_then(|(_, have)| roles.difference(have).next().cloned());
                let msg = match added {
                    Some(role) if s.desired.exists => format!(
                        "Cannot alter the server role '{role}', because it does not exist or you do not have permission."
                    ),
                    _ => "User does not have permission to perform this action.".to_string(),
                };
                return Err(query_error(&msg));
            }
        }
        if s.desired.exists && existing.is_none() && !account_known(w, login) {
            // WB-LOGIN-01, Msg 15401.
            return Err(query_error(&format!(
                "Windows NT user or group '{login}' not found. Check the name again."
            )));
        }
        let i = w.instance_mut(server).expect("reached");
        if !s.desired.exists {
            i.logins.retain(|l, _| !l.eq_ignore_ascii_case(login));
            return Ok(());
        }
        let key = existing.map_or_else(|| login.clone(), |(l, _)| l);
        i.logins.insert(key, roles);
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &SqlLoginObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_EXISTS,
            c,
            o,
            &["exists", "server_roles"],
            &c.apply_hint(),
        )])
    }

    /// `DROP LOGIN` (WB-DEL-05): the instance must answer; a login that is logged in
    /// (Msg 15434) or owns SQL Agent jobs (Msg 15170) is not dropped.
    /// https://learn.microsoft.com/en-us/sql/t-sql/statements/drop-login-transact-sql
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let server = &s.params.server;
        reach(w, server)?;
        let login = &s.params.login;
        let sec = security(w, server);
        if sec.sessions.iter().any(|l| l.eq_ignore_ascii_case(login)) {
            return Err(query_error(&format!(
                "Could not drop login '{login}' as the user is currently logged in."
            )));
        }
        let owned = sec
            .job_owners
            .values()
            .filter(|o| o.eq_ignore_ascii_case(login))
            .count();
        if owned > 0 {
            return Err(query_error(&format!(
                "This login is the owner of {owned} job(s). You must delete or reassign these jobs before the login can be dropped."
            )));
        }
        let i = w.instance_mut(server).expect("reached");
        i.logins.retain(|l, _| !l.eq_ignore_ascii_case(login));
        Ok(())
    }
}
