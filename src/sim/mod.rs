//! The node simulator: a model of WSFC, SQL Server FCI, MSDTC and the BizTalk databases and
//! jobs, answering steps exactly as a Windows node would under the step contract.
//!
//! [`serve`] takes what sshd hands a Windows node (the bootstrap command line and the JSON
//! payload on standard input) and returns what the node prints: one result line per step,
//! the reasons of failures on stderr, and the exit status. Steps are served from their header
//! (`kind`, `spec.params`, `spec.desired`), as a real script would run from its text, by the
//! kind's handler in `sim/kind/<kind>.rs` (which reads the spec as the kind's typed params and
//! desired state); the world they act on ([`world::World`]) is kept under a directory shared
//! by every simulated node. Apply steps enforce the real preconditions and fail with the
//! message Windows would print; what Windows checks that no step changes (rights, AD, the UI
//! language, …) is the world's [`env::Env`], healthy by default. Where Windows's answer
//! depends on the script's own text (a silent switch, `-RemoveResources`), the handler reads
//! that text through `sim/script.rs`, and only there. This module never prints, never imports anything above
//! `inventory`/`kind`/`step`/`topology`, and never stores a secret value (it only checks that
//! the declared secrets were sent).

pub mod ag;
pub mod backup_rights;
pub mod biztalk_runtime;
mod checks;
mod cluster;
pub mod env;
pub mod faults;
pub mod inventory_cache;
mod kind;
mod lockfile;
pub mod partitions;
mod roles;
mod script;
mod shipping;
mod sql;
pub mod sql_side;
pub mod world;

#[cfg(test)]
mod backup_rights_tests;
#[cfg(test)]
mod dba_tests;
#[cfg(test)]
mod refusals;
#[cfg(test)]
mod review3_tests;
#[cfg(test)]
mod sql_refusal_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod windows_refusal_tests;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::inventory::Inventory;
use crate::step::{result_line, Check, Payload, ResourceKind, StepAction, StepHeader, StepOutcome};

pub use world::World;

/// What a simulated node prints for one command, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOutput {
    /// Standard output (result lines).
    pub stdout: Vec<u8>,
    /// Standard error (reasons of failures).
    pub stderr: Vec<u8>,
    /// 0 when every step succeeded, 1 when one failed, 255 when the node is unreachable.
    pub exit_status: i32,
}

impl SimOutput {
    fn unreachable(msg: String) -> SimOutput {
        SimOutput {
            stdout: Vec::new(),
            stderr: format!("{msg}\n").into_bytes(),
            exit_status: 255,
        }
    }
}

/// The world as an administrator would see it (for `bisrc sim status`): the stored model
/// plus what `Get-ClusterNode` / `Get-ClusterGroup` would compute from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorldStatus {
    /// The stored world.
    pub world: World,
    /// Each cluster's live view.
    pub clusters: Vec<ClusterView>,
}

/// One cluster as `Get-Cluster*` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterView {
    /// Cluster name.
    pub name: String,
    /// Whether the cluster has quorum.
    pub has_quorum: bool,
    /// Member nodes and `Up`/`Down`.
    pub nodes: Vec<crate::kind::cluster::ClusterNodeState>,
    /// Groups with owner and state.
    pub groups: Vec<crate::kind::cluster::ClusterGroupState>,
}

