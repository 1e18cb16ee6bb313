//! Storage and path rules: drive letters are single letters; every path of an instance is a
//! drive path on one of that instance's disks, because an FCI can only use disks in its own
//! role (biztalk-ha.md §8.1); tempdb may sit on a local drive that exists on every node;
//! data and log on separate disks formatted with 64 KB clusters (biztalk-ha.md §1.3).

use std::collections::HashMap;

use crate::inventory::{Disk, Inventory, SpStr};

use super::index::{key, letter, Index};
use super::{Diagnostic, BZ050, BZ051, BZ052, BZ053, BZ054, BZ055};

/// The drive letter of a path `X:\...`, upper case.
pub(crate) fn drive_of(path: &str) -> Option<char> {
    let b = path.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
        .then(|| char::from(b[0]).to_ascii_uppercase())
}

pub(super) fn check(inv: &Inventory, idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (site, si) in inv.sites.iter().zip(&idx.sites) {
        for d in &site.storage {
            if letter(&d.letter).is_none() {
                out.push(
                    BZ055
                        .at(
                            d.letter.loc,
                            format!(
                                "drive letter `{}` of disk {} is not a single letter",
                                d.letter, d.name
                            ),
                        )
                        .hint("write the letter alone, e.g. `S` (not `S:` or `S:\\`)"),
                );
            }
        }
        for c in &site.clusters {
            for i in &c.sql_instances {
                let own: HashMap<char, &Disk> = i
                    .disks
                    .iter()
                    .filter_map(|n| si.disks.get(&key(n)))
                    .filter_map(|d| letter(&d.letter).map(|l| (l, *d)))
                    .collect();
                let p = &i.paths;
                let path_disk = |path: &SpStr,
                                 what: &str,
                                 out: &mut Vec<Diagnostic>|
                 -> Option<char> {
                    let Some(l) = drive_of(path) else {
                        out.push(
                            BZ050
                                .at(path.loc, format!("{what} path `{path}` of {} is not a drive path", i.name))
                                .hint("write a path on one of the instance's disks, e.g. S:\\MSSQL\\Data"),
                        );
                        return None;
                    };
                    if own.contains_key(&l) {
                        return Some(l);
                    }
                    let mut letters: Vec<String> = own.keys().map(|c| format!("{c}:")).collect();
                    letters.sort();
                    let own_list = if letters.is_empty() {
                        "none".to_string()
                    } else {
                        letters.join(", ")
                    };
                    match si.letters.get(&l) {
                        Some(d) => out.push(
                            BZ051
                                .at(path.loc, format!("{what} path `{path}` is on disk {} ({l}:), which is not one of {}'s disks", d.name, i.name))
                                .hint(format!("add {} to the instance's `disks`, or use one of its drives ({own_list})", d.name)),
                        ),
                        None if what == "tempdb" => out.push(
                            BZ052
                                .at(path.loc, format!("tempdb path `{path}` is on {l}:, which is not a shared disk"))
                                .hint("a local tempdb drive is allowed for an FCI, but the folder must exist on every node before setup and failover"),
                        ),
                        None => out.push(
                            BZ051
                                .at(path.loc, format!("{what} path `{path}` is on {l}:, which is not one of {}'s disks", i.name))
                                .hint(format!("an FCI can only use the shared disks in its role; use one of its drives ({own_list})")),
                        ),
                    }
                    None
                };
                let data = path_disk(&p.data, "data", out);
                let log = path_disk(&p.log, "log", out);
                path_disk(&p.tempdb, "tempdb", out);
                path_disk(&p.backup, "backup", out);
                if let (Some(dl), Some(ll)) = (data, log) {
                    if dl == ll {
                        out.push(
                            BZ053
                                .at(p.log.loc, format!("data and log of {} are both on {dl}:", i.name))
                                .hint("put log files on their own disk: sequential log writes and random data I/O should not compete (biztalk-ha.md §1.3)"),
                        );
                    }
                }
                let mut checked: Vec<char> = Vec::new();
                for l in [data, log].into_iter().flatten() {
                    if checked.contains(&l) {
                        continue;
                    }
                    checked.push(l);
                    let d = own[&l];
                    match &d.allocation_unit_kb {
                        Some(a) if **a == 64 => {}
                        Some(a) => out.push(
                            BZ054
                                .at(a.loc, format!("disk {} holds data or log of {} with a {} KB allocation unit", d.name, i.name, **a))
                                .hint("format SQL Server data and log disks with 64 KB clusters (`allocation_unit_kb: 64`)"),
                        ),
                        None => out.push(
                            BZ054
                                .at(d.name.loc, format!("disk {} holds data or log of {} but has no allocation_unit_kb", d.name, i.name))
                                .hint("format SQL Server data and log disks with 64 KB clusters (`allocation_unit_kb: 64`)"),
                        ),
                    }
                }
            }
        }
    }
}
