//! The data a template sees: the resource (address, kind, site, where it runs, params,
//! desired), the names of its secrets (never their values), and a few values derived per
//! kind (`x`, computed by the kind module's `extras`) that would be awkward in handlebars.

use serde_json::{json, Map, Value};

use crate::inventory::{DatabaseRole, Inventory};
use crate::kind::ExtrasEnv;
use crate::topology::{server_name, Resource, Target, Topology};

/// The template context of one resource and action. Fails (a bug in whoever built the
/// resource) when its params or desired state are not its kind's types.
pub(super) fn build(
    inv: &Inventory,
    _topo: &Topology,
    r: &Resource,
    action: &str,
) -> Result<Value, String> {
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
    let x = extras(inv, r)?;
    Ok(json!({
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
        "x": x,
    }))
}

/// Values derived per kind (each kind module's `extras`), from a few inventory-wide values.
fn extras(inv: &Inventory, r: &Resource) -> Result<Value, String> {
    let env = ExtrasEnv {
        host: r.target.default_host().to_string(),
        secret_roles: r
            .secrets
            .iter()
            .filter_map(|s| s.key.rsplit_once('.').map(|(_, role)| role.to_string()))
            .collect(),
        environment: inv.environment.value.clone(),
        mgmt_server: inv
            .databases
            .iter()
            .find(|d| d.role.value == DatabaseRole::Management)
            .and_then(|d| inv.instance(&d.instance))
            .map(|(_, _, i)| server_name(i))
            .unwrap_or_default(),
        backup_destination: inv.backup.destination.value.clone(),
        biztalk_version: inv.biztalk.version.value.clone(),
    };
    // Resources are built from their kind's types (`Resource::new`), so reading them back
    // fails only for a resource built wrongly by hand.
    r.kind.extras(&r.params, &r.desired, &env)
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