/// Serves one command as node `node` would. `command_line` must be the bootstrap form
/// (`powershell ... -EncodedCommand <base64 UTF-16LE>`, as `transport::windows` builds it);
/// `stdin` is the JSON [`Payload`]. Returns what the node prints and its exit status.
pub fn serve(
    world_dir: &Path,
    inventory: &Inventory,
    node: &str,
    command_line: &str,
    stdin: &[u8],
) -> SimOutput {
    let Some(node) = host_name(inventory, node) else {
        return SimOutput::unreachable(format!(
            "ssh: Could not resolve hostname {node}: no such host in the simulated inventory"
        ));
    };
    if !node_is_up(world_dir, inventory, &node) {
        return SimOutput::unreachable(format!("node {node} is down (simulated)"));
    }
    let Some(script) = decode_bootstrap(command_line) else {
        return SimOutput {
            stdout: Vec::new(),
            stderr: format!(
                "unsupported command: the simulated node {node} runs only the bisrc PowerShell bootstrap (powershell -NoProfile -NonInteractive -EncodedCommand ...)\n"
            )
            .into_bytes(),
            exit_status: 1,
        };
    };
    if lockfile::is_lock_script(&script) {
        let answer = world::update(world_dir, inventory, |w| lockfile::run(w, &node, &script));
        return match answer {
            Ok((stdout, exit_status)) => SimOutput {
                stdout: stdout.into_bytes(),
                stderr: Vec::new(),
                exit_status,
            },
            Err(e) => internal(
                SimOutput {
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    exit_status: 0,
                },
                e,
            ),
        };
    }
    let payload: Payload = match serde_json::from_slice(stdin) {
        Ok(p) => p,
        Err(e) => {
            return SimOutput {
                stdout: Vec::new(),
                stderr: format!(
                    "bisrc bootstrap: the payload on standard input is not a step payload: {e}\n"
                )
                .into_bytes(),
                exit_status: 1,
            }
        }
    };
    let mut out = SimOutput {
        stdout: Vec::new(),
        stderr: Vec::new(),
        exit_status: 0,
    };
    // The world as last read, reused by consecutive read-only steps.
    let mut seen: Option<world::World> = None;
    for (index, step) in payload.steps.iter().enumerate() {
        let started = Instant::now();
        let header = match StepHeader::parse(&step.script) {
            Ok(h) => h,
            Err(e) => {
                record(
                    &mut out,
                    StepOutcome {
                        index,
                        resource: String::new(),
                        action: StepAction::Probe,
                        ok: false,
                        result: None,
                        error: e,
                        duration_ms: 0,
                    },
                );
                if payload.continue_on_error {
                    continue;
                }
                break;
            }
        };
        if seen.is_none() {
            seen = match world::load(world_dir, inventory) {
                Ok(w) => Some(w),
                Err(e) => return internal(out, e),
            };
        }
        let delay = seen
            .as_ref()
            .map_or(0.0, |w| faults::delay_for(w, &header.resource));
        if delay > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(delay));
            // The world may have changed while this step was "running": read it again.
            seen = None;
        }
        let answer = if changes_the_world(header.action) {
            seen = None;
            world::update(world_dir, inventory, |w| {
                if !w.host(&node).is_some_and(|h| h.up) {
                    return None;
                }
                Some(run_step(
                    w,
                    inventory,
                    &node,
                    &header,
                    &step.script,
                    &payload,
                ))
            })
        } else {
            // Probes and verifications only read: answer from the world as read (under the
            // shared lock), so a payload of many probes parses the world once, and nodes
            // probed at the same time do not queue behind each other's reads.
            let w = match seen.take() {
                Some(w) => w,
                None => match world::load(world_dir, inventory) {
                    Ok(w) => w,
                    Err(e) => return internal(out, e),
                },
            };
            let answer = if w.host(&node).is_some_and(|h| h.up) {
                Some(read_step(&w, inventory, &node, &header, &step.script))
            } else {
                None
            };
            seen = Some(w);
            Ok(answer)
        };
        let answer = match answer {
            Ok(Some(a)) => a,
            Ok(None) => {
                out.stderr
                    .extend(format!("node {node} is down (simulated)\n").as_bytes());
                out.exit_status = 255;
                return out;
            }
            Err(e) => return internal(out, e),
        };
        let ok = answer.is_ok();
        record(
            &mut out,
            StepOutcome {
                index,
                resource: header.resource.clone(),
                action: header.action,
                ok,
                result: answer.as_ref().ok().cloned(),
                error: answer.err().unwrap_or_default(),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
        );
        if !ok && !payload.continue_on_error {
            break;
        }
    }
    out
}

/// Whether `line` is the bootstrap form: PowerShell with `-EncodedCommand` and a base64
/// UTF-16LE script as its last word. Recognised here rather than through
/// `transport::windows`, which sits above `sim` (a test checks the two agree).
pub fn is_bootstrap(line: &str) -> bool {
    decode_bootstrap(line).is_some()
}

