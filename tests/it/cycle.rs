//! The whole lab cycle on the simulated transport: fresh world → plan (everything to do,
//! exit 2) → apply → plan (no changes, exit 0) → verify → verify --failover; and the same
//! with password secrets from env vars, checking that no secret value reaches any output,
//! journal or plan file. [`Lab`] is the small multi-step runner the engine tests share (the
//! CLI harness runs one command per temporary directory; a cycle needs several in one).

use std::path::{Path, PathBuf};
use std::process::Command;

use bisrc::sim::faults::{inject, Fault};

/// The lab inventory as shipped.
pub const LAB: &str = include_str!("../../inventories/lab.yaml");
/// The made-up SSO backup password the lab inventory reads from a file beside it.
pub const LAB_SSO_BACKUP_PW: &str = include_str!("../../inventories/lab-sso-backup.pw");

/// A lab directory: an inventory, its state dir, and a runner for `bisrc`.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

/// What one run printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: String,
}

impl Run {
    /// Asserts the exit code, printing everything when it differs.
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(
            self.code, want,
            "`bisrc {}` exited {}, want {want}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts stdout holds `needle`.
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "`bisrc {}`: stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts stderr holds `needle`.
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "`bisrc {}`: stderr lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`bisrc {}`: stdout is not JSON ({e}):\n{}",
                self.args, self.stdout
            )
        })
    }
}

