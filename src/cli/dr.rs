//! `bisrc dr`: disaster-recovery operations. `promote` is an apply of the DR promotion's
//! resources (shown, confirmed, locked, journaled and resumable like apply), guarded by a
//! probe of the source instances; `rebuild` applies the lost site's resources with log
//! shipping reversed.

use super::plan::{with_engine, with_engine_for, RunArgs};
use super::Outcome;
use crate::engine::plan::Selection;
use crate::engine::setup::Scope;
use crate::ui::dr::DrRun;
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
    // Validated once here (its warnings shown once); the runs below load it quietly.
    let Some(loaded) = super::validate::load_valid(&args.run.inv.inventory, ui) else {
        return Ok(Outcome::Failure);
    };
    let mut run = args.run.clone();
    run.validated = true;
    let inv = &loaded.inventory;
    if inv.site(&site).is_none() {
        anyhow::bail!("no site named {site} in the inventory");
    }
    // The source instances whose log shipping ends in this site, and their sites.
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
    // 0. The promotion must be able to move the SSO master secret server (review3 F11).
    if let Some(why) = crate::topology::sso_copy_missing(inv, &site) {
        anyhow::bail!("refusing to promote site {site}: {why}");
    }
    // 1. Does the source still answer?
    let mut checks = Vec::new();
    for source_site in sources
        .iter()
        .map(|(s, _)| s.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let mut source_run = run.clone();
        source_run.site = Some(source_site.clone());
        let instances: Vec<String> = sources
            .iter()
            .filter(|(s, _)| *s == source_site)
            .map(|(_, i)| i.clone())
            .collect();
        let Some(found) = with_engine(&source_run, ui, |ctx, _, _| {
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
    let Some(done) = apply_then_verify(&run, Scope::Promotion, args.auto_approve, ui)? else {
        return Ok(Outcome::Failure);
    };
    // The databases are restored and BizTalk points at them: from now on plan, apply and
    // verify treat the site as the primary (recorded even if a check below failed).
    if done.verify.is_some() {
        crate::engine::dr_role::record_promoted(&loaded.state(), &inv.environment.value, &site)?;
    }
    ui.dr_report(&DrRun {
        source: &checks,
        forced: healthy,
        plan: &done.plan,
        report: done.report.as_ref(),
        verify: done.verify.as_ref(),
    });
    Ok(done.outcome())
}

/// What [`apply_then_verify`] did.
struct Done {
    plan: crate::engine::Plan,
    report: Option<crate::engine::apply::ApplyReport>,
    /// The checks, when the apply succeeded (or had nothing to do).
    verify: Option<crate::engine::verify::VerifyReport>,
}

impl Done {
    fn outcome(&self) -> Outcome {
        match &self.verify {
            Some(v) if v.ok() => Outcome::Success,
            _ => Outcome::Failure,
        }
    }
}

/// A DR operation's resources applied like `bisrc apply` (shown, confirmed, locked,
/// journaled; a fresh run plans from the observed state, so it resumes), then verified when
/// the apply succeeded. `None` when the inventory is invalid (already shown).
fn apply_then_verify(
    run: &RunArgs,
    scope: Scope,
    auto: bool,
    ui: &mut Ui,
) -> anyhow::Result<Option<Done>> {
    let selection = Selection::default();
    with_engine_for(run, scope, ui, |ctx, _, ui| {
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
        let verify = if applied {
            Some(crate::engine::verify::verify(ctx, &selection)?)
        } else {
            None
        };
        Ok(Done {
            plan: outcome.plan,
            report: outcome.report,
            verify,
        })
    })
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
    ui.promotion_checks(&report);
    Ok(if report.ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
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
    let Some(done) = apply_then_verify(&args.run, Scope::Rebuild, args.auto_approve, ui)? else {
        return Ok(Outcome::Failure);
    };
    ui.dr_report(&DrRun {
        source: &[],
        forced: false,
        plan: &done.plan,
        report: done.report.as_ref(),
        verify: done.verify.as_ref(),
    });
    Ok(done.outcome())
}
