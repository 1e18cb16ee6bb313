//! Render-level tests of what the independent review of the rendered scripts found
//! (/work/notes/review3.md): each fails on the templates the review read. PowerShell and .NET
//! regular expressions are run with the `regex` crate, whose multiline `$` matches before
//! `\n` only, as .NET's does (Microsoft, "Anchors in .NET regular expressions").

use std::path::PathBuf;

use bisrc::inventory;
use bisrc::render::{Artifact, Renderer};
use bisrc::topology::Topology;
use regex::Regex;

const INVENTORIES: &[&str] = &["lab", "contoso-prod", "scaled-out", "lab-dr", "lab-ag"];

fn render_named(name: &str) -> Vec<Artifact> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = match name {
        "lab-ag" => repo.join("inventories/ag/lab-ag.yaml"),
        _ => repo.join(format!("inventories/{name}.yaml")),
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let inv = inventory::parse(&path, text)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .inventory;
    let topo = Topology::build(&inv, None).unwrap();
    Renderer::new(None).unwrap().artifacts(&inv, &topo).unwrap()
}

/// `text` without its whole-line comments (`#` in PowerShell, `--` in T-SQL).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.starts_with('#') && !t.starts_with("--")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn scripts(name: &str) -> Vec<Artifact> {
    render_named(name)
        .into_iter()
        .filter(|a| a.path.ends_with(".ps1"))
        .collect()
}

/// The PowerShell single-quoted string that starts right after `prefix` on `line`
/// (`''` is one quote).
fn ps_single_quoted_after(line: &str, prefix: &str) -> String {
    let start = line
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {line}"))
        + prefix.len();
    let mut out = String::new();
    let mut chars = line[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
            } else {
                return out;
            }
        } else {
            out.push(c);
        }
    }
    panic!("unterminated string in {line}");
}

