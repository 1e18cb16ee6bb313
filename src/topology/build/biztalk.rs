//! The BizTalk group configuration, database settings, SQL Agent jobs and log shipping.

use serde_json::{json, Value};

use super::super::resource::{obj, sorted, NameMap, SecretUse, Target};
use super::{fci_owner, server_name, Builder};
use crate::inventory::DatabaseRole;
use crate::step::ResourceKind;

impl Builder<'_> {
    pub(super) fn biztalk_and_databases(&mut self, site_filter: Option<&str>) {
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
        let (sso_params, rule_engine_params, secrets) = self.group_accounts();
        let last = self.last();
        last.immutable = vec!["databases"];
        last.params.extend(sso_params);
        last.params.extend(rule_engine_params);
        last.secrets = secrets;

        // Database settings.
        let master = inv.master_messagebox().map(|d| d.name.value.clone());
        for d in &inv.databases {
            if !inv.is_configured_sql_database(d) {
                continue;
            }
            let Some((dsite, cluster, i)) = inv.instance(&d.instance) else {
                continue;
            };
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
                fci_owner(cluster, i),
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
            self.resource(
                format!("sql.{}.job.backup-biztalk-server", i.name),
                ResourceKind::BackupJob,
                msite,
                fci_owner(cluster, i),
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
            self.resource(
                format!("sql.{}.job.{slug}", i.name),
                ResourceKind::AgentJob,
                jsite,
                fci_owner(cluster, i),
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

    /// The group configuration's accounts: the SSO parameters (`sso_create` false, and the
    /// rest null, without `biztalk.sso`: the configuration then joins an existing SSO system),
    /// the Rule Engine Update Service account, the B2B operators group, and the secrets they
    /// carry (only references; the values travel in the step payload).
    fn group_accounts(
        &self,
    ) -> (
        serde_json::Map<String, Value>,
        serde_json::Map<String, Value>,
        Vec<SecretUse>,
    ) {
        let bt = &self.inv.biztalk;
        let netbios = &self.inv.domain.netbios.value;
        let mut secrets = Vec::new();
        let sso = bt.sso.as_ref();
        if let Some(s) = sso {
            if let Some(p) = &s.service_account.password {
                secrets.push(SecretUse {
                    key: "biztalk.sso.service_password".into(),
                    reference: p.value.clone(),
                });
            }
            secrets.push(SecretUse {
                key: "biztalk.sso.backup_password".into(),
                reference: s.backup_password.value.clone(),
            });
        }
        let rule_engine = bt.rule_engine_account.as_ref();
        if let Some(p) = rule_engine.and_then(|a| a.password.as_ref()) {
            secrets.push(SecretUse {
                key: "biztalk.rule_engine.password".into(),
                reference: p.value.clone(),
            });
        }
        let affiliate = sso.map(|s| {
            s.affiliate_administrators.as_ref().map_or_else(
                || format!("{netbios}\\SSO Affiliate Administrators"),
                |a| a.value.clone(),
            )
        });
        let sso_params = obj([
            ("sso_create", json!(sso.is_some())),
            (
                "sso_service_account",
                json!(sso.map(|s| &s.service_account.user.value)),
            ),
            ("sso_backup_file", json!(sso.map(|s| &s.backup_file.value))),
            (
                "sso_backup_reminder",
                json!(sso.and_then(|s| s.backup_reminder.as_ref().map(|r| &r.value))),
            ),
            ("sso_affiliate_administrators", json!(affiliate)),
        ]);
        let other = obj([
            (
                "rule_engine_account",
                json!(rule_engine.map(|a| &a.user.value)),
            ),
            (
                "b2b_operators",
                json!(bt.groups.b2b_operators.as_ref().map(|g| &g.value)),
            ),
        ]);
        (sso_params, other, secrets)
    }

    pub(super) fn log_shipping(&mut self, site_filter: Option<&str>) {
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
                    .filter(|d| inv.is_configured_sql_database(d))
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
            let mgmt = inv
                .databases
                .iter()
                .find(|d| d.role.value == DatabaseRole::Management)
                .map(|d| d.name.value.clone());
            self.resource(
                format!("logshipping.{}-to-{}", src.name, dst.name),
                ResourceKind::LogShipping,
                dsite,
                fci_owner(dcluster, dst),
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
