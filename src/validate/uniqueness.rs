//! Uniqueness rules: computer names (nodes, clusters, FCIs, DTC, SSO and BizTalk servers are
//! all AD computer objects), site names, storage names, disk numbers and drive letters
//! within a site, database names per instance, IP addresses across the inventory, SQL
//! instance names per cluster, and one role per disk.

use std::collections::HashMap;
use std::hash::Hash;

use crate::inventory::{Inventory, Loc};

use super::index::{key, letter, parse_ip, Index};
use super::{Diagnostic, Rule, BZ020, BZ021, BZ022, BZ023, BZ024, BZ025, BZ026, BZ027, BZ028};

/// Remembers the first place each key was seen and reports later ones.
struct Seen<K> {
    first: HashMap<K, (Loc, String)>,
}

/// What a value is and who holds it, for messages: ("disk number 3", "disk DTC").
struct What(String, String);

impl<K: Hash + Eq> Seen<K> {
    fn new() -> Self {
        Seen {
            first: HashMap::new(),
        }
    }

    /// Records `k` (described by `what`) at `loc`; a diagnostic if it was already there.
    fn add(&mut self, k: K, loc: Loc, what: What, rule: &Rule, hint: &str) -> Option<Diagnostic> {
        let What(label, holder) = what;
        match self.first.get(&k) {
            Some((first_loc, first_holder)) => Some(
                rule.at(
                    loc,
                    format!("{label} of {holder} is already used by {first_holder}"),
                )
                .hint(hint)
                .related(*first_loc, format!("{first_holder} has it here")),
            ),
            None => {
                self.first.insert(k, (loc, holder));
                None
            }
        }
    }
}

pub(super) fn check(inv: &Inventory, _idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    computer_names(inv, out);
    let mut sites = Seen::new();
    let mut ips = Seen::new();
    let ip_hint = "every address belongs to one computer or role; pick a free address";
    for site in &inv.sites {
        out.extend(sites.add(
            key(&site.name),
            site.name.loc,
            What(format!("name `{}`", site.name), "a site".into()),
            &BZ021,
            "give each site its own name",
        ));
        let mut names = Seen::new();
        let mut numbers = Seen::new();
        let mut letters = Seen::new();
        for d in &site.storage {
            out.extend(names.add(
                key(&d.name),
                d.name.loc,
                What(format!("name `{}`", d.name), format!("disk {}", *d.disk)),
                &BZ022,
                "give each disk its own name within the site",
            ));
            out.extend(numbers.add(
                *d.disk,
                d.disk.loc,
                What(
                    format!("disk number {}", *d.disk),
                    format!("storage {}", d.name),
                ),
                &BZ025,
                "each LUN shows one disk number on every node (`Get-Disk`); check the numbers",
            ));
            if let Some(l) = letter(&d.letter) {
                out.extend(letters.add(
                    l,
                    d.letter.loc,
                    What(format!("drive letter {l}"), format!("storage {}", d.name)),
                    &BZ026,
                    "each shared disk needs its own drive letter within the site",
                ));
            }
        }
        for n in &site.nodes {
            for ip in &n.ips {
                if let Some(v) = parse_ip(ip) {
                    out.extend(ips.add(
                        v,
                        ip.loc,
                        What(format!("address {ip}"), format!("node {}", n.name)),
                        &BZ024,
                        ip_hint,
                    ));
                }
            }
        }
        let mut owners: HashMap<String, (Loc, String)> = HashMap::new();
        let mut own = |name: &crate::inventory::SpStr, role: String, out: &mut Vec<Diagnostic>| {
            match owners.get(&key(name)) {
                Some((first_loc, first_role)) if *first_role != role => out.push(
                    BZ027
                        .at(name.loc, format!("disk `{name}` is given to {role} but already belongs to {first_role}"))
                        .hint("a cluster disk resource belongs to one role; present another LUN")
                        .related(*first_loc, format!("{first_role} takes it here")),
                ),
                Some(_) => {}
                None => {
                    owners.insert(key(name), (name.loc, role));
                }
            }
        };
        for c in &site.clusters {
            if let Some(v) = parse_ip(&c.ip) {
                out.extend(ips.add(
                    v,
                    c.ip.loc,
                    What(format!("address {}", c.ip), format!("cluster {}", c.name)),
                    &BZ024,
                    ip_hint,
                ));
            }
            if let Some(d) = &c.quorum.disk {
                own(d, format!("the quorum of {}", c.name), out);
            }
            if let Some(dtc) = &c.dtc {
                if let Some(v) = parse_ip(&dtc.ip) {
                    out.extend(ips.add(
                        v,
                        dtc.ip.loc,
                        What(format!("address {}", dtc.ip), format!("DTC {}", dtc.name)),
                        &BZ024,
                        ip_hint,
                    ));
                }
                own(&dtc.disk, format!("DTC {}", dtc.name), out);
            }
            if let Some(sso) = &c.sso_master_secret {
                if let Some(v) = parse_ip(&sso.ip) {
                    out.extend(ips.add(
                        v,
                        sso.ip.loc,
                        What(format!("address {}", sso.ip), format!("SSO {}", sso.name)),
                        &BZ024,
                        ip_hint,
                    ));
                }
                if let Some(d) = &sso.disk {
                    own(d, format!("SSO {}", sso.name), out);
                }
            }
            let mut inst_names = Seen::new();
            for i in &c.sql_instances {
                if let Some(v) = parse_ip(&i.ip) {
                    out.extend(ips.add(
                        v,
                        i.ip.loc,
                        What(format!("address {}", i.ip), format!("instance {}", i.name)),
                        &BZ024,
                        ip_hint,
                    ));
                }
                out.extend(inst_names.add(key(&i.instance), i.instance.loc, What(format!("SQL instance name {}", i.instance), format!("FCI {}", i.name)), &BZ028, "every node hosts every FCI of the cluster, so each needs its own instance name (e.g. MSSQLSERVER and BTS2)"));
                for d in &i.disks {
                    own(d, format!("instance {}", i.name), out);
                }
            }
        }
    }
    let mut dbs = Seen::new();
    for db in &inv.databases {
        out.extend(dbs.add((key(&db.instance), key(&db.name)), db.name.loc, What(format!("name {}", db.name), format!("a database on {}", db.instance)), &BZ023, "database names are unique on an instance; name additional MessageBoxes e.g. BizTalkMsgBoxDb2"));
    }
}

