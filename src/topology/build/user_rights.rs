//! The SQL engine account's user rights on every owner of an FCI, before SQL setup (issue 9,
//! "A DBA would also expect": instant file initialisation).

use super::Builder;
use crate::inventory::{Cluster, Site, SqlInstance};
use crate::kind::user_rights::{self, UserRights, LOCK_MEMORY, MANAGE_VOLUME};
use crate::topology::resource::{sorted, Target};

impl Builder<'_> {
    /// One `user_rights` per owner of `i`; returns their addresses (SQL setup depends on them).
    pub(super) fn engine_rights(
        &mut self,
        site: &Site,
        c: &Cluster,
        i: &SqlInstance,
    ) -> Vec<String> {
        let mut rights = vec![MANAGE_VOLUME.to_string()];
        if i.lock_pages_in_memory.as_ref().is_some_and(|l| l.value) {
            rights.push(LOCK_MEMORY.to_string());
        }
        let rights = sorted(rights);
        i.owners(c)
            .into_iter()
            .map(|n| {
                self.resource::<UserRights>(
                    format!("sql.{}.rights.{n}", i.name),
                    site,
                    Target::Node {
                        host: n.to_string(),
                    },
                    vec![],
                    user_rights::Params {
                        account: i.service_accounts.engine.user.value.clone(),
                        purpose: format!("SQL Server engine of {}", i.name),
                    },
                    user_rights::Desired {
                        rights: rights.clone(),
                    },
                )
            })
            .collect()
    }
}
