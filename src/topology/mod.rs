//! Topology: a validated inventory → the resources bisrc manages, with stable addresses,
//! the host each runs on (or the cluster group whose owner it runs on), dependencies and
//! desired attributes, in dependency order. Pure: no I/O, no printing.

mod build;
mod resource;

use std::collections::{BTreeSet, HashMap};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Why a DR promotion of a site cannot move the SSO master secret server (BZ255).
pub use build::sso_copy_missing;
pub use build::{
    network_for_ip, server_name, split_subnet, sql_group, AVAILABLE_STORAGE, CORE_GROUP,
};
pub use resource::{Host, HostRole, Resource, SecretUse, Target};

use crate::inventory::Inventory;

/// The resource graph of one environment (or one site of it).
#[derive(Debug, Clone)]
pub struct Topology {
    /// Environment name.
    pub environment: String,
    /// The site this topology is limited to, if any.
    pub site: Option<String>,
    /// Resources in dependency order (every resource after all it depends on).
    pub resources: Vec<Resource>,
    /// Hosts bisrc connects to, in inventory order.
    pub hosts: Vec<Host>,
    index: HashMap<String, usize>,
}

/// A topology that cannot be built (a bug or an inventory validation should have caught).
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    /// Two resources got the same address.
    #[error("two resources have the address {0}; names must be unique (run `bisrc validate`)")]
    DuplicateAddress(String),
    /// A dependency names no resource, or comes later (a cycle).
    #[error("resource {resource} depends on {dependency}, which is not built before it")]
    BadDependency {
        /// The dependent.
        resource: String,
        /// The missing dependency.
        dependency: String,
    },
    /// `--site` names no site.
    #[error("no site named {0} in the inventory")]
    UnknownSite(String),
    /// A `--target`/`--exclude` pattern is not a valid glob.
    #[error("invalid pattern {pattern}: {reason}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
}

impl Topology {
    /// Builds the topology of the whole inventory, or of one site (`--site`).
    pub fn build(inv: &Inventory, site: Option<&str>) -> Result<Topology, TopologyError> {
        if let Some(s) = site {
            if inv.site(s).is_none() {
                return Err(TopologyError::UnknownSite(s.to_string()));
            }
        }
        let (resources, hosts) = build::Builder::new(inv).build(site);
        Topology::assemble(inv, site, resources, hosts)
    }

    /// The DR promotion of `site` (`bisrc dr promote`): restore to mark on its DR instances,
    /// BizTalk re-pointed on its BizTalk servers, the backup job on the new primary.
    pub fn promotion(inv: &Inventory, site: &str) -> Result<Topology, TopologyError> {
        let s = inv
            .site(site)
            .ok_or_else(|| TopologyError::UnknownSite(site.to_string()))?;
        let (resources, hosts) = build::Builder::new(inv).promotion(s);
        Topology::assemble(inv, Some(site), resources, hosts)
    }

    /// The rebuild of a lost `site` after a promotion (`bisrc dr rebuild`): the site's
    /// resources from the inventory, with every database on the DR instance its instance
    /// shipped to, and log shipping the other way (DR → rebuilt site), ready for a planned
    /// fail-back.
    pub fn rebuild(inv: &Inventory, site: &str) -> Result<Topology, TopologyError> {
        Topology::promoted(inv, Some(site), &[])
    }

