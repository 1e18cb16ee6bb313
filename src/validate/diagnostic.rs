//! `Diagnostic`: one finding about the user's input — a stable code, a severity, a message,
//! the location of the offending value, a hint and related locations.
//!
//! Rules build diagnostics from their [`Rule`] (so the severity always matches the catalogue)
//! and never format a location or a file name: the renderer in `ui::diagnostic` does that.

use serde::Serialize;

use crate::inventory::Loc;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The inventory is invalid; commands refuse it.
    Error,
    /// Allowed, but probably a mistake or a risk.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A rule of the catalogue: its stable code, severity and one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable code, e.g. `BZ010`; never reused for another rule.
    pub code: &'static str,
    /// Severity of every diagnostic of this rule.
    pub severity: Severity,
    /// One line saying what the rule checks.
    pub summary: &'static str,
}

impl Rule {
    /// A diagnostic of this rule pointing at `loc`.
    pub fn at(&self, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: self.code,
            severity: self.severity,
            message: message.into(),
            loc,
            hint: None,
            related: Vec::new(),
            sensitive: false,
        }
    }
}

/// Another place in the file that explains a diagnostic (e.g. "first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub loc: Loc,
    /// What is there.
    pub message: String,
}

/// One finding about the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable rule code, e.g. `BZ010`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// Short lowercase message; never contains a secret value.
    pub message: String,
    /// The offending value (line 0 when unknown).
    pub loc: Loc,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Other places that explain the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// The value at `loc` is a secret: renderers mask it wherever they quote its line.
    #[serde(skip)]
    pub sensitive: bool,
}

impl Diagnostic {
    /// Adds a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    #[must_use]
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// Adds a related location.
    #[must_use]
    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Related {
            loc,
            message: message.into(),
        });
        self
    }

    /// Marks the value at `loc` as a secret, so no rendering quotes it.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
