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
}

/// The inventory to act on.
#[derive(Debug, Args, Clone)]
pub struct InventoryArgs {
    /// Inventory file.
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "inventories/lab.yaml"
    )]
    pub inventory: PathBuf,
}
