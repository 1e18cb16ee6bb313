//! The CLI test harness: a just-style builder that runs the real `bisrc` binary in a fresh
//! temporary directory and asserts on its exit code and output.
//!
//! ```ignore
//! Test::new()
//!     .inventory_text(LAB)
//!     .args(["validate", "-i", Test::INVENTORY])
//!     .run()
//!     .code(0)
//!     .stderr_contains("valid");
//! ```
//!
//! Every assertion that fails prints the command, the working directory and its listing,
//! stdout and stderr. `HOME` points at the temporary directory and `NO_COLOR` is set, so a
//! run depends on nothing outside it unless a test says so with `.env(..)`.

#![allow(dead_code)] // each feature module uses a different part of the harness

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A command to run, and the files it runs among.
pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    env_remove: Vec<OsString>,
    cwd: Option<PathBuf>,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// The file name `inventory_text` writes.
    pub const INVENTORY: &'static str = "inventory.yaml";

    /// A test in a new, empty temporary directory.
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("cannot create a temporary directory"),
            args: Vec::new(),
            env: Vec::new(),
            env_remove: Vec::new(),
            cwd: None,
        }
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` as `inventory.yaml` ([`Test::INVENTORY`]).
    pub fn inventory_text(self, text: &str) -> Test {
        self.file(Self::INVENTORY, text)
    }

    /// Writes a file (relative to the temporary directory; parent folders are created).
    pub fn file(self, name: &str, contents: impl AsRef<[u8]>) -> Test {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("cannot create a folder");
        }
        std::fs::write(&path, contents).expect("cannot write a test file");
        self
    }

    /// Creates a folder.
    pub fn dir(self, name: &str) -> Test {
        std::fs::create_dir_all(self.dir.path().join(name)).expect("cannot create a folder");
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: impl Into<OsString>) -> Test {
        self.env_remove.push(key.into());
        self
    }

    /// Runs in a subfolder of the temporary directory instead of its root.
    pub fn current_dir(mut self, sub: &str) -> Test {
        self.cwd = Some(self.dir.path().join(sub));
        self
    }

    /// Runs `bisrc` and captures what it did.
    pub fn run(self) -> Output {
        let cwd = self
            .cwd
            .clone()
            .unwrap_or_else(|| self.dir.path().to_path_buf());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bisrc"));
        cmd.args(&self.args)
            .current_dir(&cwd)
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1");
        for k in &self.env_remove {
            cmd.env_remove(k);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("cannot run the bisrc binary");
        Output {
            command: format!(
                "bisrc {}",
                self.args
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            cwd,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir: self.dir,
        }
    }
}

/// What a run did. Keeps the temporary directory alive for follow-up checks.
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// Where it ran.
    pub cwd: PathBuf,
    /// Exit status.
    pub status: std::process::ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The temporary directory.
    pub dir: tempfile::TempDir,
}

impl Output {
    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Panics with the full report of the run.
    pub fn fail(&self, why: &str) -> ! {
        let listing = walk(self.dir.path());
        panic!(
            "{why}\n--- command: {}\n--- cwd: {}\n--- exit: {:?}\n--- files:\n{}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.command,
            self.cwd.display(),
            self.status.code(),
            listing,
            self.stdout,
            self.stderr
        );
    }

    /// Asserts the exit code.
    pub fn code(&self, code: i32) -> &Output {
        if self.status.code() != Some(code) {
            self.fail(&format!("expected exit code {code}"));
        }
        self
    }

    /// Asserts that stdout contains `needle`.
    pub fn stdout_contains(&self, needle: &str) -> &Output {
        if !self.stdout.contains(needle) {
            self.fail(&format!("stdout does not contain {needle:?}"));
        }
        self
    }

    /// Asserts that stderr contains `needle`.
    pub fn stderr_contains(&self, needle: &str) -> &Output {
        if !self.stderr.contains(needle) {
            self.fail(&format!("stderr does not contain {needle:?}"));
        }
        self
    }

    /// Asserts that neither stdout nor stderr contains `needle` (e.g. a secret).
    pub fn output_lacks(&self, needle: &str) -> &Output {
        if self.stdout.contains(needle) || self.stderr.contains(needle) {
            self.fail(&format!("the output contains {needle:?}"));
        }
        self
    }

    /// Asserts that stdout is exactly `expected`.
    pub fn stdout_is(&self, expected: &str) -> &Output {
        if self.stdout != expected {
            self.fail("stdout differs from the expected text");
        }
        self
    }

    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| self.fail(&format!("stdout is not JSON: {e}")))
    }

    /// stderr with the temporary directory replaced by `[TMP]`, for snapshots.
    pub fn stderr_redacted(&self) -> String {
        self.stderr
            .replace(&self.dir.path().display().to_string(), "[TMP]")
    }
}

fn walk(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
            let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            if p.is_dir() {
                out.push_str(&format!("  {rel}/\n"));
                stack.push(p);
            } else {
                out.push_str(&format!("  {rel} ({size} bytes)\n"));
            }
        }
    }
    out
}
