//! SQL Server failover cluster instances: setup (InstallFailoverCluster) on the first owner,
//! AddNode on the others, preferred owners, instance settings and logins read through the
//! virtual network name. Takes a step and the world; answers probes and converges applies
//! with setup's preconditions (cluster, quorum, disks in Available Storage; no AddNode before
//! the FCI), and fails like `Invoke-Sqlcmd` when the instance's group is not online.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::cluster::{active, group_state, require};
use super::roles::start_group;
use super::world::{vnn, GroupKind, GroupState, InstanceState, World};
use super::{str_list, Ctx};
use crate::step::ResourceKind;
use crate::topology::AVAILABLE_STORAGE;

/// SQL Server's defaults after setup.
const DEFAULT_MAX_MEMORY_MB: u64 = 2_147_483_647;

/// The instance `server` (`VNN` or `VNN\INSTANCE`) as a client reaches it: the
/// `Invoke-Sqlcmd` network error when no such instance was ever installed (its network name
/// does not resolve) or when its group is not online — a real client cannot tell the two apart.
pub(super) fn reach<'w>(w: &'w World, server: &str) -> Result<&'w InstanceState, String> {
    match w.instance(server) {
        Some(i) if online(w, i) => Ok(i),
        _ => Err(sql_error(server)),
    }
}

/// Whether the instance's group is Online.
pub(super) fn online(w: &World, i: &InstanceState) -> bool {
    w.cluster(&i.cluster)
        .and_then(|cl| {
            cl.group(&i.group)
                .map(|g| group_state(w, cl, g) == "Online")
        })
        .unwrap_or(false)
}

/// What `Invoke-Sqlcmd` prints when the server does not answer.
pub(super) fn sql_error(server: &str) -> String {
    format!(
        "Invoke-Sqlcmd : A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible. Verify that the instance name is correct and that SQL Server is configured to allow remote connections. (provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server) [server {server}]"
    )
}

fn server(c: &Ctx) -> Result<String, String> {
    c.param_str("server")
}

/// Probe of `sql_fci`, `sql_fci_node`, `sql_owners`, `sql_config`, `sql_login`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    match c.kind {
        ResourceKind::SqlFci => {
            let name = c.param_str("network_name")?;
            let Some(i) = w.instance(&name) else {
                return Ok(json!({
                    "installed": false, "instance": null, "network_name": null, "ip": null,
                    "version": null, "edition": null, "data_dir": null, "log_dir": null,
                    "tempdb_dir": null, "backup_dir": null, "engine_account": null,
                    "agent_account": null, "disks": [], "state": null,
                }));
            };
            let (state, mut disks) = w
                .cluster(&i.cluster)
                .and_then(|cl| {
                    cl.group(&i.group)
                        .map(|g| (Some(group_state(w, cl, g)), g.disks.clone()))
                })
                .unwrap_or((None, Vec::new()));
            disks.sort();
            Ok(json!({
                "installed": true, "instance": i.instance, "network_name": i.network_name,
                "ip": i.ip, "version": i.version, "edition": i.edition, "data_dir": i.data_dir,
                "log_dir": i.log_dir, "tempdb_dir": i.tempdb_dir, "backup_dir": i.backup_dir,
                "engine_account": i.engine_account, "agent_account": i.agent_account,
                "disks": disks, "state": state,
            }))
        }
        ResourceKind::SqlFciNode => {
            let name = c.param_str("network_name")?;
            let installed = w.instance(&name).is_some_and(|i| {
                i.installed_nodes
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&c.node))
            });
            Ok(json!({ "installed": installed }))
        }
        ResourceKind::SqlOwners => {
            let group = c.param_str("group")?;
            let owners = c
                .node_cluster()
                .and_then(|cl| w.cluster(&cl))
                .and_then(|cl| cl.group(&group))
                .map(|g| g.preferred_owners.clone())
                .unwrap_or_default();
            Ok(json!({ "preferred_owners": owners }))
        }
        ResourceKind::SqlConfig => {
            // Like the real probe, a connection failure is the probe's error.
            let i = reach(w, &server(c)?)?;
            Ok(json!({
                "reachable": true, "max_server_memory_mb": i.max_server_memory_mb,
                "min_server_memory_mb": i.min_server_memory_mb,
                "max_degree_of_parallelism": i.max_degree_of_parallelism, "tcp_port": i.tcp_port,
            }))
        }
        _ => {
            let login = c.param_str("login")?;
            let found = reach(w, &server(c)?)?
                .logins
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(&login))
                .map(|(_, r)| r.clone());
            Ok(json!({
                "exists": found.is_some(),
                "server_roles": found.unwrap_or_default().into_iter().collect::<Vec<_>>(),
            }))
        }
    }
}

