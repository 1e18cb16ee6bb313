//! Resource kinds: one module per kind, owning everything the kind means.
//!
//! A kind module (`kind/<kind>.rs`) declares the kind's typed [`Kind::Params`] (inputs the
//! scripts need, not compared) and [`Kind::Desired`] (attributes compared with the probe),
//! its observed-state type (what a probe reports), whether a probed resource exists, the
//! manual path of a change bisrc will not make, the values its templates derive
//! ([`Kind::extras`]) and its verify check names as constants. Topology builds the typed
//! values, templates see them serialized (the JSON shape is the contract with the `.hbs`
//! files), and the simulator reads them back into the same types.
//!
//! The list of kinds is declared once, in the `kinds!` call below: it makes
//! [`ResourceKind`], [`ResourceKind::ALL`], the snake_case names and the [`Observed`] enum.
//!
//! Convention that keeps plan simple: the keys of a resource's desired attributes are a
//! subset of its observed type's fields, with the same JSON types, so a diff is a key-by-key
//! comparison. Enumerations are strings (PowerShell's `ConvertTo-Json` writes enums as
//! numbers, so the scripts call `.ToString()`).
//!
//! This module sits at the floor beside `step`: it imports serde and nothing above it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What one resource kind is: its typed inputs and states, and the knowledge that goes with
/// them. Implemented by a unit struct per kind module (e.g. [`cluster_disk::ClusterDisk`]).
pub trait Kind {
    /// The kind's tag.
    const KIND: ResourceKind;
    /// Names of the checks its verify step reports, in the order it reports them.
    const CHECKS: &'static [&'static str];
    /// Files rendered for a resource of the kind besides its three step scripts
    /// (`templates/steps/<kind>/{probe,apply,verify}.ps1.hbs`).
    const EXTRA_FILES: &'static [ExtraFile] = &[];
    /// Inputs the scripts need that are not compared (names, numbers, media paths).
    type Params: Serialize + DeserializeOwned;
    /// Desired attributes: every field is a field of [`Kind::Observed`] with the same JSON type.
    type Desired: Serialize + DeserializeOwned;
    /// The observed state, as a probe reports it (unknown fields are refused).
    type Observed: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug;

    /// Whether the observed resource exists at all (if not, plan says `create`).
    fn exists(observed: &Self::Observed) -> bool;

    /// How `bisrc destroy` removes a resource of the kind: by its own removal script
    /// (`templates/steps/<kind>/destroy.ps1.hbs`), or with the resource it is a setting of.
    const REMOVAL: Removal = Removal::Script;

    /// Why bisrc will not change desired attribute `key` in place and what to do by hand;
    /// `None` for the generic explanation.
    fn manual_path(_key: &str) -> Option<String> {
        None
    }

    /// Values the kind's templates derive from the resource (`x` in the render context).
    fn extras(_params: &Self::Params, _desired: &Self::Desired, _env: &ExtrasEnv) -> Value {
        Value::Object(Map::new())
    }
}

/// How `bisrc destroy` removes a resource of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// Its own removal script, `templates/steps/<kind>/destroy.ps1.hbs`, run after everything
    /// that depends on it was removed; a probe afterwards must show it gone.
    Script,
    /// A setting or part of a resource of this kind among its dependencies: removing that
    /// one removes it (cluster networks and the quorum with the cluster, instance settings
    /// with the FCI, database settings and jobs with the BizTalk group). No step of its own.
    WithParent(ResourceKind),
    /// Left in place, for this reason: a setting of the Windows server itself, which bisrc
    /// does not remove.
    Kept(&'static str),
}

/// A file rendered for a resource besides its step scripts (a setup INI, T-SQL, XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraFile {
    /// Template name (relative path under `templates/` without `.hbs`).
    pub template: &'static str,
    /// File name in the resource's folder of the rendered tree.
    pub file: &'static str,
    /// What the file is for (`setup-ini`, `tsql`, `biztalk-config`).
    pub step: &'static str,
}

impl ExtraFile {
    /// A T-SQL file `sql/<name>.sql` rendered as `<name>.sql`.
    pub const fn tsql(template: &'static str, file: &'static str) -> ExtraFile {
        ExtraFile {
            template,
            file,
            step: "tsql",
        }
    }
}

