//! `cluster_disk`: a shared disk, initialized, formatted, lettered, clustered, named and
//! online (`cluster.C.disk.D`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct ClusterDisk;

/// Verify: the disk is a cluster disk and Online.
pub const CHECK_ONLINE: &str = "cluster-disk-online";

impl Kind for ClusterDisk {
    const KIND: ResourceKind = ResourceKind::ClusterDisk;
    const CHECKS: &'static [&'static str] = &[CHECK_ONLINE];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::Cluster);
    type Params = Params;
    type Desired = Desired;
    type Observed = ClusterDiskObserved;

    fn exists(o: &ClusterDiskObserved) -> bool {
        o.clustered
    }

    fn manual_path(key: &str) -> Option<String> {
        Some(format!(
            "{key} of a formatted disk changes only by reformatting, which erases it: move the \
             data off, remove the disk from the cluster, clear it (Clear-Disk), then apply"
        ))
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Disk number of the LUN as the nodes see it.
    pub number: u32,
    /// Size in GB.
    pub size_gb: u64,
    /// Volume label.
    pub label: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The LUN is visible.
    pub presented: bool,
    /// It is a cluster disk resource.
    pub clustered: bool,
    /// The cluster resource name.
    pub resource_name: String,
    /// `Online`.
    pub state: String,
    /// `NTFS` (immutable).
    pub file_system: String,
    /// Drive letter (upper case).
    pub letter: String,
    /// NTFS allocation unit in KB, when the inventory names one (immutable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_unit_kb: Option<u32>,
}

/// A shared disk as the cluster and the owner node see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDiskObserved {
    /// The LUN with the spec's disk number is visible.
    pub presented: bool,
    /// It is a cluster disk resource.
    pub clustered: bool,
    /// The cluster resource name.
    pub resource_name: Option<String>,
    /// Resource state: `Online`, `Offline`, `Failed`, ...
    pub state: Option<String>,
    /// `NTFS`, `ReFS`, or none when raw.
    pub file_system: Option<String>,
    /// NTFS allocation unit in KB.
    pub allocation_unit_kb: Option<u32>,
    /// Drive letter.
    pub letter: Option<String>,
    /// Size in GB.
    pub size_gb: Option<u64>,
}
