//! Plan: probe every selected resource (batched per host), diff observed against desired,
//! and return a [`Plan`] — a plain value that the UI renders (human or JSON) and that plan
//! files store. It takes a context and a selection; it never changes anything on a node.
//! A plan has no destroy action (removal is `bisrc destroy`, `destroy.rs`); what exists but is not in the
//! inventory is listed as unmanaged.

use serde::{Deserialize, Serialize};

use crate::step::{Observed, ResourceKind, StepAction};
use crate::topology::{Resource, Target};

use super::applied;
use super::context::Context;
use super::diff::{diff, Action, AttrChange};
use super::ids::{canonical_json, now_rfc3339, sha256_hex};
use super::probe::run_batched;
use super::unmanaged::{self, Unmanaged};

/// Version of the plan JSON (`major.minor`: minor = additive, major = breaking).
pub const FORMAT_VERSION: &str = "1.2";

/// Which resources to act on (`--target`, `--exclude`; dependencies follow).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Address globs to include (all when empty).
    pub targets: Vec<String>,
    /// Address globs to leave out.
    pub excludes: Vec<String>,
}

/// The result of `bisrc plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`FORMAT_VERSION`].
    pub format_version: String,
    /// Environment name.
    pub environment: String,
    /// `--site`, if any.
    pub site: Option<String>,
    /// When the plan was made (UTC, RFC 3339). Display only.
    pub created: String,
    /// The selection the plan was made with (apply of a plan file re-plans with it).
    pub selection: Selection,
    /// One entry per selected resource, in dependency order (no-ops included).
    pub changes: Vec<Change>,
    /// Every cluster group and its current owner, as the cluster probes reported them.
    pub groups: Vec<GroupOwnership>,
    /// No-op resources whose apply script changed since it last ran (templates or inventory
    /// edits that do not change the observed state). Informational: not a change.
    #[serde(default)]
    pub scripts_changed: Vec<String>,
    /// Objects the probes found that the inventory does not describe (cluster groups and
    /// nodes). bisrc never deletes them; not a change.
    #[serde(default)]
    pub unmanaged: Vec<Unmanaged>,
    /// Hosts that could not be reached, and why (each once; the unknown resources of a host
    /// or of a cluster group none of whose owners answered point here).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub unreachable: std::collections::BTreeMap<String, String>,
    /// Counts per action.
    pub summary: Summary,
}

/// What plan proposes for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Resource address.
    pub address: String,
    /// Resource kind.
    pub kind: ResourceKind,
    /// The proposed action.
    pub action: Action,
    /// Where its steps run: a host name, or `owner of GROUP`.
    pub runs_on: String,
    /// The host the probe ran on (none when unreachable).
    pub probed_on: Option<String>,
    /// Differing attributes (`key: observed → desired`).
    pub attributes: Vec<AttrChange>,
    /// Why blocked (with the manual path) or why unknown.
    pub reason: Option<String>,
    /// Addresses it depends on.
    pub depends_on: Vec<String>,
    /// SHA-256 of the canonical JSON of the observed state (none when unknown). A plan file
    /// is stale when a re-probe gives another fingerprint.
    pub fingerprint: Option<String>,
    /// Unified diff of the apply script's body, from the one last applied (`applied`) to the
    /// one apply would run now (`now`); none when no script was recorded or they match.
    #[serde(default)]
    pub script_diff: Option<String>,
    /// The dependency whose change comes first, when this resource's state can be known only
    /// after it (its probe could not run while the dependency is being created or changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_after: Option<String>,
}

/// The resources of one host that could not be probed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// The host (or `owner of GROUP` when no owner could be found).
    pub host: String,
    /// How many resources are unknown there.
    pub resources: usize,
    /// Each distinct reason once, with how many resources it left unknown.
    pub reasons: Vec<(String, usize)>,
}

/// The owner of one cluster group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOwnership {
    /// Cluster name.
    pub cluster: String,
    /// Group name.
    pub group: String,
    /// Owner node.
    pub owner: String,
    /// Group state.
    pub state: String,
}

/// Counts per action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// To create.
    pub create: usize,
    /// To update.
    pub update: usize,
    /// Nothing to do.
    pub no_op: usize,
    /// Will not change in place.
    pub blocked: usize,
    /// Could not be probed.
    pub unknown: usize,
}

