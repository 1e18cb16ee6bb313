//! `bisrc validate`, `schema`, `init` and `completions` through the real binary: every rule of
//! the catalogue is triggered by a one-line mutation of an example inventory, every kind of
//! bad input is rejected cleanly, and the renderings are pinned by snapshots.

use std::collections::BTreeSet;

use crate::harness::Test;

const LAB: &str = include_str!("../../inventories/lab.yaml");
const PROD: &str = include_str!("../../inventories/contoso-prod.yaml");
const SCALED: &str = include_str!("../../inventories/scaled-out.yaml");
const LAB_AG: &str = include_str!("../../inventories/ag/lab-ag.yaml");

/// One invalid (or warned-about) inventory: a base text, replacements applied in order (each
/// `from` must occur), and the code and line expected among the diagnostics.
struct Case {
    base: &'static str,
    edits: &'static [(&'static str, &'static str)],
    code: &'static str,
    line: u64,
    exit: i32,
}

const fn case(
    base: &'static str,
    edits: &'static [(&'static str, &'static str)],
    code: &'static str,
    line: u64,
    exit: i32,
) -> Case {
    Case {
        base,
        edits,
        code,
        line,
        exit,
    }
}

const LAB_SQL2: &str =
    "      - { name: LABSQL2, address: labsql2.lab.local, ips: [192.168.50.12] }";
const LAB_SQL3: &str = "      - { name: LABSQL2, address: labsql2.lab.local, ips: [192.168.50.12] }\n      - { name: LABSQL3, address: labsql3.lab.local, ips: [192.168.50.13] }";

/// lab-ag's replica lines, and a second availability group for its cluster.
const AG_R2: &str = "              - { node: LABAG2, commit: synchronous, failover: automatic }\n";
const AG_R3: &str = "              - { node: LABAG3, commit: synchronous, failover: manual }\n";
const AG_LISTENER: &str =
    "            listener: { name: LABBTSAG, ips: [192.168.60.30], port: 1433 }\n";
const AG_SECOND: &str = "            listener: { name: LABBTSAG, ips: [192.168.60.30], port: 1433 }\n          - name: BizTalkAG2\n            version: \"2019\"\n            edition: Developer\n            service_account: { user: LAB\\gmsa-sqlbts$ }\n            replicas:\n              - { node: LABAG1, commit: synchronous, failover: automatic }\n              - { node: LABAG2, commit: synchronous, failover: automatic }\n            listener: { name: LABBTSAG2, ips: [192.168.60.31] }\n";
/// An availability group on the FCI lab's nodes, with the FCI's instance name.
const LAB_FCI_END: &str = "            port: 1433\n\n";
const LAB_AG_ON_FCI: &str = "            port: 1433\n        availability_groups:\n          - name: BizTalkAG\n            version: \"2019\"\n            edition: Developer\n            instance: MSSQLSERVER\n            service_account: { user: LAB\\gmsa-sqlbts$ }\n            replicas:\n              - { node: LABSQL1, commit: synchronous, failover: automatic }\n              - { node: LABSQL2, commit: synchronous, failover: automatic }\n            listener: { name: LABBTSAG, ips: [192.168.50.30] }\n\n";

