//! Plan files (`plan -o FILE`, `apply FILE`): the plan plus the hashes of what it was made
//! from (inventory text, templates) and, per resource, the fingerprint of the observed state
//! it relied on. It takes a plan and produces a file written atomically (temp + rename); on
//! apply it tells exactly why a saved plan is stale. A plan file holds no secret value.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::plan::Plan;
use crate::state::write_atomic;

/// Version of the plan file layout.
pub const PLANFILE_VERSION: u32 = 1;

/// What `plan -o` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// [`PLANFILE_VERSION`].
    pub planfile_version: u32,
    /// bisrc version that wrote it.
    pub bisrc_version: String,
    /// SHA-256 of the inventory file's text.
    pub inventory_hash: String,
    /// `Renderer::fingerprint()` of the templates in use.
    pub template_hash: String,
    /// The plan (each change carries its observed-state fingerprint).
    pub plan: Plan,
}

impl PlanFile {
    /// Wraps a plan.
    pub fn new(plan: Plan, inventory_hash: String, template_hash: String) -> PlanFile {
        PlanFile {
            planfile_version: PLANFILE_VERSION,
            bisrc_version: env!("CARGO_PKG_VERSION").to_string(),
            inventory_hash,
            template_hash,
            plan,
        }
    }

    /// Writes the file atomically (a temp file beside it, then rename).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        write_atomic(path, text.as_bytes())?;
        Ok(())
    }

    /// Reads a plan file.
    pub fn read(path: &Path) -> anyhow::Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read plan file {}: {e}", path.display()))?;
        let pf: PlanFile = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a bisrc plan file: {e}; make one with `bisrc plan -o FILE`",
                path.display()
            )
        })?;
        if pf.planfile_version != PLANFILE_VERSION {
            anyhow::bail!(
                "{} is plan file version {}, this bisrc reads version {PLANFILE_VERSION}; run plan again",
                path.display(),
                pf.planfile_version
            );
        }
        Ok(pf)
    }

    /// Refuses a plan made from another inventory or other templates.
    pub fn check_sources(&self, inventory_hash: &str, template_hash: &str) -> Result<(), String> {
        if self.inventory_hash != inventory_hash {
            return Err(
                "the plan is stale: plan was made from another inventory (its hash differs from \
                 this inventory's); run `bisrc plan -o FILE` again with this inventory"
                    .to_string(),
            );
        }
        if self.template_hash != template_hash {
            return Err(
                "the plan is stale: the templates changed since the plan was made (template hash \
                 differs); run `bisrc plan -o FILE` again"
                    .to_string(),
            );
        }
        Ok(())
    }

    /// Refuses the plan when a fresh probe does not give the same observed states, naming
    /// each resource that changed.
    pub fn check_fresh(&self, fresh: &Plan) -> Result<(), String> {
        let mut changed = Vec::new();
        for c in &self.plan.changes {
            match fresh.change(&c.address) {
                None => changed.push(format!(
                    "{} (no longer in the inventory selection)",
                    c.address
                )),
                Some(f) if f.fingerprint != c.fingerprint || f.action != c.action => {
                    let how = if f.action != c.action {
                        format!("was {}, now {}", c.action.as_str(), f.action.as_str())
                    } else {
                        "observed state changed".to_string()
                    };
                    changed.push(format!("{} ({how})", c.address));
                }
                Some(_) => {}
            }
        }
        for f in &fresh.changes {
            if self.plan.change(&f.address).is_none() {
                changed.push(format!("{} (not in the saved plan)", f.address));
            }
        }
        if changed.is_empty() {
            Ok(())
        } else {
            // Name the first few; a plan that was already applied would otherwise list every
            // resource on one line.
            const SHOWN: usize = 8;
            let mut named = changed
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if changed.len() > SHOWN {
                named.push_str(&format!(" and {} more", changed.len() - SHOWN));
            }
            Err(format!(
                "the plan is stale: the environment changed since it was made ({} resources): {named}; run `bisrc plan -o FILE` again",
                changed.len()
            ))
        }
    }
}
