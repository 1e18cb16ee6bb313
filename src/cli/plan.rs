//! `bisrc plan`: probe the nodes and show what apply would change. Also the run flags and
//! setup shared by `apply`, `verify` and `unlock`.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{InventoryArgs, Outcome};
use crate::engine::plan::Selection;
use crate::engine::planfile::PlanFile;
use crate::engine::setup::{self, RunSettings, Setup};
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
    /// The simulated world's directory (simulated transport; default `.bisrc/world`).
    #[arg(long, value_name = "DIR")]
    pub world: Option<PathBuf>,
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
pub(super) fn prepare(run: &RunArgs, ui: &mut Ui) -> anyhow::Result<Option<Setup>> {
    // With `--format json`, stdout holds exactly one JSON document (the report): warnings of
    // a usable inventory go to stderr as text; errors still come out as the JSON diagnostics.
    let path = run.inv.inventory.as_path();
    let loaded = match crate::inventory::load(path) {
        Err(_) => return Ok(super::validate::load_valid(path, ui).and(None)),
        Ok(l) => l,
    };
    match crate::validate::check(&loaded) {
        Err(_) => return Ok(super::validate::load_valid(path, ui).and(None)),
        Ok(warnings) if !warnings.is_empty() => {
            let mut text_ui = Ui {
                format: crate::cli::OutputFormat::Human,
                color: ui.color,
            };
            text_ui.diagnostics(path, Some(&loaded.source.text), &warnings);
        }
        Ok(_) => {}
    }
    let settings = RunSettings {
        site: run.site.clone(),
        parallelism: Some(run.parallelism),
        accept_new_host_keys: run.accept_new_host_keys,
        world: run.world.clone(),
    };
    Ok(Some(setup::setup(loaded, &settings)?))
}

/// Ctrl-C sets the flag (no new step starts); a second Ctrl-C exits at once.
pub(super) fn on_ctrl_c(flag: Arc<std::sync::atomic::AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
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
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    detailed_exitcode: bool,
    /// Also list resources that need no change.
    #[arg(long)]
    show_noop: bool,
}

/// Runs `bisrc plan`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let Some(setup) = prepare(&args.run, ui)? else {
        return Ok(Outcome::Failure);
    };
    let progress = ui.progress();
    let scripts = setup.scripts();
    let ctx = setup.context(&scripts, progress.sender());
    let plan = crate::engine::plan::plan(&ctx, &args.select.selection());
    let inventory_hash = ctx.inventory_hash.clone();
    drop(ctx);
    progress.finish();
    let plan = plan?;
    if let Some(path) = &args.out {
        PlanFile::new(plan.clone(), inventory_hash, setup.renderer.fingerprint()).write(path)?;
    }
    ui.plan(&plan, args.show_noop);
    if let Some(path) = &args.out {
        ui.status(&format!(
            "Saved the plan to {}; apply it with `bisrc apply {}`.",
            path.display(),
            path.display()
        ));
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Outcome::ChangesPending
    } else {
        Outcome::Success
    })
}
