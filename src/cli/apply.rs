//! `bisrc apply [PLAN]`: converge the nodes to the inventory under the environment lock.

use std::path::PathBuf;

use std::sync::atomic::Ordering;

use super::plan::{with_engine, RunArgs, SelectArgs};
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
    let resume = resume_command(&args);
    let Some(outcome) = with_engine(&args.run, ui, |ctx, _, ui| {
        on_ctrl_c(ctx, resume);
        let mut confirm = |plan: &crate::engine::Plan| -> anyhow::Result<bool> {
            if auto {
                // Show what is applied, as Terraform does; JSON has the plan in its report.
                if ui.format == crate::ui::OutputFormat::Human {
                    ui.plan(plan, false);
                    ui.report("");
                }
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
        // Changes were pending and not applied: the answer was no.
        None if outcome.plan.has_changes() => Outcome::Failure,
        _ => Outcome::Success,
    })
}

/// The command that resumes this apply: a fresh `bisrc apply` plans from the nodes' real
/// state, so it redoes only what is left.
fn resume_command(args: &Args) -> String {
    let mut cmd = format!("bisrc apply -i {}", args.run.inv.inventory.display());
    if let Some(site) = &args.run.site {
        cmd.push_str(&format!(" --site {site}"));
    }
    cmd
}

/// Ctrl-C during apply. Before any step has started (probing, planning, the prompt) nothing
/// has changed: stop at once, releasing the lock. Once steps run, the first Ctrl-C starts no
/// new step and says which running steps it waits for; the second stops at once, says what
/// was left unfinished, releases the lock and says how to resume.
pub(super) fn on_ctrl_c(ctx: &crate::engine::Context<'_>, resume: String) {
    let cancel = ctx.cancel.clone();
    let progress = ctx.apply_progress.clone();
    let releaser = ctx.lock_releaser.clone();
    let _ = ctrlc::set_handler(move || {
        let p = progress.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let second = cancel.swap(true, Ordering::SeqCst);
        if p.total > 0 && !second {
            eprintln!("{}", crate::ui::apply::interrupt_waiting(&p));
            return;
        }
        let lock = releaser.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let released = lock.as_ref().map(|r| (r.info.id.clone(), r.release()));
        eprintln!(
            "{}",
            crate::ui::apply::interrupt_stopped(&p, released.as_ref(), &resume)
        );
        std::process::exit(130);
    });
}
