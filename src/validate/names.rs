//! Name rules: NetBIOS computer names for nodes, clusters, FCIs, DTC, SSO and BizTalk servers
//! (BizTalk configuration and cluster setup fail on longer or odd names, biztalk-ha.md §7
//! "Naming" and §8.2), and SQL instance names.

use crate::inventory::{Inventory, SpStr};

use super::{Diagnostic, BZ030, BZ031};

/// Why `name` is not a valid NetBIOS computer name, if it is not.
pub(crate) fn netbios_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.chars().count() > 15 {
        return Some(format!(
            "is {} characters long (at most 15)",
            name.chars().count()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Some(format!("contains `{c}` (allowed: A-Z, a-z, 0-9 and -)"));
    }
    if name.starts_with('-') {
        return Some("starts with `-`".into());
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return Some("is all digits".into());
    }
    None
}

fn computer(name: &SpStr, what: &str, out: &mut Vec<Diagnostic>) {
    if let Some(p) = netbios_problem(name) {
        out.push(
            BZ030
                .at(name.loc, format!("{what} name `{name}` {p}"))
                .hint("computer names are NetBIOS names: 1-15 characters of A-Z, a-z, 0-9 and -, not all digits, not starting with -"),
        );
    }
}

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    for site in &inv.sites {
        for n in &site.nodes {
            computer(&n.name, "node", out);
        }
        for b in &site.biztalk_servers {
            computer(&b.name, "BizTalk server", out);
        }
        for c in &site.clusters {
            computer(&c.name, "cluster", out);
            if let Some(d) = &c.dtc {
                computer(&d.name, "DTC", out);
            }
            if let Some(s) = &c.sso_master_secret {
                computer(&s.name, "SSO", out);
            }
            for g in &c.availability_groups {
                computer(&g.listener.name, "listener", out);
            }
            for i in &c.sql_instances {
                computer(&i.name, "instance network", out);
                let n = i.instance.as_str();
                let ok = (1..=16).contains(&n.chars().count())
                    && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                if !ok {
                    out.push(
                        BZ031
                            .at(i.instance.loc, format!("SQL instance name `{n}` is not valid"))
                            .hint("use MSSQLSERVER for a default instance, or 1-16 letters, digits, `_` or `$` starting with a letter"),
                    );
                }
            }
        }
    }
}
