//! `ag_replica` on a simulated node: the standalone instance's HADR feature (on after the
//! service restarts, only on a node of a running cluster) and its database mirroring endpoint.

use super::{Simulated, Spec};
use crate::kind::ag_replica::{
    AgReplica, AgReplicaObserved, CHECK_ENDPOINT, CHECK_HADR, CHECK_IN_DOUBT,
};
use crate::sim::ag::{standalone_key, Endpoint};
use crate::sim::checks::diff_check;
use crate::sim::cluster::active;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for AgReplica {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<AgReplicaObserved, String> {
        let Some(i) = w
            .standalone
            .get(&standalone_key(&c.node, &s.params.instance))
        else {
            return Ok(AgReplicaObserved::default());
        };
        let account = s.params.service_account.to_ascii_lowercase();
        let e = i.endpoint.as_ref();
        Ok(AgReplicaObserved {
            installed: true,
            hadr_enabled: Some(i.hadr_enabled),
            endpoint_port: e.map(|e| e.port),
            endpoint_state: e.map(|e| e.state.clone()),
            connect_granted: e.map(|e| e.connect.contains(&account)),
            in_doubt_xact_resolution: Some(i.in_doubt_xact_resolution),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let key = standalone_key(&c.node, &s.params.instance);
        if !w.standalone.contains_key(&key) {
            return Err(format!(
                "SQL Server instance {} is not installed on {}; install a standalone instance there before bisrc builds availability group {}",
                s.params.instance, c.node, s.params.availability_group
            ));
        }
        // WB-AG-01: the Always On feature needs the instance on a WSFC node whose cluster
        // service runs; SQL Server reads the setting when the service starts.
        let member = c
            .node_cluster()
            .and_then(|cl| w.cluster(&cl))
            .is_some_and(|cl| cl.is_member(&c.node));
        let i = &w.standalone[&key];
        if !i.hadr_enabled && (!member || !active(w, &c.node)) {
            return Err(format!(
                "The Always On Availability Groups feature cannot be enabled on '{}': the computer is not a node in a Windows Server Failover Clustering (WSFC) cluster, or its cluster service is not running. (SQL Server Configuration Manager; SQL Server error 35220)",
                s.params.server
            ));
        }
        let account = s.params.service_account.to_ascii_lowercase();
        let i = w.standalone.get_mut(&key).expect("checked");
        i.hadr_enabled = s.desired.hadr_enabled;
        let e = i.endpoint.get_or_insert_with(Endpoint::default);
        e.port = s.desired.endpoint_port;
        e.state = s.desired.endpoint_state.clone();
        // The desired state is applied as given (a drift fault applies `false`: REVOKE).
        e.connect.retain(|a| a != &account);
        if s.desired.connect_granted {
            e.connect.push(account);
        }
        if let Some(v) = s.desired.in_doubt_xact_resolution {
            // WB-AG-11: an advanced option, in effect at RECONFIGURE (no restart).
            if v > 2 {
                return Err(format!("Msg 15129: '{v}' is not a valid value for configuration option 'in-doubt xact resolution'."));
            }
            i.in_doubt_xact_resolution = v;
        }
        Ok(())
    }

    /// The replica's instance after its group was dropped (WB-AG-10): the group's database
    /// copies left RESTORING dropped, the endpoint dropped, Always On disabled (a service
    /// restart). Disabling it while the instance still holds a replica of a group is refused
    /// by bisrc's order, not by SQL Server, so the simulator does not refuse it either.
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let key = standalone_key(&c.node, &s.params.instance);
        let Some(i) = w.standalone.get_mut(&key) else {
            return Ok(());
        };
        let left: Vec<String> = i
            .restoring
            .iter()
            .filter(|d| s.params.databases.contains(d))
            .cloned()
            .collect();
        for db in &left {
            i.sql.databases.remove(db);
        }
        i.restoring.retain(|d| !left.contains(d));
        i.endpoint = None;
        i.hadr_enabled = false;
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &AgReplicaObserved,
    ) -> Result<Vec<Check>, String> {
        let hint = c.apply_hint();
        Ok(vec![
            diff_check(CHECK_HADR, c, o, &["installed", "hadr_enabled"], &hint),
            diff_check(
                CHECK_ENDPOINT,
                c,
                o,
                &["endpoint_port", "endpoint_state", "connect_granted"],
                &hint,
            ),
            diff_check(CHECK_IN_DOUBT, c, o, &["in_doubt_xact_resolution"], &hint),
        ])
    }
}
