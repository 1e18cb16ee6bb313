//! Tests of the simulator: preconditions, failover with and without a witness, concurrency,
//! and the property the engine relies on — after applying every resource in topology order,
//! every probe shows the desired attributes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::faults::{inject, Fault, INJECTED_FAILURE};
use super::*;
use crate::inventory::{load, Inventory};
use crate::step::{parse_results, Observed, PayloadStep, WIRE_VERSION};
use crate::topology::{Resource, Target, Topology};

pub(super) fn inventory(name: &str) -> Inventory {
    load(Path::new(&format!("inventories/{name}.yaml")))
        .unwrap()
        .inventory
}

fn cmd() -> String {
    crate::transport::windows::command_line()
}

fn script(r: &Resource, action: StepAction) -> String {
    let h = StepHeader {
        resource: r.address.clone(),
        kind: r.kind,
        action,
        spec: r.spec(),
        secrets: r.secret_keys(),
    };
    format!("{}# body\r\n", h.to_line())
}

fn payload(steps: Vec<String>, secrets: &[String], continue_on_error: bool) -> Vec<u8> {
    let p = Payload {
        version: WIRE_VERSION,
        steps: steps
            .into_iter()
            .map(|script| PayloadStep { script })
            .collect(),
        continue_on_error,
        secrets: secrets
            .iter()
            .map(|k| (k.clone(), "s3cret-value".to_string()))
            .collect::<BTreeMap<_, _>>(),
    };
    serde_json::to_vec(&p).unwrap()
}

/// Where the engine would run a step of `r` now.
fn node_for(dir: &Path, inv: &Inventory, r: &Resource) -> String {
    match &r.target {
        Target::Node { host } => host.clone(),
        Target::Owner {
            cluster,
            group,
            candidates,
        } => {
            let w = status(dir, inv).unwrap().world;
            w.cluster(cluster)
                .and_then(|c| c.group(group))
                .map(|g| g.owner.clone())
                .filter(|o| w.host(o).is_some_and(|h| h.up))
                .or_else(|| {
                    candidates
                        .iter()
                        .find(|c| w.host(c).is_some_and(|h| h.up))
                        .cloned()
                })
                .unwrap()
        }
    }
}

/// Runs one step of `r`; returns its outcome.
fn step(dir: &Path, inv: &Inventory, r: &Resource, action: StepAction) -> StepOutcome {
    let node = node_for(dir, inv, r);
    let out = serve(
        dir,
        inv,
        &node,
        &crate::transport::windows::command_line(),
        &payload(vec![script(r, action)], &r.secret_keys(), false),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut results = parse_results(&stdout).unwrap();
    assert_eq!(results.len(), 1, "{}: {stdout}", r.address);
    let o = results.remove(0);
    assert_eq!(out.exit_status, if o.ok { 0 } else { 1 });
    o
}

fn apply_ok(dir: &Path, inv: &Inventory, r: &Resource) -> bool {
    let o = step(dir, inv, r, StepAction::Apply);
    assert!(o.ok, "{}: {}", r.address, o.error);
    o.result.unwrap()["changed"].as_bool().unwrap()
}

fn probe_of(dir: &Path, inv: &Inventory, r: &Resource) -> Value {
    let o = step(dir, inv, r, StepAction::Probe);
    assert!(o.ok, "{}: {}", r.address, o.error);
    let observed = o.result.unwrap()["observed"].clone();
    Observed::from_probe(r.kind, observed.clone()).unwrap_or_else(|e| panic!("{}: {e}", r.address));
    observed
}

fn converge(dir: &Path, inv: &Inventory, topo: &Topology) {
    for r in &topo.resources {
        apply_ok(dir, inv, r);
    }
}

fn assert_converged(dir: &Path, inv: &Inventory, topo: &Topology) {
    for r in &topo.resources {
        let o = probe_of(dir, inv, r);
        for (k, want) in &r.desired {
            assert_eq!(&o[k], want, "{} {k}", r.address);
        }
    }
}

/// Kinds whose probe connects to SQL Server through the instance's network name.
fn sql_backed(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::SqlConfig
            | ResourceKind::SqlLogin
            | ResourceKind::BiztalkGroup
            | ResourceKind::DatabaseSettings
            | ResourceKind::BackupJob
            | ResourceKind::AgentJob
            | ResourceKind::LogShipping
    )
}

