//! The command line: clap definitions, one file per verb, and the mapping of outcomes to
//! exit codes. No business logic lives here: each verb loads, calls one engine (or
//! validate/render) function and hands the result to `ui`.

mod apply;
mod args;
mod completions;
mod destroy;
mod dr;
mod graph;
mod init;
mod plan;
mod render;
mod schema;
mod sim;
mod sim_node;
mod unlock;
mod validate;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use args::{ColorChoice, GlobalArgs, InventoryArgs, OutputFormat};

/// The outcome of a command, mapped to the process exit code in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: success (for plan: no changes).
    Success,
    /// 1: invalid input, an error, or failed checks.
    Failure,
    /// 2: plan succeeded with changes pending (only with `--detailed-exitcode`).
    ChangesPending,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failure => ExitCode::from(1),
            Outcome::ChangesPending => ExitCode::from(2),
        }
    }
}

/// bisrc builds, keeps, tests and rebuilds the highly available SQL Server tier under
/// BizTalk Server from a YAML inventory.
#[derive(Debug, Parser)]
#[command(name = "bisrc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a commented starter inventory that validates.
    Init(init::Args),
    /// Check an inventory against the schema and the BizTalk HA rules, offline.
    Validate(validate::Args),
    /// Write every rendered artifact (scripts, setup INI, T-SQL) per site, node and resource.
    Render(render::Args),
    /// Print the resource graph as Graphviz DOT (`dot -Tsvg`, from the graphviz package,
    /// draws it).
    Graph(graph::Args),
    /// Probe the nodes and show what apply would change.
    Plan(plan::Args),
    /// Converge the nodes to the inventory, in dependency order.
    Apply(apply::Args),
    /// Prove the result: cluster, SQL and BizTalk checks; optionally rehearse failovers.
    Verify(verify::Args),
    /// Remove what the inventory describes, in reverse dependency order (test environments;
    /// another needs its name typed back).
    Destroy(destroy::Args),
    /// Break a stale environment lock.
    Unlock(unlock::Args),
    /// Print the JSON Schema of the inventory.
    Schema(schema::Args),
    /// Print shell completions.
    Completions(completions::Args),
    /// Disaster recovery: promote the DR site, check it, or rebuild a lost site.
    #[command(subcommand)]
    Dr(dr::Command),
    /// The simulated world: inject faults, show status.
    #[command(subcommand)]
    Sim(sim::Command),
    /// Serve one step as a simulated node (run by sshd's ForceCommand).
    #[command(name = "sim-node")]
    SimNode(sim_node::Args),
}

/// Parses the command line, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(inventory_after_command(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2);
            // bisrc's contract is exit 1 for bad input.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut ui = crate::ui::Ui::new(cli.global.color, cli.global.format);
    ui.quiet = cli.global.quiet;
    let result = match cli.command {
        Command::Init(a) => init::run(a, &mut ui),
        Command::Validate(a) => validate::run(a, &mut ui),
        Command::Render(a) => render::run(a, &mut ui),
        Command::Graph(a) => graph::run(a, &mut ui),
        Command::Plan(a) => plan::run(a, &mut ui),
        Command::Apply(a) => apply::run(a, &mut ui),
        Command::Verify(a) => verify::run(a, &mut ui),
        Command::Destroy(a) => destroy::run(a, &mut ui),
        Command::Unlock(a) => unlock::run(a, &mut ui),
        Command::Schema(a) => schema::run(a, &mut ui),
        Command::Completions(a) => completions::run(a, &mut ui),
        Command::Dr(c) => dr::run(c, &mut ui),
        Command::Sim(c) => sim::run(c, &mut ui),
        Command::SimNode(a) => sim_node::run(a),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            ui.error(&e);
            ExitCode::from(1)
        }
    }
}

/// Moves `-i FILE` / `--inventory FILE` given before the command to the end, so
/// `bisrc -i prod.yaml plan` means `bisrc plan -i prod.yaml` (each verb owns its `-i`; a verb
/// without one then says so).
fn inventory_after_command(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut moved = Vec::new();
    let mut it = args.into_iter();
    out.extend(it.next()); // the program
    let mut command_seen = false;
    while let Some(a) = it.next() {
        if command_seen {
            out.push(a);
            continue;
        }
        let s = a.to_string_lossy().into_owned();
        match s.as_str() {
            "-i" | "--inventory" => {
                moved.push(a);
                moved.extend(it.next());
            }
            _ if s.starts_with("--inventory=") || (s.starts_with("-i") && s.len() > 2) => {
                moved.push(a)
            }
            "--format" | "--color" => {
                out.push(a);
                out.extend(it.next());
            }
            _ => {
                command_seen = !s.starts_with('-');
                out.push(a);
            }
        }
    }
    // Before a `--` (everything after it is positional).
    let at = out.iter().position(|a| a == "--").unwrap_or(out.len());
    out.splice(at..at, moved);
    out
}

/// The command-line definition, for completions and docs.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
