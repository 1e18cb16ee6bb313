//! `bisrc verify`: run every check; optionally rehearse failovers; JUnit for CI.

use std::path::PathBuf;

use super::plan::{with_engine, RunArgs, SelectArgs};
use super::Outcome;
use crate::state::write_atomic;
use crate::ui::Ui;

/// Arguments of `bisrc verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    select: SelectArgs,
    /// Move every clustered role to each possible owner and back, checking after each move.
    #[arg(long)]
    failover: bool,
    /// With --failover: start host instances (and ENTSSO) that stay stopped after a move.
    #[arg(long, requires = "failover")]
    restart_stopped_hosts: bool,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// Runs `bisrc verify`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let selection = args.select.selection();
    let Some(report) = with_engine(&args.run, ui, |ctx, _, _| {
        let mut report = crate::engine::verify::verify(ctx, &selection)?;
        if args.failover {
            report.failover = Some(crate::engine::failover::rehearse(
                ctx,
                args.restart_stopped_hosts,
            )?);
            report.resummarize();
        }
        Ok(report)
    })?
    else {
        return Ok(Outcome::Failure);
    };
    if let Some(path) = &args.junit {
        write_atomic(path, crate::ui::junit::to_junit(&report)?.as_bytes())?;
    }
    ui.verify_report(&report);
    Ok(if report.ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