/// The PowerShell text of a bootstrap-form command line.
fn decode_bootstrap(line: &str) -> Option<String> {
    use base64::Engine as _;
    let mut words = line.split_whitespace();
    let program = words.next()?;
    let program = program
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !matches!(
        program.as_str(),
        "powershell" | "powershell.exe" | "pwsh" | "pwsh.exe"
    ) {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    let pos = rest.iter().position(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "-encodedcommand" | "-enc" | "-e"
        )
    })?;
    if pos + 2 != rest.len() {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(rest[pos + 1])
        .ok()
        .filter(|b| b.len() % 2 == 0)
        .and_then(|b| {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        })
}

fn record(out: &mut SimOutput, outcome: StepOutcome) {
    if !outcome.ok {
        out.exit_status = 1;
        out.stderr.extend(
            format!(
                "{} ({}): {}\n",
                outcome.resource,
                outcome.action.as_str(),
                outcome.error
            )
            .as_bytes(),
        );
    }
    out.stdout.extend(result_line(&outcome).as_bytes());
}

fn internal(mut out: SimOutput, e: world::WorldError) -> SimOutput {
    out.stderr.extend(format!("{e}\n").as_bytes());
    out.exit_status = 1;
    out
}

/// Whether `node` is up in the world under `world_dir` (a fresh world: every node is up).
/// A host the inventory does not name is never up.
pub fn node_is_up(world_dir: &Path, inventory: &Inventory, node: &str) -> bool {
    if host_name(inventory, node).is_none() {
        return false;
    }
    world::load(world_dir, inventory)
        .map(|w| w.host(node).is_some_and(|h| h.up))
        .unwrap_or(false)
}

/// The world under `world_dir` (fresh when none was saved yet).
pub fn status(world_dir: &Path, inventory: &Inventory) -> Result<WorldStatus, world::WorldError> {
    let world = world::load(world_dir, inventory)?;
    let clusters = world
        .clusters
        .values()
        .map(|c| ClusterView {
            name: c.name.clone(),
            has_quorum: cluster::has_quorum(&world, c),
            nodes: c
                .members
                .iter()
                .map(|m| crate::kind::cluster::ClusterNodeState {
                    name: m.clone(),
                    state: if cluster::active(&world, m) {
                        "Up"
                    } else {
                        "Down"
                    }
                    .into(),
                })
                .collect(),
            groups: c
                .groups
                .iter()
                .map(|g| crate::kind::cluster::ClusterGroupState {
                    name: g.name.clone(),
                    state: cluster::group_state(&world, c, g).into(),
                    owner: g.owner.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(WorldStatus { world, clusters })
}

/// The world directory the simulated transport uses for an inventory loaded from a file:
/// `<state dir>/world`.
pub fn default_world_dir(loaded: &crate::inventory::Loaded) -> std::path::PathBuf {
    loaded.state_dir().join("world")
}

/// The inventory's spelling of host `name` (SQL node or BizTalk server).
fn host_name(inv: &Inventory, name: &str) -> Option<String> {
    inv.sites.iter().find_map(|s| {
        s.nodes
            .iter()
            .map(|n| &n.name.value)
            .chain(s.biztalk_servers.iter().map(|b| &b.name.value))
            .find(|n| n.eq_ignore_ascii_case(name))
            .cloned()
    })
}

/// Runs one step against the world (the lock is held).
fn run_step(
    w: &mut World,
    inv: &Inventory,
    node: &str,
    header: &StepHeader,
    script: &str,
    payload: &Payload,
) -> Result<Value, String> {
    if !changes_the_world(header.action) {
        return read_step(w, inv, node, header, script);
    }
    let empty = Map::new();
    let c = step_ctx(inv, node, header, script, &empty);
    for key in &header.secrets {
        if !payload.secrets.contains_key(key) {
            return Err(format!(
                "secret {key} was not provided: $BisrcSecrets['{key}'] is empty"
            ));
        }
    }
    faults::take_failure(w, &header.resource)?;
    let before = w.clone();
    let step = if header.action == StepAction::Destroy {
        kind::table(c.kind).destroy
    } else {
        kind::table(c.kind).apply
    };
    if let Err(e) = step(w, &c) {
        // A failed step leaves what it did not get to unchanged.
        *w = before;
        return Err(e);
    }
    let changed = *w != before;
    // A step that left a restart pending on this node says so (Install-WindowsFeature's
    // RestartNeeded; WB-FEAT-03).
    let reboot_required =
        w.env.host(node).pending_restart.len() > before.env.host(node).pending_restart.len();
    Ok(serde_json::json!({ "changed": changed, "reboot_required": reboot_required }))
}

/// Runs a probe or verify step: these only read the world.
fn read_step(
    w: &World,
    inv: &Inventory,
    node: &str,
    header: &StepHeader,
    script: &str,
) -> Result<Value, String> {
    let empty = Map::new();
    let c = step_ctx(inv, node, header, script, &empty);
    match header.action {
        StepAction::Probe => probe(w, &c).map(|o| serde_json::json!({ "observed": o })),
        StepAction::Verify => {
            let checks = (kind::table(c.kind).verify)(w, &c)?;
            Ok(serde_json::json!({ "checks": checks }))
        }
        StepAction::Apply | StepAction::Destroy => {
            Err(format!("{}: this step changes the world", c.address))
        }
    }
}

/// The context of one step, from its header (`empty` stands in for a missing object).
/// The context of one step, from its header (`empty` stands in for a missing object).
fn step_ctx<'a>(
    inv: &'a Inventory,
    node: &str,
    header: &'a StepHeader,
    script: &'a str,
    empty: &'a Map<String, Value>,
) -> Ctx<'a> {
    let spec = header.spec.as_object().unwrap_or(empty);
    let obj = |k: &str| spec.get(k).and_then(Value::as_object).unwrap_or(empty);
    Ctx {
        inv,
        node: node.to_string(),
        address: &header.resource,
        kind: header.kind,
        params: obj("params"),
        desired: obj("desired"),
        script,
        now: unix_now(),
    }
}

/// Apply and destroy steps change the world (read-modify-write under the exclusive lock);
/// probes and verifications only read it.
fn changes_the_world(action: StepAction) -> bool {
    matches!(action, StepAction::Apply | StepAction::Destroy)
}

/// The probe answer of the step: the full observed object of its kind.
fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    (kind::table(c.kind).probe)(w, c)
}

/// Converges the world to the step's desired state, or fails as Windows would.
fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    (kind::table(c.kind).apply)(w, c)
}

