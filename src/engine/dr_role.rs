//! The role a site plays after a DR promotion, as `bisrc dr promote` records it in the state
//! directory (`dr-roles.json`, keyed by environment so inventories sharing a folder stay
//! apart). A promoted site is the primary now: its databases are online and log shipping is
//! reversed, so plan, apply and verify build its resources from the inventory as the
//! promotion left it (see `Topology::promoted`) instead of checking a log shipping that was
//! stopped on purpose. No printing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::{write_atomic, StateDir};

/// What the file holds: per environment, the promoted sites.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Roles {
    /// Environment → its promoted sites (lowercase, sorted).
    promoted: BTreeMap<String, Vec<String>>,
}

fn read(state: &StateDir) -> anyhow::Result<Roles> {
    let path = state.dr_roles_file();
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a DR role record ({e}); remove it if no site was promoted, or run `bisrc dr promote --site SITE` again to record the promotion",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Roles::default()),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

/// The sites of `environment` that a promotion made primary.
pub fn promoted_sites(state: &StateDir, environment: &str) -> anyhow::Result<Vec<String>> {
    Ok(read(state)?
        .promoted
        .remove(environment)
        .unwrap_or_default())
}

/// Records that `site` of `environment` was promoted (idempotent).
pub fn record_promoted(state: &StateDir, environment: &str, site: &str) -> anyhow::Result<()> {
    let mut roles = read(state)?;
    let sites = roles.promoted.entry(environment.to_string()).or_default();
    let site = site.to_ascii_lowercase();
    if !sites.contains(&site) {
        sites.push(site);
        sites.sort();
    }
    let text = serde_json::to_string_pretty(&roles)?;
    write_atomic(&state.dr_roles_file(), text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_per_environment_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::at(dir.path().to_path_buf());
        assert!(promoted_sites(&state, "lab-dr").unwrap().is_empty());
        record_promoted(&state, "lab-dr", "DR").unwrap();
        record_promoted(&state, "lab-dr", "dr").unwrap();
        assert_eq!(promoted_sites(&state, "lab-dr").unwrap(), ["dr"]);
        // Another inventory in the same folder is not promoted.
        assert!(promoted_sites(&state, "lab").unwrap().is_empty());
    }

    #[test]
    fn a_damaged_record_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::at(dir.path().to_path_buf());
        std::fs::write(state.dr_roles_file(), "{not json").unwrap();
        let e = promoted_sites(&state, "lab-dr").unwrap_err().to_string();
        assert!(e.contains("is not a DR role record"), "{e}");
    }
}
