//! The remote step contract (DESIGN.md §4): what bisrc sends to a node and what it reads back.
//!
//! A *step* is one rendered script run on one node for one resource and one action (probe,
//! apply or verify). Steps for one host are batched into a [`Payload`]: a JSON document sent on
//! the standard input of a small fixed bootstrap command (see `transport`), together with the
//! secrets the scripts need. The node answers with one [`StepOutcome`] line per step.
//!
//! This module is the floor shared by `render` (which writes the scripts), `transport`
//! (which carries them), `sim` (which answers them as a Windows node would) and `engine`
//! (which reads the answers). It holds types and pure functions only: no I/O.

pub mod observed;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use observed::{Observed, ResourceKind};

/// Version of the payload and result wire format.
pub const WIRE_VERSION: u32 = 1;

/// The first line of every step script: `# bisrc-step: {"resource":..,"kind":..,"action":..,"spec":{..}}`.
/// PowerShell reads it as a comment; the simulator and node-side logs read it as the step's name.
pub const HEADER_PREFIX: &str = "# bisrc-step: ";

/// The prefix of each result line a node prints, one per step, on standard output.
/// Anything else on stdout (warnings from cmdlets, banners) is ignored by the reader.
pub const RESULT_PREFIX: &str = "BISRC-RESULT ";

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// Read the current state; change nothing. Prints `{"observed": {...}}`.
    Probe,
    /// Converge to the desired state. Prints `{"changed": bool, "reboot_required": bool}`.
    Apply,
    /// Check the result. Prints `{"checks": [{"name", "ok", "detail"}]}`.
    Verify,
    /// Remove the resource (`bisrc destroy`). Prints `{"changed": bool, "reboot_required": bool}`.
    Destroy,
}

impl StepAction {
    /// `probe`, `apply`, `verify` or `destroy`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Probe => "probe",
            StepAction::Apply => "apply",
            StepAction::Verify => "verify",
            StepAction::Destroy => "destroy",
        }
    }
}

/// The machine-readable header every step script starts with (one line of JSON after
/// [`HEADER_PREFIX`]). It names the step and carries its non-secret inputs, so the simulator
/// can serve a step without executing PowerShell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepHeader {
    /// Resource address, e.g. `cluster.BTSSQLCL01.disk.SQLData`.
    pub resource: String,
    /// Resource kind.
    pub kind: ResourceKind,
    /// The action.
    pub action: StepAction,
    /// The resource's parameters and desired attributes (never secret values: secrets are
    /// named in `secrets` and travel in the payload).
    pub spec: serde_json::Value,
    /// Names of the payload secrets this step reads (keys of [`Payload::secrets`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

impl StepHeader {
    /// The header line, ending in `\n`.
    pub fn to_line(&self) -> String {
        // serde_json never emits a raw newline inside a string, so this stays one line.
        format!(
            "{HEADER_PREFIX}{}\n",
            serde_json::to_string(self).expect("header serializes")
        )
    }

    /// Reads the header from the first line of a script.
    pub fn parse(script: &str) -> Result<StepHeader, String> {
        let first = script.lines().next().unwrap_or("");
        let first = first.strip_prefix('\u{feff}').unwrap_or(first);
        let json = first
            .strip_prefix(HEADER_PREFIX)
            .ok_or_else(|| "the script does not start with a bisrc-step header".to_string())?;
        serde_json::from_str(json).map_err(|e| format!("malformed bisrc-step header: {e}"))
    }
}

/// One step in a payload: the full script text (its first line is the header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadStep {
    /// The PowerShell script, header first.
    pub script: String,
}

