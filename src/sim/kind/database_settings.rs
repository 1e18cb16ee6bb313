//! `database_settings` on a simulated node: a BizTalk database's recovery model, automatic
//! statistics, set through the instance's network name (MessageBox publication is the
//! `messagebox` kind's).

use super::{Simulated, Spec};
use crate::kind::database_settings::{
    DatabaseSettings, DatabaseSettingsObserved, CHECK_AUTO_STATISTICS_OFF, CHECK_RECOVERY_FULL,
};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

/// Msg 911 (BizTalk configuration creates the database).
fn missing_db(db: &str) -> String {
    crate::sim::sql_side::query_error(&format!(
        "Database '{db}' does not exist. Make sure that the name is entered correctly."
    ))
}

impl Simulated for DatabaseSettings {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<DatabaseSettingsObserved, String> {
        let found = reach(w, &s.params.server)?
            .databases
            .get(&s.params.database);
        Ok(match found {
            Some(d) => DatabaseSettingsObserved {
                exists: true,
                recovery_model: Some(d.recovery_model.clone()),
                auto_create_statistics: Some(d.auto_create_statistics),
                auto_update_statistics: Some(d.auto_update_statistics),
            },
            None => DatabaseSettingsObserved::default(),
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (server, db, want) = (&s.params.server, &s.params.database, &s.desired);
        reach(w, server)?;
        let i = w.instance_mut(server).expect("reached");
        let d = i.databases.get_mut(db).ok_or_else(|| missing_db(db))?;
        let v = &want.recovery_model;
        if !["FULL", "BULK_LOGGED", "SIMPLE"].contains(&v.as_str()) {
            return Err(crate::sim::sql_side::query_error(&format!(
                "Incorrect syntax near '{v}'."
            )));
        }
        d.recovery_model.clone_from(v);
        if let Some(v) = want.auto_create_statistics {
            d.auto_create_statistics = v;
        }
        if let Some(v) = want.auto_update_statistics {
            d.auto_update_statistics = v;
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &DatabaseSettingsObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let mut v = vec![diff_check(
            CHECK_RECOVERY_FULL,
            c,
            o,
            &["exists", "recovery_model"],
            &apply_hint,
        )];
        if s.desired.auto_create_statistics.is_some() {
            v.push(diff_check(
                CHECK_AUTO_STATISTICS_OFF,
                c,
                o,
                &["auto_create_statistics", "auto_update_statistics"],
                &format!("BizTalk needs automatic statistics off on the MessageBox; {apply_hint}"),
            ));
        }
        Ok(v)
    }
}