impl Plan {
    /// Whether anything is not a no-op (for `--detailed-exitcode`: blocked and unknown count,
    /// since the environment is not known to match the inventory).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// Whether some resources could not be probed: the plan does not know the whole
    /// environment, and `bisrc plan` fails.
    pub fn is_incomplete(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action == Action::Unknown && c.known_after.is_none())
    }

    /// Why the plan is incomplete, grouped per host: each host once, with each distinct
    /// reason once and the number of resources it left unknown.
    pub fn incomplete(&self) -> Vec<Incomplete> {
        let mut by_host: std::collections::BTreeMap<String, Incomplete> = Default::default();
        let unreachable = |host: &str| {
            self.unreachable
                .get(host)
                .map(|why| format!("unreachable: {why}"))
        };
        for c in self
            .changes
            .iter()
            .filter(|c| c.action == Action::Unknown && c.known_after.is_none())
        {
            let host = c.probed_on.clone().unwrap_or_else(|| c.runs_on.clone());
            // A host's unreachability is said once for the host, not per resource.
            let reason = c
                .probed_on
                .is_none()
                .then(|| unreachable(&host))
                .flatten()
                .or_else(|| c.reason.clone())
                .unwrap_or_else(|| "no reason given".into());
            let entry = by_host.entry(host.clone()).or_insert_with(|| Incomplete {
                host,
                resources: 0,
                reasons: Vec::new(),
            });
            entry.resources += 1;
            match entry.reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += 1,
                None => entry.reasons.push((reason, 1)),
            }
        }
        // An unreachable host none of whose own resources was selected still explains the
        // cluster groups that could not find an owner.
        for host in self.unreachable.keys() {
            by_host.entry(host.clone()).or_insert_with(|| Incomplete {
                host: host.clone(),
                resources: 0,
                reasons: vec![(unreachable(host).unwrap_or_default(), 0)],
            });
        }
        by_host.into_values().collect()
    }

    /// The change for `address`.
    pub fn change(&self, address: &str) -> Option<&Change> {
        self.changes.iter().find(|c| c.address == address)
    }

    /// The owner of `group` in `cluster`, as last probed.
    pub fn owner_of(&self, cluster: &str, group: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| {
                g.cluster.eq_ignore_ascii_case(cluster) && g.group.eq_ignore_ascii_case(group)
            })
            .map(|g| g.owner.as_str())
    }
}

/// Where a target runs, for display.
pub fn runs_on(t: &Target) -> String {
    match t {
        Target::Node { host } => host.clone(),
        Target::Owner { group, .. } => format!("owner of {group}"),
    }
}

