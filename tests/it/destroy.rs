//! destroy: the README's CI job run line by line as the README shows it; a production
//! environment refused without its name typed back; a saved destroy plan refused when stale;
//! `--target` takes dependents and leaves the rest; a role bisrc does not manage stops the
//! cluster's removal.

use std::path::Path;
use std::process::Command;

use bisrc::sim::faults::Fault;

use crate::cycle::{Lab, LAB};

/// The lab inventory marked disposable (what a CI job's inventory looks like).
fn test_kind(inventory: &str) -> String {
    let marked = inventory.replacen(
        "environment: lab\n",
        "environment: lab\nenvironment_kind: test\n",
        1,
    );
    assert_ne!(marked, inventory, "the lab inventory names its environment");
    marked
}

/// The lines of the sh block under the README's CI heading.
fn ci_block() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let heading = "### CI: a throwaway test cluster";
    let rest = &readme[readme.find(heading).expect("the CI section")..];
    let rest = &rest[rest.find("```sh\n").expect("a sh block") + "```sh\n".len()..];
    rest[..rest.find("```").expect("the block ends")]
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_ci_job_builds_verifies_and_tears_down_the_lab() {
    let lab = Lab::new(&test_kind(LAB));
    std::fs::copy(lab.path().join("lab.yaml"), lab.path().join("ci.yaml")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_bisrc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let lines = ci_block();
    let verbs: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(verbs, ["validate", "plan", "apply", "verify", "destroy"]);
    for line in &lines {
        // Exactly the README's line, through the shell, with bisrc on PATH.
        let out = Command::new("sh")
            .args(["-c", line])
            .current_dir(lab.path())
            .env("PATH", &path)
            .env("HOME", lab.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{line}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let junit = std::fs::read_to_string(lab.path().join("verify.xml")).unwrap();
    assert!(
        junit.contains("<testsuites") && !junit.contains("<failure"),
        "{junit}"
    );
    // Everything the inventory describes is gone: a fresh plan creates the cluster again, and
    // destroying again finds nothing to remove.
    let again = lab.run(&["plan", "-i", "ci.yaml", "--format", "json"]);
    again.code(0);
    let plan = again.json();
    let action = |a: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == a)
            .unwrap_or_else(|| panic!("{a} not planned"))["action"]
            .clone()
    };
    assert_eq!(action("cluster.LABSQLCL"), "create");
    assert_eq!(action("sql.LABBTSSQL"), "create");
    assert_eq!(action("biztalk.primary.group"), "create");
    lab.run(&["destroy", "-i", "ci.yaml", "--auto-approve"])
        .code(0)
        .stdout_has("Nothing to destroy");
}

#[test]
fn production_is_refused_without_its_name_typed_back() {
    let lab = Lab::shipped();
    lab.converge();
    lab.run(&["destroy", "--auto-approve"])
        .code(1)
        .stderr_has("pass --force-name lab");
    lab.run(&["destroy", "--auto-approve", "--force-name", "prod"])
        .code(1)
        .stderr_has("does not match");
    // Nothing was touched.
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
    lab.run(&["destroy", "--auto-approve", "--force-name", "lab"])
        .code(0)
        .stdout_has("Destroy complete");
}

#[test]
fn a_saved_destroy_plan_is_refused_when_stale_and_carried_out_when_fresh() {
    let lab = Lab::new(&test_kind(LAB));
    lab.converge();
    lab.run(&["destroy", "-o", "d.json"])
        .code(0)
        .stdout_has("- sql.LABBTSSQL (destroy)");
    // An apply plan file is not a destroy plan, and the reverse.
    lab.run(&["plan", "-o", "a.json"]).code(0);
    lab.run(&["destroy", "a.json"])
        .code(1)
        .stderr_has("not a bisrc destroy plan file");
    lab.run(&["apply", "d.json"])
        .code(1)
        .stderr_has("not a bisrc plan file");
    // Someone removes the logins: the saved plan no longer describes the environment.
    lab.run(&[
        "destroy",
        "--auto-approve",
        "--target",
        "sql.LABBTSSQL.login.*",
    ])
    .code(0);
    lab.run(&["destroy", "d.json"])
        .code(1)
        .stderr_has("the destroy plan is stale");
    lab.run(&["destroy", "-o", "d2.json"]).code(0);
    lab.run(&["destroy", "d2.json"])
        .code(0)
        .stdout_has("Destroy complete");
}

#[test]
fn target_takes_its_dependents_and_leaves_the_rest() {
    let lab = Lab::new(&test_kind(LAB));
    lab.converge();
    let r = lab.run(&[
        "destroy",
        "--auto-approve",
        "--target",
        "sql.LABBTSSQL.login.*",
        "--format",
        "json",
    ]);
    r.code(0);
    let v = r.json();
    let removed: Vec<&str> = v["report"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["address"].as_str().unwrap())
        .collect();
    // The BizTalk group needs the logins: it goes first; the FCI and the cluster stay.
    assert_eq!(removed[0], "biztalk.primary.group", "{removed:?}");
    assert!(removed
        .iter()
        .all(|a| *a == "biztalk.primary.group" || a.starts_with("sql.LABBTSSQL.login.")));
    let plan = lab.run(&["plan", "--format", "json"]);
    let plan = plan.json();
    let action = |a: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == a)
            .unwrap()["action"]
            .clone()
    };
    assert_eq!(action("sql.LABBTSSQL"), "no_op");
    assert_eq!(action("cluster.LABSQLCL"), "no_op");
    assert_eq!(action("biztalk.primary.group"), "create");
}

