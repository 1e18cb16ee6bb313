//! `bisrc apply [PLAN]`: converge the nodes to the inventory under the environment lock.

use std::path::PathBuf;

use super::plan::{on_ctrl_c, prepare, RunArgs, SelectArgs};
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
    let Some(setup) = prepare(&args.run, ui)? else {
        return Ok(Outcome::Failure);
    };
    let progress = ui.progress();
    let scripts = setup.scripts();
    let ctx = setup.context(&scripts, progress.sender());
    on_ctrl_c(ctx.cancel.clone());
    let auto = args.auto_approve;
    let mut confirm = |plan: &crate::engine::Plan| -> anyhow::Result<bool> {
        if auto {
            Ok(true)
        } else {
            ui.confirm_apply(plan)
        }
    };
    let outcome =
        crate::engine::apply::run(&ctx, &args.select.selection(), saved.as_ref(), &mut confirm);
    drop(ctx);
    progress.finish();
    let outcome = outcome?;
    ui.apply_report(&outcome.plan, outcome.report.as_ref());
    Ok(match &outcome.report {
        Some(r) if !r.ok() => Outcome::Failure,
        _ => Outcome::Success,
    })
}
