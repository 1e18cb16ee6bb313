//! `biztalk_server`: BizTalk Server configured on one BizTalk server of a group
//! (`biztalk.SITE.server.NAME`).
//!
//! The group configuration (`biztalk_group`) runs on the group's first server and creates the
//! group (SSO, group, Rule Engine, BAM tools) without the runtime. This kind then runs
//! `Configuration.exe /s` on every BizTalk server: on the first, the BizTalk runtime feature
//! (`Engine,BTSCfg`: the default hosts `BizTalkServerApplication` and
//! `BizTalkServerIsolatedHost` with an instance each); on every other server, Join the
//! existing SSO system, Join the existing group, and the same runtime feature (Microsoft,
//! "Install BizTalk Server in a multi-computer environment":
//! <https://learn.microsoft.com/biztalk/install-and-config-guides/install-biztalk-server-in-a-multi-computer-environment>;
//! the feature and question ids: "Working with the Configuration Framework", "Sample
//! Configuration XML File").

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, ResourceKind, Removal};

/// The kind.
pub struct BiztalkServer;

/// Verify: this server is a runtime member of the group (`MSBTS_Server` names it).
pub const CHECK_CONFIGURED: &str = "biztalk-server-configured";

/// The default in-process host the runtime feature creates.
pub const DEFAULT_HOST: &str = "BizTalkServerApplication";
/// The default isolated host the runtime feature creates.
pub const DEFAULT_ISOLATED_HOST: &str = "BizTalkServerIsolatedHost";

impl Kind for BiztalkServer {
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    const KIND: ResourceKind = ResourceKind::BiztalkServer;
    const CHECKS: &'static [&'static str] = &[CHECK_CONFIGURED];
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile {
        template: "biztalk/server_configuration.xml",
        file: "ServerConfiguration.xml",
        step: "biztalk-server-config",
    }];
    type Params = Params;
    type Desired = Desired;
    type Observed = BiztalkServerObserved;

    fn exists(o: &BiztalkServerObserved) -> bool {
        o.configured
    }

    /// The Configuration.exe path and the service accounts split as the XML wants them.
    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        let folder = ExtrasEnv::biztalk_folder(&p.version);
        let (domain, user) = p
            .service_account
            .as_deref()
            .unwrap_or("")
            .split_once('\\')
            .unwrap_or(("", ""));
        json!({
            "configuration_exe": format!("{folder}\\Configuration.exe"),
            "account": { "user": user, "domain": domain },
            "service_password": env.has_secret("service_password"),
            "host": DEFAULT_HOST,
            "isolated_host": DEFAULT_ISOLATED_HOST,
        })
    }
}

/// Inputs of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The BizTalk server.
    pub server: String,
    /// BizTalk Server version.
    pub version: String,
    /// This server joins the group (it is not the server the group was configured on).
    pub join: bool,
    /// SQL server name of the Management database's instance.
    pub management_server: String,
    /// The Management database.
    pub management_database: String,
    /// SQL server names of the MessageBox databases' instances (the host instances need them).
    pub messagebox_servers: Vec<String>,
    /// SQL server name of SSODB's instance.
    pub sso_server: String,
    /// The SSO database.
    pub sso_database: String,
    /// The in-process hosts' users group.
    pub host_users: String,
    /// The isolated hosts' users group.
    pub isolated_host_users: String,
    /// The account of ENTSSO and of the default host instances (`DOMAIN\name`): the
    /// inventory's ENTSSO service account.
    pub service_account: Option<String>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// BizTalk Server's runtime is configured on this server.
    pub configured: bool,
}

/// What the probe reports (unknown fields are refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BiztalkServerObserved {
    /// BizTalk's WMI provider lists this server (`MSBTS_Server`) in the group.
    pub configured: bool,
}
