//! `biztalk_group`: the BizTalk group configuration that creates the databases
//! (`biztalk.SITE.group`).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind};

/// The kind.
pub struct BiztalkGroup;

/// Verify: the group is configured with the desired databases.
pub const CHECK_CONFIGURED: &str = "biztalk-group-configured";

/// The database roles the configuration XML names, in its order.
const ROLES: [&str; 11] = [
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
];

impl Kind for BiztalkGroup {
    const KIND: ResourceKind = ResourceKind::BiztalkGroup;
    const CHECKS: &'static [&'static str] = &[CHECK_CONFIGURED];
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile {
        template: "biztalk/configuration.xml",
        file: "Configuration.xml",
        step: "biztalk-config",
    }];
    type Params = Params;
    type Desired = Desired;
    type Observed = BiztalkGroupObserved;

    fn exists(o: &BiztalkGroupObserved) -> bool {
        o.configured
    }

    fn manual_path(_key: &str) -> Option<String> {
        Some(
            "the BizTalk group's databases move only with the \
             documented move procedure (biztalk-ha.md §5.5: stop BizTalk, back up, restore on \
             the new instance, update the references), not by reconfiguration"
                .to_string(),
        )
    }

    /// The databases by role, the Configuration.exe path, and the SSO, Rule Engine and B2B
    /// settings as the configuration XML wants them.
    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        let mut v = databases_by_role(p);
        let folder = ExtrasEnv::biztalk_folder(&p.version);
        v["configuration_exe"] = json!(format!("{folder}\\Configuration.exe"));
        // The ENTSSO NTService takes the account as user name plus domain; the Rule Engine
        // Update Service takes `domain\name` whole (as the documented sample does).
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        let (sso_domain, sso_user) = p
            .sso_service_account
            .as_deref()
            .unwrap_or("")
            .split_once('\\')
            .unwrap_or(("", ""));
        v["sso"] = json!({
            "create": p.sso_create,
            "user": sso_user,
            "domain": sso_domain,
            "backup_file": text(&p.sso_backup_file),
            "reminder": text(&p.sso_backup_reminder),
            "affiliate_administrators": text(&p.sso_affiliate_administrators),
            "service_password": env.has_secret("service_password"),
            "backup_password": env.has_secret("backup_password"),
        });
        v["rule_engine"] = json!({
            "user": text(&p.rule_engine_account),
            "password": env.has_secret("password"),
        });
        v["b2b_operators"] = json!(text(&p.b2b_operators));
        // Every instance holding one of the group's databases (the removal script visits each).
        let mut servers: Vec<&str> = p.servers.iter().map(|(_, s)| s).collect();
        servers.sort_unstable();
        servers.dedup();
        v["servers"] = json!(servers);
        v["bam_analysis"] =
            json!(!v["db"]["bam_analysis"].is_null() && !v["db"]["bam_star_schema"].is_null());
        v
    }
}

/// The group's databases by role (the first of each role; every MessageBox in a list), for
/// the configuration XML.
fn databases_by_role(p: &Params) -> Value {
    let mut by_role: Map<String, Value> = Map::new();
    let mut messageboxes = Vec::new();
    for (db, role) in p.roles.iter() {
        let server = p.servers.get(db).unwrap_or("");
        let entry = json!({ "name": db, "server": server });
        if role == "messagebox" {
            messageboxes.push(entry.clone());
        }
        by_role.entry(role.to_string()).or_insert(entry);
    }
    for role in ROLES {
        by_role.entry(role.to_string()).or_insert(Value::Null);
    }
    json!({ "db": by_role, "messageboxes": messageboxes })
}

