//! Cluster shape rules: at least two nodes, a witness for two nodes (biztalk-ha.md §9
//! "Quorum"), Standard edition FCIs on at most two owners (biztalk-ha.md §8.2), and quorum
//! fields that match the witness kind.

use crate::inventory::{Inventory, Loc, SqlEdition, WitnessKind};

use super::index::Index;
use super::{Diagnostic, BZ060, BZ061, BZ062, BZ063, BZ064, BZ065, BZ066};

/// Whether `p` is a UNC path `\\server\share[\...]`.
pub(crate) fn is_unc(p: &str) -> bool {
    let Some(rest) = p.strip_prefix("\\\\") else {
        return false;
    };
    let mut parts = rest.split('\\');
    let server = parts.next().unwrap_or("");
    let share = parts.next().unwrap_or("");
    !server.is_empty() && !share.is_empty() && !server.contains(['/', ' ']) && !p.contains('/')
}

pub(super) fn check(inv: &Inventory, _idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (_, c) in inv.clusters() {
        if c.nodes.len() < 2 {
            out.push(
                BZ060
                    .at(
                        c.name.loc,
                        format!("cluster {} has {} node(s)", c.name, c.nodes.len()),
                    )
                    .hint("a failover cluster needs at least two nodes to fail over to"),
            );
        }
        let q = &c.quorum;
        let kind = *q.witness;
        if c.nodes.len() == 2 && kind == WitnessKind::None {
            out.push(
                BZ061
                    .at(q.witness.loc, format!("two-node cluster {} has no witness", c.name))
                    .hint("with two nodes, losing either one loses quorum without a witness; use `witness: disk`, `file_share` or `cloud`"),
            );
        }
        for i in &c.sql_instances {
            let owners = i.owners(c).len();
            if *i.edition == SqlEdition::Standard && owners > 2 {
                out.push(
                    BZ062
                        .at(i.edition.loc, format!("Standard edition instance {} has {owners} possible owners", i.name))
                        .hint("SQL Server Standard supports two-node FCIs only; use Enterprise or limit `preferred_owners` to two nodes"),
                );
            }
        }
        let wloc = q.witness.loc;
        match kind {
            WitnessKind::Disk if q.disk.is_none() => out.push(
                BZ065
                    .at(wloc, "disk witness without `disk`")
                    .hint("add `disk: NAME`, a small storage entry of the site (e.g. 1 GB)"),
            ),
            WitnessKind::FileShare => match &q.path {
                None => out.push(
                    BZ063
                        .at(wloc, "file share witness without `path`")
                        .hint("add `path: \\\\server\\share\\folder`, a share outside the cluster"),
                ),
                Some(p) if !is_unc(p) => out.push(
                    BZ063
                        .at(p.loc, format!("file share witness path `{p}` is not a UNC path"))
                        .hint("write `\\\\server\\share\\folder`; the share must be reachable from every node"),
                ),
                Some(_) => {}
            },
            WitnessKind::Cloud if q.account.is_none() || q.access_key.is_none() => {
                let missing = match (&q.account, &q.access_key) {
                    (None, None) => "`account` and `access_key`",
                    (None, _) => "`account`",
                    _ => "`access_key`",
                };
                out.push(
                    BZ064
                        .at(wloc, format!("cloud witness without {missing}"))
                        .hint("add `account: STORAGEACCOUNT` and `access_key: {env: NAME}`"),
                );
            }
            _ => {}
        }
        let mut foreign = |field: &str, loc: Loc, belongs: &str| {
            out.push(
                BZ066
                    .at(
                        loc,
                        format!(
                            "`{field}` does not apply to witness `{}`",
                            witness_name(kind)
                        ),
                    )
                    .hint(format!(
                        "`{field}` belongs to `witness: {belongs}`; remove it"
                    )),
            );
        };
        if kind != WitnessKind::Disk {
            if let Some(d) = &q.disk {
                foreign("disk", d.loc, "disk");
            }
        }
        if kind != WitnessKind::FileShare {
            if let Some(p) = &q.path {
                foreign("path", p.loc, "file_share");
            }
        }
        if kind != WitnessKind::Cloud {
            if let Some(a) = &q.account {
                foreign("account", a.loc, "cloud");
            }
            if let Some(k) = &q.access_key {
                foreign("access_key", k.loc, "cloud");
            }
        }
    }
}

fn witness_name(k: WitnessKind) -> &'static str {
    match k {
        WitnessKind::Disk => "disk",
        WitnessKind::FileShare => "file_share",
        WitnessKind::Cloud => "cloud",
        WitnessKind::None => "none",
    }
}
