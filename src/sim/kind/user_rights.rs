//! `user_rights` on a simulated node: the local policy's User Rights Assignment as
//! `secedit /export` and `/configure` see it (WB-RIGHTS-01).

use super::{Simulated, Spec};
use crate::kind::user_rights::{UserRights, UserRightsObserved, CHECK_RIGHTS};
use crate::sim::checks::diff_check;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

/// Whether privilege `right` of `host` names `account`.
fn holds(w: &World, host: &str, right: &str, account: &str) -> bool {
    w.host(host)
        .and_then(|h| h.user_rights.get(right))
        .is_some_and(|a| a.iter().any(|x| x.eq_ignore_ascii_case(account)))
}

impl Simulated for UserRights {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<UserRightsObserved, String> {
        c.this_host(w)?;
        let mut rights: Vec<String> = s
            .desired
            .rights
            .iter()
            .filter(|r| holds(w, &c.node, r, &s.params.account))
            .cloned()
            .collect();
        rights.sort();
        Ok(UserRightsObserved { rights })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let h = c.this_host_mut(w)?;
        for r in &s.desired.rights {
            // secedit /configure takes a privilege's whole holder list: the script writes the
            // exported holders plus the account, so nobody else loses the right.
            h.user_rights
                .entry(r.clone())
                .or_default()
                .insert(s.params.account.clone());
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &UserRightsObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_RIGHTS,
            c,
            o,
            &["rights"],
            &c.apply_hint(),
        )])
    }
}
