//! UI: everything the user sees (diagnostics, plans, progress, reports). The only module
//! allowed to print.

pub mod apply;
pub mod diagnostic;
pub mod plan;
pub mod progress;
pub mod verify;

mod sim;

use std::io::{IsTerminal, Write};

use clap::ValueEnum;

// The output choices live here, not in `cli`: they are the UI's vocabulary, and `ui` must
// not import upward. `cli` re-exports them for its flags.

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

/// The terminal: output format and colour policy, and the one writer of stdout and stderr.
pub struct Ui {
    /// Human text or JSON.
    pub format: OutputFormat,
    /// Whether stderr gets colour.
    pub color: bool,
    /// `--quiet`: no warnings or status lines.
    pub quiet: bool,
}

impl Ui {
    /// Builds the UI from the global flags and the environment (`NO_COLOR`, terminal or not).
    pub fn new(color: ColorChoice, format: OutputFormat) -> Ui {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Ui {
            format,
            color,
            quiet: false,
        }
    }

    /// Prints a run-level error (not an input diagnostic) with its chain of causes; with
    /// `--format json` as one JSON document on stdout (`{"error": …, "causes": […]}`), so a
    /// script reading stdout always gets JSON.
    pub fn error(&mut self, err: &anyhow::Error) {
        if self.format == OutputFormat::Json {
            let doc = serde_json::json!({
                "error": err.to_string(),
                "causes": err.chain().skip(1).map(|c| c.to_string()).collect::<Vec<_>>(),
            });
            let _ = writeln!(std::io::stdout().lock(), "{doc}");
            return;
        }
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "error: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {cause}");
        }
    }
}

impl Ui {
    /// Prints a report (or JSON document) on stdout.
    pub fn report(&mut self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stdout.write_all(b"\n");
        }
    }
}
