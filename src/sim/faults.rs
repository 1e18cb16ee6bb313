//! Fault injection: what `bisrc sim fault` and tests do to a world behind bisrc's back —
//! nodes going down and up, cluster disks going offline, services stopping, apply steps
//! failing or slowing down, drift of any desired attribute (`set ADDRESS KEY VALUE`), and
//! cluster roles created behind bisrc's back (`add-group`).
//! Takes a world directory, the inventory and a [`Fault`]; changes the world under its lock
//! and returns a one-line description. Never prints.

use std::path::Path;

use globset::Glob;
use serde_json::{Map, Value};

use super::cluster::{active, fail_over};
use super::world::{self, disk_key, FailStep, GroupKind, GroupState, SlowStep, World, WorldError};
use super::Ctx;
use crate::inventory::Inventory;
use crate::topology::{Target, Topology};

/// One fault to inject (or clear).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The node powers off: unreachable, its cluster roles fail over if quorum holds.
    NodeDown(String),
    /// The node comes back (its former groups stay where they are).
    NodeUp(String),
    /// The cluster disk resource of this storage name (`NAME` or `SITE/NAME`) goes Offline.
    DiskOffline(String),
    /// The cluster disk comes back Online.
    DiskOnline(String),
    /// A Windows service stops on a node (`MSSQLSERVER`, `SQLSERVERAGENT`, `MSDTC`, `ClusSvc`).
    ServiceStop {
        /// Node.
        node: String,
        /// Service name.
        service: String,
    },
    /// A stopped service starts again.
    ServiceStart {
        /// Node.
        node: String,
        /// Service name.
        service: String,
    },
    /// Apply steps of resources matching the glob fail (`times` times, or until cleared).
    FailStep {
        /// Glob over resource addresses.
        glob: String,
        /// How many times; `None` until cleared.
        times: Option<u32>,
    },
    /// Steps of resources matching the glob sleep first.
    SlowStep {
        /// Glob over resource addresses.
        glob: String,
        /// Seconds.
        seconds: f64,
    },
    /// Drift: sets attribute `key` of the resource at `address` to `value`, as an admin
    /// changing it by hand would.
    Set {
        /// Resource address, e.g. `sql.LABBTSSQL.config`.
        address: String,
        /// A field of the resource kind's observed state, e.g. `max_degree_of_parallelism`.
        key: String,
        /// The new value.
        value: Value,
    },
    /// An admin creates a cluster role the inventory does not describe (an empty group
    /// owned by the first active member): what `plan` must report as unmanaged. `clear`
    /// leaves it, as it leaves drift.
    AddGroup {
        /// Cluster name.
        cluster: String,
        /// Group name.
        name: String,
    },
    /// A host instance (by host name) on a BizTalk server does not restart by itself after
    /// its database comes back.
    HostStuck {
        /// BizTalk server.
        server: String,
        /// Host name.
        host: String,
    },
    /// The next failover of the instance holding SSODB keeps it away this long.
    SsodbAway {
        /// Seconds.
        seconds: u64,
    },
    /// The site's servers are replaced by freshly installed ones (after a disaster): its
    /// hosts, disks, clusters and SQL instances are as `World::fresh` makes them.
    SiteRebuilt(String),
    /// The operator copied the SSO master secret backup to `path` on `host` (the DR copy a
    /// promotion restores: `biztalk.sso.dr_backup_file`).
    SsoBackupCopy {
        /// The host that keeps the copy (for a UNC path, the server it names).
        host: String,
        /// The path as the inventory names it.
        path: String,
    },
    /// The Backup BizTalk Server job on this instance runs now: a marked backup set, then
    /// the log shipping destinations catch up (the world has no scheduler).
    BackupRun(String),
    /// SQL Agent job `job` on instance `instance` runs now, as its schedule would: on an
    /// availability replica a step in a database that is secondary there fails (Msg 976).
    JobRun {
        /// Instance network name (`NODE` or `NODE\INSTANCE` for a replica).
        instance: String,
        /// Job name.
        job: String,
    },
    /// The replica of availability group `availability_group` on `node` falls behind: it
    /// stays connected but is not synchronized (its log send queue grows).
    SyncLag {
        /// Availability group name.
        availability_group: String,
        /// Node of the replica.
        node: String,
    },
    /// The node's Windows shows another UI language (`fr-FR`): built-in firewall groups
    /// carry translated display names (WB-FW-02).
    UiLanguage {
        /// Node.
        node: String,
        /// Language tag.
        language: String,
    },
    /// The connection account is not a local administrator on the node (or the session is
    /// not elevated): cmdlets that change the system are denied (WB-FEAT-01, WB-FW-01, …).
    NotAdmin(String),
    /// Active Directory denies *Create Computer objects* on the cluster's OU: new cluster,
    /// role and listener names cannot be created (WB-CL-04, WB-ROLE-01, WB-SETUP-03, WB-AG-05).
    AdCreateDenied,
    /// Clears every fault: step faults removed, nodes up, services started, disks online,
    /// replicas caught up, the Windows facts above healthy again.
    Clear,
    /// A SQL-side fault (`sim/sql_side.rs`): rights, the backup share, linked servers.
    Sql(super::sql_side::SqlFault),
}