impl Lab {
    /// A lab with `inventory` as `lab.yaml`.
    pub fn new(inventory: &str) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("lab.yaml"), inventory).expect("inventory");
        // The lab's SSO backup password is a file beside the inventory.
        std::fs::write(dir.path().join("lab-sso-backup.pw"), LAB_SSO_BACKUP_PW).expect("pw");
        Lab {
            dir,
            env: Vec::new(),
        }
    }

    /// The shipped lab.
    pub fn shipped() -> Lab {
        Lab::new(LAB)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The lab's state directory (`.bisrc/<environment>/`, as bisrc says it is).
    pub fn state(&self) -> PathBuf {
        let loaded = bisrc::inventory::load(&self.path().join("lab.yaml")).expect("inventory");
        loaded.state().root().to_path_buf()
    }

    /// Runs `bisrc ARGS -i lab.yaml` (the inventory flag is added for verbs that take it).
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bisrc"));
        cmd.args(args)
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        if !args.contains(&"-i") {
            cmd.args(["-i", "lab.yaml"]);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run bisrc");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    /// Changes the simulated world behind bisrc's back.
    pub fn fault(&self, fault: Fault) {
        let loaded = bisrc::inventory::load(&self.path().join("lab.yaml")).expect("inventory");
        inject(&self.state().join("world"), &loaded.inventory, &fault).expect("fault");
    }

    /// apply --auto-approve, asserting it converged.
    pub fn converge(&self) -> Run {
        let r = self.run(&["apply", "--auto-approve"]);
        r.code(0).stdout_has("Apply complete");
        r
    }
}

/// Number of resources in the lab topology.
pub(crate) fn lab_resources() -> usize {
    let loaded = bisrc::inventory::load(Path::new("inventories/lab.yaml")).unwrap();
    bisrc::topology::Topology::build(&loaded.inventory, None)
        .unwrap()
        .resources
        .len()
}

#[test]
fn fresh_lab_plans_applies_verifies_and_rehearses_failover() {
    let lab = Lab::shipped();
    let plan = lab.run(&["plan", "--detailed-exitcode", "--format", "json"]);
    plan.code(2);
    let p = plan.json();
    assert_eq!(p["format_version"], "1.2");
    let changes = p["changes"].as_array().unwrap();
    assert_eq!(changes.len(), lab_resources());
    // Nothing exists yet: every resource is created, or (settings that always exist, like
    // the firewall or the quorum configuration) updated; but the BizTalk server's host
    // instances, which bisrc never creates, have nothing stopped to start, and Test-Dtc
    // (a verify check) has nothing to create.
    for c in changes {
        let a = c["action"].as_str().unwrap();
        if c["kind"] == "host_instances" || c["kind"] == "dtc_test" {
            assert_eq!(a, "no_op", "{c}");
            continue;
        }
        assert!(a == "create" || a == "update", "{c}");
    }
    assert_eq!(
        p["summary"]["create"].as_u64().unwrap() + p["summary"]["update"].as_u64().unwrap(),
        lab_resources() as u64 - 2
    );
    assert!(changes
        .iter()
        .any(|c| c["address"] == "sql.LABBTSSQL" && c["action"] == "create"));

    let human = lab.run(&["plan"]);
    human
        .code(0)
        .stdout_has(
            "  + create   sql.LABBTSSQL  (on owner of SQL Server (MSSQLSERVER), probed on LABSQL1)",
        )
        .stdout_has("      installed: false → true")
        .stdout_has(&format!(
            "Plan: {} to create, {} to update, 0 blocked, 0 unknown.",
            p["summary"]["create"], p["summary"]["update"]
        ));

    let apply = lab.converge();
    // Every step succeeds; the host instances' and Test-Dtc's (no_op) are already converged.
    apply.stdout_has(&format!(
        "{} succeeded, 0 failed, 0 never ran, 2 already converged",
        lab_resources() - 2
    ));

    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.")
        .stdout_has("Plan: 0 to create, 0 to update, 0 blocked, 0 unknown.");

    let v = lab.run(&["verify", "--format", "json"]);
    v.code(0);
    let v = v.json();
    assert_eq!(v["summary"]["failed"], 0);
    let names: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    use bisrc::kind;
    for n in [
        kind::cluster::CHECK_NODES_UP,
        kind::cluster::CHECK_ROLES_ONLINE,
        kind::sql_config::CHECK_MAXDOP,
        kind::database_settings::CHECK_AUTO_STATISTICS_OFF,
        kind::backup_job::CHECK_ENABLED,
        kind::clustered_dtc::CHECK_ROLE_ONLINE,
    ] {
        assert!(names.contains(&n), "missing check {n}");
    }

    let f = lab.run(&["verify", "--failover"]);
    f.code(0)
        .stdout_has("✓ SQL Server (MSSQLSERVER): LABSQL1 → LABSQL2")
        .stdout_has("✓ SQL Server (MSSQLSERVER): LABSQL2 → LABSQL1")
        .stdout_has("✓ LABDTC: LABSQL1 → LABSQL2")
        .stdout_has("LABSQLCL / SQL Server (MSSQLSERVER) on LABSQL1 (Online)")
        .stdout_has("4 of 4 moves succeeded");
}

/// The lab with real passwords (from env vars) for the SQL service accounts.
fn lab_with_secrets() -> String {
    let s = LAB
        .replace(
            "engine: { user: LAB\\gmsa-sqlbts$ }",
            "engine: { user: LAB\\svc-sqlbts, password: { env: BISRC_TEST_ENGINE_PW } }",
        )
        .replace(
            "agent: { user: LAB\\gmsa-sqlagt$ }",
            "agent: { user: LAB\\svc-sqlagt, password: { env: BISRC_TEST_AGENT_PW } }",
        );
    assert_ne!(
        s, LAB,
        "the lab's service accounts changed; update this test"
    );
    s
}

/// Every file under `dir`, recursively.
pub(crate) fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_secret_reaches_output_journal_or_plan_files() {
    let engine_pw = "Eng1ne-7f3c9a-SECRET";
    let agent_pw = "Ag3nt-0b81d2-SECRET";
    let mut lab = Lab::new(&lab_with_secrets());
    // Without the variables: an error naming the variable, not a value.
    lab.run(&["apply", "--auto-approve"])
        .code(1)
        .stderr_has("BISRC_TEST_ENGINE_PW");
    lab.env
        .push(("BISRC_TEST_ENGINE_PW".into(), engine_pw.into()));
    lab.env
        .push(("BISRC_TEST_AGENT_PW".into(), agent_pw.into()));
    // A failing step makes node errors part of the record too.
    lab.fault(Fault::FailStep {
        glob: "sql.LABBTSSQL.config".into(),
        times: Some(1),
    });
    let mut outputs = vec![
        lab.run(&["plan", "-o", "plan.json", "--format", "json"]),
        lab.run(&["apply", "plan.json"]),
        lab.run(&["apply", "--auto-approve", "--format", "json"]),
        lab.run(&["plan", "--show-noop"]),
        lab.run(&["verify", "--failover", "--junit", "junit.xml"]),
        lab.run(&["verify", "--format", "json"]),
    ];
    outputs[1].code(1);
    outputs[2].code(0);
    outputs[4].code(0);
    outputs.push(lab.run(&["graph"]));
    let mut files = Vec::new();
    files_under(lab.path(), &mut files);
    assert!(files
        .iter()
        .any(|f| f.to_string_lossy().contains("journal")));
    // The applied scripts of the service-account resources are among the files checked.
    assert!(files.iter().any(|f| f
        .to_string_lossy()
        .ends_with("applied/sql.LABBTSSQL/apply.ps1")));
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        for pw in [engine_pw, agent_pw] {
            assert!(!text.contains(pw), "{} holds a secret value", f.display());
        }
    }
    for o in &outputs {
        for pw in [engine_pw, agent_pw] {
            assert!(
                !o.stdout.contains(pw) && !o.stderr.contains(pw),
                "`bisrc {}` printed a secret",
                o.args
            );
        }
    }
}

