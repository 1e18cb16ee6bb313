//! The simulator refuses what Windows refuses (docs/windows-behaviour.md, issue 9 "make the
//! simulator refuse what Windows refuses"): one test per precondition, each showing the
//! refusal with Windows's message, and the firewall's "nothing more" (issue 9 #5).

use super::tests::{apply_ok, converge_until, error_of, lab, probe_of, res};
use crate::kind::firewall::{self, Firewall};
use crate::topology::Resource;

#[test]
fn firewall_removes_a_bisrc_rule_no_role_needs() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fw = res(&topo, "node.LABSQL1.firewall");
    // An older bisrc opened plain TCP 135 on every node.
    let old = firewall::Params::new(vec![135, 1433], false, false);
    let mut stale = Resource::new::<Firewall>(
        fw.address.clone(),
        &fw.site,
        fw.target.clone(),
        old.clone(),
        old.desired(),
    );
    stale.depends_on.clear();
    apply_ok(d, &inv, &stale);
    let o = probe_of(d, &inv, fw);
    assert_eq!(
        o["unneeded_bisrc_rules"],
        serde_json::json!(["bisrc-sql-tcp-135"])
    );
    // Today's spec closes it and keeps 1433.
    apply_ok(d, &inv, fw);
    let o = probe_of(d, &inv, fw);
    assert_eq!(o["unneeded_bisrc_rules"], serde_json::json!([]));
    assert_eq!(o["sql_tcp_ports"], serde_json::json!([1433]));
}

#[test]
fn dtc_role_refuses_a_preferred_owner_that_is_not_a_possible_owner() {
    // WB-OWN-01 on the DTC role: Set-ClusterOwnerNode -Group refuses a node the role cannot
    // run on.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    let mut desired: crate::kind::clustered_dtc::Desired =
        crate::kind::from_map(&dtc.desired).unwrap();
    desired.preferred_owners = vec!["LABSQL2".into(), "LABSQL9".into()];
    let params: crate::kind::clustered_dtc::Params = crate::kind::from_map(&dtc.params).unwrap();
    let bad = Resource::new::<crate::kind::clustered_dtc::ClusteredDtc>(
        dtc.address.clone(),
        &dtc.site,
        dtc.target.clone(),
        params,
        desired,
    );
    let e = error_of(d, &inv, &bad);
    assert!(
        e.contains("Set-ClusterOwnerNode : The node 'LABSQL9' is not a possible owner of 'LABDTC'"),
        "{e}"
    );
    // The inventory's owners (the cluster's node order) and failback off are applied.
    apply_ok(d, &inv, dtc);
    let o = probe_of(d, &inv, dtc);
    assert_eq!(
        o["preferred_owners"],
        serde_json::json!(["LABSQL1", "LABSQL2"])
    );
    assert_eq!(o["auto_failback"], false);
    assert_eq!(o["remote_clients"], false);
    assert_eq!(o["remote_administration"], false);
}

#[test]
fn new_cluster_refuses_a_failed_validation_and_names_the_failing_tests() {
    // WB-CL-06 / WB-VAL-03: Test-Cluster reports failures without throwing; bisrc's
    // New-Cluster step reads the result and refuses.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let cluster = res(&topo, "cluster.LABSQLCL");
    converge_until(d, &inv, &topo, &cluster.address);
    crate::sim::world::update(d, &inv, |w| {
        let v = w.validations.get_mut("LABSQLCL").expect("validation ran");
        v.passed = false;
        v.failed = vec!["Validate Network Communication".into()];
    })
    .unwrap();
    let e = error_of(d, &inv, cluster);
    assert!(
        e.contains("cluster validation failed (Validate Network Communication)"),
        "{e}"
    );
    // A passing validation lets it through.
    apply_ok(d, &inv, res(&topo, "cluster.LABSQLCL.validation"));
    apply_ok(d, &inv, cluster);
}

#[test]
fn sp_configure_refuses_values_out_of_range_and_min_above_max() {
    // WB-TSQL-02.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let cfg = res(&topo, "sql.LABBTSSQL.config");
    converge_until(d, &inv, &topo, &cfg.address);
    let with = |f: &dyn Fn(&mut crate::kind::sql_config::Desired)| {
        let mut desired: crate::kind::sql_config::Desired =
            crate::kind::from_map(&cfg.desired).unwrap();
        f(&mut desired);
        let params: crate::kind::sql_config::Params = crate::kind::from_map(&cfg.params).unwrap();
        Resource::new::<crate::kind::sql_config::SqlConfig>(
            cfg.address.clone(),
            &cfg.site,
            cfg.target.clone(),
            params,
            desired,
        )
    };
    let e = error_of(
        d,
        &inv,
        &with(&|x| {
            x.max_server_memory_mb = 100;
            x.min_server_memory_mb = 0;
        }),
    );
    assert!(
        e.contains("'100' is not a valid value for configuration option 'max server memory (MB)'"),
        "{e}"
    );
    let e = error_of(
        d,
        &inv,
        &with(&|x| x.min_server_memory_mb = x.max_server_memory_mb + 1),
    );
    assert!(
        e.contains("min server memory (MB) must not be greater"),
        "{e}"
    );
    // Nothing was half-applied: the instance still has setup's values, and the real spec applies.
    assert_ne!(probe_of(d, &inv, cfg)["max_server_memory_mb"], 100);
    apply_ok(d, &inv, cfg);
}

#[test]
fn a_role_address_needs_a_cluster_network_with_client_access() {
    // WB-ROLE-02: LABDTC's address (192.168.50.21) is on the Public network; make that
    // network cluster-only and the role cannot come online.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    crate::sim::world::update(d, &inv, |w| {
        let cl = w.cluster_mut("LABSQLCL").expect("cluster exists");
        let n = cl
            .networks
            .iter_mut()
            .find(|n| n.subnet.starts_with("192.168.50."))
            .expect("the client network");
        n.role = "Cluster".into();
    })
    .unwrap();
    let e = error_of(d, &inv, dtc);
    assert!(
        e.contains("The IP address resource '192.168.50.21' cannot come online")
            && e.contains("does not allow client access"),
        "{e}"
    );
    // The cluster_network step puts the role back; then the DTC role comes online.
    for r in topo
        .resources
        .iter()
        .filter(|r| r.address.contains(".network."))
    {
        apply_ok(d, &inv, r);
    }
    apply_ok(d, &inv, dtc);
}
