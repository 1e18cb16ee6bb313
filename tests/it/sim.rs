//! `bisrc sim fault|status` and `bisrc sim-node` through the real binary: the world on disk,
//! the exact exit statuses, the bootstrap-only command line.

use std::io::Write;
use std::process::{Command, Stdio};

use bisrc::step::{parse_results, Payload, PayloadStep, StepAction, StepHeader, WIRE_VERSION};
use bisrc::topology::Topology;

fn bisrc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bisrc"))
}

/// A copy of the lab inventory in a temporary directory (its world goes to `.bisrc/lab/world`).
fn lab() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("lab.yaml");
    std::fs::copy("inventories/lab.yaml", &inv).unwrap();
    std::fs::copy(
        "inventories/lab-sso-backup.pw",
        dir.path().join("lab-sso-backup.pw"),
    )
    .unwrap();
    (dir, inv)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = bisrc().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn fault_and_status_act_on_the_state_dir_world() {
    let (dir, inv) = lab();
    let inv = inv.to_str().unwrap();
    let (rc, out, _) = run(&["sim", "fault", "-i", inv, "node-down", "labsql2"]);
    assert_eq!((rc, out.as_str()), (0, "node LABSQL2 is down\n"));
    assert!(dir.path().join(".bisrc/lab/world/world.json").is_file());
    let (rc, out, _) = run(&["sim", "status", "-i", inv]);
    assert_eq!(rc, 0);
    assert!(out.contains("LABSQL2          Down"), "{out}");
    let (rc, out, _) = run(&["--format", "json", "sim", "status", "-i", inv]);
    assert_eq!(rc, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["world"]["hosts"]["LABSQL2"]["up"], false);
    // Bad input: exit 1 with a clear message.
    let (rc, _, err) = run(&["sim", "fault", "-i", inv, "node-down", "NOPE"]);
    assert_eq!(rc, 1);
    assert!(
        err.contains("no node or BizTalk server named NOPE"),
        "{err}"
    );
    let (rc, _, err) = run(&["sim", "fault", "-i", inv, "fail-step", "["]);
    assert_eq!(rc, 1);
    assert!(err.contains("invalid glob"), "{err}");
    let (rc, out, _) = run(&["sim", "fault", "-i", inv, "clear"]);
    assert_eq!(rc, 0, "{out}");
    let (_, out, _) = run(&["--format", "json", "sim", "status", "-i", inv]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["world"]["hosts"]["LABSQL2"]["up"], true);
}

