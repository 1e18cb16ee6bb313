//! The report of a DR operation (`bisrc dr promote`, `bisrc dr rebuild`): what was checked
//! on the source, the apply of the operation's resources, the checks after it and each
//! restored instance's data-loss window. One JSON document in JSON mode.

use std::io::Write;

use super::{OutputFormat, Ui};
use crate::engine::apply::ApplyReport;
use crate::engine::dr::SourceCheck;
use crate::engine::verify::VerifyReport;
use crate::engine::Plan;

/// What a DR operation did.
pub struct DrRun<'a> {
    /// The source instances probed before a promotion (empty for a rebuild).
    pub source: &'a [SourceCheck],
    /// `--force` overrode a healthy source.
    pub forced: bool,
    /// The operation's plan.
    pub plan: &'a Plan,
    /// Its apply (`None` when declined).
    pub report: Option<&'a ApplyReport>,
    /// The checks after a successful apply.
    pub verify: Option<&'a VerifyReport>,
}

impl Ui {
    /// Shows a DR operation's report: the apply report, then the checks and each restored
    /// instance's mark and data-loss window (the detail of its `dr-restored-to-mark` check,
    /// which a person needs to read even when every check passed).
    pub fn dr_report(&mut self, run: &DrRun) {
        if self.format == OutputFormat::Json {
            let doc = serde_json::json!({
                "source_checks": run.source,
                "forced": run.forced,
                "plan": run.plan,
                "report": run.report,
                "verify": run.verify,
            });
            let _ = writeln!(
                self.out(),
                "{}",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            );
            return;
        }
        self.apply_report(run.plan, run.report);
        if let Some(v) = run.verify {
            self.promotion_checks(v);
        }
    }

    /// The checks of a promoted site, then each restored instance's mark and data-loss window.
    pub fn promotion_checks(&mut self, report: &VerifyReport) {
        self.verify_report(report);
        if self.format != OutputFormat::Human {
            return;
        }
        for c in &report.checks {
            if c.name == crate::kind::dr_restore::CHECK_RESTORED {
                self.report(&format!("{}: {}", c.resource, c.detail));
            }
        }
    }
}
