//! The clustered Enterprise SSO master secret server, in the documented order (biztalk-ha.md
//! §6; Microsoft's "How to cluster the master secret server"): Enterprise SSO configured on
//! every cluster node against the SSO database (Create on the first node, which backs up the
//! master secret; Join on the others, which restore it), then the generic service role for
//! ENTSSO, its restart and `ssomanage -updatedb` naming the role's network name. All of it
//! comes before the BizTalk group configuration, which then joins this SSO system.

use super::super::resource::{SecretUse, Target};
use super::{server_name, Builder};
use crate::inventory::{BiztalkSso, Cluster, DatabaseRole, Site, SsoMasterSecret};
use crate::kind::{sql_owners, sso_role, sso_server, ResourceKind};

impl Builder<'_> {
    /// The clustered master secret server of every cluster that has one.
    pub(super) fn sso_master_secret_servers(&mut self, site_filter: Option<&str>) {
        let inv = self.inv;
        for site in &inv.sites {
            if site_filter.is_some_and(|f| !site.name.eq_ignore_ascii_case(f)) {
                continue;
            }
            for c in &site.clusters {
                if let (Some(m), Some(sso)) = (&c.sso_master_secret, &inv.biztalk.sso) {
                    self.sso_cluster(site, c, m, sso);
                }
            }
        }
    }

    /// The secrets Enterprise SSO configuration reads: the ENTSSO account's password (none
    /// for a gMSA) and the master secret backup password.
    pub(super) fn sso_secrets(sso: &BiztalkSso, backup: bool) -> Vec<SecretUse> {
        let mut secrets = Vec::new();
        if let Some(p) = &sso.service_account.password {
            secrets.push(SecretUse {
                key: "biztalk.sso.service_password".into(),
                reference: p.value.clone(),
            });
        }
        if backup {
            secrets.push(SecretUse {
                key: "biztalk.sso.backup_password".into(),
                reference: sso.backup_password.value.clone(),
            });
        }
        secrets
    }

    fn sso_cluster(&mut self, site: &Site, c: &Cluster, m: &SsoMasterSecret, sso: &BiztalkSso) {
        let inv = self.inv;
        // BZ110 keeps a clustered master secret server without an SSO database out.
        let Some(db) = inv.databases.iter().find(|d| *d.role == DatabaseRole::Sso) else {
            return;
        };
        let Some((_, _, instance)) = inv.instance(&db.instance) else {
            return;
        };
        let cname = c.name.value.clone();
        let nodes: Vec<String> = c.nodes.iter().map(|n| n.value.clone()).collect();
        let Some(first) = nodes.first().cloned() else {
            return;
        };
        // Configuring SSO creates SSODB: its instance must be configured, with the logins of
        // the configuring account, and MSDTC must allow network transactions.
        let instance_name = instance.name.value.clone();
        let mut base_deps: Vec<String> = self
            .resources
            .iter()
            .filter(|r| {
                r.address == format!("sql.{instance_name}.config")
                    || r.address
                        .starts_with(&format!("sql.{instance_name}.login."))
                    || r.address == format!("cluster.{cname}.dtc")
                    || nodes.iter().any(|n| r.address == format!("node.{n}.dtc"))
            })
            .map(|r| r.address.clone())
            .collect();
        let netbios = &inv.domain.netbios.value;
        let params = |node: &str| sso_server::Params {
            version: inv.biztalk.version.value.clone(),
            create: node == first,
            first_node: first.clone(),
            sso_server: server_name(instance),
            sso_database: db.name.value.clone(),
            sso_administrators: inv.biztalk.groups.sso_administrators.value.clone(),
            sso_affiliate_administrators: sso.affiliate_administrators.as_ref().map_or_else(
                || format!("{netbios}\\SSO Affiliate Administrators"),
                |a| a.value.clone(),
            ),
            service_account: sso.service_account.user.value.clone(),
            backup_file: sso.backup_file.value.clone(),
            backup_reminder: sso.backup_reminder.as_ref().map(|r| r.value.clone()),
        };
        // One node at a time, the first (Create) before the others (Join needs the system).
        let mut servers = Vec::new();
        for n in &nodes {
            let a = self.resource::<sso_server::SsoServer>(
                format!("cluster.{cname}.sso.node.{n}"),
                site,
                Target::Node { host: n.clone() },
                base_deps.clone(),
                params(n),
                sso_server::Desired {
                    configured: true,
                    holds_secret: true,
                },
            );
            self.last().secrets = Self::sso_secrets(sso, true);
            base_deps = vec![a.clone()];
            servers.push(a);
        }

        // The role, once the service exists and holds the secret on every possible owner.
        let mut deps: Vec<String> = self
            .resources
            .iter()
            .filter(|r| {
                let of_cluster = |kind: ResourceKind| {
                    r.kind == kind && r.address.starts_with(&format!("cluster.{cname}."))
                };
                of_cluster(ResourceKind::ClusterNetwork)
                    || of_cluster(ResourceKind::ClusteredDtc)
                    || r.address == format!("cluster.{cname}.quorum")
                    || m.disk.as_ref().is_some_and(|d| {
                        r.address
                            .eq_ignore_ascii_case(&format!("cluster.{cname}.disk.{d}"))
                    })
            })
            .map(|r| r.address.clone())
            .collect();
        deps.extend(servers);
        self.resource::<sso_role::SsoRole>(
            format!("cluster.{cname}.sso"),
            site,
            Target::Owner {
                cluster: cname.clone(),
                group: m.name.value.clone(),
                candidates: nodes.clone(),
            },
            deps,
            sso_role::Params {
                service: "ENTSSO".into(),
                network: super::network_for_ip(site, &m.ip).0,
                disk: m.disk.as_ref().map(|d| d.value.clone()),
                sso_server: server_name(instance),
                sso_database: db.name.value.clone(),
            },
            sso_role::Desired {
                exists: true,
                name: m.name.value.clone(),
                ip: m.ip.value.clone(),
                state: "Online".into(),
                use_network_name: true,
                secret_server: m.name.value.clone(),
            },
        );
        self.last().immutable = vec!["name"];

        // Preferred owners: every node, the one the master MessageBox's instance prefers last
        // (Microsoft: keep the master secret server off the node running the busy MessageBox).
        let busy = inv
            .master_messagebox()
            .and_then(|d| inv.instance(&d.instance))
            .filter(|(_, mc, _)| mc.name.eq_ignore_ascii_case(&cname))
            .and_then(|(_, mc, mi)| mi.owners(mc).first().map(|n| n.to_string()));
        let mut preferred = nodes.clone();
        if let Some(b) = busy {
            preferred.sort_by_key(|n| n.eq_ignore_ascii_case(&b));
        }
        if let Some(o) = &m.preferred_owners {
            preferred = o.iter().map(|n| n.value.clone()).collect();
        }
        let role_addr = format!("cluster.{cname}.sso");
        self.resource::<sql_owners::SqlOwners>(
            format!("cluster.{cname}.sso.owners"),
            site,
            Target::Owner {
                cluster: cname.clone(),
                group: m.name.value.clone(),
                candidates: nodes.clone(),
            },
            vec![role_addr],
            sql_owners::Params {
                group: m.name.value.clone(),
            },
            sql_owners::Desired {
                preferred_owners: preferred,
                auto_failback: m.auto_failback.as_ref().is_some_and(|f| f.value),
            },
        );
    }
}
