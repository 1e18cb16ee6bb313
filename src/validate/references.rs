//! Reference rules: every name that points at something else (cluster nodes, disks,
//! database instances, log-shipping ends, preferred owners) resolves, with "did you mean"
//! for a near miss.

use crate::inventory::{Inventory, SpStr};

use super::index::{key, Index, SiteIndex};
use super::{
    reference_hint, Diagnostic, Rule, BZ010, BZ011, BZ012, BZ013, BZ014, BZ015, BZ016, BZ017, BZ018,
};

pub(super) fn check(inv: &Inventory, idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (site, si) in inv.sites.iter().zip(&idx.sites) {
        for c in &site.clusters {
            for n in &c.nodes {
                if !si.nodes.contains_key(&key(n)) {
                    out.push(
                        BZ010
                            .at(
                                n.loc,
                                format!(
                                    "cluster {} names node `{n}`, which site {} does not define",
                                    c.name, site.name
                                ),
                            )
                            .hint(reference_hint(
                                n,
                                "node",
                                si.nodes.values().map(|x| x.name.as_str()),
                            )),
                    );
                }
            }
            if let Some(d) = &c.quorum.disk {
                disk_ref(si, d, &BZ012, "quorum disk", &site.name, out);
            }
            if let Some(dtc) = &c.dtc {
                disk_ref(si, &dtc.disk, &BZ013, "DTC disk", &site.name, out);
            }
            if let Some(d) = c.sso_master_secret.as_ref().and_then(|s| s.disk.as_ref()) {
                disk_ref(si, d, &BZ014, "SSO disk", &site.name, out);
            }
            for i in &c.sql_instances {
                for d in &i.disks {
                    disk_ref(si, d, &BZ011, "instance disk", &site.name, out);
                }
                for o in i.preferred_owners.iter().flatten() {
                    if !c.nodes.iter().any(|n| n.eq_ignore_ascii_case(o)) {
                        out.push(
                            BZ017
                                .at(
                                    o.loc,
                                    format!(
                                        "preferred owner `{o}` of {} is not a node of cluster {}",
                                        i.name, c.name
                                    ),
                                )
                                .hint(reference_hint(
                                    o,
                                    "cluster node",
                                    c.nodes.iter().map(|n| n.as_str()),
                                )),
                        );
                    }
                }
            }
        }
    }
    for db in &inv.databases {
        if idx.listeners.contains_key(&key(&db.instance)) {
            continue; // in an availability group; its rules are in `availability`
        }
        instance_ref(
            idx,
            &db.instance,
            &format!("database {}", db.name),
            &BZ015,
            out,
        );
    }
    for ls in &inv.backup.log_shipping {
        instance_ref(idx, &ls.source, "log-shipping source", &BZ016, out);
        instance_ref(
            idx,
            &ls.destination,
            "log-shipping destination",
            &BZ016,
            out,
        );
    }
}

fn disk_ref(
    si: &SiteIndex<'_>,
    name: &SpStr,
    rule: &Rule,
    what: &str,
    site: &str,
    out: &mut Vec<Diagnostic>,
) {
    if !si.disks.contains_key(&key(name)) {
        out.push(
            rule.at(
                name.loc,
                format!("{what} `{name}` is not in the storage of site {site}"),
            )
            .hint(reference_hint(
                name,
                "storage name",
                si.disks.values().map(|d| d.name.as_str()),
            )),
        );
    }
}

fn instance_ref(idx: &Index<'_>, name: &SpStr, what: &str, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if idx.instances.contains_key(&key(name)) {
        return;
    }
    if let Some(kind) = idx.other_computers.get(&key(name)) {
        if rule.code == BZ015.code {
            out.push(
                BZ018
                    .at(name.loc, format!("{what} is placed on `{name}`, which is {kind}, not a clustered SQL instance"))
                    .hint("give the network name of a SQL failover cluster instance (a `sql_instances` entry's `name`)"),
            );
            return;
        }
    }
    out.push(
        rule.at(
            name.loc,
            format!("{what} names instance `{name}`, which is not defined"),
        )
        .hint(reference_hint(
            name,
            "SQL instance",
            idx.instances.values().map(|i| i.instance.name.as_str()),
        )),
    );
}
