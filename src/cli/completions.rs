//! `bisrc completions SHELL`: print a shell completion script generated from the clap tree.

use clap_complete::Shell;

use super::Outcome;
use crate::ui::Ui;

/// Arguments of `bisrc completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `bisrc completions`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut super::command(), "bisrc", &mut buf);
    ui.emit_text(&String::from_utf8_lossy(&buf));
    Ok(Outcome::Success)
}
