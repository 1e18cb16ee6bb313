//! BizTalk host instances and ENTSSO through SQL failovers (issue 12), on the simulated lab:
//! the timeline of every move follows the documented behaviour (biztalk-ha.md §3: shutdown
//! with Event 5410, auto-restart every minute; ENTSSO offline after about 5 minutes without
//! SSODB), a host instance that does not recover fails its move naming itself, the server
//! and the fix, `--restart-stopped-hosts` recovers it and says so, and SSODB away past SSO's
//! limit shows ENTSSO offline. The same over real sshd is in `cycle.rs` (`over_sshd`).

use bisrc::sim::faults::Fault;
use serde_json::Value;

use crate::cycle::Lab;

/// The timeline entry of `subject` on LABBTS1 in move `m`.
fn entry<'a>(m: &'a Value, subject: &str) -> &'a Value {
    m["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["server"] == "LABBTS1" && t["subject"] == subject)
        .unwrap_or_else(|| panic!("no {subject} in {m}"))
}

fn moves(v: &Value) -> Vec<Value> {
    v["failover"]["moves"].as_array().unwrap().clone()
}

fn is_sql(m: &Value) -> bool {
    m["group"].as_str().unwrap().starts_with("SQL Server")
}

#[test]
fn every_move_has_a_timeline_with_the_documented_timings() {
    let lab = Lab::shipped();
    lab.converge();
    let r = lab.run(&["verify", "--failover", "--format", "json"]);
    r.code(0);
    let v = r.json();
    let moves = moves(&v);
    assert_eq!(moves.len(), 4);
    for m in &moves {
        let hi = entry(m, "BizTalkServerApplication");
        let sso = entry(m, "ENTSSO");
        assert_eq!(hi["before"], "Running", "{m}");
        assert_eq!(hi["after"], "Running", "{m}");
        // A 20 s outage is shorter than SSO's 5 minutes: ENTSSO never notices.
        assert_eq!(sso["recovery"], "unaffected", "{m}");
        if is_sql(m) {
            // The MessageBox moved: 5410 at once, back at the next one-minute restart.
            assert_eq!(hi["during"], "Stopped", "{m}");
            assert_eq!(hi["recovery"], "by_itself", "{m}");
            assert_eq!(hi["back_after_s"], 60, "{m}");
            let ids: Vec<u64> = hi["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_id"].as_u64().unwrap())
                .collect();
            assert_eq!(ids, [5410, 7036], "{m}");
        } else {
            // MSDTC moving leaves the host instances alone.
            assert_eq!(hi["recovery"], "unaffected", "{m}");
            assert!(hi["events"].as_array().unwrap().is_empty(), "{m}");
        }
        let recovered = m["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "host-instances-recovered")
            .expect("a recovery check per move");
        assert_eq!(recovered["ok"], true);
    }
    // The human report reads as a timeline.
    lab.run(&["verify", "--failover"]).code(0).stdout_has(
        "LABBTS1 BizTalkServerApplication: Running → Stopped → Running, back after 60 s by itself [+1 s 5410 Stopped, +61 s 7036 Running]",
    );
}

