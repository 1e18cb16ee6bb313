//! plan: batching (one connection and one payload per host), selection, drift shown as
//! updates, plan files refused when stale or made from another inventory.

use std::sync::mpsc::channel;

use bisrc::engine::plan::Selection;
use bisrc::engine::setup::{setup, RunSettings};
use bisrc::engine::Event;
use bisrc::sim::faults::Fault;
use bisrc::step::StepAction;

use crate::cycle::{Lab, LAB};

#[test]
fn plan_makes_one_connection_and_one_payload_per_host() {
    let lab = Lab::shipped();
    let loaded = bisrc::inventory::load(&lab.path().join("lab.yaml")).unwrap();
    let s = setup(loaded, &RunSettings::default()).unwrap();
    let scripts = s.scripts();
    let (tx, rx) = channel();
    let ctx = s.context(&scripts, tx);
    let plan = bisrc::engine::plan::plan(&ctx, &Selection::default()).unwrap();
    assert_eq!(plan.changes.len(), s.topology.resources.len());
    assert_eq!(ctx.pool.connections(), 3);
    drop(ctx);
    let mut batches: Vec<(String, usize)> = rx
        .iter()
        .filter_map(|e| match e {
            Event::BatchStarted {
                host,
                action: StepAction::Probe,
                steps,
            } => Some((host, steps)),
            _ => None,
        })
        .collect();
    batches.sort();
    let hosts: Vec<&str> = batches.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(hosts, ["LABBTS1", "LABSQL1", "LABSQL2"]);
    assert_eq!(
        batches.iter().map(|b| b.1).sum::<usize>(),
        s.topology.resources.len()
    );
}

#[test]
fn fresh_world_sql_steps_behind_an_uninstalled_fci_plan_as_create_not_unknown() {
    // Nothing answers on the FCI's network name yet, so T-SQL probes fail (as SqlClient
    // would); what they depend on is being created, so they are creates, with the reason.
    let lab = Lab::shipped();
    let v = lab.run(&["plan", "--format", "json"]).code(0).json();
    let change = |address: &str| {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .unwrap_or_else(|| panic!("no {address}"))
            .clone()
    };
    let cfg = change("sql.LABBTSSQL.config");
    assert_eq!(cfg["action"], "create");
    assert_eq!(cfg["reason"], "(known after sql.LABBTSSQL)");
    assert_eq!(
        change("db.LABBTSSQL.BizTalkMsgBoxDb.settings")["reason"],
        "(known after biztalk.primary.group)"
    );
    // Said once, not with the probe's error text.
    let text = lab.run(&["plan"]).code(0).stdout.clone();
    assert!(
        text.contains("      why: (known after sql.LABBTSSQL)\n"),
        "{text}"
    );
    assert!(!text.contains("network-related"), "{text}");
    assert_eq!(v["summary"]["unknown"], 0);
    // Once the FCI exists but does not answer, the same probes are unknown, not creates.
    lab.converge();
    lab.fault(Fault::DiskOffline("SQLData".into()));
    // ...known after the FCI is brought back: the plan is complete.
    let v = lab.run(&["plan", "--format", "json"]).code(0).json();
    let cfg = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "sql.LABBTSSQL.config")
        .unwrap()
        .clone();
    assert_eq!(cfg["action"], "unknown");
    assert_eq!(cfg["known_after"], "sql.LABBTSSQL");
}

#[test]
fn target_and_exclude_select_with_dependencies() {
    let lab = Lab::shipped();
    let p = lab.run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "sql.LABBTSSQL.config",
    ]);
    p.code(0);
    let addrs: Vec<String> = p.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    assert!(addrs.contains(&"sql.LABBTSSQL.config".to_string()));
    assert!(
        addrs.contains(&"cluster.LABSQLCL".to_string()),
        "dependencies follow"
    );
    assert!(!addrs.contains(&"biztalk.primary.group".to_string()));
    let p = lab.run(&["plan", "--format", "json", "--exclude", "sql.*"]);
    p.code(0);
    assert!(p.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !c["address"].as_str().unwrap().starts_with("sql.")));
    lab.run(&["plan", "--target", "["])
        .code(1)
        .stderr_has("invalid pattern");
}

