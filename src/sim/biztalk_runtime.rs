//! The BizTalk runtime of a simulated BizTalk server: its host instances and local ENTSSO,
//! created where BizTalk configuration ran, and what a SQL Server outage does to them.
//!
//! Every behaviour here is Microsoft's documented one (biztalk-ha.md §3, docs/windows-
//! behaviour.md WB-HOST-01..05), with simulated time: the world keeps a clock (`World::clock_s`)
//! that only moves when something takes time (a failover of an FCI group), and each server
//! keeps an event log like the Windows Application and System logs the real probe reads.
//!
//! - WB-HOST-01: an in-process host instance that loses its MessageBox or Management database
//!   logs Event 5410 and shuts down, auto-restarting every minute until SQL answers again
//!   (<https://learn.microsoft.com/biztalk/core/behavior-of-biztalk-server-host-instances-during-sql-server-failover>).
//! - WB-HOST-03: ENTSSO polls SSODB about every 30 s and takes itself offline (Event 10590)
//!   when SSODB stays away about 5 minutes (same page;
//!   <https://learn.microsoft.com/biztalk/core/single-sign-on-event-10590>). The simulator
//!   keeps it offline until the service is restarted ([inference], see the WB entry).

use serde::{Deserialize, Serialize};

use super::sql::online;
use super::world::World;
use crate::kind::host_instances::{
    Event, HostInstance, AUTOMATIC, HOST_RESTART_S, OFFLINE, RUNNING, SSO_OFFLINE_AFTER_S,
};

/// How long a simulated FCI failover keeps its databases away. Microsoft documents no
/// number (it depends on recovery); this is the simulator's assumption, not a fact.
pub const SIM_FAILOVER_OUTAGE_S: u64 = 20;

/// Event IDs the timeline carries.
pub const EVENT_HOST_SHUTDOWN: u32 = 5410;
/// Service Control Manager: the service entered the running state.
pub const EVENT_SERVICE_RUNNING: u32 = 7036;
/// ENTSSO: Enterprise Single Sign-On is going offline.
pub const EVENT_SSO_OFFLINE: u32 = 10590;

/// The BizTalk runtime on one server (set where BizTalk configuration ran).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeState {
    /// The instances (network names) holding the Management and MessageBox databases: the
    /// host instances stop while any is away.
    pub host_databases: Vec<String>,
    /// The instance holding SSODB.
    pub sso_database: Option<String>,
    /// Host instances.
    pub instances: Vec<InstanceRun>,
    /// ENTSSO: `Running`, `Offline` or `Stopped`.
    pub entsso: String,
    /// Event log, oldest first, in world-clock seconds.
    pub events: Vec<LoggedEvent>,
}

/// One host instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceRun {
    /// Host name.
    pub host: String,
    /// In-process (isolated hosts pause instead of stopping).
    pub in_process: bool,
    /// `Automatic`, `Manual`, `Disabled`.
    pub start_mode: String,
    /// Clustered host instance.
    pub clustered: bool,
    /// `Running` or `Stopped`.
    pub state: String,
    /// Fault `host-stuck`: its next automatic restart does not happen.
    pub stuck: bool,
}

/// One event in a server's log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// World clock, seconds.
    pub at_s: u64,
    /// Host name or `ENTSSO`.
    pub subject: String,
    /// The state entered.
    pub state: String,
    /// Event ID.
    pub event_id: u32,
}

/// The name Windows gives a host instance.
pub fn instance_name(host: &str, server: &str) -> String {
    format!("Microsoft BizTalk Server {host} {server}")
}

/// BizTalk configuration ran on `server`: the default in-process host
/// `BizTalkServerApplication` gets an automatic host instance there, started, and ENTSSO runs.
pub fn configure(w: &mut World, server: &str, host_databases: Vec<String>, sso: Option<String>) {
    if let Some(h) = w.host_mut(server) {
        h.biztalk.get_or_insert_with(|| RuntimeState {
            host_databases,
            sso_database: sso,
            instances: vec![InstanceRun {
                host: "BizTalkServerApplication".into(),
                in_process: true,
                start_mode: AUTOMATIC.into(),
                clustered: false,
                state: RUNNING.into(),
                stuck: false,
            }],
            entsso: RUNNING.into(),
            events: Vec::new(),
        });
    }
}

