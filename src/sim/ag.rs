//! Always On state of the simulated world: the standalone SQL Server instances on cluster
//! nodes that hold availability replicas. Preconditions come from Microsoft's docs and are
//! listed in docs/windows-behaviour.md (WB-AG-*).

use serde::{Deserialize, Serialize};

use super::cluster::group_state;
use super::world::{vnn, InstanceState, World};
use crate::inventory::Inventory;

/// A standalone SQL Server instance on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StandaloneSql {
    /// The node.
    pub node: String,
    /// Instance name.
    pub instance: String,
    /// `IsHadrEnabled`: the running service has the feature on.
    pub hadr_enabled: bool,
    /// The database mirroring endpoint, once created.
    pub endpoint: Option<Endpoint>,
    /// What a client sees on the instance: databases, logins and SQL Agent jobs (network
    /// name = the node, no cluster group: the instance is not clustered).
    #[serde(default)]
    pub sql: InstanceState,
    /// The server option `in-doubt xact resolution` (0 by default).
    #[serde(default)]
    pub in_doubt_xact_resolution: u32,
    /// Databases left RESTORING here: secondary copies of databases removed from their group,
    /// or of a dropped group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restoring: Vec<String>,
}

/// A database mirroring endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    /// TCP port.
    pub port: u16,
    /// `STARTED`, `STOPPED` or `DISABLED`.
    pub state: String,
    /// Logins holding CONNECT on it (lower case).
    pub connect: Vec<String>,
}

/// The key of the instance `instance` on `node`.
pub fn standalone_key(node: &str, instance: &str) -> String {
    format!("{node}\\{instance}").to_ascii_uppercase()
}

/// The standalone instances a fresh world holds: bisrc does not install standalone SQL
/// Server (the replicas' instances are a prerequisite, as the domain accounts are), so the
/// simulated nodes start with the instance every availability group of the inventory names.
pub(super) fn fresh(w: &mut World, inv: &Inventory) {
    for (_, c, g) in inv.availability_groups() {
        for r in &g.replicas {
            w.standalone
                .entry(standalone_key(&r.node, g.instance_name()))
                .or_insert_with(|| StandaloneSql {
                    node: r.node.value.clone(),
                    instance: g.instance_name().to_string(),
                    sql: InstanceState {
                        network_name: r.node.value.to_ascii_uppercase(),
                        instance: g.instance_name().to_string(),
                        cluster: c.name.value.clone(),
                        version: g.version.value.clone(),
                        engine_account: g.service_account.user.value.clone(),
                        installed_nodes: vec![r.node.value.clone()],
                        ..InstanceState::default()
                    },
                    ..StandaloneSql::default()
                });
        }
    }
}

/// An availability group. Its primary is the owner of its cluster role (a group of kind
/// [`super::world::GroupKind::Ag`] named after it), as in WSFC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgState {
    /// Group name.
    pub name: String,
    /// The cluster holding its role.
    pub cluster: String,
    /// Per-database DTC support.
    pub dtc_per_db: bool,
    /// Replicas in creation order.
    pub replicas: Vec<AgReplicaState>,
    /// The listener, once added.
    pub listener: Option<ListenerState>,
    /// Databases added to the group (`ALTER AVAILABILITY GROUP … ADD DATABASE`).
    #[serde(default)]
    pub databases: Vec<String>,
    /// `SEEDING_MODE = MANUAL`: a secondary holds a database only once it was restored and
    /// joined there by hand.
    #[serde(default)]
    pub manual_seeding: bool,
}

/// One replica of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgReplicaState {
    /// Its node.
    pub node: String,
    /// Its server name (`NODE` or `NODE\INSTANCE`), upper case as SQL Server lists it.
    pub server: String,
    /// SQL instance name.
    pub instance: String,
    /// Synchronous commit.
    pub synchronous: bool,
    /// Automatic failover.
    pub automatic_failover: bool,
    /// Joined (the primary is joined from creation).
    pub joined: bool,
    /// Fault `sync-lag`: the replica's log send queue grows; it is connected but not
    /// synchronized.
    #[serde(default)]
    pub lagging: bool,
}

/// A listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListenerState {
    /// DNS name.
    pub name: String,
    /// Addresses.
    pub ips: Vec<String>,
    /// Port.
    pub port: u16,
}