#[test]
fn a_host_instance_that_does_not_recover_fails_its_move_until_restarted_by_bisrc() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::HostStuck {
        server: "LABBTS1".into(),
        host: "BizTalkServerApplication".into(),
    });
    let r = lab.run(&["verify", "--failover", "--junit", "report.xml"]);
    r.code(1).stdout_has(
        "✗ host-instances-recovered (biztalk.primary.hosts.LABBTS1): host instance(s) BizTalkServerApplication on LABBTS1 did not run again by itself",
    )
    .stdout_has("--restart-stopped-hosts")
    .stdout_has("LABBTS1 BizTalkServerApplication: Running → Stopped → Stopped, NOT running again [+1 s 5410 Stopped]");
    let junit = std::fs::read_to_string(lab.path().join("report.xml")).unwrap();
    assert!(
        junit.contains("BizTalkServerApplication on LABBTS1 did not run again"),
        "{junit}"
    );
    assert!(
        junit.contains("LABBTS1 BizTalkServerApplication: Running → Stopped → Stopped"),
        "{junit}"
    );
    // The stopped instance is also what plain verify and plan see.
    lab.run(&["verify"])
        .code(1)
        .stdout_has("✗ host-instances-running: automatic host instance(s) BizTalkServerApplication stopped on LABBTS1");
    lab.run(&["plan"])
        .code(0)
        .stdout_has("biztalk.primary.hosts.LABBTS1")
        .stdout_has("stopped_automatic: [\"BizTalkServerApplication\"] → []");
    // Apply starts it.
    lab.converge();
    lab.run(&["verify"]).code(0);

    // Stuck again, and this time bisrc starts it after the move and says so.
    lab.fault(Fault::HostStuck {
        server: "LABBTS1".into(),
        host: "BizTalkServerApplication".into(),
    });
    let r = lab.run(&[
        "verify",
        "--failover",
        "--restart-stopped-hosts",
        "--format",
        "json",
    ]);
    let v = r.json();
    let sql: Vec<Value> = moves(&v).into_iter().filter(is_sql).collect();
    let first = entry(&sql[0], "BizTalkServerApplication");
    assert_eq!(first["during"], "Stopped", "{first}");
    assert_eq!(first["recovery"], "restarted_by_bisrc", "{first}");
    let checks = sql[0]["checks"].as_array().unwrap();
    let c = checks
        .iter()
        .find(|c| c["name"] == "host-instances-recovered")
        .unwrap();
    assert_eq!(c["ok"], true, "{c}");
    assert!(c["detail"]
        .as_str()
        .unwrap()
        .contains("were started by bisrc (--restart-stopped-hosts)"));
    lab.run(&["verify"]).code(0);
}

#[test]
fn ssodb_away_past_sso_limit_takes_entsso_offline_and_the_check_names_it() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::SsodbAway { seconds: 360 });
    let r = lab.run(&["verify", "--failover", "--format", "json"]);
    r.code(1);
    let v = r.json();
    let sql: Vec<Value> = moves(&v).into_iter().filter(is_sql).collect();
    let sso = entry(&sql[0], "ENTSSO");
    assert_eq!(sso["during"], "Offline", "{sso}");
    assert_eq!(sso["after"], "Offline", "{sso}");
    assert_eq!(sso["recovery"], "not_recovered", "{sso}");
    // Event 10590 five minutes (300 s) after SSODB went away at +1 s.
    assert_eq!(sso["events"][0]["event_id"], 10590);
    assert_eq!(sso["events"][0]["t_s"], 301);
    // The host instance came back by itself at the first restart after SQL returned.
    let hi = entry(&sql[0], "BizTalkServerApplication");
    assert_eq!(hi["back_after_s"], 360, "{hi}");
    let c = sql[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "entsso-running")
        .unwrap()
        .clone();
    assert_eq!(c["ok"], false);
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("ENTSSO is Offline on LABBTS1 after the move (Event 10590"),
        "{c}"
    );
    lab.run(&["verify"])
        .code(1)
        .stdout_has("✗ entsso-running: ENTSSO is Offline on LABBTS1");
    // Plan sees it, and --restart-stopped-hosts restarts it after the first move.
    lab.run(&["plan"])
        .code(0)
        .stdout_has("stopped_automatic: [\"ENTSSO\"] → []");
    lab.run(&["verify", "--failover", "--restart-stopped-hosts"])
        .stdout_has(
            "LABBTS1 ENTSSO: Offline → Offline → Running, stayed stopped; started by bisrc",
        );
    lab.run(&["verify"]).code(0);
}

#[test]
fn entsso_stopped_on_a_biztalk_server_is_named_planned_and_started_by_apply() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::ServiceStop {
        node: "LABBTS1".into(),
        service: "ENTSSO".into(),
    });
    lab.run(&["verify"])
        .code(1)
        .stdout_has("✗ entsso-running: ENTSSO is Stopped on LABBTS1");
    lab.run(&["plan"])
        .code(0)
        .stdout_has("stopped_automatic: [\"ENTSSO\"] → []");
    lab.converge();
    lab.run(&["verify"]).code(0);
    lab.run(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn host_instances_recycle_while_their_database_is_offline_and_come_back_with_it() {
    let lab = Lab::shipped();
    lab.converge();
    lab.fault(Fault::DiskOffline("SQLData".into()));
    lab.run(&["verify"]).code(1).stdout_has(
        "✗ host-instances-running: automatic host instance(s) BizTalkServerApplication stopped on LABBTS1: their MessageBox or Management database does not answer (Event 6913)",
    );
    lab.fault(Fault::DiskOnline("SQLData".into()));
    lab.run(&["verify"]).code(0);
}
