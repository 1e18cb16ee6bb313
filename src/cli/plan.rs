//! `bisrc plan`: probe the nodes and show what apply would change. Also the run flags and
//! setup shared by `apply`, `verify` and `unlock`.

use std::path::PathBuf;

use super::{InventoryArgs, Outcome};
use crate::engine::plan::Selection;
use crate::engine::planfile::PlanFile;
use crate::engine::setup::{self, RunSettings, Scope, Setup};
use crate::engine::Context;
use crate::ui::Ui;

/// Flags of every verb that reaches the nodes.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub inv: InventoryArgs,
    /// Act on one site of the inventory.
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Hosts worked on at once.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,
    /// Record unknown SSH host keys instead of refusing them.
    #[arg(long)]
    pub accept_new_host_keys: bool,
    /// The simulated world's directory (simulated transport; default `.bisrc/<environment>/world`).
    #[arg(long, value_name = "DIR")]
    pub world: Option<PathBuf>,
    /// Template directory overlaying the built-in templates (overrides `templates:` in the
    /// inventory).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The inventory was already validated and its warnings shown in this command (`bisrc dr
    /// promote` runs several engines): load it without showing them again.
    #[arg(skip)]
    pub validated: bool,
}

/// `--target` / `--exclude`.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Only resources whose address matches this glob (and their dependencies). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub target: Vec<String>,
    /// Leave out resources whose address matches this glob. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

impl SelectArgs {
    pub(super) fn selection(&self) -> Selection {
        Selection {
            targets: self.target.clone(),
            excludes: self.exclude.clone(),
        }
    }
}

/// Loads and validates the inventory and builds the run setup; `None` when the inventory
/// is invalid (diagnostics already shown).
fn prepare(run: &RunArgs, scope: Scope, ui: &mut Ui) -> anyhow::Result<Option<Setup>> {
    let quiet = ui.quiet;
    ui.quiet |= run.validated;
    let loaded = super::validate::load_valid(&run.inv.inventory, ui);
    ui.quiet = quiet;
    let Some(loaded) = loaded else {
        return Ok(None);
    };
    let settings = RunSettings {
        site: run.site.clone(),
        parallelism: Some(run.parallelism),
        accept_new_host_keys: run.accept_new_host_keys,
        world: run.world.clone(),
        templates: run.templates.clone(),
        scope,
    };
    let setup = setup::setup(loaded, &settings)?;
    if !setup.promoted.is_empty() && !run.validated {
        ui.status(&format!(
            "Promoted by `bisrc dr promote`: site {} (recorded in {}). Resources as the promotion left them: the BizTalk databases on the DR instances, log shipping reversed.",
            setup.promoted.join(", "),
            setup.loaded.state().dr_roles_file().display()
        ));
    }
    Ok(Some(setup))
}

/// The shape of every verb that reaches the nodes: set the run up, show progress while
/// `work` drives the engine, stop the progress display, return what `work` returned.
/// `None` when the inventory is invalid (diagnostics already shown).
pub(super) fn with_engine<T>(
    run: &RunArgs,
    ui: &mut Ui,
    work: impl FnOnce(&Context<'_>, &Setup, &mut Ui) -> anyhow::Result<T>,
) -> anyhow::Result<Option<T>> {
    with_engine_for(run, Scope::Inventory, ui, work)
}

/// [`with_engine`] for the inventory's resources or a DR operation's (`bisrc dr`).
pub(super) fn with_engine_for<T>(
    run: &RunArgs,
    scope: Scope,
    ui: &mut Ui,
    work: impl FnOnce(&Context<'_>, &Setup, &mut Ui) -> anyhow::Result<T>,
) -> anyhow::Result<Option<T>> {
    let Some(setup) = prepare(run, scope, ui)? else {
        return Ok(None);
    };
    let progress = ui.progress();
    let scripts = setup.scripts();
    let ctx = setup.context(&scripts, progress.sender());
    let result = work(&ctx, &setup, ui);
    drop(ctx);
    progress.finish();
    result.map(Some)
}

/// Arguments of `bisrc plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    select: SelectArgs,
    /// Write the plan to FILE (for `bisrc apply FILE`).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error (a plan with resources
    /// that could not be probed is an error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Also list resources that need no change.
    #[arg(long)]
    show_noop: bool,
}

/// Runs `bisrc plan`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let selection = args.select.selection();
    let Some(plan) = with_engine(&args.run, ui, |ctx, setup, _| {
        let plan = crate::engine::plan::plan(ctx, &selection)?;
        if let Some(path) = &args.out {
            let file = PlanFile::new(
                plan.clone(),
                ctx.inventory_hash.clone(),
                setup.renderer.fingerprint(),
            );
            file.write(path)?;
        }
        Ok(plan)
    })?
    else {
        return Ok(Outcome::Failure);
    };
    ui.plan(&plan, args.show_noop);
    // A plan that could not probe everything is not a plan of the environment: it fails,
    // with or without --detailed-exitcode (a refused host key or logon is an error).
    if plan.is_incomplete() {
        if let Some(path) = &args.out {
            ui.status(&format!(
                "Saved the incomplete plan to {}; fix what kept resources from being probed and plan again.",
                path.display()
            ));
        }
        // (JSON: the plan document says it, in `summary.unknown` and `unreachable`.)
        if ui.format == crate::ui::OutputFormat::Human {
            ui.error(&anyhow::anyhow!(
                "plan incomplete: {} resources could not be probed (reasons above, per host)",
                plan.incomplete().iter().map(|i| i.resources).sum::<usize>()
            ));
        }
        return Ok(Outcome::Failure);
    }
    if let Some(path) = &args.out {
        ui.status(&format!(
            "Saved the plan to {}; apply it with `{}`.",
            path.display(),
            apply_command(&args, path)
        ));
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Outcome::ChangesPending
    } else {
        Outcome::Success
    })
}

/// The exact command that applies a saved plan: the same inventory, the flags that change
/// where bisrc connects or what it renders, then the plan file.
fn apply_command(args: &Args, plan: &std::path::Path) -> String {
    let mut cmd = format!("bisrc apply -i {}", args.run.inv.inventory.display());
    if let Some(site) = &args.run.site {
        cmd.push_str(&format!(" --site {site}"));
    }
    if let Some(world) = &args.run.world {
        cmd.push_str(&format!(" --world {}", world.display()));
    }
    if let Some(t) = &args.run.templates {
        cmd.push_str(&format!(" --templates {}", t.display()));
    }
    cmd.push_str(&format!(" {}", plan.display()));
    cmd
}
