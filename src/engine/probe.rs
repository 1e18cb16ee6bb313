//! Batched steps: every probe (or verify) step of a set of resources, grouped per host into
//! ONE payload per host (`continue_on_error: true`), hosts in parallel, one connection per
//! host. Owner-bound resources go to the first reachable candidate (probes and verify checks
//! ask the cluster or SQL through the network name, so any member answers). It takes
//! resources and an action; it produces one [`StepRun`] per resource, in input order, with
//! the reason when a resource could not be run (host down, step failed).

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context as _;

use crate::step::{Payload, PayloadStep, StepAction, WIRE_VERSION};
use crate::topology::{Resource, Target};

use super::context::Context;
use super::event::Event;
use super::host::par_map;

/// The result of one batched step.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// Resource address.
    pub address: String,
    /// The host it ran on (none when no host could be reached).
    pub host: Option<String>,
    /// The step's result object, or why there is none (scrubbed).
    pub result: Result<serde_json::Value, String>,
}

/// Which host runs `r` in a batch: its node, or the first reachable candidate.
pub fn choose_host(ctx: &Context, target: &Target) -> Result<String, String> {
    match target {
        Target::Node { host } => match ctx.pool.connect(host) {
            Ok(()) => Ok(host.clone()),
            Err(reason) => Err(format!("host {host} is unreachable: {reason}")),
        },
        Target::Owner {
            group, candidates, ..
        } => {
            let mut why = Vec::new();
            for c in candidates {
                match ctx.pool.connect(c) {
                    Ok(()) => return Ok(c.clone()),
                    Err(reason) => why.push(format!("{c}: {reason}")),
                }
            }
            Err(format!(
                "no possible owner of {group} is reachable ({})",
                why.join("; ")
            ))
        }
    }
}

/// Runs `action` for every resource, one payload per host.
pub fn run_batched(
    ctx: &Context,
    resources: &[&Resource],
    action: StepAction,
) -> anyhow::Result<Vec<StepRun>> {
    // Connect to every host involved first, in parallel, so owner-bound steps can go to a
    // host known to be up and each host still gets exactly one payload.
    let mut hosts: Vec<String> = Vec::new();
    for r in resources {
        let names: Vec<&String> = match &r.target {
            Target::Node { host } => vec![host],
            Target::Owner { candidates, .. } => candidates.iter().collect(),
        };
        for h in names {
            if !hosts.iter().any(|x| x.eq_ignore_ascii_case(h)) {
                hosts.push(h.clone());
            }
        }
    }
    par_map(&hosts, ctx.parallelism, |h| {
        let _ = ctx.pool.connect(h);
    });

    let mut runs: Vec<StepRun> = Vec::with_capacity(resources.len());
    // host → (payload, indexes into runs)
    let mut batches: BTreeMap<String, (Payload, Vec<usize>)> = BTreeMap::new();
    for r in resources {
        let i = runs.len();
        match choose_host(ctx, &r.target) {
            Err(reason) => runs.push(StepRun {
                address: r.address.clone(),
                host: None,
                result: Err(reason),
            }),
            Ok(host) => {
                let script = ctx
                    .scripts
                    .script(r, action)
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .with_context(|| {
                        format!("rendering the {} step of {}", action.as_str(), r.address)
                    })?;
                let entry = batches.entry(host.clone()).or_insert_with(|| {
                    (
                        Payload {
                            version: WIRE_VERSION,
                            steps: Vec::new(),
                            continue_on_error: true,
                            secrets: BTreeMap::new(),
                        },
                        Vec::new(),
                    )
                });
                ctx.resolve_secrets(r, &mut entry.0.secrets)
                    .map_err(|e| anyhow::anyhow!(e))?;
                entry.0.steps.push(PayloadStep { script });
                entry.1.push(i);
                runs.push(StepRun {
                    address: r.address.clone(),
                    host: Some(host),
                    result: Err("the node reported no result for this step".into()),
                });
            }
        }
    }

    let batches: Vec<(String, (Payload, Vec<usize>))> = batches.into_iter().collect();
    let results = par_map(&batches, ctx.parallelism, |(host, (payload, _))| {
        ctx.emit(Event::BatchStarted {
            host: host.clone(),
            action,
            steps: payload.steps.len(),
        });
        let t = Instant::now();
        let out = ctx.pool.run(host, payload);
        ctx.emit(Event::BatchFinished {
            host: host.clone(),
            action,
            ok: out.is_ok(),
            duration_ms: t.elapsed().as_millis() as u64,
        });
        out
    });
    for ((host, (_, idx)), result) in batches.iter().zip(results) {
        match result {
            Err(e) => {
                let e = ctx.scrub(&e.to_string());
                for &i in idx {
                    runs[i].result = Err(format!("{host}: {e}"));
                }
            }
            Ok(outcomes) => {
                for o in outcomes {
                    let Some(&i) = idx.get(o.index) else { continue };
                    if o.resource != runs[i].address {
                        runs[i].result = Err(format!(
                            "{host} answered step {} for {}, expected {}",
                            o.index, o.resource, runs[i].address
                        ));
                        continue;
                    }
                    runs[i].result = if o.ok {
                        o.result
                            .ok_or_else(|| "the step reported no result object".into())
                    } else {
                        Err(ctx.scrub(o.error.trim()))
                    };
                }
            }
        }
    }
    Ok(runs)
}
