//! BizTalk on an availability group in the simulator: a database joins its group only once
//! it exists on the primary (WB-AG-08), BizTalk's jobs are copied from the primary and
//! guarded on every replica (WB-AG-09), and a planned failover goes only to a synchronized
//! synchronous-commit replica, run there (WB-AG-07).

use serde_json::json;

use super::faults::{inject, Fault};
use super::tests::{apply_ok, converge, converge_until, error_of, inventory, probe_of, res};
use crate::inventory::Inventory;
use crate::kind::ag_failover::{AgFailover, Desired, Params};
use crate::topology::{Resource, Target, Topology};

fn lab_ag() -> (Inventory, Topology, tempfile::TempDir) {
    let inv = inventory("ag/lab-ag");
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo, tempfile::tempdir().unwrap())
}

/// The failover `verify --failover` runs on `to`.
fn failover_to(to: &str) -> Resource {
    Resource::new::<AgFailover>(
        format!("failover.LABAGCL.BizTalkAG.{to}"),
        "primary",
        Target::Node { host: to.into() },
        Params {
            cluster: "LABAGCL".into(),
            availability_group: "BizTalkAG".into(),
            server: to.into(),
        },
        Desired {
            exists: true,
            owner: to.into(),
            state: "Online".into(),
        },
    )
}

