//! UI: everything the user sees (diagnostics, plans, progress, reports). The only module
//! allowed to print.

pub mod apply;
pub mod destroy;
pub mod diagnostic;
pub mod dr;
pub mod junit;
pub mod plan;
pub mod style;
pub mod verify;

mod sim;

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// Where output goes: a writer shared between the UI and its progress thread.
pub type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

/// The terminal: output format and colour policy, and the one writer of stdout (reports,
/// JSON) and stderr (progress, diagnostics, errors). Both writers are injectable, so tests
/// render exactly what a user sees into a buffer.
pub struct Ui {
    /// Human text or JSON.
    pub format: OutputFormat,
    /// Whether output gets colour (roles in [`style::Style`]).
    pub color: bool,
    /// `--quiet`: no warnings or status lines.
    pub quiet: bool,
    out: Writer,
    err: Writer,
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
        Ui::with_writers(
            format,
            color,
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
        )
    }

    /// A UI writing reports to `out` and progress and diagnostics to `err`.
    pub fn with_writers(
        format: OutputFormat,
        color: bool,
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
    ) -> Ui {
        Ui {
            format,
            color,
            quiet: false,
            out: Arc::new(Mutex::new(out)),
            err: Arc::new(Mutex::new(err)),
        }
    }

    /// A UI writing into two in-memory buffers (what a test or an embedding reads back).
    pub fn to_buffers(format: OutputFormat, color: bool) -> (Ui, Buffer, Buffer) {
        let (out, err) = (Buffer::default(), Buffer::default());
        let ui = Ui::with_writers(format, color, Box::new(out.clone()), Box::new(err.clone()));
        (ui, out, err)
    }

    /// The report writer (stdout).
    fn out(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The progress and diagnostics writer (stderr).
    fn err(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.err.lock().unwrap_or_else(|e| e.into_inner())
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
            let _ = writeln!(self.out(), "{doc}");
            return;
        }
        let mut stderr = self.err();
        let _ = writeln!(stderr, "error: {err}");
        for cause in err.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {cause}");
        }
    }
}

impl Ui {
    /// Prints a report (or JSON document) on stdout.
    pub fn report(&mut self, text: &str) {
        let mut stdout = self.out();
        let _ = stdout.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stdout.write_all(b"\n");
        }
    }
}

/// An in-memory writer whose clones share one buffer.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
