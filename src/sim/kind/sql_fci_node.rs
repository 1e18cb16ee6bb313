//! `sql_fci_node` on a simulated node: SQL Server setup's AddNode, which makes the node a
//! possible owner of the FCI (only after InstallFailoverCluster; at most two nodes for
//! Standard edition).

use super::{Simulated, Spec};
use crate::kind::sql_fci_node::{SqlFciNode, SqlFciNodeObserved, CHECK_INSTALLED};
use crate::sim::checks::diff_check;
use crate::sim::cluster::active;
use crate::sim::sql::setup_error;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

/// The SQL Server service of the instance is registered on this node.
fn service_here(w: &World, c: &Ctx, s: &Spec<SqlFciNode>) -> bool {
    w.instance(&s.params.network_name).is_some_and(|i| {
        i.installed_nodes
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&c.node))
    })
}

/// The node is a possible owner of the FCI's group (`Get-ClusterOwnerNode -Resource`).
fn possible_owner(w: &World, c: &Ctx, s: &Spec<SqlFciNode>) -> bool {
    w.instance(&s.params.network_name).is_some_and(|i| {
        w.cluster(&i.cluster)
            .and_then(|cl| {
                cl.groups
                    .iter()
                    .find(|g| g.name.eq_ignore_ascii_case(&i.group))
            })
            .is_some_and(|g| {
                g.possible_owners
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&c.node))
            })
    })
}

/// The service's name, as Get-Service knows it.
fn service_name(s: &Spec<SqlFciNode>) -> String {
    if s.params.instance.eq_ignore_ascii_case("MSSQLSERVER") {
        "MSSQLSERVER".to_string()
    } else {
        format!("MSSQL${}", s.params.instance)
    }
}

impl Simulated for SqlFciNode {
    /// Installed means the service is here AND the node is a possible owner of the FCI's
    /// resources: a service alone is also what an AddNode that failed late leaves (review3 F5).
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<SqlFciNodeObserved, String> {
        Ok(SqlFciNodeObserved {
            installed: service_here(w, c, s) && possible_owner(w, c, s),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = &s.params.network_name;
        let Some(i) = w.instance(name) else {
            return Err(setup_error(format!(
                "rule 'Cluster_SqlInstanceExists' failed: no SQL Server failover cluster instance named '{name}' exists in the cluster; run InstallFailoverCluster on the first node before AddNode"
            )));
        };
        let (cluster, group, edition) = (i.cluster.clone(), i.group.clone(), i.edition.clone());
        let cl = w.cluster(&cluster).ok_or("no cluster")?;
        if !cl.is_member(&c.node) {
            return Err(setup_error(format!(
                "rule 'Cluster_IsOnlineIfClustered' failed: node '{}' is not a member of cluster '{cluster}'; add it to the cluster first",
                c.node
            )));
        }
        if !active(w, &c.node) {
            return Err(setup_error(
                "the cluster service is not running on this node".into(),
            ));
        }
        let has_feature = w.has_clustering_feature(&c.node);
        if !has_feature {
            return Err(setup_error(
                "the Failover Clustering feature is not installed on this node".into(),
            ));
        }
        // WB-PROC-02: setup runs QUIET from its configuration file.
        crate::sim::script::silent(c.script).map_err(setup_error)?;
        crate::sim::script::accepts_license(c.script).map_err(setup_error)?;
        // WB-SETUP-05: the setup account is a local administrator on the node.
        crate::sim::env::require_admin(w, &c.node, "setup.exe").map_err(setup_error)?;
        let already = i
            .installed_nodes
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&c.node));
        if !already && edition.eq_ignore_ascii_case("Standard") && i.installed_nodes.len() >= 2 {
            return Err(setup_error(
                "rule 'Cluster_MaxNodes' failed: SQL Server Standard edition supports failover cluster instances of at most two nodes".into(),
            ));
        }
        if already && !possible_owner(w, c, s) {
            return Err(format!(
                "{} exists on {} but {} is not a possible owner of the SQL Server resource of {}: an AddNode that failed late, or another instance. Run setup /ACTION=RemoveNode for it on {}, then bisrc apply",
                service_name(s), c.node, c.node, s.params.group, c.node
            ));
        }
        if already {
            return Ok(());
        }
        let node = c.node.clone();
        w.instance_mut(name)
            .expect("checked")
            .installed_nodes
            .push(node.clone());
        if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&group)) {
            g.possible_owners.push(node);
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &SqlFciNodeObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_INSTALLED,
            c,
            o,
            &["installed"],
            &c.apply_hint(),
        )])
    }

    /// SQL Server setup `/ACTION=RemoveNode` on this node (WB-DEL-04).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::sql::remove_node(w, &s.params.network_name, &c.node)
    }
}