fn res<'t>(topo: &'t Topology, address: &str) -> &'t Resource {
    topo.get(address).unwrap_or_else(|| panic!("no {address}"))
}

#[test]
fn fresh_world_probes_parse_and_converged_world_matches_desired() {
    for name in ["lab", "contoso-prod", "scaled-out"] {
        let inv = inventory(name);
        let topo = Topology::build(&inv, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for r in &topo.resources {
            // Steps that talk T-SQL through the network name fail as Invoke-Sqlcmd does while
            // no FCI answers there (the engine plans them as create behind the FCI).
            if sql_backed(r.kind) {
                let o = step(dir.path(), &inv, r, StepAction::Probe);
                assert!(
                    !o.ok
                        && o.error
                            .contains("A network-related or instance-specific error"),
                    "{}: {}",
                    r.address,
                    o.error
                );
                continue;
            }
            let o = probe_of(dir.path(), &inv, r);
            assert_eq!(
                Observed::from_probe(r.kind, o).unwrap().exists(),
                matches!(r.kind, ResourceKind::DtcNetwork | ResourceKind::Quorum),
                "{}",
                r.address
            );
        }
        converge(dir.path(), &inv, &topo);
        assert_converged(dir.path(), &inv, &topo);
        // A second apply changes nothing.
        for r in &topo.resources {
            assert!(
                !apply_ok(dir.path(), &inv, r),
                "{} changed twice",
                r.address
            );
        }
        // Every verify check passes.
        for r in &topo.resources {
            let o = step(dir.path(), &inv, r, StepAction::Verify);
            assert!(o.ok, "{}", r.address);
            let checks: Vec<Check> =
                serde_json::from_value(o.result.unwrap()["checks"].clone()).unwrap();
            assert!(!checks.is_empty(), "{}", r.address);
            for c in checks {
                assert!(c.ok, "{name} {} {}: {}", r.address, c.name, c.detail);
            }
        }
    }
}

fn error_of(dir: &Path, inv: &Inventory, r: &Resource) -> String {
    let o = step(dir, inv, r, StepAction::Apply);
    assert!(!o.ok, "{} should have failed", r.address);
    assert!(o.result.is_none());
    o.error
}

fn lab() -> (Inventory, Topology, tempfile::TempDir) {
    let inv = inventory("lab");
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo, tempfile::tempdir().unwrap())
}

#[test]
fn converged_lab_passes_every_check_under_the_kinds_check_names() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    for r in &topo.resources {
        let o = step(d, &inv, r, StepAction::Verify);
        assert!(o.ok, "{}: {}", r.address, o.error);
        let checks = o.result.unwrap()["checks"].clone();
        let checks = checks.as_array().unwrap();
        assert!(!checks.is_empty(), "{}", r.address);
        for c in checks {
            let name = c["name"].as_str().unwrap();
            assert!(
                r.kind.checks().contains(&name),
                "{}: check {name} is not one of {:?}",
                r.address,
                r.kind.checks()
            );
            assert_eq!(c["ok"], true, "{}: {c}", r.address);
        }
    }
}

