//! Always On availability group rules (biztalk-ha.md §4): the SQL Server versions that give
//! availability groups MSDTC support, synchronous commit and per-database DTC support only,
//! the replica limits of SQL Server, Basic availability groups on Standard edition, the
//! databases that cannot be in a group and the MessageBoxes that must all be, and the
//! connection and backup caveats of BizTalk behind a listener.

use std::collections::{BTreeSet, HashMap};

use crate::inventory::{
    AvailabilityGroup, Cluster, CommitMode, DatabaseRole, DtcSupport, FailoverMode, Inventory,
    SqlEdition,
};

use super::cluster::is_unc;
use super::index::{key, parse_cidr, parse_ip, Index};
use super::{
    Diagnostic, BZ160, BZ161, BZ162, BZ163, BZ164, BZ165, BZ166, BZ167, BZ168, BZ169, BZ170, BZ171,
    BZ172, BZ173, BZ174, BZ175,
};

/// SQL Server versions whose availability groups support distributed transactions.
const AG_SQL_VERSIONS: &[&str] = &["2016", "2017", "2019", "2022"];

/// The most synchronous-commit replicas (primary included) a version allows: 3 up to SQL
/// Server 2017, 5 from SQL Server 2019 (sql-docs `availability-modes-always-on-availability-groups.md`).
fn max_synchronous(version: &str) -> usize {
    match version {
        "2016" | "2017" => 3,
        _ => 5,
    }
}

pub(super) fn check(inv: &Inventory, idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let mut groups_seen: HashMap<String, ()> = HashMap::new();
    let mut any_in_ag = false;
    for (site, cluster, g) in inv.availability_groups() {
        if groups_seen.insert(key(&g.name), ()).is_some() {
            out.push(
                BZ174
                    .at(g.name.loc, format!("availability group name `{}` is used twice", g.name))
                    .hint("each availability group is a cluster role and a SQL Server object; give each its own name"),
            );
        }
        versions(g, out);
        replicas(cluster, g, out);
        standalone_instance_clash(cluster, g, out);
        let dbs: Vec<_> = inv.databases_on(&g.listener.name).collect();
        any_in_ag |= !dbs.is_empty();
        if dbs.is_empty() {
            out.push(
                BZ172
                    .at(g.listener.name.loc, format!("no database names listener {} as its instance", g.listener.name))
                    .hint("set `instance:` of the BizTalk databases this group holds to the listener name"),
            );
        }
        if *g.edition == SqlEdition::Standard && (g.replicas.len() != 2 || dbs.len() > 1) {
            out.push(
                BZ167
                    .at(g.edition.loc, format!("Standard edition group {} has {} replicas and {} databases", g.name, g.replicas.len(), dbs.len()))
                    .hint("Standard edition makes a Basic availability group: two replicas and one database; use Enterprise for BizTalk"),
            );
        }
        for d in &dbs {
            if matches!(
                *d.role,
                DatabaseRole::BamArchive
                    | DatabaseRole::BamAnalysis
                    | DatabaseRole::TrackingAnalysis
            ) {
                out.push(
                    BZ168
                        .at(d.instance.loc, format!("database {} ({}) is placed in availability group {}", d.name, d.role.as_str(), g.name))
                        .hint("Analysis Services databases and BAMArchive do not take part in availability groups; put them on an FCI or a standalone instance"),
                );
            }
        }
        if g.listener.tcp_port() != 1433 {
            let loc = g
                .listener
                .port
                .as_ref()
                .map_or(g.listener.name.loc, |p| p.loc);
            out.push(
                BZ170
                    .at(loc, format!("listener {} uses port {}", g.listener.name, g.listener.tcp_port()))
                    .hint("BizTalk names servers without a port: create a SQL alias for the listener on every BizTalk server, or use 1433"),
            );
        }
        let subnets: BTreeSet<u32> = g
            .listener
            .ips
            .iter()
            .filter_map(|ip| parse_ip(ip))
            .filter_map(|ip| {
                site.networks
                    .iter()
                    .filter_map(|n| parse_cidr(&n.subnet))
                    .find(|n| n.contains(ip))
                    .map(|n| n.addr)
            })
            .collect();
        if subnets.len() > 1 {
            out.push(
                BZ171
                    .at(g.listener.name.loc, format!("listener {} spans {} subnets", g.listener.name, subnets.len()))
                    .hint("BizTalk does not set MultiSubnetFailover=True, so clients time out after a failover across subnets; keep the group in one subnet and use BizTalk log shipping for another site"),
            );
        }
    }
    if !any_in_ag {
        return;
    }
    for d in &inv.databases {
        if *d.role == DatabaseRole::Messagebox && !idx.listeners.contains_key(&key(&d.instance)) {
            out.push(
                BZ169
                    .at(d.instance.loc, format!("MessageBox {} is not in an availability group while other BizTalk databases are", d.name))
                    .hint("every MessageBox of a group whose databases use availability groups must be in one: name a listener as its instance"),
            );
        }
    }
    let b = &inv.backup;
    if !is_unc(&b.destination) {
        out.push(
            BZ173
                .at(b.destination.loc, format!("backup destination `{}` is a local path while databases are in an availability group", b.destination))
                .hint("the Backup BizTalk Server job backs up whichever replica is primary, so backups land on that node's disk; write a UNC share every replica can reach"),
        );
    }
}