    /// The inventory's resources (or one site's) as a DR promotion left the environment:
    /// every database on the DR instance its instance shipped logs to, and log shipping the
    /// other way. What plan, apply and verify build once a site was promoted, so the promoted
    /// site is checked as the primary it now is (databases online, its backup job, BizTalk on
    /// its instances) rather than as a log shipping destination.
    ///
    /// Each site of `promoted` in the slice also gets its promotion's restore and re-point
    /// resources, so verify says the databases are online at the restored mark (with the
    /// data-loss window) and the BizTalk servers point at the DR instances.
    pub fn promoted(
        inv: &Inventory,
        site: Option<&str>,
        promoted: &[String],
    ) -> Result<Topology, TopologyError> {
        if let Some(s) = site {
            if inv.site(s).is_none() {
                return Err(TopologyError::UnknownSite(s.to_string()));
            }
        }
        let reversed = build::after_promotion(inv);
        let (mut resources, mut hosts) = build::Builder::promoted(&reversed).build(site);
        for s in &inv.sites {
            let in_slice = site.is_none_or(|f| s.name.eq_ignore_ascii_case(f));
            if !in_slice || !promoted.iter().any(|p| s.name.eq_ignore_ascii_case(p)) {
                continue;
            }
            let (promotion, promotion_hosts) = build::Builder::new(inv).promotion(s);
            resources.extend(promotion.into_iter().filter(|r| {
                matches!(
                    r.kind,
                    crate::kind::ResourceKind::DrRestore
                        | crate::kind::ResourceKind::DrSso
                        | crate::kind::ResourceKind::BiztalkRepoint
                )
            }));
            for h in promotion_hosts {
                if !hosts.iter().any(|x| x.name.eq_ignore_ascii_case(&h.name)) {
                    hosts.push(h);
                }
            }
        }
        Topology::assemble(inv, site, resources, hosts)
    }

    /// Indexes the resources and checks their order.
    fn assemble(
        inv: &Inventory,
        site: Option<&str>,
        resources: Vec<Resource>,
        hosts: Vec<Host>,
    ) -> Result<Topology, TopologyError> {
        let mut index = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            if index.insert(r.address.clone(), i).is_some() {
                return Err(TopologyError::DuplicateAddress(r.address.clone()));
            }
        }
        let mut resources = resources;
        for (i, r) in resources.iter_mut().enumerate() {
            // A dependency outside a `--site` slice is someone else's business.
            r.depends_on
                .retain(|d| index.contains_key(d) || site.is_none());
            r.depends_on.sort_by_key(|d| index.get(d).copied());
            r.depends_on.dedup();
            for d in &r.depends_on {
                match index.get(d) {
                    Some(&j) if j < i => {}
                    _ => {
                        return Err(TopologyError::BadDependency {
                            resource: r.address.clone(),
                            dependency: d.clone(),
                        })
                    }
                }
            }
        }
        Ok(Topology {
            environment: inv.environment.value.clone(),
            site: site.map(str::to_string),
            resources,
            hosts,
            index,
        })
    }

    /// The resource at `address`.
    pub fn get(&self, address: &str) -> Option<&Resource> {
        self.index.get(address).map(|&i| &self.resources[i])
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// Every resource that depends on `address`, directly or not, in order.
    pub fn dependents(&self, address: &str) -> Vec<&Resource> {
        let mut hit: BTreeSet<&str> = BTreeSet::from([address]);
        let mut out = Vec::new();
        for r in &self.resources {
            if r.depends_on.iter().any(|d| hit.contains(d.as_str())) {
                hit.insert(&r.address);
                out.push(r);
            }
        }
        out
    }

    /// What `bisrc destroy --target` removes: the resources whose address matches a glob (all
    /// when none), plus everything that depends on one of them (a cluster cannot go while an
    /// instance lives on it). In dependency order (removal runs it backwards).
    pub fn select_for_removal(&self, targets: &[String]) -> Result<Vec<&Resource>, TopologyError> {
        let targets = globs(targets)?;
        let mut hit: BTreeSet<&str> = BTreeSet::new();
        Ok(self
            .resources
            .iter()
            .filter(|r| {
                let wanted = targets.as_ref().is_none_or(|g| g.is_match(&r.address))
                    || r.depends_on.iter().any(|d| hit.contains(d.as_str()));
                if wanted {
                    hit.insert(&r.address);
                }
                wanted
            })
            .collect())
    }

    /// The resources selected by `--target` globs (all when empty), plus every dependency of
    /// a selected resource (dependencies follow), minus `--exclude` globs and everything that
    /// depends on an excluded resource (as OpenTofu's `-exclude`: skipping an object skips
    /// what needs it). In order.
    pub fn select(
        &self,
        targets: &[String],
        excludes: &[String],
    ) -> Result<Vec<&Resource>, TopologyError> {
        let targets = globs(targets)?;
        let excludes = globs(excludes)?;
        let mut excluded: BTreeSet<&str> = BTreeSet::new();
        for r in &self.resources {
            let hit = excludes.as_ref().is_some_and(|g| g.is_match(&r.address));
            if hit || r.depends_on.iter().any(|d| excluded.contains(d.as_str())) {
                excluded.insert(&r.address);
            }
        }
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        for (i, r) in self.resources.iter().enumerate() {
            let wanted = targets.as_ref().is_none_or(|g| g.is_match(&r.address));
            if wanted && !excluded.contains(r.address.as_str()) {
                chosen.insert(i);
            }
        }
        // Walk backwards so dependencies of dependencies are added too.
        for i in (0..self.resources.len()).rev() {
            if chosen.contains(&i) {
                for d in &self.resources[i].depends_on {
                    if let Some(&j) = self.index.get(d) {
                        chosen.insert(j);
                    }
                }
            }
        }
        Ok(chosen.into_iter().map(|i| &self.resources[i]).collect())
    }

    /// The graph in Graphviz DOT: one node per resource (labelled with its kind and where it
    /// runs), one edge per dependency, clustered by site.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph bisrc {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        );
        let mut sites: Vec<&str> = self.resources.iter().map(|r| r.site.as_str()).collect();
        sites.dedup();
        let mut seen = BTreeSet::new();
        for (n, site) in sites.iter().enumerate() {
            if !seen.insert(*site) {
                continue;
            }
            out.push_str(&format!(
                "  subgraph cluster_{n} {{\n    label={};\n",
                dot_str(&format!("site {site}"))
            ));
            for r in self.resources.iter().filter(|r| r.site == *site) {
                let on = match &r.target {
                    Target::Node { host } => format!("on {host}"),
                    Target::Owner { group, .. } => format!("on owner of {group}"),
                };
                out.push_str(&format!(
                    "    {} [label={}];\n",
                    dot_str(&r.address),
                    dot_str(&format!("{}\n{}\n{}", r.address, r.kind.as_str(), on))
                ));
            }
            out.push_str("  }\n");
        }
        for r in &self.resources {
            for d in &r.depends_on {
                out.push_str(&format!("  {} -> {};\n", dot_str(d), dot_str(&r.address)));
            }
        }
        out.push_str("}\n");
        out
    }
}

