//! The verify view: checks grouped by resource with ✓/✗ and the details of failures, the
//! failover rehearsal (each move, its duration, where the roles run now), or the JSON report.

use std::io::Write;

use super::style::mark;
use super::OutputFormat;
use crate::engine::host_watch::{HostTimeline, Recovery};
use crate::engine::VerifyReport;

use super::Ui;

/// The human text of a verify report.
pub fn render_human(r: &VerifyReport, color: bool) -> String {
    let mark = |ok: bool| mark(color, ok);
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for c in &r.checks {
        if last != Some(c.resource.as_str()) {
            out.push_str(&format!(
                "{} ({})\n",
                c.resource,
                c.host.as_deref().unwrap_or("no host reachable")
            ));
            last = Some(&c.resource);
        }
        out.push_str(&format!("  {} {}", mark(c.ok), c.name));
        if !c.ok {
            out.push_str(&format!(": {}", c.detail));
        }
        out.push('\n');
    }
    if let Some(fo) = &r.failover {
        out.push_str("\nFailover rehearsal:\n");
        for m in &fo.moves {
            let failed: Vec<String> = m
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{} ({}): {}", c.name, c.resource, c.detail))
                .collect();
            let ok = m.ok && failed.is_empty();
            // A move that could not be attempted did not fail: it is shown as skipped, with
            // the reason below.
            let (sign, took) = if m.skipped {
                ("-".to_string(), "skipped".to_string())
            } else {
                (mark(ok), format!("{:.1} s", m.duration_ms as f64 / 1000.0))
            };
            out.push_str(&format!(
                "  {sign} {}: {} → {}  ({took})\n",
                m.group,
                m.from.as_deref().unwrap_or("?"),
                m.to,
            ));
            if !m.ok {
                out.push_str(&format!("      {}\n", m.detail));
            }
            for f in failed {
                out.push_str(&format!("      ✗ {f}\n"));
            }
            for t in &m.hosts {
                out.push_str(&format!("      {}\n", timeline_line(t)));
            }
        }
        out.push_str("Roles now:\n");
        for g in &fo.final_owners {
            out.push_str(&format!(
                "  {} / {} on {} ({})\n",
                g.cluster, g.group, g.owner, g.state
            ));
        }
    }
    out.push_str(&summary_line(r));
    out
}

/// One host instance (or ENTSSO) through a move, as an operator reads it:
/// `LABBTS1 BizTalkServerApplication: Running → Stopped → Running, back after 60 s by itself
/// [+1 s 5410 Stopped, +61 s 7036 Running]`.
pub fn timeline_line(t: &HostTimeline) -> String {
    let how = match t.recovery {
        Recovery::Unaffected => "unaffected".to_string(),
        Recovery::ByItself => match t.back_after_s {
            Some(s) => format!("back after {s} s by itself"),
            None => "back by itself".to_string(),
        },
        Recovery::RestartedByBisrc => {
            "stayed stopped; started by bisrc (--restart-stopped-hosts)".into()
        }
        Recovery::NotRecovered => "NOT running again".into(),
    };
    let mut line = format!(
        "{} {}: {} → {} → {}, {how}",
        t.server, t.subject, t.before, t.during, t.after
    );
    if !t.events.is_empty() {
        let evs: Vec<String> = t
            .events
            .iter()
            .map(|e| format!("+{} s {} {}", e.t_s, e.event_id, e.state))
            .collect();
        line.push_str(&format!(" [{}]", evs.join(", ")));
    }
    line
}

/// The closing line. Its counts are those of what the report lists: the checks above, then
/// the moves (attempted and skipped) and the checks run after them (only their failures are
/// listed, so their count is given separately).
fn summary_line(r: &VerifyReport) -> String {
    let passed = r.checks.iter().filter(|c| c.ok).count();
    let failed = r.checks.len() - passed;
    let mut line = format!("\nVerify: {passed} passed, {failed} failed");
    if let Some(f) = &r.failover {
        let attempted: Vec<_> = f.moves.iter().filter(|m| !m.skipped).collect();
        let ok = attempted
            .iter()
            .filter(|m| m.ok && m.checks.iter().all(|c| c.ok))
            .count();
        line.push_str(&format!(
            "; failover: {ok} of {} moves succeeded",
            attempted.len()
        ));
        let skipped = f.moves.len() - attempted.len();
        if skipped > 0 {
            line.push_str(&format!(", {skipped} skipped"));
        }
        let after: Vec<_> = f.moves.iter().flat_map(|m| m.checks.iter()).collect();
        if !after.is_empty() {
            let bad = after.iter().filter(|c| !c.ok).count();
            line.push_str(&format!(
                " ({} checks after the moves: {} passed, {bad} failed)",
                after.len(),
                after.len() - bad
            ));
        }
    }
    line.push_str(".\n");
    line
}

impl Ui {
    /// Shows a verify report on stdout.
    pub fn verify_report(&mut self, r: &VerifyReport) {
        let mut o = self.out();
        match self.format {
            OutputFormat::Human => {
                let _ = o.write_all(render_human(r, self.color).as_bytes());
            }
            OutputFormat::Json => {
                let _ = writeln!(o, "{}", serde_json::to_string_pretty(r).unwrap_or_default());
            }
        }
    }
}
