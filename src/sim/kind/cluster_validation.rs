//! `cluster_validation` on a simulated node: `Test-Cluster` and its latest report.

use super::{Simulated, Spec};
use crate::kind::cluster_validation::{ClusterValidation, ClusterValidationObserved, CHECK_PASSED};
use crate::sim::cluster::{active, features_installed};
use crate::sim::world::{DiskState, GroupKind, ValidationState, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for ClusterValidation {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<ClusterValidationObserved, String> {
        let v = w.validations.get(&s.params.cluster.to_ascii_uppercase());
        Ok(ClusterValidationObserved {
            report_exists: v.is_some(),
            passed: v.map(|v| v.passed),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let nodes = s.params.nodes.clone();
        // WB-VAL-02: Test-Cluster connects to every node as the account; access denied throws.
        crate::sim::env::require_admin_on(w, &nodes, "Test-Cluster")?;
        features_installed(w, &nodes)?;
        let down: Vec<&String> = nodes.iter().filter(|n| !active(w, n)).collect();
        if !down.is_empty() {
            return Err(format!(
                "Test-Cluster : Validation failed: node(s) {} did not respond. Bring them up and run validation again.",
                down.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        // WB-VAL-05: the CSV tests create the local user CliTest2 on every node; a policy that
        // forbids local accounts fails "Validate CSV Settings" (reported, not thrown).
        let failed: Vec<String> = nodes
            .iter()
            .filter(|n| w.env.host(n).local_accounts_forbidden)
            .map(|n| format!("Storage - Validate CSV Settings (node {n}: the local user CliTest2 could not be created)"))
            .collect();
        // WB-VAL-04: storage tests skip disks online in a clustered role; with every shared
        // disk so, the Storage category tested nothing. Only the validation New-Cluster
        // relies on counts: once the cluster exists, re-validating it gates nothing.
        let site = w.host(&c.node).map(|h| h.site.clone()).unwrap_or_default();
        let in_a_role = |d: &DiskState| {
            d.state.as_deref() == Some("Online")
                && d.cluster
                    .as_deref()
                    .and_then(|cl| w.cluster(cl))
                    .zip(d.resource_name.as_deref())
                    .and_then(|(cl, r)| cl.group_of_disk(r))
                    .is_some_and(|g| g.kind != GroupKind::Storage)
        };
        let disks: Vec<_> = w.disks.values().filter(|d| d.site == site).collect();
        let skipped = if w.cluster(&s.params.cluster).is_none()
            && !disks.is_empty()
            && disks.iter().all(|d| in_a_role(d))
        {
            vec!["Storage".to_string()]
        } else {
            vec![]
        };
        w.validations.insert(
            s.params.cluster.to_ascii_uppercase(),
            ValidationState {
                nodes,
                passed: failed.is_empty(),
                failed: failed.clone(),
                skipped,
            },
        );
        // WB-VAL-03: Test-Cluster itself does not throw over a failed test; the template reads
        // its warnings and fails the step naming them.
        if !failed.is_empty() {
            return Err(format!(
                "cluster validation failed: {}; fix them and read the report",
                failed.join("; ")
            ));
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &ClusterValidationObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let ok = o.report_exists && o.passed == Some(true);
        Ok(vec![check(
            CHECK_PASSED,
            ok,
            if ok {
                "the latest validation report passed".to_string()
            } else if o.report_exists {
                format!("the validation report has failures; fix them and {apply_hint}")
            } else {
                format!("no validation report; {apply_hint} (Test-Cluster)")
            },
        )])
    }
}
