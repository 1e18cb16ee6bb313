//! Active Directory and the witness: the cluster name object (WB-CL-04), the roles' computer
//! objects (WB-ROLE-01, WB-SETUP-03, WB-AG-05), the file share witness's rights (WB-QUO-02)
//! and the cloud witness's reach (WB-QUO-03).

use crate::kind::quorum::{Desired, Params, Quorum};
use crate::sim::env::Prestaged;
use crate::sim::tests::{apply_ok, converge_until, error_of, inventory, lab, res};
use crate::sim::world::update;
use crate::topology::{Resource, Topology};

#[test]
fn new_cluster_needs_to_create_its_name_object_or_a_prestaged_disabled_one() {
    // WB-CL-04.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let cluster = res(&topo, "cluster.LABSQLCL");
    converge_until(d, &inv, &topo, &cluster.address);
    update(d, &inv, |w| w.env.directory.create_denied = true).unwrap();
    let e = error_of(d, &inv, cluster);
    assert!(
        e.contains("There was an error creating the cluster name 'LABSQLCL' in Active Directory")
            && e.contains("lacks 'Create Computer objects'"),
        "{e}"
    );
    // Pre-staged but enabled: refused too.
    let prestage = |disabled: bool, full_control: bool| {
        update(d, &inv, |w| {
            w.env.directory.prestaged.insert(
                "LABSQLCL".into(),
                Prestaged {
                    disabled,
                    full_control,
                },
            );
        })
        .unwrap();
    };
    prestage(false, true);
    let e = error_of(d, &inv, cluster);
    assert!(
        e.contains("the pre-staged computer object 'LABSQLCL' is enabled"),
        "{e}"
    );
    prestage(true, false);
    let e = error_of(d, &inv, cluster);
    assert!(e.contains("give the creating account"), "{e}");
    // Microsoft's procedure: pre-staged, disabled, Full Control for the creating account.
    prestage(true, true);
    apply_ok(d, &inv, cluster);
}

#[test]
fn a_role_needs_its_computer_object() {
    // WB-ROLE-01: the DTC role's network name; the CNO cannot create it in the OU.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    update(d, &inv, |w| w.env.directory.create_denied = true).unwrap();
    let e = error_of(d, &inv, dtc);
    assert!(
        e.contains("The network name resource 'LABDTC' failed to come online (event 1194)"),
        "{e}"
    );
    // A name another computer holds is refused as well.
    update(d, &inv, |w| {
        w.env.directory.create_denied = false;
        w.env.directory.taken.insert("LABDTC".into());
    })
    .unwrap();
    let e = error_of(d, &inv, dtc);
    assert!(e.contains("already exists in Active Directory"), "{e}");
    update(d, &inv, |w| w.env.directory.taken.clear()).unwrap();
    apply_ok(d, &inv, dtc);
}

#[test]
fn sql_setup_needs_the_network_names_computer_object() {
    // WB-SETUP-03: the FCI's network name is taken in AD.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    converge_until(d, &inv, &topo, &fci.address);
    update(d, &inv, |w| {
        w.env.directory.taken.insert("LABBTSSQL".into());
    })
    .unwrap();
    let e = error_of(d, &inv, fci);
    assert!(
        e.starts_with("SQL Server Setup failed: rule 'Cluster_NetworkName' failed")
            && e.contains("'LABBTSSQL' already exists in Active Directory"),
        "{e}"
    );
}

#[test]
fn an_availability_group_listener_needs_its_computer_object() {
    // WB-AG-05.
    let inv = inventory("ag/lab-ag");
    let topo = Topology::build(&inv, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ag = res(&topo, "ag.BizTalkAG");
    converge_until(d, &inv, &topo, &ag.address);
    update(d, &inv, |w| w.env.directory.create_denied = true).unwrap();
    let e = error_of(d, &inv, ag);
    assert!(
        e.contains("ADD LISTENER : The network name resource 'LABBTSAG' failed to come online"),
        "{e}"
    );
    update(d, &inv, |w| w.env.directory.create_denied = false).unwrap();
    apply_ok(d, &inv, ag);
}

/// The lab's quorum step with another witness.
fn witness(topo: &Topology, desired: Desired) -> Resource {
    let q = res(topo, "cluster.LABSQLCL.quorum");
    let mut r = Resource::new::<Quorum>(
        q.address.clone(),
        &q.site,
        q.target.clone(),
        Params {},
        desired,
    );
    r.depends_on.clone_from(&q.depends_on);
    r
}

#[test]
fn a_file_share_witness_needs_a_share_the_cluster_name_object_can_write() {
    // WB-QUO-02.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let q = res(&topo, "cluster.LABSQLCL.quorum");
    converge_until(d, &inv, &topo, &q.address);
    let share = r"\\fs01.lab.local\witness\LABSQLCL";
    let fsw = witness(
        &topo,
        Desired {
            witness: "file_share".into(),
            disk: None,
            path: Some(share.into()),
            account: None,
        },
    );
    update(d, &inv, |w| {
        w.env
            .witness_share_denied
            .insert(share.to_ascii_uppercase());
    })
    .unwrap();
    let e = error_of(d, &inv, &fsw);
    assert!(
        e.contains("The cluster could not access the file share witness")
            && e.contains("'LABSQLCL$'"),
        "{e}"
    );
    update(d, &inv, |w| w.env.witness_share_denied.clear()).unwrap();
    apply_ok(d, &inv, &fsw);
}

#[test]
fn a_cloud_witness_needs_every_node_to_reach_azure_blob_storage() {
    // WB-QUO-03.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let q = res(&topo, "cluster.LABSQLCL.quorum");
    converge_until(d, &inv, &topo, &q.address);
    let cloud = witness(
        &topo,
        Desired {
            witness: "cloud".into(),
            disk: None,
            path: None,
            account: Some("labwitness".into()),
        },
    );
    update(d, &inv, |w| w.env.azure_blob_unreachable = true).unwrap();
    let e = error_of(d, &inv, &cloud);
    assert!(
        e.contains("cannot reach https://labwitness.blob.core.windows.net"),
        "{e}"
    );
    update(d, &inv, |w| w.env.azure_blob_unreachable = false).unwrap();
    apply_ok(d, &inv, &cloud);
}

#[test]
fn an_availability_group_listener_needs_its_address_on_a_client_network() {
    // WB-AG-05: the listener's static address on a cluster-only network.
    let inv = inventory("ag/lab-ag");
    let topo = Topology::build(&inv, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ag = res(&topo, "ag.BizTalkAG");
    converge_until(d, &inv, &topo, &ag.address);
    update(d, &inv, |w| {
        let cl = w.cluster_mut("LABAGCL").unwrap();
        for n in &mut cl.networks {
            n.role = "Cluster".into();
        }
    })
    .unwrap();
    let e = error_of(d, &inv, ag);
    assert!(
        e.contains("The IP address resource '192.168.60.30' cannot come online")
            && e.contains("does not allow client access"),
        "{e}"
    );
}
