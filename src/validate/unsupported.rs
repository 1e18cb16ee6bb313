//! What BizTalk does not support, where the inventory can say it: a backup that relies on
//! VSS (biztalk-ha.md §4.1), and an availability group seeded by hand, which bisrc does not
//! build. Database mirroring has no key: the inventory places a database on an FCI or behind
//! an availability group's listener, so it cannot describe a mirrored one (docs/rules.md).

use crate::inventory::{BackupMethod, Inventory, Seeding};

use super::{Diagnostic, BZ176, BZ177, BZ178};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    if let Some(m) = &inv.backup.method {
        if m.value == BackupMethod::Vss {
            out.push(
                BZ176
                    .at(m.loc, "the BizTalk databases are backed up with VSS")
                    .hint("VSS is not a supported backup for BizTalk (its MSDTC support is limited to local deployments); rely on the Backup BizTalk Server job, which bisrc configures, and write `method: backup_biztalk_server`"),
            );
        }
    }
    for (_, _, g) in inv.availability_groups() {
        let Some(s) = &g.seeding else {
            continue;
        };
        let holds_biztalk = inv
            .databases
            .iter()
            .any(|d| d.instance.eq_ignore_ascii_case(&g.listener.name));
        if s.value == Seeding::Manual && holds_biztalk {
            out.push(
                BZ177
                    .at(s.loc, format!("availability group {} is seeded by hand", g.name))
                    .hint("bisrc adds the databases to the group on the primary only: then restore each on every secondary WITH NORECOVERY from a backup of the primary and join it there (ALTER DATABASE … SET HADR AVAILABILITY GROUP = …), or write `seeding: automatic`"),
            );
        }
    }
    // The group on listeners (its management database behind one): a database left on an
    // FCI is named in the configuration but gets none of the FCI path's settings or jobs.
    let on_listener = |name: &str| inv.listener(name).is_some();
    let mgmt_on_listener = inv.databases.iter().any(|d| {
        d.role.value == crate::inventory::DatabaseRole::Management && on_listener(&d.instance)
    });
    if mgmt_on_listener {
        for d in inv.databases.iter().filter(|d| !on_listener(&d.instance)) {
            if inv.is_configured_sql_database(d) {
                out.push(
                    BZ178
                        .at(d.instance.loc, format!("database {} stays on {} beside the availability groups", d.name, d.instance))
                        .hint("bisrc configures it with the BizTalk group but builds no database settings or SQL Agent job settings for it there; set them by hand"),
                );
            }
        }
    }
}
