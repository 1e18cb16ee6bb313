//! What a DBA also expects (issue 9, "A DBA would also expect"): the failback policy of the
//! SQL and SSO roles, as the DTC role has it.

use std::path::Path;

use super::tests::{apply_ok, converge_until, lab, probe_of, res, step};
use crate::inventory::{parse, Inventory};
use crate::step::StepAction;
use crate::topology::Topology;

/// The lab inventory with `edit` applied to its text.
fn lab_with(edit: (&str, &str)) -> (Inventory, Topology, tempfile::TempDir) {
    let path = Path::new("inventories/lab.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(edit.0), "{}", edit.0);
    let inv = parse(path, text.replacen(edit.0, edit.1, 1))
        .unwrap()
        .inventory;
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo, tempfile::tempdir().unwrap())
}

/// The one check of a verify step of `address`: (ok, detail).
fn verify_of(dir: &Path, inv: &Inventory, topo: &Topology, address: &str) -> (bool, String) {
    let o = step(dir, inv, res(topo, address), StepAction::Verify);
    assert!(o.ok, "{address}: {}", o.error);
    let checks = o.result.unwrap()["checks"].clone();
    let c = &checks.as_array().unwrap()[0];
    (
        c["ok"].as_bool().unwrap(),
        c["detail"].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_sql_role_takes_the_inventorys_failback_policy_and_verify_sees_it_drift() {
    // Default: Windows' own (ClusterGroupPreventFailback).
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let owners = "sql.LABBTSSQL.owners";
    converge_until(d, &inv, &topo, owners);
    apply_ok(d, &inv, res(&topo, owners));
    assert_eq!(
        probe_of(d, &inv, res(&topo, owners))["auto_failback"],
        false
    );

    // Asked for in the inventory: set, and verified.
    let (inv, topo, dir) = lab_with((
        "tempdb_files: 4\n",
        "tempdb_files: 4\n            auto_failback: true\n",
    ));
    let d = dir.path();
    converge_until(d, &inv, &topo, owners);
    apply_ok(d, &inv, res(&topo, owners));
    let o = probe_of(d, &inv, res(&topo, owners));
    assert_eq!(o["auto_failback"], true);
    assert_eq!(
        o["preferred_owners"],
        serde_json::json!(["LABSQL1", "LABSQL2"])
    );
    assert!(verify_of(d, &inv, &topo, owners).0);
    // Someone turns failback off in Failover Cluster Manager: verify fails, apply mends it.
    crate::sim::world::update(d, &inv, |w| {
        let g = w
            .cluster_mut("LABSQLCL")
            .and_then(|c| c.group_mut("SQL Server (MSSQLSERVER)"))
            .expect("the FCI's group");
        g.auto_failback = false;
    })
    .unwrap();
    let (ok, detail) = verify_of(d, &inv, &topo, owners);
    assert!(!ok && detail.contains("auto_failback"), "{detail}");
    assert!(apply_ok(d, &inv, res(&topo, owners)));
    assert!(verify_of(d, &inv, &topo, owners).0);
}

#[test]
fn the_sso_role_takes_the_inventorys_owners_and_failback_policy() {
    let path = Path::new("inventories/contoso-prod.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let sso = "sso_master_secret: { name: BTSSSO01, ip: 10.10.0.23 }";
    assert!(text.contains(sso));
    let build = |text: String| {
        let inv = parse(path, text).unwrap().inventory;
        let topo = Topology::build(&inv, None).unwrap();
        let r = topo.get("cluster.BTSSQLCL01.sso.owners").unwrap().clone();
        (
            r.desired["preferred_owners"].clone(),
            r.desired["auto_failback"].clone(),
        )
    };
    // Default: every node, the master MessageBox's preferred node last; failback off.
    let (owners, failback) = build(text.clone());
    assert_eq!(failback, false);
    let nodes: Vec<String> = serde_json::from_value(owners).unwrap();
    assert!(nodes.len() >= 2, "{nodes:?}");
    // As the inventory says.
    let mut reversed = nodes.clone();
    reversed.reverse();
    let edited = text.replacen(
        sso,
        &format!(
            "sso_master_secret: {{ name: BTSSSO01, ip: 10.10.0.23, preferred_owners: [{}], auto_failback: true }}",
            reversed.join(", ")
        ),
        1,
    );
    let (owners, failback) = build(edited);
    assert_eq!(failback, true);
    assert_eq!(owners, serde_json::json!(reversed));
}

#[test]
fn test_dtc_passes_between_a_biztalk_server_and_the_dtc_role_only_when_both_allow_it() {
    // WB-DTC-06: Test-Dtc warns about each computer whose MSDTC refuses network transactions
    // or whose DTC firewall rules are off, and does not propagate.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let test = "biztalk.primary.dtc-test.LABBTS1";
    super::tests::converge(d, &inv, &topo);
    let (ok, detail) = verify_of(d, &inv, &topo, test);
    assert!(ok, "{detail}");
    assert!(detail.contains("between LABBTS1 and LABDTC"), "{detail}");
    // Inbound transactions turned off on the BizTalk server.
    crate::sim::world::update(d, &inv, |w| {
        w.host_mut("LABBTS1").unwrap().dtc.inbound = false;
    })
    .unwrap();
    let (ok, detail) = verify_of(d, &inv, &topo, test);
    assert!(!ok);
    assert!(
        detail.contains("LABBTS1: Inbound transactions are not allowed and this computer cannot participate in network transactions.")
            && detail.contains("should be fixed in order to complete the transactions propagation test"),
        "{detail}"
    );
    // bisrc apply mends the setting, and the test passes again.
    apply_ok(d, &inv, res(&topo, "node.LABBTS1.dtc"));
    assert!(verify_of(d, &inv, &topo, test).0);
    // The DTC firewall rule group off on the role's owner.
    crate::sim::world::update(d, &inv, |w| {
        let owner = w
            .cluster("LABSQLCL")
            .and_then(|c| c.group("LABDTC"))
            .map(|g| g.owner.clone())
            .unwrap();
        w.host_mut(&owner).unwrap().dtc_rule_group_enabled = false;
    })
    .unwrap();
    let (ok, detail) = verify_of(d, &inv, &topo, test);
    assert!(!ok && detail.contains("LABDTC: Firewall rule"), "{detail}");
}

#[test]
fn the_engine_account_gets_instant_file_initialisation_on_every_owner_before_setup() {
    use crate::kind::user_rights::{LOCK_MEMORY, MANAGE_VOLUME};
    let (inv, topo, dir) = lab();
    let d = dir.path();
    // SQL setup comes after the rights of every owner.
    let fci = res(&topo, "sql.LABBTSSQL");
    for n in ["LABSQL1", "LABSQL2"] {
        let a = format!("sql.LABBTSSQL.rights.{n}");
        assert!(fci.depends_on.contains(&a), "{:?}", fci.depends_on);
        assert_eq!(
            res(&topo, &a).desired["rights"],
            serde_json::json!([MANAGE_VOLUME]),
            "Lock Pages in Memory only when the inventory asks"
        );
    }
    // Someone else already holds the right: the grant keeps them.
    crate::sim::world::update(d, &inv, |w| {
        w.host_mut("LABSQL1")
            .unwrap()
            .user_rights
            .entry(MANAGE_VOLUME.into())
            .or_default()
            .insert("BUILTIN\\Administrators".into());
    })
    .unwrap();
    let rights = res(&topo, "sql.LABBTSSQL.rights.LABSQL1");
    assert_eq!(probe_of(d, &inv, rights)["rights"], serde_json::json!([]));
    let (ok, detail) = verify_of(d, &inv, &topo, &rights.address);
    assert!(!ok && detail.contains("rights"), "{detail}");
    assert!(apply_ok(d, &inv, rights));
    assert_eq!(
        probe_of(d, &inv, rights)["rights"],
        serde_json::json!([MANAGE_VOLUME])
    );
    assert!(verify_of(d, &inv, &topo, &rights.address).0);
    let w = crate::sim::status(d, &inv).unwrap().world;
    let holders = &w.host("LABSQL1").unwrap().user_rights[MANAGE_VOLUME];
    assert!(holders.contains("BUILTIN\\Administrators") && holders.contains("LAB\\gmsa-sqlbts$"));

    // Lock Pages in Memory when asked.
    let (_, topo, _dir) = lab_with((
        "tempdb_files: 4\n",
        "tempdb_files: 4\n            lock_pages_in_memory: true\n",
    ));
    assert_eq!(
        res(&topo, "sql.LABBTSSQL.rights.LABSQL2").desired["rights"],
        serde_json::json!([LOCK_MEMORY, MANAGE_VOLUME])
    );
}