/// The batches `Invoke-BisrcSqlFile` sends for `text`, with the pattern the script uses.
fn batches(pattern: &Regex, text: &str) -> Vec<String> {
    pattern
        .split(text)
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn f2_the_go_splitter_splits_crlf_files_as_sqlcmd_does() {
    let mut seen = 0;
    for name in INVENTORIES {
        for a in scripts(name) {
            let Some(line) = a
                .content
                .lines()
                .find(|l| l.contains("[regex]::Split($text, '"))
            else {
                continue;
            };
            seen += 1;
            let pattern =
                Regex::new(&ps_single_quoted_after(line, "[regex]::Split($text, '")).unwrap();
            // BizTalk's schema scripts are Windows files: CR LF, which Get-Content -Raw keeps.
            let crlf = "CREATE PROCEDURE a AS SELECT 1\r\nGO\r\nCREATE PROCEDURE b AS SELECT 2\r\n  go  \r\nCREATE PROCEDURE c AS SELECT 3\r\nGO -- end\r\n";
            let got = batches(&pattern, crlf);
            assert_eq!(got.len(), 3, "{}: {got:?}", a.path);
            assert!(
                got.iter()
                    .all(|b| b.starts_with("CREATE PROCEDURE")
                        && !b.to_ascii_uppercase().contains("GO")),
                "{}: {got:?}",
                a.path
            );
            assert_eq!(
                batches(&pattern, &crlf.replace("\r\n", "\n")).len(),
                3,
                "{}",
                a.path
            );
            // A GO inside a line is not a separator.
            assert_eq!(
                batches(&pattern, "SELECT 'GO'\r\nGO\r\n").len(),
                1,
                "{}",
                a.path
            );
        }
    }
    assert!(seen > 0, "no script splits a file on GO");
}

/// The value of `DECLARE @name ... = N'value';` in a T-SQL text.
fn declared(sql: &str, name: &str) -> String {
    let line = sql
        .lines()
        .find(|l| l.starts_with(&format!("DECLARE @{name} ")))
        .unwrap_or_else(|| panic!("@{name}"));
    ps_single_quoted_after(line, "= N'")
}

/// Step 2's command as backup_job.sql builds it at run time: literals and quoted variables.
fn step2_command(sql: &str) -> String {
    let line = sql
        .lines()
        .find(|l| l.contains("sp_BackupAllFull_Schedule") && l.starts_with("SET @cmd"))
        .unwrap();
    let q = |v: String| format!("'{}'", v.replace('\'', "''"));
    let mut out = String::new();
    for part in line["SET @cmd = ".len()..]
        .trim_end_matches(';')
        .split(" + ")
    {
        match part.trim() {
            "@q_freq" => out.push_str(&q(declared(sql, "freq"))),
            "@q_mark" => out.push_str(&q(declared(sql, "mark"))),
            "@q_dest" => out.push_str(&q(declared(sql, "dest"))),
            lit => out.push_str(&ps_single_quoted_after(lit, "N'")),
        }
    }
    out
}

#[test]
fn f4_the_backup_probe_reads_back_the_step_the_apply_writes() {
    for name in ["lab", "contoso-prod", "scaled-out"] {
        let all = render_named(name);
        let sql = all
            .iter()
            .find(|a| a.path.ends_with("backup_job.sql"))
            .unwrap_or_else(|| panic!("{name}: backup_job.sql"));
        let probe = all
            .iter()
            .find(|a| a.path.ends_with("probe.ps1") && a.resource == sql.resource)
            .unwrap();
        let line = probe
            .content
            .lines()
            .find(|l| l.contains("$command -match 'sp_BackupAllFull_Schedule"))
            .expect("the probe parses step 2");
        let pattern = Regex::new(&ps_single_quoted_after(line, "$command -match '")).unwrap();
        let command = step2_command(&sql.content);
        let m = pattern
            .captures(&command)
            .unwrap_or_else(|| panic!("{name}: the probe does not parse {command}"));
        assert_eq!(&m[1], declared(&sql.content, "freq"), "{name}");
        assert_eq!(
            m[3].replace("''", "'"),
            declared(&sql.content, "dest"),
            "{name}"
        );
        assert!(
            m.get(5).is_some() && m.get(6).is_some(),
            "{name}: {command}"
        );
        // The text BizTalk ships in the job before bisrc configures it.
        let shipped = "exec [dbo].[sp_BackupAllFull_Schedule] 'd' /* Frequency */, 'BTS' /* Name */, '<destination path>' /* location of backup files */";
        let m = pattern.captures(shipped).expect("BizTalk's default step 2");
        assert_eq!((&m[1], &m[3]), ("d", "<destination path>"));
    }
}

/// The columns of SSOX_GlobalInfo as Enterprise SSO's schema script creates them (and its
/// ssox_spGetGlobalInfo selects them); ISSOAdmin.GetGlobalInfo returns the same fields.
const SSOX_GLOBAL_INFO: &[&str] = &[
    "gi_install_timestamp",
    "gi_update_timestamp",
    "gi_flags",
    "gi_audit_app_delete_max",
    "gi_audit_mapping_delete_max",
    "gi_audit_ntp_lookup_max",
    "gi_audit_xp_lookup_max",
    "gi_ticket_timeout",
    "gi_cred_cache_timeout",
    "gi_SecretServer",
    "gi_SSOAdminGroup",
    "gi_AffiliateAppMgrGroup",
    "gi_audit_id",
];

#[test]
fn f3_sso_queries_name_columns_ssodb_has() {
    let select = Regex::new(r"(?i)SELECT\s+(.*?)\s+FROM\s+(?:dbo\.)?SSOX_GlobalInfo").unwrap();
    let column = Regex::new(r"\bgi_\w+").unwrap();
    let mut seen = 0;
    for a in render_named("contoso-prod") {
        for m in select.captures_iter(&a.content) {
            for c in column.find_iter(&m[1]) {
                seen += 1;
                assert!(
                    SSOX_GLOBAL_INFO
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(c.as_str())),
                    "{}: SSOX_GlobalInfo has no column {}",
                    a.path,
                    c.as_str()
                );
            }
        }
    }
    assert!(seen > 0, "contoso-prod reads the secret server from SSODB");
}