/// Why a fault could not be injected.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    /// Bad input (unknown node, disk, address, key; bad glob).
    #[error("{0}")]
    Invalid(String),
    /// The world could not be read or written.
    #[error(transparent)]
    World(#[from] WorldError),
}

/// The message of `fail-step` failures.
pub const INJECTED_FAILURE: &str = "simulated failure injected by 'bisrc sim fault fail-step'";

/// Injects `fault` into the world under `world_dir`; returns what happened, in one line.
pub fn inject(world_dir: &Path, inv: &Inventory, fault: &Fault) -> Result<String, FaultError> {
    if let Fault::FailStep { glob, .. } | Fault::SlowStep { glob, .. } = fault {
        Glob::new(glob).map_err(|e| FaultError::Invalid(format!("invalid glob {glob}: {e}")))?;
    }
    let topo = match fault {
        Fault::Set { .. } => {
            Some(Topology::build(inv, None).map_err(|e| FaultError::Invalid(e.to_string()))?)
        }
        _ => None,
    };
    let out = world::update(world_dir, inv, |w| {
        apply_fault(w, inv, topo.as_ref(), fault)
    })?;
    out.map_err(FaultError::Invalid)
}

fn host_key(w: &World, node: &str) -> Result<String, String> {
    w.host(node)
        .map(|h| h.name.clone())
        .ok_or_else(|| format!("no node or BizTalk server named {node} in the inventory"))
}

