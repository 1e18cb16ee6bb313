//! The destroy view: the destroy plan (what goes, what goes with its parent, what stays),
//! the confirmation prompts (the usual `yes`, and the environment's name typed back for an
//! environment not marked `environment_kind: test`), and the report.

use std::io::{BufRead, IsTerminal, Write};

use super::style::{paint, Style};
use super::{OutputFormat, Ui};
use crate::engine::apply::StepStatus;
use crate::engine::destroy::{DestroyAction, DestroyPlan, DestroyReport};

fn style(a: DestroyAction) -> Style {
    match a {
        DestroyAction::Destroy => Style::Removed,
        DestroyAction::Absent | DestroyAction::Kept => Style::NoOp,
        DestroyAction::WithParent => Style::Update,
        DestroyAction::Unknown => Style::Unknown,
    }
}

impl Ui {
    /// Shows a destroy plan (JSON: the plan document).
    pub fn destroy_plan(&mut self, plan: &DestroyPlan) {
        let mut o = self.out();
        if self.format == OutputFormat::Json {
            let _ = writeln!(
                o,
                "{}",
                serde_json::to_string_pretty(plan).unwrap_or_default()
            );
            return;
        }
        let c = self.color;
        let _ = writeln!(
            o,
            "Destroy plan for {} ({}), in removal order:",
            plan.environment, plan.environment_kind
        );
        for ch in &plan.changes {
            let line = format!(
                "  {} {} ({}) on {}",
                ch.action.symbol(),
                ch.address,
                ch.action.as_str(),
                ch.runs_on
            );
            let _ = write!(o, "{}", paint(c, style(ch.action), &line));
            match &ch.reason {
                Some(r) => {
                    let _ = writeln!(o, ": {}", r.lines().last().unwrap_or(""));
                }
                None => {
                    let _ = writeln!(o);
                }
            }
        }
        for (host, why) in &plan.unreachable {
            let _ = writeln!(o, "  ! {host} is unreachable: {why}");
        }
        let _ = writeln!(
            o,
            "\nDestroy: {} to remove, {} removed with their parent, {} kept, {} absent, {} unknown.",
            plan.count(DestroyAction::Destroy),
            plan.count(DestroyAction::WithParent),
            plan.count(DestroyAction::Kept),
            plan.count(DestroyAction::Absent),
            plan.count(DestroyAction::Unknown)
        );
        if !plan.has_changes() {
            let _ = writeln!(o, "Nothing to destroy: every selected resource is gone.");
        }
    }

    /// Asks to type `yes` before removing (a terminal is needed).
    pub fn confirm_destroy(&mut self, plan: &DestroyPlan) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "destroy needs confirmation but standard input is not a terminal; review the plan \
                 and pass --auto-approve (or carry out a saved destroy plan file)"
            );
        }
        self.destroy_plan(plan);
        Ok(self.ask("\nDestroy these resources? Only 'yes' is accepted: ")? == "yes")
    }

    /// Asks for the environment's name typed back (an environment not marked disposable).
    pub fn confirm_environment_name(&mut self, environment: &str) -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "{environment} is not marked `environment_kind: test`; destroying it needs its name \
                 typed back, and standard input is not a terminal: pass --force-name {environment} \
                 to destroy it anyway"
            );
        }
        let answer = self.ask(&format!(
            "{environment} is not marked `environment_kind: test` (a production environment). \
             Type its name to destroy it anyway: "
        ))?;
        Ok(answer == environment)
    }

    fn ask(&mut self, prompt: &str) -> anyhow::Result<String> {
        {
            let mut err = self.err();
            let _ = write!(err, "{prompt}");
            let _ = err.flush();
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim().to_string())
    }

    /// Shows the destroy report.
    pub fn destroy_report(&mut self, plan: &DestroyPlan, report: Option<&DestroyReport>) {
        let mut o = self.out();
        if self.format == OutputFormat::Json {
            super::apply::write_plan_and_report(&mut *o, plan, report);
            return;
        }
        let Some(r) = report else {
            let _ = writeln!(
                o,
                "{}",
                if plan.has_changes() {
                    "Destroy cancelled."
                } else {
                    "Nothing to destroy: every selected resource is gone."
                }
            );
            return;
        };
        let s = &r.summary;
        let head = super::apply::run_head("Destroy", r.ok(), r.interrupted, s);
        let _ = writeln!(
            o,
            "{head}: {} removed, {} failed, {} never ran, {} without a step of their own.",
            s.succeeded, s.failed, s.never_ran, s.unchanged
        );
        for st in &r.steps {
            let on = st
                .host
                .as_deref()
                .map(|h| format!(" on {h}"))
                .unwrap_or_default();
            let (mark, ok) = match st.status {
                StepStatus::Succeeded => ("✓", Style::Ok),
                StepStatus::Failed => ("✗", Style::Failed),
                StepStatus::NeverRan => ("-", Style::NoOp),
            };
            let _ = writeln!(o, "  {} {}{on}", paint(self.color, ok, mark), st.address);
            for l in st.detail.as_deref().unwrap_or("").lines() {
                let _ = writeln!(o, "      {l}");
            }
        }
        if !r.ok() {
            let _ = writeln!(o);
            if s.never_ran > 0 {
                let _ = writeln!(
                    o,
                    "Work remains: {} step{} never ran.",
                    s.never_ran,
                    if s.never_ran == 1 { "" } else { "s" }
                );
            }
            let _ = writeln!(
                o,
                "Fix the cause and run `bisrc destroy` again: it resumes from the observed state."
            );
        }
        let _ = writeln!(o, "Journal: {}", r.journal);
    }
}