fn dot_str(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            c if c.is_control() => {}
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, TopologyError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| TopologyError::BadPattern {
            pattern: p.clone(),
            reason: e.kind().to_string(),
        })?;
        b.add(g);
    }
    b.build().map(Some).map_err(|e| TopologyError::BadPattern {
        pattern: patterns.join(","),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::ResourceKind;
    use std::path::Path;

    fn topo(name: &str, site: Option<&str>) -> Topology {
        let loaded =
            crate::inventory::load(Path::new(&format!("inventories/{name}.yaml"))).unwrap();
        Topology::build(&loaded.inventory, site).unwrap()
    }

    #[test]
    fn lab_topology_is_ordered_and_complete() {
        let t = topo("lab", None);
        let addrs: Vec<&str> = t.resources.iter().map(|r| r.address.as_str()).collect();
        for a in [
            "node.LABSQL1.feature.failover-clustering",
            "node.LABBTS1.dtc",
            "cluster.LABSQLCL",
            "cluster.LABSQLCL.node.LABSQL2",
            "cluster.LABSQLCL.disk.SQLData",
            "cluster.LABSQLCL.quorum",
            "cluster.LABSQLCL.dtc",
            "sql.LABBTSSQL",
            "sql.LABBTSSQL.node.LABSQL2",
            "sql.LABBTSSQL.config",
            "sql.LABBTSSQL.login.LAB\\BizTalk Server Administrators",
            "biztalk.primary.group",
            "db.LABBTSSQL.BizTalkMsgBoxDb.settings",
            "sql.LABBTSSQL.job.backup-biztalk-server",
            "sql.LABBTSSQL.job.dta-purge-and-archive",
            "sql.LABBTSSQL.job.messagebox-message-cleanup-biztalkmsgboxdb",
        ] {
            assert!(addrs.contains(&a), "missing {a}");
        }
        let pos = |a: &str| addrs.iter().position(|x| *x == a).unwrap();
        assert!(pos("cluster.LABSQLCL") < pos("cluster.LABSQLCL.disk.SQLData"));
        assert!(pos("sql.LABBTSSQL") < pos("sql.LABBTSSQL.node.LABSQL2"));
        assert!(pos("sql.LABBTSSQL.config") < pos("biztalk.primary.group"));
        // Desired keys are fields of the observed type.
        for r in &t.resources {
            let fields = r.kind.observed_fields();
            for k in r.desired.keys() {
                assert!(
                    fields.contains(k),
                    "{}: desired key {k} not in {:?}",
                    r.address,
                    r.kind
                );
            }
        }
        let cfg = t.get("sql.LABBTSSQL.config").unwrap();
        let cfg: crate::kind::sql_config::Desired = crate::kind::from_map(&cfg.desired).unwrap();
        assert_eq!(cfg.max_degree_of_parallelism, Some(1));
        assert_eq!(t.hosts.len(), 3);
    }

    #[test]
    fn prod_has_log_shipping_and_dr_site_slice() {
        let t = topo("contoso-prod", None);
        let ls = t.get("logshipping.BTSSQL01-to-DRSQL01").unwrap();
        assert_eq!(ls.kind, ResourceKind::LogShipping);
        assert!(ls
            .depends_on
            .contains(&"sql.BTSSQL01.job.backup-biztalk-server".to_string()));
        let dr = topo("contoso-prod", Some("dr"));
        // The DR site's slice, plus the one cross-site resource log shipping needs: the DR
        // agent account's sysadmin login on the source management instance (and its hosts).
        let login = "sql.BTSSQL01.login.CONTOSO\\svc-sqlbtsdragt";
        // ... and its membership in BTS_BACKUP_USERS there.
        let backup_users = "sql.BTSSQL01.backup-users.CONTOSO\\svc-sqlbtsdragt";
        assert!(dr
            .resources
            .iter()
            .all(|r| r.site == "dr" || r.address == login || r.address == backup_users));
        assert_eq!(dr.get(backup_users).unwrap().site, "primary");
        // The backup share's rights, checked from the DR instance (contoso's share is on a
        // file server the inventory does not describe).
        let share = dr.get("logshipping.BTSSQL01-to-DRSQL01.share").unwrap();
        assert_eq!(share.immutable, vec!["rights"]);
        assert_eq!(dr.get(login).unwrap().site, "primary");
        assert!(dr.host("SQLN01").is_some() && dr.host("BTSAPP01").is_none());
        assert!(dr.get("logshipping.BTSSQL01-to-DRSQL01").is_some());
        assert!(dr.get("biztalk.primary.group").is_none());
        let sql = t.get("sql.BTSSQL01").unwrap();
        assert_eq!(
            sql.secret_keys(),
            vec![
                "sql.BTSSQL01.engine_password",
                "sql.BTSSQL01.agent_password"
            ]
        );
    }

    #[test]
    fn selection_follows_dependencies() {
        let t = topo("lab", None);
        let sel = t.select(&["sql.LABBTSSQL.config".into()], &[]).unwrap();
        let addrs: Vec<&str> = sel.iter().map(|r| r.address.as_str()).collect();
        assert!(addrs.contains(&"cluster.LABSQLCL"));
        assert!(!addrs.contains(&"biztalk.primary.group"));
        // Excluding the DTC disk skips the DTC role and everything that needs it.
        let sel = t
            .select(&[], &["cluster.LABSQLCL.disk.DTC".into()])
            .unwrap();
        let addrs: Vec<&str> = sel.iter().map(|r| r.address.as_str()).collect();
        assert!(!addrs.contains(&"cluster.LABSQLCL.dtc"));
        assert!(!addrs.contains(&"sql.LABBTSSQL"));
        assert!(addrs.contains(&"cluster.LABSQLCL.disk.SQLData"));
        assert!(t.select(&["[".into()], &[]).is_err());
        let deps = t.dependents("cluster.LABSQLCL.disk.DTC");
        assert!(deps.iter().any(|r| r.address == "cluster.LABSQLCL.dtc"));
    }

    #[test]
    fn dot_is_well_formed() {
        let dot = topo("scaled-out", None).to_dot();
        assert!(dot.starts_with("digraph bisrc {"));
        assert!(dot.contains("\"sql.FABMSGSQL\" -> \"sql.FABMSGSQL.node.FABSQL02\""));
        assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    }
}
