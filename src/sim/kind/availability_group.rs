//! `availability_group` on a simulated node: `CREATE AVAILABILITY GROUP` on the primary
//! (HADR enabled, the local instance among the replicas, every replica on a node of the same
//! cluster, automatic failover only with synchronous commit and on at most 3 or 5
//! replicas), `ALTER … SET (DTC_SUPPORT = PER_DB)` and `ADD LISTENER`; the group's cluster
//! role, owned by the primary, carries the listener.

use super::{Simulated, Spec};
use crate::kind::availability_group::{
    AvailabilityGroup, AvailabilityGroupObserved, CHECK_GROUP, CHECK_LISTENER, CHECK_SYNCHRONIZED,
};
use crate::sim::ag::{replica_health, AgReplicaState, AgState, ListenerState};
use crate::sim::checks::diff_check;
use crate::sim::cluster::{active, group_state};
use crate::sim::world::{GroupKind, GroupState, World};
use crate::sim::Ctx;
use crate::step::Check;

/// SQL Server's message when HADR is off on the instance (Msg 35221).
fn hadr_off(server: &str) -> String {
    format!("Msg 35221: Could not process the operation. Always On Availability Groups replica manager is disabled on this instance of SQL Server ({server}). Enable Always On Availability Groups, by using the SQL Server Configuration Manager. Then, restart the SQL Server service, and retry the currently operation.")
}

/// The engine account the inventory gives the group.
fn account(c: &Ctx, name: &str) -> String {
    c.inv
        .availability_groups()
        .find(|(_, _, g)| g.name.eq_ignore_ascii_case(name))
        .map(|(_, _, g)| g.service_account.user.value.clone())
        .unwrap_or_default()
}

impl Simulated for AvailabilityGroup {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<AvailabilityGroupObserved, String> {
        let local = w
            .standalone_on(&c.node, &s.params.instance)
            .ok_or_else(|| {
                format!(
                    "SQL Server instance {} is not installed on {}",
                    s.params.instance, c.node
                )
            })?;
        let Some(ag) = w.ag(&s.desired.name) else {
            return Ok(AvailabilityGroupObserved::default());
        };
        // The group's metadata is on its joined replicas only.
        if !local.hadr_enabled
            || !ag
                .replicas
                .iter()
                .any(|r| r.joined && r.node.eq_ignore_ascii_case(&c.node))
        {
            return Ok(AvailabilityGroupObserved::default());
        }
        let acct = account(c, &ag.name);
        let mut replicas: Vec<String> = ag.replicas.iter().map(|r| r.server.clone()).collect();
        replicas.sort();
        let unhealthy = ag
            .replicas
            .iter()
            .filter_map(|r| {
                let (connected, healthy) = replica_health(w, ag, r, &acct);
                (!healthy).then(|| {
                    format!(
                        "{}: {}, {}",
                        r.server,
                        if connected {
                            "CONNECTED"
                        } else {
                            "DISCONNECTED"
                        },
                        if connected {
                            "PARTIALLY_HEALTHY"
                        } else {
                            "NOT_HEALTHY"
                        }
                    )
                })
            })
            .collect();
        let online = w
            .cluster(&ag.cluster)
            .and_then(|cl| {
                cl.group(&ag.name)
                    .map(|g| group_state(w, cl, g) == "Online")
            })
            .unwrap_or(false);
        let l = ag.listener.as_ref();
        let mut addresses: Vec<String> = l.map(|l| l.ips.clone()).unwrap_or_default();
        addresses.sort();
        Ok(AvailabilityGroupObserved {
            exists: true,
            name: Some(ag.name.clone()),
            dtc_support: Some(if ag.dtc_per_db { "PER_DB" } else { "NONE" }.into()),
            replicas,
            listener: l.map(|l| l.name.clone()),
            listener_port: l.map(|l| l.port),
            listener_addresses: addresses,
            listener_state: l.map(|_| if online { "ONLINE" } else { "OFFLINE" }.into()),
            unhealthy_replicas: unhealthy,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let (p, d) = (&s.params, &s.desired);
        let local = w.standalone_on(&c.node, &p.instance).ok_or_else(|| {
            format!(
                "SQL Server instance {} is not installed on {}",
                p.instance, c.node
            )
        })?;
        if !local.hadr_enabled {
            return Err(hadr_off(&c.node));
        }
        let key = d.name.to_ascii_uppercase();
        if !w.ags.contains_key(&key) {
            create(w, c, s)?;
        }
        // WB-AG-05: the CNO creates the listener's computer object (or takes a pre-staged one).
        if let Some(cluster) = w
            .ags
            .get(&key)
            .filter(|a| a.listener.is_none())
            .map(|a| a.cluster.clone())
        {
            // Its static addresses lie in client networks of the cluster (WB-AG-05).
            for ip in &p.listener_ips {
                crate::sim::roles::client_network(w, &cluster, &ip.ip)?;
            }
            crate::sim::env::create_computer_object(
                w,
                &d.listener,
                &format!(
                    "ALTER AVAILABILITY GROUP … ADD LISTENER : The network name resource '{}' failed to come online (event 1194)",
                    d.listener
                ),
            )?;
        }
        let ag = w.ags.get_mut(&key).expect("created");
        ag.dtc_per_db = true;
        if ag.listener.is_none() {
            ag.listener = Some(ListenerState {
                name: d.listener.clone(),
                ips: p.listener_ips.iter().map(|i| i.ip.clone()).collect(),
                port: d.listener_port,
            });
            let (cluster, name) = (ag.cluster.clone(), ag.name.clone());
            let ip = p.listener_ips.first().map(|i| i.ip.clone());
            if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&name)) {
                g.network_name = Some(d.listener.clone());
                g.ip = ip;
            }
        }
        Ok(())
    }

