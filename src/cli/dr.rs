//! `bisrc dr`: disaster-recovery operations.

use super::{InventoryArgs, Outcome};
use crate::ui::Ui;

/// `bisrc dr` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fail BizTalk over to the DR site, as a plan.
    Promote(SiteArgs),
    /// Rebuild a lost site from the inventory.
    Rebuild(SiteArgs),
}

/// The site to act on.
#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    #[command(flatten)]
    inv: InventoryArgs,
    /// Site name from the inventory.
    #[arg(long)]
    site: String,
}

/// Runs `bisrc dr ...`.
pub fn run(cmd: Command, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let _ = ui;
    match cmd {
        Command::Promote(_) => super::not_yet("dr promote"),
        Command::Rebuild(_) => super::not_yet("dr rebuild"),
    }
}
