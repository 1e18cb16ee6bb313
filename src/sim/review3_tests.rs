//! The simulator shows what review3 found the scripts hid (/work/notes/review3.md): a half-done
//! AddNode is not "installed" (F5), an offline witness fails the quorum check (F17), and
//! New-Cluster without any validation result is refused (F18).

use super::tests::{apply_ok, converge, converge_until, error_of, lab, probe_of, res, step};
use crate::step::StepAction;

#[test]
fn a_node_with_the_service_but_not_a_possible_owner_is_not_installed() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let node = res(&topo, "sql.LABBTSSQL.node.LABSQL2");
    converge_until(d, &inv, &topo, &node.address);
    apply_ok(d, &inv, node);
    assert_eq!(probe_of(d, &inv, node)["installed"], true);
    // An AddNode that failed late: the service is registered, the node is no possible owner.
    super::world::update(d, &inv, |w| {
        let i = w.instance("LABBTSSQL").unwrap().clone();
        let g = w
            .cluster_mut(&i.cluster)
            .and_then(|cl| cl.group_mut(&i.group))
            .unwrap();
        g.possible_owners.retain(|n| n != "LABSQL2");
    })
    .unwrap();
    assert_eq!(probe_of(d, &inv, node)["installed"], false);
    let e = error_of(d, &inv, node);
    assert!(
        e.contains("LABSQL2 is not a possible owner of the SQL Server resource"),
        "{e}"
    );
}

#[test]
fn an_offline_disk_witness_fails_the_quorum_check() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let cluster = res(&topo, "cluster.LABSQLCL");
    let quorum_ok = || {
        let o = step(d, &inv, cluster, StepAction::Verify);
        let checks = o.result.unwrap()["checks"].clone();
        let c = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "cluster-quorum")
            .unwrap()
            .clone();
        (
            c["ok"].as_bool().unwrap(),
            c["detail"].as_str().unwrap().to_string(),
        )
    };
    assert!(quorum_ok().0);
    super::world::update(d, &inv, |w| {
        let disk = w.cluster("LABSQLCL").unwrap().witness.disk.clone().unwrap();
        w.cluster_disk_mut("LABSQLCL", &disk).unwrap().state = Some("Offline".into());
    })
    .unwrap();
    let (ok, detail) = quorum_ok();
    assert!(!ok, "{detail}");
    assert!(detail.contains("witness is not Online"), "{detail}");
}

#[test]
fn new_cluster_without_a_validation_result_is_refused() {
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge_until(d, &inv, &topo, "cluster.LABSQLCL.validation");
    let e = error_of(d, &inv, res(&topo, "cluster.LABSQLCL"));
    assert!(
        e.contains("no cluster validation result for LABSQLCL"),
        "{e}"
    );
}

#[test]
fn a_disk_whose_size_is_not_the_inventorys_is_not_touched() {
    // review3 F10: disk numbers are per node and can change; a LUN of another size is refused
    // before it is brought online, partitioned or formatted.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let disk = topo
        .resources
        .iter()
        .find(|r| r.kind == crate::step::ResourceKind::ClusterDisk)
        .unwrap();
    converge_until(d, &inv, &topo, &disk.address);
    let number = disk.params["number"].as_u64().unwrap();
    super::world::update(d, &inv, |w| {
        for x in w
            .disks
            .values_mut()
            .filter(|x| u64::from(x.number) == number)
        {
            x.size_gb += 100;
        }
    })
    .unwrap();
    let e = error_of(d, &inv, disk);
    assert!(e.contains("it may be another LUN"), "{e}");
}
