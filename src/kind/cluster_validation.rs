//! `cluster_validation`: the cluster validation report (`cluster.C.validation`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct ClusterValidation;

/// Verify: the latest report passed.
pub const CHECK_PASSED: &str = "cluster-validation-passed";

impl Kind for ClusterValidation {
    const KIND: ResourceKind = ResourceKind::ClusterValidation;
    const CHECKS: &'static [&'static str] = &[CHECK_PASSED];
    const REMOVAL: Removal =
        Removal::Kept("a report file on the nodes, which bisrc leaves");
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusterValidationObserved;

    fn exists(o: &ClusterValidationObserved) -> bool {
        o.report_exists
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Cluster name.
    pub cluster: String,
    /// Every node to validate.
    pub nodes: Vec<String>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// A report exists.
    pub report_exists: bool,
    /// It passed.
    pub passed: bool,
}

/// The latest cluster validation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterValidationObserved {
    /// A validation report for these nodes exists.
    pub report_exists: bool,
    /// The report passed (no failed test); `None` when there is no report.
    pub passed: Option<bool>,
}