#[test]
fn drift_shows_as_update_and_apply_converges_it() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.config".into(),
        key: "max_degree_of_parallelism".into(),
        value: serde_json::json!(0),
    });
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.job.backup-biztalk-server".into(),
        key: "enabled".into(),
        value: serde_json::json!(false),
    });
    let p = lab.run(&["plan", "--detailed-exitcode"]);
    p.code(2)
        .stdout_has("  ~ update   sql.LABBTSSQL.config  (on owner of SQL Server (MSSQLSERVER), probed on LABSQL1)\n      max_degree_of_parallelism: 0 → 1\n")
        .stdout_has("  ~ update   sql.LABBTSSQL.job.backup-biztalk-server")
        .stdout_has("      enabled: false → true")
        .stdout_has("Plan: 0 to create, 2 to update, 0 blocked, 0 unknown.");
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stdout_has("Apply complete: 2 succeeded, 0 failed, 0 never ran");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn a_disk_gone_offline_is_brought_back_with_what_depends_on_it() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::DiskOffline("SQLLog".into()));
    // The FCI depends on the disk: the sim fails the SQL role with it.
    lab.run(&["plan", "--detailed-exitcode"])
        .code(2)
        .stdout_has("  ~ update   cluster.LABSQLCL.disk.SQLLog")
        .stdout_has("      state: \"Offline\" → \"Online\"")
        .stdout_has(
            "  ~ update   sql.LABBTSSQL  (on owner of SQL Server (MSSQLSERVER), probed on LABSQL1)",
        );
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stdout_has("0 failed, 0 never ran");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
    lab.run(&["verify"]).code(0);
}

#[test]
fn stale_plan_files_are_refused_naming_what_changed() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.config".into(),
        key: "max_degree_of_parallelism".into(),
        value: serde_json::json!(4),
    });
    lab.run(&["plan", "-o", "plan.json"]).code(0);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(lab.path().join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(saved["planfile_version"], 1);
    assert_eq!(saved["inventory_hash"].as_str().unwrap().len(), 64);
    assert_eq!(saved["template_hash"].as_str().unwrap().len(), 64);

    // The world changes after the plan.
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.job.dta-purge-and-archive".into(),
        key: "enabled".into(),
        value: serde_json::json!(false),
    });
    lab.run(&["apply", "plan.json"])
        .code(1)
        .stderr_has("the plan is stale")
        .stderr_has("sql.LABBTSSQL.job.dta-purge-and-archive (was no-op, now update)");
    // A fresh plan file applies (no confirmation: it was reviewed when saved).
    lab.run(&["plan", "-o", "plan2.json"]).code(0);
    lab.run(&["apply", "plan2.json"])
        .code(0)
        .stdout_has("Apply complete: 2 succeeded");

    // A plan file from another inventory.
    lab.run(&["plan", "-o", "plan3.json"]).code(0);
    std::fs::write(lab.path().join("lab.yaml"), format!("{LAB}\n# edited\n")).unwrap();
    lab.run(&["apply", "plan3.json"])
        .code(1)
        .stderr_has("plan was made from another inventory");
    lab.run(&["apply", "nope.json"])
        .code(1)
        .stderr_has("cannot read plan file nope.json");
}

#[test]
fn a_plan_applied_twice_is_stale_and_the_refusal_stays_short() {
    let lab = Lab::shipped();
    lab.run(&["plan", "-o", "p.json"]).code(0);
    lab.run(&["apply", "p.json"]).code(0);
    // Every resource changed from create/update to no-op: the message names 8 and counts the rest
    // (Test-Dtc's resource, a verify check, is a no-op in both).
    let n = super::cycle::lab_resources() - 1;
    lab.run(&["apply", "p.json"])
        .code(1)
        .stderr_has(&format!(
            "the environment changed since it was made ({n} resources): node.LABSQL1.feature.failover-clustering (was create, now no-op)"
        ))
        .stderr_has(&format!("and {} more; run `bisrc plan -o FILE` again", n - 8));
}