/// The FCI `instance` (network name) was away from `from_s` for `away_s` seconds (a
/// failover): plays the documented consequences on every BizTalk server and moves the world
/// clock to when everything that recovers by itself has recovered.
pub fn sql_outage(w: &mut World, instance: &str, from_s: u64, away_s: u64) {
    let back_s = from_s + away_s;
    let mut end = back_s;
    for h in w.hosts.values_mut() {
        let Some(rt) = h.biztalk.as_mut() else {
            continue;
        };
        let hits = |n: &String| n.eq_ignore_ascii_case(instance);
        if rt.host_databases.iter().any(hits) {
            for hi in rt
                .instances
                .iter_mut()
                .filter(|i| i.in_process && i.state == RUNNING)
            {
                // 5410 at the loss, then a restart attempt every minute; the first one after
                // SQL is back succeeds (unless the instance is stuck).
                let cycles = away_s.div_ceil(HOST_RESTART_S).max(1);
                let mut log = |at_s: u64, state: &str, event_id: u32| {
                    rt.events.push(LoggedEvent {
                        at_s,
                        subject: hi.host.clone(),
                        state: state.into(),
                        event_id,
                    })
                };
                log(from_s, "Stopped", EVENT_HOST_SHUTDOWN);
                for k in 1..cycles {
                    log(from_s + k * HOST_RESTART_S, "Stopped", EVENT_HOST_SHUTDOWN);
                }
                let restart = from_s + cycles * HOST_RESTART_S;
                end = end.max(restart);
                if hi.stuck {
                    hi.state = "Stopped".into();
                } else {
                    log(restart, RUNNING, EVENT_SERVICE_RUNNING);
                    hi.state = RUNNING.into();
                }
            }
        }
        let sso_hit = rt.sso_database.as_ref().is_some_and(hits);
        if sso_hit && away_s >= SSO_OFFLINE_AFTER_S && rt.entsso == RUNNING {
            rt.entsso = OFFLINE.into();
            rt.events.push(LoggedEvent {
                at_s: from_s + SSO_OFFLINE_AFTER_S,
                subject: "ENTSSO".into(),
                state: OFFLINE.into(),
                event_id: EVENT_SSO_OFFLINE,
            });
        }
        rt.events.sort_by_key(|e| e.at_s);
    }
    w.clock_s = w.clock_s.max(end);
}

/// A failover moved group `group` of `cluster`: when it holds a SQL Server FCI, its
/// databases were away for [`SIM_FAILOVER_OUTAGE_S`] (or the `ssodb-away` fault's seconds,
/// when it holds SSODB), starting now.
pub fn group_moved(w: &mut World, cluster: &str, group: &str) {
    let Some(i) = w
        .instances
        .values()
        .find(|i| i.cluster.eq_ignore_ascii_case(cluster) && i.group.eq_ignore_ascii_case(group))
    else {
        return;
    };
    let name = i.network_name.clone();
    let holds_ssodb = i
        .databases
        .values()
        .any(|d| d.role.as_deref() == Some("sso"));
    let away_s = match w.faults.ssodb_away_s {
        Some(s) if holds_ssodb => {
            w.faults.ssodb_away_s = None;
            s
        }
        _ => SIM_FAILOVER_OUTAGE_S,
    };
    // A second after the last thing that happened (what a watch looks back from).
    let from_s = w.clock_s + 1;
    sql_outage(w, &name, from_s, away_s);
}

