//! Clustered roles other than SQL: the DTC role's preferred owners are nodes of its cluster.

use crate::inventory::Inventory;

use super::{did_you_mean, Diagnostic, BZ123};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    for (_, c) in inv.clusters() {
        let Some(owners) = c.dtc.as_ref().and_then(|d| d.preferred_owners.as_ref()) else {
            continue;
        };
        for o in owners {
            if !c.nodes.iter().any(|n| n.eq_ignore_ascii_case(o)) {
                out.push(
                    BZ123
                        .at(
                            o.loc,
                            format!(
                                "DTC preferred owner {o} is not a node of cluster {}",
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