#[test]
fn site_and_graph() {
    let lab = Lab::shipped();
    lab.run(&["plan", "--site", "primary", "--detailed-exitcode"])
        .code(2)
        .stdout_has("Plan: ");
    lab.run(&["plan", "--site", "nope"])
        .code(1)
        .stderr_has("no site named nope");
    lab.run(&["graph"])
        .code(0)
        .stdout_has("digraph bisrc {")
        .stdout_has("\"cluster.LABSQLCL\" -> \"cluster.LABSQLCL.quorum\"");
}

#[test]
fn plan_shows_the_apply_script_diff_since_the_last_apply() {
    let lab = Lab::shipped();
    lab.converge();
    let recorded = lab
        .state()
        .join("applied/sql.LABBTSSQL.job.backup-biztalk-server/apply.ps1");
    let text = std::fs::read_to_string(&recorded).expect("the applied script is recorded");
    assert!(text.starts_with("# bisrc-step: "), "{text}");
    assert!(text.contains("@DaysToKeep = 7"), "{text}");

    // The inventory changes a desired attribute: an update with its script diff.
    std::fs::write(
        lab.path().join("lab.yaml"),
        LAB.replace("days_to_keep: 7", "days_to_keep: 14"),
    )
    .unwrap();
    let p = lab.run(&["plan", "--detailed-exitcode"]);
    p.code(2)
        .stdout_has("  ~ update   sql.LABBTSSQL.job.backup-biztalk-server")
        .stdout_has("      days_to_keep: 7 → 14\n      --- applied\n      +++ now\n      @@ ")
        .stdout_has(
            "      -SET @cmd = N'exec [dbo].[sp_DeleteBackupHistoryAndFiles] @DaysToKeep = 7, @UseLocalTime = 0';\n      \
             +SET @cmd = N'exec [dbo].[sp_DeleteBackupHistoryAndFiles] @DaysToKeep = 14, @UseLocalTime = 0';\n",
        )
        .stdout_has("Plan: 0 to create, 1 to update, 0 blocked, 0 unknown.");
    assert!(!p.stdout.contains("Scripts changed"), "{}", p.stdout);
    let j = lab.run(&["plan", "--format", "json"]);
    j.code(0);
    let v = j.json();
    assert_eq!(v["format_version"], "1.2");
    let c = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "sql.LABBTSSQL.job.backup-biztalk-server")
        .unwrap();
    let d = c["script_diff"].as_str().unwrap();
    assert!(d.starts_with("--- applied\n+++ now\n@@ "), "{d}");
    assert!(
        d.contains("\n+SET @cmd = N'exec [dbo].[sp_DeleteBackupHistoryAndFiles] @DaysToKeep = 14, @UseLocalTime = 0';\n")
    );
    // Resources whose script did not change carry no diff.
    let cfg = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "sql.LABBTSSQL.config")
        .unwrap();
    assert_eq!(cfg["script_diff"], serde_json::Value::Null);
    assert_eq!(v["scripts_changed"], serde_json::json!([]));
    // Applying records the new script: no diff afterwards.
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stdout_has("Apply complete: 1 succeeded");
    assert!(std::fs::read_to_string(&recorded)
        .unwrap()
        .contains("@DaysToKeep = 14"));
    let after = lab.run(&["plan", "--detailed-exitcode", "--show-noop"]);
    after.code(0);
    assert!(!after.stdout.contains("--- applied"), "{}", after.stdout);
}