/// One step being served: who runs it and what its header says.
pub(crate) struct Ctx<'a> {
    inv: &'a Inventory,
    /// The node running the step, spelled as the inventory does.
    node: String,
    /// The resource address.
    address: &'a str,
    kind: ResourceKind,
    /// The header's `spec.params`, read by the kind's handler as its typed params.
    params: &'a Map<String, Value>,
    /// The header's `spec.desired`, read by the kind's handler as its typed desired state
    /// (and compared key by key with the observed state by the verify helpers).
    desired: &'a Map<String, Value>,
    /// The step's whole text. Read only where the header cannot say what Windows would meet:
    /// a cmdlet's switches and how a program is started (`sim/script.rs`).
    script: &'a str,
    /// Unix time.
    now: u64,
}

impl Ctx<'_> {
    /// The host running the step.
    fn this_host<'w>(&self, w: &'w World) -> Result<&'w world::HostState, String> {
        w.host(&self.node)
            .ok_or_else(|| format!("host {} is not in the simulated world", self.node))
    }

    /// The host running the step, to change.
    fn this_host_mut<'w>(&self, w: &'w mut World) -> Result<&'w mut world::HostState, String> {
        w.host_mut(&self.node)
            .ok_or_else(|| format!("host {} is not in the simulated world", self.node))
    }

    /// How a failed check says to fix it.
    fn apply_hint(&self) -> String {
        format!("run `bisrc apply --target '{}'`", self.address)
    }

    /// The cluster the inventory puts this node in.
    fn node_cluster(&self) -> Option<String> {
        self.inv
            .clusters()
            .find(|(_, c)| c.nodes.iter().any(|n| n.eq_ignore_ascii_case(&self.node)))
            .map(|(_, c)| c.name.value.clone())
    }

    /// The cluster `named` (by the step's params), else this node's.
    fn cluster_name(&self, named: Option<&str>) -> Result<String, String> {
        named
            .map(str::to_string)
            .or_else(|| self.node_cluster())
            .ok_or_else(|| {
                format!(
                    "The cluster service is not installed on node {}; it is not a cluster node",
                    self.node
                )
            })
    }
}

/// Seconds since the Unix epoch (backup freshness uses the system clock).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A check result.
fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        ok,
        detail: detail.into(),
    }
}