/// What [`Kind::extras`] may use besides the resource's own params and desired state:
/// a few inventory-wide values, filled in by `render`.
#[derive(Debug, Clone, Default)]
pub struct ExtrasEnv {
    /// The host the steps run on when the owner is unknown.
    pub host: String,
    /// Roles of the secrets the steps read (the last dotted part of each key).
    pub secret_roles: Vec<String>,
    /// Environment name.
    pub environment: String,
    /// SQL server name of the BizTalk management database's instance (empty when none).
    pub mgmt_server: String,
    /// The Backup BizTalk Server destination folder.
    pub backup_destination: String,
    /// BizTalk Server version (`2016`, `2020`).
    pub biztalk_version: String,
}

impl ExtrasEnv {
    /// Whether a secret with this role travels with the steps.
    pub fn has_secret(&self, role: &str) -> bool {
        self.secret_roles.iter().any(|r| r == role)
    }

    /// The BizTalk Server program folder under Program Files (x86).
    pub fn biztalk_folder(version: &str) -> &'static str {
        if version == "2016" {
            "Microsoft BizTalk Server 2016"
        } else {
            "Microsoft BizTalk Server"
        }
    }
}

/// Serializes a kind's typed value into the JSON object resources carry.
pub fn to_map<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        // Every Params/Desired type is a struct: anything else is a bug caught by tests.
        _ => Map::new(),
    }
}

/// Reads a JSON object back into a kind's typed value.
pub fn from_map<T: DeserializeOwned>(map: &Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(map.clone())).map_err(|e| e.to_string())
}

/// Declares the kinds once: the modules, [`ResourceKind`] with `ALL` and the names, the
/// [`Observed`] enum, and the dispatch from a kind tag to its [`Kind`] implementation.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident => $module:ident, )*) => {
        $( pub mod $module; )*

        /// The kinds of resource bisrc manages. The name in snake_case is what headers carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ResourceKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ResourceKind {
            /// Every kind, in build order.
            pub const ALL: &'static [ResourceKind] = &[ $( ResourceKind::$variant, )* ];

            /// The snake_case name (template folders and file names use it).
            pub fn as_str(self) -> &'static str {
                match self { $( ResourceKind::$variant => stringify!($module), )* }
            }

            /// The names of the checks the kind's verify step reports.
            pub fn checks(self) -> &'static [&'static str] {
                match self { $( ResourceKind::$variant => <$module::$variant as Kind>::CHECKS, )* }
            }

            /// How `bisrc destroy` removes a resource of the kind.
            pub fn removal(self) -> Removal {
                match self { $( ResourceKind::$variant => <$module::$variant as Kind>::REMOVAL, )* }
            }

            /// The files rendered for the kind besides its step scripts.
            pub fn extra_files(self) -> &'static [ExtraFile] {
                match self { $( ResourceKind::$variant => <$module::$variant as Kind>::EXTRA_FILES, )* }
            }

            /// Why bisrc will not change `key` in place, and what to do by hand.
            pub fn manual_path(self, key: &str) -> String {
                let specific = match self {
                    $( ResourceKind::$variant => <$module::$variant as Kind>::manual_path(key), )*
                };
                specific.unwrap_or_else(|| {
                    format!("{key} cannot be changed in place; change it by hand, then run plan again")
                })
            }

            /// Whether `desired` reads as this kind's desired state (the error says why not).
            pub fn check_desired(self, desired: &Map<String, Value>) -> Result<(), String> {
                match self {
                    $( ResourceKind::$variant => {
                        from_map::<<$module::$variant as Kind>::Desired>(desired).map(|_| ())
                    } )*
                }
            }

            /// The template extras of a resource of this kind, from its serialized params and
            /// desired state.
            pub fn extras(
                self,
                params: &Map<String, Value>,
                desired: &Map<String, Value>,
                env: &ExtrasEnv,
            ) -> Result<Value, String> {
                match self {
                    $( ResourceKind::$variant => {
                        type K = $module::$variant;
                        let p = from_map::<<K as Kind>::Params>(params)
                            .map_err(|e| format!("{} params: {e}", self.as_str()))?;
                        let d = from_map::<<K as Kind>::Desired>(desired)
                            .map_err(|e| format!("{} desired state: {e}", self.as_str()))?;
                        Ok(<K as Kind>::extras(&p, &d, env))
                    } )*
                }
            }
        }

        /// Observed state of one resource, tagged by kind.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Observed {
            $( $(#[$doc])* $variant(<$module::$variant as Kind>::Observed), )*
        }

        impl Observed {
            /// Whether the resource exists at all (if not, plan says `create`).
            pub fn exists(&self) -> bool {
                match self { $( Observed::$variant(o) => <$module::$variant as Kind>::exists(o), )* }
            }

            /// A default-valued instance of `kind` (the state of a resource that does not exist).
            pub fn sample(kind: ResourceKind) -> Observed {
                match kind { $( ResourceKind::$variant => Observed::$variant(Default::default()), )* }
            }
        }
    };
}

