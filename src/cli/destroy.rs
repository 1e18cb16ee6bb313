//! `bisrc destroy [PLAN]`: remove what the inventory describes, in reverse dependency order,
//! under the environment lock. An environment not marked `environment_kind: test` is refused
//! unless its name is typed back (`--force-name NAME`, or at the prompt).

use std::path::PathBuf;

use super::plan::{with_engine, RunArgs};
use super::Outcome;
use crate::engine::destroy::{DestroyPlan, DestroyPlanFile};
use crate::inventory::EnvironmentKind;
use crate::ui::Ui;

/// Arguments of `bisrc destroy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    /// Only resources whose address matches this glob (and everything that depends on
    /// them). Repeatable.
    #[arg(long, value_name = "GLOB")]
    target: Vec<String>,
    /// A destroy plan file from `bisrc destroy -o`: carry out exactly it, refusing it if stale.
    #[arg(value_name = "PLAN", conflicts_with_all = ["out", "target"])]
    plan: Option<PathBuf>,
    /// Write the destroy plan to FILE and stop (for `bisrc destroy FILE`).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// Remove without asking for confirmation.
    #[arg(long)]
    auto_approve: bool,
    /// The environment's name, typed back: needed to destroy an environment not marked
    /// `environment_kind: test`.
    #[arg(long, value_name = "NAME")]
    force_name: Option<String>,
}

/// Runs `bisrc destroy`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let saved = args
        .plan
        .as_deref()
        .map(DestroyPlanFile::read)
        .transpose()?;
    let targets = args.target.clone();
    let auto = args.auto_approve;
    let out = args.out.clone();
    let force_name = args.force_name.clone();
    let mut resume = format!("bisrc destroy -i {}", args.run.inv.inventory.display());
    if let Some(site) = &args.run.site {
        resume.push_str(&format!(" --site {site}"));
    }
    let result = with_engine(&args.run, ui, |ctx, setup, ui| {
        // Ctrl-C as in apply: before any step, stop at once; during steps, let them finish.
        super::apply::on_ctrl_c(ctx, resume);
        // May this environment be destroyed at all? Asked before anything is probed.
        if ctx.inventory.environment_kind != EnvironmentKind::Test {
            let name = ctx.inventory.environment.as_str();
            let allowed = match &force_name {
                Some(n) if n == name => true,
                Some(n) => anyhow::bail!(
                    "--force-name {n} does not match the environment's name ({name}); nothing was destroyed"
                ),
                None => ui.confirm_environment_name(name)?,
            };
            if !allowed {
                anyhow::bail!("the name typed back does not match {name}; nothing was destroyed");
            }
        }
        if let Some(path) = &out {
            let plan = crate::engine::destroy::plan(ctx, &targets)?;
            DestroyPlanFile::new(
                plan.clone(),
                ctx.inventory_hash.clone(),
                setup.renderer.fingerprint(),
            )
            .write(path)?;
            return Ok(Err(plan));
        }
        let mut confirm = |plan: &DestroyPlan| -> anyhow::Result<bool> {
            if auto {
                if ui.format == crate::ui::OutputFormat::Human {
                    ui.destroy_plan(plan);
                    ui.report("");
                }
                Ok(true)
            } else {
                ui.confirm_destroy(plan)
            }
        };
        crate::engine::destroy::run(ctx, &targets, saved.as_ref(), &mut confirm).map(Ok)
    })?;
    let Some(result) = result else {
        return Ok(Outcome::Failure);
    };
    let outcome = match result {
        Err(plan) => {
            ui.destroy_plan(&plan);
            let path = out.as_deref().unwrap_or(std::path::Path::new(""));
            if plan.is_incomplete() {
                ui.error(&anyhow::anyhow!(
                    "destroy plan incomplete: {} resources could not be probed",
                    plan.count(crate::engine::destroy::DestroyAction::Unknown)
                ));
                return Ok(Outcome::Failure);
            }
            ui.status(&format!(
                "Saved the destroy plan to {}; carry it out with `bisrc destroy -i {} {}`.",
                path.display(),
                args.run.inv.inventory.display(),
                path.display()
            ));
            return Ok(Outcome::Success);
        }
        Ok(o) => o,
    };
    ui.destroy_report(&outcome.plan, outcome.report.as_ref());
    Ok(match &outcome.report {
        Some(r) if !r.ok() => Outcome::Failure,
        None if outcome.plan.has_changes() => Outcome::Failure,
        _ => Outcome::Success,
    })
}
