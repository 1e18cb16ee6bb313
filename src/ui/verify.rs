//! The verify view: checks grouped by resource with ✓/✗ and the details of failures, the
//! failover rehearsal (each move, its duration, where the roles run now), or the JSON report.

use std::io::Write;

use super::style::mark;
use super::OutputFormat;
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
            out.push_str(&format!(
                "  {} {}: {} → {}  {:.1} s{}\n",
                mark(ok),
                m.group,
                m.from.as_deref().unwrap_or("?"),
                m.to,
                m.duration_ms as f64 / 1000.0,
                if m.skipped { "  (skipped)" } else { "" }
            ));
            if !m.ok {
                out.push_str(&format!("      {}\n", m.detail));
            }
            for f in failed {
                out.push_str(&format!("      ✗ {f}\n"));
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
    let moves = r.failover.as_ref().map(|f| {
        let ok = f.moves.iter().filter(|m| m.ok).count();
        format!(", {ok} of {} moves succeeded", f.moves.len())
    });
    out.push_str(&format!(
        "\nVerify: {} passed, {} failed{}.\n",
        r.summary.passed,
        r.summary.failed,
        moves.unwrap_or_default()
    ));
    out
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
