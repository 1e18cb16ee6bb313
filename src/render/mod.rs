//! Render: handlebars templates (embedded in the binary, overlaid by a user directory) with
//! per-language quoting helpers.
//!
//! Takes an inventory, its topology and a resource; produces text: the PowerShell step
//! scripts of the step contract (header line first, CRLF line endings), SQL Server setup's
//! ConfigurationFile.ini, T-SQL, and the BizTalk configuration and restore XML. Pure: no
//! I/O besides reading an overlay directory. It must never put a secret value in its output
//! (scripts name secrets as `$BisrcSecrets['key']`) nor emit an inventory value except
//! through a quoting helper (see `quote` and `helpers`).

mod context;
mod helpers;
pub mod outdir;
pub mod quote;
pub mod runbook;

use std::collections::BTreeMap;
use std::path::Path;

use handlebars::Handlebars;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::inventory::Inventory;
use crate::step::{StepAction, StepHeader};
use crate::topology::{Resource, Target, Topology};

pub use helpers::HELPERS;

/// The templates shipped in the binary (`templates/` at the top of the repository).
#[derive(RustEmbed)]
#[folder = "templates/"]
struct Embedded;

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The overlay directory cannot be read.
    #[error("cannot read template directory {path}: {reason}")]
    Overlay {
        /// The directory or file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The overlay holds files that replace no embedded template.
    #[error("template directory {dir} holds files that match no built-in template: {names}; overlay files must have the relative name of a built-in template (see `templates/` in the bisrc repository)")]
    UnknownOverlay {
        /// The directory.
        dir: String,
        /// The unknown names, comma-separated.
        names: String,
    },
    /// A template does not parse.
    #[error("template {name} does not parse: {reason}")]
    Syntax {
        /// Template name.
        name: String,
        /// The parser's message with the position.
        reason: String,
    },
    /// Rendering failed: a missing variable (strict mode), or a value no quoting helper
    /// accepts.
    #[error("rendering {template}{at} for {resource}: {reason}")]
    Render {
        /// The resource being rendered.
        resource: String,
        /// Template name.
        template: String,
        /// ` line L, col C` when known.
        at: String,
        /// What went wrong.
        reason: String,
    },
}

/// One file of `bisrc render`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// `site/node-or-cluster/resource/file`, `/`-separated, safe as a relative path.
    pub path: String,
    /// Resource address.
    pub resource: String,
    /// `probe`, `apply`, `verify`, or what the file is for (`setup-ini`, `tsql`, ...).
    pub step: String,
    /// The text (CRLF line endings for every Windows file).
    pub content: String,
}

/// The error of a resource whose params or desired state are not its kind's types.
fn bad_spec(r: &Resource, template: &str, reason: String) -> RenderError {
    RenderError::Render {
        resource: r.address.clone(),
        template: template.to_string(),
        at: String::new(),
        reason: format!("the resource's spec is not a {}: {reason}", r.kind.as_str()),
    }
}

/// The template registry.
pub struct Renderer {
    hb: Handlebars<'static>,
    /// Template name (relative path without `.hbs`) → text, for the fingerprint.
    sources: BTreeMap<String, String>,
}

impl Renderer {
    /// The renderer for an inventory: `--templates DIR` from the command line wins over the
    /// inventory's `templates:` key (taken relative to the inventory file); neither means the
    /// embedded templates alone.
    pub fn for_inventory(
        loaded: &crate::inventory::Loaded,
        cli_overlay: Option<&Path>,
    ) -> Result<Renderer, RenderError> {
        let from_inventory = loaded
            .inventory
            .templates
            .as_ref()
            .map(|dir| loaded.base_dir().join(dir.as_str()));
        Renderer::new(cli_overlay.or(from_inventory.as_deref()))
    }

