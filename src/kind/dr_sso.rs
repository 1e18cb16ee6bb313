//! `dr_sso`: the DR site's Enterprise SSO master secret server, moved there during a DR
//! promotion (`dr.SITE.sso`, review3 F11), in the order of Microsoft's "How to move the
//! master secret server" (review4 F10): once the designated server's ENTSSO points at the
//! restored SSO database on the DR instance (its repoint's `UpdateRegistry.vbs`; the step
//! refuses otherwise, so it never writes the primary site's SSO database), `ssomanage
//! -updatedb` names that server in it, ENTSSO restarts there, and the master secret is
//! restored from the backup's DR copy; the site's other servers restart ENTSSO after it
//! (https://learn.microsoft.com/en-us/biztalk/core/how-to-move-the-master-secret-server ;
//! "How to restore the master secret":
//! https://learn.microsoft.com/en-us/biztalk/core/how-to-restore-the-master-secret).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct DrSso;

/// Verify: the SSO database names the DR site's SSO server as its master secret server.
pub const CHECK_SECRET_SERVER: &str = "dr-sso-secret-server";
/// Verify: the DR site's SSO server holds the master secret.
pub const CHECK_SECRET_HELD: &str = "dr-sso-secret-held";

impl Kind for DrSso {
    const REMOVAL: Removal =
        Removal::Kept("a DR promotion's move of the SSO master secret server");
    const KIND: ResourceKind = ResourceKind::DrSso;
    const CHECKS: &'static [&'static str] = &[CHECK_SECRET_SERVER, CHECK_SECRET_HELD];
    type Params = Params;
    type Desired = Desired;
    type Observed = DrSsoObserved;

    fn exists(o: &DrSsoObserved) -> bool {
        o.holds_secret
    }

    /// Whether the backup password travels with the step.
    fn extras(_: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        json!({ "backup_password": env.has_secret("backup_password") })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The DR copy of the master secret backup, as the designated server reads it
    /// (`biztalk.sso.dr_backup_file`).
    pub backup_file: String,
    /// SQL server name (network name) of the DR instance the SSO database was restored on.
    pub sso_server: String,
    /// The SSO database.
    pub sso_database: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The master secret server the SSO database names: the designated DR server.
    pub secret_server: String,
    /// The designated server holds the master secret.
    pub holds_secret: bool,
}

/// What the probe reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrSsoObserved {
    /// The master secret server the restored SSO database names (`None`: not readable yet).
    pub secret_server: Option<String>,
    /// This server holds the master secret (`HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS`).
    pub holds_secret: bool,
}
