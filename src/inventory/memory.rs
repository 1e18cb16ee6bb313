//! Memory of the SQL instances that can share a node (issue 9 #10).
//!
//! After a failover, every instance whose possible owners include a node can run there at
//! once. SQL Server never releases memory below `min server memory` once it has reached it,
//! so the mins of those instances, plus what the OS keeps, must fit in the node; and one
//! instance's max must fit on its own. Source: Microsoft's "Server memory configuration
//! options" (https://learn.microsoft.com/sql/database-engine/configure-windows/server-memory-server-configuration-options:
//! min server memory is a floor the buffer pool does not release below; reserve memory for
//! the OS; with several instances, set each one's min so that they fit together).

use super::{Cluster, SqlInstance};

/// What the operating system keeps on a node, in MB: the top of the 1–4 GB that Microsoft's
/// memory guidance reserves for Windows itself.
pub const OS_RESERVE_MB: u64 = 4096;

impl Cluster {
    /// The instances of this cluster that can run on `node` (it is one of their owners).
    pub fn instances_on_node<'a>(&'a self, node: &'a str) -> Vec<&'a SqlInstance> {
        self.sql_instances
            .iter()
            .filter(|i| i.owners(self).iter().any(|o| o.eq_ignore_ascii_case(node)))
            .collect()
    }
}

impl SqlInstance {
    /// How many instances of `cluster` (this one included) can run together on the busiest of
    /// this instance's possible owners.
    pub fn max_sharing(&self, cluster: &Cluster) -> u64 {
        self.owners(cluster)
            .into_iter()
            .map(|n| cluster.instances_on_node(n).len() as u64)
            .max()
            .unwrap_or(1)
            .max(1)
    }

    /// `min server memory (MB)`: as given; otherwise equal to max when the instance has its
    /// nodes to itself (BizTalk's guidance, biztalk-ha.md §1.3), and max divided by the number
    /// of instances that can share one of its nodes when several can (active/active).
    pub fn min_server_memory(&self, cluster: &Cluster) -> u64 {
        match &self.min_server_memory_mb {
            Some(m) => m.value,
            None => self.max_server_memory_mb.value / self.max_sharing(cluster),
        }
    }
}
