//! `dtc_network`: the local MSDTC network settings of a node or BizTalk server (`node.N.dtc`).

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct DtcNetwork;

/// Verify: network DTC access in and out, with the desired authentication, service running.
pub const CHECK_NETWORK_ACCESS: &str = "dtc-network-access";

impl Kind for DtcNetwork {
    const KIND: ResourceKind = ResourceKind::DtcNetwork;
    const CHECKS: &'static [&'static str] = &[CHECK_NETWORK_ACCESS];
    const REMOVAL: Removal = Removal::Kept("a setting of the Windows server, which bisrc does not remove");
    type Params = Params;
    type Desired = Desired;
    type Observed = DtcNetworkObserved;

    /// The local MSDTC always exists once the node does: only its settings can differ.
    fn exists(_: &DtcNetworkObserved) -> bool {
        true
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// `-DtcName` (`Local`).
    pub dtc_name: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Network DTC access.
    pub network_dtc_access: bool,
    /// Inbound transactions.
    pub inbound: bool,
    /// Outbound transactions.
    pub outbound: bool,
    /// `Mutual`, `Incoming` or `NoAuth`.
    pub authentication: String,
    /// Allow Remote Clients (`RemoteClientAccessEnabled`): off.
    pub remote_clients: bool,
    /// Allow Remote Administration (`RemoteAdministrationAccessEnabled`): off.
    pub remote_administration: bool,
}

impl Desired {
    /// The MSDTC security options BizTalk documents (biztalk-ha.md §2.3; WB-DTC-01): Network
    /// DTC Access, inbound and outbound on with `authentication`; remote clients and remote
    /// administration off (their documented recommended value). Nothing more is opened.
    pub fn open(authentication: &str) -> Desired {
        Desired {
            network_dtc_access: true,
            inbound: true,
            outbound: true,
            authentication: authentication.to_string(),
            remote_clients: false,
            remote_administration: false,
        }
    }
}

/// `Get-DtcNetworkSetting -DtcName Local`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DtcNetworkObserved {
    /// Network DTC Access (the `NetworkDtcAccess` registry value of the Security tab).
    pub network_dtc_access: bool,
    /// `InboundTransactionsEnabled`.
    pub inbound: bool,
    /// `OutboundTransactionsEnabled`.
    pub outbound: bool,
    /// `AuthenticationLevel`: `Mutual`, `Incoming` or `NoAuth`.
    pub authentication: String,
    /// `RemoteClientAccessEnabled` (Allow Remote Clients).
    pub remote_clients: bool,
    /// `RemoteAdministrationAccessEnabled` (Allow Remote Administration).
    pub remote_administration: bool,
}
