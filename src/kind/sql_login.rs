//! `sql_login`: a Windows login and its server roles (`sql.I.login.NAME`).

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, ResourceKind};

/// The kind.
pub struct SqlLogin;

/// Verify: the login exists with the desired server roles.
pub const CHECK_EXISTS: &str = "sql-login-exists";

impl Kind for SqlLogin {
    const KIND: ResourceKind = ResourceKind::SqlLogin;
    const CHECKS: &'static [&'static str] = &[CHECK_EXISTS];
    const EXTRA_FILES: &'static [ExtraFile] =
        &[ExtraFile::tsql("sql/sql_login.sql", "sql_login.sql")];
    type Params = Params;
    type Desired = Desired;
    type Observed = SqlLoginObserved;

    fn exists(o: &SqlLoginObserved) -> bool {
        o.exists
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name.
    pub server: String,
    /// `DOMAIN\name`.
    pub login: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The login exists.
    pub exists: bool,
    /// Fixed server roles (sorted).
    pub server_roles: Vec<String>,
}

/// A Windows login on the instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlLoginObserved {
    /// The login exists.
    pub exists: bool,
    /// Fixed server roles it is a member of (sorted).
    pub server_roles: Vec<String>,
}