#[test]
fn f8_msdtc_cmdlets_name_the_dtc_instance_not_the_role() {
    let arg = Regex::new(r"-DtcName\s+(\S+)").unwrap();
    let mut clustered = 0;
    for name in ["lab", "contoso-prod"] {
        for a in scripts(name) {
            for m in arg.captures_iter(&code(&a.content)) {
                match &m[1] {
                    "'Local'" => {}
                    "$dtcInstance" => {
                        clustered += 1;
                        // Get-Dtc lists a clustered instance by its DTC resource's name.
                        assert!(
                            a.content
                                .contains("$dtcInstance = [string]$dtcResource.Name"),
                            "{}: $dtcInstance is not the DTC resource's name",
                            a.path
                        );
                    }
                    other => panic!(
                        "{}: -DtcName {other} is neither Local nor a DTC instance",
                        a.path
                    ),
                }
            }
        }
    }
    assert!(clustered > 0);
}

#[test]
fn f15_no_step_writes_the_script_or_global_scope() {
    for name in INVENTORIES {
        for a in scripts(name) {
            let lower = code(&a.content).to_ascii_lowercase();
            assert!(
                !lower.contains("$script:") && !lower.contains("$global:"),
                "{}: a step runs as a script block, where $script: is the global scope",
                a.path
            );
        }
    }
}

#[test]
fn f17_every_verify_check_can_fail() {
    let add = Regex::new(r"Add-BisrcCheck -Name '([^']+)' -Ok (\S+)").unwrap();
    for name in INVENTORIES {
        for a in scripts(name).into_iter().filter(|a| a.step == "verify") {
            let mut only_true: std::collections::BTreeMap<String, bool> = Default::default();
            for m in add.captures_iter(&a.content) {
                let always = &m[2] == "$true";
                only_true
                    .entry(m[1].to_string())
                    .and_modify(|t| *t &= always)
                    .or_insert(always);
            }
            for (check, t) in only_true {
                assert!(!t, "{}: check {check} is only ever -Ok $true", a.path);
            }
        }
    }
}

#[test]
fn f17_the_cluster_probe_reads_quorum_rather_than_copying_exists() {
    let probe = scripts("contoso-prod")
        .into_iter()
        .find(|a| a.resource == "cluster.BTSSQLCL01" && a.step == "probe")
        .unwrap();
    assert!(!probe.content.contains("has_quorum = $exists"));
    assert!(probe.content.contains("QuorumResource"));
}

#[test]
fn f18_new_cluster_refuses_a_missing_validation_result() {
    let apply = scripts("contoso-prod")
        .into_iter()
        .find(|a| a.resource == "cluster.BTSSQLCL01" && a.step == "apply")
        .unwrap();
    assert!(
        apply
            .content
            .contains("if (-not (Test-Path -LiteralPath $marker)) { throw"),
        "New-Cluster runs without a validation result"
    );
}

#[test]
fn f5_the_addnode_probe_asks_the_cluster_for_possible_owners() {
    for a in scripts("contoso-prod")
        .into_iter()
        .filter(|a| a.resource.starts_with("sql.") && a.resource.contains(".node."))
        .filter(|a| a.step == "probe" || a.step == "verify")
    {
        assert!(
            a.content.contains("Get-ClusterOwnerNode -Resource"),
            "{}: a service named MSSQLSERVER does not make a node a possible owner",
            a.path
        );
    }
}

#[test]
fn f22_the_login_apply_tests_role_membership_as_the_probe_reads_it() {
    let mut seen = 0;
    for a in render_named("contoso-prod")
        .into_iter()
        .filter(|a| a.path.ends_with("sql_login.sql"))
    {
        seen += 1;
        assert!(
            !code(&a.content).contains("IS_SRVROLEMEMBER"),
            "{}: IS_SRVROLEMEMBER counts group membership the probe does not read",
            a.path
        );
        assert!(a.content.contains("sys.server_role_members"), "{}", a.path);
    }
    assert!(seen > 0);
}

#[test]
fn f9_the_promotion_waits_for_this_run_of_restore_to_mark() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = repo.join("inventories/contoso-prod.yaml");
    let inv = inventory::parse(&path, std::fs::read_to_string(&path).unwrap())
        .unwrap()
        .inventory;
    let topo = Topology::promotion(&inv, "dr").unwrap();
    let artifacts = Renderer::new(None).unwrap().artifacts(&inv, &topo).unwrap();
    let apply = artifacts
        .iter()
        .find(|a| a.resource == "dr.DRSQL01.restore" && a.step == "apply")
        .unwrap();
    let text = code(&apply.content);
    let start = text
        .find("sp_start_job @job_name = N'BTS Log Shipping - Restore To Mark'")
        .unwrap();
    let (before, after) = text.split_at(start);
    // The last outcome before the start is read first; the wait takes only a newer one.
    assert!(
        before.contains("MAX(h.instance_id)"),
        "no history mark before the start"
    );
    assert!(
        after.contains("h.instance_id > {0}"),
        "an earlier run's outcome ends the wait"
    );
    // And no shipping job is still running when Restore To Mark starts.
    assert!(
        before.contains("msdb.dbo.sysjobactivity")
            && before.contains("stop_execution_date IS NULL")
    );
}

