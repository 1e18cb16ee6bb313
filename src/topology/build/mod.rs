//! Inventory → resources, in build order (biztalk-ha.md §2.2): node prerequisites, cluster,
//! networks, disks, quorum, MSDTC, SSO, the FCI and its further nodes, instance settings and
//! logins, the BizTalk group, database settings, SQL Agent jobs, log shipping.
//!
//! Every resource is pushed after the resources it depends on, so the vector is already a
//! topological order; `Topology::build` still checks it.

mod ag_biztalk;
mod availability;
mod backup_rights;
mod biztalk;
mod cluster;
mod dr;
mod dtc_test;
mod user_rights;

pub(super) use dr::after_promotion;
pub use dr::sso_copy_missing;
#[cfg(test)]
mod placement_tests;
mod sql;
mod sso;

use std::net::Ipv4Addr;

use super::resource::{sorted, Host, HostRole, Resource, Target};
use crate::inventory::{Cluster, DtcAuthentication, Inventory, NetworkRole, Site, SqlInstance};
use crate::kind::{dtc_network, firewall, windows_feature, Kind};

/// The cluster group holding the cluster name, IP and witness.
pub const CORE_GROUP: &str = "Cluster Group";
/// The cluster group holding disks that no role owns yet.
pub const AVAILABLE_STORAGE: &str = "Available Storage";

/// Steps that run on whichever node owns the FCI's group (T-SQL through the network name).
pub(super) fn fci_owner(cluster: &Cluster, instance: &SqlInstance) -> Target {
    Target::Owner {
        cluster: cluster.name.value.clone(),
        group: sql_group(instance),
        candidates: instance
            .owners(cluster)
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}

/// The cluster group name SQL Server setup gives an FCI.
pub fn sql_group(instance: &SqlInstance) -> String {
    format!("SQL Server ({})", instance.instance.as_str())
}

pub(super) struct Builder<'a> {
    inv: &'a Inventory,
    pub(super) resources: Vec<Resource>,
    pub(super) hosts: Vec<Host>,
    /// The inventory is as a DR promotion left it: the group was configured at the former
    /// primary site, so every BizTalk server joins it (`biztalk_server`).
    group_elsewhere: bool,
}

impl<'a> Builder<'a> {
    pub(super) fn new(inv: &'a Inventory) -> Self {
        Builder {
            inv,
            resources: Vec::new(),
            hosts: Vec::new(),
            group_elsewhere: false,
        }
    }

    /// A builder of the inventory as a DR promotion left it (`after_promotion`).
    pub(super) fn promoted(inv: &'a Inventory) -> Self {
        Builder {
            group_elsewhere: true,
            ..Builder::new(inv)
        }
    }

    fn push(&mut self, r: Resource) -> String {
        let addr = r.address.clone();
        self.resources.push(r);
        addr
    }

    /// Pushes a resource of kind `K` that runs after `depends_on`; returns its address.
    fn resource<K: Kind>(
        &mut self,
        address: String,
        site: &Site,
        target: Target,
        depends_on: Vec<String>,
        params: K::Params,
        desired: K::Desired,
    ) -> String {
        let mut r = Resource::new::<K>(address, &site.name.value, target, params, desired);
        r.depends_on = depends_on;
        self.push(r)
    }

    fn last(&mut self) -> &mut Resource {
        self.resources.last_mut().expect("a resource was pushed")
    }

    pub(super) fn build(mut self, site_filter: Option<&str>) -> (Vec<Resource>, Vec<Host>) {
        let inv = self.inv;
        for site in &inv.sites {
            if site_filter.is_some_and(|f| !site.name.eq_ignore_ascii_case(f)) {
                continue;
            }
            self.site(site);
        }
        self.sso_master_secret_servers(site_filter);
        self.biztalk_and_databases(site_filter);
        self.log_shipping(site_filter);
        self.cross_site_hosts();
        (self.resources, self.hosts)
    }

