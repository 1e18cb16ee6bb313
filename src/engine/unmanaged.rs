//! Unmanaged objects: what a cluster probe shows that the inventory does not describe —
//! cluster groups other than the core group, Available Storage and the roles of the
//! inventory (the FCI groups `SQL Server (X)` of its instances, its DTC and SSO roles), and
//! member nodes the inventory does not list. bisrc never deletes clusters, instances or
//! databases that vanish from the inventory: it reports them here so an operator can remove
//! them by hand. Pure: takes the topology, a cluster resource and its observed state.

use serde::{Deserialize, Serialize};

use crate::step::Observed;
use crate::topology::{Resource, Target, Topology, AVAILABLE_STORAGE, CORE_GROUP};

/// What kind of object is unmanaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmanagedKind {
    /// A cluster group (role).
    ClusterGroup,
    /// A cluster member node.
    ClusterNode,
}

/// One object that exists but that the inventory does not describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    /// What it is.
    pub kind: UnmanagedKind,
    /// The cluster it belongs to.
    pub cluster: String,
    /// Group or node name.
    pub name: String,
    /// The group's owner node (groups only).
    pub owner: Option<String>,
}

impl Unmanaged {
    /// `cluster LABSQLCL group 'X' on LABSQL2`.
    pub fn describe(&self) -> String {
        match self.kind {
            UnmanagedKind::ClusterGroup => format!(
                "cluster {} group '{}'{}",
                self.cluster,
                self.name,
                self.owner
                    .as_deref()
                    .map(|o| format!(" on {o}"))
                    .unwrap_or_default()
            ),
            UnmanagedKind::ClusterNode => {
                format!("cluster {} node {}", self.cluster, self.name)
            }
        }
    }
}

/// The groups and nodes of cluster resource `r` (observed `o`) that `topo` does not manage.
pub fn of_cluster(topo: &Topology, r: &Resource, o: &Observed) -> Vec<Unmanaged> {
    let Observed::Cluster(c) = o else {
        return Vec::new();
    };
    if !c.exists {
        return Vec::new();
    }
    let name = r.cluster_name();
    // Every group some resource of the inventory runs in is managed: the FCI groups of its
    // instances, its DTC and SSO roles (and the core group, Available Storage).
    let managed_group = |g: &str| {
        g.eq_ignore_ascii_case(CORE_GROUP)
            || g.eq_ignore_ascii_case(AVAILABLE_STORAGE)
            || topo.resources.iter().any(|x| match &x.target {
                Target::Owner { cluster, group, .. } => {
                    cluster.eq_ignore_ascii_case(&name) && group.eq_ignore_ascii_case(g)
                }
                Target::Node { .. } => false,
            })
    };
    let members: &[String] = match &r.target {
        Target::Owner { candidates, .. } => candidates,
        Target::Node { .. } => &[],
    };
    let mut out: Vec<Unmanaged> = c
        .groups
        .iter()
        .filter(|g| !managed_group(&g.name))
        .map(|g| Unmanaged {
            kind: UnmanagedKind::ClusterGroup,
            cluster: name.clone(),
            name: g.name.clone(),
            owner: Some(g.owner.clone()).filter(|o| !o.is_empty()),
        })
        .collect();
    if !members.is_empty() {
        out.extend(
            c.nodes
                .iter()
                .filter(|n| !members.iter().any(|m| m.eq_ignore_ascii_case(&n.name)))
                .map(|n| Unmanaged {
                    kind: UnmanagedKind::ClusterNode,
                    cluster: name.clone(),
                    name: n.name.clone(),
                    owner: None,
                }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::observed::{ClusterGroupState, ClusterNodeState, ClusterObserved};

    fn lab() -> Topology {
        let loaded =
            crate::inventory::load(std::path::Path::new("inventories/lab.yaml")).expect("lab");
        Topology::build(&loaded.inventory, None).expect("topology")
    }

    #[test]
    fn inventory_roles_are_managed_and_the_rest_is_listed() {
        let topo = lab();
        let r = topo.get("cluster.LABSQLCL").expect("cluster");
        let g = |name: &str, owner: &str| ClusterGroupState {
            name: name.into(),
            state: "Online".into(),
            owner: owner.into(),
        };
        let n = |name: &str| ClusterNodeState {
            name: name.into(),
            state: "Up".into(),
        };
        let o = Observed::Cluster(ClusterObserved {
            exists: true,
            name: Some("LABSQLCL".into()),
            static_address: None,
            nodes: vec![n("LABSQL1"), n("labsql2"), n("LABSQL9")],
            groups: vec![
                g("Cluster Group", "LABSQL1"),
                g("Available Storage", "LABSQL1"),
                g("SQL Server (MSSQLSERVER)", "LABSQL1"),
                g("LABDTC", "LABSQL2"),
                g("SQL Server (OLD)", "LABSQL2"),
                g("Print Spooler", "LABSQL1"),
            ],
            has_quorum: true,
        });
        let found: Vec<String> = of_cluster(&topo, r, &o)
            .iter()
            .map(Unmanaged::describe)
            .collect();
        assert_eq!(
            found,
            [
                "cluster LABSQLCL group 'SQL Server (OLD)' on LABSQL2",
                "cluster LABSQLCL group 'Print Spooler' on LABSQL1",
                "cluster LABSQLCL node LABSQL9",
            ]
        );
        let absent = Observed::Cluster(ClusterObserved::default());
        assert!(of_cluster(&topo, r, &absent).is_empty());
    }
}