#[test]
fn drift_changes_one_attribute_and_refuses_a_value_of_the_wrong_type() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let config = res(&topo, "sql.LABBTSSQL.config");
    let before = probe_of(d, &inv, config);
    let set = |value: Value| Fault::Set {
        address: config.address.clone(),
        key: "max_degree_of_parallelism".into(),
        value,
    };
    inject(d, &inv, &set(json!(0))).unwrap();
    let after = probe_of(d, &inv, config);
    assert_eq!(after["max_degree_of_parallelism"], 0);
    for k in ["max_server_memory_mb", "min_server_memory_mb", "tcp_port"] {
        assert_eq!(after[k], before[k], "{k}");
    }
    let err = inject(d, &inv, &set(json!("x"))).unwrap_err().to_string();
    assert!(
        err.contains("cannot set max_degree_of_parallelism"),
        "{err}"
    );
    assert_eq!(probe_of(d, &inv, config)["max_degree_of_parallelism"], 0);
}

/// Applies every resource before `address` (in topology order).
fn converge_until(dir: &Path, inv: &Inventory, topo: &Topology, address: &str) {
    for r in topo.resources.iter().take_while(|r| r.address != address) {
        apply_ok(dir, inv, r);
    }
}

#[test]
fn preconditions_are_enforced_with_windows_like_errors() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    // No cluster before the feature on every node.
    let e = error_of(d, &inv, res(&topo, "cluster.LABSQLCL"));
    assert!(
        e.contains("Failover Clustering feature is not installed on node 'LABSQL1'"),
        "{e}"
    );
    // No FCI before the cluster.
    let e = error_of(d, &inv, res(&topo, "sql.LABBTSSQL"));
    assert!(
        e.contains("SQL Server Setup failed") && e.contains("LABSQLCL"),
        "{e}"
    );
    // No AddNode before the FCI.
    let e = error_of(d, &inv, res(&topo, "sql.LABBTSSQL.node.LABSQL2"));
    assert!(
        e.contains("run InstallFailoverCluster on the first node before AddNode"),
        "{e}"
    );
    // No BizTalk group before the instances answer (and MSDTC on the BizTalk server first).
    apply_ok(d, &inv, res(&topo, "node.LABBTS1.dtc"));
    let e = error_of(d, &inv, res(&topo, "biztalk.primary.group"));
    assert!(
        e.contains("cannot connect to SQL Server 'LABBTSSQL'"),
        "{e}"
    );
    // No FCI before its disks are clustered: converge up to the disks, skip them.
    for r in &topo.resources {
        if r.address.starts_with("cluster.LABSQLCL.disk.") {
            break;
        }
        apply_ok(d, &inv, r);
    }
    let e = error_of(d, &inv, res(&topo, "sql.LABBTSSQL"));
    assert!(e.contains("cluster disk 'SQLData' was not found"), "{e}");
    // A failed apply leaves the world as it was; a probe still shows nothing installed.
    assert_eq!(
        probe_of(d, &inv, res(&topo, "sql.LABBTSSQL"))["installed"],
        false
    );
}

#[test]
fn apply_of_owner_bound_sql_steps_fails_like_invoke_sqlcmd_when_the_group_is_down() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    inject(d, &inv, &Fault::DiskOffline("SQLData".into())).unwrap();
    let fci = probe_of(d, &inv, res(&topo, "sql.LABBTSSQL"));
    assert_eq!(fci["state"], "Failed");
    for address in [
        "sql.LABBTSSQL.config",
        "db.LABBTSSQL.BizTalkMsgBoxDb.settings",
    ] {
        let o = step(d, &inv, res(&topo, address), StepAction::Probe);
        assert!(
            !o.ok
                && o.error
                    .contains("A network-related or instance-specific error"),
            "{address}: {}",
            o.error
        );
    }
    // The disk's apply brings it back, and with it the SQL group.
    assert!(apply_ok(
        d,
        &inv,
        res(&topo, "cluster.LABSQLCL.disk.SQLData")
    ));
    assert_eq!(
        probe_of(d, &inv, res(&topo, "sql.LABBTSSQL"))["state"],
        "Online"
    );
}

