//! A node's own facts: the account's rights (WB-FEAT-01, WB-FW-01, WB-VAL-02, WB-SETUP-05),
//! the feature store (WB-FEAT-02), the UI language (WB-FW-02), the local-account policy and
//! the storage tests of validation (WB-VAL-03, -04, -05), the NetBIOS name (WB-BTS-06),
//! MSDTC's restart (WB-DTC-03) and Azure's management point (WB-CL-08).

use crate::sim::env::{find_dtc_rules, GroupSelector};
use crate::sim::tests::{apply_ok, converge_until, error_of, lab, probe_of, res};
use crate::sim::world::update;
use crate::step::StepAction;
use crate::topology::Topology;

#[test]
fn install_windows_feature_needs_an_elevated_administrator() {
    // WB-FEAT-01.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let feature = res(&topo, "node.LABSQL1.feature.failover-clustering");
    update(d, &inv, |w| w.env.host_mut("LABSQL1").not_admin = true).unwrap();
    let e = error_of(d, &inv, feature);
    assert!(
        e.contains(
            "Install-WindowsFeature : Access is denied. The requested operation requires elevation"
        ),
        "{e}"
    );
    update(d, &inv, |w| w.env.host_mut("LABSQL1").not_admin = false).unwrap();
    apply_ok(d, &inv, feature);
}

#[test]
fn install_windows_feature_needs_its_source_files() {
    // WB-FEAT-02: the payload removed from the side-by-side store, no -Source.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let feature = res(&topo, "node.LABSQL2.feature.failover-clustering");
    update(d, &inv, |w| {
        w.env
            .host_mut("LABSQL2")
            .removed_features
            .insert("Failover-Clustering".into());
    })
    .unwrap();
    let e = error_of(d, &inv, feature);
    assert!(
        e.contains("The source files could not be found") && e.contains("0x800f081f"),
        "{e}"
    );
    // The other node's store is whole.
    apply_ok(
        d,
        &inv,
        res(&topo, "node.LABSQL1.feature.failover-clustering"),
    );
}

#[test]
fn firewall_rules_need_an_elevated_session() {
    // WB-FW-01.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fw = res(&topo, "node.LABBTS1.firewall");
    update(d, &inv, |w| w.env.host_mut("LABBTS1").not_admin = true).unwrap();
    let e = error_of(d, &inv, fw);
    assert!(e.contains("New-NetFirewallRule : Access is denied"), "{e}");
    // Once every rule is in place the step only reads, which a plain user may.
    update(d, &inv, |w| w.env.host_mut("LABBTS1").not_admin = false).unwrap();
    assert!(apply_ok(d, &inv, fw));
    update(d, &inv, |w| w.env.host_mut("LABBTS1").not_admin = true).unwrap();
    assert!(!apply_ok(d, &inv, fw));
}

#[test]
fn the_dtc_rule_group_is_found_by_its_group_on_a_localized_windows() {
    // WB-FW-02: on a French Windows the group's display name is translated. The template
    // selects the rules by their Group, the indirect string, which every language shares.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fw = res(&topo, "node.LABSQL1.firewall");
    update(d, &inv, |w| {
        w.env.host_mut("LABSQL1").ui_language = Some("fr-FR".into());
    })
    .unwrap();
    let script = crate::render::Renderer::new(None)
        .unwrap()
        .step(&inv, &topo, fw, StepAction::Apply)
        .unwrap();
    assert!(
        script.contains("Enable-NetFirewallRule -Group '@FirewallAPI.dll,-33502'")
            && !script.contains("-DisplayGroup"),
        "{script}"
    );
    apply_ok(d, &inv, fw);
    assert_eq!(probe_of(d, &inv, fw)["dtc_rule_group_enabled"], true);
    // The old template's selection, -DisplayGroup 'Distributed Transaction Coordinator',
    // finds nothing on that node (and works only on an English one).
    let w = crate::sim::world::load(d, &inv).unwrap();
    let old = "Distributed Transaction Coordinator";
    let e = find_dtc_rules(&w, "LABSQL1", GroupSelector::DisplayGroup, old).unwrap_err();
    assert!(
        e.contains("No MSFT_NetFirewallRule objects found with property 'DisplayGroup' equal to 'Distributed Transaction Coordinator'"),
        "{e}"
    );
    find_dtc_rules(&w, "LABSQL2", GroupSelector::DisplayGroup, old).unwrap();
    find_dtc_rules(
        &w,
        "LABSQL1",
        GroupSelector::Group,
        "@FirewallAPI.dll,-33502",
    )
    .unwrap();
}

