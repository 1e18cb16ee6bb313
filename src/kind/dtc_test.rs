//! `dtc_test`: `Test-Dtc` between a BizTalk server and its site's clustered DTC role
//! (`biztalk.SITE.dtc-test.SERVER`), a verify check only: bisrc changes nothing for it.
//!
//! `Test-Dtc` (MsDtc module, Windows Server 2012 and later) checks the DTC firewall rules and
//! network security settings of both computers, that they ping each other, and propagates a
//! transaction between them (pull and push) through a test resource manager listening on
//! `-ResourceManagerPort` of the local computer:
//! <https://learn.microsoft.com/powershell/module/msdtc/test-dtc>.

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct DtcTest;

/// Verify: `Test-Dtc` propagates a transaction between the server and the DTC role.
pub const CHECK_PROPAGATION: &str = "dtc-propagation";

/// The port of Test-Dtc's diagnostic resource manager: the cmdlet's documented default.
pub const RESOURCE_MANAGER_PORT: u16 = 3002;

impl Kind for DtcTest {
    const KIND: ResourceKind = ResourceKind::DtcTest;
    const CHECKS: &'static [&'static str] = &[CHECK_PROPAGATION];
    const REMOVAL: Removal =
        Removal::Kept("a verify check only: bisrc creates nothing for it on the server");
    type Params = Params;
    type Desired = Desired;
    type Observed = DtcTestObserved;

    /// Nothing to create: the check runs wherever the MsDtc module is.
    fn exists(_: &DtcTestObserved) -> bool {
        true
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The BizTalk server (`-LocalComputerName`).
    pub server: String,
    /// The clustered DTC role's network name (`-RemoteComputerName`).
    pub dtc: String,
    /// `-ResourceManagerPort`, opened inbound on the BizTalk server for the test only.
    pub port: u16,
    /// Addresses the test resource manager is called back from: the DTC role's and its
    /// cluster nodes' (the temporary firewall rule admits only these).
    pub from: Vec<String>,
}

/// Desired state: the cmdlet is there to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The MsDtc module (and so `Test-Dtc`) is available.
    pub msdtc_module: bool,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtcTestObserved {
    /// `Get-Module -ListAvailable -Name MsDtc` finds the module.
    pub msdtc_module: bool,
}
