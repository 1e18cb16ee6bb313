//! `sql_login` on a simulated node: a Windows login and its fixed server roles
//! (`CREATE LOGIN ... FROM WINDOWS`, `ALTER SERVER ROLE`).

use std::collections::BTreeSet;

use super::{Simulated, Spec};
use crate::kind::sql_login::{SqlLogin, SqlLoginObserved, CHECK_EXISTS};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
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
        reach(w, server)?;
        let login = &s.params.login;
        let roles: BTreeSet<String> = s.desired.server_roles.iter().cloned().collect();
        let i = w.instance_mut(server).expect("reached");
        if !s.desired.exists {
            i.logins.retain(|l, _| !l.eq_ignore_ascii_case(login));
            return Ok(());
        }
        let key = i
            .logins
            .keys()
            .find(|l| l.eq_ignore_ascii_case(login))
            .cloned()
            .unwrap_or_else(|| login.clone());
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

    /// `DROP LOGIN` (WB-DEL-05): the instance must answer.
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let server = &s.params.server;
        reach(w, server)?;
        let login = &s.params.login;
        let i = w.instance_mut(server).expect("reached");
        i.logins.retain(|l, _| !l.eq_ignore_ascii_case(login));
        Ok(())
    }
}
