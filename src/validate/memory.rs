//! Memory rules (issue 9 #10): `min server memory` not above max, and the instances that can
//! land on one node fit in its memory together (`nodes[].memory_mb`, when given). The
//! arithmetic and its source live in `inventory::memory`.

use crate::inventory::{Inventory, OS_RESERVE_MB};

use super::{Diagnostic, BZ120, BZ121, BZ122};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    for (_, _, i) in inv.instances() {
        if let Some(min) = &i.min_server_memory_mb {
            if min.value > i.max_server_memory_mb.value {
                out.push(
                    BZ120
                        .at(
                            min.loc,
                            format!(
                                "min_server_memory_mb {} is above max_server_memory_mb {} of {}",
                                min.value, i.max_server_memory_mb.value, i.name
                            ),
                        )
                        .related(i.max_server_memory_mb.loc, "max_server_memory_mb")
                        .hint("SQL Server refuses a min above max (sp_configure); lower min_server_memory_mb or leave it out for the default"),
                );
            }
        }
    }
    for (site, cluster) in inv.clusters() {
        for name in &cluster.nodes {
            let Some(node) = site.node(name) else {
                continue;
            };
            let Some(memory) = &node.memory_mb else {
                continue;
            };
            let room = memory.value.saturating_sub(OS_RESERVE_MB);
            let on = cluster.instances_on_node(name);
            for i in &on {
                if i.max_server_memory_mb.value > room {
                    out.push(
                        BZ122
                            .at(
                                i.max_server_memory_mb.loc,
                                format!(
                                    "max_server_memory_mb {} of {} does not fit on {} ({} MB, {} MB kept for Windows)",
                                    i.max_server_memory_mb.value, i.name, node.name, memory.value, OS_RESERVE_MB
                                ),
                            )
                            .related(memory.loc, format!("memory of {}", node.name))
                            .hint(format!("give {} at most {room} MB", i.name)),
                    );
                }
            }
            let mins: u64 = on.iter().map(|i| i.min_server_memory(cluster)).sum();
            if on.len() > 1 && mins > room {
                let names: Vec<String> = on
                    .iter()
                    .map(|i| format!("{} ({} MB)", i.name, i.min_server_memory(cluster)))
                    .collect();
                out.push(
                    BZ121
                        .at(
                            memory.loc,
                            format!(
                                "after a failover {} can all run on {}: their min server memory adds up to {mins} MB, above the {room} MB left of {} MB once Windows keeps {} MB",
                                names.join(", "),
                                node.name,
                                memory.value,
                                OS_RESERVE_MB
                            ),
                        )
                        .hint("SQL Server does not release memory below min server memory: lower each instance's min_server_memory_mb so that they fit together"),
                );
            }
        }
    }
}
