//! `bisrc sim`: the simulated world (fault injection, status).

use super::Outcome;
use crate::ui::Ui;

/// `bisrc sim` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Inject or clear a fault.
    Fault,
    /// Show the world as a Windows admin would see it.
    Status,
}

/// Runs `bisrc sim ...`.
pub fn run(cmd: Command, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let _ = (cmd, ui);
    super::not_yet("sim")
}
