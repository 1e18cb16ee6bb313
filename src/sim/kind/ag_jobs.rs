//! `ag_jobs` on a simulated node: BizTalk's SQL Agent jobs scripted onto this replica from
//! the primary (through the listener) where missing, then every step wrapped in the
//! primary-replica guard. A job must exist on the primary to be copied (the BizTalk group
//! configuration created it there).

use super::{Simulated, Spec};
use crate::kind::ag_jobs::{AgJobs, AgJobsObserved, CHECK_PRIMARY_ONLY, GUARD_STEP_DATABASE};
use crate::sim::checks::diff_check;
use crate::sim::sql::{missing_job, reach};
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for AgJobs {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<AgJobsObserved, String> {
        let i = reach(w, &s.params.server)?;
        let mut jobs = Vec::new();
        let mut guarded = Vec::new();
        for j in &s.params.jobs {
            if let Some(state) = i.jobs.get(&j.name) {
                jobs.push(j.name.clone());
                // Guarded: the step runs in master (a secondary's databases take no
                // connection, WB-AG-09) and tests its database's primary role first.
                if state.primary_guard.as_deref() == Some(j.database.as_str())
                    && state.step_database.as_deref() == Some(GUARD_STEP_DATABASE)
                {
                    guarded.push(j.name.clone());
                }
            }
        }
        jobs.sort();
        guarded.sort();
        Ok(AgJobsObserved { jobs, guarded })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        reach(w, &p.server)?;
        let local = w.instance(&p.server).expect("reached");
        let missing: Vec<_> = p
            .jobs
            .iter()
            .filter(|j| !local.jobs.contains_key(&j.name))
            .collect();
        let mut copies = Vec::new();
        if !missing.is_empty() {
            let source = reach(w, &p.source).map_err(|e| {
                format!(
                    "cannot read the jobs from the primary through {}: {e}",
                    p.source
                )
            })?;
            for j in missing {
                let job = source
                    .jobs
                    .get(&j.name)
                    .ok_or_else(|| missing_job(&j.name))?;
                copies.push((j.name.clone(), job.clone()));
            }
        }
        let i = w.instance_mut(&p.server).expect("reached");
        i.jobs.extend(copies);
        // The desired state is applied as given (a drift fault leaves a job unguarded).
        for j in &p.jobs {
            if let Some(state) = i.jobs.get_mut(&j.name) {
                let guard = s.desired.guarded.contains(&j.name);
                state.primary_guard = guard.then(|| j.database.clone());
                state.step_database = Some(if guard {
                    GUARD_STEP_DATABASE.to_string()
                } else {
                    j.database.clone()
                });
            }
        }
        Ok(())
    }

    /// `sp_delete_job` for each of BizTalk's jobs on this replica: the instance must answer.
    fn destroy(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        reach(w, &p.server)?;
        let i = w.instance_mut(&p.server).expect("reached");
        for j in &p.jobs {
            i.jobs.remove(&j.name);
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AgJobsObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_PRIMARY_ONLY,
            c,
            o,
            &["jobs", "guarded"],
            &c.apply_hint(),
        )])
    }
}
