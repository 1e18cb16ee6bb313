//! A SQL Server failover cluster instance: setup on the first owner, AddNode on the others,
//! preferred owners, instance settings and the BizTalk logins.

use serde_json::json;

use super::super::resource::{obj, sorted, SecretUse, Target};
use super::{network_for_ip, server_name, sql_group, Builder};
use crate::inventory::{Cluster, DatabaseRole, Site, SqlInstance};
use crate::step::ResourceKind;

impl Builder<'_> {
    /// One FCI: setup on the first owner, AddNode on the others (one at a time), owners,
    /// instance settings and the BizTalk logins. `deps` are the cluster roles and disks it needs.
    pub(super) fn sql_instance(
        &mut self,
        site: &Site,
        c: &Cluster,
        i: &SqlInstance,
        mut deps: Vec<String>,
    ) {
        let cname = c.name.value.clone();
        let first = c.nodes.first().map(|n| n.value.clone()).unwrap_or_default();
        let serial = Some(format!("cluster.{cname}"));
        let owner = |group: &str, candidates: &[String]| Target::Owner {
            cluster: cname.clone(),
            group: group.to_string(),
            candidates: candidates.to_vec(),
        };
        let owners: Vec<String> = i.owners(c).into_iter().map(str::to_string).collect();
        if owners.is_empty() {
            return;
        }
        let group = sql_group(i);
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
            // Probed through the cluster from any candidate; setup (InstallFailoverCluster)
            // runs on the first reachable owner while the group does not exist yet.
            owner(&group, &owners),
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
