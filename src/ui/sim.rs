//! The simulated world as a Windows administrator would see it (`bisrc sim status`), in the
//! shape of `Get-ClusterNode`, `Get-ClusterGroup`, `Get-ClusterResource` and SSMS, and the
//! one-line confirmations of `bisrc sim fault`. Takes sim's status; prints to stdout.

use std::fmt::Write as _;
use std::io::Write as _;

use super::OutputFormat;
use super::Ui;
use crate::sim::WorldStatus;

impl Ui {
    /// Prints `bisrc sim status`.
    pub fn sim_status(&mut self, s: &WorldStatus) {
        let text = match self.format {
            OutputFormat::Json => {
                serde_json::to_string_pretty(s).expect("status serializes") + "\n"
            }
            OutputFormat::Human => status_text(s),
        };
        let _ = self.out().write_all(text.as_bytes());
    }

    /// Prints what `bisrc sim fault` did.
    pub fn sim_fault(&mut self, done: &str) {
        let text = match self.format {
            OutputFormat::Json => format!("{}\n", serde_json::json!({ "fault": done })),
            OutputFormat::Human => format!("{done}\n"),
        };
        let _ = self.out().write_all(text.as_bytes());
    }
}

fn or_dash(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The human status report.
// Headers go through the same width specifiers as their rows, so they stay aligned.
#[allow(clippy::write_literal)]
pub fn status_text(s: &WorldStatus) -> String {
    let w = &s.world;
    let mut o = String::new();
    let mut sites: Vec<&str> = w.hosts.values().map(|h| h.site.as_str()).collect();
    sites.dedup();
    for site in sites {
        let _ = writeln!(o, "Site {site}");
        let _ = writeln!(
            o,
            "\n  {:<16} {:<6} {:<12} {}",
            "Server", "State", "Role", "Features / stopped services"
        );
        for h in w.hosts.values().filter(|h| h.site == site) {
            let mut extra: Vec<String> = h.features.iter().cloned().collect();
            extra.extend(h.stopped_services.iter().map(|s| format!("{s} stopped")));
            let _ = writeln!(
                o,
                "  {:<16} {:<6} {:<12} {}",
                h.name,
                if h.up { "Up" } else { "Down" },
                if h.sql_node { "SQL node" } else { "BizTalk" },
                extra.join(", ")
            );
        }
        let _ = writeln!(
            o,
            "\n  {:<6} {:<12} {:<10} {:<8} {:<6} {:<6} {}",
            "Disk", "Resource", "State", "FS", "Letter", "GB", "Cluster"
        );
        for d in w.disks.values().filter(|d| d.site == site) {
            let _ = writeln!(
                o,
                "  {:<6} {:<12} {:<10} {:<8} {:<6} {:<6} {}",
                d.number,
                or_dash(d.resource_name.as_ref()),
                or_dash(d.state.as_ref()),
                d.file_system
                    .as_ref()
                    .map_or("RAW".to_string(), |f| format!(
                        "{f}/{}K",
                        d.allocation_unit_kb.unwrap_or(4)
                    )),
                or_dash(d.letter.as_ref()),
                d.size_gb,
                or_dash(d.cluster.as_ref())
            );
        }
        for c in w.clusters.values().filter(|c| c.site == site) {
            let view = s.clusters.iter().find(|v| v.name == c.name);
            let quorum = view.is_some_and(|v| v.has_quorum);
            let witness = match c.witness.kind.as_str() {
                "disk" => format!("disk witness {}", or_dash(c.witness.disk.as_ref())),
                "file_share" => format!("file share witness {}", or_dash(c.witness.path.as_ref())),
                "cloud" => format!("cloud witness {}", or_dash(c.witness.account.as_ref())),
                _ => "no witness".to_string(),
            };
            let _ = writeln!(
                o,
                "\n  Cluster {} ({}): {}, {witness}",
                c.name,
                c.ip,
                if quorum {
                    "quorum OK"
                } else {
                    "NO QUORUM (cluster stopped)"
                }
            );
            let _ = writeln!(o, "\n    {:<16} {}", "Name", "State");
            let _ = writeln!(o, "    {:<16} {}", "----", "-----");
            for n in view.map(|v| v.nodes.as_slice()).unwrap_or_default() {
                let _ = writeln!(o, "    {:<16} {}", n.name, n.state);
            }
            let _ = writeln!(
                o,
                "\n    {:<28} {:<16} {:<8} {}",
                "Name", "OwnerNode", "State", "Disks / possible owners"
            );
            let _ = writeln!(
                o,
                "    {:<28} {:<16} {:<8} {}",
                "----", "---------", "-----", "-----------------------"
            );
            for g in view.map(|v| v.groups.as_slice()).unwrap_or_default() {
                let model = c.group(&g.name);
                let _ = writeln!(
                    o,
                    "    {:<28} {:<16} {:<8} {} / {}",
                    g.name,
                    g.owner,
                    g.state,
                    model.map(|m| m.disks.join(",")).unwrap_or_default(),
                    model
                        .map(|m| m.possible_owners.join(","))
                        .unwrap_or_default()
                );
            }
            let _ = writeln!(o, "\n    {:<20} {}", "Network", "Subnet / Role");
            for n in &c.networks {
                let _ = writeln!(o, "    {:<20} {} / {}", n.name, n.subnet, n.role);
            }
        }
        for i in w
            .instances
            .values()
            .filter(|i| w.cluster(&i.cluster).is_some_and(|c| c.site == site))
        {
            let _ = writeln!(
                o,
                "\n  SQL Server {}\\{} ({}) {} {} on {}; nodes {}",
                i.network_name,
                i.instance,
                i.ip,
                i.version,
                i.edition,
                i.cluster,
                i.installed_nodes.join(", ")
            );
            let _ = writeln!(
                o,
                "    max server memory {} MB, min {} MB, MAXDOP {}, TCP port {}",
                i.max_server_memory_mb,
                i.min_server_memory_mb,
                i.max_degree_of_parallelism,
                or_dash(i.tcp_port)
            );
            let _ = writeln!(
                o,
                "    logins: {}",
                i.logins.keys().cloned().collect::<Vec<_>>().join("; ")
            );
            if !i.databases.is_empty() {
                let _ = writeln!(
                    o,
                    "\n    {:<24} {:<12} {:<10} {}",
                    "Database", "Recovery", "AutoStats", "Publishing"
                );
                for (n, d) in &i.databases {
                    let _ = writeln!(
                        o,
                        "    {:<24} {:<12} {:<10} {}",
                        n,
                        d.recovery_model,
                        if d.auto_create_statistics || d.auto_update_statistics {
                            "on"
                        } else {
                            "off"
                        },
                        or_dash(d.publishing)
                    );
                }
            }
            if !i.jobs.is_empty() {
                let _ = writeln!(o, "\n    {:<56} {:<8} {}", "Job", "Enabled", "Last outcome");
                for (n, j) in &i.jobs {
                    let _ = writeln!(
                        o,
                        "    {:<56} {:<8} {}",
                        n,
                        j.enabled,
                        or_dash(j.last_outcome.as_ref())
                    );
                }
            }
            if let Some(l) = &i.log_shipping {
                let _ = writeln!(
                    o,
                    "\n    log shipping from {}: {}",
                    l.source,
                    l.databases.join(", ")
                );
            }
        }
        let _ = writeln!(o);
    }
    if !w.faults.fail.is_empty() || !w.faults.slow.is_empty() {
        let _ = writeln!(o, "Step faults");
        for f in &w.faults.fail {
            let _ = writeln!(
                o,
                "  fail {} ({})",
                f.glob,
                f.remaining
                    .map_or("until cleared".into(), |n| format!("{n} left"))
            );
        }
        for f in &w.faults.slow {
            let _ = writeln!(o, "  slow {} (+{} s)", f.glob, f.seconds);
        }
    }
    o
}
