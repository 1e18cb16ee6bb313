//! `bisrc graph`: the resource graph as Graphviz DOT on stdout.

use super::{InventoryArgs, Outcome};
use crate::topology::Topology;
use crate::ui::Ui;

/// Arguments of `bisrc graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
    /// Only one site.
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
}

/// Runs `bisrc graph`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = super::validate::load_valid(&args.inv.inventory, ui) else {
        return Ok(Outcome::Failure);
    };
    let topo = Topology::build(&loaded.inventory, args.site.as_deref())?;
    ui.emit_text(&topo.to_dot());
    Ok(Outcome::Success)
}
