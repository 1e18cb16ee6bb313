//! Inventory → resources, in build order (biztalk-ha.md §2.2): node prerequisites, cluster,
//! networks, disks, quorum, MSDTC, SSO, the FCI and its further nodes, instance settings and
//! logins, the BizTalk group, database settings, SQL Agent jobs, log shipping.
//!
//! Every resource is pushed after the resources it depends on, so the vector is already a
//! topological order; `Topology::new` still checks it.

use std::net::Ipv4Addr;

use serde_json::{json, Value};

use super::resource::{obj, sorted, Host, HostRole, NameMap, Resource, SecretUse, Target};
use crate::inventory::{
    Cluster, DatabaseRole, DtcAuthentication, Inventory, NetworkRole, Site, SqlInstance,
    WitnessKind,
};
use crate::step::ResourceKind;

/// The cluster group holding the cluster name, IP and witness.
pub const CORE_GROUP: &str = "Cluster Group";
/// The cluster group holding disks that no role owns yet.
pub const AVAILABLE_STORAGE: &str = "Available Storage";

/// The cluster group name SQL Server setup gives an FCI.
pub fn sql_group(instance: &SqlInstance) -> String {
    format!("SQL Server ({})", instance.instance.as_str())
}

pub(super) struct Builder<'a> {
    inv: &'a Inventory,
    pub(super) resources: Vec<Resource>,
    pub(super) hosts: Vec<Host>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(inv: &'a Inventory) -> Self {
        Builder {
            inv,
            resources: Vec::new(),
            hosts: Vec::new(),
        }
    }

    fn push(&mut self, r: Resource) -> String {
        let addr = r.address.clone();
        self.resources.push(r);
        addr
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &mut self,
        address: String,
        kind: ResourceKind,
        site: &Site,
        target: Target,
        depends_on: Vec<String>,
        params: serde_json::Map<String, Value>,
        desired: serde_json::Map<String, Value>,
    ) -> String {
        self.push(Resource {
            address,
            kind,
            site: site.name.value.clone(),
            target,
            depends_on,
            params,
            desired,
            immutable: Vec::new(),
            serial_group: None,
            secrets: Vec::new(),
        })
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
        self.biztalk_and_databases(site_filter);
        self.log_shipping(site_filter);
        (self.resources, self.hosts)
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
            self.resource(
                format!("node.{}.feature.failover-clustering", node.name),
                ResourceKind::WindowsFeature,
                site,
                on.clone(),
                vec![],
                obj([("feature", json!("Failover-Clustering"))]),
                obj([("installed", json!(true))]),
            );
            self.last().serial_group = None;
            self.resource(
                format!("node.{}.dtc", node.name),
                ResourceKind::DtcNetwork,
                site,
                on.clone(),
                vec![],
                obj([("dtc_name", json!("Local"))]),
                dtc_desired(Self::dtc_auth(cluster)),
            );
            let mut ports = vec![135u16];
            if let Some(c) = cluster {
                ports.extend(c.sql_instances.iter().map(SqlInstance::tcp_port));
            }
            let ports = sorted(ports);
            self.resource(
                format!("node.{}.firewall", node.name),
                ResourceKind::Firewall,
                site,
                on,
                vec![],
                obj([("tcp_ports", json!(ports))]),
                obj([
                    ("open_tcp_ports", json!(ports)),
                    ("dtc_rule_group_enabled", json!(true)),
                ]),
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
            self.resource(
                format!("node.{}.dtc", bts.name),
                ResourceKind::DtcNetwork,
                site,
                on.clone(),
                vec![],
                obj([("dtc_name", json!("Local"))]),
                dtc_desired(Self::dtc_auth(site.clusters.first())),
            );
            self.resource(
                format!("node.{}.firewall", bts.name),
                ResourceKind::Firewall,
                site,
                on,
                vec![],
                obj([("tcp_ports", json!([135]))]),
                obj([
                    ("open_tcp_ports", json!([135])),
                    ("dtc_rule_group_enabled", json!(true)),
                ]),
            );
        }
        for cluster in &site.clusters {
            self.cluster(site, cluster);
        }
    }

    fn cluster(&mut self, site: &Site, c: &Cluster) {
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
            Target::Node {
                host: first.clone(),
            },
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
            Target::Node {
                host: first.clone(),
            },
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
            let owners: Vec<String> = i.owners(c).into_iter().map(str::to_string).collect();
            let Some(first_owner) = owners.first().cloned() else {
                continue;
            };
            let group = sql_group(i);
            let mut deps = role_deps.clone();
            deps.extend(dtc_addr.clone());
            deps.extend(i.disks.iter().filter_map(|d| disk_dep(d)));
            deps.extend(owners.iter().map(|n| format!("node.{n}.firewall")));
            let (network, mask) = network_for_ip(site, &i.ip);
            let mut secrets = Vec::new();
            for (role, acct) in [
                ("engine", &i.service_accounts.engine),
                ("agent", &i.service_accounts.agent),
            ] {
                if let Some(p) = &acct.password {
                    secrets.push(SecretUse {
                        key: format!("sql.{}.{role}_password", i.name),
                        reference: p.value.clone(),
                    });
                }
            }
            let disks = sorted(i.disks.iter().map(|d| d.value.clone()).collect());
            let params = obj([
                ("setup_media", json!(i.setup_media.value)),
                ("instance", json!(i.instance.value)),
                ("network_name", json!(i.name.value)),
                ("ip", json!(i.ip.value)),
                ("cluster_network", json!(network)),
                ("mask", json!(mask)),
                ("group", json!(group)),
                ("disks", json!(disks)),
                (
                    "sysadmins",
                    json!(i
                        .sysadmins
                        .iter()
                        .map(|s| s.value.clone())
                        .collect::<Vec<_>>()),
                ),
                ("tempdb_files", json!(i.tempdb_files.value)),
                ("port", json!(i.tcp_port())),
                (
                    "engine_account",
                    json!(i.service_accounts.engine.user.value),
                ),
                ("agent_account", json!(i.service_accounts.agent.user.value)),
                ("engine_gmsa", json!(i.service_accounts.engine.is_gmsa())),
                ("agent_gmsa", json!(i.service_accounts.agent.is_gmsa())),
                ("data_dir", json!(i.paths.data.value)),
                ("log_dir", json!(i.paths.log.value)),
                ("tempdb_dir", json!(i.paths.tempdb.value)),
                ("backup_dir", json!(i.paths.backup.value)),
                ("version", json!(i.version.value)),
                ("edition", json!(format!("{:?}", i.edition.value))),
            ]);
            let fci = self.resource(
                format!("sql.{}", i.name),
                ResourceKind::SqlFci,
                site,
                Target::Node {
                    host: first_owner.clone(),
                },
                deps,
                params.clone(),
                obj([
                    ("installed", json!(true)),
                    ("instance", json!(i.instance.value)),
                    ("network_name", json!(i.name.value)),
                    ("ip", json!(i.ip.value)),
                    ("version", json!(i.version.value)),
                    ("edition", json!(format!("{:?}", i.edition.value))),
                    ("data_dir", json!(i.paths.data.value)),
                    ("log_dir", json!(i.paths.log.value)),
                    ("tempdb_dir", json!(i.paths.tempdb.value)),
                    ("backup_dir", json!(i.paths.backup.value)),
                    (
                        "engine_account",
                        json!(i.service_accounts.engine.user.value),
                    ),
                    ("agent_account", json!(i.service_accounts.agent.user.value)),
                    ("disks", json!(disks)),
                    ("state", json!("Online")),
                ]),
            );
            {
                let r = self.last();
                r.immutable = vec![
                    "instance",
                    "network_name",
                    "version",
                    "edition",
                    "data_dir",
                    "log_dir",
                ];
                r.serial_group = serial.clone();
                r.secrets = secrets.clone();
            }
            let mut added = vec![fci.clone()];
            for n in owners.iter().skip(1) {
                let a = self.resource(
                    format!("sql.{}.node.{n}", i.name),
                    ResourceKind::SqlFciNode,
                    site,
                    Target::Node { host: n.clone() },
                    vec![fci.clone(), format!("cluster.{cname}.node.{n}")]
                        .into_iter()
                        .filter(|d| d != &format!("cluster.{cname}.node.{first}"))
                        .collect(),
                    params.clone(),
                    obj([("installed", json!(true))]),
                );
                let r = self.last();
                r.serial_group = serial.clone();
                r.secrets = secrets.clone();
                added.push(a);
            }
            let owners_addr = self.resource(
                format!("sql.{}.owners", i.name),
                ResourceKind::SqlOwners,
                site,
                owner(&group, &owners),
                added.clone(),
                obj([("group", json!(group))]),
                obj([("preferred_owners", json!(owners))]),
            );
            let hosts_msgbox = self
                .inv
                .databases_on(&i.name)
                .any(|d| d.role.value == DatabaseRole::Messagebox);
            let mut desired = obj([
                ("reachable", json!(true)),
                ("max_server_memory_mb", json!(i.max_server_memory_mb.value)),
                ("min_server_memory_mb", json!(i.max_server_memory_mb.value)),
                ("tcp_port", json!(i.tcp_port())),
            ]);
            if hosts_msgbox {
                desired.insert("max_degree_of_parallelism".into(), json!(1));
            }
            let config = self.resource(
                format!("sql.{}.config", i.name),
                ResourceKind::SqlConfig,
                site,
                owner(&group, &owners),
                vec![fci.clone(), owners_addr],
                obj([
                    ("server", json!(server_name(i))),
                    ("hosts_messagebox", json!(hosts_msgbox)),
                ]),
                desired,
            );
            // Logins for the BizTalk groups: they live in master and never travel with the
            // databases, so every instance (DR included) gets them (biztalk-ha.md §1.2).
            let hosts_sso = self
                .inv
                .databases_on(&i.name)
                .any(|d| d.role.value == DatabaseRole::Sso);
            let g = &self.inv.biztalk.groups;
            let mut logins: Vec<(String, Vec<&str>)> = vec![
                (g.administrators.value.clone(), vec![]),
                (g.operators.value.clone(), vec![]),
                (
                    g.sso_administrators.value.clone(),
                    if hosts_sso {
                        vec!["securityadmin"]
                    } else {
                        vec![]
                    },
                ),
            ];
            logins.extend(g.host_users.iter().map(|h| (h.value.clone(), vec![])));
            logins.extend(g.b2b_operators.iter().map(|h| (h.value.clone(), vec![])));
            let mut seen = std::collections::BTreeSet::new();
            for (login, mut roles) in logins {
                if !seen.insert(login.to_ascii_lowercase()) {
                    continue;
                }
                if i.sysadmins.iter().any(|s| s.eq_ignore_ascii_case(&login)) {
                    roles.push("sysadmin");
                }
                self.resource(
                    format!("sql.{}.login.{login}", i.name),
                    ResourceKind::SqlLogin,
                    site,
                    owner(&group, &owners),
                    vec![config.clone()],
                    obj([("server", json!(server_name(i))), ("login", json!(login))]),
                    obj([
                        ("exists", json!(true)),
                        ("server_roles", json!(sorted(roles))),
                    ]),
                );
            }
        }
    }

    fn biztalk_and_databases(&mut self, site_filter: Option<&str>) {
        let inv = self.inv;
        let Some(mgmt) = inv
            .databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Management)
        else {
            return;
        };
        let Some((site, _, _)) = inv.instance(&mgmt.instance) else {
            return;
        };
        if site_filter.is_some_and(|f| !site.name.eq_ignore_ascii_case(f)) {
            return;
        }
        let Some(bts) = site.biztalk_servers.first() else {
            return;
        };
        // Everything the group configuration needs: instances configured with their logins,
        // MSDTC everywhere, the clustered roles.
        let mut deps: Vec<String> = Vec::new();
        let instances: Vec<String> = {
            let mut v: Vec<String> = inv
                .databases
                .iter()
                .map(|d| d.instance.value.clone())
                .collect();
            v.sort_by_key(|s| s.to_ascii_lowercase());
            v.dedup_by_key(|s| s.to_ascii_lowercase());
            v
        };
        for r in &self.resources {
            let on_instance = instances.iter().any(|i| {
                r.address == format!("sql.{i}.config")
                    || r.address.starts_with(&format!("sql.{i}.login."))
            });
            let site_infra = r.site == site.name.value
                && matches!(
                    r.kind,
                    ResourceKind::DtcNetwork | ResourceKind::ClusteredDtc | ResourceKind::SsoRole
                );
            if on_instance || site_infra {
                deps.push(r.address.clone());
            }
        }
        let databases: NameMap = inv
            .databases
            .iter()
            .map(|d| (d.name.value.clone(), d.instance.value.clone()))
            .collect();
        let roles: serde_json::Map<String, Value> = inv
            .databases
            .iter()
            .map(|d| (d.name.value.clone(), json!(d.role.value.as_str())))
            .collect();
        let servers: serde_json::Map<String, Value> = inv
            .databases
            .iter()
            .filter_map(|d| {
                inv.instance(&d.instance)
                    .map(|(_, _, i)| (d.name.value.clone(), json!(server_name(i))))
            })
            .collect();
        let group_addr = self.resource(
            format!("biztalk.{}.group", site.name),
            ResourceKind::BiztalkGroup,
            site,
            Target::Node {
                host: bts.name.value.clone(),
            },
            deps,
            obj([
                ("version", json!(inv.biztalk.version.value)),
                ("roles", Value::Object(roles)),
                ("servers", Value::Object(servers)),
                (
                    "administrators",
                    json!(inv.biztalk.groups.administrators.value),
                ),
                ("operators", json!(inv.biztalk.groups.operators.value)),
                (
                    "sso_administrators",
                    json!(inv.biztalk.groups.sso_administrators.value),
                ),
                (
                    "host_users",
                    json!(inv
                        .biztalk
                        .groups
                        .host_users
                        .iter()
                        .map(|h| h.value.clone())
                        .collect::<Vec<_>>()),
                ),
            ]),
            obj([("configured", json!(true)), ("databases", json!(databases))]),
        );
        self.last().immutable = vec!["databases"];

        // Database settings.
        let master = inv.master_messagebox().map(|d| d.name.value.clone());
        for d in &inv.databases {
            if d.role.value.is_analysis_services() {
                continue;
            }
            let Some((dsite, cluster, i)) = inv.instance(&d.instance) else {
                continue;
            };
            let owners: Vec<String> = i.owners(cluster).into_iter().map(str::to_string).collect();
            let mut desired = obj([("exists", json!(true)), ("recovery_model", json!("FULL"))]);
            if d.role.value == DatabaseRole::Messagebox {
                desired.insert("auto_create_statistics".into(), json!(false));
                desired.insert("auto_update_statistics".into(), json!(false));
                let publishing = d.publishing.as_ref().map(|p| p.value);
                if let Some(p) = publishing {
                    desired.insert("publishing".into(), json!(p));
                } else if master.as_deref() == Some(d.name.as_str()) {
                    // default: the master publishes unless told otherwise
                }
            }
            self.resource(
                format!("db.{}.{}.settings", i.name, d.name),
                ResourceKind::DatabaseSettings,
                dsite,
                Target::Owner {
                    cluster: cluster.name.value.clone(),
                    group: sql_group(i),
                    candidates: owners,
                },
                vec![group_addr.clone()],
                obj([
                    ("server", json!(server_name(i))),
                    ("database", json!(d.name.value)),
                    ("role", json!(d.role.value.as_str())),
                    ("master", json!(master.as_deref() == Some(d.name.as_str()))),
                    ("management_database", json!(mgmt.name.value)),
                ]),
                desired,
            );
        }

        // SQL Agent jobs.
        let b = &inv.backup;
        if let Some((msite, cluster, i)) = inv.instance(&mgmt.instance) {
            let owners: Vec<String> = i.owners(cluster).into_iter().map(str::to_string).collect();
            self.resource(
                format!("sql.{}.job.backup-biztalk-server", i.name),
                ResourceKind::BackupJob,
                msite,
                Target::Owner {
                    cluster: cluster.name.value.clone(),
                    group: sql_group(i),
                    candidates: owners,
                },
                vec![group_addr.clone()],
                obj([
                    ("server", json!(server_name(i))),
                    (
                        "job_name",
                        json!(format!("Backup BizTalk Server ({})", mgmt.name)),
                    ),
                    ("management_database", json!(mgmt.name.value)),
                    ("frequency_letter", json!(b.frequency.value.job_letter())),
                ]),
                obj([
                    ("exists", json!(true)),
                    ("enabled", json!(true)),
                    ("destination", json!(b.destination.value)),
                    (
                        "frequency",
                        json!(format!("{:?}", b.frequency.value).to_ascii_lowercase()),
                    ),
                    (
                        "backup_hour",
                        json!(b.backup_hour.as_ref().map_or(0, |h| h.value)),
                    ),
                    (
                        "use_local_time",
                        json!(b.use_local_time.as_ref().is_some_and(|h| h.value)),
                    ),
                    ("mark_name", json!(b.mark_name.value)),
                    ("days_to_keep", json!(b.days_to_keep.value)),
                    (
                        "compression",
                        json!(b.compression.as_ref().is_some_and(|h| h.value)),
                    ),
                ]),
            );
        }
        for d in &inv.databases {
            let job = match d.role.value {
                DatabaseRole::Tracking => Some((
                    "dta-purge-and-archive".to_string(),
                    format!("DTA Purge and Archive ({})", d.name),
                    true,
                )),
                DatabaseRole::Messagebox => Some((
                    format!("messagebox-message-cleanup-{}", d.name.to_ascii_lowercase()),
                    format!("MessageBox_Message_Cleanup_{}", d.name),
                    false,
                )),
                _ => None,
            };
            let Some((slug, job_name, enabled)) = job else {
                continue;
            };
            let Some((jsite, cluster, i)) = inv.instance(&d.instance) else {
                continue;
            };
            let owners: Vec<String> = i.owners(cluster).into_iter().map(str::to_string).collect();
            self.resource(
                format!("sql.{}.job.{slug}", i.name),
                ResourceKind::AgentJob,
                jsite,
                Target::Owner {
                    cluster: cluster.name.value.clone(),
                    group: sql_group(i),
                    candidates: owners,
                },
                vec![group_addr.clone()],
                obj([
                    ("server", json!(server_name(i))),
                    ("job_name", json!(job_name)),
                    ("database", json!(d.name.value)),
                ]),
                obj([("exists", json!(true)), ("enabled", json!(enabled))]),
            );
        }
    }

    fn log_shipping(&mut self, site_filter: Option<&str>) {
        let inv = self.inv;
        for ls in &inv.backup.log_shipping {
            let (Some((_, _, src)), Some((dsite, dcluster, dst))) =
                (inv.instance(&ls.source), inv.instance(&ls.destination))
            else {
                continue;
            };
            if site_filter.is_some_and(|f| !dsite.name.eq_ignore_ascii_case(f)) {
                continue;
            }
            let databases: Vec<String> = sorted(
                inv.databases_on(&src.name)
                    .filter(|d| !d.role.value.is_analysis_services())
                    .map(|d| d.name.value.clone())
                    .collect(),
            );
            let mut deps = vec![format!("sql.{}.config", dst.name)];
            for r in &self.resources {
                if r.address.starts_with(&format!("sql.{}.login.", dst.name))
                    || r.address == format!("sql.{}.job.backup-biztalk-server", src.name)
                {
                    deps.push(r.address.clone());
                }
            }
            deps.retain(|d| self.resources.iter().any(|r| &r.address == d));
            let owners: Vec<String> = dst
                .owners(dcluster)
                .into_iter()
                .map(str::to_string)
                .collect();
            let mgmt = inv
                .databases
                .iter()
                .find(|d| d.role.value == DatabaseRole::Management)
                .map(|d| d.name.value.clone());
            self.resource(
                format!("logshipping.{}-to-{}", src.name, dst.name),
                ResourceKind::LogShipping,
                dsite,
                Target::Owner {
                    cluster: dcluster.name.value.clone(),
                    group: sql_group(dst),
                    candidates: owners,
                },
                deps,
                obj([
                    ("source_server", json!(server_name(src))),
                    ("destination_server", json!(server_name(dst))),
                    ("management_database", json!(mgmt)),
                    ("backup_destination", json!(inv.backup.destination.value)),
                ]),
                obj([
                    ("configured", json!(true)),
                    ("source", json!(src.name.value)),
                    ("databases", json!(databases)),
                    ("restore_job_enabled", json!(true)),
                ]),
            );
        }
    }
}

fn dtc_desired(auth: &str) -> serde_json::Map<String, Value> {
    obj([
        ("network_dtc_access", json!(true)),
        ("inbound", json!(true)),
        ("outbound", json!(true)),
        ("authentication", json!(auth)),
    ])
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