#[test]
fn a_template_change_without_state_change_is_listed_but_not_a_change() {
    let lab = Lab::shipped();
    lab.converge();
    let builtin = include_str!("../../templates/steps/sql_config/apply.ps1.hbs");
    let dir = lab.path().join("overlay/steps/sql_config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("apply.ps1.hbs"),
        format!("# reviewed by the DBA team\n{builtin}"),
    )
    .unwrap();
    std::fs::write(
        lab.path().join("lab.yaml"),
        LAB.replace(
            "environment: lab\n",
            "environment: lab\ntemplates: overlay\n",
        ),
    )
    .unwrap();
    let p = lab.run(&["plan", "--detailed-exitcode"]);
    p.code(0).stdout_has(
        "No changes. The environment matches the inventory.\n\n\
         Scripts changed since the last apply (no state change):\n  sql.LABBTSSQL.config\n\n\
         Plan: 0 to create, 0 to update, 0 blocked, 0 unknown.\n",
    );
    // The diff itself is shown with the no-ops.
    lab.run(&["plan", "--show-noop"]).code(0).stdout_has(
        "  = no-op    sql.LABBTSSQL.config  (on owner of SQL Server (MSSQLSERVER), probed on LABSQL1)\n      \
         --- applied\n      +++ now\n      @@ -1,3 +1,4 @@\n      +# reviewed by the DBA team\n",
    );
    let v = lab.run(&["plan", "--format", "json"]).json();
    assert_eq!(
        v["scripts_changed"],
        serde_json::json!(["sql.LABBTSSQL.config"])
    );
    // `--templates` on the command line wins over the inventory's `templates:` key: an empty
    // overlay directory means the built-in templates, so nothing changed since the apply.
    std::fs::create_dir_all(lab.path().join("empty")).unwrap();
    let v = lab
        .run(&["plan", "--format", "json", "--templates", "empty"])
        .json();
    assert_eq!(v["scripts_changed"], serde_json::json!([]));
}

#[test]
fn groups_the_inventory_does_not_describe_are_unmanaged_not_changes() {
    let lab = Lab::shipped();
    lab.converge();
    lab.run(&["plan", "--format", "json"])
        .code(0)
        .stdout_has("\"unmanaged\": []");
    lab.fault(Fault::AddGroup {
        cluster: "LABSQLCL".into(),
        name: "Old SQL Role".into(),
    });
    // The CLI form (the owner is the first active member).
    let r = lab.run(&[
        "sim",
        "fault",
        "-i",
        "lab.yaml",
        "add-group",
        "labsqlcl",
        "Print Spooler",
    ]);
    r.code(0)
        .stdout_has("cluster LABSQLCL has a new group Print Spooler on LABSQL1\n");
    lab.run(&[
        "sim",
        "fault",
        "-i",
        "lab.yaml",
        "add-group",
        "LABSQLCL",
        "Print Spooler",
    ])
    .code(1)
    .stderr_has("already has a group named Print Spooler");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has(
            "No changes. The environment matches the inventory.\n\n\
         Unmanaged (bisrc never deletes; remove by hand if intended):\n  \
         cluster LABSQLCL group 'Old SQL Role' on LABSQL1\n  \
         cluster LABSQLCL group 'Print Spooler' on LABSQL1\n\n\
         Plan: 0 to create, 0 to update, 0 blocked, 0 unknown.\n",
        );
    let v = lab.run(&["plan", "--format", "json"]).json();
    assert_eq!(
        v["unmanaged"][0],
        serde_json::json!({"kind": "cluster_group", "cluster": "LABSQLCL",
                           "name": "Old SQL Role", "owner": "LABSQL1"})
    );
    assert_eq!(v["unmanaged"].as_array().unwrap().len(), 2);
    // Alongside a real change, it is listed after the changes; apply leaves it alone.
    lab.fault(Fault::Set {
        address: "sql.LABBTSSQL.config".into(),
        key: "max_degree_of_parallelism".into(),
        value: serde_json::json!(0),
    });
    lab.run(&["plan", "--detailed-exitcode"])
        .code(2)
        .stdout_has(
            "      max_degree_of_parallelism: 0 → 1\n\n\
         Unmanaged (bisrc never deletes; remove by hand if intended):\n",
        );
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stdout_has("Apply complete: 1 succeeded");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("  cluster LABSQLCL group 'Old SQL Role' on LABSQL1\n");
}

/// `plan -o FILE` names the exact apply command, `-i` included, and that command works.
#[test]
fn plan_out_suggests_the_exact_apply_command() {
    let lab = Lab::shipped();
    lab.run(&["plan", "-o", "lab.plan.json"])
        .code(0)
        .stderr_has("apply it with `bisrc apply -i lab.yaml lab.plan.json`.");
    lab.run(&["apply", "-i", "lab.yaml", "lab.plan.json"])
        .code(0)
        .stdout_has("Apply complete");
}
