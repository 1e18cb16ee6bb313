//! `dr_restore`: the DR promotion's first step on a DR instance (`dr.INSTANCE.restore`):
//! stop log shipping (disable *Get Backup History* and *Restore Databases*), run *BTS Log
//! Shipping - Restore To Mark*, which restores every shipped database to the latest mark and
//! recovers it, and re-creates the source's SQL Agent jobs (biztalk-ha.md §5.4, failover).

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind, Removal};

/// The kind.
pub struct DrRestore;

/// Verify: every shipped database is online (recovered) at the restored mark; the detail
/// names the mark and the data-loss window.
pub const CHECK_RESTORED: &str = "dr-restored-to-mark";
/// Verify: log shipping's restore jobs are disabled (they would fight the recovered databases).
pub const CHECK_SHIPPING_STOPPED: &str = "dr-log-shipping-stopped";

impl Kind for DrRestore {
    const REMOVAL: Removal = Removal::Kept("a DR promotion's restore; the restored databases go with the BizTalk group");
    const KIND: ResourceKind = ResourceKind::DrRestore;
    const CHECKS: &'static [&'static str] = &[CHECK_RESTORED, CHECK_SHIPPING_STOPPED];
    type Params = Params;
    type Desired = Desired;
    type Observed = DrRestoreObserved;

    fn exists(o: &DrRestoreObserved) -> bool {
        o.recovered
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The lost source instance's SQL server name (for messages).
    pub source_server: String,
    /// The DR instance's SQL server name.
    pub destination_server: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Every shipped database is recovered (online, read-write).
    pub recovered: bool,
    /// The databases online on the DR instance (sorted).
    pub online: Vec<String>,
    /// *Get Backup History* / *Restore Databases* enabled.
    pub shipping_jobs_enabled: bool,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrRestoreObserved {
    /// Every shipped database is online.
    pub recovered: bool,
    /// Shipped databases that are online (sorted).
    pub online: Vec<String>,
    /// Whether either log shipping restore job is enabled (`None`: no log shipping here).
    pub shipping_jobs_enabled: Option<bool>,
    /// The newest mark restored (`bts_LogShippingHistory`).
    pub mark: Option<String>,
    /// When the source took that mark (Unix seconds, UTC).
    pub mark_unix: Option<u64>,
}