#[test]
fn a_database_joins_its_group_once_it_exists_on_the_primary_and_is_seeded_everywhere() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    let db = res(&topo, "ag.BizTalkAG.db.BizTalkMsgBoxDb");
    // No group yet.
    let e = error_of(d, &inv, db);
    assert!(e.contains("Msg 15151"), "{e}");
    // The group, but BizTalk not configured: the database is not on the primary.
    converge_until(d, &inv, &topo, "biztalk.primary.group");
    let e = error_of(d, &inv, db);
    assert!(
        e.contains("Msg 911") && e.contains("BizTalkMsgBoxDb"),
        "{e}"
    );
    converge_until(d, &inv, &topo, &db.address);
    // A database belongs to one group only.
    crate::sim::world::update(d, &inv, |w| {
        w.ags.insert(
            "OTHERAG".into(),
            crate::sim::ag::AgState {
                name: "OtherAG".into(),
                databases: vec!["BizTalkMsgBoxDb".into()],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let e = error_of(d, &inv, db);
    assert!(
        e.contains("already belongs to availability group 'OtherAG'"),
        "{e}"
    );
    crate::sim::world::update(d, &inv, |w| w.ags.remove("OTHERAG")).unwrap();
    let before = probe_of(d, &inv, db);
    assert_eq!(before["exists"], true);
    assert_eq!(before["in_group"], false);
    apply_ok(d, &inv, db);
    let o = probe_of(d, &inv, db);
    assert_eq!(o["in_group"], true);
    assert_eq!(o["recovery_model"], "FULL");
    assert_eq!(
        o["not_synchronized"],
        json!([]),
        "seeded to every secondary"
    );
    // A lagging secondary keeps the database but is not SYNCHRONIZED.
    inject(
        d,
        &inv,
        &Fault::SyncLag {
            availability_group: "BizTalkAG".into(),
            node: "LABAG3".into(),
        },
    )
    .unwrap();
    let o = probe_of(d, &inv, db);
    assert_eq!(o["not_synchronized"], json!(["LABAG3: SYNCHRONIZING"]));
}

#[test]
fn jobs_are_copied_from_the_primary_and_guarded_on_every_replica() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    let secondary = res(&topo, "ag.BizTalkAG.jobs.LABAG2");
    // Before the BizTalk group configuration the primary has no job to copy.
    converge_until(d, &inv, &topo, "biztalk.primary.group");
    let e = error_of(d, &inv, secondary);
    // Msg 14262, as SqlClient reports it (the text, without the number).
    assert!(
        e.contains("The specified @job_name") && e.contains("does not exist"),
        "{e}"
    );
    converge(d, &inv, &topo);
    for node in ["LABAG1", "LABAG2", "LABAG3"] {
        let r = res(&topo, &format!("ag.BizTalkAG.jobs.{node}"));
        let o = probe_of(d, &inv, r);
        assert_eq!(o["jobs"], r.desired["jobs"], "{node}");
        assert_eq!(o["guarded"], r.desired["jobs"], "{node}");
        let jobs = o["jobs"].as_array().unwrap();
        for want in [
            "Backup BizTalk Server (BizTalkMgmtDb)",
            "MessageBox_Message_Cleanup_BizTalkMsgBoxDb",
            "DTA Purge and Archive (BizTalkDTADb)",
        ] {
            assert!(jobs.contains(&json!(want)), "{node}: {want}");
        }
    }
    // A guard removed behind bisrc's back shows, and apply puts it back.
    inject(
        d,
        &inv,
        &Fault::Set {
            address: secondary.address.clone(),
            key: "guarded".into(),
            value: json!([]),
        },
    )
    .unwrap();
    assert_eq!(probe_of(d, &inv, secondary)["guarded"], json!([]));
    apply_ok(d, &inv, secondary);
    assert_eq!(
        probe_of(d, &inv, secondary)["guarded"],
        secondary.desired["guarded"]
    );
}

/// review4 F12 (WB-AG-09): SQL Server Agent opens a step's connection in the step's database
/// before any of its command runs, and a secondary's databases take no connection: a step
/// guarded inside its command but left in its BizTalk database (bisrc before the fix) fails
/// there every run; in master behind the guard it skips its work on a secondary and does it
/// on the primary.
#[test]
fn a_guarded_job_step_runs_in_master_so_a_secondary_skips_it_instead_of_failing() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    converge(d, &inv, &topo);
    let job = "MessageBox_Message_Cleanup_BizTalkMsgBoxDb";
    let run = |node: &str| {
        inject(
            d,
            &inv,
            &Fault::JobRun {
                instance: node.into(),
                job: job.into(),
            },
        )
        .map_err(|e| e.to_string())
    };
    let on_primary = run("LABAG1").unwrap();
    assert!(!on_primary.contains("skipped"), "{on_primary}");
    let on_secondary = run("LABAG2").unwrap();
    assert!(on_secondary.contains("skipped its work"), "{on_secondary}");
    // The step left in its database, the guard inside the command: not guarded, and the
    // run fails before the guard.
    crate::sim::world::update(d, &inv, |w| {
        let j = w.instance_mut("LABAG2").unwrap().jobs.get_mut(job).unwrap();
        assert_eq!(j.step_database.as_deref(), Some("master"));
        j.step_database = Some("BizTalkMsgBoxDb".into());
    })
    .unwrap();
    let secondary = res(&topo, "ag.BizTalkAG.jobs.LABAG2");
    let guarded = probe_of(d, &inv, secondary)["guarded"].clone();
    assert!(
        !guarded.as_array().unwrap().contains(&json!(job)),
        "{guarded}"
    );
    let e = run("LABAG2").unwrap_err();
    assert!(
        e.contains("'BizTalkMsgBoxDb', is participating in an availability group and is currently not accessible for queries"),
        "{e}"
    );
    // Apply moves the step to master again.
    apply_ok(d, &inv, secondary);
    assert_eq!(
        probe_of(d, &inv, secondary)["guarded"],
        secondary.desired["guarded"]
    );
    assert!(run("LABAG2").unwrap().contains("skipped its work"));
}

#[test]
fn a_planned_failover_runs_on_a_synchronized_synchronous_replica_only() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    converge(d, &inv, &topo);
    // Not a replica.
    let e = error_of(d, &inv, &failover_to("LABAGBTS1"));
    assert!(e.contains("is not a replica of availability group"), "{e}");
    // A lagging replica cannot take over without data loss.
    let lag = Fault::SyncLag {
        availability_group: "BizTalkAG".into(),
        node: "LABAG2".into(),
    };
    inject(d, &inv, &lag).unwrap();
    let e = error_of(d, &inv, &failover_to("LABAG2"));
    assert!(e.contains("Msg 41142"), "{e}");
    inject(d, &inv, &Fault::Clear).unwrap();
    // A synchronized one can: the listener then reaches it, with BizTalk's group in its
    // copy of the management database.
    apply_ok(d, &inv, &failover_to("LABAG3"));
    assert_eq!(probe_of(d, &inv, &failover_to("LABAG3"))["owner"], "LABAG3");
    let group = res(&topo, "biztalk.primary.group");
    let o = probe_of(d, &inv, group);
    assert_eq!(o["configured"], true);
    assert_eq!(o["databases"], group.desired["databases"]);
    let db = res(&topo, "ag.BizTalkAG.db.BizTalkMgmtDb");
    assert_eq!(probe_of(d, &inv, db)["not_synchronized"], json!([]));
}