fn apply_fault(
    w: &mut World,
    inv: &Inventory,
    topo: Option<&Topology>,
    fault: &Fault,
) -> Result<String, String> {
    match fault {
        Fault::NodeDown(n) => {
            let n = host_key(w, n)?;
            w.host_mut(&n).expect("known").up = false;
            fail_over(w);
            Ok(format!("node {n} is down"))
        }
        Fault::NodeUp(n) => {
            let n = host_key(w, n)?;
            w.host_mut(&n).expect("known").up = true;
            // Powered up again: features waiting for a restart are installed now.
            if let Some(e) = w.env.hosts.get_mut(&n.to_ascii_uppercase()) {
                e.pending_restart.clear();
            }
            fail_over(w);
            Ok(format!("node {n} is up"))
        }
        Fault::DiskOffline(d) | Fault::DiskOnline(d) => {
            let online = matches!(fault, Fault::DiskOnline(_));
            let key = storage_key(inv, d)?;
            let disk = w.disks.get_mut(&key).ok_or("disk not in the world")?;
            if disk.cluster.is_none() {
                return Err(format!(
                    "disk {d} is not a cluster disk yet (apply the cluster first)"
                ));
            }
            disk.state = Some(if online { "Online" } else { "Offline" }.into());
            Ok(format!(
                "cluster disk {} is {}",
                disk.resource_name.clone().unwrap_or_default(),
                if online { "online" } else { "offline" }
            ))
        }
        Fault::ServiceStop { node, service } | Fault::ServiceStart { node, service } => {
            let n = host_key(w, node)?;
            let h = w.host_mut(&n).expect("known");
            let stop = matches!(fault, Fault::ServiceStop { .. });
            h.stopped_services
                .retain(|s| !s.eq_ignore_ascii_case(service));
            if stop {
                h.stopped_services.insert(service.clone());
            }
            fail_over(w);
            Ok(format!(
                "service {service} {} on {n}",
                if stop { "stopped" } else { "started" }
            ))
        }
        Fault::FailStep { glob, times } => {
            w.faults.fail.push(FailStep {
                glob: glob.clone(),
                remaining: *times,
            });
            Ok(match times {
                Some(n) => format!("apply steps matching {glob} will fail {n} time(s)"),
                None => format!("apply steps matching {glob} will fail until cleared"),
            })
        }
        Fault::SlowStep { glob, seconds } => {
            if !seconds.is_finite() || *seconds < 0.0 {
                return Err(format!("{seconds} is not a number of seconds"));
            }
            w.faults.slow.push(SlowStep {
                glob: glob.clone(),
                seconds: *seconds,
            });
            Ok(format!(
                "steps matching {glob} will take {seconds} s longer"
            ))
        }
        Fault::Set {
            address,
            key,
            value,
        } => drift(w, inv, topo.expect("built for set"), address, key, value),
        Fault::AddGroup { cluster, name } => add_group(w, cluster, name),
        Fault::HostStuck { server, host } => {
            let n = host_key(w, server)?;
            super::biztalk_runtime::make_stuck(w, &n, host)?;
            Ok(format!(
                "host instance {host} on {n} will not restart by itself after its database comes back"
            ))
        }
        Fault::SsodbAway { seconds } => {
            w.faults.ssodb_away_s = Some(*seconds);
            Ok(format!(
                "the next failover of the SQL instance holding SSODB keeps it away {seconds} s"
            ))
        }
        Fault::BackupRun(server) => backup_run(w, server),
        Fault::JobRun { instance, job } => super::ag::run_job(w, instance, job),
        Fault::SsoBackupCopy { host, path } => {
            let h = w
                .host_mut(host)
                .ok_or_else(|| format!("no host named {host} in the world"))?;
            h.files
                .insert(path.clone(), super::kind::SSO_BACKUP.to_string());
            Ok(format!(
                "the master secret backup was copied to {path} on {host}"
            ))
        }
        Fault::SiteRebuilt(site) => site_rebuilt(w, inv, site),
        Fault::SyncLag {
            availability_group,
            node,
        } => super::ag::lag(w, availability_group, node),
        Fault::UiLanguage { node, language } => {
            let n = host_key(w, node)?;
            w.env.host_mut(&n).ui_language = Some(language.clone());
            Ok(format!("node {n} shows its UI in {language}"))
        }
        Fault::NotAdmin(node) => {
            let n = host_key(w, node)?;
            w.env.host_mut(&n).not_admin = true;
            Ok(format!(
                "the connection account is not a local administrator on {n}"
            ))
        }
        Fault::AdCreateDenied => {
            w.env.directory.create_denied = true;
            Ok("Active Directory denies 'Create Computer objects' on the cluster's OU".into())
        }
        Fault::Clear => {
            // The Windows facts a fault or test broke are healthy again; what the steps made
            // (a cluster's management point, MSDTC restarts counted) stays.
            w.env.hosts.clear();
            w.env.directory = Default::default();
            w.env.disk_hidden_from.clear();
            w.env.witness_share_denied.clear();
            w.env.azure_blob_unreachable = false;
            for ag in w.ags.values_mut() {
                ag.replicas.iter_mut().for_each(|r| r.lagging = false);
            }
            w.faults = Default::default();
            for h in w.hosts.values_mut() {
                h.up = true;
                h.stopped_services.clear();
                if let Some(rt) = h.biztalk.as_mut() {
                    rt.instances.iter_mut().for_each(|i| i.stuck = false);
                }
            }
            for d in w.disks.values_mut() {
                if d.cluster.is_some() {
                    d.state = Some("Online".into());
                }
            }
            super::sql_side::clear(w);
            fail_over(w);
            Ok("every fault cleared: nodes up, services running, cluster disks online".into())
        }
        Fault::Sql(f) => super::sql_side::inject(w, f),
    }
}

