//! One unit of desired state: its address, where it runs, what it needs first, and what it
//! should look like.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::inventory::SecretRef;
use crate::kind::{to_map, Kind, ResourceKind};

/// Where a resource's steps run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "on")]
pub enum Target {
    /// A named node or BizTalk server (a host of the inventory).
    Node {
        /// Host name.
        host: String,
    },
    /// Whichever member of `cluster` currently owns `group`: found by probing (the cluster
    /// probe reports every group's owner), never assumed to be the first node. Probes may run
    /// on any reachable member (they ask the cluster, or SQL through the network name);
    /// applies run on the owner.
    Owner {
        /// Cluster name.
        cluster: String,
        /// Cluster group name, e.g. `Cluster Group`, `Available Storage`, `SQL Server (MSSQLSERVER)`.
        group: String,
        /// Member nodes that may own the group, in preference order.
        candidates: Vec<String>,
    },
}

impl Target {
    /// The host to use when the owner is unknown (the first candidate).
    pub fn default_host(&self) -> &str {
        match self {
            Target::Node { host } => host,
            Target::Owner { candidates, .. } => candidates.first().map_or("", String::as_str),
        }
    }
}

/// A secret a resource's steps read, and the payload key it travels under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretUse {
    /// Key in the payload's secrets map (`$BisrcSecrets['key']` in the script).
    pub key: String,
    /// Where the value comes from.
    pub reference: SecretRef,
}

/// One resource of the topology.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Stable address, e.g. `cluster.BTSSQLCL01.disk.SQLData`.
    pub address: String,
    /// Kind (selects templates and the observed-state type).
    pub kind: ResourceKind,
    /// Site the resource belongs to.
    pub site: String,
    /// Where it runs.
    pub target: Target,
    /// Addresses that must converge first.
    pub depends_on: Vec<String>,
    /// Inputs the scripts need that are not compared (the kind's `Params` serialized).
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Desired attributes, compared key by key with the observed state (the kind's
    /// `Desired` serialized: its keys are fields of the kind's observed type).
    pub desired: serde_json::Map<String, serde_json::Value>,
    /// Desired keys that bisrc will not change in place (plan says `blocked`).
    pub immutable: Vec<&'static str>,
    /// Steps that can fail a role over or reboot a node share a serial group: apply runs them
    /// one at a time (e.g. `cluster.BTSSQLCL01`).
    pub serial_group: Option<String>,
    /// Secrets the steps read (never serialized).
    #[serde(skip)]
    pub secrets: Vec<SecretUse>,
}

impl Resource {
    /// A resource of kind `K` with its typed params and desired state (serialized here once:
    /// templates, headers and the diff read the JSON), no dependencies, nothing immutable,
    /// no serial group and no secrets.
    pub fn new<K: Kind>(
        address: String,
        site: &str,
        target: Target,
        params: K::Params,
        desired: K::Desired,
    ) -> Resource {
        Resource {
            address,
            kind: K::KIND,
            site: site.to_string(),
            target,
            depends_on: Vec::new(),
            params: to_map(&params),
            desired: to_map(&desired),
            immutable: Vec::new(),
            serial_group: None,
            secrets: Vec::new(),
        }
    }

    /// The spec carried in step headers: `{"params": .., "desired": ..}`.
    pub fn spec(&self) -> serde_json::Value {
        serde_json::json!({ "params": self.params, "desired": self.desired })
    }

    /// The name of the cluster a `cluster` resource builds: its desired `name`, else its
    /// address without the `cluster.` prefix. Plan (group owners), apply (owner refresh)
    /// and the unmanaged report all name a cluster this way.
    pub fn cluster_name(&self) -> String {
        crate::kind::from_map::<crate::kind::cluster::Desired>(&self.desired)
            .map(|d| d.name)
            .unwrap_or_else(|_| self.address.trim_start_matches("cluster.").to_string())
    }

    /// Names of the payload secrets the steps read.
    pub fn secret_keys(&self) -> Vec<String> {
        self.secrets.iter().map(|s| s.key.clone()).collect()
    }
}

/// A host bisrc connects to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    /// Computer name.
    pub name: String,
    /// Address to connect to.
    pub address: String,
    /// SSH port override.
    pub port: Option<u16>,
    /// Site.
    pub site: String,
    /// SQL cluster node or BizTalk server.
    pub role: HostRole,
    /// Cluster the node belongs to.
    pub cluster: Option<String>,
}

/// What a host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostRole {
    /// A SQL Server cluster node.
    SqlNode,
    /// A BizTalk application server.
    BiztalkServer,
}

/// A sorted, de-duplicated list.
pub(crate) fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// Map used for database → instance.
pub(crate) type NameMap = BTreeMap<String, String>;