/// Fault `host-stuck`: the host instance of `host` on `server` will not restart by itself.
pub fn make_stuck(w: &mut World, server: &str, host: &str) -> Result<(), String> {
    let rt = w
        .host_mut(server)
        .and_then(|h| h.biztalk.as_mut())
        .ok_or_else(|| format!("BizTalk Server is not configured on {server} (apply first)"))?;
    let known: Vec<String> = rt.instances.iter().map(|i| i.host.clone()).collect();
    let i = rt
        .instances
        .iter_mut()
        .find(|i| i.host.eq_ignore_ascii_case(host))
        .ok_or_else(|| {
            format!(
                "{server} has no host instance of host {host}; it has: {}",
                known.join(", ")
            )
        })?;
    i.stuck = true;
    Ok(())
}

/// Whether the MessageBox and Management databases of `server`'s host instances answer now.
pub fn databases_answer(w: &World, server: &str) -> bool {
    w.host(server)
        .and_then(|h| h.biztalk.as_ref())
        .is_none_or(|rt| all_online(w, &rt.host_databases))
}

/// Whether every instance in `names` answers now.
fn all_online(w: &World, names: &[String]) -> bool {
    names
        .iter()
        .all(|n| w.instance(n).is_some_and(|i| online(w, i)))
}

/// The host instances of `server` as `MSBTS_HostInstance` shows them now: an in-process
/// instance whose database is away right now (its group offline) is recycling, so Stopped.
pub fn instances(w: &World, server: &str) -> Vec<HostInstance> {
    let Some(rt) = w.host(server).and_then(|h| h.biztalk.as_ref()) else {
        return Vec::new();
    };
    let reachable = all_online(w, &rt.host_databases);
    rt.instances
        .iter()
        .map(|i| HostInstance {
            name: instance_name(&i.host, server),
            host: i.host.clone(),
            state: if i.in_process && !reachable {
                "Stopped".into()
            } else {
                i.state.clone()
            },
            start_mode: i.start_mode.clone(),
            clustered: i.clustered,
        })
        .collect()
}

