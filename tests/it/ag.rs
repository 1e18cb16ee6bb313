//! Always On availability groups end to end: `inventories/ag/lab-ag.yaml` plans, applies,
//! re-plans empty, verifies and rehearses failover on the simulated transport and over real
//! sshd; the simulator's faults (a replica down, a lagging replica) fail the checks that
//! should fail.

use crate::cycle::Lab;
use bisrc::kind::{ag_database, ag_jobs, ag_join, ag_replica, availability_group, biztalk_group};
use bisrc::sim::faults::Fault;

const LAB_AG_SHIPPED: &str = include_str!("../../inventories/ag/lab-ag.yaml");

/// lab-ag as a test lab writes it: the SSO backup password file beside the inventory.
fn lab_ag() -> String {
    let from = "{ file: ../lab-sso-backup.pw }";
    assert!(
        LAB_AG_SHIPPED.contains(from),
        "lab-ag no longer reads {from}"
    );
    LAB_AG_SHIPPED.replace(from, "{ file: lab-sso-backup.pw }")
}

fn check<'a>(v: &'a serde_json::Value, address: &str, name: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["resource"] == address && c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} of {address} in {v}"))
}

#[test]
fn lab_ag_plans_applies_replans_empty_verifies_and_rehearses_failover() {
    let lab = Lab::new(&lab_ag());
    lab.run(&["plan", "--detailed-exitcode"])
        .code(2)
        .stdout_has("  + create   ag.BizTalkAG  (on owner of BizTalkAG, probed on LABAG1)")
        .stdout_has("  + create   ag.BizTalkAG.replica.LABAG3  (on LABAG3)")
        .stdout_has("  + create   ag.BizTalkAG.join.LABAG2  (on LABAG2)")
        .stdout_has("      dtc_support: null → \"PER_DB\"")
        .stdout_has("      listener: null → \"LABBTSAG\"")
        .stdout_has("  + create   ag.BizTalkAG.replica.LABAG3.login.LAB\\BizTalk Application Users  (on LABAG3)")
        .stdout_has("  + create   ag.BizTalkAG.db.BizTalkMsgBoxDb  (on owner of BizTalkAG, probed on LABAG1)")
        .stdout_has("  + create   ag.BizTalkAG.jobs.LABAG3  (on LABAG3)");
    lab.converge().stdout_has("0 failed, 0 never ran");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");
    let v = lab.run(&["verify", "--format", "json"]);
    v.code(0);
    let v = v.json();
    assert_eq!(v["summary"]["failed"], 0);
    for (address, name) in [
        ("ag.BizTalkAG.replica.LABAG1", ag_replica::CHECK_HADR),
        ("ag.BizTalkAG.replica.LABAG3", ag_replica::CHECK_ENDPOINT),
        ("ag.BizTalkAG", availability_group::CHECK_GROUP),
        ("ag.BizTalkAG", availability_group::CHECK_SYNCHRONIZED),
        ("ag.BizTalkAG", availability_group::CHECK_LISTENER),
        ("ag.BizTalkAG.join.LABAG3", ag_join::CHECK_JOINED),
        ("biztalk.primary.group", biztalk_group::CHECK_CONFIGURED),
        ("ag.BizTalkAG.db.SSODB", ag_database::CHECK_IN_GROUP),
        (
            "ag.BizTalkAG.db.BizTalkDTADb",
            ag_database::CHECK_SYNCHRONIZED,
        ),
        ("ag.BizTalkAG.jobs.LABAG1", ag_jobs::CHECK_PRIMARY_ONLY),
        ("ag.BizTalkAG.jobs.LABAG3", ag_jobs::CHECK_PRIMARY_ONLY),
    ] {
        assert_eq!(check(&v, address, name)["ok"], true, "{address} {name}");
    }
    // Each synchronous replica in turn, and back.
    lab.run(&["verify", "--failover"])
        .code(0)
        .stdout_has("✓ BizTalkAG: LABAG1 → LABAG2")
        .stdout_has("✓ BizTalkAG: LABAG2 → LABAG1")
        .stdout_has("✓ BizTalkAG: LABAG1 → LABAG3")
        .stdout_has("✓ BizTalkAG: LABAG3 → LABAG1")
        .stdout_has("LABAGCL / BizTalkAG on LABAG1 (Online)")
        // The host-instance timeline of each move, as the FCI's failover shows it.
        .stdout_has("LABAGBTS1 BizTalkServerApplication: Running → Stopped → Running");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");
}

