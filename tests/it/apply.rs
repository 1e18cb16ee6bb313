//! apply: a failing step stops only its dependents and a second apply finishes the job;
//! confirmation; the environment lock.

use std::process::{Command, Stdio};

use bisrc::sim::faults::Fault;

use crate::cycle::Lab;

#[test]
fn a_failed_step_skips_dependents_and_a_second_apply_resumes() {
    let lab = Lab::shipped();
    lab.fault(Fault::FailStep {
        glob: "cluster.LABSQLCL.quorum".into(),
        times: Some(1),
    });
    let r = lab.run(&["apply", "--auto-approve", "--format", "json"]);
    r.code(1);
    let v = r.json();
    let steps = v["report"]["steps"].as_array().unwrap();
    let status = |a: &str| {
        steps
            .iter()
            .find(|s| s["address"] == a)
            .unwrap_or_else(|| panic!("{a} not in report"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("cluster.LABSQLCL.quorum"), "failed");
    // Dependents never ran.
    assert_eq!(status("sql.LABBTSSQL"), "never_ran");
    assert_eq!(status("biztalk.primary.group"), "never_ran");
    // Independent work was done: the BizTalk server's settings, the disks.
    assert_eq!(status("node.LABBTS1.dtc"), "succeeded");
    assert_eq!(status("node.LABBTS1.firewall"), "succeeded");
    assert_eq!(status("cluster.LABSQLCL.disk.SQLData"), "succeeded");
    let failed = steps
        .iter()
        .find(|s| s["address"] == "cluster.LABSQLCL.quorum")
        .unwrap();
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("simulated failure injected"),
        "{failed}"
    );
    let never = steps
        .iter()
        .find(|s| s["address"] == "sql.LABBTSSQL")
        .unwrap();
    assert!(
        never["detail"].as_str().unwrap().starts_with("dependency "),
        "{never}"
    );
    // The journal recorded it.
    let journal = std::fs::read_to_string(v["report"]["journal"].as_str().unwrap()).unwrap();
    assert!(journal.lines().any(|l| l.contains("\"step_finished\"")
        && l.contains("cluster.LABSQLCL.quorum")
        && l.contains("\"failed\"")));
    assert!(journal
        .lines()
        .any(|l| l.contains("\"step_skipped\"") && l.contains("sql.LABBTSSQL\"")));
    assert!(journal.lines().last().unwrap().contains("run_finished"));

    // Human report of the same situation lists the three groups.
    let lab2 = Lab::shipped();
    lab2.fault(Fault::FailStep {
        glob: "cluster.LABSQLCL.quorum".into(),
        times: Some(1),
    });
    lab2.run(&["apply", "--auto-approve"])
        .code(1)
        .stdout_has("Apply failed:")
        .stdout_has("\nSucceeded:\n")
        .stdout_has("\nFailed:\n  ✗ cluster.LABSQLCL.quorum on LABSQL1\n")
        .stdout_has("\nNever ran:\n")
        .stdout_has("  - sql.LABBTSSQL: dependency ");

    // Resume: only what is left runs.
    let again = lab.run(&["apply", "--auto-approve", "--format", "json"]);
    again.code(0);
    let v = again.json();
    assert_eq!(v["report"]["summary"]["failed"], 0);
    assert!(v["report"]["summary"]["unchanged"].as_u64().unwrap() > 0);
    assert!(v["report"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["address"] != "node.LABBTS1.dtc"));
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn apply_without_terminal_or_flag_refuses() {
    let lab = Lab::shipped();
    lab.run(&["apply"]).code(1).stderr_has("--auto-approve");
    assert!(
        !lab.state().join("lock.json").exists(),
        "the lock is released after a refusal"
    );
}

#[test]
fn a_second_apply_is_refused_while_locked_and_unlock_needs_the_id() {
    let lab = Lab::shipped();
    // A lock left by a crashed apply on another workstation.
    std::fs::create_dir_all(lab.state()).unwrap();
    std::fs::write(
        lab.state().join("lock.json"),
        r#"{"id":"abc123def456","holder":"ops@ws42","pid":4242,"created":"2026-01-01T00:00:00Z","operation":"apply"}"#,
    )
    .unwrap();
    lab.run(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("locked by another apply: ID abc123def456, held by ops@ws42 (pid 4242) since 2026-01-01T00:00:00Z")
        .stderr_has("bisrc unlock abc123def456");
    lab.run(&["unlock", "wrong"])
        .code(1)
        .stderr_has("another ID");
    lab.run(&["unlock", "abc123def456"])
        .code(0)
        .stderr_has("Lock abc123def456 removed.");
    lab.run(&["unlock", "abc123def456"])
        .code(0)
        .stderr_has("not locked");

    // Two real applies at once: the first is slowed down, the second is refused.
    lab.fault(Fault::SlowStep {
        glob: "node.LABSQL1.feature.*".into(),
        seconds: 3.0,
    });
    let mut first = Command::new(env!("CARGO_BIN_EXE_bisrc"))
        .args(["apply", "--auto-approve", "-i", "lab.yaml"])
        .current_dir(lab.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = lab.state().join("lock.json");
    let t = std::time::Instant::now();
    while !lock.exists() && t.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(lock.exists(), "the first apply never took the lock");
    let second = lab.run(&["apply", "--auto-approve"]);
    let first_status = first.wait().unwrap();
    second
        .code(1)
        .stderr_has("locked by another apply")
        .stderr_has(&format!("(pid {})", first.id()));
    assert!(first_status.success());
    assert!(!lock.exists(), "the first apply released its lock");
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn unknown_changes_on_a_host_still_down_never_ran_and_apply_says_work_remains() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::NodeDown("LABSQL2".into()));
    let r = lab.run(&["apply", "--auto-approve", "--format", "json"]);
    r.code(1);
    let v = r.json();
    assert_eq!(
        v["report"]["summary"],
        serde_json::json!({"succeeded": 0, "failed": 0, "never_ran": 6, "unchanged": 33})
    );
    let steps = v["report"]["steps"].as_array().unwrap();
    let detail = |a: &str| {
        let s = steps
            .iter()
            .find(|s| s["address"] == a)
            .unwrap_or_else(|| panic!("{a} not in report"));
        assert_eq!(s["status"], "never_ran", "{s}");
        assert_eq!(s["action"], "unknown", "{s}");
        s["detail"].as_str().unwrap().to_string()
    };
    for a in [
        "node.LABSQL2.feature.failover-clustering",
        "node.LABSQL2.dtc",
        "node.LABSQL2.firewall",
    ] {
        let d = detail(a);
        assert!(d.starts_with("host LABSQL2 is unreachable: "), "{a}: {d}");
    }
    assert_eq!(
        detail("cluster.LABSQLCL.node.LABSQL2"),
        "dependency node.LABSQL2.feature.failover-clustering did not run"
    );
    assert_eq!(
        detail("sql.LABBTSSQL.node.LABSQL2"),
        "dependency cluster.LABSQLCL.node.LABSQL2 did not run"
    );
    let journal = std::fs::read_to_string(v["report"]["journal"].as_str().unwrap()).unwrap();
    assert!(!journal.contains("\"step_started\""), "{journal}");
    assert_eq!(
        journal
            .lines()
            .filter(|l| l.contains("\"step_skipped\""))
            .count(),
        6
    );

    // The human report says so: nothing failed, work remains.
    lab.run(&["apply", "--auto-approve"])
        .code(1)
        .stdout_has("Apply incomplete: 0 succeeded, 0 failed, 6 never ran, 33 already converged.\n")
        .stdout_has("\nNever ran:\n  - node.LABSQL2.feature.failover-clustering: host LABSQL2 is unreachable: ")
        .stdout_has("\nWork remains: 6 steps never ran.\nFix the cause and run `bisrc apply` again");

    // The node is back: nothing was left undone on it.
    lab.fault(Fault::NodeUp("LABSQL2".into()));
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stdout_has("No changes.");
}

/// Spawns `bisrc apply --auto-approve` in the lab with stderr piped.
fn spawn_apply(lab: &Lab) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_bisrc"))
        .args(["apply", "--auto-approve", "-i", "lab.yaml"])
        .current_dir(lab.path())
        .env("HOME", lab.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads `child`'s stderr line by line until a line contains `marker`; returns what was read.
fn read_until(lines: &mut impl Iterator<Item = std::io::Result<String>>, marker: &str) -> String {
    let mut seen = String::new();
    for line in lines {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(marker) {
            return seen;
        }
    }
    panic!("stderr ended without {marker:?}:\n{seen}");
}

fn signal(child: &std::process::Child, sig: i32) {
    // SAFETY: sends a signal to our own child process.
    let r = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(r, 0);
}

#[test]
fn a_killed_applys_lock_is_taken_over_with_a_warning_naming_it() {
    use std::io::BufRead;
    let lab = Lab::shipped();
    lab.fault(Fault::SlowStep {
        glob: "node.LABSQL1.feature.*".into(),
        seconds: 8.0,
    });
    let mut first = spawn_apply(&lab);
    let mut lines = std::io::BufReader::new(first.stderr.take().unwrap()).lines();
    read_until(&mut lines, "→ node.LABSQL1.feature.");
    let lock = lab.state().join("lock.json");
    let held: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&lock).expect("the apply holds the lock")).unwrap();
    assert_eq!(held["pid"], first.id());
    assert!(
        held["expires"].is_string(),
        "the lock carries an expiry: {held}"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(lock.exists(), "a killed apply leaves its lock");

    lab.fault(Fault::Clear);
    let id = held["id"].as_str().unwrap();
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stderr_has(&format!("warning: took over the environment lock ID {id}"))
        .stderr_has(&format!("its process {} is no longer running", first.id()));
    assert!(!lock.exists(), "the new apply released its own lock");
}

#[test]
fn an_expired_lock_of_another_workstation_is_taken_over() {
    let lab = Lab::shipped();
    std::fs::create_dir_all(lab.state()).unwrap();
    std::fs::write(
        lab.state().join("lock.json"),
        r#"{"id":"dead0000beef","holder":"ops@ws42","pid":4242,"created":"2026-01-01T00:00:00Z","operation":"apply","expires":"2026-01-01T00:15:00Z"}"#,
    )
    .unwrap();
    lab.run(&["apply", "--auto-approve"])
        .code(0)
        .stderr_has("took over the environment lock ID dead0000beef, held by ops@ws42")
        .stderr_has("expired at 2026-01-01T00:15:00Z");
}

#[test]
fn ctrl_c_says_what_it_waits_for_and_a_second_says_what_was_left_and_releases_the_lock() {
    use std::io::BufRead;
    let lab = Lab::shipped();
    lab.fault(Fault::SlowStep {
        glob: "node.LABSQL1.feature.*".into(),
        seconds: 8.0,
    });
    let mut apply = spawn_apply(&lab);
    let mut lines = std::io::BufReader::new(apply.stderr.take().unwrap()).lines();
    let started = read_until(&mut lines, "→ node.LABSQL1.feature.");
    let running = started
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("→ "))
        .unwrap()
        .to_string();
    signal(&apply, libc::SIGINT);
    let first = read_until(&mut lines, "Press Ctrl-C again");
    assert!(
        first.contains("Interrupted: no new step starts."),
        "{first}"
    );
    assert!(first.contains("to finish:"), "{first}");
    assert!(first.contains(&format!("  {running}")), "{first}");
    signal(&apply, libc::SIGINT);
    let rest: String = lines.map(|l| l.unwrap() + "\n").collect();
    let status = apply.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.contains("Left unfinished (they may be half done):"),
        "{rest}"
    );
    assert!(rest.contains(&format!("  {running}")), "{rest}");
    assert!(rest.contains("was released."), "{rest}");
    assert!(
        rest.contains("To resume, run `bisrc apply -i lab.yaml`"),
        "{rest}"
    );
    assert!(!lab.state().join("lock.json").exists(), "{rest}");
}

#[test]
fn auto_approve_prints_the_plan_it_applies() {
    let lab = Lab::shipped();
    let r = lab.run(&["apply", "--auto-approve"]);
    r.code(0)
        .stdout_has("bisrc will perform these actions")
        .stdout_has("  + create   node.LABSQL1.feature.failover-clustering")
        .stdout_has("Apply complete");
    let plan_at = r.stdout.find("Plan: ").unwrap();
    assert!(plan_at < r.stdout.find("Apply complete").unwrap());
}

/// Answering anything but `yes` at the prompt (a real terminal, through `script`) applies
/// nothing and exits 1.
#[test]
fn answering_no_at_the_prompt_exits_1() {
    if Command::new("script").arg("--version").output().is_err() {
        panic!("util-linux `script` is needed for the terminal prompt test");
    }
    let lab = Lab::shipped();
    let cmd = format!("{} apply -i lab.yaml", env!("CARGO_BIN_EXE_bisrc"));
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(lab.path())
        .env("HOME", lab.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"no\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Apply these changes?"), "{text}");
    assert!(text.contains("Apply cancelled."), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        !lab.state().join("journal").exists()
            || std::fs::read_dir(lab.state().join("journal"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn errors_are_json_on_stdout_with_format_json() {
    let lab = Lab::shipped();
    std::fs::create_dir_all(lab.state()).unwrap();
    std::fs::write(
        lab.state().join("lock.json"),
        r#"{"id":"abc123def456","holder":"ops@ws42","pid":4242,"created":"2026-01-01T00:00:00Z","operation":"apply"}"#,
    )
    .unwrap();
    let r = lab.run(&["apply", "--auto-approve", "--format", "json"]);
    r.code(1);
    let v = r.json();
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("locked by another apply"),
        "{v}"
    );
}

/// An empty secret (a variable set to "", a file holding only a newline) is refused by its
/// reference's name, before anything runs.
#[test]
fn an_empty_secret_is_refused_by_name() {
    let lab = Lab::shipped();
    std::fs::write(lab.path().join("lab-sso-backup.pw"), "\n").unwrap();
    let r = lab.run(&["apply", "--auto-approve"]);
    r.code(1).stderr_has("lab-sso-backup.pw is empty");
    assert!(!r.stdout.contains("Apply complete"), "{}", r.stdout);

    let mut lab = Lab::new(&crate::cycle::LAB.replace(
        "{ file: lab-sso-backup.pw }",
        "{ env: BISRC_TEST_EMPTY_BACKUP_PW }",
    ));
    lab.env
        .push(("BISRC_TEST_EMPTY_BACKUP_PW".into(), String::new()));
    let r = lab.run(&["plan"]);
    r.code(1)
        .stderr_has("environment variable BISRC_TEST_EMPTY_BACKUP_PW is empty");
}

#[test]
fn the_cluster_validation_report_comes_back_to_the_state_directory() {
    // Issue 9 #8: the Test-Cluster report is kept on the node and a copy is brought back,
    // handed over by the step itself (`$BisrcArtifacts`), and apply names where it is.
    let lab = Lab::shipped();
    let run = lab.converge();
    let report = lab
        .state()
        .join("reports/cluster.LABSQLCL.validation/validation-report.htm");
    run.stderr_has("cluster.LABSQLCL.validation: report kept at ")
        .stderr_has("validation-report.htm");
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.contains("Validation passed (simulated)"), "{page}");
}
