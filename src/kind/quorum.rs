//! `quorum`: the quorum witness (`cluster.C.quorum`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct Quorum;

/// Verify: the witness is as desired.
pub const CHECK_WITNESS: &str = "quorum-witness";

impl Kind for Quorum {
    const KIND: ResourceKind = ResourceKind::Quorum;
    const CHECKS: &'static [&'static str] = &[CHECK_WITNESS];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::Cluster);
    type Params = Params;
    type Desired = Desired;
    type Observed = QuorumObserved;

    /// The quorum configuration always exists once the cluster does.
    fn exists(_: &QuorumObserved) -> bool {
        true
    }

    /// One flag per witness kind, for the template's branches.
    fn extras(_: &Params, d: &Desired, _: &ExtrasEnv) -> Value {
        let w = d.witness.as_str();
        json!({
            "disk": w == "disk",
            "file_share": w == "file_share",
            "cloud": w == "cloud",
            "none": w == "none",
        })
    }
}

/// Inputs of the scripts: none (a cloud witness's key travels as a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {}

/// Desired state: the witness kind and the one setting that kind has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// `disk`, `file_share`, `cloud` or `none`.
    pub witness: String,
    /// Cluster disk resource name (`disk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// Share path (`file_share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Storage account (`cloud`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// `Get-ClusterQuorum`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumObserved {
    /// `disk`, `file_share`, `cloud` or `none`.
    pub witness: String,
    /// Cluster disk resource name of a disk witness.
    pub disk: Option<String>,
    /// Share path of a file share witness.
    pub path: Option<String>,
    /// Storage account of a cloud witness.
    pub account: Option<String>,
}
