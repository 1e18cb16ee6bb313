//! A failover cluster: validation, creation, joins, networks, disks, quorum, and the
//! clustered MSDTC and SSO roles.

use serde_json::json;

use super::super::resource::{obj, NameMap, SecretUse, Target};
use super::{network_for_ip, split_subnet, Builder, AVAILABLE_STORAGE, CORE_GROUP};
use crate::inventory::{Cluster, NetworkRole, Site, WitnessKind};
use crate::step::ResourceKind;

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

        let validation = self.resource(
            format!("cluster.{cname}.validation"),
            ResourceKind::ClusterValidation,
            site,
            // Any member can run it: the cluster answers from every node, so a down first
            // node does not hide the cluster (New-Cluster falls back to the first reachable).
            owner(CORE_GROUP, &nodes),
            features.clone(),
            obj([("cluster", json!(cname)), ("nodes", json!(nodes))]),
            obj([("report_exists", json!(true)), ("passed", json!(true))]),
        );
        let mut cluster_deps = features.clone();
        cluster_deps.push(validation);
        let cluster_addr = self.resource(
            format!("cluster.{cname}"),
            ResourceKind::Cluster,
            site,
            // Any member can run it: the cluster answers from every node, so a down first
            // node does not hide the cluster (New-Cluster falls back to the first reachable).
            owner(CORE_GROUP, &nodes),
            cluster_deps,
            obj([
                ("nodes", json!([first])),
                ("all_nodes", json!(nodes)),
                ("domain_fqdn", json!(self.inv.domain.fqdn.value)),
            ]),
            obj([
                ("exists", json!(true)),
                ("name", json!(cname)),
                ("static_address", json!(c.ip.value)),
            ]),
        );
        self.last().immutable = vec!["name"];
        self.last().serial_group = serial.clone();

        let mut members = vec![cluster_addr.clone()];
        for n in nodes.iter().skip(1) {
            let a = self.resource(
                format!("cluster.{cname}.node.{n}"),
                ResourceKind::ClusterNode,
                site,
                Target::Node { host: n.clone() },
                vec![
                    cluster_addr.clone(),
                    format!("node.{n}.feature.failover-clustering"),
                ],
                obj([("cluster", json!(cname)), ("node", json!(n))]),
                obj([("member", json!(true))]),
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
            let a = self.resource(
                format!("cluster.{cname}.network.{}", net.name),
                ResourceKind::ClusterNetwork,
                site,
                owner(CORE_GROUP, &nodes),
                members.clone(),
                obj([
                    ("subnet", json!(net.subnet.value)),
                    ("address", json!(address)),
                    ("mask", json!(mask)),
                ]),
                obj([
                    ("exists", json!(true)),
                    ("name", json!(net.name.value)),
                    ("role", json!(role)),
                ]),
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
            let mut desired = obj([
                ("presented", json!(true)),
                ("clustered", json!(true)),
                ("resource_name", json!(d.name.value)),
                ("state", json!("Online")),
                ("file_system", json!("NTFS")),
                ("letter", json!(d.letter.value.to_ascii_uppercase())),
            ]);
            if let Some(au) = &d.allocation_unit_kb {
                desired.insert("allocation_unit_kb".into(), json!(au.value));
            }
            let a = self.resource(
                format!("cluster.{cname}.disk.{}", d.name),
                ResourceKind::ClusterDisk,
                site,
                owner(AVAILABLE_STORAGE, &nodes),
                members.clone(),
                obj([
                    ("number", json!(d.disk.value)),
                    ("size_gb", json!(d.size_gb.value)),
                    ("label", json!(d.name.value)),
                ]),
                desired,
            );
            self.last().immutable = vec!["file_system", "allocation_unit_kb"];
            disk_addr.insert(name.to_ascii_lowercase(), a);
        }
        let disk_dep = |name: &str| disk_addr.get(&name.to_ascii_lowercase()).cloned();

        // Quorum.
        let mut quorum_deps = members.clone();
        let mut desired = obj([]);
        let mut secrets = Vec::new();
        match c.quorum.witness.value {
            WitnessKind::Disk => {
                desired.insert("witness".into(), json!("disk"));
                if let Some(d) = &c.quorum.disk {
                    desired.insert("disk".into(), json!(d.value));
                    quorum_deps.extend(disk_dep(d));
                }
            }
            WitnessKind::FileShare => {
                desired.insert("witness".into(), json!("file_share"));
                desired.insert(
                    "path".into(),
                    json!(c.quorum.path.as_ref().map(|p| p.value.clone())),
                );
            }
            WitnessKind::Cloud => {
                desired.insert("witness".into(), json!("cloud"));
                desired.insert(
                    "account".into(),
                    json!(c.quorum.account.as_ref().map(|p| p.value.clone())),
                );
                if let Some(k) = &c.quorum.access_key {
                    secrets.push(SecretUse {
                        key: format!("cluster.{cname}.quorum.access_key"),
                        reference: k.value.clone(),
                    });
                }
            }
            WitnessKind::None => {
                desired.insert("witness".into(), json!("none"));
            }
        }
        let quorum = self.resource(
            format!("cluster.{cname}.quorum"),
            ResourceKind::Quorum,
            site,
            owner(CORE_GROUP, &nodes),
            quorum_deps,
            obj([]),
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
            let a = self.resource(
                format!("cluster.{cname}.dtc"),
                ResourceKind::ClusteredDtc,
                site,
                owner(&dtc.name, &nodes),
                deps,
                obj([
                    ("network", json!(network_for_ip(site, &dtc.ip).0)),
                    ("mask", json!(network_for_ip(site, &dtc.ip).1)),
                ]),
                obj([
                    ("exists", json!(true)),
                    ("name", json!(dtc.name.value)),
                    ("ip", json!(dtc.ip.value)),
                    ("disk", json!(dtc.disk.value)),
                    ("state", json!("Online")),
                    ("network_dtc_access", json!(true)),
                    ("inbound", json!(true)),
                    ("outbound", json!(true)),
                    ("authentication", json!(Self::dtc_auth(Some(c)))),
                ]),
            );
            self.last().immutable = vec!["name"];
            dtc_addr = Some(a);
        }
        // Clustered SSO master secret server.
        if let Some(sso) = &c.sso_master_secret {
            let mut deps = role_deps.clone();
            deps.extend(dtc_addr.clone());
            if let Some(d) = &sso.disk {
                deps.extend(disk_dep(d));
            }
            self.resource(
                format!("cluster.{cname}.sso"),
                ResourceKind::SsoRole,
                site,
                owner(&sso.name, &nodes),
                deps,
                obj([
                    ("service", json!("ENTSSO")),
                    ("network", json!(network_for_ip(site, &sso.ip).0)),
                    ("disk", json!(sso.disk.as_ref().map(|d| d.value.clone()))),
                ]),
                obj([
                    ("exists", json!(true)),
                    ("name", json!(sso.name.value)),
                    ("ip", json!(sso.ip.value)),
                    ("state", json!("Online")),
                    ("use_network_name", json!(true)),
                ]),
            );
            self.last().immutable = vec!["name"];
        }

        // SQL Server failover cluster instances.
        for i in &c.sql_instances {
            let mut deps = role_deps.clone();
            deps.extend(dtc_addr.clone());
            deps.extend(i.disks.iter().filter_map(|d| disk_dep(d)));
            self.sql_instance(site, c, i, deps);
        }
    }
}
