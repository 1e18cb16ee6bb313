//! `bisrc render`: writes every rendered artifact into a directory tree by site, node or
//! cluster, and resource, with a `manifest.json` (file, resource, step, SHA-256).
//!
//! Takes the inventory, an output directory and optionally a template overlay; produces the
//! tree. How the tree reaches the folder (through a temporary folder; only files of an earlier
//! render are replaced; a foreign folder is refused) is [`crate::render::outdir`]. It never
//! resolves secrets: scripts name them (`$BisrcSecrets['key']`).

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::{InventoryArgs, Outcome, OutputFormat};
use crate::render::{outdir, Artifact, Renderer};
use crate::topology::Topology;
use crate::ui::Ui;

/// Arguments of `bisrc render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inv: InventoryArgs,
    /// Output directory: new, empty, or holding an earlier render (only that render's files
    /// are replaced; other files are kept).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Write into a non-empty directory that holds no earlier render (files of the same name
    /// are overwritten; nothing else is removed).
    #[arg(long)]
    force: bool,
    /// Template directory overlaying the built-in templates (overrides `templates:` in the
    /// inventory).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Also write the disaster-recovery runbook (`runbook/DR-runbook.md` and a
    /// self-contained `runbook/DR-runbook.html`): every step of promotion and rebuild with
    /// this inventory's names, marked automated or manual.
    #[arg(long)]
    runbook: bool,
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
    let mut artifacts = renderer.artifacts(inv, &topo)?;
    if args.runbook {
        let shown = args.inv.inventory.display().to_string();
        let Some((md, html)) = crate::render::runbook::runbook(inv, &shown) else {
            anyhow::bail!(
                "no DR procedure to write: the inventory has no backup.log_shipping (a DR site's instances receive it)"
            );
        };
        for (file, content) in [("DR-runbook.md", md), ("DR-runbook.html", html)] {
            artifacts.push(Artifact {
                path: format!("runbook/{file}"),
                resource: "dr.runbook".into(),
                step: "runbook".into(),
                content,
            });
        }
    }
    let manifest = manifest(&artifacts, &renderer.fingerprint());
    let files: Vec<(&str, &[u8])> = artifacts
        .iter()
        .map(|a| (a.path.as_str(), a.content.as_bytes()))
        .collect();
    outdir::write_tree(&args.output, &files, &manifest, args.force)?;
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
