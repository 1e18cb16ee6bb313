//! `bisrc apply [PLAN]`: converge the nodes to the inventory under the environment lock.

use std::path::PathBuf;

use super::plan::{on_ctrl_c, with_engine, RunArgs, SelectArgs};
use super::Outcome;
use crate::engine::planfile::PlanFile;
use crate::ui::Ui;

/// Arguments of `bisrc apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    select: SelectArgs,
    /// A plan file from `bisrc plan -o`: apply exactly it, refusing it if stale.
    #[arg(value_name = "PLAN")]
    plan: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long)]
    auto_approve: bool,
}

/// Runs `bisrc apply`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let saved = args.plan.as_deref().map(PlanFile::read).transpose()?;
    let selection = args.select.selection();
    let auto = args.auto_approve;
    let Some(outcome) = with_engine(&args.run, ui, |ctx, _, ui| {
        on_ctrl_c(ctx.cancel.clone());
        let mut confirm = |plan: &crate::engine::Plan| -> anyhow::Result<bool> {
            if auto {
                Ok(true)
            } else {
                ui.confirm_apply(plan)
            }
        };
        crate::engine::apply::run(ctx, &selection, saved.as_ref(), &mut confirm)
    })?
    else {
        return Ok(Outcome::Failure);
    };
    ui.apply_report(&outcome.plan, outcome.report.as_ref());
    Ok(match &outcome.report {
        Some(r) if !r.ok() => Outcome::Failure,
        _ => Outcome::Success,
    })
}