    /// The hosts of resources a `--site` slice needs from another site (the log shipping
    /// login on the source instance), after the slice's own hosts.
    fn cross_site_hosts(&mut self) {
        let inv = self.inv;
        let mut wanted: Vec<String> = Vec::new();
        for r in &self.resources {
            match &r.target {
                Target::Node { host } => wanted.push(host.clone()),
                Target::Owner { candidates, .. } => wanted.extend(candidates.iter().cloned()),
            }
        }
        for name in wanted {
            if self
                .hosts
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(&name))
            {
                continue;
            }
            for site in &inv.sites {
                if let Some(node) = site
                    .nodes
                    .iter()
                    .find(|n| n.name.eq_ignore_ascii_case(&name))
                {
                    let cluster = site
                        .clusters
                        .iter()
                        .find(|c| c.nodes.iter().any(|n| n.eq_ignore_ascii_case(&node.name)));
                    self.hosts.push(Host {
                        name: node.name.value.clone(),
                        address: node.address.value.clone(),
                        port: node.port.as_ref().map(|p| p.value),
                        site: site.name.value.clone(),
                        role: HostRole::SqlNode,
                        cluster: cluster.map(|c| c.name.value.clone()),
                    });
                }
                // A BizTalk server of another site serving the backup share.
                if let Some(b) = site
                    .biztalk_servers
                    .iter()
                    .find(|b| b.name.eq_ignore_ascii_case(&name))
                {
                    self.hosts.push(Host {
                        name: b.name.value.clone(),
                        address: b.address.value.clone(),
                        port: b.port.as_ref().map(|p| p.value),
                        site: site.name.value.clone(),
                        role: HostRole::BiztalkServer,
                        cluster: None,
                    });
                }
            }
        }
    }

    fn dtc_auth(cluster: Option<&Cluster>) -> &'static str {
        match cluster
            .and_then(|c| c.dtc.as_ref())
            .and_then(|d| d.authentication.as_ref())
            .map(|a| a.value)
        {
            Some(DtcAuthentication::Incoming) => "Incoming",
            Some(DtcAuthentication::NoAuth) => "NoAuth",
            Some(DtcAuthentication::Mutual) | None => "Mutual",
        }
    }

    fn site(&mut self, site: &Site) {
        let site_name = site.name.value.clone();
        // Node prerequisites.
        for node in &site.nodes {
            let cluster = site
                .clusters
                .iter()
                .find(|c| c.nodes.iter().any(|n| n.eq_ignore_ascii_case(&node.name)));
            self.hosts.push(Host {
                name: node.name.value.clone(),
                address: node.address.value.clone(),
                port: node.port.as_ref().map(|p| p.value),
                site: site_name.clone(),
                role: HostRole::SqlNode,
                cluster: cluster.map(|c| c.name.value.clone()),
            });
            let on = Target::Node {
                host: node.name.value.clone(),
            };
            self.resource::<windows_feature::WindowsFeature>(
                format!("node.{}.feature.failover-clustering", node.name),
                site,
                on.clone(),
                vec![],
                windows_feature::Params {
                    feature: "Failover-Clustering".into(),
                },
                windows_feature::Desired { installed: true },
            );
            self.resource::<dtc_network::DtcNetwork>(
                format!("node.{}.dtc", node.name),
                site,
                on.clone(),
                vec![],
                local_dtc(),
                dtc_network::Desired::open(Self::dtc_auth(cluster)),
            );
            // What this node's roles need (issue 9 #5): the instances that can run here, SQL
            // Browser for a named one, RPC to ENTSSO where the master secret server can run.
            let (ports, browser, sso) = match cluster {
                Some(c) => {
                    let here = c.instances_on_node(&node.name);
                    (
                        sorted(here.iter().map(|i| i.tcp_port()).collect()),
                        here.iter()
                            .any(|i| !i.instance.eq_ignore_ascii_case("MSSQLSERVER")),
                        c.sso_master_secret.is_some(),
                    )
                }
                None => (vec![], false, false),
            };
            // Availability replicas: SQL through the listener or the node, and the database
            // mirroring endpoint.
            let mut ports = ports;
            if let Some(c) = cluster {
                for g in c.availability_groups.iter() {
                    ports.extend([g.listener.tcp_port(), 1433, g.endpoint_port()]);
                }
            }
            let ports = sorted(ports);
            self.firewall(
                format!("node.{}.firewall", node.name),
                site,
                on,
                firewall::Params::new(ports, browser, sso),
            );
        }
        for bts in &site.biztalk_servers {
            self.hosts.push(Host {
                name: bts.name.value.clone(),
                address: bts.address.value.clone(),
                port: bts.port.as_ref().map(|p| p.value),
                site: site_name.clone(),
                role: HostRole::BiztalkServer,
                cluster: None,
            });
            let on = Target::Node {
                host: bts.name.value.clone(),
            };
            self.resource::<dtc_network::DtcNetwork>(
                format!("node.{}.dtc", bts.name),
                site,
                on.clone(),
                vec![],
                local_dtc(),
                dtc_network::Desired::open(Self::dtc_auth(site.clusters.first())),
            );
            // A BizTalk server takes no inbound SQL or SSO traffic: MSDTC only.
            self.firewall(
                format!("node.{}.firewall", bts.name),
                site,
                on,
                firewall::Params::new(vec![], false, false),
            );
        }
        for cluster in &site.clusters {
            self.cluster(site, cluster);
        }
        self.dtc_tests(site);
    }

    /// A server's firewall: the rules its roles need, and nothing more.
    fn firewall(&mut self, address: String, site: &Site, on: Target, params: firewall::Params) {
        let desired = params.desired();
        self.resource::<firewall::Firewall>(address, site, on, vec![], params, desired);
    }
}