/// `biztalk.sso` added to the lab (lines 15-18) and to contoso-prod (lines 18-21) with
/// `rule_engine_account` (line 22).
const LAB_HOSTS: &str = "    host_users: [LAB\\BizTalk Application Users]\n";
const LAB_SSO: &str = "    host_users: [LAB\\BizTalk Application Users]\n  sso:\n    service_account: { user: LAB\\svc-entsso, password: { env: BTS_SSO_PASSWORD } }\n    backup_file: C:\\BizTalk\\SSO\\secret.bak\n    backup_password: { env: BTS_SSO_BACKUP_PASSWORD }\n";
const PROD_HOSTS: &str = "      - CONTOSO\\BizTalk Isolated Host Users\n";
const PROD_SSO: &str = "      - CONTOSO\\BizTalk Isolated Host Users\n  sso:\n    service_account: { user: CONTOSO\\svc-entsso, password: { env: BTS_SSO_PASSWORD } }\n    backup_file: C:\\BizTalk\\SSO\\secret.bak\n    backup_password: { env: BTS_SSO_BACKUP_PASSWORD }\n  rule_engine_account: { user: CONTOSO\\svc-bre, password: { env: BTS_BRE_PASSWORD } }\n";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // load: syntax and types
    case(LAB, &[("  days_to_keep: 7", "  days_to_keep: seven")], "BZ001", 74, 1),
    case(LAB, &[("  mark_name: BTS", "  mark_name: BTS\n  mark: X")], "BZ001", 74, 1),
    case(LAB, &[("  days_to_keep: 7", "  days_to_keep: 7\n  compression: yes")], "BZ001", 75, 1),
    case(LAB, &[("  mark_name: BTS", "  mark_name: BTS\n  mark_name: BTS")], "BZ001", 74, 1),
    case(LAB, &[("port: 1433", "port: 99999")], "BZ001", 62, 1),
    case(LAB, &[("environment: lab", "environment: [lab]")], "BZ001", 6, 1),
    case(LAB, &[("quorum: { witness: disk,", "quorum: { witness: disks,")], "BZ001", 41, 1),
    case(LAB, &[("engine: { user: LAB\\gmsa-sqlbts$ }", "engine: { user: LAB\\gmsa-sqlbts$, password: { vault: x } }")], "BZ001", 57, 1),
    // misc
    case(LAB, &[("version: 1", "version: 2")], "BZ005", 5, 1),
    case(LAB, &[("environment: lab", "environment: lab/../x")], "BZ006", 6, 1),
    case(LAB, &[("data: S:\\MSSQL\\Data", "data: \"S:\\\\MSSQL\\nData\"")], "BZ007", 52, 1),
    case(LAB, &[("name: LABSQLCL", "name: \"LAB\\tSQLCL\"")], "BZ007", 38, 1),
    case(LAB, &[("log: L:\\MSSQL\\Log", "log: 'L:\\MSSQL\\\"Log'")], "BZ008", 53, 1),
    // references
    case(LAB, &[("nodes: [LABSQL1, LABSQL2]", "nodes: [LABSQL1, LABSQL3]")], "BZ010", 40, 1),
    case(LAB, &[("disks: [SQLData, SQLLog]", "disks: [SQLData, SQLLogs]")], "BZ011", 50, 1),
    case(LAB, &[("disk: Quorum }", "disk: Quorom }")], "BZ012", 41, 1),
    case(LAB, &[("disk: DTC }", "disk: DTX }")], "BZ013", 42, 1),
    case(PROD, &[("ip: 10.10.0.23 }", "ip: 10.10.0.23, disk: SSO }")], "BZ014", 56, 1),
    case(LAB, &[("role: tracking,   instance: LABBTSSQL", "role: tracking,   instance: LABBTSSQ1")], "BZ015", 67, 1),
    case(PROD, &[("destination: DRSQL01 }", "destination: DRSQL02 }")], "BZ016", 137, 1),
    case(SCALED, &[("preferred_owners: [FABSQL01, FABSQL02]", "preferred_owners: [FABSQL01, FABSQL03]")], "BZ017", 56, 1),
    case(LAB, &[("role: management, instance: LABBTSSQL", "role: management, instance: LABSQL1")], "BZ018", 65, 1),
    // uniqueness
    case(LAB, &[("dtc: { name: LABDTC,", "dtc: { name: LABSQL2,")], "BZ020", 42, 1),
    case(PROD, &[("  - name: dr\n", "  - name: primary\n")], "BZ021", 78, 1),
    case(LAB, &[("{ name: DTC,     disk: 4", "{ name: SQLLog,  disk: 4")], "BZ022", 36, 1),
    case(LAB, &[("{ name: SSODB,           role: sso,", "{ name: BizTalkDTADb,    role: sso,")], "BZ023", 68, 1),
    case(LAB, &[("ips: [192.168.50.12]", "ips: [192.168.50.11]")], "BZ024", 29, 1),
    case(LAB, &[("disk: 4, letter: M", "disk: 3, letter: M")], "BZ025", 36, 1),
    case(LAB, &[("disk: 4, letter: M", "disk: 4, letter: L")], "BZ026", 36, 1),
    case(LAB, &[("ip: 192.168.50.21, disk: DTC }", "ip: 192.168.50.21, disk: SQLLog }")], "BZ027", 50, 1),
    case(SCALED, &[("instance: TRACKING", "instance: MSGBOX")], "BZ028", 67, 1),
    // names
    case(LAB, &[("name: LABSQLCL", "name: LAB_SQLCL")], "BZ030", 38, 1),
    case(LAB, &[("name: LABBTS1,", "name: LABBTS1234567890,")], "BZ030", 31, 1),
    case(LAB, &[("name: LABDTC,", "name: 12345,")], "BZ030", 42, 1),
    case(LAB, &[("instance: MSSQLSERVER", "instance: 1MSSQL")], "BZ031", 45, 1),
    // addresses
    case(LAB, &[("ip: 192.168.50.20", "ip: 192.168.50.300")], "BZ040", 39, 1),
    case(LAB, &[("subnet: 192.168.50.0/24", "subnet: 192.168.50.0/33")], "BZ041", 26, 1),
    case(LAB, &[("subnet: 192.168.50.0/24", "subnet: 192.168.50.1/24")], "BZ041", 26, 1),
    case(LAB, &[("ip: 192.168.50.22", "ip: 192.168.51.22")], "BZ042", 46, 1),
    case(PROD, &[("ip: 10.10.0.20", "ip: 10.20.0.20")], "BZ042", 52, 1),
    case(LAB, &[("ips: [192.168.50.12]", "ips: [10.0.0.12]")], "BZ043", 29, 1),
    case(LAB, &[("ip: 192.168.50.20", "ip: 192.168.50.255")], "BZ044", 39, 1),
    // storage and paths
    case(LAB, &[("backup: S:\\MSSQL\\Backup", "backup: MSSQL\\Backup")], "BZ050", 55, 1),
    case(LAB, &[("data: S:\\MSSQL\\Data", "data: Q:\\MSSQL\\Data")], "BZ051", 52, 1),
    case(LAB, &[("data: S:\\MSSQL\\Data", "data: D:\\MSSQL\\Data")], "BZ051", 52, 1),
    case(LAB, &[("tempdb: S:\\MSSQL\\TempDB", "tempdb: D:\\TempDB")], "BZ052", 54, 0),
    case(LAB, &[("log: L:\\MSSQL\\Log", "log: S:\\MSSQL\\Log")], "BZ053", 53, 0),
    case(LAB, &[("size_gb: 50, allocation_unit_kb: 64", "size_gb: 50, allocation_unit_kb: 4")], "BZ054", 35, 0),
    case(LAB, &[("size_gb: 50, allocation_unit_kb: 64", "size_gb: 50")], "BZ054", 35, 0),
    case(LAB, &[("letter: Q,", "letter: QQ,")], "BZ055", 33, 1),
    // cluster shape
    case(LAB, &[("nodes: [LABSQL1, LABSQL2]", "nodes: [LABSQL1]")], "BZ060", 38, 1),
    case(LAB, &[("quorum: { witness: disk, disk: Quorum }", "quorum: { witness: none }")], "BZ061", 41, 1),
    case(LAB, &[(LAB_SQL2, LAB_SQL3), ("nodes: [LABSQL1, LABSQL2]", "nodes: [LABSQL1, LABSQL2, LABSQL3]"), ("edition: Developer", "edition: Standard")], "BZ062", 49, 1),
    case(PROD, &[("path: \\\\fs02.contoso.local\\witness\\DRSQLCL01", "path: fs02\\witness")], "BZ063", 97, 1),
    case(PROD, &[("quorum: { witness: file_share, path: \\\\fs02.contoso.local\\witness\\DRSQLCL01 }", "quorum: { witness: file_share }")], "BZ063", 97, 1),
    case(SCALED, &[("account: fabrikamwitness, access_key: { env: WITNESS_KEY } }", "account: fabrikamwitness }")], "BZ064", 48, 1),
    case(LAB, &[("{ witness: disk, disk: Quorum }", "{ witness: disk }")], "BZ065", 41, 1),
    case(LAB, &[("{ witness: disk, disk: Quorum }", "{ witness: disk, disk: Quorum, path: \\\\fs\\w }")], "BZ066", 41, 1),
    // BizTalk
    case(LAB, &[("version: \"2020\"", "version: \"2013\"")], "BZ070", 9, 1),
    case(LAB, &[("  - { name: BizTalkDTADb,    role: tracking,   instance: LABBTSSQL }\n", "")], "BZ071", 65, 1),
    case(LAB, &[("{ name: SSODB,           role: sso,", "{ name: SSODB,           role: tracking,")], "BZ072", 68, 1),
    case(LAB, &[("role: management, instance: LABBTSSQL }", "role: management, instance: LABBTSSQL, publishing: false }")], "BZ073", 65, 1),
    case(LAB, &[("role: messagebox, instance: LABBTSSQL }", "role: messagebox, instance: LABBTSSQL, publishing: false }")], "BZ074", 66, 1),
    case(LAB, &[("role: messagebox, instance: LABBTSSQL }", "role: messagebox, instance: LABBTSSQL }\n  - { name: BizTalkMsgBoxDb2, role: messagebox, instance: LABBTSSQL }")], "BZ075", 67, 0),
    case(LAB, &[("version: \"2020\"", "version: \"2016\"")], "BZ076", 47, 1),
    case(LAB, &[("version: \"2019\"", "version: \"2012\"")], "BZ077", 47, 1),
    case(LAB, &[("administrators: LAB\\BizTalk Server Administrators", "administrators: OTHER\\BizTalk Server Administrators")], "BZ078", 11, 1),
    case(LAB, &[("operators: LAB\\BizTalk Server Operators", "operators: BizTalk Server Operators")], "BZ078", 12, 1),
    case(SCALED, &[], "BZ079", 91, 0),
    // accounts and secrets
    case(PROD, &[("password: { env: SQL_ENGINE_PASSWORD }", "password: Hunter2Secret")], "BZ080", 71, 1),
    case(PROD, &[("password: { env: BISRC_DEPLOY_PASSWORD }", "password: \"Hunter2Secret\"")], "BZ080", 28, 1),
    case(SCALED, &[("access_key: { env: WITNESS_KEY }", "access_key: Hunter2Secret")], "BZ080", 48, 1),
    case(PROD, &[("user: CONTOSO\\svc-bisrc", "user: svc-bisrc")], "BZ081", 25, 1),
    case(LAB, &[("engine: { user: LAB\\gmsa-sqlbts$ }", "engine: { user: LAB\\gmsa-sqlbts$, password: { env: X } }")], "BZ082", 57, 1),
    case(LAB, &[("engine: { user: LAB\\gmsa-sqlbts$ }", "engine: { user: LAB\\svc-sqlbts }")], "BZ083", 57, 1),
    case(LAB, &[("sysadmins: [LAB\\BizTalk Server Administrators]", "sysadmins: [OTHER\\SQL Admins]")], "BZ084", 59, 0),
    // backup and DR
    case(PROD, &[("backup_hour: 1", "backup_hour: 24")], "BZ090", 131, 1),
    case(LAB, &[("days_to_keep: 7", "days_to_keep: 0")], "BZ091", 74, 1),
    case(LAB, &[("destination: S:\\MSSQL\\Backup\\BizTalk\\", "destination: backups")], "BZ092", 71, 1),
    case(PROD, &[("destination: DRSQL01 }", "destination: BTSSQL01 }")], "BZ093", 137, 1),
    case(PROD, &[("version: \"2019\"              # log shipping", "version: \"2017\"              # log shipping")], "BZ094", 103, 1),
    case(PROD, &[("the restore cannot move files\n              data: S:\\MSSQL\\Data", "the restore cannot move files\n              data: S:\\MSSQL\\DataDR")], "BZ095", 108, 1),
    case(SCALED, &[("  days_to_keep: 14", "  days_to_keep: 14\n  log_shipping:\n    - { source: FABMSGSQL, destination: FABTRKSQL }")], "BZ096", 99, 1),
    // instance settings and connection
    case(LAB, &[("max_server_memory_mb: 8192", "max_server_memory_mb: 512")], "BZ100", 60, 1),
    case(LAB, &[("tempdb_files: 4", "tempdb_files: 9")], "BZ101", 61, 1),
    case(PROD, &[("  user: CONTOSO\\svc-bisrc\n", "")], "BZ102", 24, 1),
    case(SCALED, &[("  identity_file: ~/.ssh/id_ed25519\n", ""), ("  password: { file: ~/.config/bisrc/fabrikam.pw }\n", "")], "BZ103", 22, 1),
    case(PROD, &[("  password: { env: BISRC_DEPLOY_PASSWORD }", "")], "BZ104", 24, 0),
    case(PROD, &[("  password: { env: BISRC_DEPLOY_PASSWORD }", "")], "BZ105", 63, 0),
    // BizTalk group configuration accounts (missing ones are errors: BZ106, BZ108, BZ110)
    case(LAB, &[], "BZ106", 68, 1),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("backup_file: C:\\BizTalk\\SSO\\secret.bak", "backup_file: secret.bak")], "BZ107", 17, 1),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("backup_file: C:\\BizTalk\\SSO\\secret.bak", "backup_file: \\\\fs01\\sso\\secret.bak")], "BZ107", 17, 1),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("backup_file: C:\\BizTalk\\SSO\\secret.bak", "backup_file: C:\\BizTalk\\SSO\\")], "BZ107", 17, 1),
    case(PROD, &[], "BZ108", 125, 1),
    case(PROD, &[("  - { name: SSODB,               role: sso,                instance: BTSSQL01 }\n", "")], "BZ110", 56, 1),
    case(PROD, &[("dtc: { name: DRDTC01, ip: 10.110.0.21, disk: DTC }", "dtc: { name: DRDTC01, ip: 10.110.0.21, disk: DTC }\n        sso_master_secret: { name: DRSSO01, ip: 10.110.0.23 }")], "BZ111", 99, 1),
    // memory of the instances that can share a node (issue 9 #10)
    case(SCALED, &[("max_server_memory_mb: 98304\n", "max_server_memory_mb: 98304\n            min_server_memory_mb: 131072\n")], "BZ120", 65, 1),
    case(SCALED, &[("172.16.5.11] }", "172.16.5.11], memory_mb: 102400 }"), ("max_server_memory_mb: 98304\n", "max_server_memory_mb: 98304\n            min_server_memory_mb: 60000\n")], "BZ121", 33, 1),
    case(SCALED, &[("172.16.5.12] }", "172.16.5.12], memory_mb: 65536 }")], "BZ122", 64, 1),
    case(LAB, &[("disk: DTC }", "disk: DTC, preferred_owners: [LABSQL2, LABSQL9] }")], "BZ123", 42, 1),
    case(PROD, &[("sso_master_secret: { name: BTSSSO01, ip: 10.10.0.23 }", "sso_master_secret: { name: BTSSSO01, ip: 10.10.0.23, preferred_owners: [BTSSQL99], auto_failback: true }")], "BZ124", 56, 1),
    // ... and the account and secret rules cover the new accounts
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("backup_password: { env: BTS_SSO_BACKUP_PASSWORD }", "backup_password: Hunter2Secret")], "BZ080", 18, 1),
    case(PROD, &[(PROD_HOSTS, PROD_SSO), ("svc-bre, password: { env: BTS_BRE_PASSWORD }", "svc-bre, password: Hunter2Secret")], "BZ080", 22, 1),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("user: LAB\\svc-entsso", "user: svc-entsso")], "BZ081", 16, 1),
    case(PROD, &[(PROD_HOSTS, PROD_SSO), ("user: CONTOSO\\svc-bre", "user: OTHER\\svc-bre")], "BZ084", 22, 0),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("svc-entsso, password: { env: BTS_SSO_PASSWORD } }", "gmsa-entsso$, password: { env: BTS_SSO_PASSWORD } }")], "BZ082", 16, 1),
    case(PROD, &[(PROD_HOSTS, PROD_SSO), ("svc-bre, password: { env: BTS_BRE_PASSWORD } }", "svc-bre }")], "BZ083", 22, 1),
    case(LAB, &[(LAB_HOSTS, LAB_SSO), ("backup_password: { env: BTS_SSO_BACKUP_PASSWORD }\n", "backup_password: { env: BTS_SSO_BACKUP_PASSWORD }\n    affiliate_administrators: OTHER\\SSO Affiliate Administrators\n")], "BZ078", 19, 1),
    // availability groups (the passing inventory of each: lab-ag itself, in examples_are_valid)
    case(LAB_AG, &[("version: \"2019\"", "version: \"2014\"")], "BZ160", 40, 1),
    case(LAB_AG, &[("version: \"2019\"", "version: \"2016\"")], "BZ161", 40, 0),
    case(LAB_AG, &[("LABAG3, commit: synchronous", "LABAG3, commit: asynchronous")], "BZ162", 50, 1),
    case(LAB_AG, &[("dtc_support: per_db", "dtc_support: none")], "BZ163", 44, 1),
    case(LAB_AG, &[("node: LABAG3,", "node: LABAG4,")], "BZ164", 50, 1),
    case(LAB_AG, &[("node: LABAG3,", "node: labag2,")], "BZ164", 50, 1),
    case(LAB_AG, &[("LABAG2, commit: synchronous, failover: automatic", "LABAG2, commit: synchronous, failover: manual")], "BZ165", 39, 0),
    case(LAB_AG, &[(AG_R2, ""), (AG_R3, "")], "BZ166", 39, 1),
    case(LAB_AG, &[("version: \"2019\"", "version: \"2017\""), (AG_R3, "              - { node: LABAG3, commit: synchronous, failover: manual }\n              - { node: LABAG4, commit: synchronous, failover: manual }\n")], "BZ166", 39, 1),
    case(LAB_AG, &[("edition: Developer", "edition: Standard")], "BZ167", 41, 1),
    case(LAB_AG, &[("role: sso,        instance: LABBTSAG }", "role: sso,        instance: LABBTSAG }\n  - { name: BAMArchive, role: bam_archive, instance: LABBTSAG }")], "BZ168", 58, 1),
    case(LAB_AG, &[("role: sso,        instance: LABBTSAG }", "role: sso,        instance: LABBTSAG }\n  - { name: BizTalkMsgBoxDb2, role: messagebox, instance: LABAGSQL }")], "BZ169", 58, 1),
    case(LAB_AG, &[(AG_LISTENER, "            listener: { name: LABBTSAG, ips: [192.168.60.30], port: 1533 }\n")], "BZ170", 51, 0),
    case(LAB_AG, &[("role: cluster_and_client }\n", "role: cluster_and_client }\n      - { name: Public2, subnet: 192.168.61.0/24, role: cluster_and_client }\n"), ("ips: [192.168.60.30]", "ips: [192.168.60.30, 192.168.61.30]")], "BZ171", 52, 0),
    case(LAB_AG, &[(AG_LISTENER, AG_SECOND)], "BZ172", 59, 0),
    case(LAB_AG, &[("destination: \\\\labfs.lab.local\\backup\\BizTalk\\", "destination: C:\\Backup\\")], "BZ173", 60, 0),
    case(LAB_AG, &[(AG_LISTENER, AG_SECOND), ("name: BizTalkAG2", "name: biztalkag")], "BZ174", 52, 1),
    case(LAB, &[(LAB_FCI_END, LAB_AG_ON_FCI)], "BZ175", 67, 1),
    // what BizTalk does not support, where the inventory can say it
    case(LAB_AG, &[("days_to_keep: 7", "days_to_keep: 7\n  method: vss")], "BZ176", 64, 0),
    case(LAB_AG, &[("seeding: automatic", "seeding: manual")], "BZ177", 45, 0),
    case(LAB, &[(LAB_FCI_END, LAB_AG_ON_FCI), ("instance: MSSQLSERVER\n            service_account", "instance: BTSAG\n            service_account"), ("instance: LABBTSSQL }", "instance: LABBTSAG }"), ("instance: LABBTSSQL }", "instance: LABBTSAG }"), ("instance: LABBTSSQL }", "instance: LABBTSAG }"), ("instance: LABBTSSQL }", "instance: LABBTSAG }"), ("role: sso,        instance: LABBTSAG }", "role: sso,        instance: LABBTSAG }\n  - { name: BAMArchive, role: bam_archive, instance: LABBTSSQL }")], "BZ178", 79, 0),
    // ... and the computer-name and address rules cover listeners
    case(LAB_AG, &[("listener: { name: LABBTSAG,", "listener: { name: LABAG3,")], "BZ020", 51, 1),
    case(LAB_AG, &[("listener: { name: LABBTSAG,", "listener: { name: LAB_BTSAG,")], "BZ030", 51, 1),
    case(LAB_AG, &[("ips: [192.168.60.30]", "ips: [192.168.70.30]")], "BZ042", 51, 1),
];

