//! Always On availability groups (biztalk-ha.md §4): each replica node's standalone instance
//! made ready (HADR, endpoint, grant), after the node is in the cluster.

use super::super::resource::Target;
use super::Builder;
use crate::inventory::{AvailabilityGroup, Cluster, Site};
use crate::kind::ag_replica;

/// How SQL clients name the replica instance on `node`.
pub fn replica_server(node: &str, g: &AvailabilityGroup) -> String {
    if g.instance_name().eq_ignore_ascii_case("MSSQLSERVER") {
        node.to_string()
    } else {
        format!("{node}\\{}", g.instance_name())
    }
}

impl Builder<'_> {
    /// One availability group's resources.
    pub(super) fn availability_group(&mut self, site: &Site, c: &Cluster, g: &AvailabilityGroup) {
        let cname = &c.name.value;
        let first = c.nodes.first().map(|n| n.value.clone()).unwrap_or_default();
        for r in &g.replicas {
            let node = r.node.value.clone();
            // HADR needs the node in the cluster (WB-AG-01): the first node founded it.
            let in_cluster = if node.eq_ignore_ascii_case(&first) {
                format!("cluster.{cname}")
            } else {
                format!("cluster.{cname}.node.{node}")
            };
            self.resource::<ag_replica::AgReplica>(
                format!("ag.{}.replica.{node}", g.name),
                site,
                Target::Node { host: node.clone() },
                vec![in_cluster, format!("node.{node}.firewall")],
                ag_replica::Params {
                    availability_group: g.name.value.clone(),
                    instance: g.instance_name().to_string(),
                    server: replica_server(&node, g),
                    service_account: g.service_account.user.value.clone(),
                },
                ag_replica::Desired {
                    installed: true,
                    hadr_enabled: true,
                    endpoint_port: g.endpoint_port(),
                    endpoint_state: "STARTED".into(),
                    connect_granted: true,
                },
            );
        }
    }
}