/// Everything sent to one host in one command: the scripts, run in order, and the secrets
/// they need. Sent on standard input, never on a command line, never written to disk.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// [`WIRE_VERSION`].
    pub version: u32,
    /// Steps, run in order.
    pub steps: Vec<PayloadStep>,
    /// Run the remaining steps after one fails (probes: yes; applies: no).
    pub continue_on_error: bool,
    /// Secret name → value. A script reads them as `$BisrcSecrets['name']`.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret values, even in debug output.
        f.debug_struct("Payload")
            .field("version", &self.version)
            .field("steps", &self.steps.len())
            .field("continue_on_error", &self.continue_on_error)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The result of one step as printed by the node: `BISRC-RESULT {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// Index of the step in the payload.
    pub index: usize,
    /// The step's resource address (from its header).
    pub resource: String,
    /// The action (from its header).
    pub action: StepAction,
    /// `true` when the script finished and printed its result line.
    pub ok: bool,
    /// The script's result object (`{"observed":..}`, `{"changed":..}`, `{"checks":..}`),
    /// present when `ok`.
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    /// Why it failed: the terminating error and the tail of stderr. Empty when `ok`.
    #[serde(default)]
    pub error: String,
    /// Milliseconds the step took on the node.
    #[serde(default)]
    pub duration_ms: u64,
    /// Files the step hands back whether it succeeded or not (name → base64 of the bytes),
    /// e.g. the cluster validation report: the engine keeps them in the state directory.
    /// A step sets them with `$BisrcArtifacts['name'] = [Convert]::ToBase64String(...)`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, String>,
}

/// Apply result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyResult {
    /// Whether the step changed anything.
    pub changed: bool,
    /// Whether the node must reboot before the change takes effect.
    pub reboot_required: bool,
}

/// One verify check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable check name, e.g. `cluster-nodes-up`.
    pub name: String,
    /// Passed or not.
    pub ok: bool,
    /// What was found; when failed, what is wrong and how to fix it.
    pub detail: String,
}

/// Verify result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResult {
    /// The checks this step ran.
    pub checks: Vec<Check>,
}

/// Probe result: the observed state of the resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// Observed attributes; deserializes into the kind's type in [`observed`].
    pub observed: serde_json::Value,
}

/// Formats one result line (used by the simulator; the PowerShell bootstrap prints the same).
pub fn result_line(outcome: &StepOutcome) -> String {
    format!(
        "{RESULT_PREFIX}{}\n",
        serde_json::to_string(outcome).expect("outcome serializes")
    )
}

/// Reads every result line from a node's standard output. Lines without the prefix are
/// ignored; a malformed result line is an error naming the line.
pub fn parse_results(stdout: &str) -> Result<Vec<StepOutcome>, String> {
    stdout
        .lines()
        .filter_map(|l| l.trim_end_matches('\r').strip_prefix(RESULT_PREFIX))
        .map(|json| {
            serde_json::from_str::<StepOutcome>(json)
                .map_err(|e| format!("malformed result line from node: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_stays_one_line() {
        let h = StepHeader {
            resource: "sql.X\nY".into(),
            kind: ResourceKind::SqlConfig,
            action: StepAction::Probe,
            spec: serde_json::json!({"name": "a'b\"\n"}),
            secrets: vec![],
        };
        let line = h.to_line();
        assert_eq!(line.matches('\n').count(), 1);
        let script = format!("{line}Write-Output 1\n");
        assert_eq!(StepHeader::parse(&script).unwrap(), h);
        assert!(StepHeader::parse("Write-Output 1").is_err());
    }

    #[test]
    fn results_are_read_from_noisy_stdout() {
        let o = StepOutcome {
            index: 0,
            resource: "r".into(),
            action: StepAction::Apply,
            ok: true,
            result: Some(serde_json::json!({"changed": true, "reboot_required": false})),
            error: String::new(),
            duration_ms: 3,
            artifacts: BTreeMap::new(),
        };
        let out = format!("WARNING: noise\r\n{}more noise\n", result_line(&o));
        assert_eq!(parse_results(&out).unwrap(), vec![o]);
        assert!(parse_results("BISRC-RESULT {nope").is_err());
    }

    #[test]
    fn payload_debug_hides_secret_values() {
        let p = Payload {
            version: WIRE_VERSION,
            steps: vec![],
            continue_on_error: true,
            secrets: BTreeMap::from([("sql.engine".to_string(), "hunter2".to_string())]),
        };
        let dbg = format!("{p:?}");
        assert!(dbg.contains("sql.engine") && !dbg.contains("hunter2"));
    }
}
