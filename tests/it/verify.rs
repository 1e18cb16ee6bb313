//! verify: a node down (plan unknowns, failed checks naming the node, failover shows roles
//! on the survivor), a failing check, stable JUnit.

use bisrc::sim::faults::Fault;

use crate::cycle::Lab;

#[test]
fn node_down_is_unknown_in_plan_failed_in_verify_and_survived_in_failover() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::NodeDown("LABSQL2".into()));
    // A host that cannot be probed makes the plan incomplete: an error, not "changes".
    let p = lab.run(&["plan", "--detailed-exitcode", "--format", "json"]);
    p.code(1);
    let v = p.json();
    let unknown: Vec<&serde_json::Value> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "unknown")
        .collect();
    assert!(!unknown.is_empty());
    for c in &unknown {
        assert!(c["reason"].as_str().unwrap().contains("LABSQL2"), "{c}");
    }
    assert!(unknown
        .iter()
        .any(|c| c["address"] == "node.LABSQL2.feature.failover-clustering"));
    // The reason is said once for the host, not once per resource.
    let text = lab.run(&["plan"]);
    text.code(1)
        .stdout_has("  ? unknown  node.LABSQL2.firewall  (on LABSQL2)\n")
        .stdout_has("Plan incomplete: 6 of 39 resources could not be probed")
        .stdout_has("  LABSQL2 (6 resources):\n    unreachable: ");
    assert_eq!(
        text.stdout.matches("no route to labsql2").count(),
        1,
        "{}",
        text.stdout
    );

    let vr = lab.run(&["verify"]);
    vr.code(1).stdout_has("✗").stdout_has("LABSQL2");
    let vj = lab.run(&["verify", "--format", "json"]);
    vj.code(1);
    let checks = vj.json()["checks"].as_array().unwrap().clone();
    assert!(checks.iter().any(|c| c["ok"] == false
        && c["resource"] == "node.LABSQL2.firewall"
        && c["detail"]
            .as_str()
            .unwrap()
            .contains("LABSQL2 is unreachable")));
    assert!(checks
        .iter()
        .any(|c| c["name"] == bisrc::kind::cluster::CHECK_NODES_UP
            && c["ok"] == false
            && c["detail"].as_str().unwrap().contains("LABSQL2")));

    let fo = lab.run(&["verify", "--failover"]);
    fo.code(1)
        .stdout_has("LABSQLCL / SQL Server (MSSQLSERVER) on LABSQL1 (Online)")
        .stdout_has("LABSQLCL / LABDTC on LABSQL1 (Online)")
        // not attempted: skipped with the reason, not failed
        .stdout_has(
            "  - LABDTC: LABSQL1 → LABSQL2  (skipped)\n      not attempted: LABSQL2 is unreachable",
        )
        .stdout_has("failover: 0 of 0 moves succeeded, 2 skipped.");
    // The counts are those of the checks listed.
    let listed = |sign: &str| {
        fo.stdout
            .lines()
            .filter(|l| l.starts_with(&format!("  {sign} ")))
            .count()
    };
    fo.stdout_has(&format!(
        "Verify: {} passed, {} failed;",
        listed("✓"),
        listed("✗")
    ));
}

#[test]
fn failed_checks_fail_verify_and_junit_is_stable() {
    let lab = Lab::shipped();
    lab.converge();
    lab.run(&["verify", "--junit", "a.xml"]).code(0);
    lab.run(&["verify", "--junit", "b.xml"]).code(0);
    let a = std::fs::read_to_string(lab.path().join("a.xml")).unwrap();
    assert_eq!(
        a,
        std::fs::read_to_string(lab.path().join("b.xml")).unwrap()
    );
    assert!(a.contains("<testsuite name=\"LABSQL1\""));
    assert!(a.contains("name=\"sql.LABBTSSQL.config sql-maxdop\""));
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.config".into(),
        key: "max_degree_of_parallelism".into(),
        value: serde_json::json!(0),
    });
    lab.run(&["verify", "--junit", "c.xml"])
        .code(1)
        .stdout_has("✗ sql-maxdop: ");
    let c = std::fs::read_to_string(lab.path().join("c.xml")).unwrap();
    assert!(c.contains("failures=\"1\""), "{c}");
}