/// An example inventory without its `biztalk.sso` section and `rule_engine_account`: the
/// base the cases are written against (their line numbers, and the BZ106/BZ108 errors
/// that the section prevents).
fn without_sso(text: &str) -> String {
    let mut out = String::new();
    let mut in_sso = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("  sso:") {
            in_sso = true;
            continue;
        }
        if in_sso && line.starts_with("    ") {
            continue;
        }
        in_sso = false;
        if line.starts_with("  rule_engine_account:") {
            continue;
        }
        out.push_str(line);
    }
    out
}

fn mutate(c: &Case) -> String {
    let mut text = without_sso(c.base);
    for (from, to) in c.edits {
        assert!(
            text.contains(from),
            "case {}: `{from}` is not in the base text",
            c.code
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// The lines `without_sso` takes out of `base`, and the line (1-based, in the stripped
/// text) before which they stood.
fn sso_block(base: &str) -> (String, u64) {
    let stripped = without_sso(base);
    let stripped: Vec<&str> = stripped.split_inclusive('\n').collect();
    let all: Vec<&str> = base.split_inclusive('\n').collect();
    let at = all
        .iter()
        .zip(&stripped)
        .position(|(a, b)| a != b)
        .unwrap_or(stripped.len());
    let n = all.len() - stripped.len();
    (all[at..at + n].concat(), at as u64 + 1)
}

/// Runs a case against its base with the example's own `biztalk.sso` (and
/// `rule_engine_account`) put back, since without them the base has the BZ106/BZ108 errors;
/// the diagnostics' lines are mapped back to the stripped text the cases are written
/// against. Cases about those sections (which add their own, or expect their absence) run
/// as written.
fn run_case(c: &Case) -> (crate::harness::Output, Vec<(String, u64)>) {
    let text = mutate(c);
    let about_sso = matches!(c.code, "BZ106" | "BZ108") || text.contains("\n  sso:");
    let (block, at) = sso_block(c.base);
    if about_sso || block.is_empty() {
        return run_json(&text);
    }
    // The edits may add or remove lines before the block; find its place again by the two
    // lines that followed it (a blank line and `domain:`).
    let stripped = without_sso(c.base);
    let follows: Vec<&str> = stripped
        .split_inclusive('\n')
        .skip(at as usize - 1)
        .take(2)
        .collect();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let here = lines
        .windows(2)
        .position(|w| w == follows.as_slice())
        .expect("the lines after biztalk.sso are still there");
    let with = [
        lines[..here].concat(),
        block.clone(),
        lines[here..].concat(),
    ]
    .concat();
    let n = block.split_inclusive('\n').count() as u64;
    let here = here as u64 + 1;
    let (out, found) = run_json(&with);
    let found = found
        .into_iter()
        .map(|(code, line)| (code, if line >= here + n { line - n } else { line }))
        .collect();
    (out, found)
}

fn run_json(text: &str) -> (crate::harness::Output, Vec<(String, u64)>) {
    let out = Test::new()
        .inventory_text(text)
        .args(["validate", "-i", Test::INVENTORY, "--format", "json"])
        .run();
    let json = out.json();
    let found = json["diagnostics"]
        .as_array()
        .unwrap_or_else(|| out.fail("no diagnostics array"))
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (out, found)
}

/// The warnings every example carries: since they have `biztalk.sso` (and contoso-prod its
/// rule engine account), only scaled-out's BAMStarSchema without BAM Analysis (BZ079).
const EXAMPLE_WARNINGS: &[(&str, &[(&str, u64)])] = &[
    ("lab", &[]),
    ("contoso-prod", &[]),
    ("scaled-out", &[("BZ079", 95)]),
    ("lab-ag", &[]),
];

fn example_warnings(name: &str, shift: u64) -> Vec<(String, u64)> {
    EXAMPLE_WARNINGS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1
        .iter()
        .map(|(c, l)| (c.to_string(), l - shift))
        .collect()
}

#[test]
fn examples_are_valid() {
    for (name, text) in [
        ("lab", LAB),
        ("contoso-prod", PROD),
        ("scaled-out", SCALED),
        ("lab-ag", LAB_AG),
    ] {
        // the copy with its schema comment, and the original without it
        let original = text.split_once('\n').map(|(first, rest)| {
            assert!(
                first.starts_with("# yaml-language-server: $schema="),
                "{name}"
            );
            rest
        });
        for (t, shift) in [(text, 0), (original.unwrap(), 1)] {
            let (out, found) = run_json(t);
            out.code(0);
            assert_eq!(found, example_warnings(name, shift), "{name}: diagnostics");
        }
    }
    let shared = std::path::Path::new("/work/shared/examples");
    if shared.is_dir() {
        for e in std::fs::read_dir(shared).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let (out, found) = run_json(&text);
            out.code(0);
            let name = e.path().file_stem().unwrap().to_string_lossy().into_owned();
            let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
            let want = example_warnings(&name, 0);
            let want: Vec<&str> = want.iter().map(|(c, _)| c.as_str()).collect();
            assert_eq!(codes, want, "{}", e.path().display());
        }
    }
}

#[test]
fn biztalk_sso_and_rule_engine_account_are_required_where_configuration_needs_them() {
    let text = mutate(&case(PROD, &[(PROD_HOSTS, PROD_SSO)], "", 0, 0));
    let (out, found) = run_json(&text);
    out.code(0);
    assert_eq!(found, vec![]);
    let text = mutate(&case(LAB, &[(LAB_HOSTS, LAB_SSO)], "", 0, 0));
    let (out, found) = run_json(&text);
    out.code(0);
    assert_eq!(found, vec![]);
    // Without them the configuration cannot succeed on Windows (WB-BTS-04, WB-BTS-05): both
    // are errors that name what to add.
    let out = Test::new()
        .inventory_text(&without_sso(PROD))
        .args(["validate", "-i", Test::INVENTORY])
        .run();
    out.code(1)
        .stderr_contains("error[BZ106]: SSO database SSODB but no `biztalk.sso`")
        .stderr_contains("add `biztalk.sso: { service_account:")
        .stderr_contains("error[BZ108]: rule engine database BizTalkRuleEngineDb but no `biztalk.rule_engine_account`");
}

#[test]
fn every_case_reports_its_code_at_its_line() {
    let mut failures = Vec::new();
    for c in CASES {
        let (out, found) = run_case(c);
        if out.status.code() != Some(c.exit) || !found.contains(&(c.code.to_string(), c.line)) {
            failures.push(format!(
                "{} expected at line {} (exit {}), got exit {:?} and {found:?}\n{}",
                c.code,
                c.line,
                c.exit,
                out.status.code(),
                out.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_catalogue_is_documented_and_tested() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
    let mut tested: BTreeSet<&str> = CASES.iter().map(|c| c.code).collect();
    tested.extend(["BZ002", "BZ003"]); // bad_input_* below
    let mut codes = BTreeSet::new();
    for r in bisrc::validate::RULES {
        assert!(codes.insert(r.code), "{} is listed twice", r.code);
        assert!(
            docs.contains(&format!("### {}", r.code)),
            "{} is not documented in docs/rules.md",
            r.code
        );
        assert!(tested.contains(r.code), "{} has no test", r.code);
        let severity = format!("**{}**", r.severity.as_str());
        let section = docs.split(&format!("### {}", r.code)).nth(1).unwrap();
        let section = section.split("\n### ").next().unwrap();
        assert!(
            section.contains(&severity),
            "{}: docs do not say {severity}",
            r.code
        );
    }
    for c in CASES {
        assert!(
            codes.contains(c.code),
            "case code {} is not in the catalogue",
            c.code
        );
    }
}

#[test]
fn literal_secret_is_never_echoed() {
    let c = CASES.iter().find(|c| c.code == "BZ080").unwrap();
    let text = mutate(c);
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY])
        .run();
    out.code(1)
        .stderr_contains("error[BZ080]")
        .output_lacks("Hunter2Secret");
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY, "--format", "json"])
        .run();
    out.code(1).output_lacks("Hunter2Secret");
}

/// A bad input: exit 1, the expected code, one clean paragraph, no panic.
fn bad_input(test: Test, path: &str, code: &str, message: &str) {
    let out = test.args(["validate", "-i", path]).run();
    out.code(1)
        .stderr_contains(&format!("error[{code}]"))
        .stderr_contains(message)
        .stderr_contains("invalid (1 error, 0 warnings)");
    if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
        out.fail("panic");
    }
    let first = out.stderr.lines().next().unwrap_or("");
    if first.len() > 400 {
        out.fail("the message is not one short paragraph");
    }
}

#[test]
fn bad_input_empty_file() {
    bad_input(
        Test::new().inventory_text(""),
        Test::INVENTORY,
        "BZ002",
        "the file is empty",
    );
    bad_input(
        Test::new().inventory_text("\n  \n"),
        Test::INVENTORY,
        "BZ002",
        "the file is empty",
    );
}

#[test]
fn bad_input_not_yaml() {
    bad_input(
        Test::new().inventory_text("this is not an inventory\n"),
        Test::INVENTORY,
        "BZ001",
        "inventory.yaml:1:1: error[BZ001]: expected a mapping",
    );
    bad_input(
        Test::new().inventory_text("version: 1\nsites: [\n"),
        Test::INVENTORY,
        "BZ001",
        "inventory.yaml:",
    );
}

#[test]
fn bad_input_binary_and_invalid_utf8() {
    bad_input(
        Test::new().file("x.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00"),
        "x.yaml",
        "BZ002",
        "NUL bytes",
    );
    bad_input(
        Test::new().file("x.yaml", b"version: 1\nenvironment: \xff\xfe\n"),
        "x.yaml",
        "BZ002",
        "not valid UTF-8",
    );
}

#[test]
fn bad_input_wrong_type_unknown_field_yes_duplicate() {
    bad_input(
        Test::new().inventory_text(&LAB.replace("tempdb_files: 4", "tempdb_files: four")),
        Test::INVENTORY,
        "BZ001",
        ":65:27: error[BZ001]",
    );
    bad_input(
        Test::new()
            .inventory_text(&LAB.replace("  mark_name: BTS", "  mark_name: BTS\n  retention: 3")),
        Test::INVENTORY,
        "BZ001",
        "unknown field `retention`",
    );
    bad_input(
        Test::new().inventory_text(
            &LAB.replace("  mark_name: BTS", "  mark_name: BTS\n  compression: yes"),
        ),
        Test::INVENTORY,
        "BZ001",
        "write booleans as `true` or `false`",
    );
    bad_input(
        Test::new().inventory_text(
            &LAB.replace("  mark_name: BTS", "  mark_name: BTS\n  days_to_keep: 3"),
        ),
        Test::INVENTORY,
        "BZ001",
        "duplicate",
    );
}

#[test]
fn bad_input_alias_bomb() {
    // Anchored site, cluster and instance, each aliased 50 times: 125,000 instances once
    // expanded. The alias bounds stop it.
    let mut text = LAB
        .replace("  - name: primary", "  - &s\n    name: primary")
        .replace(
            "      - name: LABSQLCL",
            "      - &c\n        name: LABSQLCL",
        )
        .replace(
            "          - name: LABBTSSQL",
            "          - &i\n            name: LABBTSSQL",
        );
    let tail = format!(
        "{}{}{}",
        "          - *i\n".repeat(50),
        "      - *c\n".repeat(50),
        "  - *s\n".repeat(50)
    );
    text = text.replacen("\ndatabases:", &format!("{tail}\ndatabases:"), 1);
    let start = std::time::Instant::now();
    bad_input(
        Test::new().inventory_text(&text),
        Test::INVENTORY,
        "BZ003",
        "inventory.yaml:",
    );
    // not a timing assertion on performance, only a guard against a hang
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn bad_input_deep_nesting() {
    // 100,000 levels: the parser's recursion bound stops it (no stack overflow, no hang),
    // and the quoted source line is cut to a window around the column.
    let deep = format!(
        "version: 1\nsites: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    bad_input(
        Test::new().inventory_text(&deep),
        Test::INVENTORY,
        "BZ003",
        "limit exceeded",
    );
}

#[test]
fn bad_input_huge_file() {
    let t = Test::new();
    let f = std::fs::File::create(t.path().join("big.yaml")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap(); // sparse: 50 MB of NUL without writing them
    bad_input(t, "big.yaml", "BZ003", "at most 16777216 bytes");
}

#[test]
fn bad_input_missing_file_and_directory() {
    bad_input(
        Test::new(),
        "nope.yaml",
        "BZ002",
        "nope.yaml: error[BZ002]: no such file",
    );
    bad_input(
        Test::new().dir("inv"),
        "inv",
        "BZ002",
        "this is a directory",
    );
}

#[test]
fn human_rendering_snapshot() {
    let text = LAB
        .replace("nodes: [LABSQL1, LABSQL2]", "nodes: [LABSQL1, LABSQL3]")
        .replace("disk: 4, letter: M", "disk: 3, letter: M")
        .replace("log: L:\\MSSQL\\Log", "log: S:\\MSSQL\\Log");
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY])
        .run();
    out.code(1);
    insta::assert_snapshot!(out.stderr_redacted());
}

#[test]
fn json_rendering_snapshot() {
    let text = PROD
        .replace(
            "disks: [SQLData, SQLLog, SQLBackup]",
            "disks: [SQLDta, SQLLog, SQLBackup]",
        )
        .replace("  password: { env: BISRC_DEPLOY_PASSWORD }", "");
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY, "--format", "json"])
        .run();
    out.code(1);
    insta::assert_json_snapshot!(out.json());
}

