//! SSH fan-out benchmark: connect + exec round trips against real sshd processes (the test
//! fixture), for 1, 10, 50 and 100 hosts, one thread per host (parallelism = host count).
//! Each round trip is TCP connect, handshake, known_hosts check, key authentication, `echo hi`
//! on one channel, both streams read, disconnect. Prints a Markdown table. Needs root (the
//! fixture runs sshd) and openssh-server.

#[path = "../tests/it/sshd.rs"]
mod sshd;

use std::time::{Duration, Instant};

use bisrc::engine::host::par_map;
use bisrc::transport::ssh::SshTransport;
use bisrc::transport::{ExecRequest, Transport, TransportError};

const RUNS: usize = 5;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then only a smoke
    // run on 2 hosts, so the test suite stays fast but the benchmark code is still exercised.
    let full = std::env::args().any(|a| a == "--bench");
    let (fleet_size, sizes, runs): (usize, &[usize], usize) = if full {
        (100, &[1, 10, 50, 100], RUNS)
    } else {
        (2, &[1, 2], 1)
    };
    let fleet = sshd::SshdFleet::start(fleet_size, sshd::Options::default());
    let transport = SshTransport::new(fleet.config());
    let hosts = fleet.host_specs();
    let round = |n: usize| -> (Duration, Duration) {
        let started = Instant::now();
        // The engine's fan-out: one worker per host.
        let results = par_map(&hosts[..n], n, |h| {
            let mut s = transport.connect(h)?;
            let t = Instant::now();
            let out = s.exec(&ExecRequest {
                command_line: "echo hi".into(),
                stdin: Vec::new(),
                deadline: Duration::from_secs(60),
            })?;
            assert_eq!(out.stdout, b"hi\n");
            Ok::<_, TransportError>(t.elapsed())
        });
        let wall = started.elapsed();
        let mut exec_total = Duration::ZERO;
        for r in &results {
            match r {
                Ok(d) => exec_total += *d,
                Err(e) => panic!("{e}"),
            }
        }
        (wall, exec_total / n as u32)
    };
    // Warm-up: page in sshd and the client code once.
    round(hosts.len());

    println!("| hosts | wall time (median of {runs}) | min – max | wall / host | mean exec on open session |");
    println!("|---:|---:|---:|---:|---:|");
    for &n in sizes {
        let mut walls = Vec::new();
        let mut execs = Vec::new();
        for _ in 0..runs {
            let (w, e) = round(n);
            walls.push(w);
            execs.push(e);
        }
        walls.sort();
        execs.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = walls[runs / 2];
        println!(
            "| {n} | {:.0} ms | {:.0} – {:.0} ms | {:.1} ms | {:.1} ms |",
            ms(median),
            ms(walls[0]),
            ms(walls[runs - 1]),
            ms(median) / n as f64,
            ms(execs[runs / 2]),
        );
    }
}
