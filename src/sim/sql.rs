//! SQL Server mechanics several kinds' handlers share: reaching an instance through its
//! network name (failing as `SqlConnection.Open()` does under Windows PowerShell 5.1 when its
//! group is not online, its certificate is refused or the caller has no login), setup's error
//! form, moving disks into an FCI's group, and whether SQL Server Agent runs.

use super::cluster::group_state;
use super::world::{InstanceState, World};
use crate::topology::AVAILABLE_STORAGE;

/// The instance `server` (`VNN` or `VNN\INSTANCE`) as bisrc's client
/// (`templates/partials/sql.ps1`) reaches it: the network error when no such instance was ever
/// installed (its network name does not resolve) or when its group is not online — a real
/// client cannot tell the two apart — then the TLS handshake and the login (WB-SQL-02/03/04).
pub(super) fn reach<'w>(w: &'w World, server: &str) -> Result<&'w InstanceState, String> {
    match w.instance(server) {
        Some(i) if online(w, i) => {
            super::sql_side::open(w, server, super::sql_side::CLIENT_TRUSTS_SERVER_CERTIFICATE)?;
            Ok(i)
        }
        _ => Err(sql_error(server)),
    }
}

/// Whether the instance's group is Online.
pub(super) fn online(w: &World, i: &InstanceState) -> bool {
    if i.group.is_empty() {
        // A standalone replica instance: its node's service.
        return w
            .host(&i.network_name)
            .is_some_and(|h| h.up && !h.stopped("MSSQLSERVER"));
    }
    w.cluster(&i.cluster)
        .and_then(|cl| {
            cl.group(&i.group)
                .map(|g| group_state(w, cl, g) == "Online")
        })
        .unwrap_or(false)
}

/// What `SqlConnection.Open()` throws under Windows PowerShell 5.1 when the server does not
/// answer (SqlClient's message names no server; `$BisrcServer` in the step does).
pub(super) fn sql_error(_server: &str) -> String {
    super::sql_side::exception(
        "Open",
        0,
        "A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible. Verify that the instance name is correct and that SQL Server is configured to allow remote connections. (provider: Named Pipes Provider, error: 40 - Could not open a connection to SQL Server)",
    )
}

/// How SQL Server setup reports a failed rule.
pub(super) fn setup_error(msg: String) -> String {
    format!("SQL Server Setup failed: {msg} (see Summary.txt under Setup Bootstrap\\Log)")
}

/// Moves disks from Available Storage into the instance's group.
pub(super) fn take_disks(
    w: &mut World,
    cluster: &str,
    group: &str,
    disks: &[String],
) -> Result<(), String> {
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

/// Whether SQL Server Agent runs where the instance's group is owned.
pub(super) fn agent_running(w: &World, server: &str) -> bool {
    let Some(i) = w.instance(server) else {
        return false;
    };
    if i.group.is_empty() {
        return w
            .host(&i.network_name)
            .is_some_and(|h| h.up && !h.stopped("SQLSERVERAGENT"));
    }
    w.cluster(&i.cluster)
        .and_then(|cl| cl.group(&i.group))
        .and_then(|g| w.host(&g.owner))
        .is_some_and(|h| h.up && !h.stopped("SQLSERVERAGENT"))
}

/// What the step prints when a job it changes does not exist (Msg 14262; BizTalk
/// configuration creates the job).
pub(super) fn missing_job(job: &str) -> String {
    super::sql_side::query_error(&format!(
        "The specified @job_name ('{job}') does not exist."
    ))
}

/// SQL Server setup `/ACTION=RemoveNode` for the instance `server` on `node` (WB-DEL-04): the
/// node must be an active cluster member; it stops being a possible owner (the group moves
/// off it first); on the last node the instance is uninstalled and its group removed, its
/// disks going back to Available Storage. Nothing to do on a node without the instance.
pub(super) fn remove_node(w: &mut World, server: &str, node: &str) -> Result<(), String> {
    let Some(i) = w.instance(server) else {
        return Ok(());
    };
    if !i
        .installed_nodes
        .iter()
        .any(|n| n.eq_ignore_ascii_case(node))
    {
        return Ok(());
    }
    if !super::cluster::active(w, node) {
        return Err(setup_error(format!(
            "rule 'Cluster_IsOnlineIfClustered' failed: the cluster service is not running on {node}"
        )));
    }
    let (cluster, group) = (i.cluster.clone(), i.group.clone());
    let i = w.instance_mut(server).expect("found above");
    i.installed_nodes.retain(|n| !n.eq_ignore_ascii_case(node));
    let remaining = i.installed_nodes.clone();
    if remaining.is_empty() {
        w.instances.remove(&super::world::vnn(server));
        if let Some(cl) = w.cluster_mut(&cluster) {
            if let Some(pos) = cl
                .groups
                .iter()
                .position(|g| g.name.eq_ignore_ascii_case(&group))
            {
                let g = cl.groups.remove(pos);
                if let Some(storage) = cl.group_mut(AVAILABLE_STORAGE) {
                    storage.disks.extend(g.disks);
                }
            }
        }
        return Ok(());
    }
    let next = remaining
        .iter()
        .find(|n| super::cluster::active(w, n))
        .cloned();
    if let Some(g) = w.cluster_mut(&cluster).and_then(|cl| cl.group_mut(&group)) {
        g.possible_owners.retain(|n| !n.eq_ignore_ascii_case(node));
        g.preferred_owners.retain(|n| !n.eq_ignore_ascii_case(node));
        if g.owner.eq_ignore_ascii_case(node) {
            match next {
                Some(n) => g.owner = n,
                None => {
                    return Err(setup_error(format!(
                        "the instance runs on {node} and no other possible owner is up to take it"
                    )))
                }
            }
        }
    }
    Ok(())
}