#[test]
fn warnings_only_exit_zero_and_load_errors_render_as_diagnostics() {
    Test::new()
        .inventory_text(&LAB.replace("log: L:\\MSSQL\\Log", "log: S:\\MSSQL\\Log"))
        .args(["validate", "-i", Test::INVENTORY])
        .run()
        .code(0)
        .stderr_contains(
            "inventory.yaml:57:20: warning[BZ053]: data and log of LABBTSSQL are both on S:",
        )
        .stderr_contains("valid (1 warning)");
    let out = Test::new()
        .inventory_text(&LAB.replace("tempdb_files: 4", "tempdb_files: four"))
        .args(["validate", "-i", Test::INVENTORY, "--format", "json"])
        .run();
    out.code(1);
    let j = out.json();
    assert_eq!(j["diagnostics"][0]["code"], "BZ001");
    assert_eq!(j["diagnostics"][0]["line"], 65);
    assert_eq!(j["diagnostics"][0]["column"], 27);
}

#[test]
fn schema_matches_the_committed_file() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/inventories/bisrc.schema.json"
    ))
    .unwrap();
    let out = Test::new().args(["schema"]).run();
    out.code(0).stdout_is(&committed);
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(schema["title"], "Inventory");
    assert!(schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "sites"));
}

#[test]
fn init_writes_a_valid_starter_and_refuses_to_overwrite() {
    let t = Test::new().dir("env");
    let dir = t.path().join("env");
    let out = t.args(["init", "--dir", "env"]).run();
    out.code(0).stderr_contains("wrote env/bisrc.yaml");
    let written = std::fs::read_to_string(dir.join("bisrc.yaml")).unwrap();
    assert!(written.starts_with("# bisrc inventory (format version 1)"));
    // it validates with no diagnostic: it creates its SSO system (`biztalk.sso`)
    let (v, found) = run_json(&written);
    v.code(0);
    assert_eq!(found, vec![]);
    // no leftover temporary file
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // In the current folder: found without -i, and the message says so.
    Test::new()
        .args(["init"])
        .run()
        .code(0)
        .stderr_contains("check it with `bisrc validate`\n");

    let t = Test::new().file("bisrc.yaml", "mine\n");
    let out = t.args(["init"]).run();
    out.code(1).stderr_contains("already exists; pass --force");
    assert_eq!(
        std::fs::read_to_string(out.path().join("bisrc.yaml")).unwrap(),
        "mine\n"
    );

    let out = Test::new()
        .file("bisrc.yaml", "mine\n")
        .args(["init", "--force"])
        .run();
    out.code(0);
    assert_eq!(
        std::fs::read_to_string(out.path().join("bisrc.yaml")).unwrap(),
        written
    );

    Test::new()
        .args(["init", "--dir", "missing"])
        .run()
        .code(1)
        .stderr_contains("is not a directory");
}

