//! Backup and disaster-recovery rules: the Backup BizTalk Server job's schedule and
//! destination (biztalk-ha.md §5.2), and log shipping: a destination on another instance,
//! same SQL Server version and same data and log paths as its source (restores cannot move
//! files, biztalk-ha.md §5.4), preferably in another site.

use crate::inventory::Inventory;

use super::cluster::is_unc;
use super::index::{key, Index};
use super::storage::drive_of;
use super::{Diagnostic, BZ090, BZ091, BZ092, BZ093, BZ094, BZ095, BZ096};

pub(super) fn check(inv: &Inventory, idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let b = &inv.backup;
    if let Some(h) = &b.backup_hour {
        if **h > 23 {
            out.push(
                BZ090
                    .at(
                        h.loc,
                        format!("backup_hour {} is not an hour of the day", **h),
                    )
                    .hint("write 0 to 23 (the hour of the full backup)"),
            );
        }
    }
    if *b.days_to_keep < 1 {
        out.push(
            BZ091
                .at(b.days_to_keep.loc, "days_to_keep is 0")
                .hint("keep at least one day of backups; the purge job deletes older files"),
        );
    }
    if !is_unc(&b.destination) && drive_of(&b.destination).is_none() {
        out.push(
            BZ092
                .at(b.destination.loc, format!("backup destination `{}` is neither a UNC path nor a drive path", b.destination))
                .hint("write `\\\\server\\share\\folder` (recommended: off the cluster) or `X:\\folder`"),
        );
    }
    for ls in &b.log_shipping {
        if ls.source.eq_ignore_ascii_case(&ls.destination) {
            out.push(
                BZ093
                    .at(
                        ls.destination.loc,
                        format!("log shipping from {} to itself", ls.source),
                    )
                    .hint(
                        "the destination is the DR instance, e.g. the FCI of the DR site's cluster",
                    ),
            );
            continue;
        }
        let (Some(src), Some(dst)) = (
            idx.instances.get(&key(&ls.source)),
            idx.instances.get(&key(&ls.destination)),
        ) else {
            continue; // reported by references
        };
        let (si, di) = (src.instance, dst.instance);
        if si.version.value != di.version.value {
            out.push(
                BZ094
                    .at(di.version.loc, format!("log-shipping destination {} runs SQL Server {} but its source {} runs {}", di.name, di.version, si.name, si.version))
                    .hint("restore needs the same SQL Server version on both ends (biztalk-ha.md §5.4)")
                    .related(si.version.loc, "the source's version"),
            );
        }
        for (what, s, d) in [
            ("data", &si.paths.data, &di.paths.data),
            ("log", &si.paths.log, &di.paths.log),
        ] {
            if !s
                .trim_end_matches('\\')
                .eq_ignore_ascii_case(d.trim_end_matches('\\'))
            {
                out.push(
                    BZ095
                        .at(d.loc, format!("{what} path `{d}` of {} differs from `{s}` of its source {}", di.name, si.name))
                        .hint("log-shipped restores put files where the source has them; use the same drive letters and folders")
                        .related(s.loc, "the source's path"),
                );
            }
        }
        if src.site == dst.site {
            out.push(
                BZ096
                    .at(ls.destination.loc, format!("log shipping from {} to {} stays in site {}", si.name, di.name, inv.sites[src.site].name))
                    .hint("a DR copy in the same site does not survive the loss of the site; ship to another site"),
            );
        }
    }
}
