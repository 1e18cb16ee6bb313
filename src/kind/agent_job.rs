//! `agent_job`: another SQL Agent job's enabled state (`sql.I.job.SLUG`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ExtraFile, ExtrasEnv, Kind, Removal, ResourceKind};

/// The kind.
pub struct AgentJob;

/// Verify: the job exists with the desired enabled state.
pub const CHECK_STATE: &str = "agent-job-state";

/// How the DTA purge job's name starts (its step needs the archive folder).
pub const DTA_PURGE_PREFIX: &str = "DTA Purge and Archive";

impl Kind for AgentJob {
    const KIND: ResourceKind = ResourceKind::AgentJob;
    const CHECKS: &'static [&'static str] = &[CHECK_STATE];
    const REMOVAL: Removal = Removal::WithParent(ResourceKind::BiztalkGroup);
    const EXTRA_FILES: &'static [ExtraFile] =
        &[ExtraFile::tsql("sql/agent_job.sql", "agent_job.sql")];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgentJobObserved;

    fn exists(o: &AgentJobObserved) -> bool {
        o.exists
    }

    /// `dta_folder`: the archive folder of the DTA purge job (null for other jobs).
    fn extras(p: &Params, _: &Desired, env: &ExtrasEnv) -> Value {
        let folder = if p.job_name.starts_with(DTA_PURGE_PREFIX) {
            json!(env.backup_destination)
        } else {
            Value::Null
        };
        json!({ "dta_folder": folder })
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SQL server name.
    pub server: String,
    /// Job name.
    pub job_name: String,
    /// The database the job works on.
    pub database: String,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The job exists.
    pub exists: bool,
    /// Enabled.
    pub enabled: bool,
}

/// Another SQL Agent job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentJobObserved {
    /// The job exists.
    pub exists: bool,
    /// Enabled.
    pub enabled: Option<bool>,
}