#[test]
fn a_role_bisrc_does_not_manage_keeps_the_cluster() {
    let lab = Lab::new(&test_kind(LAB));
    lab.converge();
    lab.fault(Fault::AddGroup {
        cluster: "LABSQLCL".into(),
        name: "File Server".into(),
    });
    let r = lab.run(&["destroy", "--auto-approve"]);
    r.code(1)
        .stdout_has("Destroy failed")
        .stdout_has("the cluster still holds roles: File Server;");
    // Everything else went; the cluster (and its last node) stayed with the foreign role.
    let plan = lab.run(&["plan", "--format", "json"]).json();
    let action = |a: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == a)
            .unwrap()["action"]
            .clone()
    };
    assert_eq!(action("cluster.LABSQLCL"), "no_op");
    assert_eq!(action("sql.LABBTSSQL"), "create");
    let unmanaged = plan["unmanaged"].to_string();
    assert!(unmanaged.contains("File Server"), "{unmanaged}");
}

#[test]
fn an_unreachable_node_leaves_work_that_a_second_destroy_finishes() {
    let lab = Lab::new(&test_kind(LAB));
    lab.converge();
    lab.fault(Fault::NodeDown("LABSQL2".into()));
    // What does not need LABSQL2 goes; the FCI, the DTC role and the cluster wait for it.
    lab.run(&["destroy", "--auto-approve"])
        .code(1)
        .stdout_has("Destroy incomplete: 5 removed, 0 failed, 5 never ran")
        .stdout_has("host LABSQL2 is unreachable")
        .stdout_has("Work remains: 5 steps never ran.");
    lab.fault(Fault::Clear);
    lab.run(&["destroy", "--auto-approve"])
        .code(0)
        .stdout_has("Destroy complete: 5 removed, 0 failed");
}

/// Runs `bisrc destroy -i lab.yaml` on a terminal (through util-linux `script`), typing
/// `input`; returns the exit code and what the terminal showed.
fn destroy_on_a_terminal(lab: &Lab, input: &str) -> (Option<i32>, String) {
    use std::io::Write;
    use std::process::Stdio;
    let cmd = format!("{} destroy -i lab.yaml", env!("CARGO_BIN_EXE_bisrc"));
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(lab.path())
        .env("HOME", lab.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` is needed for the terminal prompt test");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn on_a_terminal_production_needs_its_name_then_yes() {
    let lab = Lab::shipped();
    lab.converge();
    let (code, text) = destroy_on_a_terminal(&lab, "prod\n");
    assert!(
        text.contains("Type its name to destroy it anyway"),
        "{text}"
    );
    assert!(
        text.contains("does not match lab; nothing was destroyed"),
        "{text}"
    );
    assert_eq!(code, Some(1), "{text}");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
    let (code, text) = destroy_on_a_terminal(&lab, "lab\nyes\n");
    assert!(text.contains("Destroy these resources?"), "{text}");
    assert!(text.contains("Destroy complete: 10 removed"), "{text}");
    assert_eq!(code, Some(0), "{text}");
}
