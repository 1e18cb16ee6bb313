//! A failover cluster: validation, creation, joins, networks, disks, quorum, and the
//! clustered MSDTC role (the clustered SSO master secret server is built in sso.rs).

use super::super::resource::{NameMap, SecretUse, Target};
use super::{network_for_ip, split_subnet, Builder, AVAILABLE_STORAGE, CORE_GROUP};
use crate::inventory::{Cluster, NetworkRole, Site, WitnessKind};
use crate::kind::{
    cluster, cluster_disk, cluster_network, cluster_node, cluster_validation, clustered_dtc, quorum,
};

impl Builder<'_> {
    pub(super) fn cluster(&mut self, site: &Site, c: &Cluster) {
        let cname = c.name.value.clone();
        let nodes: Vec<String> = c.nodes.iter().map(|n| n.value.clone()).collect();
        let Some(first) = nodes.first().cloned() else {
            return;
        };
        let features: Vec<String> = nodes
            .iter()
            .map(|n| format!("node.{n}.feature.failover-clustering"))
            .collect();
        let owner = |group: &str, candidates: &[String]| Target::Owner {
            cluster: cname.clone(),
            group: group.to_string(),
            candidates: candidates.to_vec(),
        };
        let serial = Some(format!("cluster.{cname}"));

        let validation = self.resource::<cluster_validation::ClusterValidation>(
            format!("cluster.{cname}.validation"),
            site,
            // Any member can run it: the cluster answers from every node, so a down first
            // node does not hide the cluster (New-Cluster falls back to the first reachable).
            owner(CORE_GROUP, &nodes),
            features.clone(),
            cluster_validation::Params {
                cluster: cname.clone(),
                nodes: nodes.clone(),
            },
            cluster_validation::Desired {
                report_exists: true,
                passed: true,
            },
        );
        let mut cluster_deps = features.clone();
        cluster_deps.push(validation);
        let cluster_addr = self.resource::<cluster::Cluster>(
            format!("cluster.{cname}"),
            site,
            // Any member can run it: the cluster answers from every node, so a down first
            // node does not hide the cluster (New-Cluster falls back to the first reachable).
            owner(CORE_GROUP, &nodes),
            cluster_deps,
            cluster::Params {
                nodes: vec![first],
                all_nodes: nodes.clone(),
                domain_fqdn: self.inv.domain.fqdn.value.clone(),
            },
            cluster::Desired {
                exists: true,
                name: cname.clone(),
                static_address: c.ip.value.clone(),
            },
        );
        self.last().immutable = vec!["name"];
        self.last().serial_group = serial.clone();

        let mut members = vec![cluster_addr.clone()];
        for n in nodes.iter().skip(1) {
            let a = self.resource::<cluster_node::ClusterNode>(
                format!("cluster.{cname}.node.{n}"),
                site,
                Target::Node { host: n.clone() },
                vec![
                    cluster_addr.clone(),
                    format!("node.{n}.feature.failover-clustering"),
                ],
                cluster_node::Params {
                    cluster: cname.clone(),
                    node: n.clone(),
                },
                cluster_node::Desired { member: true },
            );
            self.last().serial_group = serial.clone();
            members.push(a);
        }

        let mut networks = Vec::new();
        for net in &site.networks {
            let role = match net.role.value {
                NetworkRole::ClusterAndClient => "ClusterAndClient",
                NetworkRole::ClusterOnly => "Cluster",
                NetworkRole::None => "None",
            };
            let (address, mask) = split_subnet(&net.subnet);
            let a = self.resource::<cluster_network::ClusterNetwork>(
                format!("cluster.{cname}.network.{}", net.name),
                site,
                owner(CORE_GROUP, &nodes),
                members.clone(),
                cluster_network::Params {
                    subnet: net.subnet.value.clone(),
                    address,
                    mask,
                },
                cluster_network::Desired {
                    exists: true,
                    name: net.name.value.clone(),
                    role: role.into(),
                },
            );
            networks.push(a);
        }

        // The disks this cluster's roles use; with one cluster in the site, every disk.
        let mut disk_names: Vec<String> = Vec::new();
        if site.clusters.len() == 1 {
            disk_names.extend(site.storage.iter().map(|d| d.name.value.clone()));
        } else {
            disk_names.extend(c.quorum.disk.iter().map(|d| d.value.clone()));
            disk_names.extend(c.dtc.iter().map(|d| d.disk.value.clone()));
            disk_names.extend(
                c.sso_master_secret
                    .iter()
                    .filter_map(|s| s.disk.as_ref().map(|d| d.value.clone())),
            );
            for i in &c.sql_instances {
                disk_names.extend(i.disks.iter().map(|d| d.value.clone()));
            }
        }
        let mut disk_addr = NameMap::new();
        for name in disk_names {
            if disk_addr.contains_key(&name.to_ascii_lowercase()) {
                continue;
            }
            let Some(d) = site.disk(&name) else { continue };
            let a = self.resource::<cluster_disk::ClusterDisk>(
                format!("cluster.{cname}.disk.{}", d.name),
                site,
                owner(AVAILABLE_STORAGE, &nodes),
                members.clone(),
                cluster_disk::Params {
                    number: d.disk.value,
                    size_gb: d.size_gb.value,
                    label: d.name.value.clone(),
                },
                cluster_disk::Desired {
                    presented: true,
                    clustered: true,
                    resource_name: d.name.value.clone(),
                    state: "Online".into(),
                    file_system: "NTFS".into(),
                    letter: d.letter.value.to_ascii_uppercase(),
                    allocation_unit_kb: d.allocation_unit_kb.as_ref().map(|au| au.value),
                },
            );
            self.last().immutable = vec!["file_system", "allocation_unit_kb"];
            disk_addr.insert(name.to_ascii_lowercase(), a);
        }
        let disk_dep = |name: &str| disk_addr.get(&name.to_ascii_lowercase()).cloned();

        // Quorum.
        let mut quorum_deps = members.clone();
        let mut desired = quorum::Desired {
            witness: String::new(),
            disk: None,
            path: None,
            account: None,
        };
        let mut secrets = Vec::new();
        match c.quorum.witness.value {
            WitnessKind::Disk => {
                desired.witness = "disk".into();
                if let Some(d) = &c.quorum.disk {
                    desired.disk = Some(d.value.clone());
                    quorum_deps.extend(disk_dep(d));
                }
            }
            WitnessKind::FileShare => {
                // Validation requires the path of a file share witness.
                desired.witness = "file_share".into();
                desired.path = c.quorum.path.as_ref().map(|p| p.value.clone());
            }
            WitnessKind::Cloud => {
                // Validation requires the account of a cloud witness.
                desired.witness = "cloud".into();
                desired.account = c.quorum.account.as_ref().map(|p| p.value.clone());
                if let Some(k) = &c.quorum.access_key {
                    secrets.push(SecretUse {
                        key: format!("cluster.{cname}.quorum.access_key"),
                        reference: k.value.clone(),
                    });
                }
            }
            WitnessKind::None => desired.witness = "none".into(),
        }
        let quorum = self.resource::<quorum::Quorum>(
            format!("cluster.{cname}.quorum"),
            site,
            owner(CORE_GROUP, &nodes),
            quorum_deps,
            quorum::Params {},
            desired,
        );
        self.last().secrets = secrets;

        let mut role_deps = networks.clone();
        role_deps.push(quorum.clone());
        // Clustered MSDTC.
        let mut dtc_addr = None;
        if let Some(dtc) = &c.dtc {
            let mut deps = role_deps.clone();
            deps.extend(disk_dep(&dtc.disk));
            let (network, mask) = network_for_ip(site, &dtc.ip);
            let a = self.resource::<clustered_dtc::ClusteredDtc>(
                format!("cluster.{cname}.dtc"),
                site,
                owner(&dtc.name, &nodes),
                deps,
                clustered_dtc::Params { network, mask },
                clustered_dtc::Desired {
                    exists: true,
                    name: dtc.name.value.clone(),
                    ip: dtc.ip.value.clone(),
                    disk: dtc.disk.value.clone(),
                    state: "Online".into(),
                    network_dtc_access: true,
                    inbound: true,
                    outbound: true,
                    authentication: Self::dtc_auth(Some(c)).into(),
                    remote_clients: false,
                    remote_administration: false,
                    preferred_owners: dtc.preferred_owners.as_ref().map_or_else(
                        || nodes.clone(),
                        |o| o.iter().map(|n| n.value.clone()).collect(),
                    ),
                    auto_failback: dtc.auto_failback.as_ref().is_some_and(|f| f.value),
                },
            );
            self.last().immutable = vec!["name"];
            dtc_addr = Some(a);
        }
        // The clustered SSO master secret server comes after the SQL instances (sso.rs).

        // SQL Server failover cluster instances.
        for i in &c.sql_instances {
            let mut deps = role_deps.clone();
            deps.extend(dtc_addr.clone());
            deps.extend(i.disks.iter().filter_map(|d| disk_dep(d)));
            self.sql_instance(site, c, i, deps);
        }
        for g in &c.availability_groups {
            self.availability_group(site, c, g);
        }
    }
}
