//! `backup_users` on a simulated node: `CREATE USER ... FOR LOGIN` and `ALTER ROLE
//! [BTS_BACKUP_USERS] ADD MEMBER` in each BizTalk database of a source instance.

use super::{Simulated, Spec};
use crate::kind::backup_users::{BackupUsers, BackupUsersObserved, CHECK_MEMBER};
use crate::sim::sql::reach;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

/// The databases of `want` on the instance whose `BTS_BACKUP_USERS` has `login`.
fn members(w: &World, server: &str, login: &str, want: &[String]) -> Result<Vec<String>, String> {
    let i = reach(w, server)?;
    let roles = w
        .dr_rights
        .backup_users
        .get(&i.network_name.to_ascii_uppercase());
    let mut out: Vec<String> = want
        .iter()
        .filter(|db| i.databases.contains_key(*db))
        .filter(|db| {
            roles
                .and_then(|r| r.get(*db))
                .is_some_and(|m| m.iter().any(|l| l.eq_ignore_ascii_case(login)))
        })
        .cloned()
        .collect();
    out.sort();
    Ok(out)
}

impl Simulated for BackupUsers {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<BackupUsersObserved, String> {
        Ok(BackupUsersObserved {
            databases: members(w, &s.params.server, &s.params.login, &s.desired.databases)?,
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (server, login) = (&s.params.server, &s.params.login);
        let i = reach(w, server)?;
        // CREATE USER ... FOR LOGIN needs the login (error 15007,
        // https://learn.microsoft.com/en-us/sql/t-sql/statements/create-user-transact-sql).
        if !i.logins.keys().any(|l| l.eq_ignore_ascii_case(login)) {
            return Err(format!(
                "Msg 15007: '{login}' is not a valid login or you do not have permission."
            ));
        }
        for db in &s.desired.databases {
            if !i.databases.contains_key(db) {
                return Err(format!(
                    "database {db} is not online on {server}: BTS_BACKUP_USERS is created by the BizTalk group configuration; configure the group first"
                ));
            }
        }
        let key = i.network_name.to_ascii_uppercase();
        let roles = w.dr_rights.backup_users.entry(key).or_default();
        for db in &s.desired.databases {
            roles.entry(db.clone()).or_default().insert(login.clone());
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &BackupUsersObserved,
    ) -> Result<Vec<Check>, String> {
        let missing: Vec<&str> = s
            .desired
            .databases
            .iter()
            .filter(|d| !o.databases.contains(d))
            .map(String::as_str)
            .collect();
        let (login, server) = (&s.params.login, &s.params.server);
        Ok(vec![if missing.is_empty() {
            check(
                CHECK_MEMBER,
                true,
                format!(
                    "{login} is in BTS_BACKUP_USERS of {} on {server}",
                    o.databases.join(", ")
                ),
            )
        } else {
            check(
                CHECK_MEMBER,
                false,
                format!(
                    "{login} is not in BTS_BACKUP_USERS of {} on {server}: log shipping cannot read the backup history; {}",
                    missing.join(", "),
                    c.apply_hint()
                ),
            )
        }])
    }
}
