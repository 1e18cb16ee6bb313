//! `bisrc apply`.

use super::{InventoryArgs, Outcome};
use crate::ui::Ui;

/// Arguments of `bisrc apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
}

/// Runs `bisrc apply`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let _ = (args.inv, ui);
    super::not_yet("apply")
}
