//! `sql_fci` on a simulated node: SQL Server setup's InstallFailoverCluster on the first
//! owner (cluster, quorum and disks in Available Storage required), or converging an
//! installed FCI in place (what can change without a reinstall, services, online).

use std::collections::{BTreeMap, BTreeSet};

use super::{Simulated, Spec};
use crate::kind::sql_fci::{SqlFci, SqlFciObserved, CHECK_AGENT_RUNNING, CHECK_ONLINE};
use crate::sim::cluster::{group_state, require};
use crate::sim::roles::{role_detail, start_group};
use crate::sim::sql::{agent_running, reach, setup_error, take_disks};
use crate::sim::world::{vnn, GroupKind, GroupState, InstanceState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// SQL Server's default max server memory after setup.
const DEFAULT_MAX_MEMORY_MB: u64 = 2_147_483_647;

impl Simulated for SqlFci {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<SqlFciObserved, String> {
        let Some(i) = w.instance(&s.params.network_name) else {
            return Ok(SqlFciObserved::default());
        };
        let (state, mut disks) = w
            .cluster(&i.cluster)
            .and_then(|cl| {
                cl.group(&i.group)
                    .map(|g| (Some(group_state(w, cl, g).to_string()), g.disks.clone()))
            })
            .unwrap_or((None, Vec::new()));
        disks.sort();
        let mut o = SqlFciObserved {
            installed: true,
            instance: Some(i.instance.clone()),
            network_name: Some(i.network_name.clone()),
            ip: Some(i.ip.clone()),
            disks,
            state: state.clone(),
            ..SqlFciObserved::default()
        };
        // The rest comes from SQL Server (templates/sql/sql_fci_probe.sql.hbs), which the
        // template reads only while the role is Online. The simulator reports it from its
        // model even while the role is not (the template reports null then: a known gap,
        // see docs/windows-behaviour.md WB-TSQL-06).
        if state.as_deref() == Some("Online") {
            reach(w, &s.params.network_name)?;
            // WB-TSQL-06: sys.dm_server_services needs VIEW SERVER STATE (Msg 300), and
            // xp_instance_regread answers NULL, for a caller that is not sysadmin.
            if !crate::sim::sql_side::caller_is_sysadmin(w, &s.params.network_name) {
                return Err(crate::sim::sql_side::query_error(
                    "VIEW SERVER STATE permission was denied on object 'server', database 'master'.",
                ));
            }
        }
        o.version = Some(i.version.clone());
        o.edition = Some(i.edition.clone());
        o.data_dir = Some(i.data_dir.clone());
        o.log_dir = Some(i.log_dir.clone());
        o.tempdb_dir = Some(i.tempdb_dir.clone());
        o.backup_dir = Some(i.backup_dir.clone());
        o.engine_account = Some(i.engine_account.clone());
        o.agent_account = Some(i.agent_account.clone());
        Ok(o)
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let cl = require(w, c, None).map_err(|e| {
            setup_error(format!(
                "rule 'Cluster_VerifyForErrors' failed: the node is not an online member of a cluster with quorum ({e})"
            ))
        })?;
        let cname = cl.name.clone();
        let (p, want) = (&s.params, &s.desired);
        let name = &p.network_name;
        let group = &p.group;
        let disks = &p.disks;
        if let Some(i) = w.instance(name) {
            // Installed: converge what can change in place, start the services, bring it online.
            for (key, have, want) in [
                ("instance", &i.instance, &want.instance),
                ("version", &i.version, &want.version),
                ("edition", &i.edition, &want.edition),
                ("data_dir", &i.data_dir, &want.data_dir),
                ("log_dir", &i.log_dir, &want.log_dir),
            ] {
                if !want.eq_ignore_ascii_case(have) {
                    return Err(format!(
                        "the instance {name} is installed with {key} {have}; it cannot be changed to {want} in place (uninstall and reinstall the FCI)"
                    ));
                }
            }
            let group = i.group.clone();
            let cluster = i.cluster.clone();
            let owner = w
                .cluster(&cluster)
                .and_then(|cl| cl.group(&group))
                .map(|g| g.owner.clone())
                .unwrap_or_default();
            take_disks(w, &cluster, &group, disks)?;
            let i = w.instance_mut(name).expect("checked");
            i.ip.clone_from(&want.ip);
            i.tempdb_dir.clone_from(&want.tempdb_dir);
            i.backup_dir.clone_from(&want.backup_dir);
            i.engine_account.clone_from(&want.engine_account);
            i.agent_account.clone_from(&want.agent_account);
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
        // WB-PROC-02: setup runs QUIET from its configuration file.
        crate::sim::script::silent(c.script).map_err(setup_error)?;
        crate::sim::script::accepts_license(c.script).map_err(setup_error)?;
        // WB-SETUP-05: the setup account is a local administrator on every node.
        let members = w
            .cluster(&cname)
            .map(|cl| cl.members.clone())
            .unwrap_or_default();
        crate::sim::env::require_admin_on(w, &members, "setup.exe").map_err(setup_error)?;
        // WB-CL-08: SQL Server setup does not take a distributed management point.
        if w.env
            .distributed_management_point
            .contains(&cname.to_ascii_uppercase())
        {
            return Err(setup_error(format!(
                "the cluster '{cname}' has a distributed network name as its management point (New-Cluster in Azure without -ManagementPointNetworkType Singleton); SQL Server failover cluster setup fails at the network name step: recreate the cluster with -ManagementPointNetworkType Singleton"
            )));
        }
        // WB-SETUP-03: the CNO creates the instance's computer object (VCO).
        crate::sim::env::create_computer_object(
            w,
            name,
            "rule 'Cluster_NetworkName' failed: setup could not bring the network name online and rolled back",
        )
        .map_err(setup_error)?;
        if w.cluster(&cname)
            .is_some_and(|cl| cl.group(group).is_some())
        {
            return Err(setup_error(format!(
                "the cluster group '{group}' already exists; choose another instance name or remove the group"
            )));
        }
        let cl = w.cluster(&cname).expect("required");
        for d in disks {
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
        let instance = want.instance.clone();
        let mut logins: BTreeMap<String, BTreeSet<String>> = p
            .sysadmins
            .iter()
            .map(|s| (s.clone(), BTreeSet::from(["sysadmin".to_string()])))
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
            ip: want.ip.clone(),
            version: want.version.clone(),
            edition: want.edition.clone(),
            data_dir: want.data_dir.clone(),
            log_dir: want.log_dir.clone(),
            tempdb_dir: want.tempdb_dir.clone(),
            backup_dir: want.backup_dir.clone(),
            engine_account: want.engine_account.clone(),
            agent_account: want.agent_account.clone(),
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
        w.instances.insert(vnn(name), state);
        take_disks(w, &cname, group, disks)?;
        start_group(w, &cname, group)
    }

    fn verify(
        w: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &SqlFciObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let name = &s.params.network_name;
        let agent = agent_running(w, name);
        Ok(vec![
            check(
                CHECK_ONLINE,
                o.state.as_deref() == Some("Online"),
                role_detail(&format!("the FCI {name}"), o.state.as_deref(), &apply_hint),
            ),
            check(
                CHECK_AGENT_RUNNING,
                o.installed && agent,
                if agent {
                    "SQL Server Agent is running on the owner".to_string()
                } else {
                    format!("SQL Server Agent (SQLSERVERAGENT) is not running on the owner of {name}; start it (Start-ClusterResource 'SQL Server Agent') or {apply_hint}")
                },
            ),
        ])
    }

    /// SQL Server setup `/ACTION=RemoveNode` on this node (WB-DEL-04).
    fn destroy(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        crate::sim::sql::remove_node(w, &s.params.network_name, &c.node)
    }
}
