//! `bisrc sim-node`: serve one step as a simulated node, behind sshd's ForceCommand.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `bisrc sim-node`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory describing the simulated site.
    #[arg(long)]
    inventory: PathBuf,
    /// Directory holding the world's state (shared by all nodes).
    #[arg(long)]
    world: PathBuf,
    /// The node this process plays.
    #[arg(long)]
    node: String,
}

/// Runs `bisrc sim-node`.
pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    let _ = (args.inventory, args.world, args.node, ExitCode::SUCCESS);
    super::not_yet("sim-node")
}
