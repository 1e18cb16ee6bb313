//! Flags shared by several verbs, defined once so they mean the same thing everywhere.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

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

/// Human or machine output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Text for people, on stderr (reports on stdout).
    #[default]
    Human,
    /// JSON on stdout.
    Json,
}

/// Colour policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
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
