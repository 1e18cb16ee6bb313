//! The apply scheduler: runs jobs in dependency order, at most `parallelism` at once, at most
//! one per host at a time (one connection per host), and one at a time per serial group
//! (steps that can fail a role over or reboot a node). A job starts as soon as all its
//! dependencies succeeded — it never waits for unrelated jobs on other hosts. A failure skips
//! only the failed job's dependents. After a cancel, no new job starts; running ones finish.
//! It takes jobs and two callbacks; it produces one [`JobStatus`] per job. Generic: no I/O.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// One unit of work.
#[derive(Debug, Clone)]
pub struct Job {
    /// Name (resource address), for skip reasons.
    pub name: String,
    /// Indexes of jobs that must succeed first.
    pub deps: Vec<usize>,
    /// Serial group: jobs sharing it never overlap.
    pub serial_group: Option<String>,
    /// Skip from the start, with this reason (blocked, unknown).
    pub skip: Option<String>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Ran and succeeded.
    Succeeded,
    /// Ran and failed.
    Failed,
    /// Never ran, and why.
    Skipped(String),
}

#[derive(Clone, PartialEq)]
enum State {
    Pending,
    Running,
    Done(JobStatus),
}

/// Runs `jobs`. `host_of(i)` says where job `i` would run now (asked when it becomes ready,
/// so a cluster group's current owner is used); `exec(i, host)` runs it and says how it
/// ended: `Skipped(reason)` when it found it could not start (its host is unreachable), so
/// its dependents are skipped as not run rather than failed.
pub fn run<H, F>(
    jobs: &[Job],
    parallelism: usize,
    cancel: &AtomicBool,
    on_interrupt: impl Fn(),
    host_of: H,
    exec: F,
) -> Vec<JobStatus>
where
    H: Fn(usize) -> String,
    F: Fn(usize, &str) -> JobStatus + Sync,
{
    let mut state: Vec<State> = jobs
        .iter()
        .map(|j| match &j.skip {
            Some(r) => State::Done(JobStatus::Skipped(r.clone())),
            None => State::Pending,
        })
        .collect();
    let mut interrupted_told = false;
    let (tx, rx) = mpsc::channel::<(usize, JobStatus)>();
    std::thread::scope(|s| {
        let mut busy_hosts: HashSet<String> = HashSet::new();
        let mut busy_groups: HashSet<String> = HashSet::new();
        let mut running_host: Vec<Option<String>> = vec![None; jobs.len()];
        let mut running = 0usize;
        loop {
            // Propagate failures and skips to dependents, in order (deps come first).
            for i in 0..jobs.len() {
                if state[i] != State::Pending {
                    continue;
                }
                let bad = jobs[i].deps.iter().find_map(|&d| match &state[d] {
                    State::Done(JobStatus::Failed) => Some(format!("{} failed", jobs[d].name)),
                    State::Done(JobStatus::Skipped(_)) => {
                        Some(format!("{} did not run", jobs[d].name))
                    }
                    _ => None,
                });
                if let Some(reason) = bad {
                    state[i] = State::Done(JobStatus::Skipped(format!("dependency {reason}")));
                }
            }
            if cancel.load(Ordering::SeqCst) {
                if !interrupted_told {
                    interrupted_told = true;
                    on_interrupt();
                }
                for st in state.iter_mut() {
                    if *st == State::Pending {
                        *st = State::Done(JobStatus::Skipped("interrupted (Ctrl-C)".into()));
                    }
                }
            }
            // Dispatch every ready job whose host and serial group are free.
            for i in 0..jobs.len() {
                if running >= parallelism.max(1) {
                    break;
                }
                if state[i] != State::Pending
                    || !jobs[i]
                        .deps
                        .iter()
                        .all(|&d| state[d] == State::Done(JobStatus::Succeeded))
                {
                    continue;
                }
                if let Some(g) = &jobs[i].serial_group {
                    if busy_groups.contains(g) {
                        continue;
                    }
                }
                let host = host_of(i);
                let key = host.to_ascii_uppercase();
                if busy_hosts.contains(&key) {
                    continue;
                }
                busy_hosts.insert(key.clone());
                if let Some(g) = &jobs[i].serial_group {
                    busy_groups.insert(g.clone());
                }
                running_host[i] = Some(key);
                state[i] = State::Running;
                running += 1;
                let tx = tx.clone();
                let exec = &exec;
                s.spawn(move || {
                    let status = exec(i, &host);
                    let _ = tx.send((i, status));
                });
            }
            if running == 0 {
                // Nothing runs and nothing could start: every job is done.
                for st in state.iter_mut() {
                    if *st == State::Pending {
                        *st = State::Done(JobStatus::Skipped("dependencies never finished".into()));
                    }
                }
                break;
            }
            let Ok((i, status)) = rx.recv() else { break };
            running -= 1;
            if let Some(h) = running_host[i].take() {
                busy_hosts.remove(&h);
            }
            if let Some(g) = &jobs[i].serial_group {
                busy_groups.remove(g);
            }
            state[i] = State::Done(status);
        }
    });
    state
        .into_iter()
        .map(|s| match s {
            State::Done(st) => st,
            _ => JobStatus::Skipped("not run".into()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn job(name: &str, deps: Vec<usize>, serial: Option<&str>) -> Job {
        Job {
            name: name.into(),
            deps,
            serial_group: serial.map(str::to_string),
            skip: None,
        }
    }

    fn ok(b: bool) -> JobStatus {
        if b {
            JobStatus::Succeeded
        } else {
            JobStatus::Failed
        }
    }

    #[test]
    fn a_job_that_cannot_start_skips_its_dependents_as_not_run() {
        let jobs = vec![job("a", vec![], None), job("b", vec![0], None)];
        let st = run(
            &jobs,
            2,
            &AtomicBool::new(false),
            || {},
            |_| "H".into(),
            |i, h| {
                assert_eq!(i, 0, "b must not start");
                JobStatus::Skipped(format!("host {h} is unreachable"))
            },
        );
        assert_eq!(st[0], JobStatus::Skipped("host H is unreachable".into()));
        assert_eq!(st[1], JobStatus::Skipped("dependency a did not run".into()));
    }

    #[test]
    fn failure_skips_only_dependents() {
        // 0 (A) fails; 1 depends on 0; 2 on another host is independent; 3 depends on 2.
        let jobs = vec![
            job("a", vec![], None),
            job("b", vec![0], None),
            job("c", vec![], None),
            job("d", vec![2], None),
        ];
        let order = Mutex::new(Vec::new());
        let hosts = ["H1", "H1", "H2", "H2"];
        let st = run(
            &jobs,
            4,
            &AtomicBool::new(false),
            || {},
            |i| hosts[i].to_string(),
            |i, _| {
                order.lock().unwrap().push(i);
                ok(i != 0)
            },
        );
        assert_eq!(st[0], JobStatus::Failed);
        assert_eq!(st[1], JobStatus::Skipped("dependency a failed".into()));
        assert_eq!(st[2], JobStatus::Succeeded);
        assert_eq!(st[3], JobStatus::Succeeded);
        let o = order.lock().unwrap();
        assert!(!o.contains(&1));
        assert!(o.iter().position(|&x| x == 2) < o.iter().position(|&x| x == 3));
    }

    #[test]
    fn serial_groups_and_hosts_never_overlap() {
        let jobs: Vec<Job> = (0..6)
            .map(|i| job(&format!("j{i}"), vec![], Some("g").filter(|_| i < 3)))
            .collect();
        let live = Mutex::new((0usize, 0usize, HashSet::<String>::new()));
        let st = run(
            &jobs,
            6,
            &AtomicBool::new(false),
            || {},
            |i| format!("H{i}"),
            |i, h| {
                {
                    let mut l = live.lock().unwrap();
                    assert!(l.2.insert(h.to_string()), "host overlap");
                    if i < 3 {
                        l.0 += 1;
                        assert!(l.0 <= 1, "serial group overlap");
                    }
                }
                std::thread::yield_now();
                let mut l = live.lock().unwrap();
                l.2.remove(h);
                if i < 3 {
                    l.0 -= 1;
                }
                l.1 += 1;
                JobStatus::Succeeded
            },
        );
        assert!(st.iter().all(|s| *s == JobStatus::Succeeded));
        assert_eq!(live.lock().unwrap().1, 6);
    }

    #[test]
    fn cancel_starts_nothing_new() {
        let jobs = vec![job("a", vec![], None), job("b", vec![0], None)];
        let cancel = AtomicBool::new(false);
        let told = Mutex::new(0);
        let st = run(
            &jobs,
            1,
            &cancel,
            || *told.lock().unwrap() += 1,
            |_| "H".into(),
            |_, _| {
                cancel.store(true, Ordering::SeqCst);
                JobStatus::Succeeded
            },
        );
        assert_eq!(st[0], JobStatus::Succeeded);
        assert_eq!(st[1], JobStatus::Skipped("interrupted (Ctrl-C)".into()));
        assert_eq!(*told.lock().unwrap(), 1);
    }
}
