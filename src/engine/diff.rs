//! Diff: one resource's desired attributes against its observed state → an action
//! (`create`, `update`, `no-op`, `blocked`) and the attribute changes behind it. Pure.

use serde::{Deserialize, Serialize};

use crate::step::{Observed, ResourceKind};
use crate::topology::Resource;

/// What plan proposes for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The resource does not exist: apply creates it.
    Create,
    /// It exists with attributes that differ: apply changes them in place.
    Update,
    /// Nothing to do.
    NoOp,
    /// A change bisrc will not make in place (an immutable attribute differs).
    Blocked,
    /// The resource could not be probed (host down, probe failed).
    Unknown,
}

impl Action {
    /// Terraform-like symbol.
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::NoOp => '=',
            Action::Blocked => '!',
            Action::Unknown => '?',
        }
    }

    /// `create`, `update`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::NoOp => "no-op",
            Action::Blocked => "blocked",
            Action::Unknown => "unknown",
        }
    }

    /// Whether apply runs a step for it.
    pub fn is_change(self) -> bool {
        matches!(self, Action::Create | Action::Update)
    }
}

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// Attribute name (a field of the kind's observed type).
    pub key: String,
    /// What the probe saw.
    pub observed: serde_json::Value,
    /// What the inventory wants.
    pub desired: serde_json::Value,
}

/// The outcome of diffing one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Proposed action.
    pub action: Action,
    /// Differing attributes, in the order of the desired attributes.
    pub attributes: Vec<AttrChange>,
    /// Why it is blocked, and the manual path.
    pub reason: Option<String>,
}

/// Compares `resource.desired` with `observed`.
pub fn diff(resource: &Resource, observed: &Observed) -> Diff {
    let attrs = observed.attributes();
    let attributes: Vec<AttrChange> = resource
        .desired
        .iter()
        .filter_map(|(k, want)| {
            let have = attrs.get(k).cloned().unwrap_or(serde_json::Value::Null);
            (!same(&have, want)).then(|| AttrChange {
                key: k.clone(),
                observed: have,
                desired: want.clone(),
            })
        })
        .collect();
    if !observed.exists() {
        return Diff {
            action: Action::Create,
            attributes,
            reason: None,
        };
    }
    if attributes.is_empty() {
        return Diff {
            action: Action::NoOp,
            attributes,
            reason: None,
        };
    }
    let blocked: Vec<&AttrChange> = attributes
        .iter()
        .filter(|a| resource.immutable.contains(&a.key.as_str()))
        .collect();
    if let Some(first) = blocked.first() {
        let reason = manual_path(resource.kind, &first.key);
        return Diff {
            action: Action::Blocked,
            reason: Some(reason),
            attributes,
        };
    }
    Diff {
        action: Action::Update,
        attributes,
        reason: None,
    }
}

/// JSON equality, except that a JSON array of strings compares as a set when both sides are
/// sorted lists already (probes sort them) — plain equality is enough there.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The explanation of a blocked change: why bisrc will not do it and what to do by hand
/// (each kind module knows its own).
pub fn manual_path(kind: ResourceKind, key: &str) -> String {
    kind.manual_path(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Target;
    use serde_json::json;

    fn res(
        kind: ResourceKind,
        desired: serde_json::Value,
        immutable: Vec<&'static str>,
    ) -> Resource {
        Resource {
            address: "x".into(),
            kind,
            site: "s".into(),
            target: Target::Node { host: "N".into() },
            depends_on: vec![],
            params: Default::default(),
            desired: desired.as_object().unwrap().clone(),
            immutable,
            serial_group: None,
            secrets: vec![],
        }
    }

    #[test]
    fn create_update_noop_blocked() {
        let r = res(
            ResourceKind::WindowsFeature,
            json!({"installed": true}),
            vec![],
        );
        let missing =
            Observed::from_probe(ResourceKind::WindowsFeature, json!({"installed": false}))
                .unwrap();
        assert_eq!(diff(&r, &missing).action, Action::Create);
        let there =
            Observed::from_probe(ResourceKind::WindowsFeature, json!({"installed": true})).unwrap();
        assert_eq!(diff(&r, &there).action, Action::NoOp);

        let r = res(
            ResourceKind::SqlConfig,
            json!({"reachable": true, "max_degree_of_parallelism": 1}),
            vec![],
        );
        let o = Observed::from_probe(
            ResourceKind::SqlConfig,
            json!({"reachable": true, "max_server_memory_mb": 1, "min_server_memory_mb": null,
                   "max_degree_of_parallelism": 0, "tcp_port": 1433}),
        )
        .unwrap();
        let d = diff(&r, &o);
        assert_eq!(d.action, Action::Update);
        assert_eq!(
            d.attributes,
            vec![AttrChange {
                key: "max_degree_of_parallelism".into(),
                observed: json!(0),
                desired: json!(1)
            }]
        );

        let r = res(
            ResourceKind::Cluster,
            json!({"exists": true, "name": "B"}),
            vec!["name"],
        );
        let o = Observed::from_probe(
            ResourceKind::Cluster,
            json!({"exists": true, "name": "A", "static_address": null, "nodes": [], "groups": [], "has_quorum": true}),
        )
        .unwrap();
        let d = diff(&r, &o);
        assert_eq!(d.action, Action::Blocked);
        assert!(d.reason.unwrap().contains("renaming a cluster"));
    }
}
