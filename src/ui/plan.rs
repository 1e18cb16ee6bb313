//! The plan view: a [`Plan`] as Terraform-like text (`+ create`, `~ update`, `! blocked`,
//! `? unknown`; no-ops hidden unless asked) with `key: observed → desired` lines, the
//! unified diff of each apply script since it last ran, the no-op resources whose script
//! changed anyway, the unmanaged objects found, and a one-line summary, or as JSON (the plan value itself, with its `format_version`). Text is
//! built from the same value the JSON shows, so the two cannot disagree.

use std::io::Write;

use super::style::{paint, Style};
use super::OutputFormat;
use crate::engine::diff::Action;
use crate::engine::Plan;

use super::Ui;

fn style_of(a: Action) -> Style {
    match a {
        Action::Create => Style::Create,
        Action::Update => Style::Update,
        Action::NoOp => Style::NoOp,
        Action::Blocked => Style::Blocked,
        Action::Unknown => Style::Unknown,
    }
}

/// A unified diff indented under a change; `+` lines green and `-` lines red in colour.
fn indent_diff(diff: &str, color: bool) -> String {
    let mut out = String::new();
    for l in diff.lines() {
        let style = match l.as_bytes().first() {
            _ if l.starts_with("+++") || l.starts_with("---") => Some(Style::Strong),
            Some(b'+') => Some(Style::Create),
            Some(b'-') => Some(Style::Removed),
            Some(b'@') => Some(Style::Hunk),
            _ => None,
        };
        let l = match style {
            Some(s) => paint(color, s, l),
            None => l.to_string(),
        };
        out.push_str(&format!("      {l}\n"));
    }
    out
}

/// `12 to create, 3 to update, 0 blocked, 0 unknown`.
pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "Plan: {} to create, {} to update, {} blocked, {} unknown.",
        s.create, s.update, s.blocked, s.unknown
    )
}

/// The human text of a plan.
pub fn render_human(plan: &Plan, color: bool, show_noop: bool) -> String {
    let mut out = String::new();
    if plan.has_changes() {
        out.push_str("bisrc will perform these actions (bisrc never deletes):\n\n");
    }
    for c in &plan.changes {
        if c.action == Action::NoOp && !show_noop {
            continue;
        }
        let head = format!("{} {}", c.action.symbol(), c.action.as_str());
        out.push_str(&format!(
            "  {} {}  ({})\n",
            paint(color, style_of(c.action), &format!("{head:<10}")),
            paint(color, Style::Strong, &c.address),
            match &c.probed_on {
                Some(h) if c.runs_on != *h => format!("on {}, probed on {h}", c.runs_on),
                _ => format!("on {}", c.runs_on),
            }
        ));
        for a in &c.attributes {
            out.push_str(&format!(
                "      {}: {} → {}\n",
                a.key, a.observed, a.desired
            ));
        }
        if let Some(d) = &c.script_diff {
            out.push_str(&indent_diff(d, color));
        }
        // Why a resource is unknown is said once per host, under "Plan incomplete".
        if let (Some(r), false) = (
            &c.reason,
            c.action == Action::Unknown && c.known_after.is_none(),
        ) {
            out.push_str(&format!("      why: {r}\n"));
        }
    }
    if plan.has_changes() {
        out.push('\n');
    } else {
        out.push_str("No changes. The environment matches the inventory.\n");
    }
    if !plan.scripts_changed.is_empty() {
        if !plan.has_changes() {
            out.push('\n');
        }
        out.push_str("Scripts changed since the last apply (no state change):\n");
        for a in &plan.scripts_changed {
            out.push_str(&format!("  {a}\n"));
        }
        out.push('\n');
    }
    if !plan.unmanaged.is_empty() {
        if !plan.has_changes() && plan.scripts_changed.is_empty() {
            out.push('\n');
        }
        out.push_str("Unmanaged (bisrc never deletes; remove by hand if intended):\n");
        for u in &plan.unmanaged {
            out.push_str(&format!("  {}\n", u.describe()));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(plan));
    out.push('\n');
    if plan.is_incomplete() {
        out.push_str(&incomplete_text(plan, color));
    }
    out
}

/// "Plan incomplete" and its reasons, each host once.
pub fn incomplete_text(plan: &Plan, color: bool) -> String {
    let mut out = format!(
        "\n{} {} of {} resources could not be probed; the plan does not know them:\n",
        paint(color, Style::Failed, "Plan incomplete:"),
        plan.incomplete().iter().map(|i| i.resources).sum::<usize>(),
        plan.changes.len()
    );
    for i in plan.incomplete() {
        out.push_str(&match i.resources {
            0 => format!("  {}:\n", i.host),
            1 => format!("  {} (1 resource):\n", i.host),
            n => format!("  {} ({n} resources):\n", i.host),
        });
        for (reason, n) in &i.reasons {
            let count = if i.reasons.len() > 1 && *n > 0 {
                format!(" ({n})")
            } else {
                String::new()
            };
            out.push_str(&format!("    {reason}{count}\n"));
        }
    }
    out
}

impl Ui {
    /// Shows a plan on stdout (human text or JSON).
    pub fn plan(&mut self, plan: &Plan, show_noop: bool) {
        let mut o = self.out();
        match self.format {
            OutputFormat::Human => {
                let _ = o.write_all(render_human(plan, self.color, show_noop).as_bytes());
            }
            OutputFormat::Json => {
                let _ = writeln!(
                    o,
                    "{}",
                    serde_json::to_string_pretty(plan).unwrap_or_default()
                );
            }
        }
    }
}
