//! `cluster_validation` on a simulated node: `Test-Cluster` and its latest report.

use super::{Simulated, Spec};
use crate::kind::cluster_validation::{ClusterValidation, ClusterValidationObserved, CHECK_PASSED};
use crate::sim::cluster::{active, features_installed};
use crate::sim::world::{ValidationState, World};
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

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let nodes = s.params.nodes.clone();
        features_installed(w, &nodes)?;
        let down: Vec<&String> = nodes.iter().filter(|n| !active(w, n)).collect();
        if !down.is_empty() {
            return Err(format!(
                "Test-Cluster : Validation failed: node(s) {} did not respond. Bring them up and run validation again.",
                down.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        w.validations.insert(
            s.params.cluster.to_ascii_uppercase(),
            ValidationState {
                nodes,
                passed: true,
                failed: vec![],
            },
        );
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
