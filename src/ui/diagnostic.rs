//! The diagnostic renderer: turns `validate::Diagnostic`s about one file into the human form
//! (`path:line:col: error[BZ010]: message`, the numbered source line, a caret under the
//! value, `= note:` lines for related places and `= help:` for the hint; colour only when
//! `Ui.color`) or the JSON form (the same fields). The only place that formats a location.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::style::{reset, Style as Role};
use super::Ui;
use crate::inventory::Loc;
use crate::validate::{Diagnostic, Severity};

/// The escapes of the roles a diagnostic uses ([`super::style`]); empty when colour is off.
struct Style {
    error: &'static str,
    warning: &'static str,
    gutter: &'static str,
    help: &'static str,
    bold: &'static str,
    reset: &'static str,
}

impl Style {
    fn new(color: bool) -> Style {
        Style {
            error: Role::Error.start(color),
            warning: Role::Warning.start(color),
            gutter: Role::Gutter.start(color),
            help: Role::Help.start(color),
            bold: Role::Strong.start(color),
            reset: reset(color),
        }
    }
}

fn position(path: &Path, loc: Loc) -> String {
    if loc.is_known() {
        format!("{}:{}:{}", path.display(), loc.line, loc.col)
    } else {
        path.display().to_string()
    }
}

/// The width of the value starting at 1-based character column `col` of `line`: up to the
/// end of a flow item (`,`, `}`, `]`), a comment or the line, without trailing blanks.
fn value_width(line: &str, col: u32) -> usize {
    let rest: Vec<char> = line.chars().skip(col.saturating_sub(1) as usize).collect();
    if matches!(rest.first(), Some('[' | '{')) {
        return 1; // a whole flow collection: point at its start
    }
    let mut end = rest.len();
    let mut quote = None;
    for (i, c) in rest.iter().enumerate() {
        match (quote, c) {
            (None, '"' | '\'') if i == 0 => quote = Some(*c),
            (Some(q), c) if *c == q && i > 0 => {
                end = i + 1;
                break;
            }
            (None, ',' | '}' | ']') => {
                end = i;
                break;
            }
            (None, '#') if i > 0 && rest[i - 1] == ' ' => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let trimmed = rest[..end].iter().collect::<String>();
    trimmed.trim_end().chars().count().max(1)
}

/// At most 120 characters of `line` around 1-based column `col` (long lines are cut with
/// `...`), and the column within the window.
fn window(line: &str, col: u32) -> (String, u32) {
    const MAX: usize = 120;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= MAX {
        return (line.to_string(), col);
    }
    let c = (col as usize).saturating_sub(1).min(chars.len());
    let start = c.saturating_sub(40);
    let end = (start + MAX).min(chars.len());
    let mut s = String::new();
    let mut shift = 0;
    if start > 0 {
        s.push_str("...");
        shift = 3;
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push_str("...");
    }
    let new_col = u32::try_from(c - start + shift + 1).unwrap_or(col);
    (s, new_col)
}

/// `line` (number `n`) with the secret values that start on it replaced by `*`.
fn mask(line: &str, n: u32, secrets: &[Loc]) -> String {
    let mut chars: Vec<char> = line.chars().collect();
    for s in secrets.iter().filter(|s| s.line == n && s.col > 0) {
        let start = s.col as usize - 1;
        let width = value_width(line, s.col);
        for c in chars.iter_mut().skip(start).take(width) {
            *c = '*';
        }
    }
    chars.into_iter().collect()
}

/// Renders diagnostics about `path` (whose text is `text`, when read) for people.
pub fn render_human(path: &Path, text: Option<&str>, diags: &[Diagnostic], color: bool) -> String {
    let s = Style::new(color);
    let lines: Vec<&str> = text.map(|t| t.lines().collect()).unwrap_or_default();
    // Secrets written in the file are masked in every quoted line, whichever diagnostic
    // quotes it.
    let secrets: Vec<Loc> = diags
        .iter()
        .filter(|d| d.sensitive)
        .map(|d| d.loc)
        .collect();
    let mut out = String::new();
    for d in diags {
        let sev = match d.severity {
            Severity::Error => s.error,
            Severity::Warning => s.warning,
        };
        out.push_str(&format!(
            "{}{}{}: {sev}{}[{}]{}{}: {}{}\n",
            s.bold,
            position(path, d.loc),
            s.reset,
            d.severity.as_str(),
            d.code,
            s.reset,
            s.bold,
            d.message,
            s.reset
        ));
        let src = (d.loc.line as usize)
            .checked_sub(1)
            .and_then(|i| lines.get(i))
            .map(|l| mask(l.strip_suffix('\r').unwrap_or(l), d.loc.line, &secrets));
        if let Some((src, col)) = src.as_deref().map(|l| window(l, d.loc.col.max(1))) {
            let src = src.as_str();
            let num = d.loc.line.to_string();
            let pad = " ".repeat(num.len());
            let lead: String = src
                .chars()
                .take(col as usize - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{}{pad} |{}\n", s.gutter, s.reset));
            out.push_str(&format!("{}{num} |{} {src}\n", s.gutter, s.reset));
            out.push_str(&format!(
                "{}{pad} |{} {lead}{sev}{}{}\n",
                s.gutter,
                s.reset,
                "^".repeat(value_width(src, col)),
                s.reset
            ));
        }
        let pad = " ".repeat(d.loc.line.max(1).to_string().len());
        for r in &d.related {
            out.push_str(&format!(
                "{pad} {}={} note: {}: {}\n",
                s.gutter,
                s.reset,
                position(path, r.loc),
                r.message
            ));
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("{pad} {}= help:{} {h}\n", s.help, s.reset));
        }
        out.push('\n');
    }
    out
}

/// The one-line summary: `path: 2 errors, 1 warning`.
pub fn summary(path: &Path, diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if errors == 0 {
        format!(
            "{}: valid ({})",
            path.display(),
            plural(warnings, "warning")
        )
    } else {
        format!(
            "{}: invalid ({}, {})",
            path.display(),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

/// One diagnostic in JSON.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// Rule code.
    pub code: &'a str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The file.
    pub file: String,
    /// 1-based line, absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The message.
    pub message: &'a str,
    /// The hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'a str>,
    /// Related places.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated<'a>>,
}

/// A related place in JSON.
#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is there.
    pub message: &'a str,
}

/// The JSON report of a validation of `path`.
pub fn render_json(path: &Path, diags: &[Diagnostic]) -> serde_json::Value {
    let file = path.display().to_string();
    let list: Vec<JsonDiagnostic<'_>> = diags
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code,
            severity: d.severity,
            file: file.clone(),
            line: d.loc.is_known().then_some(d.loc.line),
            column: d.loc.is_known().then_some(d.loc.col),
            message: &d.message,
            hint: d.hint.as_deref(),
            related: d
                .related
                .iter()
                .map(|r| JsonRelated {
                    line: r.loc.line,
                    column: r.loc.col,
                    message: &r.message,
                })
                .collect(),
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    serde_json::json!({
        "file": file,
        "valid": errors == 0,
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": list,
    })
}

impl Ui {
    /// Reports diagnostics about one file: human text on stderr, or the JSON report on stdout.
    pub fn diagnostics(&mut self, path: &Path, text: Option<&str>, diags: &[Diagnostic]) {
        match self.format {
            super::OutputFormat::Human => {
                let mut err = self.err();
                let _ = err.write_all(render_human(path, text, diags, self.color).as_bytes());
            }
            super::OutputFormat::Json => {
                let v = render_json(path, diags);
                let mut o = self.out();
                let _ = writeln!(
                    o,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            }
        }
    }

    /// Reports the warnings of an inventory a verb goes on to use. The verb's own result owns
    /// stdout (one JSON document in JSON mode), so they go to stderr: human text, or the JSON
    /// report on one line.
    pub fn gate_warnings(&mut self, path: &Path, text: Option<&str>, diags: &[Diagnostic]) {
        if self.quiet {
            return;
        }
        match self.format {
            super::OutputFormat::Human => self.diagnostics(path, text, diags),
            super::OutputFormat::Json => {
                let v = render_json(path, diags);
                let mut e = self.err();
                let _ = writeln!(e, "{}", serde_json::to_string(&v).unwrap_or_default());
            }
        }
    }

    /// Writes a status line for people on stderr (nothing in JSON mode).
    pub fn status(&mut self, line: &str) {
        if self.format == super::OutputFormat::Human && !self.quiet {
            let _ = writeln!(self.err(), "{line}");
        }
    }

    /// Writes text as is on stdout (a schema, completions).
    pub fn emit_text(&mut self, text: &str) {
        let mut o = self.out();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }
}
