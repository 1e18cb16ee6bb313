//! Flags shared by several verbs, defined once so they mean the same thing everywhere.

use std::path::PathBuf;

use clap::Args;

pub use crate::ui::{ColorChoice, OutputFormat};

/// Flags every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format: human text or JSON on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// When to use colour (NO_COLOR is respected with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Silence warnings, progress and status lines; errors are still shown.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The inventory file used without `-i`, in lookup order: `./bisrc.yaml` (what `bisrc init`
/// writes) when it exists, else `inventories/lab.yaml` (the lab of the bisrc repository).
pub const INVENTORY_LOOKUP: [&str; 2] = ["bisrc.yaml", "inventories/lab.yaml"];

fn default_inventory() -> PathBuf {
    let found = INVENTORY_LOOKUP
        .iter()
        .find(|p| std::path::Path::new(p).is_file());
    PathBuf::from(found.unwrap_or(&INVENTORY_LOOKUP[1]))
}

/// The inventory to act on.
#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    /// Inventory file. Without -i: ./bisrc.yaml if it exists, else inventories/lab.yaml
    /// (both from the current folder). -i may come before or after the command.
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value_os_t = default_inventory(),
        hide_default_value = true
    )]
    pub inventory: PathBuf,
}
