//! `sso_server`: Enterprise SSO configured on one possible owner of the clustered master
//! secret server (`cluster.C.sso.node.N`): the first node creates the SSO system (and so
//! holds the master secret and writes its backup), every other node joins it and restores
//! the secret from that backup (biztalk-ha.md §6, Microsoft's "How to cluster the master
//! secret server", steps 3, 4 and 7).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct SsoServer;

/// Verify: Enterprise SSO is configured on the node against the group's SSO database.
pub const CHECK_CONFIGURED: &str = "sso-server-configured";
/// Verify: the node holds the master secret (it can serve as master secret server).
pub const CHECK_SECRET: &str = "sso-secret-held";

impl Kind for SsoServer {
    const REMOVAL: Removal = Removal::Kept("Enterprise SSO configured on the node; BizTalk configuration unconfigures it");
    const KIND: ResourceKind = ResourceKind::SsoServer;
    const CHECKS: &'static [&'static str] = &[CHECK_CONFIGURED, CHECK_SECRET];
    const EXTRA_FILES: &'static [ExtraFile] = &[ExtraFile {
        template: "biztalk/sso_configuration.xml",
        file: "SsoConfiguration.xml",
        step: "biztalk-config",
    }];
    type Params = Params;
    type Desired = Desired;
    type Observed = SsoServerObserved;

    fn exists(o: &SsoServerObserved) -> bool {
        o.configured
    }

    /// The Configuration.exe path, the service account split as the XML wants it, and which
    /// secrets travel with the step.
    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        let folder = ExtrasEnv::biztalk_folder(&p.version);
        let (domain, user) = p.service_account.split_once('\\').unwrap_or(("", ""));
        json!({
            "configuration_exe": format!("{folder}\\Configuration.exe"),
            "user": user,
            "domain": domain,
            "service_password": env.has_secret("service_password"),
            "backup_password": env.has_secret("backup_password"),
            // `C:\dir\file.bak` on the first node, as the other nodes reach it.
            "backup_share": admin_share(&p.first_node, &p.backup_file),
        })
    }
}

/// `\\NODE\C$\dir\file` for `C:\dir\file` (BZ107 makes the backup file a drive path).
fn admin_share(node: &str, path: &str) -> String {
    match path.split_once(":\\") {
        Some((drive, rest)) => format!("\\\\{node}\\{drive}$\\{rest}"),
        None => path.to_string(),
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// BizTalk Server version (where Configuration.exe is).
    pub version: String,
    /// This node creates the SSO system (the first possible owner); the others join it.
    pub create: bool,
    /// The node that creates the SSO system and writes the secret backup.
    pub first_node: String,
    /// SQL server name (network name) of the SSO database's instance.
    pub sso_server: String,
    /// The SSO database.
    pub sso_database: String,
    /// SSO Administrators group.
    pub sso_administrators: String,
    /// SSO Affiliate Administrators group.
    pub sso_affiliate_administrators: String,
    /// ENTSSO service account (`DOMAIN\name`).
    pub service_account: String,
    /// Master secret backup file (a drive path on the first node).
    pub backup_file: String,
    /// Master secret backup reminder.
    pub backup_reminder: Option<String>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Enterprise SSO is configured against the SSO database.
    pub configured: bool,
    /// The node holds the master secret.
    pub holds_secret: bool,
}

/// Enterprise SSO on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoServerObserved {
    /// The ENTSSO service exists and is configured against the SSO database.
    pub configured: bool,
    /// The node holds the master secret (`HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS`).
    pub holds_secret: bool,
}

#[cfg(test)]
mod tests {
    use super::admin_share;

    #[test]
    fn the_backup_is_reached_through_the_first_nodes_admin_share() {
        assert_eq!(
            admin_share("LABSQL1", "C:\\BizTalk\\SSO\\secret.bak"),
            "\\\\LABSQL1\\C$\\BizTalk\\SSO\\secret.bak"
        );
    }
}
