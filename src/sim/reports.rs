//! Files a simulated step hands back, as the real step does through `$BisrcArtifacts`: the
//! cluster validation report. On Windows it is Test-Cluster's own HTML report; here it is a
//! short page that says it is simulated and names the outcome, so that the engine's path
//! (keep it in the state directory, name it in apply's output) runs end to end.

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::step::{ResourceKind, StepAction, StepHeader};

/// The artifacts of one step that ran with `answer` (its result or its error).
pub(super) fn of(
    header: &StepHeader,
    node: &str,
    answer: &Result<serde_json::Value, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if header.kind == ResourceKind::ClusterValidation && header.action == StepAction::Apply {
        let outcome = match answer {
            Ok(_) => "Validation passed (simulated): every test category ran, storage included."
                .to_string(),
            Err(e) => format!("Validation did not pass (simulated): {e}"),
        };
        let page = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Failover Cluster Validation Report (simulated)</title></head>\n<body><h1>Failover Cluster Validation Report (simulated)</h1>\n<p>Resource {}, run on {}: bisrc's node simulator, not Windows.</p>\n<p>{}</p>\n</body></html>\n",
            html_escape(&header.resource),
            html_escape(node),
            html_escape(&outcome)
        );
        out.insert(
            "validation-report.htm".to_string(),
            base64::engine::general_purpose::STANDARD.encode(page),
        );
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