#[test]
fn completions_for_every_shell() {
    for (shell, needle) in [
        ("bash", "_bisrc()"),
        ("zsh", "#compdef bisrc"),
        ("fish", "complete -c bisrc"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = Test::new().args(["completions", shell]).run();
        out.code(0)
            .stdout_contains(needle)
            .stdout_contains("validate");
    }
    Test::new().args(["completions", "tcsh"]).run().code(1);
}

#[test]
fn inventory_flag_goes_before_or_after_the_command_and_bisrc_yaml_is_found_without_it() {
    let t = Test::new().inventory_text(LAB);
    t.args(["-i", Test::INVENTORY, "validate"])
        .run()
        .code(0)
        .stderr_contains("inventory.yaml: valid");
    // After `bisrc init`, `./bisrc.yaml` is the inventory without -i.
    let t = Test::new().file("bisrc.yaml", LAB);
    t.args(["validate"])
        .run()
        .code(0)
        .stderr_contains("bisrc.yaml: valid");
    // The lookup order is in --help.
    Test::new()
        .args(["plan", "--help"])
        .run()
        .code(0)
        .stdout_contains("./bisrc.yaml if it exists, else inventories/lab.yaml");
}

#[test]
fn quiet_silences_warnings_but_not_errors() {
    let warned = LAB.replace("log: L:\\MSSQL\\Log", "log: S:\\MSSQL\\Log");
    let out = Test::new()
        .inventory_text(&warned)
        .args(["validate", "--quiet", "-i", Test::INVENTORY])
        .run();
    out.code(0);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let out = Test::new()
        .inventory_text(&warned.replace("tempdb_files: 4", "tempdb_files: four"))
        .args(["-q", "validate", "-i", Test::INVENTORY])
        .run();
    out.code(1).stderr_contains("error[BZ001]");
    // A verb that acts: no warning, no progress, only its report.
    let out = Test::new()
        .inventory_text(&warned)
        .file(
            "lab-sso-backup.pw",
            include_str!("../../inventories/lab-sso-backup.pw"),
        )
        .args(["plan", "--quiet", "-i", Test::INVENTORY])
        .run();
    out.code(0).stdout_contains("Plan: ");
    assert_eq!(out.stderr, "", "nothing on stderr with --quiet");
}

#[test]
fn three_misspelled_keys_are_reported_in_one_run_with_did_you_mean() {
    let text = LAB
        .replacen("environment: lab", "environmnt: lab", 1)
        .replacen("    operators: LAB", "    operator: LAB", 1)
        .replacen("  mark_name: BTS", "  mark_nam: BTS", 1);
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY])
        .run();
    out.code(1)
        .stderr_contains("inventory.yaml:6:1: error[BZ001]: unknown field `environmnt`")
        .stderr_contains("did you mean `environment`?")
        .stderr_contains("inventory.yaml:12:5: error[BZ001]: unknown field `operator`,")
        .stderr_contains("did you mean `operators`?")
        .stderr_contains(": error[BZ001]: unknown field `mark_nam`")
        .stderr_contains("did you mean `mark_name`?")
        .stderr_contains("invalid (3 errors, 0 warnings)");
    // A mistyped -i path: the closest YAML file of its folder.
    Test::new()
        .inventory_text(LAB)
        .args(["validate", "-i", "inventory.yml"])
        .run()
        .code(1)
        .stderr_contains("did you mean inventory.yaml?");
}

