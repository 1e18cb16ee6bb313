//! `sql_fci_node`: the FCI added to a further node (`sql.I.node.N`). Its params are the
//! FCI's own ([`super::sql_fci::Params`]): AddNode repeats the install's settings.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sql_fci::{setup_extras, Params};
use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind};

/// The kind.
pub struct SqlFciNode;

/// Verify: the node can own the FCI.
pub const CHECK_INSTALLED: &str = "sql-fci-node-installed";

impl Kind for SqlFciNode {
    const KIND: ResourceKind = ResourceKind::SqlFciNode;
    const CHECKS: &'static [&'static str] = &[CHECK_INSTALLED];
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile {
        template: "ini/add_node.ini",
        file: "ConfigurationFile.ini",
        step: "setup-ini",
    }];
    type Params = Params;
    type Desired = Desired;
    type Observed = SqlFciNodeObserved;

    fn exists(o: &SqlFciNodeObserved) -> bool {
        o.installed
    }

    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        setup_extras(p, env)
    }
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The node is a possible owner with the instance installed.
    pub installed: bool,
}

/// Whether a node can own the FCI (SQL binaries installed by AddNode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlFciNodeObserved {
    /// The node is a possible owner with the instance installed.
    pub installed: bool,
}
