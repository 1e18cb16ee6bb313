//! `backup_share` on a simulated node: the backup share's share and NTFS permissions
//! (`Get-SmbShareAccess`, `Get-Acl`; granted with `Grant-SmbShareAccess` and `icacls` on a
//! share the inventory's hosts serve). The share itself lives in `sim/backup_rights.rs`.

use std::collections::BTreeMap;

use super::{Simulated, Spec};
use crate::inventory::backup_share::READ;
use crate::kind::backup_share::{BackupShare, BackupShareObserved, CHECK_RIGHTS};
use crate::sim::backup_rights::{reach_share, share_key};
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

/// Each account's right as the probe reports it: its desired right when it has that much,
/// else `read` or `none`.
fn observed_rights(
    share: &crate::sim::backup_rights::ShareState,
    want: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    want.iter()
        .map(|(account, right)| {
            let have = if share.allows(account, right) {
                right.clone()
            } else if share.allows(account, READ) {
                READ.to_string()
            } else {
                "none".to_string()
            };
            (account.clone(), have)
        })
        .collect()
}

/// What is missing, for people: `ACCOUNT needs RIGHT (has HAVE)`.
fn missing(want: &BTreeMap<String, String>, o: &BackupShareObserved) -> Vec<String> {
    want.iter()
        .filter(|(a, r)| o.rights.get(*a) != Some(*r))
        .map(|(a, r)| {
            let have = o.rights.get(a).map(String::as_str).unwrap_or("none");
            format!("{a} needs {r} (has {have})")
        })
        .collect()
}

impl Simulated for BackupShare {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<BackupShareObserved, String> {
        Ok(match reach_share(w, &s.params.path) {
            Ok(share) => BackupShareObserved {
                exists: true,
                rights: observed_rights(share, &s.desired.rights),
            },
            Err(_) => BackupShareObserved::default(),
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let observed = match reach_share(w, &p.path) {
            Ok(share) => observed_rights(share, &s.desired.rights),
            Err(e) if p.managed => {
                return Err(format!(
                    "no share {} on {}: create it (New-SmbShare -Name {} -Path FOLDER) and run bisrc apply again; bisrc grants its rights ({e})",
                    p.share, p.server, p.share
                ))
            }
            Err(e) => return Err(e),
        };
        let o = BackupShareObserved {
            exists: true,
            rights: observed,
        };
        let gaps = missing(&s.desired.rights, &o);
        if !p.managed {
            // The step cannot grant anything on a server bisrc does not manage.
            if gaps.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "{} is on a server the inventory does not describe; grant on it by hand (share and NTFS permissions): {}",
                p.path,
                gaps.join("; ")
            ));
        }
        let key = share_key(&p.path).expect("reached");
        let share = w.dr_rights.shares.get_mut(&key).expect("reached");
        for (account, right) in &s.desired.rights {
            if o.rights.get(account) == Some(right) {
                continue;
            }
            for map in [&mut share.share, &mut share.ntfs] {
                map.retain(|a, _| !a.eq_ignore_ascii_case(account));
                if right != "none" {
                    map.insert(account.clone(), right.clone());
                }
            }
        }
        Ok(())
    }

    fn verify(
        _: &World,
        _: &Ctx,
        s: &Spec<Self>,
        o: &BackupShareObserved,
    ) -> Result<Vec<Check>, String> {
        let p = &s.params;
        if !o.exists {
            return Ok(vec![check(
                CHECK_RIGHTS,
                false,
                format!("{} does not answer", p.path),
            )]);
        }
        let gaps = missing(&s.desired.rights, o);
        Ok(vec![if gaps.is_empty() {
            let all: Vec<String> = s
                .desired
                .rights
                .iter()
                .map(|(a, r)| format!("{a} {r}"))
                .collect();
            check(
                CHECK_RIGHTS,
                true,
                format!("{}: {}", p.path, all.join(", ")),
            )
        } else if p.managed {
            check(
                CHECK_RIGHTS,
                false,
                format!("{}: {}; run bisrc apply", p.path, gaps.join("; ")),
            )
        } else {
            check(
                CHECK_RIGHTS,
                false,
                format!(
                    "{}: {}; the share is on a server the inventory does not describe: grant these on it by hand (share and NTFS permissions)",
                    p.path,
                    gaps.join("; ")
                ),
            )
        }])
    }
}
