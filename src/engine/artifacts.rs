//! Files a step hands back (`StepOutcome::artifacts`, base64 by name), kept in the state
//! directory under `reports/<address>/<name>` whether the step succeeded or not: the cluster
//! validation report above all, which Microsoft's support statement asks the operator to keep
//! (issue 9 #8). Each kept file is announced as an event for `ui` to name.

use base64::Engine as _;

use crate::render::safe_component;
use crate::state::write_atomic;
use crate::step::StepOutcome;

use super::context::Context;
use super::event::Event;

/// Keeps every artifact of `outcomes` (steps of `address`); a file that cannot be decoded or
/// written is announced with why, never fatal to the step.
pub(super) fn keep(ctx: &Context, address: &str, outcomes: &[StepOutcome]) {
    for (name, b64) in outcomes.iter().flat_map(|o| o.artifacts.iter()) {
        let path = ctx
            .state
            .report_file(&safe_component(address), &safe_component(name));
        let written = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("not base64: {e}"))
            .and_then(|bytes| write_atomic(&path, &bytes).map_err(|e| e.to_string()));
        let _ = ctx.events.send(Event::ArtifactKept {
            address: address.to_string(),
            path: path.display().to_string(),
            error: written.err(),
        });
    }
}
