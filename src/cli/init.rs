//! `bisrc init`: write a commented starter `bisrc.yaml` that validates (a two-node lab on the
//! built-in simulator). Refuses to overwrite without `--force`; writes a temporary file
//! beside the target and renames it, so a failed run never leaves half a file.

use std::path::PathBuf;

use anyhow::Context;

use super::Outcome;
use crate::state::{write_atomic_with, IfExists, WriteError};
use crate::ui::Ui;

/// Arguments of `bisrc init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write `bisrc.yaml` into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Overwrite an existing `bisrc.yaml`.
    #[arg(long)]
    force: bool,
}

/// The starter inventory.
pub const STARTER: &str = r#"# bisrc inventory (format version 1). Reference: docs/inventory.md; rules: docs/rules.md.
# Check it with `bisrc validate` (bisrc finds ./bisrc.yaml without -i). Editors: `bisrc schema > bisrc.schema.json`
# and keep the next line to get completion and checks in VS Code (YAML extension).
# yaml-language-server: $schema=./bisrc.schema.json
version: 1
environment: lab                 # names the lock and the state directory (.bisrc/lab/)

biztalk:
  version: "2020"                # "2016" or "2020"
  groups:                        # domain groups, NETBIOS\name
    administrators: LAB\BizTalk Server Administrators
    operators: LAB\BizTalk Server Operators
    sso_administrators: LAB\SSO Administrators
    host_users: [LAB\BizTalk Application Users]
  sso:                           # the SSO system the group configuration creates (required with an sso database)
    service_account: { user: LAB\gmsa-entsso$ }       # a gMSA (name ending in $) needs no password
    backup_file: C:\BizTalk\SSO\secret.bak            # the master secret backup, on the configuring server
    backup_password: { env: BTS_SSO_BACKUP_PASSWORD }

domain:
  netbios: LAB
  fqdn: lab.local

connection:
  # `simulated` runs plan/apply/verify against bisrc's built-in node simulator.
  # For real Windows nodes use `ssh` with `user`, `identity_file` and
  # `password: {env: NAME}` (password logon carries network credentials).
  transport: simulated

sites:
  - name: primary
    networks:
      - { name: Public, subnet: 192.168.50.0/24, role: cluster_and_client }
    nodes:                       # SQL Server cluster nodes (NetBIOS names, at most 15 characters)
      - { name: LABSQL1, address: labsql1.lab.local, ips: [192.168.50.11] }
      - { name: LABSQL2, address: labsql2.lab.local, ips: [192.168.50.12] }
    biztalk_servers:
      - { name: LABBTS1, address: labbts1.lab.local }
    storage:                     # shared disks, same disk number on every node
      - { name: Quorum,  disk: 1, letter: Q, size_gb: 1 }
      - { name: SQLData, disk: 2, letter: S, size_gb: 100, allocation_unit_kb: 64 }
      - { name: SQLLog,  disk: 3, letter: L, size_gb: 50, allocation_unit_kb: 64 }
      - { name: DTC,     disk: 4, letter: M, size_gb: 1 }
    clusters:
      - name: LABSQLCL
        ip: 192.168.50.20
        nodes: [LABSQL1, LABSQL2]
        quorum: { witness: disk, disk: Quorum }
        dtc: { name: LABDTC, ip: 192.168.50.21, disk: DTC }
        sql_instances:
          - name: LABBTSSQL        # the FCI's network name: BizTalk connects to it
            instance: MSSQLSERVER
            ip: 192.168.50.22
            version: "2019"
            edition: Developer
            setup_media: C:\media\SQLServer2019
            disks: [SQLData, SQLLog]
            paths:
              data: S:\MSSQL\Data
              log: L:\MSSQL\Log
              tempdb: S:\MSSQL\TempDB
              backup: S:\MSSQL\Backup
            service_accounts:      # names ending in $ are gMSAs: no password
              engine: { user: LAB\gmsa-sqlbts$ }
              agent: { user: LAB\gmsa-sqlagt$ }
            sysadmins: [LAB\BizTalk Server Administrators]
            max_server_memory_mb: 8192
            tempdb_files: 4

databases:                       # the first messagebox is the master
  - { name: BizTalkMgmtDb,   role: management, instance: LABBTSSQL }
  - { name: BizTalkMsgBoxDb, role: messagebox, instance: LABBTSSQL }
  - { name: BizTalkDTADb,    role: tracking,   instance: LABBTSSQL }
  - { name: SSODB,           role: sso,        instance: LABBTSSQL }

backup:                          # the Backup BizTalk Server job
  destination: S:\MSSQL\Backup\BizTalk\
  frequency: daily               # daily | hourly | weekly | monthly | yearly
  mark_name: BTS
  days_to_keep: 7
"#;

/// Runs `bisrc init`.
pub fn run(args: Args, ui: &mut Ui) -> anyhow::Result<Outcome> {
    let target = args.dir.join("bisrc.yaml");
    if !args.dir.is_dir() {
        anyhow::bail!("{} is not a directory", args.dir.display());
    }
    if !args.force && target.exists() {
        anyhow::bail!(
            "{} already exists; pass --force to overwrite it",
            target.display()
        );
    }
    // Without --force the write refuses a target that appeared since the check above.
    let if_exists = if args.force {
        IfExists::Replace
    } else {
        IfExists::Keep
    };
    write_atomic_with(&target, STARTER.as_bytes(), if_exists)
        .map_err(|e| match e {
            WriteError::Exists { .. } => {
                anyhow::anyhow!("it already exists; pass --force to overwrite it")
            }
            WriteError::Write { source, .. } | WriteError::CreateDir { source, .. } => {
                source.into()
            }
        })
        .with_context(|| format!("cannot write {}", target.display()))?;
    // In the current folder bisrc finds it without -i.
    let check = if args.dir == std::path::Path::new(".") {
        "bisrc validate".to_string()
    } else {
        format!("bisrc validate -i {}", target.display())
    };
    ui.status(&format!(
        "wrote {}; check it with `{check}`",
        target.display()
    ));
    Ok(Outcome::Success)
}