/// The local MSDTC of a server.
fn local_dtc() -> dtc_network::Params {
    dtc_network::Params {
        dtc_name: "Local".into(),
    }
}

/// How SQL clients name the instance: `VNN` for a default instance, `VNN\INSTANCE` otherwise.
pub fn server_name(i: &SqlInstance) -> String {
    if i.instance.eq_ignore_ascii_case("MSSQLSERVER") {
        i.name.value.clone()
    } else {
        format!("{}\\{}", i.name, i.instance)
    }
}

/// `10.0.0.0/24` → (`10.0.0.0`, `255.255.255.0`); garbage → the input and an empty mask.
pub fn split_subnet(subnet: &str) -> (String, String) {
    let Some((addr, bits)) = subnet.split_once('/') else {
        return (subnet.to_string(), String::new());
    };
    let Ok(bits) = bits.parse::<u32>() else {
        return (addr.to_string(), String::new());
    };
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    };
    (addr.to_string(), Ipv4Addr::from(mask).to_string())
}

/// The site network (name, mask) that contains `ip`, preferring `cluster_and_client`
/// networks. Empty strings when none does (validation reports that).
pub fn network_for_ip(site: &Site, ip: &str) -> (String, String) {
    let Ok(ip) = ip.parse::<Ipv4Addr>() else {
        return (String::new(), String::new());
    };
    let mut nets: Vec<_> = site.networks.iter().collect();
    nets.sort_by_key(|n| n.role.value != NetworkRole::ClusterAndClient);
    for n in nets {
        let (addr, mask) = split_subnet(&n.subnet);
        let (Ok(a), Ok(m)) = (addr.parse::<Ipv4Addr>(), mask.parse::<Ipv4Addr>()) else {
            continue;
        };
        if u32::from(ip) & u32::from(m) == u32::from(a) & u32::from(m) {
            return (n.name.value.clone(), mask);
        }
    }
    (String::new(), String::new())
}