kinds! {
    /// A Windows feature on a node (`node.N.feature.failover-clustering`).
    WindowsFeature => windows_feature,
    /// The local MSDTC network settings of a node or BizTalk server (`node.N.dtc`).
    DtcNetwork => dtc_network,
    /// Firewall rules for SQL, RPC and MSDTC on a node (`node.N.firewall`).
    Firewall => firewall,
    /// The cluster validation report (`cluster.C.validation`).
    ClusterValidation => cluster_validation,
    /// The failover cluster itself (`cluster.C`).
    Cluster => cluster,
    /// A node joined to an existing cluster (`cluster.C.node.N`).
    ClusterNode => cluster_node,
    /// A cluster network's name and role (`cluster.C.network.NAME`).
    ClusterNetwork => cluster_network,
    /// A shared disk: initialized, formatted, lettered, clustered, named, online (`cluster.C.disk.D`).
    ClusterDisk => cluster_disk,
    /// The quorum witness (`cluster.C.quorum`).
    Quorum => quorum,
    /// The clustered MSDTC role and its network settings (`cluster.C.dtc`).
    ClusteredDtc => clustered_dtc,
    /// The clustered Enterprise SSO master secret server (`cluster.C.sso`).
    SsoRole => sso_role,
    /// The SQL Server FCI, installed on the first owner (`sql.I`).
    SqlFci => sql_fci,
    /// The FCI added to a further node (`sql.I.node.N`).
    SqlFciNode => sql_fci_node,
    /// Preferred owners of an FCI's or the SSO role's cluster group (`sql.I.owners`,
    /// `cluster.C.sso.owners`).
    SqlOwners => sql_owners,
    /// Instance settings: memory, MAXDOP, TCP port (`sql.I.config`).
    SqlConfig => sql_config,
    /// A Windows login and its server roles (`sql.I.login.NAME`).
    SqlLogin => sql_login,
    /// The BizTalk group configuration that creates the databases (`biztalk.SITE.group`).
    BiztalkGroup => biztalk_group,
    /// Settings of one BizTalk database (`db.I.NAME.settings`).
    DatabaseSettings => database_settings,
    /// The Backup BizTalk Server job (`sql.I.job.backup-biztalk-server`).
    BackupJob => backup_job,
    /// Another SQL Agent job's enabled state (`sql.I.job.SLUG`).
    AgentJob => agent_job,
    /// BizTalk log shipping from a source to a destination instance (`logshipping.S-to-D`).
    LogShipping => log_shipping,
    /// The owner of a cluster group; applying it moves the group (`Move-ClusterGroup`). Not
    /// part of the built topology: `verify --failover` makes these to rehearse failovers
    /// (`failover.CLUSTER.GROUP`).
    GroupOwner => group_owner,
    /// The BizTalk runtime of a BizTalk server: host instances and the local ENTSSO
    /// (`biztalk.SITE.hosts.SERVER`).
    HostInstances => host_instances,
    /// The DR promotion's restore to mark on a DR instance (`dr.INSTANCE.restore`).
    DrRestore => dr_restore,
    /// A DR BizTalk server re-pointed at the DR instances (`dr.SITE.repoint.SERVER`).
    BiztalkRepoint => biztalk_repoint,
    /// Enterprise SSO on one possible owner of the clustered master secret server
    /// (`cluster.C.sso.node.N`).
    SsoServer => sso_server,
    /// One MessageBox and its publication, through BizTalk's WMI (`biztalk.SITE.messagebox.DB`).
    Messagebox => messagebox,
    /// A standalone instance ready for an availability replica: HADR, endpoint, grant
    /// (`ag.AG.replica.NODE`).
    AgReplica => ag_replica,
    /// An availability group with its replicas, DTC support and listener, created on its
    /// initial primary (`ag.AG`).
    AvailabilityGroup => availability_group,
    /// A secondary replica joined to its availability group (`ag.AG.join.NODE`).
    AgJoin => ag_join,
    /// `Test-Dtc` between a BizTalk server and its site's clustered DTC role, a verify check
    /// (`biztalk.SITE.dtc-test.SERVER`).
    DtcTest => dtc_test,
    /// User rights of the SQL engine account on one FCI node, granted before SQL setup
    /// (`sql.I.rights.NODE`).
    UserRights => user_rights,
    /// A log shipping destination's SQL Agent account in `BTS_BACKUP_USERS` of the BizTalk
    /// databases on a source instance (`sql.I.backup-users.LOGIN`).
    BackupUsers => backup_users,
    /// The backup share's rights for the accounts of one log shipping pair
    /// (`logshipping.S-to-D.share`).
    BackupShare => backup_share,
    /// A BizTalk database in its availability group, seeded to every secondary
    /// (`ag.AG.db.NAME`).
    AgDatabase => ag_database,
    /// BizTalk's SQL Agent jobs on one replica, each step behind the primary-replica guard
    /// (`ag.AG.jobs.NODE`).
    AgJobs => ag_jobs,
    /// A planned manual failover of an availability group (`ALTER AVAILABILITY GROUP …
    /// FAILOVER` on the target). Not part of the built topology: `verify --failover` makes
    /// these (`failover.CLUSTER.AG`).
    AgFailover => ag_failover,
    /// The DR site's SSO master secret server, moved there by a DR promotion (`dr.SITE.sso`).
    DrSso => dr_sso,
    /// BizTalk Server configured on one BizTalk server: the runtime, and Join on all but the
    /// group's first server (`biztalk.SITE.server.NAME`).
    BiztalkServer => biztalk_server,
}