/// The lab inventory over ssh: each node is a real sshd on 127.0.0.x whose ForceCommand
/// serves the simulator as that node (mapped from the address/port the session came in on).
pub(crate) mod over_sshd {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::{Lab, LAB};
    use crate::sshd::{Options, SshdFleet, USER};

    pub(crate) fn chown_user(path: &std::path::Path) {
        crate::sshd::chown_to_session_user(path);
    }

    /// An sshd per host on 127.0.0.x whose ForceCommand serves `bisrc sim-node` as that host
    /// (a wrapper maps the connection's address and port to the host's name), and the
    /// inventory rewritten to reach them over ssh. Keep it alive for the test's length.
    pub(crate) struct SimFleet {
        /// Holds the node map, the wrapper, the inventory and the world (readable by the
        /// session user).
        pub rig: tempfile::TempDir,
        /// The simulated world the nodes serve (owned by the session user).
        pub world: std::path::PathBuf,
        /// The rewritten inventory's path.
        pub inv_path: std::path::PathBuf,
        /// Its text.
        pub inventory: String,
        /// The sshd processes, in the order of `names`.
        pub fleet: SshdFleet,
    }

    /// Starts one sshd per name of `names` for `inventory` (whose hosts have
    /// `address: NAME.lab.local`, lower case).
    pub(crate) fn sim_fleet(prefix: &str, inventory: &str, names: &[&str]) -> SimFleet {
        let rig = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        std::fs::set_permissions(rig.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let world = rig.path().join("world");
        std::fs::create_dir(&world).unwrap();
        chown_user(&world);
        let inv_path = rig.path().join("inventory.yaml");
        let map = rig.path().join("nodes.map");
        let wrapper = rig.path().join("node.sh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nset -- $SSH_CONNECTION\nname=$(awk -v a=\"$3\" -v p=\"$4\" '$1==a && $2==p {{print $3}}' {map})\n\
                 exec {bin} sim-node --inventory {inv} --world {world} --node \"$name\"\n",
                map = map.display(),
                bin = env!("CARGO_BIN_EXE_bisrc"),
                inv = inv_path.display(),
                world = world.display(),
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let fleet = SshdFleet::start(
            names.len(),
            Options {
                force_command: Some(wrapper.display().to_string()),
                ..Default::default()
            },
        );
        ensure_netbios_alias();
        let mut inv = inventory.replace(
            "connection:\n  transport: simulated\n",
            &format!(
                "connection:\n  transport: ssh\n  user: {NETBIOS_USER}\n  identity_file: {}\n  known_hosts: {}\n  connect_timeout_s: 10\n",
                fleet.client_key.display(),
                fleet.known_hosts.display()
            ),
        );
        let mut map_text = String::new();
        for (h, name) in fleet.hosts().iter().zip(names) {
            map_text.push_str(&format!("{} {} {name}\n", h.address, h.port));
            let from = format!("address: {}.lab.local", name.to_lowercase());
            assert!(inv.contains(&from), "inventory changed: {from}");
            inv = inv.replace(&from, &format!("address: {}, port: {}", h.address, h.port));
        }
        std::fs::write(&map, map_text).unwrap();
        std::fs::write(&inv_path, &inv).unwrap();
        SimFleet {
            rig,
            world,
            inv_path,
            inventory: inv,
            fleet,
        }
    }

    /// The logon name in NETBIOS form (validation requires `DOMAIN\\user`, as Windows does):
    /// an alias of the fixture's session user with the same uid, so sshd finds it.
    pub(crate) const NETBIOS_USER: &str = "LAB\\bisrct";

    pub(crate) fn ensure_netbios_alias() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // The alias shares the session user's uid: that user must exist first.
            crate::sshd::setup_once();
            let known = Command::new("id").arg(NETBIOS_USER).output().unwrap();
            if !known.status.success() {
                let ok = Command::new("useradd")
                    .args(["--badname", "-M", "-o", "-u"])
                    .arg(uid(USER))
                    .args([
                        "-g",
                        USER,
                        "-d",
                        "/nonexistent",
                        "-s",
                        "/bin/sh",
                        NETBIOS_USER,
                    ])
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "cannot create the alias user {NETBIOS_USER}");
            }
            // No password, but not locked: sshd refuses locked accounts even for keys.
            let ok = Command::new("usermod")
                .args(["-p", "*", NETBIOS_USER])
                .status()
                .unwrap()
                .success();
            assert!(ok, "cannot unlock {NETBIOS_USER}");
        });
    }

    fn uid(user: &str) -> String {
        let out = Command::new("id").args(["-u", user]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn lab_cycle_over_real_sshd_with_one_connection_per_host() {
        let SimFleet {
            rig: _rig,
            world,
            inv_path,
            inventory: inv,
            fleet,
        } = sim_fleet("bisrc-rig-", LAB, &["LABSQL1", "LABSQL2", "LABBTS1"]);
        let lab = Lab::new(&inv);

        let accepted = || -> Vec<usize> {
            fleet
                .hosts()
                .iter()
                .map(|h| {
                    std::fs::read_to_string(&h.log)
                        .unwrap_or_default()
                        .matches("Accepted publickey")
                        .count()
                })
                .collect()
        };
        let before = accepted();
        // Human output: the key-logon warning (BZ104) is expected here.
        let plan = lab.run(&["plan", "--detailed-exitcode"]);
        if !plan.stdout.contains(" 0 unknown") {
            eprintln!(
                "sshd log: {}",
                std::fs::read_to_string(&fleet.hosts()[0].log).unwrap_or_default()
            );
        }
        plan.code(2).stdout_has(" to update, 0 blocked, 0 unknown.");
        let after = accepted();
        let per_host: Vec<usize> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        assert_eq!(
            per_host,
            [1, 1, 1],
            "plan must cost one connection per host"
        );

        lab.run(&["apply", "--auto-approve"])
            .code(0)
            .stdout_has("Apply complete");
        lab.run(&["plan", "--detailed-exitcode"])
            .code(0)
            .stdout_has("No changes.");
        // JSON stays one document on stdout; the inventory's warning goes to stderr.
        let j = lab.run(&["plan", "--format", "json"]);
        j.code(0).stderr_has("\"code\":\"BZ104\"");
        assert_eq!(
            j.json()["summary"]["no_op"],
            j.json()["changes"].as_array().unwrap().len()
        );
        lab.run(&["verify"]).code(0);
        lab.run(&["verify", "--failover"])
            .code(0)
            .stdout_has("4 of 4 moves succeeded")
            // LABBTS1 is its own sshd host: its host instance's timeline came over ssh.
            .stdout_has("LABBTS1 BizTalkServerApplication: Running → Stopped → Running, back after 60 s by itself");

        // Host instances that do not recover, and SSODB away past SSO's limit, over ssh.
        let loaded = bisrc::inventory::load(&inv_path).unwrap();
        for fault in [
            bisrc::sim::faults::Fault::HostStuck {
                server: "LABBTS1".into(),
                host: "BizTalkServerApplication".into(),
            },
            bisrc::sim::faults::Fault::SsodbAway { seconds: 360 },
        ] {
            bisrc::sim::faults::inject(&world, &loaded.inventory, &fault).unwrap();
        }
        chown_user(&world);
        lab.run(&["verify", "--failover"])
            .code(1)
            .stdout_has("✗ host-instances-recovered (biztalk.primary.hosts.LABBTS1): host instance(s) BizTalkServerApplication on LABBTS1 did not run again by itself")
            .stdout_has("✗ entsso-running (biztalk.primary.hosts.LABBTS1): ENTSSO is Offline on LABBTS1 after the move");
        // The checks before the rehearsal still see them stopped (exit 1); the first move's
        // watch starts them and every move succeeds.
        lab.run(&["verify", "--failover", "--restart-stopped-hosts"])
            .code(1)
            .stdout_has("failover: 4 of 4 moves succeeded")
            .stdout_has("LABBTS1 BizTalkServerApplication: Stopped → Stopped → Running, stayed stopped; started by bisrc (--restart-stopped-hosts)");
        lab.run(&["verify"]).code(0);

        // Drift behind bisrc's back, then a failing step and a resume, all over ssh.
        let loaded = bisrc::inventory::load(&inv_path).unwrap();
        bisrc::sim::faults::inject(
            &world,
            &loaded.inventory,
            &bisrc::sim::faults::Fault::Set {
                address: "sql.LABBTSSQL.config".into(),
                key: "max_degree_of_parallelism".into(),
                value: serde_json::json!(0),
            },
        )
        .unwrap();
        bisrc::sim::faults::inject(
            &world,
            &loaded.inventory,
            &bisrc::sim::faults::Fault::FailStep {
                glob: "sql.LABBTSSQL.config".into(),
                times: Some(1),
            },
        )
        .unwrap();
        chown_user(&world);
        lab.run(&["plan"])
            .code(0)
            .stdout_has("max_degree_of_parallelism: 0 → 1");
        lab.run(&["apply", "--auto-approve"])
            .code(1)
            .stdout_has("✗ sql.LABBTSSQL.config on LABSQL1");
        lab.run(&["apply", "--auto-approve"]).code(0);
        lab.run(&["plan", "--detailed-exitcode"]).code(0);

        // Tear it down over ssh: the pool's one connection per host, plus the lock keeper's
        // own on the lock's node (LABSQL1), as for apply.
        chown_user(&world);
        let before = accepted();
        lab.run(&["destroy", "--auto-approve", "--force-name", "lab"])
            .code(0)
            .stdout_has("Destroy complete: 10 removed, 0 failed");
        let per_host: Vec<usize> = accepted().iter().zip(&before).map(|(a, b)| a - b).collect();
        assert_eq!(per_host, [2, 1, 1], "destroy connections per host");
        lab.run(&["destroy", "--auto-approve", "--force-name", "lab"])
            .code(0)
            .stdout_has("Nothing to destroy");
    }

    /// Every host key refused: nothing can be probed, so the plan is incomplete and fails —
    /// with --detailed-exitcode too — and says why once per host.
    #[test]
    fn a_plan_whose_host_keys_are_all_refused_is_incomplete_and_exits_1() {
        let fleet = SshdFleet::start(3, Options::default());
        ensure_netbios_alias();
        let dir = tempfile::tempdir().unwrap();
        let empty_known_hosts = dir.path().join("known_hosts");
        std::fs::write(&empty_known_hosts, "").unwrap();
        let names = ["LABSQL1", "LABSQL2", "LABBTS1"];
        let mut inv = LAB.replace(
            "connection:\n  transport: simulated\n",
            &format!(
                "connection:\n  transport: ssh\n  user: {NETBIOS_USER}\n  identity_file: {}\n  known_hosts: {}\n  connect_timeout_s: 10\n",
                fleet.client_key.display(),
                empty_known_hosts.display()
            ),
        );
        for (h, name) in fleet.hosts().iter().zip(names) {
            let from = format!("address: {}.lab.local", name.to_lowercase());
            inv = inv.replace(&from, &format!("address: {}, port: {}", h.address, h.port));
        }
        let lab = Lab::new(&inv);
        for args in [&["plan"][..], &["plan", "--detailed-exitcode"][..]] {
            let p = lab.run(args);
            p.code(1)
                .stdout_has("Plan incomplete: 39 of 39 resources could not be probed");
            for name in names {
                p.stdout_has(&format!("\n  {name} ("));
            }
            // Each host's refusal is said once, not once per resource.
            assert_eq!(
                p.stdout.matches("--accept-new-host-keys").count(),
                3,
                "{}",
                p.stdout
            );
        }
        let j = lab.run(&["plan", "--format", "json"]);
        j.code(1);
        assert_eq!(j.json()["summary"]["unknown"], 39);
        assert!(std::fs::read_to_string(&empty_known_hosts)
            .unwrap()
            .is_empty());
    }
}
