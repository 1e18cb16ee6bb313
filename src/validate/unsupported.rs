//! What BizTalk does not support, where the inventory can say it: a backup that relies on
//! VSS (biztalk-ha.md §4.1), and an availability group seeded by hand, which bisrc does not
//! build. Database mirroring has no key: the inventory places a database on an FCI or behind
//! an availability group's listener, so it cannot describe a mirrored one (docs/rules.md).

use crate::inventory::{BackupMethod, Inventory, Seeding};

use super::{Diagnostic, BZ176, BZ177};

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
}