/// Apply of `sql_fci`, `sql_fci_node`, `sql_owners`, `sql_config`, `sql_login`.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    match c.kind {
        ResourceKind::SqlFci => install(w, c),
        ResourceKind::SqlFciNode => add_node(w, c),
        ResourceKind::SqlOwners => owners(w, c),
        ResourceKind::SqlConfig => config(w, c),
        _ => login(w, c),
    }
}

fn setup_error(msg: String) -> String {
    format!("SQL Server Setup failed: {msg} (see Summary.txt under Setup Bootstrap\\Log)")
}

fn install(w: &mut World, c: &Ctx) -> Result<(), String> {
    let cl = require(w, c, None).map_err(|e| {
        setup_error(format!(
            "rule 'Cluster_VerifyForErrors' failed: the node is not an online member of a cluster with quorum ({e})"
        ))
    })?;
    let cname = cl.name.clone();
    let name = c.param_str("network_name")?;
    let group = c.param_str("group")?;
    let disks = str_list(c.params.get("disks"));
    if let Some(i) = w.instance(&name) {
        // Installed: converge what can change in place, start the services, bring it online.
        for (key, have) in [
            ("instance", &i.instance),
            ("version", &i.version),
            ("edition", &i.edition),
            ("data_dir", &i.data_dir),
            ("log_dir", &i.log_dir),
        ] {
            if let Some(want) = c.want_str(key) {
                if !want.eq_ignore_ascii_case(have) {
                    return Err(format!(
                        "the instance {name} is installed with {key} {have}; it cannot be changed to {want} in place (uninstall and reinstall the FCI)"
                    ));
                }
            }
        }
        let group = i.group.clone();
        let cluster = i.cluster.clone();
        let owner = w
            .cluster(&cluster)
            .and_then(|cl| cl.group(&group))
            .map(|g| g.owner.clone())
            .unwrap_or_default();
        take_disks(w, &cluster, &group, &disks)?;
        let i = w.instance_mut(&name).expect("checked");
        for (key, slot) in [
            ("ip", &mut i.ip),
            ("tempdb_dir", &mut i.tempdb_dir),
            ("backup_dir", &mut i.backup_dir),
            ("engine_account", &mut i.engine_account),
            ("agent_account", &mut i.agent_account),
        ] {
            if let Some(v) = c.want_str(key) {
                *slot = v;
            }
        }
        let ip = i.ip.clone();
        if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&group)) {
            g.ip = Some(ip);
        }
        if let Some(h) = w.host_mut(&owner) {
            h.stopped_services
                .retain(|s| !s.eq_ignore_ascii_case("SQLSERVERAGENT"));
        }
        return start_group(w, &cluster, &group);
    }
    let has_feature = w.has_clustering_feature(&c.node);
    if !has_feature {
        return Err(setup_error(
            "rule 'Cluster_IsWMIServiceOperational' failed: the Failover Clustering feature is not installed on this node".into(),
        ));
    }
    if w.cluster(&cname)
        .is_some_and(|cl| cl.group(&group).is_some())
    {
        return Err(setup_error(format!(
            "the cluster group '{group}' already exists; choose another instance name or remove the group"
        )));
    }
    let cl = w.cluster(&cname).expect("required");
    for d in &disks {
        let Some(ds) = w.cluster_disk(&cname, d) else {
            return Err(setup_error(format!(
                "the cluster disk '{d}' was not found; add the shared disk to the cluster (Available Storage) before installing the FCI"
            )));
        };
        if cl.group_of_disk(d).map(|g| g.kind) != Some(GroupKind::Storage) {
            return Err(setup_error(format!(
                "the cluster disk '{d}' is not in Available Storage; another role owns it"
            )));
        }
        if ds.state.as_deref() != Some("Online") {
            return Err(setup_error(format!("the cluster disk '{d}' is not online")));
        }
    }
    if disks.is_empty() {
        return Err(setup_error(
            "a failover cluster instance needs at least one shared disk".into(),
        ));
    }
    let want = |k: &str| {
        c.want_str(k)
            .or_else(|| c.param_str(k).ok())
            .unwrap_or_default()
    };
    let instance = want("instance");
    let sysadmins = str_list(c.params.get("sysadmins"));
    let mut logins: std::collections::BTreeMap<String, BTreeSet<String>> = sysadmins
        .into_iter()
        .map(|s| (s, BTreeSet::from(["sysadmin".to_string()])))
        .collect();
    logins.insert(
        "NT AUTHORITY\\SYSTEM".into(),
        BTreeSet::from(["sysadmin".to_string()]),
    );
    let state = InstanceState {
        network_name: name.clone(),
        instance: instance.clone(),
        cluster: cname.clone(),
        group: group.clone(),
        ip: want("ip"),
        version: want("version"),
        edition: want("edition"),
        data_dir: want("data_dir"),
        log_dir: want("log_dir"),
        tempdb_dir: want("tempdb_dir"),
        backup_dir: want("backup_dir"),
        engine_account: want("engine_account"),
        agent_account: want("agent_account"),
        installed_nodes: vec![c.node.clone()],
        max_server_memory_mb: DEFAULT_MAX_MEMORY_MB,
        min_server_memory_mb: 0,
        max_degree_of_parallelism: 0,
        // A default instance listens on 1433; a named instance on a dynamic port until set.
        tcp_port: if instance.eq_ignore_ascii_case("MSSQLSERVER") {
            Some(1433)
        } else {
            None
        },
        logins,
        ..InstanceState::default()
    };
    let cl = w.cluster_mut(&cname).expect("required");
    cl.groups.push(GroupState {
        name: group.clone(),
        kind: GroupKind::Sql,
        owner: c.node.clone(),
        possible_owners: vec![c.node.clone()],
        network_name: Some(name.clone()),
        ip: Some(state.ip.clone()),
        ..GroupState::default()
    });
    w.instances.insert(vnn(&name), state);
    take_disks(w, &cname, &group, &disks)?;
    start_group(w, &cname, &group)
}

