//! Applied scripts: after an apply step succeeds, the rendered apply script of that resource
//! is kept under the state directory (`<state>/applied/<address>/apply.ps1`, the address made
//! a safe path component by `render::safe_component`), so `plan` can show what a template
//! or inventory edit changes in the script since it last ran — also when the observed state
//! already matches. It takes a state directory, an address and script text; it produces
//! files written atomically and unified diffs. Scripts read secrets from `$BisrcSecrets` and
//! hold no value, but every text is scrubbed with the run's known secret values anyway
//! before it is written or returned.

use std::path::PathBuf;

use similar::TextDiff;

use crate::render::safe_component;
use crate::state::{write_atomic, StateDir};
use crate::step::HEADER_PREFIX;

use super::context::Context;

/// Where the last applied script of `address` is kept.
pub fn path(state: &StateDir, address: &str) -> PathBuf {
    state.applied_script(&safe_component(address))
}

/// Records `script` as the last applied script of `address` (scrubbed, written atomically).
pub fn record(ctx: &Context, address: &str, script: &str) -> anyhow::Result<()> {
    write_atomic(&path(&ctx.state, address), ctx.scrub(script).as_bytes())?;
    Ok(())
}

/// The last applied script of `address`, if one was recorded and is readable.
pub fn recorded(state: &StateDir, address: &str) -> Option<String> {
    std::fs::read_to_string(path(state, address)).ok()
}

/// The script without its header line (the header restates the spec, which the plan
/// already shows as attribute changes) and with LF line endings.
fn body(script: &str) -> String {
    let text = script.replace("\r\n", "\n");
    match text.split_once('\n') {
        Some((first, rest))
            if first
                .strip_prefix('\u{feff}')
                .unwrap_or(first)
                .starts_with(HEADER_PREFIX) =>
        {
            rest.to_string()
        }
        _ => text,
    }
}

/// A unified diff (`--- applied` / `+++ now`, 3 lines of context) of the script bodies, or
/// `None` when they are the same.
pub fn script_diff(applied: &str, now: &str) -> Option<String> {
    let (old, new) = (body(applied), body(now));
    if old == new {
        return None;
    }
    Some(
        TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header("applied", "now")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn diff_ignores_header_and_line_endings() {
        let a = "# bisrc-step: {\"spec\":1}\r\na\r\nb\r\nc\r\n";
        let b = "# bisrc-step: {\"spec\":2}\na\nb\nc\n";
        assert_eq!(script_diff(a, b), None);
        let c = "# bisrc-step: {\"spec\":2}\na\nB\nc\n";
        assert_eq!(
            script_diff(a, c).unwrap(),
            "--- applied\n+++ now\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }

    #[test]
    fn path_is_one_safe_component_per_address() {
        let p = path(
            &StateDir::at("/s".into()),
            "sql.LABBTSSQL.job.backup-biztalk-server",
        );
        assert_eq!(
            p,
            Path::new("/s/applied/sql.LABBTSSQL.job.backup-biztalk-server/apply.ps1")
        );
        let q = path(&StateDir::at("/s".into()), "failover.C.SQL Server (X)");
        assert_eq!(
            q.parent().unwrap().parent().unwrap(),
            Path::new("/s/applied")
        );
        assert!(!q.to_string_lossy().contains(' '));
    }
}