/// The cluster probe, run on the first member that is up (as the engine does).
fn groups(dir: &Path, inv: &Inventory, topo: &Topology, cluster: &str) -> Value {
    let r = res(topo, cluster);
    let node = ["LABSQL1", "LABSQL2"]
        .into_iter()
        .find(|n| node_is_up(dir, inv, n))
        .unwrap();
    let out = serve(
        dir,
        inv,
        node,
        &cmd(),
        &payload(vec![script(r, StepAction::Probe)], &[], false),
    );
    let o = parse_results(&String::from_utf8(out.stdout).unwrap())
        .unwrap()
        .remove(0);
    assert!(o.ok, "{}", o.error);
    o.result.unwrap()["observed"].clone()
}

#[test]
fn node_down_with_a_disk_witness_fails_over_and_keeps_quorum() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let before = groups(d, &inv, &topo, "cluster.LABSQLCL");
    assert_eq!(before["has_quorum"], true);
    assert!(
        before["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["owner"] == "LABSQL1" && g["state"] == "Online"),
        "{before}"
    );
    inject(d, &inv, &Fault::NodeDown("LABSQL1".into())).unwrap();
    assert!(!node_is_up(d, &inv, "LABSQL1"));
    let out = serve(d, &inv, "LABSQL1", &cmd(), b"{}");
    assert_eq!(out.exit_status, 255);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "node LABSQL1 is down (simulated)\n"
    );
    assert!(out.stdout.is_empty());
    let after = groups(d, &inv, &topo, "cluster.LABSQLCL");
    assert_eq!(after["has_quorum"], true);
    assert_eq!(
        after["nodes"],
        json!([{"name": "LABSQL1", "state": "Down"}, {"name": "LABSQL2", "state": "Up"}])
    );
    for g in after["groups"].as_array().unwrap() {
        assert_eq!(g["owner"], "LABSQL2", "{g}");
        assert_eq!(g["state"], "Online", "{g}");
    }
    // The node comes back; the groups stay where they are.
    inject(d, &inv, &Fault::NodeUp("LABSQL1".into())).unwrap();
    let back = groups(d, &inv, &topo, "cluster.LABSQLCL");
    assert!(back["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["owner"] == "LABSQL2"));
    assert_eq!(back["nodes"][0]["state"], "Up");
}

#[test]
fn node_down_without_a_witness_loses_quorum_and_stops_every_group() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    inject(
        d,
        &inv,
        &Fault::Set {
            address: "cluster.LABSQLCL.quorum".into(),
            key: "witness".into(),
            value: json!("none"),
        },
    )
    .unwrap();
    assert_eq!(
        probe_of(d, &inv, res(&topo, "cluster.LABSQLCL.quorum"))["witness"],
        "none"
    );
    inject(d, &inv, &Fault::NodeDown("LABSQL2".into())).unwrap();
    let c = groups(d, &inv, &topo, "cluster.LABSQLCL");
    assert_eq!(c["has_quorum"], false);
    assert!(
        c["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["state"] == "Offline"),
        "{c}"
    );
    // Cluster changes are refused without quorum.
    let e = error_of(d, &inv, res(&topo, "cluster.LABSQLCL.quorum"));
    assert!(e.contains("has lost quorum"), "{e}");
    // Verify names what is wrong.
    let o = step(d, &inv, res(&topo, "cluster.LABSQLCL"), StepAction::Verify);
    let checks: Vec<Check> = serde_json::from_value(o.result.unwrap()["checks"].clone()).unwrap();
    let by = |n: &str| checks.iter().find(|c| c.name == n).unwrap().clone();
    assert!(!by("cluster-nodes-up").ok && by("cluster-nodes-up").detail.contains("LABSQL2"));
    assert!(!by("cluster-quorum").ok);
    assert!(
        !by("cluster-roles-online").ok
            && by("cluster-roles-online")
                .detail
                .contains("SQL Server (MSSQLSERVER)")
    );
}

#[test]
fn group_moves_obey_possible_owners_and_node_state() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge_until(d, &inv, &topo, "sql.LABBTSSQL.node.LABSQL2");
    let mv = |owner: &str| Resource {
        address: "failover.LABSQLCL.SQL Server (MSSQLSERVER)".into(),
        kind: ResourceKind::GroupOwner,
        site: "primary".into(),
        target: Target::Owner {
            cluster: "LABSQLCL".into(),
            group: "SQL Server (MSSQLSERVER)".into(),
            candidates: vec!["LABSQL1".into(), "LABSQL2".into()],
        },
        depends_on: vec![],
        params: json!({"cluster": "LABSQLCL", "group": "SQL Server (MSSQLSERVER)"})
            .as_object()
            .unwrap()
            .clone(),
        desired: json!({"exists": true, "owner": owner, "state": "Online"})
            .as_object()
            .unwrap()
            .clone(),
        immutable: vec![],
        serial_group: None,
        secrets: vec![],
    };
    // Before AddNode, LABSQL2 cannot own the FCI.
    let e = error_of(d, &inv, &mv("LABSQL2"));
    assert!(e.contains("not a possible owner"), "{e}");
    apply_ok(d, &inv, res(&topo, "sql.LABBTSSQL.node.LABSQL2"));
    assert!(apply_ok(d, &inv, &mv("LABSQL2")));
    assert_eq!(
        probe_of(d, &inv, &mv("LABSQL2")),
        json!({"exists": true, "owner": "LABSQL2", "state": "Online"})
    );
    assert!(!apply_ok(d, &inv, &mv("LABSQL2")));
    // Cannot move to a node that is down.
    inject(d, &inv, &Fault::NodeDown("LABSQL1".into())).unwrap();
    let e = error_of(d, &inv, &mv("LABSQL1"));
    assert!(e.contains("is down"), "{e}");
}