#[test]
fn with_manual_seeding_a_secondary_holds_a_database_only_once_restored_there() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    converge_until(d, &inv, &topo, "ag.BizTalkAG");
    let mut manual = res(&topo, "ag.BizTalkAG").clone();
    manual.params["automatic_seeding"] = json!(false);
    apply_ok(d, &inv, &manual);
    let db = res(&topo, "ag.BizTalkAG.db.SSODB");
    for r in topo
        .resources
        .iter()
        .take_while(|r| r.address != db.address)
    {
        if r.address != manual.address {
            apply_ok(d, &inv, r);
        }
    }
    apply_ok(d, &inv, db);
    let o = probe_of(d, &inv, db);
    assert_eq!(o["in_group"], true);
    assert_eq!(
        o["not_synchronized"],
        json!(["LABAG2: NOT JOINED", "LABAG3: NOT JOINED"])
    );
}

#[test]
fn removal_takes_the_databases_out_of_the_group_before_they_are_dropped() {
    use super::tests::step;
    use crate::step::StepAction;
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    converge(d, &inv, &topo);
    // WB-AG-10: the BizTalk group's databases cannot be dropped while in the group.
    let group = res(&topo, "biztalk.primary.group");
    let o = step(d, &inv, group, StepAction::Destroy);
    assert!(!o.ok);
    assert!(o.error.contains("Msg 3752"), "{}", o.error);
    // DROP AVAILABILITY GROUP needs HADR where it runs.
    let hadr = Fault::Set {
        address: "ag.BizTalkAG.replica.LABAG1".into(),
        key: "hadr_enabled".into(),
        value: json!(false),
    };
    inject(d, &inv, &hadr).unwrap();
    let o = step(d, &inv, res(&topo, "ag.BizTalkAG"), StepAction::Destroy);
    assert!(o.error.contains("Msg 35221"), "{}", o.error);
    apply_ok(d, &inv, res(&topo, "ag.BizTalkAG.replica.LABAG1"));
    // In reverse order every removal succeeds, and nothing is left behind: the secondaries'
    // copies left RESTORING go with their replica.
    for r in topo.resources.iter().rev() {
        if r.kind.removal() == crate::kind::Removal::Script {
            let o = step(d, &inv, r, StepAction::Destroy);
            assert!(o.ok, "{}: {}", r.address, o.error);
        }
    }
    let w = crate::sim::world::load(d, &inv).unwrap();
    assert!(w.ags.is_empty());
    for s in w.standalone.values() {
        assert!(
            s.sql.databases.is_empty(),
            "{}: {:?}",
            s.node,
            s.sql.databases.keys()
        );
        assert!(s.restoring.is_empty() && !s.hadr_enabled && s.endpoint.is_none());
        assert!(s.sql.jobs.is_empty(), "{}: {:?}", s.node, s.sql.jobs.keys());
    }
}

#[test]
fn in_doubt_xact_resolution_is_set_on_every_replica_and_refuses_an_unknown_value() {
    let (inv, topo, dir) = lab_ag();
    let d = dir.path();
    converge(d, &inv, &topo);
    for node in ["LABAG1", "LABAG2", "LABAG3"] {
        let r = res(&topo, &format!("ag.BizTalkAG.replica.{node}"));
        assert_eq!(
            probe_of(d, &inv, r)["in_doubt_xact_resolution"],
            1,
            "{node}"
        );
    }
    // WB-AG-11: sp_configure takes 0, 1 or 2.
    let mut bad = res(&topo, "ag.BizTalkAG.replica.LABAG2").clone();
    bad.desired["in_doubt_xact_resolution"] = json!(3);
    let e = error_of(d, &inv, &bad);
    assert!(e.contains("Msg 15129"), "{e}");
}
