//! The data a template sees: the resource (address, kind, site, where it runs, params,
//! desired), the names of its secrets (never their values), and a few values derived per
//! kind (`x`) that would be awkward to compute in handlebars.

use serde_json::{json, Map, Value};

use crate::inventory::{DatabaseRole, Inventory};
use crate::step::ResourceKind;
use crate::topology::{server_name, Resource, Target, Topology};

/// The template context of one resource and action.
pub(super) fn build(inv: &Inventory, _topo: &Topology, r: &Resource, action: &str) -> Value {
    let (cluster, group, candidates) = match &r.target {
        Target::Node { .. } => (Value::Null, Value::Null, json!([])),
        Target::Owner {
            cluster,
            group,
            candidates,
        } => (json!(cluster), json!(group), json!(candidates)),
    };
    // Secrets by role (`engine_password`, `access_key`): the last dotted part of the key.
    let secrets: Map<String, Value> = r
        .secrets
        .iter()
        .map(|s| {
            let role = s.key.rsplit('.').next().unwrap_or(&s.key).to_string();
            (role, json!(s.key))
        })
        .collect();
    json!({
        "address": r.address,
        "kind": r.kind.as_str(),
        "site": r.site,
        "action": action,
        "host": r.target.default_host(),
        "cluster": cluster,
        "group": group,
        "candidates": candidates,
        "params": r.params,
        "desired": r.desired,
        "secrets": secrets,
        "x": extras(inv, r),
    })
}

fn s<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Values derived per kind.
fn extras(inv: &Inventory, r: &Resource) -> Value {
    let p = &r.params;
    let has_secret = |role: &str| {
        r.secrets
            .iter()
            .any(|s| s.key.ends_with(&format!(".{role}")))
    };
    let mgmt_server = || {
        inv.databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Management)
            .and_then(|d| inv.instance(&d.instance))
            .map(|(_, _, i)| server_name(i))
            .unwrap_or_default()
    };
    let bts_folder = |version: &str| {
        if version == "2016" {
            "Microsoft BizTalk Server 2016".to_string()
        } else {
            "Microsoft BizTalk Server".to_string()
        }
    };
    match r.kind {
        ResourceKind::SqlFci | ResourceKind::SqlFciNode => {
            // No spaces anywhere in the spec: setup splits several addresses on spaces.
            let ip_spec = format!(
                "IPv4;{};{};{}",
                s(p, "ip"),
                s(p, "cluster_network"),
                s(p, "mask")
            );
            let setup = format!("{}\\setup.exe", s(p, "setup_media").trim_end_matches('\\'));
            let instance = s(p, "instance");
            let default = instance.eq_ignore_ascii_case("MSSQLSERVER");
            let server = if default {
                s(p, "network_name").to_string()
            } else {
                format!("{}\\{}", s(p, "network_name"), instance)
            };
            let service = if default {
                "MSSQLSERVER".to_string()
            } else {
                format!("MSSQL${instance}")
            };
            // The system databases go to the root of the data disk (a shared disk).
            let data = s(p, "data_dir");
            let install_data_dir = match data.as_bytes() {
                [l, b':', b'\\', ..] if l.is_ascii_alphabetic() => format!("{}:\\", *l as char),
                _ => data.to_string(),
            };
            let bootstrap = match s(p, "version") {
                "2014" => "120",
                "2016" => "130",
                "2017" => "140",
                "2019" => "150",
                "2022" => "160",
                _ => "170",
            };
            json!({
                "ip_spec": ip_spec,
                "setup_exe": setup,
                "node": r.target.default_host(),
                "server": server,
                "service": service,
                "install_data_dir": install_data_dir,
                "bootstrap": bootstrap,
                "engine_password": has_secret("engine_password"),
                "agent_password": has_secret("agent_password"),
            })
        }
        ResourceKind::SqlConfig => {
            let server = s(p, "server");
            let instance = server.split_once('\\').map_or("MSSQLSERVER", |(_, i)| i);
            json!({ "instance": instance })
        }
        ResourceKind::BiztalkGroup => {
            let mut v = biztalk_dbs(p);
            let folder = bts_folder(s(p, "version"));
            v["configuration_exe"] = json!(format!("{folder}\\Configuration.exe"));
            // The ENTSSO NTService takes the account as user name plus domain; the Rule Engine
            // Update Service takes `domain\name` whole (as the documented sample does).
            let (sso_domain, sso_user) = s(p, "sso_service_account")
                .split_once('\\')
                .unwrap_or(("", ""));
            v["sso"] = json!({
                "create": p.get("sso_create").and_then(Value::as_bool).unwrap_or(false),
                "user": sso_user,
                "domain": sso_domain,
                "backup_file": s(p, "sso_backup_file"),
                "reminder": s(p, "sso_backup_reminder"),
                "affiliate_administrators": s(p, "sso_affiliate_administrators"),
                "service_password": has_secret("service_password"),
                "backup_password": has_secret("backup_password"),
            });
            v["rule_engine"] = json!({
                "user": s(p, "rule_engine_account"),
                "password": has_secret("password"),
            });
            v["b2b_operators"] = json!(s(p, "b2b_operators"));
            v["bam_analysis"] =
                json!(!v["db"]["bam_analysis"].is_null() && !v["db"]["bam_star_schema"].is_null());
            v
        }
        ResourceKind::DatabaseSettings => {
            let publishing = r.desired.get("publishing").and_then(Value::as_bool);
            json!({
                "messagebox": s(p, "role") == DatabaseRole::Messagebox.as_str(),
                "has_publishing": publishing.is_some(),
                "publishing_disabled": publishing == Some(false),
                "mgmt_server": mgmt_server(),
            })
        }
        ResourceKind::BackupJob => {
            let hours = match s(p, "frequency_letter") {
                "h" => 1,
                "w" => 24 * 7,
                "m" => 24 * 31,
                "y" => 24 * 366,
                _ => 24,
            };
            json!({ "fresh_minutes": (hours + 1) * 60 })
        }
        ResourceKind::AgentJob => {
            let dta = s(p, "job_name").starts_with("DTA Purge and Archive");
            let folder = if dta {
                json!(inv.backup.destination.value)
            } else {
                Value::Null
            };
            json!({ "dta_folder": folder })
        }
        ResourceKind::Quorum => {
            let witness = r
                .desired
                .get("witness")
                .and_then(Value::as_str)
                .unwrap_or("none");
            json!({
                "disk": witness == "disk",
                "file_share": witness == "file_share",
                "cloud": witness == "cloud",
                "none": witness == "none",
            })
        }
        ResourceKind::ClusterNetwork => {
            let role = r
                .desired
                .get("role")
                .and_then(Value::as_str)
                .unwrap_or("None");
            // Get-ClusterNetwork Role values: 0 None, 1 Cluster, 3 ClusterAndClient.
            let n = match role {
                "ClusterAndClient" => 3,
                "Cluster" => 1,
                _ => 0,
            };
            json!({ "role_number": n })
        }
        ResourceKind::LogShipping => {
            let folder = bts_folder(&inv.biztalk.version.value);
            json!({
                "description": format!("bisrc: {} from {}", inv.environment.value, s(p, "source_server")),
                "mgmt_server": mgmt_server(),
                "schema_folder": format!("{folder}\\Schema"),
            })
        }
        _ => json!({}),
    }
}