#[test]
fn faults_fail_steps_stop_services_and_drift_settings() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let cfg = res(&topo, "sql.LABBTSSQL.config");
    inject(
        d,
        &inv,
        &Fault::FailStep {
            glob: "sql.*.config".into(),
            times: Some(2),
        },
    )
    .unwrap();
    assert_eq!(error_of(d, &inv, cfg), INJECTED_FAILURE);
    assert_eq!(error_of(d, &inv, cfg), INJECTED_FAILURE);
    assert!(!apply_ok(d, &inv, cfg));
    // Probes are not failed by fail-step.
    inject(
        d,
        &inv,
        &Fault::FailStep {
            glob: "sql.*".into(),
            times: None,
        },
    )
    .unwrap();
    probe_of(d, &inv, cfg);
    assert_eq!(error_of(d, &inv, cfg), INJECTED_FAILURE);
    inject(d, &inv, &Fault::Clear).unwrap();
    // Drift: MAXDOP and the backup job, then the next probe shows it and apply repairs it.
    inject(
        d,
        &inv,
        &Fault::Set {
            address: cfg.address.clone(),
            key: "max_degree_of_parallelism".into(),
            value: json!(0),
        },
    )
    .unwrap();
    assert_eq!(probe_of(d, &inv, cfg)["max_degree_of_parallelism"], 0);
    let job = res(&topo, "sql.LABBTSSQL.job.backup-biztalk-server");
    inject(
        d,
        &inv,
        &Fault::Set {
            address: job.address.clone(),
            key: "enabled".into(),
            value: json!(false),
        },
    )
    .unwrap();
    assert_eq!(probe_of(d, &inv, job)["enabled"], false);
    assert!(apply_ok(d, &inv, cfg));
    assert!(apply_ok(d, &inv, job));
    let bad = inject(
        d,
        &inv,
        &Fault::Set {
            address: cfg.address.clone(),
            key: "nope".into(),
            value: json!(1),
        },
    );
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("max_degree_of_parallelism"));
    // Agent stopped: the check fails, the FCI apply starts it again.
    inject(
        d,
        &inv,
        &Fault::ServiceStop {
            node: "LABSQL1".into(),
            service: "SQLSERVERAGENT".into(),
        },
    )
    .unwrap();
    let fci = res(&topo, "sql.LABBTSSQL");
    let o = step(d, &inv, fci, StepAction::Verify);
    let checks: Vec<Check> = serde_json::from_value(o.result.unwrap()["checks"].clone()).unwrap();
    assert_eq!(
        checks
            .iter()
            .map(|c| (c.name.as_str(), c.ok))
            .collect::<Vec<_>>(),
        vec![("sql-fci-online", true), ("sql-agent-running", false)]
    );
    assert!(apply_ok(d, &inv, fci));
    // A step needing a secret fails without it.
    let prod = inventory("contoso-prod");
    let ptopo = Topology::build(&prod, None).unwrap();
    let pdir = tempfile::tempdir().unwrap();
    let r = res(&ptopo, "sql.BTSSQL01");
    let out = serve(
        pdir.path(),
        &prod,
        "SQLN01",
        &cmd(),
        &payload(vec![script(r, StepAction::Apply)], &[], false),
    );
    let res = parse_results(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(res[0].error, "secret sql.BTSSQL01.engine_password was not provided: $BisrcSecrets['sql.BTSSQL01.engine_password'] is empty");
    assert!(!String::from_utf8(out.stderr).unwrap().contains("s3cret"));
}

