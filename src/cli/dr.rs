//! `bisrc dr`: disaster-recovery operations. `promote` is an apply of the DR promotion's
//! resources (shown, confirmed, locked, journaled and resumable like apply), guarded by a
//! probe of the source instances; `rebuild` applies the lost site's resources with log
//! shipping reversed.

use super::plan::{with_engine, with_engine_for, RunArgs};
use super::Outcome;
use crate::engine::plan::Selection;
use crate::engine::setup::Scope;
use crate::ui::Ui;

/// `bisrc dr` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fail BizTalk over to the DR site, as a plan: restore every BizTalk database to the
    /// latest mark, re-point the BizTalk servers of the site at the DR instances, restart
    /// their services and start the Backup BizTalk Server job on the new primary. Refuses
    /// while the source instances answer, unless --force.
    Promote(PromoteArgs),
    /// Check a promoted site: databases online at the restored mark (with the data-loss
    /// window), log shipping stopped, BizTalk pointing at the DR instances, the backup job
    /// running on the new primary.
    Verify(RunArgs),
    /// After a promotion, rebuild the lost site from the inventory: its cluster and
    /// instances, and log shipping the other way (DR → this site), ready for a planned
    /// fail-back. Shown, confirmed, locked and journaled like apply.
    Rebuild(RebuildArgs),
}

/// Arguments of `bisrc dr promote`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Promote even though the source instances answer (split-brain risk: stop BizTalk on
    /// the source site first).
    #[arg(long)]
    force: bool,
    /// Promote without asking for confirmation.
    #[arg(long)]
    auto_approve: bool,
}

/// Arguments of `bisrc dr rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Show the rebuild's plan only.
    #[arg(long)]
    plan: bool,
    /// Rebuild without asking for confirmation.
    #[arg(long)]
    auto_approve: bool,
}

/// Runs `bisrc dr ...`.
pub fn run(cmd: Command, ui: &mut Ui) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Promote(a) => promote(a, ui),
        Command::Verify(a) => verify(a, ui),
        Command::Rebuild(a) => rebuild(a, ui),
    }
}

fn promote(args: PromoteArgs, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let Some(site) = args.run.site.clone() else {
        anyhow::bail!("`bisrc dr promote` needs --site NAME: the DR site to promote");
    };
    // The source instances whose log shipping ends in this site, and their sites. (Read
    // quietly: the runs below validate it and show its diagnostics.)
    let Ok(loaded) = crate::inventory::load(&args.run.inv.inventory) else {
        let _ = super::validate::load_valid(&args.run.inv.inventory, ui);
        return Ok(Outcome::Failure);
    };
    let inv = &loaded.inventory;
    if inv.site(&site).is_none() {
        anyhow::bail!("no site named {site} in the inventory");
    }
    let mut sources: Vec<(String, String)> = Vec::new();
    for ls in &inv.backup.log_shipping {
        let (Some((ssite, _, src)), Some((dsite, _, _))) =
            (inv.instance(&ls.source), inv.instance(&ls.destination))
        else {
            continue;
        };
        if dsite.name.eq_ignore_ascii_case(&site) {
            sources.push((ssite.name.value.clone(), src.name.value.clone()));
        }
    }
    if sources.is_empty() {
        anyhow::bail!(
            "no log shipping ends in site {site}: nothing to promote (backup.log_shipping names the DR instances)"
        );
    }
    // 1. Does the source still answer?
    let mut checks = Vec::new();
    for source_site in sources
        .iter()
        .map(|(s, _)| s.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let mut run = args.run.clone();
        run.site = Some(source_site.clone());
        let instances: Vec<String> = sources
            .iter()
            .filter(|(s, _)| *s == source_site)
            .map(|(_, i)| i.clone())
            .collect();
        let Some(found) = with_engine(&run, ui, |ctx, _, _| {
            crate::engine::dr::source_health(ctx, &instances)
        })?
        else {
            return Ok(Outcome::Failure);
        };
        checks.extend(found);
    }
    let checked: Vec<String> = checks
        .iter()
        .map(|c| {
            let on = if c.host.is_empty() {
                String::new()
            } else {
                format!(" on {}", c.host)
            };
            match (c.answered, &c.reason) {
                (true, _) => format!("{}{on}: answered", c.address),
                (false, Some(r)) => format!("{}{on}: no answer ({r})", c.address),
                (false, None) => format!("{}{on}: no answer", c.address),
            }
        })
        .collect();
    let healthy = checks.iter().any(|c| c.answered);
    if healthy && !args.force {
        anyhow::bail!(
            "refusing to promote site {site}: the source still answers as healthy (checked {}). Promoting now would leave two live copies of the BizTalk group. Stop BizTalk on the source site, or pass --force to promote anyway",
            checked.join("; ")
        );
    }
    if healthy {
        ui.status(&format!(
            "--force: promoting site {site} although the source answers as healthy ({})",
            checked.join("; ")
        ));
    } else {
        ui.status(&format!(
            "The source does not answer ({}); promoting site {site}.",
            checked.join("; ")
        ));
    }
    // 2. The promotion, as an apply of its resources; then its checks.
    match apply_then_verify(&args.run, Scope::Promotion, args.auto_approve, ui)? {
        Some(report) => {
            show_promotion(&report, ui);
            Ok(outcome_of(&report))
        }
        None => Ok(Outcome::Failure),
    }
}

