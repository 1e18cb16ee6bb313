//! JUnit XML of a verify report (quick-junit): one test suite per host, one test case per
//! check, suites and cases sorted so the XML is byte-for-byte stable between runs. Failover
//! moves form a suite of their own. It takes a report; it produces XML text; no I/O.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::engine::verify::{CheckResult, VerifyReport};

fn case(c: &CheckResult) -> TestCase {
    let status = if c.ok {
        TestCaseStatus::success()
    } else {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        s.set_message(c.detail.clone());
        s.set_type("check failed");
        s
    };
    let mut tc = TestCase::new(format!("{} {}", c.resource, c.name), status);
    tc.set_classname(c.resource.clone());
    if c.ok {
        tc.set_system_out(c.detail.clone());
    }
    tc
}

/// The XML.
pub fn to_junit(report: &VerifyReport) -> anyhow::Result<String> {
    let mut by_host: std::collections::BTreeMap<String, Vec<&CheckResult>> = Default::default();
    for c in &report.checks {
        let key = c.host.clone().unwrap_or_else(|| "unreachable".into());
        by_host.entry(key).or_default().push(c);
    }
    let mut r = Report::new(format!("bisrc verify {}", report.environment));
    for (host, mut checks) in by_host {
        checks.sort_by(|a, b| (&a.resource, &a.name).cmp(&(&b.resource, &b.name)));
        let mut s = TestSuite::new(host);
        s.add_test_cases(checks.into_iter().map(case));
        r.add_test_suite(s);
    }
    if let Some(fo) = &report.failover {
        let mut s = TestSuite::new("failover");
        for (i, m) in fo.moves.iter().enumerate() {
            let status = if m.ok && m.checks.iter().all(|c| c.ok) {
                TestCaseStatus::success()
            } else if m.skipped {
                let mut st = TestCaseStatus::skipped();
                st.set_message(m.detail.clone());
                st
            } else {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let failed: Vec<String> = m
                    .checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect();
                st.set_message(if failed.is_empty() {
                    m.detail.clone()
                } else {
                    format!("{}; {}", m.detail, failed.join("; "))
                });
                st
            };
            // The move number keeps repeated moves of one group distinct and in order.
            let mut tc =
                TestCase::new(format!("{:02} move {} to {}", i + 1, m.group, m.to), status);
            tc.set_classname(format!("{}.{}", m.cluster, m.group));
            // The BizTalk side of the move, one line per host instance and ENTSSO.
            if !m.hosts.is_empty() {
                let lines: Vec<String> = m.hosts.iter().map(super::verify::timeline_line).collect();
                tc.set_system_out(lines.join("\n"));
            }
            s.add_test_case(tc);
        }
        r.add_test_suite(s);
    }
    Ok(r.to_string()?)
}
