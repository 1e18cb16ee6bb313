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

impl Simulated for SqlFciNode {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<SqlFciNodeObserved, String> {
        let installed = w.instance(&s.params.network_name).is_some_and(|i| {
            i.installed_nodes
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&c.node))
        });
        Ok(SqlFciNodeObserved { installed })
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
