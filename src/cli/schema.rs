//! `bisrc schema`: print the JSON Schema of the inventory (for editors: the copies in
//! `inventories/` point at `inventories/bisrc.schema.json` through a yaml-language-server
//! comment).

use super::Outcome;
use crate::inventory::Inventory;
use crate::ui::Ui;

/// Arguments of `bisrc schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// The JSON Schema of the inventory, pretty-printed, with a final newline.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(Inventory);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Runs `bisrc schema`.
pub fn run(_args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    ui.emit_text(&schema_text());
    Ok(Outcome::Success)
}