#[test]
fn test_cluster_needs_an_administrator_on_every_node() {
    // WB-VAL-02.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let validation = res(&topo, "cluster.LABSQLCL.validation");
    converge_until(d, &inv, &topo, &validation.address);
    update(d, &inv, |w| w.env.host_mut("LABSQL2").not_admin = true).unwrap();
    let e = error_of(d, &inv, validation);
    assert!(
        e.contains("Test-Cluster : Access is denied") && e.contains("'LABSQL2'"),
        "{e}"
    );
}

#[test]
fn a_failed_validation_test_is_reported_not_thrown_and_names_the_csv_test() {
    // WB-VAL-05 (and WB-VAL-03: Test-Cluster completes; the step reads its warnings): the
    // CSV tests create the local user CliTest2, which a policy on LABSQL2 forbids.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let validation = res(&topo, "cluster.LABSQLCL.validation");
    converge_until(d, &inv, &topo, &validation.address);
    update(d, &inv, |w| {
        w.env.host_mut("LABSQL2").local_accounts_forbidden = true;
    })
    .unwrap();
    let e = error_of(d, &inv, validation);
    assert!(
        e.starts_with("cluster validation failed: Storage - Validate CSV Settings (node LABSQL2"),
        "{e}"
    );
    assert!(!e.contains("did not complete"), "{e}");
    update(d, &inv, |w| {
        w.env.host_mut("LABSQL2").local_accounts_forbidden = false;
    })
    .unwrap();
    apply_ok(d, &inv, validation);
}

#[test]
fn new_cluster_needs_a_validation_that_ran_the_storage_tests() {
    // WB-VAL-04: storage tests skip disks online in a clustered role; a validation run while
    // every shared disk was so tested no storage, and New-Cluster refuses it.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let validation = res(&topo, "cluster.LABSQLCL.validation");
    let cluster = res(&topo, "cluster.LABSQLCL");
    converge_until(d, &inv, &topo, &validation.address);
    // The shared disks online in a role of another (old) cluster, then released.
    let disks_in_a_role = |w: &mut crate::sim::World, on: bool| {
        let mut names = Vec::new();
        for disk in w.disks.values_mut() {
            let name = format!("Disk {}", disk.number);
            disk.cluster = on.then(|| "OLDCL".to_string());
            disk.resource_name = on.then(|| name.clone());
            disk.state = on.then(|| "Online".to_string());
            names.push(name);
        }
        if on {
            let role = crate::sim::world::GroupState {
                name: "OLDSQL".into(),
                kind: crate::sim::world::GroupKind::Sql,
                disks: names,
                ..Default::default()
            };
            w.clusters.insert(
                "OLDCL".into(),
                crate::sim::world::ClusterState {
                    name: "OLDCL".into(),
                    groups: vec![role],
                    ..Default::default()
                },
            );
        } else {
            w.clusters.remove("OLDCL");
        }
    };
    update(d, &inv, |w| disks_in_a_role(w, true)).unwrap();
    apply_ok(d, &inv, validation);
    update(d, &inv, |w| disks_in_a_role(w, false)).unwrap();
    let e = error_of(d, &inv, cluster);
    assert!(
        e.contains("cluster validation did not include the storage tests"),
        "{e}"
    );
    apply_ok(d, &inv, validation);
    apply_ok(d, &inv, cluster);
}

#[test]
fn sql_setup_needs_an_administrator_on_every_node() {
    // WB-SETUP-05.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    converge_until(d, &inv, &topo, &fci.address);
    update(d, &inv, |w| w.env.host_mut("LABSQL2").not_admin = true).unwrap();
    let e = error_of(d, &inv, fci);
    assert!(
        e.starts_with("SQL Server Setup failed: setup.exe : Access is denied"),
        "{e}"
    );
    update(d, &inv, |w| w.env.host_mut("LABSQL2").not_admin = false).unwrap();
    apply_ok(d, &inv, fci);
    update(d, &inv, |w| w.env.host_mut("LABSQL2").not_admin = true).unwrap();
    let e = error_of(d, &inv, res(&topo, "sql.LABBTSSQL.node.LABSQL2"));
    assert!(e.contains("setup.exe : Access is denied"), "{e}");
}