fn computer_names(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let mut seen = Seen::new();
    let hint = "nodes, clusters, FCIs, DTC, SSO and BizTalk servers are all computer objects in Active Directory; each needs its own name";
    for site in &inv.sites {
        for n in &site.nodes {
            out.extend(seen.add(
                key(&n.name),
                n.name.loc,
                What(format!("name `{}`", n.name), format!("node {}", n.name)),
                &BZ020,
                hint,
            ));
        }
        for b in &site.biztalk_servers {
            out.extend(seen.add(
                key(&b.name),
                b.name.loc,
                What(
                    format!("name `{}`", b.name),
                    format!("BizTalk server {}", b.name),
                ),
                &BZ020,
                hint,
            ));
        }
        for c in &site.clusters {
            out.extend(seen.add(
                key(&c.name),
                c.name.loc,
                What(format!("name `{}`", c.name), format!("cluster {}", c.name)),
                &BZ020,
                hint,
            ));
            if let Some(d) = &c.dtc {
                out.extend(seen.add(
                    key(&d.name),
                    d.name.loc,
                    What(format!("name `{}`", d.name), format!("DTC {}", d.name)),
                    &BZ020,
                    hint,
                ));
            }
            if let Some(s) = &c.sso_master_secret {
                out.extend(seen.add(
                    key(&s.name),
                    s.name.loc,
                    What(format!("name `{}`", s.name), format!("SSO {}", s.name)),
                    &BZ020,
                    hint,
                ));
            }
            for i in &c.sql_instances {
                out.extend(seen.add(
                    key(&i.name),
                    i.name.loc,
                    What(format!("name `{}`", i.name), format!("instance {}", i.name)),
                    &BZ020,
                    hint,
                ));
            }
            for g in &c.availability_groups {
                let l = &g.listener.name;
                out.extend(seen.add(
                    key(l),
                    l.loc,
                    What(format!("name `{l}`"), format!("listener {l}")),
                    &BZ020,
                    hint,
                ));
            }
        }
    }
}
