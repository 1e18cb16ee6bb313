//! Validation benchmark: generates inventories of 1, 50 and 500 sites (one two-node cluster
//! each, with DTC, SSO and one FCI), then times parsing and validation with `std::time`.
//! Run with `cargo bench --bench validate`; prints a table. Nothing is asserted here.

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn site(i: usize) -> String {
    let (a, b) = (i / 200, i % 200);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"  - name: site{i}
    networks:
      - {{ name: Public, subnet: 10.{a}.{b}.0/24, role: cluster_and_client }}
    nodes:
      - {{ name: N{i}A, address: n{i}a.contoso.local, ips: [10.{a}.{b}.11] }}
      - {{ name: N{i}B, address: n{i}b.contoso.local, ips: [10.{a}.{b}.12] }}
    storage:
      - {{ name: Quorum,  disk: 1, letter: Q, size_gb: 1 }}
      - {{ name: SQLData, disk: 2, letter: S, size_gb: 500, allocation_unit_kb: 64 }}
      - {{ name: SQLLog,  disk: 3, letter: L, size_gb: 200, allocation_unit_kb: 64 }}
      - {{ name: DTC,     disk: 4, letter: M, size_gb: 5 }}
    clusters:
      - name: CL{i}
        ip: 10.{a}.{b}.20
        nodes: [N{i}A, N{i}B]
        quorum: {{ witness: disk, disk: Quorum }}
        dtc: {{ name: DTC{i}, ip: 10.{a}.{b}.21, disk: DTC }}
        sso_master_secret: {{ name: SSO{i}, ip: 10.{a}.{b}.23 }}
        sql_instances:
          - name: SQL{i}
            instance: MSSQLSERVER
            ip: 10.{a}.{b}.22
            version: "2019"
            edition: Enterprise
            setup_media: C:\media\SQLServer2019
            disks: [SQLData, SQLLog]
            paths: {{ data: S:\MSSQL\Data, log: L:\MSSQL\Log, tempdb: S:\MSSQL\TempDB, backup: S:\MSSQL\Backup }}
            service_accounts:
              engine: {{ user: CONTOSO\gmsa-sql{i}$ }}
              agent: {{ user: CONTOSO\gmsa-agt{i}$ }}
            sysadmins: [CONTOSO\SQL Admins]
            max_server_memory_mb: 57344
            tempdb_files: 8
"#
    );
    s
}

fn inventory(sites: usize) -> String {
    let mut s = String::from(
        r#"version: 1
environment: bench
biztalk:
  version: "2020"
  groups:
    administrators: CONTOSO\BizTalk Server Administrators
    operators: CONTOSO\BizTalk Server Operators
    sso_administrators: CONTOSO\SSO Administrators
domain: { netbios: CONTOSO, fqdn: contoso.local }
connection: { transport: simulated }
sites:
"#,
    );
    for i in 0..sites {
        s.push_str(&site(i));
    }
    s.push_str(
        r#"databases:
  - { name: BizTalkMgmtDb,   role: management, instance: SQL0 }
  - { name: BizTalkMsgBoxDb, role: messagebox, instance: SQL0 }
  - { name: BizTalkDTADb,    role: tracking,   instance: SQL0 }
  - { name: SSODB,           role: sso,        instance: SQL0 }
backup:
  destination: \\backup\biztalk\
  frequency: daily
  mark_name: BTS
  days_to_keep: 7
"#,
    );
    for i in 1..sites {
        if i == 1 {
            s.push_str("  log_shipping:\n");
        }
        let _ = writeln!(s, "    - {{ source: SQL0, destination: SQL{i} }}");
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    println!(
        "{:>6} {:>10} {:>12} {:>12} {:>12}",
        "sites", "bytes", "parse", "validate", "diagnostics"
    );
    for sites in [1usize, 50, 500] {
        let text = inventory(sites);
        let runs = if sites >= 500 { 5 } else { 20 };
        let mut parse = Vec::new();
        let mut check = Vec::new();
        let mut count = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let loaded = bisrc::inventory::parse(Path::new("bench.yaml"), text.clone())
                .expect("the generated inventory parses");
            parse.push(t.elapsed());
            let t = Instant::now();
            let diags = bisrc::validate::validate(&loaded);
            check.push(t.elapsed());
            count = diags.len();
        }
        println!(
            "{:>6} {:>10} {:>12.2?} {:>12.2?} {:>12}",
            sites,
            text.len(),
            median(parse),
            median(check),
            count
        );
    }
}