#[test]
fn sql_setup_refuses_a_distributed_management_point_in_azure() {
    // WB-CL-08: in Azure, New-Cluster without -ManagementPointNetworkType Singleton makes a
    // distributed network name, and SQL Server FCI setup fails at the network name.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    update(d, &inv, |w| w.env.azure = true).unwrap();
    converge_until(d, &inv, &topo, &fci.address);
    let e = error_of(d, &inv, fci);
    assert!(
        e.contains("distributed network name as its management point")
            && e.contains("-ManagementPointNetworkType Singleton"),
        "{e}"
    );
}

#[test]
fn biztalk_configuration_needs_a_netbios_name_of_at_most_15_characters() {
    // WB-BTS-06: the same lab with its BizTalk server named with 17 characters.
    let text = std::fs::read_to_string("inventories/lab.yaml")
        .unwrap()
        .replace("LABBTS1", "LABBIZTALKSERVER1");
    let file = tempfile::NamedTempFile::new_in("inventories").unwrap();
    std::fs::write(file.path(), text).unwrap();
    let inv = crate::inventory::load(file.path()).unwrap().inventory;
    let topo = Topology::build(&inv, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let group = res(&topo, "biztalk.primary.group");
    converge_until(d, &inv, &topo, &group.address);
    let e = error_of(d, &inv, group);
    assert!(
        e.contains("the computer name 'LABBIZTALKSERVER1' is longer than 15 characters"),
        "{e}"
    );
    // The lab's own name fits.
    let (inv, topo, dir) = lab();
    converge_until(dir.path(), &inv, &topo, "biztalk.primary.group");
    apply_ok(dir.path(), &inv, res(&topo, "biztalk.primary.group"));
}

#[test]
fn set_dtc_network_setting_restarts_msdtc_only_when_a_setting_changes() {
    // WB-DTC-03: the restart aborts MSDTC's in-flight transactions; the world counts it.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "node.LABBTS1.dtc");
    let restarts = || {
        crate::sim::world::load(d, &inv)
            .unwrap()
            .env
            .dtc_restarts
            .get("LABBTS1")
            .copied()
    };
    assert_eq!(restarts(), None);
    assert!(apply_ok(d, &inv, dtc));
    assert_eq!(restarts(), Some(1));
    assert!(!apply_ok(d, &inv, dtc));
    assert_eq!(restarts(), Some(1));
}

#[test]
fn a_feature_that_needs_a_restart_is_not_usable_until_the_node_restarts() {
    // WB-FEAT-03: Install-WindowsFeature says RestartNeeded; InstallPending is not Installed.
    use crate::sim::faults::{inject, Fault};
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let feature = res(&topo, "node.LABSQL1.feature.failover-clustering");
    update(d, &inv, |w| {
        w.env
            .host_mut("LABSQL1")
            .restart_needed
            .insert("Failover-Clustering".into());
    })
    .unwrap();
    let o = crate::sim::tests::step(d, &inv, feature, StepAction::Apply);
    assert!(o.ok, "{}", o.error);
    assert_eq!(o.result.unwrap()["reboot_required"], true);
    assert_eq!(probe_of(d, &inv, feature)["installed"], false);
    let validation = res(&topo, "cluster.LABSQLCL.validation");
    converge_until(d, &inv, &topo, &validation.address);
    let e = error_of(d, &inv, validation);
    assert!(
        e.contains("The Failover Clustering feature on node 'LABSQL1' waits for a restart"),
        "{e}"
    );
    // The restart: the node powers off and on.
    inject(d, &inv, &Fault::NodeDown("LABSQL1".into())).unwrap();
    inject(d, &inv, &Fault::NodeUp("LABSQL1".into())).unwrap();
    assert_eq!(probe_of(d, &inv, feature)["installed"], true);
    apply_ok(d, &inv, validation);
}

#[test]
fn new_cluster_needs_its_address_on_a_network_of_every_node() {
    // WB-CL-05.
    use crate::kind::cluster::{Cluster, Desired, Params};
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let cluster = res(&topo, "cluster.LABSQLCL");
    converge_until(d, &inv, &topo, &cluster.address);
    let params: Params = crate::kind::from_map(&cluster.params).unwrap();
    let elsewhere = crate::topology::Resource::new::<Cluster>(
        cluster.address.clone(),
        &cluster.site,
        cluster.target.clone(),
        params,
        Desired {
            exists: true,
            name: "LABSQLCL".into(),
            static_address: "10.9.9.9".into(),
        },
    );
    let e = error_of(d, &inv, &elsewhere);
    assert!(
        e.contains(
            "New-Cluster : The static address '10.9.9.9' is not on any network of the nodes"
        ),
        "{e}"
    );
    apply_ok(d, &inv, cluster);
}

#[test]
fn a_dtc_resource_needs_a_network_name_and_a_disk_in_its_group() {
    // WB-ROLE-04: the role's disk taken out of its group by hand.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    apply_ok(d, &inv, dtc);
    update(d, &inv, |w| {
        let cl = w.cluster_mut("LABSQLCL").unwrap();
        cl.group_mut("LABDTC").unwrap().disks.clear();
    })
    .unwrap();
    let e = error_of(d, &inv, dtc);
    assert!(
        e.contains("cannot come online: it depends on a network name and a disk in its own group, and the group has no disk"),
        "{e}"
    );
}

#[test]
fn the_clustered_dtc_keeps_its_own_settings_apart_from_the_nodes() {
    // WB-DTC-05 (what is modelled): Set-DtcNetworkSetting -DtcName <role> sets the clustered
    // instance; a node's local DTC settings do not reach it.
    use crate::kind::dtc_network::{Desired, DtcNetwork, Params};
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    apply_ok(d, &inv, dtc);
    let local = res(&topo, "node.LABSQL1.dtc");
    let mut desired: Desired = crate::kind::from_map(&local.desired).unwrap();
    desired.remote_clients = true;
    let params: Params = crate::kind::from_map(&local.params).unwrap();
    let changed = crate::topology::Resource::new::<DtcNetwork>(
        local.address.clone(),
        &local.site,
        local.target.clone(),
        params,
        desired,
    );
    apply_ok(d, &inv, &changed);
    assert_eq!(probe_of(d, &inv, &changed)["remote_clients"], true);
    assert_eq!(probe_of(d, &inv, dtc)["remote_clients"], false);
}

#[test]
fn sso_configuration_needs_the_service_accounts_rights_on_the_node() {
    // WB-SSO-03, on contoso-prod's clustered master secret server.
    let inv = crate::sim::tests::inventory("contoso-prod");
    let topo = Topology::build(&inv, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let node = res(&topo, "cluster.BTSSQLCL01.sso.node.SQLN01");
    converge_until(d, &inv, &topo, &node.address);
    update(d, &inv, |w| {
        w.env.host_mut("SQLN01").sso_account_lacks_rights = true;
    })
    .unwrap();
    let e = error_of(d, &inv, node);
    assert!(
        e.contains(
            "needs membership of the SSO Administrators group and the 'Log on as a service' right"
        ),
        "{e}"
    );
    update(d, &inv, |w| {
        w.env.host_mut("SQLN01").sso_account_lacks_rights = false;
    })
    .unwrap();
    apply_ok(d, &inv, node);
}

#[test]
fn the_windows_facts_can_be_rehearsed_with_sim_faults_and_cleared() {
    // `bisrc sim fault ui-language | not-admin | ad-create-denied`, then `clear`.
    use crate::sim::faults::{inject, Fault};
    let (inv, topo, dir) = lab();
    let d = dir.path();
    inject(
        d,
        &inv,
        &Fault::UiLanguage {
            node: "labsql1".into(),
            language: "fr-FR".into(),
        },
    )
    .unwrap();
    inject(d, &inv, &Fault::NotAdmin("LABSQL2".into())).unwrap();
    inject(d, &inv, &Fault::AdCreateDenied).unwrap();
    let w = crate::sim::world::load(d, &inv).unwrap();
    assert_eq!(w.env.host("LABSQL1").ui_language.as_deref(), Some("fr-FR"));
    assert!(w.env.directory.create_denied);
    let e = error_of(d, &inv, res(&topo, "node.LABSQL2.firewall"));
    assert!(e.contains("Access is denied"), "{e}");
    assert!(inject(d, &inv, &Fault::NotAdmin("NOSUCH".into())).is_err());
    inject(d, &inv, &Fault::Clear).unwrap();
    assert!(crate::sim::world::load(d, &inv).unwrap().env.is_healthy());
    apply_ok(d, &inv, res(&topo, "node.LABSQL2.firewall"));
}