/// The events of `server` after world-clock `since_s`, relative to it.
pub fn events_since(w: &World, server: &str, since_s: u64) -> Vec<Event> {
    w.host(server)
        .and_then(|h| h.biztalk.as_ref())
        .map(|rt| {
            rt.events
                .iter()
                .filter(|e| e.at_s > since_s)
                .map(|e| Event {
                    t_s: e.at_s - since_s,
                    subject: e.subject.clone(),
                    state: e.state.clone(),
                    event_id: e.event_id,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Starts every stopped automatic host instance of `server` (and restarts an offline or
/// stopped ENTSSO first: host instances depend on it). Fails as `Start-Service` would when
/// their databases do not answer.
pub fn start_stopped(w: &mut World, server: &str) -> Result<(), String> {
    let reachable = match w.host(server).and_then(|h| h.biztalk.as_ref()) {
        Some(rt) => all_online(w, &rt.host_databases),
        None => return Ok(()),
    };
    let h = w.host(server).expect("checked above");
    let sso_stopped = h.stopped("ENTSSO");
    let rt = h.biztalk.as_ref().expect("checked above");
    let idle = rt.entsso == RUNNING
        && !sso_stopped
        && rt
            .instances
            .iter()
            .all(|i| i.start_mode != AUTOMATIC || i.state == RUNNING);
    if idle {
        return Ok(());
    }
    // Starting takes a moment: the events land after whatever a watch already saw.
    w.clock_s += 1;
    let clock = w.clock_s;
    let h = w.host_mut(server).expect("checked above");
    // `sim fault service-stop SERVER ENTSSO` stopped the service itself.
    h.stopped_services
        .retain(|s| !s.eq_ignore_ascii_case("ENTSSO"));
    let rt = h.biztalk.as_mut().expect("checked above");
    if rt.entsso != RUNNING || sso_stopped {
        rt.entsso = RUNNING.into();
        rt.events.push(LoggedEvent {
            at_s: clock,
            subject: "ENTSSO".into(),
            state: RUNNING.into(),
            event_id: EVENT_SERVICE_RUNNING,
        });
    }
    for i in rt
        .instances
        .iter_mut()
        .filter(|i| i.start_mode == AUTOMATIC && i.state != RUNNING)
    {
        if !reachable {
            return Err(format!(
                "Start-Service : Service 'BizTalk Service BizTalk Group : {}' cannot be started: the MessageBox or Management database does not answer (Event 6913)",
                i.host
            ));
        }
        i.state = RUNNING.into();
        i.stuck = false;
        rt.events.push(LoggedEvent {
            at_s: clock,
            subject: i.host.clone(),
            state: RUNNING.into(),
            event_id: EVENT_SERVICE_RUNNING,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::HostState;

    /// A world with one BizTalk server whose host databases and SSODB are on `SQL1`.
    fn world() -> World {
        let mut w = World::default();
        w.hosts.insert(
            "BTS1".into(),
            HostState {
                name: "BTS1".into(),
                up: true,
                ..HostState::default()
            },
        );
        configure(&mut w, "BTS1", vec!["SQL1".into()], Some("SQL1".into()));
        w
    }

    fn rt(w: &World) -> &RuntimeState {
        w.host("BTS1").unwrap().biztalk.as_ref().unwrap()
    }

    /// (seconds after the outage began, subject, event id) of the server's log.
    fn log(w: &World, from_s: u64) -> Vec<(u64, String, u32)> {
        rt(w)
            .events
            .iter()
            .map(|e| (e.at_s - from_s, e.subject.clone(), e.event_id))
            .collect()
    }

    fn host(t: u64, id: u32) -> (u64, String, u32) {
        (t, "BizTalkServerApplication".into(), id)
    }

    #[test]
    fn a_short_outage_costs_one_restart_cycle_of_one_minute() {
        for away in [1, 20, 60] {
            let mut w = world();
            sql_outage(&mut w, "sql1", 100, away);
            assert_eq!(log(&w, 100), [host(0, 5410), host(60, 7036)], "{away} s");
            assert_eq!(rt(&w).instances[0].state, RUNNING);
            assert_eq!(rt(&w).entsso, RUNNING);
            assert_eq!(w.clock_s, 160, "the clock moves to the restart");
        }
    }

    #[test]
    fn a_longer_outage_repeats_5410_every_minute_until_sql_is_back() {
        let mut w = world();
        sql_outage(&mut w, "SQL1", 0, 61);
        assert_eq!(log(&w, 0), [host(0, 5410), host(60, 5410), host(120, 7036)]);
    }

    #[test]
    fn entsso_goes_offline_only_after_five_minutes_without_ssodb() {
        let mut w = world();
        sql_outage(&mut w, "SQL1", 0, SSO_OFFLINE_AFTER_S - 1);
        assert_eq!(rt(&w).entsso, RUNNING);
        let mut w = world();
        sql_outage(&mut w, "SQL1", 0, SSO_OFFLINE_AFTER_S);
        assert_eq!(rt(&w).entsso, OFFLINE);
        assert!(log(&w, 0).contains(&(300, "ENTSSO".into(), EVENT_SSO_OFFLINE)));
        // Starting what is stopped brings SSO back.
        start_stopped(&mut w, "BTS1").unwrap();
        assert_eq!(rt(&w).entsso, RUNNING);
    }

    #[test]
    fn a_stuck_instance_stays_stopped_and_another_instance_leaves_it_alone() {
        let mut w = world();
        make_stuck(&mut w, "BTS1", "bizTalkServerApplication").unwrap();
        sql_outage(&mut w, "SQL2", 0, 20);
        assert!(rt(&w).events.is_empty(), "SQL2 holds none of its databases");
        sql_outage(&mut w, "SQL1", 0, 20);
        assert_eq!(log(&w, 0), [host(0, 5410)]);
        assert_eq!(rt(&w).instances[0].state, "Stopped");
        assert!(make_stuck(&mut w, "BTS1", "Nope")
            .unwrap_err()
            .contains("has: BizTalkServerApplication"));
    }
}