#[test]
fn failover_goes_to_synchronized_replicas_only_with_alter_availability_group() {
    let lab = Lab::new(&lab_ag());
    lab.converge();
    lab.fault(Fault::SyncLag {
        availability_group: "BizTalkAG".into(),
        node: "LABAG2".into(),
    });
    let v = lab.run(&["verify", "--failover", "--format", "json"]);
    v.code(1);
    let v = v.json();
    let moves = v["failover"]["moves"].as_array().unwrap();
    let to2 = moves
        .iter()
        .find(|m| m["to"] == "LABAG2")
        .unwrap_or_else(|| panic!("no move to LABAG2: {v}"));
    assert_eq!(to2["ok"], false);
    let detail = to2["detail"].as_str().unwrap();
    assert!(detail.contains("Msg 41142"), "{detail}");
    assert!(!detail.contains("Move-ClusterGroup"), "{detail}");
    // The synchronized replica still takes over, and every database is checked after it.
    let to3 = moves.iter().find(|m| m["to"] == "LABAG3").unwrap();
    assert_eq!(to3["ok"], true, "{to3}");
    assert!(
        to3["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == ag_database::CHECK_SYNCHRONIZED),
        "{to3}"
    );
}

#[test]
fn a_replica_down_or_lagging_fails_the_synchronization_check() {
    let lab = Lab::new(&lab_ag());
    lab.converge();
    // A secondary powers off: still a replica, but disconnected.
    lab.fault(Fault::NodeDown("LABAG3".into()));
    let v = lab.run(&["verify", "--format", "json"]);
    v.code(1);
    let v = v.json();
    let c = check(&v, "ag.BizTalkAG", availability_group::CHECK_SYNCHRONIZED);
    assert_eq!(c["ok"], false);
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("LABAG3: DISCONNECTED"),
        "{c}"
    );
    assert_eq!(
        check(&v, "ag.BizTalkAG", availability_group::CHECK_LISTENER)["ok"],
        true
    );
    lab.fault(Fault::Clear);
    lab.run(&["verify"]).code(0);
    // A secondary falls behind: connected, not healthy.
    lab.fault(Fault::SyncLag {
        availability_group: "BizTalkAG".into(),
        node: "LABAG2".into(),
    });
    let v = lab.run(&["verify", "--format", "json"]);
    v.code(1);
    let v = v.json();
    let c = check(&v, "ag.BizTalkAG", availability_group::CHECK_SYNCHRONIZED);
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("LABAG2: CONNECTED, PARTIALLY_HEALTHY"),
        "{c}"
    );
    // The primary powers off: the role fails over to the other automatic-failover replica,
    // and the listener follows it.
    lab.fault(Fault::Clear);
    lab.fault(Fault::NodeDown("LABAG1".into()));
    let v = lab.run(&["verify", "--format", "json"]);
    let v = v.json();
    assert_eq!(
        check(&v, "ag.BizTalkAG", availability_group::CHECK_LISTENER)["ok"],
        true
    );
    assert_eq!(
        check(&v, "ag.BizTalkAG", availability_group::CHECK_LISTENER)["host"],
        "LABAG2",
        "{v}"
    );
}

#[test]
fn a_revoked_endpoint_grant_disconnects_the_replica_until_apply_grants_it_again() {
    let lab = Lab::new(&lab_ag());
    lab.converge();
    // CONNECT revoked on a secondary's endpoint behind bisrc's back: the replica disconnects,
    // plan shows the drift and apply grants it again.
    lab.fault(Fault::Set {
        address: "ag.BizTalkAG.replica.LABAG2".into(),
        key: "connect_granted".into(),
        value: serde_json::json!(false),
    });
    lab.run(&["verify"])
        .code(1)
        .stdout_has("LABAG2: DISCONNECTED");
    lab.run(&["plan"])
        .code(0)
        .stdout_has("connect_granted: false → true");
    lab.converge();
    lab.run(&["verify"]).code(0);
}

/// lab-ag over real sshd: each node is an sshd on 127.0.0.x whose ForceCommand serves the
/// simulator as that node (the same rig as the lab's cycle over sshd).
mod over_sshd {
    use super::lab_ag;
    use crate::cycle::over_sshd::{sim_fleet, SimFleet};
    use crate::cycle::Lab;

    #[test]
    fn lab_ag_cycle_over_real_sshd() {
        let SimFleet {
            rig: _rig,
            inventory: inv,
            fleet: _fleet,
            ..
        } = sim_fleet(
            "bisrc-ag-rig-",
            &lab_ag(),
            &["LABAG1", "LABAG2", "LABAG3", "LABAGBTS1"],
        );
        let lab = Lab::new(&inv);

        lab.run(&["plan", "--detailed-exitcode"])
            .code(2)
            .stdout_has(" 0 blocked, 0 unknown.");
        lab.run(&["apply", "--auto-approve"])
            .code(0)
            .stdout_has("Apply complete");
        lab.run(&["plan", "--detailed-exitcode"])
            .code(0)
            .stdout_has("No changes.");
        lab.run(&["verify"])
            .code(0)
            .stdout_has("✓ ag-listener-online");
        lab.run(&["verify", "--failover"])
            .code(0)
            .stdout_has("✓ BizTalkAG: LABAG1 → LABAG3")
            .stdout_has("4 of 4 moves succeeded");
    }
}

