//! `bisrc unlock ID`: break a stale environment lock (only the lock with that ID).

use std::path::PathBuf;

use super::plan::{with_engine, RunArgs};
use super::{InventoryArgs, Outcome};
use crate::engine::lock::{release, Released};
use crate::ui::Ui;

/// Arguments of `bisrc unlock`: where the lock is (the inventory, the site, how to reach its
/// node); none of apply's other options.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
    /// The site whose lock to remove.
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
    /// Record an unknown SSH host key instead of refusing it.
    #[arg(long)]
    accept_new_host_keys: bool,
    /// The simulated world's directory (simulated transport; default `.bisrc/<environment>/world`).
    #[arg(long, value_name = "DIR")]
    world: Option<PathBuf>,
    /// The lock ID (shown by the apply that was refused).
    #[arg(value_name = "ID")]
    id: String,
}

/// Runs `bisrc unlock`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let run = RunArgs {
        inv: args.inv.clone(),
        site: args.site.clone(),
        parallelism: 1,
        accept_new_host_keys: args.accept_new_host_keys,
        world: args.world.clone(),
        templates: None,
        validated: false,
    };
    let Some(released) = with_engine(&run, ui, |ctx, _, _| release(ctx, &args.id))? else {
        return Ok(Outcome::Failure);
    };
    match released {
        Released::Removed => ui.status(&format!("Lock {} removed.", args.id)),
        Released::NotLocked => ui.status("The environment is not locked."),
    }
    Ok(Outcome::Success)
}
