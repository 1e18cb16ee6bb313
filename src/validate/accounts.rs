//! Account and secret rules: accounts in `NETBIOS\name` form, in the inventory's domain; a
//! group managed service account (name ending in `$`) has no password and any other service
//! account has one; a literal secret is an error wherever it appears. Messages never contain
//! a secret: the model does not even keep the literal.

use crate::inventory::{Inventory, SecretRef, ServiceAccount, SpStr, Spanned};

use super::{Diagnostic, BZ080, BZ081, BZ082, BZ083, BZ084};

/// Authorities that are not the domain but are valid in `NAME\account` form.
const BUILTIN: &[&str] = &["BUILTIN", "NT AUTHORITY", "NT SERVICE"];

fn account(a: &SpStr, what: &str, netbios: &str, out: &mut Vec<Diagnostic>) {
    match a.split_once('\\') {
        Some((d, n)) if !d.is_empty() && !n.is_empty() && !n.contains('\\') => {
            if !d.eq_ignore_ascii_case(netbios)
                && !BUILTIN.iter().any(|b| b.eq_ignore_ascii_case(d))
            {
                out.push(
                    BZ084
                        .at(a.loc, format!("{what} `{a}` is not in the inventory's domain {netbios}"))
                        .hint(format!("if this is a typo write `{netbios}\\{n}`; accounts of trusted domains work but are worth a second look")),
                );
            }
        }
        _ => out.push(
            BZ081
                .at(a.loc, format!("{what} `{a}` is not in NETBIOS\\name form"))
                .hint(format!(
                    "write `{netbios}\\{}`",
                    a.rsplit(['\\', '@']).next().unwrap_or("name")
                )),
        ),
    }
}

fn secret(s: &Spanned<SecretRef>, what: &str, out: &mut Vec<Diagnostic>) {
    if s.value == SecretRef::Literal {
        out.push(
            BZ080
                .at(s.loc, format!("{what} is written as a literal value"))
                .hint("never write a secret in the inventory: use `{env: NAME}` or `{file: PATH}`, and change the exposed secret")
                .sensitive(),
        );
    }
}

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let netbios = inv.domain.netbios.as_str();
    let c = &inv.connection;
    if let Some(u) = &c.user {
        account(u, "connection user", netbios, out);
    }
    if let Some(p) = &c.password {
        secret(p, "connection password", out);
    }
    if let Some(p) = &c.identity_passphrase {
        secret(p, "connection identity_passphrase", out);
    }
    for (_, cl) in inv.clusters() {
        if let Some(k) = &cl.quorum.access_key {
            secret(k, "cloud witness access_key", out);
        }
    }
    for (_, _, i) in inv.instances() {
        for (role, sa) in [
            ("engine", &i.service_accounts.engine),
            ("agent", &i.service_accounts.agent),
        ] {
            let what = format!("{role} service account of {}", i.name);
            service_account(sa, &what, netbios, out);
        }
        for s in &i.sysadmins {
            account(s, &format!("sysadmin of {}", i.name), netbios, out);
        }
    }
    // The BizTalk group configuration's accounts (the rules that they are needed live with
    // the BizTalk rules).
    if let Some(sso) = &inv.biztalk.sso {
        service_account(&sso.service_account, "ENTSSO service account", netbios, out);
        secret(
            &sso.backup_password,
            "SSO master secret backup_password",
            out,
        );
    }
    if let Some(sa) = &inv.biztalk.rule_engine_account {
        service_account(sa, "Rule Engine Update Service account", netbios, out);
    }
}

/// A service account: `NETBIOS\name`, and a password reference unless it is a gMSA.
fn service_account(sa: &ServiceAccount, what: &str, netbios: &str, out: &mut Vec<Diagnostic>) {
    account(&sa.user, what, netbios, out);
    match &sa.password {
        Some(p) if sa.is_gmsa() => out.push(
            BZ082
                .at(p.loc, format!("{what} `{}` is a gMSA but has a password", sa.user))
                .hint("Windows manages a gMSA's password; remove `password` (or drop the `$` if this is a plain account)"),
        ),
        Some(p) => secret(p, &format!("password of {what}"), out),
        None if !sa.is_gmsa() => out.push(
            BZ083
                .at(sa.user.loc, format!("{what} `{}` has no password", sa.user))
                .hint("add `password: {env: NAME}`, or use a group managed service account (name ending in `$`)"),
        ),
        None => {}
    }
}