fn sim_node(
    inv: &str,
    world: &str,
    node: &str,
    command: &str,
    stdin: &[u8],
) -> (i32, String, String) {
    let mut child = bisrc()
        .args([
            "sim-node",
            "--inventory",
            inv,
            "--world",
            world,
            "--node",
            node,
        ])
        .env("SSH_ORIGINAL_COMMAND", command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn sim_node_serves_the_bootstrap_and_exits_255_when_down() {
    let (dir, inv_path) = lab();
    let inv = inv_path.to_str().unwrap();
    let world = dir.path().join("w");
    let world = world.to_str().unwrap();
    let loaded = bisrc::inventory::load(&inv_path).unwrap();
    let topo = Topology::build(&loaded.inventory, None).unwrap();
    let r = topo
        .get("node.LABSQL1.feature.failover-clustering")
        .unwrap();
    let header = StepHeader {
        resource: r.address.clone(),
        kind: r.kind,
        action: StepAction::Apply,
        spec: r.spec(),
        secrets: vec![],
    };
    let payload = serde_json::to_vec(&Payload {
        version: WIRE_VERSION,
        steps: vec![PayloadStep {
            script: format!("{}# body\r\n", header.to_line()),
        }],
        continue_on_error: false,
        secrets: Default::default(),
    })
    .unwrap();
    let cmd = bisrc::transport::windows::command_line();
    let (rc, out, _) = sim_node(inv, world, "LABSQL1", &cmd, &payload);
    assert_eq!(rc, 0);
    let results = parse_results(&out).unwrap();
    assert_eq!(
        results[0].result,
        Some(serde_json::json!({"changed": true, "reboot_required": false}))
    );
    let (rc, out, err) = sim_node(inv, world, "LABSQL1", "cmd /c dir", &payload);
    assert_eq!((rc, out.as_str()), (1, ""));
    assert!(err.starts_with("unsupported command"), "{err}");
    run(&[
        "sim",
        "fault",
        "-i",
        inv,
        "--world",
        world,
        "node-down",
        "LABSQL1",
    ]);
    let (rc, out, err) = sim_node(inv, world, "LABSQL1", &cmd, &payload);
    assert_eq!(
        (rc, out.as_str(), err.as_str()),
        (255, "", "node LABSQL1 is down (simulated)\n")
    );
}

/// The rendered scripts (not hand-made headers) drive the simulator to the desired state:
/// apply every resource of the lab in order on its target, then every probe matches.
#[test]
fn rendered_steps_converge_the_simulated_lab() {
    use bisrc::render::Renderer;
    use bisrc::topology::Target;
    let loaded = bisrc::inventory::load(std::path::Path::new("inventories/lab.yaml")).unwrap();
    let inv = &loaded.inventory;
    let topo = Topology::build(inv, None).unwrap();
    let renderer = Renderer::new(None).unwrap();
    let world = tempfile::tempdir().unwrap();
    let cmd = bisrc::transport::windows::command_line();
    let run = |r: &bisrc::topology::Resource, action: StepAction| {
        let script = renderer.step(inv, &topo, r, action).unwrap();
        let node = match &r.target {
            Target::Node { host } => host.clone(),
            Target::Owner {
                cluster,
                group,
                candidates,
            } => bisrc::sim::status(world.path(), inv)
                .unwrap()
                .clusters
                .iter()
                .find(|c| &c.name == cluster)
                .and_then(|c| c.groups.iter().find(|g| &g.name == group))
                .map_or_else(|| candidates[0].clone(), |g| g.owner.clone()),
        };
        let payload = serde_json::to_vec(&Payload {
            version: WIRE_VERSION,
            steps: vec![PayloadStep { script }],
            continue_on_error: false,
            secrets: r
                .secret_keys()
                .into_iter()
                .map(|k| (k, "x".to_string()))
                .collect(),
        })
        .unwrap();
        let out = bisrc::sim::serve(world.path(), inv, &node, &cmd, &payload);
        let mut res = parse_results(&String::from_utf8(out.stdout).unwrap()).unwrap();
        let o = res.remove(0);
        assert!(o.ok, "{} {:?}: {}", r.address, action, o.error);
        o.result.unwrap()
    };
    for r in &topo.resources {
        run(r, StepAction::Apply);
    }
    for r in &topo.resources {
        let observed = run(r, StepAction::Probe)["observed"].clone();
        for (k, want) in &r.desired {
            assert_eq!(&observed[k], want, "{} {k}", r.address);
        }
    }
}

/// State is kept per environment: lab.yaml and lab-dr.yaml in one folder (both name a host
/// LABSQL2) no longer share a simulated world, and an old flat `.bisrc/` is refused with
/// where its state now goes.
#[test]
fn two_environments_in_one_folder_do_not_share_a_world() {
    let (dir, inv) = lab();
    let dr = dir.path().join("lab-dr.yaml");
    std::fs::copy("inventories/lab-dr.yaml", &dr).unwrap();
    let (inv, dr) = (inv.to_str().unwrap(), dr.to_str().unwrap());
    let (rc, _, err) = run(&["sim", "fault", "-i", inv, "node-down", "labsql2"]);
    assert_eq!(rc, 0, "{err}");
    let up = |i: &str| {
        let (rc, out, err) = run(&["--format", "json", "sim", "status", "-i", i]);
        assert_eq!(rc, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["world"]["hosts"]["LABSQL2"]["up"].clone()
    };
    assert_eq!(up(inv), false);
    assert_eq!(up(dr), true, "lab-dr must not see lab's world");
    assert!(dir.path().join(".bisrc/lab/world/world.json").is_file());
    assert!(!dir.path().join(".bisrc/lab-dr/world/world.json").exists());

    // A state directory in the old flat layout: refused, naming where it belongs.
    std::fs::rename(
        dir.path().join(".bisrc/lab/world"),
        dir.path().join(".bisrc/world"),
    )
    .unwrap();
    let (rc, _, err) = run(&["plan", "-i", inv]);
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("old layout"), "{err}");
    assert!(err.contains(".bisrc/lab"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
