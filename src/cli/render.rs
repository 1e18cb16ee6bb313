//! `bisrc render`: writes every rendered artifact into a directory tree by site, node or
//! cluster, and resource, with a `manifest.json` (file, resource, step, SHA-256).
//!
//! Takes the inventory, an output directory and optionally a template overlay; produces the
//! tree. The tree is written into a temporary directory beside the target and renamed into
//! place, so a failure never leaves a half-written tree. It never resolves secrets: scripts
//! name them (`$BisrcSecrets['key']`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use super::{InventoryArgs, Outcome, OutputFormat};
use crate::render::{Artifact, Renderer};
use crate::topology::Topology;
use crate::ui::Ui;

/// Arguments of `bisrc render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
    /// Output directory (replaced as a whole).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Template directory overlaying the built-in templates (overrides `templates:` in the
    /// inventory).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

/// The manifest entry of one file.
#[derive(Debug, serde::Serialize)]
struct Entry<'a> {
    path: &'a str,
    resource: &'a str,
    step: &'a str,
    sha256: String,
}

/// Runs `bisrc render`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = super::validate::load_valid(&args.inv.inventory, ui) else {
        return Ok(Outcome::Failure);
    };
    let inv = &loaded.inventory;
    let renderer = Renderer::for_inventory(&loaded, args.templates.as_deref())?;
    let topo = Topology::build(inv, None)?;
    let artifacts = renderer.artifacts(inv, &topo)?;
    let manifest = manifest(&artifacts, &renderer.fingerprint());
    write_tree(&args.output, &artifacts, &manifest)?;
    match ui.format {
        OutputFormat::Json => ui.report(&manifest),
        OutputFormat::Human => ui.report(&format!(
            "rendered {} files for {} resources into {}",
            artifacts.len() + 1,
            topo.resources.len(),
            args.output.display()
        )),
    }
    Ok(Outcome::Success)
}

/// `manifest.json`: every file with its resource, step and SHA-256, in path order.
fn manifest(artifacts: &[Artifact], fingerprint: &str) -> String {
    let mut entries: Vec<Entry> = artifacts
        .iter()
        .map(|a| Entry {
            path: &a.path,
            resource: &a.resource,
            step: &a.step,
            sha256: Sha256::digest(a.content.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
        .collect();
    entries.sort_by(|a, b| a.path.cmp(b.path));
    let doc = serde_json::json!({ "templates": fingerprint, "files": entries });
    let mut text = serde_json::to_string_pretty(&doc).expect("manifest serializes");
    text.push('\n');
    text
}

/// Writes the tree into `DIR.tmp-PID` beside `out`, then swaps it into place.
fn write_tree(out: &Path, artifacts: &[Artifact], manifest: &str) -> anyhow::Result<()> {
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a directory name", out.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        for a in artifacts {
            let path = tmp.join(&a.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&path, a.content.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::fs::write(tmp.join("manifest.json"), manifest)?;
        if out.exists() {
            std::fs::rename(out, &old)
                .with_context(|| format!("cannot move the old {} aside", out.display()))?;
        }
        std::fs::rename(&tmp, out)
            .with_context(|| format!("cannot move the new tree to {}", out.display()))?;
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove {}", old.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !out.exists() {
            let _ = std::fs::rename(&old, out);
        }
    }
    result
}