#[test]
fn destroy_removes_the_group_and_its_databases_and_apply_builds_it_again() {
    let lab = Lab::new(&lab_ag());
    lab.converge();
    lab.run(&["destroy", "--auto-approve", "--force-name", "lab-ag"])
        .code(0)
        .stdout_has("  ✓ ag.BizTalkAG.db.BizTalkMsgBoxDb on LABAG1")
        .stdout_has("  ✓ ag.BizTalkAG on LABAG1")
        .stdout_has("  ✓ ag.BizTalkAG.replica.LABAG3 on LABAG3")
        .stdout_has(" 0 failed, 0 never ran");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(2)
        .stdout_has("  + create   ag.BizTalkAG  (on owner of BizTalkAG, probed on LABAG1)")
        .stdout_has("  + create   ag.BizTalkAG.replica.LABAG2  (on LABAG2)");
    lab.converge().stdout_has("0 failed, 0 never ran");
    lab.run(&["verify"]).code(0);
}

#[test]
fn a_second_messagebox_behind_the_listener_is_added_seeded_and_its_jobs_guarded() {
    let one = "  - { name: SSODB,           role: sso,        instance: LABBTSAG }\n";
    let text = lab_ag();
    assert!(text.contains(one));
    let two =
        format!("{one}  - {{ name: BizTalkMsgBoxDb2, role: messagebox, instance: LABBTSAG }}\n");
    let lab = Lab::new(&text.replacen(one, &two, 1));
    lab.run(&["plan"])
        .code(0)
        .stdout_has("  + create   biztalk.primary.messagebox.BizTalkMsgBoxDb2  (on LABAGBTS1)")
        .stdout_has("  + create   ag.BizTalkAG.db.BizTalkMsgBoxDb2  (on owner of BizTalkAG, probed on LABAG1)");
    lab.converge().stdout_has("0 failed, 0 never ran");
    let v = lab.run(&["verify", "--format", "json"]);
    v.code(0);
    let v = v.json();
    assert_eq!(
        check(
            &v,
            "ag.BizTalkAG.db.BizTalkMsgBoxDb2",
            ag_database::CHECK_SYNCHRONIZED
        )["ok"],
        true
    );
    let jobs = check(&v, "ag.BizTalkAG.jobs.LABAG2", ag_jobs::CHECK_PRIMARY_ONLY);
    assert_eq!(jobs["ok"], true, "{jobs}");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
}

/// The lab's FCI cluster with an availability group beside it (instance BTSAG on both
/// nodes): every BizTalk database behind its listener except BAMArchive, which cannot be in a
/// group and stays on the FCI (BZ178 warns that its settings are the operator's).
#[test]
fn an_fci_and_an_availability_group_side_by_side_build_verify_and_fail_over() {
    let mut text = include_str!("../../inventories/lab.yaml").to_string();
    let group = "            port: 1433\n        availability_groups:\n          - name: BizTalkAG\n            version: \"2019\"\n            edition: Developer\n            instance: BTSAG\n            service_account: { user: LAB\\gmsa-sqlbts$ }\n            replicas:\n              - { node: LABSQL1, commit: synchronous, failover: automatic }\n              - { node: LABSQL2, commit: synchronous, failover: automatic }\n            listener: { name: LABBTSAG, ips: [192.168.50.30] }\n\n";
    let mut edits = vec![("            port: 1433\n\n", group)];
    edits.extend([("instance: LABBTSSQL }", "instance: LABBTSAG }"); 4]);
    edits.push((
        "role: sso,        instance: LABBTSAG }",
        "role: sso,        instance: LABBTSAG }\n  - { name: BAMArchive, role: bam_archive, instance: LABBTSSQL }",
    ));
    edits.push((
        "destination: S:\\MSSQL\\Backup\\BizTalk\\",
        "destination: \\\\labfs.lab.local\\backup\\BizTalk\\",
    ));
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let lab = Lab::new(&text);
    lab.run(&["validate"]).code(0).stderr_has("warning[BZ178]");
    lab.converge().stdout_has("0 failed, 0 never ran");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
    lab.run(&["verify", "--failover"])
        .code(0)
        .stdout_has("✓ SQL Server (MSSQLSERVER): LABSQL1 → LABSQL2")
        .stdout_has("✓ BizTalkAG: LABSQL1 → LABSQL2")
        .stdout_has("6 of 6 moves succeeded");
}