/// Inputs of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// BizTalk Server version.
    pub version: String,
    /// Database name → role (`management`, `messagebox`, ...), in inventory order (the
    /// first database of a role is the one the XML names).
    pub roles: NamePairs,
    /// Database name → SQL server name, in inventory order.
    pub servers: NamePairs,
    /// BizTalk Server Administrators group.
    pub administrators: String,
    /// BizTalk Server Operators group.
    pub operators: String,
    /// SSO Administrators group.
    pub sso_administrators: String,
    /// BizTalk host users groups.
    pub host_users: Vec<String>,
    /// The configuration creates the SSO system (else it joins an existing one).
    pub sso_create: bool,
    /// ENTSSO service account (`DOMAIN\name`).
    pub sso_service_account: Option<String>,
    /// Master secret backup file.
    pub sso_backup_file: Option<String>,
    /// Master secret backup reminder.
    pub sso_backup_reminder: Option<String>,
    /// SSO Affiliate Administrators group.
    pub sso_affiliate_administrators: Option<String>,
    /// Rule Engine Update Service account.
    pub rule_engine_account: Option<String>,
    /// B2B operators group.
    pub b2b_operators: Option<String>,
}

/// Whether the management database records where a database of `role` lives in a place the
/// group's probe reads (`templates/sql/biztalk_group_probe.sql.hbs`: the management database
/// itself, the tracking database in `adm_Group`, the master MessageBox in `adm_MessageBox`).
/// The group's desired databases, and a DR re-pointing's, are exactly these: the others
/// (SSO, Rule Engine, BAM, the other MessageBoxes) are proven by their own resources.
pub fn recorded_by_group(role: &str, master_messagebox: bool) -> bool {
    matches!(role, "management" | "tracking") || (role == "messagebox" && master_messagebox)
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The group is configured.
    pub configured: bool,
    /// Database name → instance network name (immutable).
    pub databases: BTreeMap<String, String>,
}

/// The BizTalk group, as the management database records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiztalkGroupObserved {
    /// The group is configured (the management database exists and names its group).
    pub configured: bool,
    /// Database name → instance network name, as configured.
    pub databases: BTreeMap<String, String>,
}

/// Names mapped to names, in the order given (a JSON object in that order). A name given
/// twice keeps its first place and its last value, as a JSON object would.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamePairs(Vec<(String, String)>);

impl NamePairs {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first key whose value is `value`.
    pub fn key_of(&self, value: &str) -> Option<&str> {
        self.iter().find(|(_, v)| *v == value).map(|(k, _)| k)
    }

    fn insert(&mut self, key: String, value: String) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl FromIterator<(String, String)> for NamePairs {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> NamePairs {
        let mut pairs = NamePairs::default();
        for (k, v) in iter {
            pairs.insert(k, v);
        }
        pairs
    }
}

impl Serialize for NamePairs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for NamePairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NamePairs, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = NamePairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<NamePairs, A::Error> {
                let mut pairs = NamePairs::default();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    pairs.insert(k, v);
                }
                Ok(pairs)
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// The SQL Agent jobs BizTalk configuration creates for a database, and whether each ships
/// enabled (biztalk-ha.md §5.6).
pub fn configuration_jobs(db: &str, role: &str, master: bool) -> Vec<(String, bool)> {
    match role {
        "management" => vec![
            (format!("Backup BizTalk Server ({db})"), false),
            (format!("CleanupBTFExpiredEntriesJob_{db}"), true),
            (format!("Monitor BizTalk Server ({db})"), true),
        ],
        "messagebox" => {
            let mut v = vec![
                (format!("MessageBox_DeadProcesses_Cleanup_{db}"), true),
                (format!("MessageBox_Message_Cleanup_{db}"), false),
                (format!("MessageBox_Message_ManageRefCountLog_{db}"), true),
                (format!("MessageBox_Parts_Cleanup_{db}"), true),
                (format!("MessageBox_UpdateStats_{db}"), true),
                (format!("PurgeSubscriptionsJob_{db}"), true),
                (format!("TrackedMessages_Copy_{db}"), true),
            ];
            if master {
                v.push((format!("Operations_OperateOnInstances_OnMaster_{db}"), true));
            }
            v
        }
        "tracking" => vec![(format!("DTA Purge and Archive ({db})"), false)],
        "rule_engine" => vec![(format!("Rules_Database_Cleanup_{db}"), true)],
        _ => vec![],
    }
}