fn add_group(w: &mut World, cluster: &str, name: &str) -> Result<String, String> {
    let cl = w
        .cluster(cluster)
        .ok_or_else(|| format!("no cluster named {cluster} exists yet (apply it first)"))?;
    if cl.group(name).is_some() {
        return Err(format!(
            "cluster {} already has a group named {name}",
            cl.name
        ));
    }
    let members = cl.members.clone();
    let owner = members
        .iter()
        .find(|m| active(w, m))
        .or(members.first())
        .cloned()
        .ok_or_else(|| format!("cluster {cluster} has no member"))?;
    let cl = w.cluster_mut(cluster).expect("found above");
    cl.groups.push(GroupState {
        name: name.to_string(),
        kind: GroupKind::Other,
        owner: owner.clone(),
        possible_owners: members,
        ..GroupState::default()
    });
    Ok(format!(
        "cluster {} has a new group {name} on {owner}",
        cl.name
    ))
}

/// `NAME` or `SITE/NAME` → the world's disk key.
fn storage_key(inv: &Inventory, name: &str) -> Result<String, String> {
    let (site, disk) = match name.split_once('/') {
        Some((s, d)) => (Some(s), d),
        None => (None, name),
    };
    let hits: Vec<_> = inv
        .sites
        .iter()
        .filter(|s| site.is_none_or(|x| s.name.eq_ignore_ascii_case(x)))
        .filter_map(|s| s.disk(disk).map(|d| (s, d)))
        .collect();
    match hits.as_slice() {
        [(s, d)] => Ok(disk_key(&s.name, d.disk.value)),
        [] => Err(format!("no storage named {name} in the inventory")),
        many => Err(format!(
            "storage {name} exists in sites {}; write SITE/{disk}",
            many.iter()
                .map(|(s, _)| s.name.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn drift(
    w: &mut World,
    inv: &Inventory,
    topo: &Topology,
    address: &str,
    key: &str,
    value: &Value,
) -> Result<String, String> {
    let r = topo
        .get(address)
        .ok_or_else(|| format!("no resource at address {address} (see `bisrc graph`)"))?;
    let fields = r.kind.observed_fields();
    if !fields.iter().any(|f| f == key) {
        return Err(format!(
            "{key} is not an attribute of {} ({address}); one of: {}",
            r.kind.as_str(),
            fields.join(", ")
        ));
    }
    // Run as an admin on a node that can reach it: the group's owner, else any active candidate.
    let node = match &r.target {
        Target::Node { host } => host.clone(),
        Target::Owner {
            cluster,
            group,
            candidates,
        } => w
            .cluster(cluster)
            .and_then(|c| c.group(group))
            .map(|g| g.owner.clone())
            .filter(|o| active(w, o))
            .or_else(|| candidates.iter().find(|n| active(w, n)).cloned())
            .unwrap_or_else(|| r.target.default_host().to_string()),
    };
    // The resource as it is now, with the one attribute changed: applying that changes
    // nothing else (an apply step always carries a whole desired state).
    let mut c = Ctx {
        inv,
        node,
        address,
        kind: r.kind,
        params: &r.params,
        desired: &r.desired,
        script: "",
        now: super::unix_now(),
    };
    let observed = super::probe(w, &c)?;
    let mut desired: Map<String, Value> = r
        .desired
        .keys()
        .map(|k| (k.clone(), observed.get(k).cloned().unwrap_or(Value::Null)))
        .collect();
    desired.insert(key.to_string(), value.clone());
    r.kind
        .check_desired(&desired)
        .map_err(|e| format!("cannot set {key} of {address} to {value}: {e}"))?;
    c.desired = &desired;
    super::apply(w, &c)?;
    Ok(format!("{address}: {key} set to {value}"))
}

/// Seconds a step of `address` must sleep first (`slow-step`).
pub(super) fn delay_for(w: &World, address: &str) -> f64 {
    w.faults
        .slow
        .iter()
        .filter(|s| matches(&s.glob, address))
        .map(|s| s.seconds)
        .fold(0.0, f64::max)
}

/// Consumes one `fail-step` failure for an apply of `address`, if one matches.
pub(super) fn take_failure(w: &mut World, address: &str) -> Result<(), String> {
    let Some(i) = w
        .faults
        .fail
        .iter()
        .position(|f| matches(&f.glob, address) && f.remaining.is_none_or(|n| n > 0))
    else {
        return Ok(());
    };
    let f = &mut w.faults.fail[i];
    if let Some(n) = &mut f.remaining {
        *n -= 1;
        if *n == 0 {
            w.faults.fail.remove(i);
        }
    }
    Err(INJECTED_FAILURE.to_string())
}

fn matches(glob: &str, address: &str) -> bool {
    Glob::new(glob).is_ok_and(|g| g.compile_matcher().is_match(address))
}

/// Runs the Backup BizTalk Server job on `server`, as its schedule would.
fn backup_run(w: &mut World, server: &str) -> Result<String, String> {
    let bad = |m: String| m;
    if super::sql::reach(w, server).is_err() {
        return Err(bad(format!("instance {server} does not answer")));
    }
    let job = w
        .instance(server)
        .and_then(|i| {
            i.jobs
                .values()
                .find(|j| j.enabled && j.backup.is_some())
                .cloned()
        })
        .ok_or_else(|| bad(format!("no enabled Backup BizTalk Server job on {server}")))?;
    if !super::sql::agent_running(w, server) {
        return Err(bad(format!("SQL Server Agent does not run for {server}")));
    }
    let prefix = job
        .backup
        .as_ref()
        .and_then(|b| b.mark_name.clone())
        .unwrap_or_else(|| "BTS".into());
    let destination = job.backup.and_then(|b| b.destination).unwrap_or_default();
    // What the job's run hits on Windows (WB-BAK-05, WB-BAK-06): no backup set then.
    if let Some(e) = super::sql_side::backup_run_failure(w, server, &destination, &prefix) {
        return Err(format!(
            "the Backup BizTalk Server job on {server} failed: {e}"
        ));
    }
    // Marks are one per second: a run in the same second as the last one waits for the next.
    let mut now = super::unix_now();
    if let Some(last) = w.instance(server).and_then(|i| i.backup_history.last()) {
        now = now.max(last.at + 1);
    }
    super::shipping::backup_set(w, server, &prefix, now);
    Ok(format!(
        "backup set {} taken on {server}",
        super::shipping::mark_name(&prefix, now)
    ))
}

/// Replaces the site's servers with fresh ones.
fn site_rebuilt(w: &mut World, inv: &Inventory, site: &str) -> Result<String, String> {
    let s = inv
        .site(site)
        .ok_or_else(|| format!("no site named {site} in the inventory"))?;
    let name = s.name.value.clone();
    let fresh = World::fresh(inv);
    w.hosts.retain(|_, h| h.site != name);
    w.hosts
        .extend(fresh.hosts.into_iter().filter(|(_, h)| h.site == name));
    w.disks.retain(|_, d| d.site != name);
    w.disks
        .extend(fresh.disks.into_iter().filter(|(_, d)| d.site == name));
    let gone: Vec<String> = w
        .clusters
        .iter()
        .filter(|(_, c)| c.site == name)
        .map(|(k, _)| k.clone())
        .collect();
    w.clusters.retain(|_, c| c.site != name);
    w.instances
        .retain(|_, i| !gone.iter().any(|c| c.eq_ignore_ascii_case(&i.cluster)));
    let nodes: Vec<String> = s.nodes.iter().map(|n| n.name.value.clone()).collect();
    w.validations
        .retain(|_, v| !v.nodes.iter().any(|n| nodes.contains(n)));
    Ok(format!(
        "site {name} is rebuilt: fresh servers, nothing installed"
    ))
}
