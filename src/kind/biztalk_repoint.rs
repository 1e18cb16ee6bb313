//! `biztalk_repoint`: a DR BizTalk server pointed at the DR instances during promotion
//! (`dr.SITE.repoint.SERVER`): `UpdateDatabase.vbs` (on the first server only) rewrites the
//! database locations stored in the restored databases, `UpdateRegistry.vbs` rewrites the
//! server's registry, then the BizTalk services restart (biztalk-ha.md §5.4, steps 3-5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtrasEnv, Kind, ResourceKind, Removal};

/// The kind.
pub struct BiztalkRepoint;

/// Verify: the server's registry names the DR management server.
pub const CHECK_REGISTRY: &str = "biztalk-points-at-dr";
/// Verify: the group's databases, as the management database records them, are on DR.
pub const CHECK_DATABASES: &str = "biztalk-databases-at-dr";
/// Verify: the BizTalk services run against the DR management server.
pub const CHECK_SERVICES: &str = "biztalk-services-restarted";

impl Kind for BiztalkRepoint {
    const REMOVAL: Removal = Removal::Kept("a DR promotion's re-pointing of a BizTalk server's registry and services");
    const KIND: ResourceKind = ResourceKind::BiztalkRepoint;
    const CHECKS: &'static [&'static str] = &[CHECK_REGISTRY, CHECK_DATABASES, CHECK_SERVICES];
    type Params = Params;
    type Desired = Desired;
    type Observed = BiztalkRepointObserved;

    fn exists(o: &BiztalkRepointObserved) -> bool {
        o.mgmt_server.is_some()
    }

    /// The `SampleUpdateInfo.xml` shape (`x.db`, `x.messageboxes`, `x.others`) and the
    /// BizTalk program folder.
    fn extras(p: &Params, d: &Desired, _: &ExtrasEnv) -> Value {
        let mut db = serde_json::Map::new();
        let mut messageboxes = Vec::new();
        let mut others = Vec::new();
        for m in &p.moves {
            let e = json!({ "name": m.name, "old": m.old, "new": m.new });
            match m.label.as_str() {
                "MessageBox" => messageboxes.push(
                    json!({ "name": m.name, "old": m.old, "new": m.new, "master": m.master }),
                ),
                "management" | "tracking" => {
                    db.insert(m.label.clone(), e);
                }
                label => others.push(
                    json!({ "label": label, "name": m.name, "old": m.old, "new": m.new }),
                ),
            }
        }
        for k in ["management", "tracking"] {
            db.entry(k.to_string()).or_insert(Value::Null);
        }
        json!({
            "db": db,
            "messageboxes": messageboxes,
            "others": others,
            "db_names": d.databases.keys().collect::<Vec<_>>(),
            "restore_folder": format!(
                "{}\\Bins32\\Schema\\Restore",
                ExtrasEnv::biztalk_folder(&p.biztalk_version)
            ),
        })
    }
}

/// One database moving from the source to the DR instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbMove {
    /// Database name (kept: log shipping restores under the same name).
    pub name: String,
    /// `management`, `tracking`, `MessageBox`, or the `<OtherDatabases>` label.
    pub label: String,
    /// The master MessageBox.
    pub master: bool,
    /// Source SQL server name.
    pub old: String,
    /// DR SQL server name.
    pub new: String,
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// BizTalk Server version (program folder).
    pub biztalk_version: String,
    /// The management database's name.
    pub management_database: String,
    /// Run `UpdateDatabase.vbs` here (the first DR BizTalk server only).
    pub update_database: bool,
    /// Restart ENTSSO here. Not on the DR site's designated master secret server, whose
    /// `dr_sso` step restarts it after `ssomanage -updatedb` (review4 F10).
    pub restart_entsso: bool,
    /// Every database of the group with its old and new server.
    pub moves: Vec<DbMove>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The management SQL server the registry names.
    pub mgmt_server: String,
    /// Database → SQL server, as the management database records them.
    pub databases: BTreeMap<String, String>,
    /// The management server the running BizTalk services were started against.
    pub services_using: String,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiztalkRepointObserved {
    /// `MgmtDBServer` in the server's BizTalk registry key (`None`: BizTalk not configured).
    pub mgmt_server: Option<String>,
    /// Database → SQL server, read from the management database the registry names.
    pub databases: BTreeMap<String, String>,
    /// The management server the BizTalk services were last restarted against by bisrc.
    pub services_using: Option<String>,
}
