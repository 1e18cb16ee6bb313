//! Always On availability groups (biztalk-ha.md §4): each replica node's standalone instance
//! made ready (HADR, endpoint, grant), after the node is in the cluster.

use super::super::resource::{sorted, Target};
use super::{network_for_ip, Builder};
use crate::inventory::Cluster;
use crate::inventory::{AvailabilityGroup, CommitMode, FailoverMode, Seeding, Site};
use crate::kind::{ag_join, ag_replica, availability_group};

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
        let mut ready = Vec::new();
        for r in &g.replicas {
            let node = r.node.value.clone();
            // HADR needs the node in the cluster (WB-AG-01): the first node founded it.
            let in_cluster = if node.eq_ignore_ascii_case(&first) {
                format!("cluster.{cname}")
            } else {
                format!("cluster.{cname}.node.{node}")
            };
            let addr = self.resource::<ag_replica::AgReplica>(
                format!("ag.{}.replica.{node}", g.name),
                site,
                Target::Node { host: node.clone() },
                vec![in_cluster, format!("node.{node}.firewall")],
                ag_replica::Params {
                    availability_group: g.name.value.clone(),
                    instance: g.instance_name().to_string(),
                    server: replica_server(&node, g),
                    service_account: g.service_account.user.value.clone(),
                    databases: self
                        .inv
                        .databases
                        .iter()
                        .filter(|d| d.instance.eq_ignore_ascii_case(&g.listener.name))
                        .filter(|d| self.inv.is_configured_sql_database(d))
                        .map(|d| d.name.value.clone())
                        .collect(),
                },
                ag_replica::Desired {
                    installed: true,
                    hadr_enabled: true,
                    endpoint_port: g.endpoint_port(),
                    endpoint_state: "STARTED".into(),
                    connect_granted: true,
                    in_doubt_xact_resolution: g
                        .in_doubt_xact_resolution
                        .as_ref()
                        .map(|r| r.value.value()),
                },
            );
            ready.push(addr);
        }
        let nodes: Vec<String> = g.replicas.iter().map(|r| r.node.value.clone()).collect();
        let specs: Vec<availability_group::ReplicaSpec> = g
            .replicas
            .iter()
            .map(|r| {
                let fqdn = site
                    .nodes
                    .iter()
                    .find(|n| n.name.eq_ignore_ascii_case(&r.node))
                    .map_or_else(|| r.node.value.clone(), |n| n.address.value.clone());
                availability_group::ReplicaSpec {
                    node: r.node.value.clone(),
                    server: replica_server(&r.node, g),
                    endpoint_url: format!("TCP://{fqdn}:{}", g.endpoint_port()),
                    synchronous: *r.commit == CommitMode::Synchronous,
                    automatic_failover: *r.failover == FailoverMode::Automatic,
                }
            })
            .collect();
        let listener = &g.listener;
        // Built on the initial primary (the first replica), then owned by the primary: the
        // cluster role of the group is named after it.
        let ag = self.resource::<availability_group::AvailabilityGroup>(
            format!("ag.{}", g.name),
            site,
            Target::Owner {
                cluster: cname.clone(),
                group: g.name.value.clone(),
                candidates: nodes,
            },
            ready.clone(),
            availability_group::Params {
                cluster: cname.clone(),
                instance: g.instance_name().to_string(),
                replica_specs: specs.clone(),
                automatic_seeding: g.seeding() == Seeding::Automatic,
                listener_ips: listener
                    .ips
                    .iter()
                    .map(|ip| availability_group::ListenerIp {
                        ip: ip.value.clone(),
                        mask: network_for_ip(site, ip).1,
                    })
                    .collect(),
            },
            availability_group::Desired {
                exists: true,
                name: g.name.value.clone(),
                dtc_support: "PER_DB".into(),
                replicas: sorted(
                    specs
                        .iter()
                        .map(|s| s.server.to_ascii_uppercase())
                        .collect(),
                ),
                listener: listener.name.value.clone(),
                listener_port: listener.tcp_port(),
                listener_addresses: sorted(listener.ips.iter().map(|i| i.value.clone()).collect()),
            },
        );
        self.last().immutable = vec!["name", "replicas"];
        for (spec, ready) in specs.iter().zip(&ready).skip(1) {
            self.resource::<ag_join::AgJoin>(
                format!("ag.{}.join.{}", g.name, spec.node),
                site,
                Target::Node {
                    host: spec.node.clone(),
                },
                vec![ag.clone(), ready.clone()],
                ag_join::Params {
                    availability_group: g.name.value.clone(),
                    server: spec.server.clone(),
                },
                ag_join::Desired { joined: true },
            );
        }
    }
}
