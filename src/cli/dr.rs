//! `bisrc dr`: disaster-recovery operations.

use super::{InventoryArgs, Outcome};
use crate::ui::Ui;

/// `bisrc dr` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fail BizTalk over to the DR site, as a plan. NOT BUILT YET: exits 1; meanwhile
    /// `bisrc render` writes the DR SampleUpdateInfo.xml.
    Promote(SiteArgs),
    /// Rebuild a lost site from the inventory. NOT BUILT YET: exits 1; meanwhile
    /// `bisrc apply --site NAME` converges a rebuilt site's nodes.
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