impl World {
    /// The availability group `name` (case-insensitive).
    pub fn ag(&self, name: &str) -> Option<&AgState> {
        self.ags.get(&name.to_ascii_uppercase())
    }

    /// The node owning availability group `name`'s role: its primary.
    pub fn ag_primary(&self, ag: &AgState) -> Option<String> {
        self.cluster(&ag.cluster)
            .and_then(|c| c.group(&ag.name))
            .map(|g| g.owner.clone())
    }

    /// The standalone instance `instance` on `node`.
    pub fn standalone_on(&self, node: &str, instance: &str) -> Option<&StandaloneSql> {
        self.standalone.get(&standalone_key(node, instance))
    }
}

/// `CONNECTED`/`DISCONNECTED` and `HEALTHY`/`NOT_HEALTHY` of replica `r`, as
/// `sys.dm_hadr_availability_replica_states` shows them on the primary: a replica is
/// connected when its node is up, HADR runs and its endpoint is started with CONNECT granted
/// (WB-AG-03), and it has joined; a lagging replica is connected but not healthy.
pub fn replica_health(w: &World, ag: &AgState, r: &AgReplicaState, account: &str) -> (bool, bool) {
    let up = w.host(&r.node).is_some_and(|h| h.up);
    let ready = w
        .standalone_on(&r.node, &r.instance)
        .is_some_and(|i| i.hadr_enabled && endpoint_open(i, account));
    let connected = up && ready && r.joined && w.ag_primary(ag).is_some();
    (connected, connected && !r.lagging)
}

/// The endpoint is started and `account` may connect to it.
pub fn endpoint_open(i: &StandaloneSql, account: &str) -> bool {
    i.endpoint
        .as_ref()
        .is_some_and(|e| e.state == "STARTED" && e.connect.contains(&account.to_ascii_lowercase()))
}

/// Fault `sync-lag`: the replica of `ag` on `node` stays connected but falls behind.
pub(super) fn lag(w: &mut World, ag: &str, node: &str) -> Result<String, String> {
    let g = w
        .ags
        .get_mut(&ag.to_ascii_uppercase())
        .ok_or_else(|| format!("no availability group {ag} exists yet (apply first)"))?;
    let r = g
        .replicas
        .iter_mut()
        .find(|r| r.node.eq_ignore_ascii_case(node))
        .ok_or_else(|| format!("availability group {ag} has no replica on {node}"))?;
    r.lagging = true;
    Ok(format!(
        "the replica of {ag} on {node} is falling behind (not synchronized)"
    ))
}

/// The `standalone` key of the replica instance a client reaches by `name`: a replica node's
/// name (`NODE` or `NODE\\INSTANCE`), or a listener's name, which reaches the primary's
/// instance while the group's role is online (the listener is a resource of that role).
pub fn replica_key(w: &World, name: &str) -> Option<String> {
    let host = vnn(name);
    if let Some((k, _)) = w
        .standalone
        .iter()
        .find(|(_, s)| s.node.eq_ignore_ascii_case(&host))
    {
        return Some(k.clone());
    }
    let ag = w.ags.values().find(|a| {
        a.listener
            .as_ref()
            .is_some_and(|l| l.name.eq_ignore_ascii_case(&host))
    })?;
    let cl = w.cluster(&ag.cluster)?;
    let g = cl.group(&ag.name)?;
    if group_state(w, cl, g) != "Online" {
        return None;
    }
    let r = ag
        .replicas
        .iter()
        .find(|r| r.node.eq_ignore_ascii_case(&g.owner))?;
    Some(standalone_key(&r.node, &r.instance))
}

/// The secondaries of `ag` that hold a copy of `db`, which REMOVE DATABASE or DROP
/// AVAILABILITY GROUP leaves RESTORING there.
pub(super) fn leave_restoring(w: &mut World, ag: &AgState, db: &str) {
    let primary = w.ag_primary(ag).unwrap_or_default();
    for r in ag
        .replicas
        .iter()
        .filter(|r| !r.node.eq_ignore_ascii_case(&primary))
    {
        if let Some(s) = w.standalone.get_mut(&standalone_key(&r.node, &r.instance)) {
            if s.sql.databases.contains_key(db) && !s.restoring.iter().any(|d| d == db) {
                s.restoring.push(db.to_string());
            }
        }
    }
}

