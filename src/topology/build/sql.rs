//! A SQL Server failover cluster instance: setup on the first owner, AddNode on the others,
//! preferred owners, instance settings and the BizTalk logins.

use super::super::resource::{sorted, SecretUse, Target};
use super::{network_for_ip, server_name, sql_group, Builder};
use crate::inventory::{Cluster, DatabaseRole, Site, SqlInstance};
use crate::kind::{sql_config, sql_fci, sql_fci_node, sql_login, sql_owners};

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
        // The engine account's rights before setup starts the service (instant file
        // initialisation from the first start).
        let rights = self.engine_rights(site, c, i);
        deps.extend(rights);
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
        let params = sql_fci::Params {
            setup_media: i.setup_media.value.clone(),
            instance: i.instance.value.clone(),
            network_name: i.name.value.clone(),
            ip: i.ip.value.clone(),
            cluster_network: network,
            mask,
            group: group.clone(),
            disks: disks.clone(),
            sysadmins: i.sysadmins.iter().map(|s| s.value.clone()).collect(),
            tempdb_files: i.tempdb_files.value,
            port: i.tcp_port(),
            engine_account: i.service_accounts.engine.user.value.clone(),
            agent_account: i.service_accounts.agent.user.value.clone(),
            engine_gmsa: i.service_accounts.engine.is_gmsa(),
            agent_gmsa: i.service_accounts.agent.is_gmsa(),
            data_dir: i.paths.data.value.clone(),
            log_dir: i.paths.log.value.clone(),
            tempdb_dir: i.paths.tempdb.value.clone(),
            backup_dir: i.paths.backup.value.clone(),
            version: i.version.value.clone(),
            edition: format!("{:?}", i.edition.value),
        };
        let fci = self.resource::<sql_fci::SqlFci>(
            format!("sql.{}", i.name),
            site,
            // Probed through the cluster from any candidate; setup (InstallFailoverCluster)
            // runs on the first reachable owner while the group does not exist yet.
            owner(&group, &owners),
            deps,
            params.clone(),
            sql_fci::Desired {
                installed: true,
                instance: params.instance.clone(),
                network_name: params.network_name.clone(),
                ip: params.ip.clone(),
                version: params.version.clone(),
                edition: params.edition.clone(),
                data_dir: params.data_dir.clone(),
                log_dir: params.log_dir.clone(),
                tempdb_dir: params.tempdb_dir.clone(),
                backup_dir: params.backup_dir.clone(),
                engine_account: params.engine_account.clone(),
                agent_account: params.agent_account.clone(),
                disks,
                state: "Online".into(),
            },
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
            let a = self.resource::<sql_fci_node::SqlFciNode>(
                format!("sql.{}.node.{n}", i.name),
                site,
                Target::Node { host: n.clone() },
                vec![fci.clone(), format!("cluster.{cname}.node.{n}")]
                    .into_iter()
                    .filter(|d| d != &format!("cluster.{cname}.node.{first}"))
                    .collect(),
                params.clone(),
                sql_fci_node::Desired { installed: true },
            );
            let r = self.last();
            r.serial_group = serial.clone();
            r.secrets = secrets.clone();
            added.push(a);
        }
        let owners_addr = self.resource::<sql_owners::SqlOwners>(
            format!("sql.{}.owners", i.name),
            site,
            owner(&group, &owners),
            added.clone(),
            sql_owners::Params {
                group: group.clone(),
            },
            sql_owners::Desired {
                preferred_owners: owners.clone(),
                auto_failback: i.auto_failback.as_ref().is_some_and(|f| f.value),
            },
        );
        // MAXDOP 1 wherever a MessageBox is or will be: the DR destination of log shipping
        // too, which holds the MessageBox once recovered (biztalk-ha.md §1.3, §5.4).
        let hosts_msgbox = self
            .inv
            .databases_held_by(&i.name)
            .any(|d| d.role.value == DatabaseRole::Messagebox);
        let config = self.resource::<sql_config::SqlConfig>(
            format!("sql.{}.config", i.name),
            site,
            owner(&group, &owners),
            vec![fci.clone(), owners_addr],
            sql_config::Params {
                server: server_name(i),
                hosts_messagebox: hosts_msgbox,
            },
            sql_config::Desired {
                reachable: true,
                max_server_memory_mb: i.max_server_memory_mb.value,
                min_server_memory_mb: i.min_server_memory(c),
                tcp_port: i.tcp_port(),
                max_degree_of_parallelism: hosts_msgbox.then_some(1),
            },
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
            let roles = sorted(roles.into_iter().map(str::to_string).collect());
            self.resource::<sql_login::SqlLogin>(
                format!("sql.{}.login.{login}", i.name),
                site,
                owner(&group, &owners),
                vec![config.clone()],
                sql_login::Params {
                    server: server_name(i),
                    login,
                },
                sql_login::Desired {
                    exists: true,
                    server_roles: roles,
                },
            );
        }
    }
}