/// Group owners reported by a cluster probe.
pub fn groups_of(r: &Resource, o: &Observed) -> Vec<GroupOwnership> {
    match o {
        Observed::Cluster(c) if c.exists => c
            .groups
            .iter()
            .map(|g| GroupOwnership {
                cluster: r.cluster_name(),
                group: g.name.clone(),
                owner: g.owner.clone(),
                state: g.state.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Fingerprint of an observed state.
pub fn fingerprint(o: &Observed) -> String {
    sha256_hex(canonical_json(&serde_json::Value::Object(o.attributes())).as_bytes())
}

/// Probes the selected resources and diffs them.
pub fn plan(ctx: &Context, selection: &Selection) -> anyhow::Result<Plan> {
    let selected = ctx
        .topology
        .select(&selection.targets, &selection.excludes)?;
    let runs = run_batched(ctx, &selected, StepAction::Probe)?;
    let mut changes = Vec::with_capacity(selected.len());
    let mut groups = Vec::new();
    let mut summary = Summary::default();
    let mut scripts_changed = Vec::new();
    let mut unmanaged = Vec::new();
    let mut creating: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut changing: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (r, run) in selected.iter().zip(runs) {
        let observed = run.result.and_then(|v| Observed::from_result(r.kind, &v));
        // A resource whose probe ran but failed, while something it depends on is still to
        // be created, cannot exist yet either (a login on an instance that is not installed):
        // it is a create. On real nodes such probes fail (nothing answers on the network
        // name); without this rule a fresh environment would plan as a wall of unknowns.
        let created_dep = r
            .depends_on
            .iter()
            .find(|d| creating.contains(d.as_str()))
            .cloned();
        // Likewise a probe that failed while a dependency is being changed (a disk brought
        // back online under an FCI): its state is known after that change, and says so.
        let changed_dep = r
            .depends_on
            .iter()
            .find(|d| changing.contains(d.as_str()))
            .cloned();
        let change = match observed {
            // The probe's own error (nothing answers yet) says nothing new: the state is
            // known once the dependency exists.
            Err(_) if run.host.is_some() && created_dep.is_some() => Change {
                address: r.address.clone(),
                kind: r.kind,
                action: Action::Create,
                runs_on: runs_on(&r.target),
                probed_on: run.host,
                attributes: r
                    .desired
                    .iter()
                    .map(|(k, v)| AttrChange {
                        key: k.clone(),
                        observed: serde_json::Value::Null,
                        desired: v.clone(),
                    })
                    .collect(),
                reason: Some(format!(
                    "(known after {})",
                    created_dep.as_deref().unwrap_or_default()
                )),
                depends_on: r.depends_on.clone(),
                fingerprint: None,
                script_diff: None,
                known_after: created_dep,
            },
            Err(_) if run.host.is_some() && changed_dep.is_some() => Change {
                address: r.address.clone(),
                kind: r.kind,
                action: Action::Unknown,
                runs_on: runs_on(&r.target),
                probed_on: run.host,
                attributes: Vec::new(),
                reason: Some(format!(
                    "(known after {})",
                    changed_dep.as_deref().unwrap_or_default()
                )),
                depends_on: r.depends_on.clone(),
                fingerprint: None,
                script_diff: None,
                known_after: changed_dep,
            },
            Err(reason) => Change {
                address: r.address.clone(),
                kind: r.kind,
                action: Action::Unknown,
                runs_on: runs_on(&r.target),
                attributes: Vec::new(),
                // No owner of a group answered: name them; why each is unreachable is said
                // once, in `unreachable`.
                reason: Some(match (&run.host, &r.target) {
                    (
                        None,
                        Target::Owner {
                            group, candidates, ..
                        },
                    ) if candidates.iter().all(|c| ctx.pool.known_down(c).is_some()) => {
                        format!(
                            "no possible owner of {group} is reachable ({})",
                            candidates.join(", ")
                        )
                    }
                    _ => reason,
                }),
                probed_on: run.host,
                depends_on: r.depends_on.clone(),
                fingerprint: None,
                script_diff: None,
                known_after: None,
            },
            Ok(o) => {
                groups.extend(groups_of(r, &o));
                unmanaged.extend(unmanaged::of_cluster(ctx.topology, r, &o));
                let d = diff(r, &o);
                Change {
                    address: r.address.clone(),
                    kind: r.kind,
                    action: d.action,
                    runs_on: runs_on(&r.target),
                    probed_on: run.host,
                    attributes: d.attributes,
                    reason: d.reason,
                    depends_on: r.depends_on.clone(),
                    fingerprint: Some(fingerprint(&o)),
                    script_diff: matches!(d.action, Action::Create | Action::Update | Action::NoOp)
                        .then(|| script_diff(ctx, r))
                        .flatten(),
                    known_after: None,
                }
            }
        };
        if change.action == Action::Create {
            creating.insert(change.address.clone());
        }
        if matches!(change.action, Action::Create | Action::Update) || change.known_after.is_some()
        {
            changing.insert(change.address.clone());
        }
        if change.action == Action::NoOp && change.script_diff.is_some() {
            scripts_changed.push(change.address.clone());
        }
        match change.action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::NoOp => summary.no_op += 1,
            Action::Blocked => summary.blocked += 1,
            Action::Unknown => summary.unknown += 1,
        }
        changes.push(change);
    }
    let unreachable = ctx
        .topology
        .hosts
        .iter()
        .filter_map(|h| {
            ctx.pool
                .known_down(&h.name)
                .map(|why| (h.name.clone(), ctx.scrub(why.trim())))
        })
        .collect();
    Ok(Plan {
        format_version: FORMAT_VERSION.to_string(),
        unreachable,
        environment: ctx.topology.environment.clone(),
        site: ctx.topology.site.clone(),
        created: now_rfc3339(),
        selection: selection.clone(),
        changes,
        groups,
        scripts_changed,
        unmanaged,
        summary,
    })
}

/// The diff of `r`'s apply script since it was last applied (scrubbed). A script that
/// cannot be rendered gives none here: apply reports the rendering error itself.
fn script_diff(ctx: &Context, r: &Resource) -> Option<String> {
    let applied = applied::recorded(&ctx.state, &r.address)?;
    let now = ctx.scripts.script(r, StepAction::Apply).ok()?;
    applied::script_diff(&applied, &now).map(|d| ctx.scrub(&d))
}
