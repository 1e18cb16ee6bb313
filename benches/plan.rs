//! Plan benchmark: `bisrc plan` of the lab on the simulated transport (fresh world and
//! converged world) and a full `apply`, timed through the library (no process start-up),
//! median of several runs, with the number of connections per plan. Prints a Markdown table.
//! The same cycle over real sshd is exercised (and its one-connection-per-host asserted) by
//! `tests/it/cycle.rs`; run `cargo bench --bench ssh_fanout` for raw SSH round-trip costs.

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use bisrc::engine::plan::Selection;
use bisrc::engine::setup::{setup, RunSettings};

const RUNS: usize = 9;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("lab.yaml");
    std::fs::write(&inv, include_str!("../inventories/lab.yaml")).expect("inventory");
    // The lab's SSO backup password is a file beside the inventory.
    std::fs::write(
        dir.path().join("lab-sso-backup.pw"),
        include_str!("../inventories/lab-sso-backup.pw"),
    )
    .expect("password file");
    let load = || bisrc::inventory::load(&inv).expect("inventory");
    let s = setup(load(), &RunSettings::default()).expect("setup");
    let scripts = s.scripts();

    let time_plan = |label: &str| {
        let mut times = Vec::new();
        let mut connections = 0;
        for _ in 0..RUNS {
            let (tx, _rx) = channel();
            let ctx = s.context(&scripts, tx);
            let t = Instant::now();
            let plan = bisrc::engine::plan::plan(&ctx, &Selection::default()).expect("plan");
            times.push(t.elapsed());
            connections = ctx.pool.connections();
            assert_eq!(plan.summary.unknown, 0);
        }
        println!(
            "| plan, {label} | {} resources | {connections} | {:.1} ms |",
            s.topology.resources.len(),
            median(times).as_secs_f64() * 1000.0
        );
    };

    println!("| what | size | connections | median |\n|---|---|---|---|");
    time_plan("fresh world");
    let (tx, _rx) = channel();
    let ctx = s.context(&scripts, tx);
    let t = Instant::now();
    let plan = bisrc::engine::plan::plan(&ctx, &Selection::default()).expect("plan");
    let report = bisrc::engine::apply::apply(&ctx, &plan).expect("apply");
    let apply_time = t.elapsed();
    assert!(report.ok(), "apply failed: {report:?}");
    println!(
        "| plan + apply, fresh world | {} steps | {} | {:.1} ms |",
        report.steps.len(),
        ctx.pool.connections(),
        apply_time.as_secs_f64() * 1000.0
    );
    drop(ctx);
    time_plan("converged world");
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let (tx, _rx) = channel();
        let ctx = s.context(&scripts, tx);
        let t = Instant::now();
        let v = bisrc::engine::verify::verify(&ctx, &Selection::default()).expect("verify");
        times.push(t.elapsed());
        assert!(v.ok());
    }
    println!(
        "| verify, converged world | {} resources | 3 | {:.1} ms |",
        s.topology.resources.len(),
        median(times).as_secs_f64() * 1000.0
    );
}
