//! `bisrc validate`: load the inventory, run every rule, report all diagnostics (human on
//! stderr, JSON on stdout). Exit 0 when valid (warnings allowed), 1 otherwise. Also the
//! [`load_valid`] gate that other verbs use to refuse an invalid inventory.

use std::path::Path;

use super::{InventoryArgs, Outcome};
use crate::inventory::{self, Loaded};
use crate::ui::{diagnostic::summary, Ui};
use crate::validate;

/// Arguments of `bisrc validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
}

/// Runs `bisrc validate`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let path = args.inv.inventory.as_path();
    let (text, diags) = match inventory::load(path) {
        Ok(loaded) => {
            let diags = validate::validate(&loaded);
            (Some(loaded.source.text), diags)
        }
        Err(e) => (e.text.clone(), load_diagnostics(path, &e)),
    };
    // --quiet: errors only.
    let shown: Vec<validate::Diagnostic> = diags
        .iter()
        .filter(|d| !ui.quiet || d.is_error())
        .cloned()
        .collect();
    ui.diagnostics(path, text.as_deref(), &shown);
    ui.status(&summary(path, &diags));
    Ok(if diags.iter().any(validate::Diagnostic::is_error) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// Loads and validates an inventory for a verb that acts on it. Errors are that verb's
/// output (JSON on stdout with `--format json`); warnings of a usable inventory always go to
/// stderr as text, so the verb's own JSON report stays the only document on stdout. Returns
/// `None` when the inventory is unusable: the verb then returns [`Outcome::Failure`].
pub(crate) fn load_valid(path: &Path, ui: &mut Ui) -> Option<Loaded> {
    match inventory::load(path) {
        Err(e) => {
            ui.diagnostics(path, e.text.as_deref(), &load_diagnostics(path, &e));
            None
        }
        Ok(loaded) => match validate::check(&loaded) {
            Ok(warnings) => {
                if !warnings.is_empty() {
                    ui.gate_warnings(path, Some(&loaded.source.text), &warnings);
                }
                Some(loaded)
            }
            Err(all) => {
                ui.diagnostics(path, Some(&loaded.source.text), &all);
                ui.status(&summary(path, &all));
                None
            }
        },
    }
}

/// The diagnostics of a load failure (every schema error found); a file that does not exist
/// gets "did you mean" with the closest YAML file of its folder (a typo in `-i`).
fn load_diagnostics(path: &Path, e: &inventory::LoadError) -> Vec<validate::Diagnostic> {
    let all = validate::load_diagnostics(e);
    if e.kind != inventory::LoadErrorKind::Read || e.message != "no such file" {
        return all;
    }
    let d = validate::load_diagnostic(e);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(want) = path.file_name().and_then(|n| n.to_str()) else {
        return vec![d];
    };
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
                .collect()
        })
        .unwrap_or_default();
    vec![
        match validate::did_you_mean_file(want, names.iter().map(String::as_str)) {
            Some(name) => d.hint(format!(
                "did you mean {}?",
                path.with_file_name(name).display()
            )),
            None => d,
        },
    ]
}
