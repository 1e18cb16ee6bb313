//! Anchors relative `{file: PATH}` secret references to the inventory's own folder.
//!
//! An inventory is read from wherever the user runs bisrc, so a relative secret file must not
//! depend on the working directory: `{file: lab-sso-backup.pw}` in `inventories/lab.yaml` is
//! `inventories/lab-sso-backup.pw`, whichever folder bisrc runs from. Absolute paths and paths
//! starting with `~` are left as written.

use std::path::Path;

use super::model::{Inventory, ServiceAccount};
use super::secret::SecretRef;
use super::spanned::Spanned;

/// Rewrites every relative `{file:}` reference of `inv` to `base.join(path)`.
pub(super) fn anchor_secret_files(inv: &mut Inventory, base: &Path) {
    for r in secret_refs_mut(inv) {
        if let SecretRef::File(p) = &mut r.value {
            let tilde = p.to_str().is_some_and(|s| s == "~" || s.starts_with("~/"));
            if p.is_relative() && !tilde {
                *p = base.join(&*p);
            }
        }
    }
}

/// Every secret reference of the inventory, wherever the model allows one.
fn secret_refs_mut(inv: &mut Inventory) -> Vec<&mut Spanned<SecretRef>> {
    fn account(a: &mut ServiceAccount) -> Option<&mut Spanned<SecretRef>> {
        a.password.as_mut()
    }
    let mut out = Vec::new();
    out.extend(inv.connection.identity_passphrase.as_mut());
    out.extend(inv.connection.password.as_mut());
    if let Some(sso) = inv.biztalk.sso.as_mut() {
        out.extend(account(&mut sso.service_account));
        out.push(&mut sso.backup_password);
    }
    out.extend(inv.biztalk.rule_engine_account.as_mut().and_then(account));
    for site in &mut inv.sites {
        for cluster in &mut site.clusters {
            out.extend(cluster.quorum.access_key.as_mut());
            for sql in &mut cluster.sql_instances {
                let accounts = &mut sql.service_accounts;
                out.extend(account(&mut accounts.engine));
                out.extend(account(&mut accounts.agent));
            }
        }
    }
    out
}