/// Moves disks from Available Storage into the instance's group.
fn take_disks(w: &mut World, cluster: &str, group: &str, disks: &[String]) -> Result<(), String> {
    let cl = w.cluster_mut(cluster).ok_or("no cluster")?;
    for d in disks {
        if cl
            .group(group)
            .is_some_and(|g| g.disks.iter().any(|x| x.eq_ignore_ascii_case(d)))
        {
            continue;
        }
        let in_storage = cl
            .group(AVAILABLE_STORAGE)
            .is_some_and(|g| g.disks.iter().any(|x| x.eq_ignore_ascii_case(d)));
        if !in_storage {
            return Err(setup_error(format!(
                "the cluster disk '{d}' is not in Available Storage"
            )));
        }
        if let Some(s) = cl.group_mut(AVAILABLE_STORAGE) {
            s.disks.retain(|x| !x.eq_ignore_ascii_case(d));
        }
        if let Some(g) = cl.group_mut(group) {
            g.disks.push(d.clone());
        }
    }
    Ok(())
}

fn add_node(w: &mut World, c: &Ctx) -> Result<(), String> {
    let name = c.param_str("network_name")?;
    let Some(i) = w.instance(&name) else {
        return Err(setup_error(format!(
            "rule 'Cluster_SqlInstanceExists' failed: no SQL Server failover cluster instance named '{name}' exists in the cluster; run InstallFailoverCluster on the first node before AddNode"
        )));
    };
    let (cluster, group, edition) = (i.cluster.clone(), i.group.clone(), i.edition.clone());
    let cl = w.cluster(&cluster).ok_or("no cluster")?;
    if !cl.is_member(&c.node) {
        return Err(setup_error(format!(
            "rule 'Cluster_IsOnlineIfClustered' failed: node '{}' is not a member of cluster '{cluster}'; add it to the cluster first",
            c.node
        )));
    }
    if !active(w, &c.node) {
        return Err(setup_error(
            "the cluster service is not running on this node".into(),
        ));
    }
    let has_feature = w.has_clustering_feature(&c.node);
    if !has_feature {
        return Err(setup_error(
            "the Failover Clustering feature is not installed on this node".into(),
        ));
    }
    let already = i
        .installed_nodes
        .iter()
        .any(|n| n.eq_ignore_ascii_case(&c.node));
    if !already && edition.eq_ignore_ascii_case("Standard") && i.installed_nodes.len() >= 2 {
        return Err(setup_error(
            "rule 'Cluster_MaxNodes' failed: SQL Server Standard edition supports failover cluster instances of at most two nodes".into(),
        ));
    }
    if already {
        return Ok(());
    }
    let node = c.node.clone();
    w.instance_mut(&name)
        .expect("checked")
        .installed_nodes
        .push(node.clone());
    if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&group)) {
        g.possible_owners.push(node);
    }
    Ok(())
}

