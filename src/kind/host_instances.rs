//! `host_instances`: the BizTalk runtime of one BizTalk server (`biztalk.SITE.hosts.SERVER`):
//! its host instances (`MSBTS_HostInstance`: name, host, state, start mode, clustered or not)
//! and its local Enterprise SSO service (`ENTSSO`), probed in the server's batched probe.
//!
//! bisrc does not create hosts or host instances (BizTalk configuration does), so the kind
//! always "exists" and its only desired attribute is that no automatic host instance (nor
//! ENTSSO) is stopped: apply starts those (restarting an offline ENTSSO), which is also what
//! `verify --failover --restart-stopped-hosts` runs. A probe given a [`Watch`] also reports
//! what happened since a moment (the events of biztalk-ha.md §3: 5410 host instance
//! shutting down, 7036 service running, 10590 SSO going offline): the failover timeline.

use serde::{Deserialize, Serialize};

use super::{Kind, ResourceKind, Removal};

/// The kind.
pub struct HostInstances;

/// Verify: every host instance whose start mode is automatic is running.
pub const CHECK_RUNNING: &str = "host-instances-running";
/// Verify: the local ENTSSO service is running (and online).
pub const CHECK_ENTSSO: &str = "entsso-running";
/// Verify: no non-clustered host instance on a cluster node where ENTSSO is clustered
/// (biztalk-ha.md §6: when ENTSSO moves, that host fails).
pub const CHECK_CLUSTERED_WITH_SSO: &str = "host-instances-clustered-with-sso";
/// Failover: after a move, every automatic host instance runs again (checked by
/// `verify --failover`, not by the verify step).
pub const CHECK_RECOVERED: &str = "host-instances-recovered";

/// The state strings the probe reports for a running host instance and service.
pub const RUNNING: &str = "Running";
/// ENTSSO's state once it took itself offline (Event 10590) and was not restarted.
pub const OFFLINE: &str = "Offline";
/// The start mode of a host instance that starts with Windows.
pub const AUTOMATIC: &str = "Automatic";

/// The documented BizTalk behaviour during a SQL Server outage (biztalk-ha.md §3; source:
/// <https://learn.microsoft.com/biztalk/core/behavior-of-biztalk-server-host-instances-during-sql-server-failover>):
/// an in-process host instance that loses its database logs Event 5410 and "will shutdown
/// and auto-restart in 1 minute", repeating while the database stays down.
pub const HOST_RESTART_S: u64 = 60;
/// ENTSSO polls SSODB about every 30 s; if SSODB stays unavailable for about 5 minutes, SSO
/// takes itself offline (Event 10590). Same source, and
/// <https://learn.microsoft.com/biztalk/core/single-sign-on-event-10590>.
pub const SSO_OFFLINE_AFTER_S: u64 = 300;
/// How long `verify --failover` watches a BizTalk server after a move for its host
/// instances to run again: a full SSO limit plus one restart cycle, so an outage SSO
/// survives is also one the hosts are given time to survive (biztalk-ha.md §3 [inference]
/// asks for at least 60–120 s).
pub const WATCH_S: u64 = SSO_OFFLINE_AFTER_S + HOST_RESTART_S;

impl Kind for HostInstances {
    const REMOVAL: Removal = Removal::Kept("observed only: the host instances and ENTSSO belong to the BizTalk installation");
    const KIND: ResourceKind = ResourceKind::HostInstances;
    const CHECKS: &'static [&'static str] =
        &[CHECK_RUNNING, CHECK_ENTSSO, CHECK_CLUSTERED_WITH_SSO];
    type Params = Params;
    type Desired = Desired;
    type Observed = HostInstancesObserved;

    /// A BizTalk server is always there; a server BizTalk is not configured on simply has
    /// no host instances (bisrc never creates them).
    fn exists(_: &HostInstancesObserved) -> bool {
        true
    }
}

/// Inputs of the scripts (not compared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The BizTalk server.
    pub server: String,
    /// Set by `verify --failover` only: also report what happened since a moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<Watch>,
}

/// What a watching probe looks back on and how long it waits for the host instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// The server's clock (`clock_s` of an earlier probe) when the move started.
    pub since_s: u64,
    /// Wait at most this long for every automatic host instance to run.
    pub wait_s: u64,
}

/// Desired state: nothing that should run is stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Hosts of the automatic host instances (and `ENTSSO`) that are not running: none.
    pub stopped_automatic: Vec<String>,
}

/// One host instance (`MSBTS_HostInstance` and its Windows service `BTSSvc$HOST`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInstance {
    /// Host instance name (`Microsoft BizTalk Server HOST SERVER`).
    pub name: String,
    /// The host it belongs to.
    pub host: String,
    /// `Running`, `Stopped`, `Start pending`, ... (`ServiceState` as a string).
    pub state: String,
    /// `Automatic`, `Manual` or `Disabled` (the service's start mode).
    pub start_mode: String,
    /// Clustered (`ClusterInstanceType` is not 0).
    pub clustered: bool,
}

/// One event of a watched period, in seconds after the watch's `since_s`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Seconds after `since_s`.
    pub t_s: u64,
    /// Host name of the instance, or `ENTSSO`.
    pub subject: String,
    /// The state it entered (`Stopped`, `Running`, `Offline`).
    pub state: String,
    /// Event ID (5410, 7036, 10590).
    pub event_id: u32,
}

/// What the probe reports (unknown fields are refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostInstancesObserved {
    /// BizTalk Server's WMI provider answers on this server (BizTalk configured here).
    pub exists: bool,
    /// The server's clock, Unix seconds (a later watch looks back from it).
    pub clock_s: u64,
    /// The host instances on this server.
    pub instances: Vec<HostInstance>,
    /// Hosts of the automatic host instances that are not running, and `ENTSSO` when it is
    /// installed and not running (host instances depend on it).
    pub stopped_automatic: Vec<String>,
    /// The local ENTSSO service: `Running`, `Offline` (Event 10590 since it started),
    /// `Stopped`; none when not installed.
    pub entsso: Option<String>,
    /// This server is a node of a cluster with a clustered ENTSSO (a Generic Service).
    pub entsso_clustered: bool,
    /// Events since the watch's `since_s` (empty unless watching).
    pub timeline: Vec<Event>,
}