fn versions(g: &AvailabilityGroup, out: &mut Vec<Diagnostic>) {
    let v = g.version.as_str();
    if !AG_SQL_VERSIONS.contains(&v) {
        out.push(
            BZ160
                .at(g.version.loc, format!("availability group {} runs SQL Server `{v}`", g.name))
                .hint("availability groups support distributed transactions from SQL Server 2016; write \"2016\", \"2017\", \"2019\" or \"2022\""),
        );
    } else if v == "2016" {
        out.push(
            BZ161
                .at(g.version.loc, format!("availability group {} runs SQL Server 2016", g.name))
                .hint("install SP2 CU7 or later on every replica: BizTalk 2020 requires it, and before SP2 DTC_SUPPORT cannot be altered and BizTalk databases cannot share an instance"),
        );
    }
    if let Some(s) = &g.dtc_support {
        if **s != DtcSupport::PerDb {
            out.push(
                BZ163
                    .at(s.loc, format!("availability group {} has no per-database DTC support", g.name))
                    .hint("BizTalk uses distributed transactions across its databases: write `dtc_support: per_db` (or leave it out)"),
            );
        }
    }
}

fn replicas(cluster: &Cluster, g: &AvailabilityGroup, out: &mut Vec<Diagnostic>) {
    let mut nodes = BTreeSet::new();
    for r in &g.replicas {
        if !cluster
            .nodes
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&r.node))
        {
            out.push(
                BZ164
                    .at(
                        r.node.loc,
                        format!(
                            "replica node `{}` is not a node of cluster {}",
                            r.node, cluster.name
                        ),
                    )
                    .hint(super::reference_hint(
                        &r.node,
                        "cluster node",
                        cluster.nodes.iter().map(|n| n.as_str()),
                    )),
            );
        } else if !nodes.insert(key(&r.node)) {
            out.push(
                BZ164
                    .at(
                        r.node.loc,
                        format!(
                            "node {} holds two replicas of availability group {}",
                            r.node, g.name
                        ),
                    )
                    .hint("each replica is the SQL instance of a different node"),
            );
        }
        if *r.commit == CommitMode::Asynchronous {
            out.push(
                BZ162
                    .at(r.commit.loc, format!("replica on {} uses asynchronous commit", r.node))
                    .hint("BizTalk supports synchronous-commit replicas only; use BizTalk log shipping for a distant site"),
            );
        }
    }
    let automatic = g
        .replicas
        .iter()
        .filter(|r| *r.failover == FailoverMode::Automatic)
        .count();
    if automatic < 2 {
        out.push(
            BZ165
                .at(g.name.loc, format!("availability group {} has {automatic} replica(s) with automatic failover", g.name))
                .hint("automatic failover needs the primary and at least one secondary set to `failover: automatic`; otherwise the group fails over only by hand"),
        );
    }
    let max = max_synchronous(&g.version);
    if g.replicas.len() < 2 || g.replicas.len() > max {
        out.push(
            BZ166
                .at(g.name.loc, format!("availability group {} has {} replicas", g.name, g.replicas.len()))
                .hint(format!("BizTalk needs synchronous commit, and SQL Server {} allows 2 to {max} synchronous-commit replicas", g.version)),
        );
    }
}

/// A node cannot hold a standalone instance and an FCI of the same instance name.
fn standalone_instance_clash(cluster: &Cluster, g: &AvailabilityGroup, out: &mut Vec<Diagnostic>) {
    for i in &cluster.sql_instances {
        if !i.instance.eq_ignore_ascii_case(g.instance_name()) {
            continue;
        }
        let owners = i.owners(cluster);
        for r in &g.replicas {
            if owners.iter().any(|o| o.eq_ignore_ascii_case(&r.node)) {
                let loc = g.instance.as_ref().map_or(r.node.loc, |n| n.loc);
                out.push(
                    BZ175
                        .at(loc, format!("node {} would hold SQL instance {} twice: as FCI {} and as a replica of {}", r.node, g.instance_name(), i.name, g.name))
                        .hint("instance names are unique on a computer; give the replicas another `instance` name"),
                );
            }
        }
    }
}