    /// `DROP AVAILABILITY GROUP` on the primary (WB-AG-10): HADR on there; the group's role
    /// and listener go with it, the secondaries' database copies are left RESTORING.
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let Some(ag) = w.ag(&s.desired.name).cloned() else {
            return Ok(());
        };
        let local = w.standalone_on(&c.node, &s.params.instance);
        if !local.is_some_and(|i| i.hadr_enabled) {
            return Err(hadr_off(&c.node));
        }
        for db in &ag.databases {
            crate::sim::ag::leave_restoring(w, &ag, db);
        }
        w.ags.remove(&ag.name.to_ascii_uppercase());
        if let Some(cl) = w.cluster_mut(&ag.cluster) {
            cl.groups.retain(|g| !g.name.eq_ignore_ascii_case(&ag.name));
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AvailabilityGroupObserved,
    ) -> Result<Vec<Check>, String> {
        let hint = c.apply_hint();
        let mut listener = diff_check(
            CHECK_LISTENER,
            c,
            o,
            &["listener", "listener_port", "listener_addresses"],
            &hint,
        );
        if listener.ok && o.listener_state.as_deref() != Some("ONLINE") {
            listener.ok = false;
            listener.detail = format!(
                "listener {} is {}; its role is not online on the primary",
                o.listener.as_deref().unwrap_or("?"),
                o.listener_state.as_deref().unwrap_or("missing")
            );
        }
        let synced = Check {
            name: CHECK_SYNCHRONIZED.into(),
            ok: o.exists && o.unhealthy_replicas.is_empty(),
            detail: if o.unhealthy_replicas.is_empty() {
                "every replica is connected and healthy".into()
            } else {
                format!(
                    "not connected or not healthy: {}; check the secondaries are up, joined and their endpoints reachable",
                    o.unhealthy_replicas.join("; ")
                )
            },
        };
        Ok(vec![
            diff_check(
                CHECK_GROUP,
                c,
                o,
                &["exists", "dtc_support", "replicas"],
                &hint,
            ),
            synced,
            listener,
        ])
    }
}

/// `CREATE AVAILABILITY GROUP` with SQL Server's preconditions (WB-AG-04).
fn create(w: &mut World, c: &Ctx, s: &Spec<AvailabilityGroup>) -> Result<(), String> {
    let (p, d) = (&s.params, &s.desired);
    if !p
        .replica_specs
        .iter()
        .any(|r| r.node.eq_ignore_ascii_case(&c.node))
    {
        return Err(format!("Msg 35220: the local server instance {} is not a replica of availability group '{}'; CREATE AVAILABILITY GROUP must run on the instance that becomes the primary", c.node, d.name));
    }
    let cl = w
        .cluster(&p.cluster)
        .filter(|cl| cl.is_member(&c.node) && active(w, &c.node))
        .ok_or_else(|| hadr_off(&c.node))?;
    for r in &p.replica_specs {
        if !cl.is_member(&r.node) {
            return Err(format!("Msg 19405: Failed to create availability group '{}': node '{}' of replica '{}' is not a node of the WSFC cluster {}", d.name, r.node, r.server, p.cluster));
        }
        if r.automatic_failover && !r.synchronous {
            return Err(format!("Msg 35215: replica '{}': FAILOVER_MODE = AUTOMATIC requires AVAILABILITY_MODE = SYNCHRONOUS_COMMIT", r.server));
        }
    }
    let version = c
        .inv
        .availability_groups()
        .find(|(_, _, g)| g.name.eq_ignore_ascii_case(&d.name))
        .map(|(_, _, g)| g.version.value.clone())
        .unwrap_or_default();
    let max = if matches!(version.as_str(), "2016" | "2017") {
        3
    } else {
        5
    };
    let sync = p.replica_specs.iter().filter(|r| r.synchronous).count();
    let auto = p
        .replica_specs
        .iter()
        .filter(|r| r.automatic_failover)
        .count();
    if sync > max || auto > max {
        return Err(format!("Msg 35213: availability group '{}' has {sync} synchronous-commit and {auto} automatic-failover replicas; SQL Server {version} allows at most {max}", d.name));
    }
    let nodes: Vec<String> = p.replica_specs.iter().map(|r| r.node.clone()).collect();
    let cluster = cl.name.clone();
    w.ags.insert(
        d.name.to_ascii_uppercase(),
        AgState {
            name: d.name.clone(),
            cluster: cluster.clone(),
            dtc_per_db: true,
            replicas: p
                .replica_specs
                .iter()
                .map(|r| AgReplicaState {
                    node: r.node.clone(),
                    server: r.server.to_ascii_uppercase(),
                    instance: p.instance.clone(),
                    synchronous: r.synchronous,
                    automatic_failover: r.automatic_failover,
                    joined: r.node.eq_ignore_ascii_case(&c.node),
                    lagging: false,
                })
                .collect(),
            listener: None,
            databases: Vec::new(),
            manual_seeding: !p.automatic_seeding,
        },
    );
    let cl = w.cluster_mut(&cluster).expect("checked");
    cl.groups.push(GroupState {
        name: d.name.clone(),
        kind: GroupKind::Ag,
        owner: c.node.clone(),
        possible_owners: nodes,
        // WSFC fails the role over automatically only to automatic-failover replicas.
        preferred_owners: p
            .replica_specs
            .iter()
            .filter(|r| r.automatic_failover)
            .map(|r| r.node.clone())
            .collect(),
        ..GroupState::default()
    });
    Ok(())
}