#[test]
fn payload_stops_after_a_failure_unless_told_to_continue() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let cluster = script(res(&topo, "cluster.LABSQLCL"), StepAction::Apply);
    let feature = script(
        res(&topo, "node.LABSQL1.feature.failover-clustering"),
        StepAction::Apply,
    );
    let out = serve(
        d,
        &inv,
        "LABSQL1",
        &cmd(),
        &payload(vec![cluster.clone(), feature.clone()], &[], false),
    );
    let r = parse_results(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!((r.len(), out.exit_status), (1, 1));
    let out = serve(
        d,
        &inv,
        "LABSQL1",
        &cmd(),
        &payload(vec![cluster, feature], &[], true),
    );
    let r = parse_results(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(
        r.iter().map(|o| o.ok).collect::<Vec<_>>(),
        vec![false, true]
    );
    let out = serve(d, &inv, "LABSQL1", &cmd(), b"not json");
    assert_eq!(out.exit_status, 1);
    assert_eq!(serve(d, &inv, "NOSUCH", "x", b"{}").exit_status, 255);
}

#[test]
fn concurrent_serves_lose_no_update() {
    let (inv, topo, dir) = lab();
    let d = dir.path().to_path_buf();
    // Each thread installs the feature on its own node and opens its firewall, many times over.
    let nodes = ["LABSQL1", "LABSQL2", "LABBTS1"];
    std::thread::scope(|s| {
        for n in nodes {
            let (inv, topo, d) = (&inv, &topo, &d);
            s.spawn(move || {
                for r in topo.resources.iter().filter(|r| {
                    r.target == Target::Node { host: n.into() } && r.address.starts_with("node.")
                }) {
                    for _ in 0..5 {
                        let o = step(d, inv, r, StepAction::Apply);
                        assert!(o.ok, "{}", o.error);
                    }
                }
            });
        }
    });
    for r in topo
        .resources
        .iter()
        .filter(|r| r.address.starts_with("node."))
    {
        let o = probe_of(&d, &inv, r);
        for (k, want) in &r.desired {
            assert_eq!(&o[k], want, "{} {k}", r.address);
        }
    }
}

#[test]
fn only_the_bootstrap_command_line_is_served() {
    let (inv, topo, dir) = lab();
    let p = payload(
        vec![script(res(&topo, "node.LABSQL1.dtc"), StepAction::Probe)],
        &[],
        false,
    );
    assert_eq!(
        serve(dir.path(), &inv, "LABSQL1", &cmd(), &p).exit_status,
        0
    );
    for bad in [
        "",
        "cmd /c dir",
        "powershell -Command Get-Process",
        "powershell -EncodedCommand !!!",
        "powershell -EncodedCommand QQA= extra",
    ] {
        let out = serve(dir.path(), &inv, "LABSQL1", bad, &p);
        assert_eq!(out.exit_status, 1, "{bad}");
        assert!(String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("unsupported command"));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_lock_scripts_are_served_outside_the_payload() {
    let (inv, _, dir) = lab();
    let enc = |s: &str| {
        format!(
            "powershell -NoProfile -NonInteractive -EncodedCommand {}",
            crate::transport::windows::encode_powershell(s)
        )
    };
    let script = |name: &str, vars: serde_json::Value| {
        enc(&crate::render::lock_script(name, &vars).unwrap())
    };
    let acquire = script("acquire", serde_json::json!({ "info": "{\"id\":\"X\"}" }));
    let out = serve(dir.path(), &inv, "LABSQL1", &acquire, b"");
    assert_eq!(
        (out.stdout.as_slice(), out.exit_status),
        (&b"BISRC-LOCK-OK\n"[..], 0)
    );
    let out = serve(dir.path(), &inv, "LABSQL1", &acquire, b"");
    assert_eq!(
        (out.stdout.as_slice(), out.exit_status),
        (&b"BISRC-LOCK-HELD {\"id\":\"X\"}\n"[..], 3)
    );
    let release = script("release", serde_json::json!({ "id": "X" }));
    let out = serve(dir.path(), &inv, "LABSQL1", &release, b"");
    assert_eq!(
        (out.stdout.as_slice(), out.exit_status),
        (&b"BISRC-LOCK-RELEASED\n"[..], 0)
    );
}

#[test]
fn availability_group_preconditions_are_enforced_with_sql_server_like_errors() {
    let inv = inventory("ag/lab-ag");
    let topo = Topology::build(&inv, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // WB-AG-01: HADR needs the node in a running cluster.
    let e = error_of(d, &inv, res(&topo, "ag.BizTalkAG.replica.LABAG2"));
    assert!(
        e.contains("not a node in a Windows Server Failover Clustering (WSFC) cluster"),
        "{e}"
    );
    // WB-AG-04: no group on an instance without HADR.
    converge_until(d, &inv, &topo, "ag.BizTalkAG.replica.LABAG1");
    let e = error_of(d, &inv, res(&topo, "ag.BizTalkAG"));
    assert!(e.contains("Msg 35221"), "{e}");
    // WB-AG-06 / WB-AG-03: no join before the group exists, nor without CONNECT on the
    // primary's endpoint.
    converge_until(d, &inv, &topo, "ag.BizTalkAG");
    let e = error_of(d, &inv, res(&topo, "ag.BizTalkAG.join.LABAG2"));
    assert!(e.contains("Msg 15151"), "{e}");
    apply_ok(d, &inv, res(&topo, "ag.BizTalkAG"));
    inject(
        d,
        &inv,
        &Fault::Set {
            address: "ag.BizTalkAG.replica.LABAG1".into(),
            key: "connect_granted".into(),
            value: json!(false),
        },
    )
    .unwrap();
    let e = error_of(d, &inv, res(&topo, "ag.BizTalkAG.join.LABAG2"));
    assert!(e.contains("Msg 35250"), "{e}");
    // WB-AG-04: automatic failover only with synchronous commit.
    let mut r = res(&topo, "ag.BizTalkAG").clone();
    let specs = r.params["replica_specs"].as_array_mut().unwrap();
    specs[1]["synchronous"] = json!(false);
    let fresh = tempfile::tempdir().unwrap();
    converge_until(fresh.path(), &inv, &topo, "ag.BizTalkAG");
    let e = error_of(fresh.path(), &inv, &r);
    assert!(
        e.contains("requires AVAILABILITY_MODE = SYNCHRONOUS_COMMIT"),
        "{e}"
    );
}
