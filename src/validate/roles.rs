//! Clustered roles other than SQL: the DTC (BZ123) and SSO (BZ124) roles' preferred owners are
//! nodes of their cluster.

use crate::inventory::{Inventory, SpStr};

use super::{did_you_mean, Diagnostic, Rule, BZ123, BZ124};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    for (_, c) in inv.clusters() {
        let roles: [(&Rule, &str, Option<&Vec<SpStr>>); 2] = [
            (
                &BZ123,
                "DTC",
                c.dtc.as_ref().and_then(|d| d.preferred_owners.as_ref()),
            ),
            (
                &BZ124,
                "SSO",
                c.sso_master_secret
                    .as_ref()
                    .and_then(|s| s.preferred_owners.as_ref()),
            ),
        ];
        for (rule, role, owners) in roles {
            for o in owners.into_iter().flatten() {
                if !c.nodes.iter().any(|n| n.eq_ignore_ascii_case(o)) {
                    out.push(
                        rule.at(
                            o.loc,
                            format!(
                                "{role} preferred owner {o} is not a node of cluster {}",
                                c.name
                            ),
                        )
                        .hint("list nodes of the cluster, in the order they should own the role")
                        .maybe_hint(did_you_mean(o, c.nodes.iter().map(|n| n.as_str()))),
                    );
                }
            }
        }
    }
}
