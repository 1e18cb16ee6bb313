//! `host_instances` on a simulated BizTalk server: `MSBTS_HostInstance` and the local ENTSSO
//! service as the runtime in `sim/biztalk_runtime.rs` has them, the events since a watched
//! moment, and starting the stopped ones.

use super::{Simulated, Spec};
use crate::kind::host_instances::{
    HostInstance, HostInstances, HostInstancesObserved, AUTOMATIC, CHECK_CLUSTERED_WITH_SSO,
    CHECK_ENTSSO, CHECK_RUNNING, RUNNING,
};
use crate::sim::biztalk_runtime::{databases_answer, events_since, instances, start_stopped};
use crate::sim::world::{GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// Whether `server` is a node of a cluster with a clustered ENTSSO (an SSO role): then every
/// host instance on it must be clustered (WB-HOST-04,
/// <https://learn.microsoft.com/biztalk/core/how-to-cluster-the-master-secret-server1>).
fn entsso_clustered(w: &World, server: &str) -> bool {
    w.clusters
        .values()
        .any(|cl| cl.is_member(server) && cl.groups.iter().any(|g| g.kind == GroupKind::Sso))
}

/// Hosts of the automatic host instances that are not running.
fn stopped_hosts(list: &[HostInstance]) -> Vec<String> {
    list.iter()
        .filter(|i| i.start_mode == AUTOMATIC && i.state != RUNNING)
        .map(|i| i.host.clone())
        .collect()
}

impl Simulated for HostInstances {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<HostInstancesObserved, String> {
        let host = c.this_host(w)?;
        let list = instances(w, &c.node);
        // `sim fault service-stop SERVER ENTSSO` stops the service itself.
        let entsso = host.biztalk.as_ref().map(|rt| {
            if host.stopped("ENTSSO") {
                "Stopped".to_string()
            } else {
                rt.entsso.clone()
            }
        });
        let mut stopped_automatic: Vec<String> = stopped_hosts(&list);
        if entsso.as_deref().is_some_and(|e| e != RUNNING) {
            stopped_automatic.push("ENTSSO".into());
        }
        Ok(HostInstancesObserved {
            exists: host.biztalk.is_some(),
            clock_s: w.clock_s,
            instances: list,
            stopped_automatic,
            entsso,
            entsso_clustered: entsso_clustered(w, &c.node),
            timeline: s
                .params
                .watch
                .map(|wt| events_since(w, &c.node, wt.since_s))
                .unwrap_or_default(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, _: &Spec<Self>) -> Result<(), String> {
        start_stopped(w, &c.node)
    }

    fn verify(
        w: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &HostInstancesObserved,
    ) -> Result<Vec<Check>, String> {
        let server = &c.node;
        if !o.exists {
            // A server the inventory names as a BizTalk server must be one: no BizTalk
            // runtime here fails every check (review3 F6), never passes it.
            let none = format!("BizTalk Server is not configured on {server} (no BizTalk WMI namespace): no host instance can run here; configure it (`bisrc apply`, its biztalk.SITE.server step)");
            return Ok(vec![
                check(CHECK_RUNNING, false, none.clone()),
                check(CHECK_ENTSSO, false, none.clone()),
                check(CHECK_CLUSTERED_WITH_SSO, false, none),
            ]);
        }
        if o.instances.is_empty() {
            let none = format!("BizTalk Server is configured on {server} but it has no host instance: no message can be processed here; configure the BizTalk runtime on it");
            return Ok(vec![
                check(CHECK_RUNNING, false, none),
                check(
                    CHECK_ENTSSO,
                    o.entsso.as_deref() == Some(RUNNING),
                    format!(
                        "ENTSSO is {} on {server}",
                        o.entsso.as_deref().unwrap_or("not installed")
                    ),
                ),
                check(
                    CHECK_CLUSTERED_WITH_SSO,
                    true,
                    format!("{server} has no host instance to cluster"),
                ),
            ]);
        }
        let stopped = stopped_hosts(&o.instances);
        let running = stopped.is_empty();
        let entsso = o.entsso.as_deref().unwrap_or("not installed");
        let unclustered: Vec<&str> = o
            .instances
            .iter()
            .filter(|i| !i.clustered)
            .map(|i| i.host.as_str())
            .collect();
        let safe = !o.entsso_clustered || unclustered.is_empty();
        Ok(vec![
            check(
                CHECK_RUNNING,
                running,
                if running {
                    format!(
                        "{} host instance(s) on {server}, every automatic one running",
                        o.instances.len()
                    )
                } else if !databases_answer(w, server) {
                    format!(
                        "automatic host instance(s) {} stopped on {server}: their MessageBox or Management database does not answer (Event 6913), so they recycle every minute (Event 5410); bring the SQL Server role online and they run again within a minute",
                        stopped.join(", ")
                    )
                } else {
                    format!(
                        "automatic host instance(s) {} stopped on {server}; start them (`bisrc apply --target '{}'` or Start-Service 'BTSSvc$HOST' on {server}) and read Events 5410/6913 in its Application log",
                        stopped.join(", "),
                        c.address
                    )
                },
            ),
            check(
                CHECK_ENTSSO,
                entsso == RUNNING,
                if entsso == RUNNING {
                    format!("ENTSSO running on {server}")
                } else {
                    format!(
                        "ENTSSO is {entsso} on {server} (Event 10590: SSODB was away about 5 minutes or more); once SSODB answers, restart it (Restart-Service ENTSSO on {server}, or `bisrc apply --target '{}'`)",
                        c.address
                    )
                },
            ),
            check(
                CHECK_CLUSTERED_WITH_SSO,
                safe,
                if !o.entsso_clustered {
                    format!("{server} is not a node of a cluster where ENTSSO is clustered")
                } else if safe {
                    format!("every host instance on {server} is clustered with SSO")
                } else {
                    format!(
                        "{server} is a cluster node where ENTSSO is clustered, and host instance(s) {} are not clustered: they fail when ENTSSO moves; cluster those hosts in the same group as SSO (biztalk-ha.md §6)",
                        unclustered.join(", ")
                    )
                },
            ),
        ])
    }
}