impl ResourceKind {
    /// The field names of this kind's observed type, in declaration order (what a probe
    /// template's result hashtable must contain, no more, no less).
    pub fn observed_fields(self) -> Vec<String> {
        Observed::sample(self)
            .attributes()
            .keys()
            .cloned()
            .collect()
    }
}

impl Observed {
    /// Reads a probe's `observed` object as the type of `kind`.
    pub fn from_probe(kind: ResourceKind, observed: Value) -> Result<Observed, String> {
        let tagged = serde_json::json!({ kind.as_str(): observed });
        serde_json::from_value(tagged).map_err(|e| {
            format!(
                "probe result does not match the {} state: {e}",
                kind.as_str()
            )
        })
    }

    /// Reads a probe step's whole result object (`{"observed": {...}}`) as the type of `kind`.
    pub fn from_result(kind: ResourceKind, result: &Value) -> Result<Observed, String> {
        let observed = result
            .get("observed")
            .cloned()
            .ok_or_else(|| "the probe printed no observed state".to_string())?;
        Observed::from_probe(kind, observed)
    }

    /// The observed attributes as a flat JSON object (for diffing against desired attributes).
    pub fn attributes(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => match map.into_iter().next() {
                Some((_, Value::Object(fields))) => fields,
                _ => Map::new(),
            },
            _ => Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_lists_its_fields() {
        for &kind in ResourceKind::ALL {
            let sample = Observed::sample(kind);
            let attrs = Value::Object(sample.attributes());
            let back = Observed::from_probe(kind, attrs).unwrap();
            assert_eq!(back, sample);
            assert!(!kind.observed_fields().is_empty(), "{kind:?}");
            assert!(
                !sample.exists()
                    || matches!(
                        kind,
                        ResourceKind::DtcNetwork
                            | ResourceKind::Quorum
                            | ResourceKind::HostInstances
                            | ResourceKind::DtcTest
                    )
            );
            assert!(!kind.checks().is_empty(), "{kind:?} names no checks");
        }
    }

    #[test]
    fn names_are_the_serde_names() {
        for &kind in ResourceKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.as_str().to_string())
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = Observed::from_probe(
            ResourceKind::WindowsFeature,
            serde_json::json!({"installed": true, "extra": 1}),
        )
        .unwrap_err();
        assert!(err.contains("windows_feature"));
    }
}
