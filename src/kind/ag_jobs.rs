//! `ag_jobs`: BizTalk's SQL Agent jobs on one availability replica (`ag.AG.jobs.NODE`). An
//! availability group replicates databases, not `msdb`: BizTalk configuration creates its
//! jobs on the primary only, and a job runs on every replica that has it whatever the
//! replica's role. So each job is scripted onto every replica from the primary, and every
//! step runs behind `IF (sys.fn_hadr_is_primary_replica(N'db') = 1)` (biztalk-ha.md §4.2,
//! "High availability using SQL Server Always On availability groups"). SQL Server Agent
//! opens a step's connection in the step's database before any of its command runs, and a
//! secondary's databases take no connection (`ALLOW_CONNECTIONS = NO`, the default): so the
//! step runs in `master` and enters its database only on the primary,
//! `… = 1) EXEC (N'USE [db]; <command>')` (templates/sql/ag_jobs_guard.sql).

use serde::{Deserialize, Serialize};

use super::{ExtraFile, Kind, ResourceKind};

/// The kind.
pub struct AgJobs;

/// Verify: every BizTalk job is on the replica and each of its steps runs only on the primary.
pub const CHECK_PRIMARY_ONLY: &str = "ag-jobs-primary-only";

/// The database a guarded step runs in (`@database_name`), whatever the replica's role.
pub const GUARD_STEP_DATABASE: &str = "master";

impl Kind for AgJobs {
    const KIND: ResourceKind = ResourceKind::AgJobs;
    const CHECKS: &'static [&'static str] = &[CHECK_PRIMARY_ONLY];
    const EXTRA_FILES: &'static [ExtraFile] = &[
        ExtraFile::tsql("sql/ag_jobs_probe.sql", "ag_jobs_probe.sql"),
        ExtraFile::tsql("sql/ag_jobs_guard.sql", "ag_jobs_guard.sql"),
        ExtraFile::tsql("sql/ag_jobs_drop.sql", "ag_jobs_drop.sql"),
    ];
    type Params = Params;
    type Desired = Desired;
    type Observed = AgJobsObserved;

    fn exists(o: &AgJobsObserved) -> bool {
        !o.jobs.is_empty()
    }
}

/// One BizTalk job and the database whose primary role its guard tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    /// The job's name.
    pub name: String,
    /// The availability database the job works on.
    pub database: String,
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The availability group.
    pub availability_group: String,
    /// This replica's server name (`NODE` or `NODE\INSTANCE`).
    pub server: String,
    /// Where the jobs are copied from: the listener, which reaches the primary.
    pub source: String,
    /// BizTalk's jobs.
    pub jobs: Vec<JobSpec>,
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The jobs present on the replica, sorted.
    pub jobs: Vec<String>,
    /// The jobs whose every step is behind the primary-replica guard, sorted.
    pub guarded: Vec<String>,
}

/// What the probe reports on the replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgJobsObserved {
    /// BizTalk's jobs present on the replica, sorted.
    pub jobs: Vec<String>,
    /// Those whose every step is behind the guard, sorted.
    pub guarded: Vec<String>,
}