    /// Embedded templates, overlaid by files of the same relative name in `overlay`.
    pub fn new(overlay: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut sources = BTreeMap::new();
        for file in Embedded::iter() {
            let Some(name) = file.strip_suffix(".hbs") else {
                continue;
            };
            let data = Embedded::get(&file).expect("listed file is embedded");
            let text = String::from_utf8_lossy(&data.data).into_owned();
            sources.insert(name.to_string(), text);
        }
        if let Some(dir) = overlay {
            overlay_dir(dir, &mut sources)?;
        }
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        helpers::register(&mut hb);
        for (name, text) in &sources {
            hb.register_template_string(name, text)
                .map_err(|e| RenderError::Syntax {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
        }
        Ok(Renderer { hb, sources })
    }

    /// Names of every template in use.
    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// SHA-256 over every template in use (name + text), hex; recorded in plan files.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for (name, text) in &self.sources {
            h.update((name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update((text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        hex(&h.finalize())
    }

    fn render(
        &self,
        template: &str,
        resource: &str,
        ctx: &serde_json::Value,
    ) -> Result<String, RenderError> {
        let text = self.hb.render(template, ctx).map_err(|e| {
            let at = match (e.line_no, e.column_no) {
                (Some(l), Some(c)) => format!(" line {l}, col {c}"),
                (Some(l), None) => format!(" line {l}"),
                _ => String::new(),
            };
            RenderError::Render {
                resource: resource.to_string(),
                template: e
                    .template_name
                    .clone()
                    .unwrap_or_else(|| template.to_string()),
                at,
                reason: e.reason().to_string(),
            }
        })?;
        Ok(crlf(&text))
    }

    /// One step script: first line `StepHeader{resource, kind, action, spec, secrets}.to_line()`,
    /// then the PowerShell body, CRLF line endings.
    pub fn step(
        &self,
        inv: &Inventory,
        topo: &Topology,
        resource: &Resource,
        action: StepAction,
    ) -> Result<String, RenderError> {
        let header = StepHeader {
            resource: resource.address.clone(),
            kind: resource.kind,
            action,
            spec: resource.spec(),
            secrets: resource.secret_keys(),
        };
        let template = format!("steps/{}/{}.ps1", resource.kind.as_str(), action.as_str());
        let ctx = context::build(inv, topo, resource, action.as_str())
            .map_err(|reason| bad_spec(resource, &template, reason))?;
        let body = self.render(&template, &resource.address, &ctx)?;
        Ok(format!("{}{}", crlf(&header.to_line()), body))
    }

    /// Every artifact of `bisrc render`: the three scripts of every resource (and its removal
    /// script, `destroy.ps1`, when its kind has one), the setup INI
    /// files, T-SQL, the BizTalk configuration XML and the DR `SampleUpdateInfo.xml`.
    pub fn artifacts(
        &self,
        inv: &Inventory,
        topo: &Topology,
    ) -> Result<Vec<Artifact>, RenderError> {
        let mut out = Vec::new();
        let mut used: BTreeMap<String, String> = BTreeMap::new();
        for r in &topo.resources {
            let place = match &r.target {
                Target::Node { host } => host.clone(),
                Target::Owner { cluster, .. } => cluster.clone(),
            };
            let dir = format!(
                "{}/{}/{}",
                safe_component(&r.site),
                safe_component(&place),
                safe_component(&r.address)
            );
            // Distinct addresses never share a directory, even if they differ only in
            // characters the file system cannot hold (the hash suffix tells them apart).
            if let Some(prev) = used.insert(dir.to_ascii_lowercase(), r.address.clone()) {
                if prev != r.address {
                    return Err(RenderError::Render {
                        resource: r.address.clone(),
                        template: String::new(),
                        at: String::new(),
                        reason: format!("its output directory {dir} collides with {prev}"),
                    });
                }
            }
            let removal =
                (r.kind.removal() == crate::kind::Removal::Script).then_some(StepAction::Destroy);
            let actions = [StepAction::Probe, StepAction::Apply, StepAction::Verify];
            for action in actions.into_iter().chain(removal) {
                out.push(Artifact {
                    path: format!("{dir}/{}.ps1", action.as_str()),
                    resource: r.address.clone(),
                    step: action.as_str().to_string(),
                    content: self.step(inv, topo, r, action)?,
                });
            }
            for extra in r.kind.extra_files() {
                let ctx = context::build(inv, topo, r, "apply")
                    .map_err(|reason| bad_spec(r, extra.template, reason))?;
                out.push(Artifact {
                    path: format!("{dir}/{}", extra.file),
                    resource: r.address.clone(),
                    step: extra.step.to_string(),
                    content: self.render(extra.template, &r.address, &ctx)?,
                });
            }
        }
        if let Some((site, ctx)) = context::update_info(inv, topo) {
            out.push(Artifact {
                path: format!("{}/biztalk/SampleUpdateInfo.xml", safe_component(&site)),
                resource: "dr.update-info".to_string(),
                step: "dr-update-info".to_string(),
                content: self.render("biztalk/sample_update_info.xml", "dr.update-info", &ctx)?,
            });
        }
        Ok(out)
    }
}

/// Reads every file under `dir` into `sources`, replacing embedded templates of the same
/// relative name (with `.hbs`); unknown names are an error naming all of them.
fn overlay_dir(dir: &Path, sources: &mut BTreeMap<String, String>) -> Result<(), RenderError> {
    let mut unknown = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let io = |p: &Path, e: std::io::Error| RenderError::Overlay {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .map_err(|e| io(&d, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io(&d, e))?;
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            match rel
                .strip_suffix(".hbs")
                .filter(|n| sources.contains_key(*n))
            {
                Some(name) => {
                    let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
                    sources.insert(name.to_string(), text);
                }
                None => unknown.push(rel),
            }
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        unknown.sort();
        Err(RenderError::UnknownOverlay {
            dir: dir.display().to_string(),
            names: unknown.join(", "),
        })
    }
}

/// A stand-alone environment-lock script, `templates/lock/NAME.ps1.hbs`, with `vars` (`info`,
/// `id`). Only the embedded templates are used: the lock must mean the same thing to every
/// apply, whatever template overlay an inventory brings.
pub fn lock_script(name: &str, vars: &serde_json::Value) -> Result<String, RenderError> {
    static EMBEDDED: std::sync::OnceLock<Result<Renderer, String>> = std::sync::OnceLock::new();
    let r = EMBEDDED
        .get_or_init(|| Renderer::new(None).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| RenderError::Syntax {
            name: "lock".into(),
            reason: e.clone(),
        })?;
    r.render(&format!("lock/{name}.ps1"), "environment lock", vars)
}

/// CRLF line endings (Windows files), from any mix of LF and CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A path component safe on Windows and Unix: characters outside `[A-Za-z0-9._-]` become
/// `_`, and when anything was replaced a short hash of the original keeps names distinct.
pub fn safe_component(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.len() > 80 {
        s.truncate(80);
    }
    let trimmed = s.trim_matches('.');
    if s != name || trimmed.is_empty() || trimmed.len() != s.len() {
        let h = hex(&Sha256::digest(name.as_bytes()));
        s = format!("{}-{}", trimmed, &h[..8]);
        s = s.trim_start_matches('-').to_string();
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_component_is_stable_and_distinct() {
        assert_eq!(
            safe_component("sql.LABBTSSQL.config"),
            "sql.LABBTSSQL.config"
        );
        let a = safe_component("sql.X.login.LAB\\A B");
        let b = safe_component("sql.X.login.LAB_A_B");
        assert_ne!(a, b);
        assert!(a.starts_with("sql.X.login.LAB_A_B-"));
        assert!(!safe_component("..").starts_with('.'));
        assert!(!safe_component("../../etc").contains('/'));
        assert_eq!(safe_component("a/b"), safe_component("a/b"));
    }

    #[test]
    fn crlf_normalizes() {
        assert_eq!(crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
    }
}

#[cfg(test)]
mod step_tests {
    use super::*;

    fn lab() -> (Inventory, Topology) {
        let loaded = crate::inventory::load(Path::new("inventories/lab.yaml")).unwrap();
        let topo = Topology::build(&loaded.inventory, None).unwrap();
        (loaded.inventory, topo)
    }

    #[test]
    fn feature_step_has_header_body_and_crlf() {
        let (inv, topo) = lab();
        let r = Renderer::new(None).unwrap();
        let res = topo
            .get("node.LABSQL1.feature.failover-clustering")
            .unwrap();
        let s = r.step(&inv, &topo, res, StepAction::Apply).unwrap();
        let h = StepHeader::parse(&s).unwrap();
        assert_eq!(h.resource, res.address);
        assert_eq!(h.action, StepAction::Apply);
        assert!(s.contains("Install-WindowsFeature -Name $name -IncludeManagementTools"));
        assert!(s.contains("$name = 'Failover-Clustering'\r\n"));
        assert!(!s.replace("\r\n", "").contains('\n'));
    }
}

#[cfg(test)]
mod spec_tests {
    use super::*;

    #[test]
    fn a_resource_whose_params_are_not_its_kinds_fails_to_render_with_a_clear_error() {
        let loaded = crate::inventory::load(Path::new("inventories/lab.yaml")).unwrap();
        let topo = Topology::build(&loaded.inventory, None).unwrap();
        let mut res = topo
            .get("node.LABSQL1.feature.failover-clustering")
            .unwrap()
            .clone();
        res.params.remove("feature");
        let r = Renderer::new(None).unwrap();
        let err = r
            .step(&loaded.inventory, &topo, &res, StepAction::Probe)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a windows_feature"), "{err}");
        assert!(err.contains("feature"), "{err}");
    }
}
