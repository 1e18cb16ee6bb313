//! `bisrc unlock ID`: break a stale environment lock (only the lock with that ID).

use super::plan::{prepare, RunArgs};
use super::Outcome;
use crate::engine::lock::{release, Released};
use crate::ui::Ui;

/// Arguments of `bisrc unlock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    /// The lock ID (shown by the apply that was refused).
    #[arg(value_name = "ID")]
    id: String,
}

/// Runs `bisrc unlock`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let Some(setup) = prepare(&args.run, ui)? else {
        return Ok(Outcome::Failure);
    };
    let progress = ui.progress();
    let scripts = setup.scripts();
    let ctx = setup.context(&scripts, progress.sender());
    let r = release(&ctx, &args.id);
    drop(ctx);
    progress.finish();
    match r? {
        Released::Removed => ui.status(&format!("Lock {} removed.", args.id)),
        Released::NotLocked => ui.status("The environment is not locked."),
    }
    Ok(Outcome::Success)
}