/// The BizTalk group's databases by role, for the configuration XML.
fn biztalk_dbs(p: &Map<String, Value>) -> Value {
    let roles = p
        .get("roles")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let servers = p
        .get("servers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut by_role: Map<String, Value> = Map::new();
    let mut messageboxes = Vec::new();
    for (db, role) in &roles {
        let role = role.as_str().unwrap_or("");
        let entry = json!({ "name": db, "server": servers.get(db).cloned().unwrap_or(json!("")) });
        if role == DatabaseRole::Messagebox.as_str() {
            messageboxes.push(entry.clone());
        }
        by_role.entry(role.to_string()).or_insert(entry);
    }
    for role in [
        "management",
        "messagebox",
        "tracking",
        "sso",
        "rule_engine",
        "bam_primary_import",
        "bam_archive",
        "bam_star_schema",
        "bam_analysis",
        "bam_alerts_application",
        "bam_alerts_instance",
    ] {
        by_role.entry(role.to_string()).or_insert(Value::Null);
    }
    json!({ "db": by_role, "messageboxes": messageboxes })
}

/// The DR `SampleUpdateInfo.xml` context: every database with its production server and
/// the server of the DR instance its instance ships logs to. `None` without log shipping.
pub(super) fn update_info(inv: &Inventory, topo: &Topology) -> Option<(String, Value)> {
    let first = inv.backup.log_shipping.first()?;
    let (dr_site, _, _) = inv.instance(&first.destination)?;
    if topo
        .site
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case(&dr_site.name))
    {
        return None;
    }
    let dest_of = |instance: &str| -> Option<String> {
        inv.backup
            .log_shipping
            .iter()
            .find(|l| l.source.eq_ignore_ascii_case(instance))
            .and_then(|l| inv.instance(&l.destination))
            .map(|(_, _, i)| server_name(i))
    };
    let mut entries: Map<String, Value> = Map::new();
    let mut msgboxes = Vec::new();
    let master = inv.master_messagebox().map(|d| d.name.value.clone());
    let mut others = Vec::new();
    for d in &inv.databases {
        let Some((_, _, src)) = inv.instance(&d.instance) else {
            continue;
        };
        let old = server_name(src);
        let new = dest_of(&d.instance).unwrap_or_else(|| old.clone());
        let e = json!({ "name": d.name.value, "old": old, "new": new });
        match d.role.value {
            DatabaseRole::Messagebox => msgboxes.push(json!({
                "name": d.name.value, "old": e["old"], "new": e["new"],
                "master": master.as_deref() == Some(d.name.as_str()),
            })),
            DatabaseRole::Management | DatabaseRole::Tracking => {
                entries.insert(d.role.value.as_str().to_string(), e);
            }
            role => {
                let label = match role {
                    DatabaseRole::Sso => "SSO",
                    DatabaseRole::RuleEngine => "Rule Engine DB",
                    DatabaseRole::BamPrimaryImport => "BAM Primary Import",
                    DatabaseRole::BamArchive => "BAM Archive",
                    DatabaseRole::BamStarSchema => "BAM Star Schema",
                    DatabaseRole::BamAnalysis => "BAM Analysis",
                    DatabaseRole::BamAlertsApplication => "BAM Alerts Application DB",
                    DatabaseRole::BamAlertsInstance => "BAM Alerts Instance DB",
                    _ => "Tracking Analysis Server",
                };
                others.push(json!({ "label": label, "name": d.name.value, "old": e["old"], "new": e["new"] }));
            }
        }
    }
    for k in ["management", "tracking"] {
        entries.entry(k.to_string()).or_insert(Value::Null);
    }
    Some((
        dr_site.name.value.clone(),
        json!({ "db": entries, "messageboxes": msgboxes, "others": others }),
    ))
}
