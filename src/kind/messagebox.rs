//! `messagebox`: one MessageBox of the BizTalk group and its new-message publication, through
//! BizTalk's WMI class `MSBTS_MsgBoxSetting` (`biztalk.SITE.messagebox.DB`). The master
//! MessageBox is created by the group configuration; every other one is created here, as the
//! Administration console does (a new `MSBTS_MsgBoxSetting` instance), never by writing
//! BizTalk's tables. Publication is turned off on the master only after the others exist and
//! publish (biztalk-ha.md §2.4).

use serde::{Deserialize, Serialize};

use serde_json::{json, Value};

use super::{ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct Messagebox;

/// Verify: the MessageBox belongs to the group and publishes as desired.
pub const CHECK_PUBLISHING: &str = "messagebox-publishing";

impl Kind for Messagebox {
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    const KIND: ResourceKind = ResourceKind::Messagebox;
    const CHECKS: &'static [&'static str] = &[CHECK_PUBLISHING];
    type Params = Params;
    type Desired = Desired;
    type Observed = MessageboxObserved;

    fn exists(o: &MessageboxObserved) -> bool {
        o.exists
    }

    /// `DisableNewMessagePublication` as the WMI property wants it.
    fn extras(_: &Params, d: &Desired, _: &ExtrasEnv) -> Value {
        json!({ "disable_publication": !d.publishing })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name (network name) of the MessageBox's instance.
    pub server: String,
    /// The MessageBox database.
    pub database: String,
    /// The master MessageBox (created by the group configuration, not here).
    pub master: bool,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The MessageBox belongs to the group.
    pub exists: bool,
    /// New message publication (`DisableNewMessagePublication` is its negation).
    pub publishing: bool,
}

/// One MessageBox as BizTalk's WMI provider reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageboxObserved {
    /// An `MSBTS_MsgBoxSetting` instance names it.
    pub exists: bool,
    /// New message publication.
    pub publishing: Option<bool>,
}