#[test]
fn f14_the_bootstrap_hands_the_payload_to_no_cmdlet() {
    let bootstrap = bisrc::transport::windows::BOOTSTRAP;
    let lines: Vec<&str> = bootstrap
        .lines()
        .filter(|l| l.contains("$ms.ToArray()") || l.contains("$payload"))
        .collect();
    assert!(!lines.is_empty());
    for l in lines {
        // Module Logging records a cmdlet's parameter values: the payload (secrets included)
        // must reach only .NET methods.
        assert!(
            !l.contains("ConvertFrom-Json") && !l.contains("| "),
            "the payload reaches a cmdlet: {l}"
        );
    }
}

#[test]
fn f13_the_entsso_rule_matches_the_program_not_the_service() {
    let mut seen = 0;
    for a in scripts("contoso-prod")
        .into_iter()
        .filter(|a| a.resource.ends_with(".firewall") && a.step == "apply")
    {
        let text = code(&a.content);
        let Some(line) = text
            .lines()
            .find(|l| l.contains("New-NetFirewallRule -Name 'bisrc-entsso-rpc'"))
        else {
            continue;
        };
        seen += 1;
        assert!(
            line.contains("-Program $entssoProgram") && !line.contains("-Service"),
            "{}: {line}",
            a.path
        );
    }
    assert!(
        seen > 0,
        "contoso-prod's SQL nodes can run the master secret server"
    );
}

#[test]
fn f12_the_shipping_lag_can_fail_and_mixes_no_clocks() {
    let mut seen = 0;
    for a in scripts("lab-dr").into_iter().filter(|a| {
        // The log shipping resource itself, not its backup share's rights (`….share`).
        a.resource.starts_with("logshipping.")
            && !a.resource.ends_with(".share")
            && a.step == "verify"
    }) {
        seen += 1;
        let text = code(&a.content);
        assert!(
            !text.contains("UtcNow"),
            "{}: source local time minus UTC",
            a.path
        );
        let restored = &text[text.find("if ($null -ne $o.restored_mark) {").unwrap()..];
        let restored = &restored[..restored.find("} else {\n    Add-BisrcCheck -Name 'log-shipping-lag' -Ok $false -Detail 'no backup").unwrap()];
        assert!(
            restored.contains("Add-BisrcCheck -Name 'log-shipping-lag' -Ok $false"),
            "{}: once one set was restored the lag check cannot fail",
            a.path
        );
    }
    assert!(seen > 0);
}

#[test]
fn f20_a_cluster_not_approved_fails_the_validation_in_any_language() {
    let apply = scripts("contoso-prod")
        .into_iter()
        .find(|a| a.resource == "cluster.BTSSQLCL01.validation" && a.step == "apply")
        .unwrap();
    assert!(code(&apply.content).contains("-match 'ClusterNotApproved'"));
}

#[test]
fn f10_the_disk_step_checks_the_lun_before_writing_and_formats_only_what_it_created() {
    let mut seen = 0;
    for a in scripts("contoso-prod")
        .into_iter()
        .filter(|a| a.resource.contains(".disk.") && a.step == "apply")
    {
        seen += 1;
        let text = code(&a.content);
        let size = text.find("$sizeGb = ").expect("the size is compared");
        let online = text
            .find("Set-Disk -Number $number -IsOffline $false")
            .unwrap();
        assert!(
            size < online,
            "{}: the disk is brought online before its size is checked",
            a.path
        );
        let format = text.find("Format-Volume").unwrap();
        let guard = text.find("if (-not $fresh) { throw").expect("format guard");
        assert!(guard < format, "{}", a.path);
    }
    assert!(seen > 0);
}