/// A DR operation's resources applied like `bisrc apply` (shown, confirmed, locked,
/// journaled; a fresh run plans from the observed state, so it resumes), then verified.
/// `None` when the apply failed, was declined or the inventory is invalid (already shown).
fn apply_then_verify(
    run: &RunArgs,
    scope: Scope,
    auto: bool,
    ui: &mut Ui,
) -> anyhow::Result<Option<crate::engine::verify::VerifyReport>> {
    let selection = Selection::default();
    let Some((outcome, verified)) = with_engine_for(run, scope, ui, |ctx, _, ui| {
        let mut confirm = |plan: &crate::engine::Plan| -> anyhow::Result<bool> {
            if auto {
                if ui.format == crate::ui::OutputFormat::Human {
                    ui.plan(plan, false);
                    ui.report("");
                }
                Ok(true)
            } else {
                ui.confirm_apply(plan)
            }
        };
        let outcome = crate::engine::apply::run(ctx, &selection, None, &mut confirm)?;
        let applied = match &outcome.report {
            Some(r) => r.ok(),
            None => !outcome.plan.has_changes(),
        };
        let verified = if applied {
            Some(crate::engine::verify::verify(ctx, &selection)?)
        } else {
            None
        };
        Ok((outcome, verified))
    })?
    else {
        return Ok(None);
    };
    ui.apply_report(&outcome.plan, outcome.report.as_ref());
    Ok(verified)
}

fn outcome_of(report: &crate::engine::verify::VerifyReport) -> Outcome {
    if report.ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    }
}

/// The promotion's verify report, then each restored instance's mark and data-loss window
/// (the detail of its `dr-restored-to-mark` check), which a person needs to read even when
/// every check passed.
fn show_promotion(report: &crate::engine::verify::VerifyReport, ui: &mut Ui) {
    ui.verify_report(report);
    if ui.format != crate::ui::OutputFormat::Human {
        return;
    }
    for c in &report.checks {
        if c.name == crate::kind::dr_restore::CHECK_RESTORED {
            ui.report(&format!("{}: {}", c.resource, c.detail));
        }
    }
}

/// Runs `bisrc dr verify`: the promotion's checks on the promoted site.
fn verify(run: RunArgs, ui: &mut Ui) -> anyhow::Result<Outcome> {
    if run.site.is_none() {
        anyhow::bail!("`bisrc dr verify` needs --site NAME: the promoted DR site");
    }
    let Some(report) = with_engine_for(&run, Scope::Promotion, ui, |ctx, _, _| {
        crate::engine::verify::verify(ctx, &Selection::default())
    })?
    else {
        return Ok(Outcome::Failure);
    };
    show_promotion(&report, ui);
    Ok(outcome_of(&report))
}

/// Runs `bisrc dr rebuild`: plan (with `--plan`) or apply, then verify, the lost site's
/// resources with log shipping reversed.
fn rebuild(args: RebuildArgs, ui: &mut Ui) -> anyhow::Result<Outcome> {
    if args.run.site.is_none() {
        anyhow::bail!("`bisrc dr rebuild` needs --site NAME: the lost site to rebuild");
    }
    let selection = Selection::default();
    if args.plan {
        let Some(plan) = with_engine_for(&args.run, Scope::Rebuild, ui, |ctx, _, _| {
            crate::engine::plan::plan(ctx, &selection)
        })?
        else {
            return Ok(Outcome::Failure);
        };
        ui.plan(&plan, false);
        return Ok(if plan.is_incomplete() {
            Outcome::Failure
        } else {
            Outcome::Success
        });
    }
    match apply_then_verify(&args.run, Scope::Rebuild, args.auto_approve, ui)? {
        Some(report) => {
            ui.verify_report(&report);
            Ok(outcome_of(&report))
        }
        None => Ok(Outcome::Failure),
    }
}
