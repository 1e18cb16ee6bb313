//! `ag_database` on a simulated node: `ALTER AVAILABILITY GROUP … ADD DATABASE` on the
//! primary (WB-AG-08): the group exists, the database exists on the primary and belongs to
//! no other group; the step puts it in the full recovery model and takes the full backup
//! first. Automatic seeding then gives every joined, synchronized secondary its copy
//! (`sim::ag::replicate`).

use super::{Simulated, Spec};
use crate::kind::ag_database::{
    AgDatabase, AgDatabaseObserved, CHECK_IN_GROUP, CHECK_SYNCHRONIZED,
};
use crate::sim::ag::{replica_health, standalone_key};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for AgDatabase {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<AgDatabaseObserved, String> {
        let p = &s.params;
        let i = reach(w, &p.server)?;
        let Some(d) = i.databases.get(&p.database) else {
            return Ok(AgDatabaseObserved::default());
        };
        let ag = w.ag(&p.availability_group);
        let in_group = ag.is_some_and(|a| a.databases.iter().any(|x| x == &p.database));
        let mut not_synchronized = Vec::new();
        if let Some(ag) = ag {
            for r in &ag.replicas {
                let local = w.standalone.get(&standalone_key(&r.node, &r.instance));
                let seeded = local.is_some_and(|l| l.sql.databases.contains_key(&p.database));
                let account = local
                    .map(|l| l.sql.engine_account.clone())
                    .unwrap_or_default();
                let (connected, healthy) = replica_health(w, ag, r, &account);
                let state = if !in_group || !r.joined || !seeded {
                    Some("NOT JOINED")
                } else if !connected {
                    Some("NOT SYNCHRONIZING")
                } else if !healthy {
                    Some("SYNCHRONIZING")
                } else {
                    None
                };
                if let Some(state) = state {
                    not_synchronized.push(format!("{}: {state}", r.server));
                }
            }
        }
        Ok(AgDatabaseObserved {
            exists: true,
            in_group,
            recovery_model: Some(d.recovery_model.clone()),
            not_synchronized,
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let db = &p.database;
        let ag = w.ag(&p.availability_group).ok_or_else(|| {
            format!(
                "Msg 15151: Cannot find the availability group '{}', because it does not exist or you do not have permission.",
                p.availability_group
            )
        })?;
        if let Some(other) = w
            .ags
            .values()
            .find(|a| !a.name.eq_ignore_ascii_case(&ag.name) && a.databases.contains(db))
        {
            return Err(format!(
                "ALTER AVAILABILITY GROUP … ADD DATABASE failed: database '{db}' already belongs to availability group '{}'; a database can be in one availability group only",
                other.name
            ));
        }
        reach(w, &p.server)?;
        let i = w.instance_mut(&p.server).expect("reached");
        let Some(d) = i.databases.get_mut(db) else {
            return Err(format!(
                "Msg 911: Database '{db}' does not exist. Make sure that the name is entered correctly. (it is created by the BizTalk group configuration, on the primary through the listener)"
            ));
        };
        // The step's own statements before ADD DATABASE: full recovery, a full backup.
        d.recovery_model = "FULL".into();
        let key = p.availability_group.to_ascii_uppercase();
        let ag = w.ags.get_mut(&key).expect("found above");
        if !ag.databases.contains(db) {
            ag.databases.push(db.clone());
        }
        Ok(())
    }

    /// `ALTER AVAILABILITY GROUP … REMOVE DATABASE` through the listener, on the primary
    /// (WB-AG-10): the secondaries' copies are left RESTORING. Nothing to do without the group.
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let Some(ag) = w.ag(&p.availability_group).cloned() else {
            return Ok(());
        };
        if !ag.databases.contains(&p.database) {
            return Ok(());
        }
        reach(w, &p.server)?;
        crate::sim::ag::leave_restoring(w, &ag, &p.database);
        let key = p.availability_group.to_ascii_uppercase();
        if let Some(a) = w.ags.get_mut(&key) {
            a.databases.retain(|d| d != &p.database);
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AgDatabaseObserved,
    ) -> Result<Vec<Check>, String> {
        let synced = o.in_group && o.not_synchronized.is_empty();
        Ok(vec![
            diff_check(
                CHECK_IN_GROUP,
                c,
                o,
                &["in_group", "recovery_model"],
                &c.apply_hint(),
            ),
            check(
                CHECK_SYNCHRONIZED,
                synced,
                if synced {
                    "SYNCHRONIZED on every replica".to_string()
                } else {
                    format!(
                        "not synchronized on: {}; check the replicas are joined, connected and seeded",
                        o.not_synchronized.join("; ")
                    )
                },
            ),
        ])
    }
}