fn owners(w: &mut World, c: &Ctx) -> Result<(), String> {
    let cname = require(w, c, None)?.name.clone();
    let group = c.param_str("group")?;
    let want = str_list(c.want("preferred_owners"));
    let cl = w.cluster_mut(&cname).expect("required");
    let Some(g) = cl.group_mut(&group) else {
        return Err(format!(
            "Set-ClusterOwnerNode : The cluster group '{group}' was not found."
        ));
    };
    for n in &want {
        if !g.possible_owners.iter().any(|p| p.eq_ignore_ascii_case(n)) {
            return Err(format!(
                "Set-ClusterOwnerNode : The node '{n}' is not a possible owner of '{group}'; run SQL Server setup AddNode on it first."
            ));
        }
    }
    g.preferred_owners = want;
    Ok(())
}

fn config(w: &mut World, c: &Ctx) -> Result<(), String> {
    let server = server(c)?;
    reach(w, &server)?;
    let i = w.instance_mut(&server).expect("reached");
    if let Some(v) = c.want_u64("max_server_memory_mb") {
        i.max_server_memory_mb = v;
    }
    if let Some(v) = c.want_u64("min_server_memory_mb") {
        i.min_server_memory_mb = v;
    }
    if i.min_server_memory_mb > i.max_server_memory_mb {
        return Err(
            "sp_configure: min server memory (MB) must not be greater than max server memory (MB)"
                .into(),
        );
    }
    if let Some(v) = c.want_u64("max_degree_of_parallelism") {
        i.max_degree_of_parallelism = u32::try_from(v).map_err(|_| {
            format!("Msg 1904: max degree of parallelism value {v} is out of range")
        })?;
    }
    if let Some(v) = c.want_u64("tcp_port") {
        i.tcp_port =
            Some(u16::try_from(v).map_err(|_| format!("TCP port {v} is not a valid port"))?);
    }
    Ok(())
}

fn login(w: &mut World, c: &Ctx) -> Result<(), String> {
    let server = server(c)?;
    reach(w, &server)?;
    let login = c.param_str("login")?;
    let roles: BTreeSet<String> = str_list(c.want("server_roles")).into_iter().collect();
    let i = w.instance_mut(&server).expect("reached");
    if c.want_bool("exists") == Some(false) {
        i.logins.retain(|l, _| !l.eq_ignore_ascii_case(&login));
        return Ok(());
    }
    let key = i
        .logins
        .keys()
        .find(|l| l.eq_ignore_ascii_case(&login))
        .cloned()
        .unwrap_or(login);
    i.logins.insert(key, roles);
    Ok(())
}
