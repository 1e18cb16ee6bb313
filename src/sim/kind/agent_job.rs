//! `agent_job` on a simulated node: another SQL Agent job's enabled state.

use super::{Simulated, Spec};
use crate::kind::agent_job::{AgentJob, AgentJobObserved, CHECK_STATE};
use crate::sim::checks::diff_check;
use crate::sim::sql::{missing_job, reach};
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for AgentJob {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<AgentJobObserved, String> {
        let found = reach(w, &s.params.server)?.jobs.get(&s.params.job_name);
        Ok(AgentJobObserved {
            exists: found.is_some(),
            enabled: found.map(|j| j.enabled),
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (server, job) = (&s.params.server, &s.params.job_name);
        if !reach(w, server)?.jobs.contains_key(job) {
            return Err(missing_job(job));
        }
        // WB-JOB-03: only sysadmin changes a job another login owns (Msg 14525).
        if reach(w, server)?.jobs.get(job).map(|j| j.enabled) != Some(s.desired.enabled) {
            crate::sim::sql_side::may_update_job(w, server, job)?;
        }
        let i = w.instance_mut(server).expect("reached");
        let j = i.jobs.get_mut(job).ok_or_else(|| missing_job(job))?;
        j.enabled = s.desired.enabled;
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AgentJobObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_STATE,
            c,
            o,
            &["exists", "enabled"],
            &c.apply_hint(),
        )])
    }
}