/// Synchronous commit: the group's databases as the primary holds them, on every secondary
/// that is connected and synchronized (a lagging or disconnected one keeps its old copy until
/// it catches up). Run after every simulated step.
pub(super) fn replicate(w: &mut World) {
    let mut copies: Vec<(String, String, super::world::DatabaseState)> = Vec::new();
    for ag in w.ags.values() {
        let Some(primary) = w.ag_primary(ag) else {
            continue;
        };
        let Some(p) = ag
            .replicas
            .iter()
            .find(|r| r.node.eq_ignore_ascii_case(&primary))
        else {
            continue;
        };
        let Some(src) = w.standalone.get(&standalone_key(&p.node, &p.instance)) else {
            continue;
        };
        let account = src.sql.engine_account.clone();
        for r in ag
            .replicas
            .iter()
            .filter(|r| !r.node.eq_ignore_ascii_case(&primary))
        {
            if replica_health(w, ag, r, &account) != (true, true) {
                continue;
            }
            let target = w.standalone.get(&standalone_key(&r.node, &r.instance));
            for db in &ag.databases {
                let restored = target.is_some_and(|t| t.sql.databases.contains_key(db));
                if ag.manual_seeding && !restored {
                    continue;
                }
                if let Some(d) = src.sql.databases.get(db) {
                    copies.push((standalone_key(&r.node, &r.instance), db.clone(), d.clone()));
                }
            }
        }
    }
    for (key, db, d) in copies {
        if let Some(s) = w.standalone.get_mut(&key) {
            s.sql.databases.insert(db, d);
        }
    }
}

/// Runs SQL Agent job `job` on the instance `server` now, as its schedule would (the world has
/// no scheduler): SQL Server Agent opens each T-SQL step's connection in the step's database
/// first, and a database of an availability group takes no connection on a secondary replica
/// (bisrc creates groups without `SECONDARY_ROLE (ALLOW_CONNECTIONS = …)`: NO, WB-AG-09), so
/// such a step fails with Msg 976 before its command runs. A step in `master` behind the
/// primary-replica guard does its work on the primary only. Records the outcome on the job.
pub(super) fn run_job(w: &mut World, server: &str, job: &str) -> Result<String, String> {
    let i = super::sql::reach(w, server)?;
    let state = i
        .jobs
        .get(job)
        .ok_or_else(|| super::sql::missing_job(job))?
        .clone();
    if !super::sql::agent_running(w, server) {
        return Err(format!("SQL Server Agent does not run for {server}"));
    }
    let key = replica_key(w, server);
    let primary_here = |db: &str| -> Option<bool> {
        let key = key.as_deref()?;
        let ag = w
            .ags
            .values()
            .find(|a| a.databases.iter().any(|d| d == db))?;
        let r = ag
            .replicas
            .iter()
            .find(|r| standalone_key(&r.node, &r.instance) == key)?;
        Some(
            w.ag_primary(ag)
                .is_some_and(|p| p.eq_ignore_ascii_case(&r.node)),
        )
    };
    let outcome = match state.step_database.as_deref() {
        Some(db) if primary_here(db) == Some(false) => Err(format!(
            "job {job} failed on {server}: {}",
            super::sql_side::query_error(&format!(
                "The target database, '{db}', is participating in an availability group and is \
                 currently not accessible for queries. Either data movement is suspended or the \
                 availability replica is not enabled for read access. To allow read-only access \
                 to this and other databases in the availability group, enable read access to one \
                 or more secondary availability replicas in the group."
            ))
        )),
        _ => Ok(match state.primary_guard.as_deref() {
            Some(db) if primary_here(db) == Some(false) => format!(
                "job {job} ran on {server}: {db} is not primary here, every step skipped its work"
            ),
            _ => format!("job {job} ran on {server}"),
        }),
    };
    let now = super::unix_now();
    let j = w
        .instance_mut(server)
        .and_then(|i| i.jobs.get_mut(job))
        .expect("found above");
    j.last_run = Some(now);
    j.last_outcome = Some(
        if outcome.is_ok() {
            "Succeeded"
        } else {
            "Failed"
        }
        .into(),
    );
    outcome
}