#[test]
fn a_yaml_syntax_error_points_at_the_offending_character() {
    // A tab indenting a key: at the tab, not at the token before it.
    let line = LAB.lines().position(|l| l == "  mark_name: BTS").unwrap() + 1;
    Test::new()
        .inventory_text(&LAB.replacen("\n  mark_name: BTS", "\n\tmark_name: BTS", 1))
        .args(["validate", "-i", Test::INVENTORY])
        .run()
        .code(1)
        .stderr_contains(&format!("inventory.yaml:{line}:1: error[BZ001]"))
        .stderr_contains("found a tab")
        .stderr_contains("replace the tab by spaces");
    // An unclosed `{`: at the brace.
    let sso = "  - { name: SSODB,           role: sso,        instance: LABBTSSQL }";
    let line = LAB.lines().position(|l| l == sso).unwrap() + 1;
    Test::new()
        .inventory_text(&LAB.replacen(sso, sso.trim_end_matches(" }"), 1))
        .args(["validate", "-i", Test::INVENTORY])
        .run()
        .code(1)
        .stderr_contains(&format!(
            "inventory.yaml:{line}:5: error[BZ001]: unclosed bracket"
        ));
}

#[test]
fn wrong_numbers_and_values_do_not_hide_the_errors_after_them() {
    let text = LAB
        .replacen("witness: disk,", "witness: disks,", 1)
        .replacen("tempdb_files: 4", "tempdb_files: four", 1)
        .replacen("port: 1433", "port: 99999", 1)
        .replacen("  mark_name: BTS", "  mark_nam: BTS", 1);
    let out = Test::new()
        .inventory_text(&text)
        .args(["validate", "-i", Test::INVENTORY])
        .run();
    out.code(1)
        .stderr_contains("unknown variant `disks`")
        .stderr_contains("did you mean `disk`?")
        .stderr_contains("error[BZ001]: invalid u32")
        .stderr_contains("write a whole number here")
        .stderr_contains("error[BZ001]: invalid u16")
        .stderr_contains("write a whole number from 0 to 65535 here")
        .stderr_contains("unknown field `mark_nam`")
        .stderr_contains("invalid (4 errors, 0 warnings)");
}
