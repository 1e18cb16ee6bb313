//! `windows_feature`: a Windows feature on a node (`node.N.feature.failover-clustering`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct WindowsFeature;

/// Verify: the feature is installed.
pub const CHECK_INSTALLED: &str = "feature-installed";

impl Kind for WindowsFeature {
    const KIND: ResourceKind = ResourceKind::WindowsFeature;
    const CHECKS: &'static [&'static str] = &[CHECK_INSTALLED];
    const REMOVAL: Removal = Removal::Kept("a prerequisite installed on the Windows server, which bisrc does not remove");
    type Params = Params;
    type Desired = Desired;
    type Observed = WindowsFeatureObserved;

    fn exists(o: &WindowsFeatureObserved) -> bool {
        o.installed
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Feature name, e.g. `Failover-Clustering`.
    pub feature: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Installed (false uninstalls).
    pub installed: bool,
}

/// `Get-WindowsFeature -Name <feature>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsFeatureObserved {
    /// `InstallState -eq 'Installed'`.
    pub installed: bool,
}
