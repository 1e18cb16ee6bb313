//! The simulator refuses what SQL Server refuses (docs/windows-behaviour.md, the SQL-side rows
//! of issue 9's "make the simulator refuse what Windows refuses"): one test per precondition,
//! each breaking one fact of the healthy world (`sim/sql_side.rs`) and showing the refusal as
//! System.Data.SqlClient reports it under Windows PowerShell 5.1, with SQL Server's message.

use serde_json::{json, Value};

use super::sql_side::{self, CallerRights};
use super::tests::{
    apply_ok, converge, converge_until, error_of, inventory, lab, probe_of, res, step,
};
use super::world;
use crate::inventory::Inventory;
use crate::step::StepAction;
use crate::topology::Topology;

/// The checks of a verify step, by name.
fn checks(d: &std::path::Path, inv: &Inventory, r: &crate::topology::Resource) -> Vec<Value> {
    let o = step(d, inv, r, StepAction::Verify);
    assert!(o.ok, "{}: {}", r.address, o.error);
    o.result.unwrap()["checks"].as_array().unwrap().clone()
}

fn check_named<'c>(checks: &'c [Value], name: &str) -> &'c Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:?}"))
}

fn edit(d: &std::path::Path, inv: &Inventory, f: impl FnOnce(&mut world::World)) {
    world::update(d, inv, f).unwrap();
}

fn set_caller(d: &std::path::Path, inv: &Inventory, server: &str, rights: CallerRights) {
    edit(d, inv, |w| {
        sql_side::security_mut(w, server).caller = rights
    });
}

fn build(name: &str) -> (Inventory, Topology, tempfile::TempDir) {
    let inv = inventory(name);
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo, tempfile::tempdir().unwrap())
}

fn template(path: &str) -> String {
    std::fs::read_to_string(format!("templates/{path}")).unwrap()
}

#[test]
fn sql_errors_read_as_sqlclient_prints_them_on_windows_powershell() {
    // WB-SQL-03: nothing answers on the network name yet; SqlConnection.Open() throws.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let config = res(&topo, "sql.LABBTSSQL.config");
    let e = error_of(d, &inv, config);
    assert!(
        e.starts_with("Exception calling \"Open\" with \"0\" argument(s): \"A network-related or instance-specific error occurred while establishing a connection to SQL Server."),
        "{e}"
    );
    assert!(!e.contains("Invoke-Sqlcmd"), "{e}");
    // Msg 14262 from a batch: SqlDataAdapter.Fill throws.
    converge_until(d, &inv, &topo, "sql.LABBTSSQL.job.dta-purge-and-archive");
    let job = res(&topo, "sql.LABBTSSQL.job.dta-purge-and-archive");
    edit(d, &inv, |w| {
        w.instance_mut("LABBTSSQL").unwrap().jobs.clear();
    });
    let e = error_of(d, &inv, job);
    assert_eq!(
        e,
        "Exception calling \"Fill\" with \"1\" argument(s): \"The specified @job_name ('DTA Purge and Archive (BizTalkDTADb)') does not exist.\""
    );
}

#[test]
fn an_untrusted_certificate_is_refused_unless_the_client_trusts_the_server_certificate() {
    // WB-SQL-02: the client's stated choice (partials/sql.ps1) and the simulator's agree.
    let partial = template("partials/sql.ps1.hbs");
    assert!(partial.contains("$builder['Encrypt'] = $true"));
    assert_eq!(
        partial.contains("$builder['TrustServerCertificate'] = $true"),
        sql_side::CLIENT_TRUSTS_SERVER_CERTIFICATE
    );
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let config = res(&topo, "sql.LABBTSSQL.config");
    converge_until(d, &inv, &topo, &config.address);
    edit(d, &inv, |w| {
        sql_side::security_mut(w, "LABBTSSQL").untrusted_certificate = true;
    });
    let w = world::load(d, &inv).unwrap();
    let e = sql_side::open(&w, "LABBTSSQL", false).unwrap_err();
    assert!(
        e.contains("(provider: SSL Provider, error: 0 - The certificate chain was issued by an authority that is not trusted.)"),
        "{e}"
    );
    sql_side::open(&w, "LABBTSSQL", true).unwrap();
    // bisrc's client trusts it: the step runs.
    apply_ok(d, &inv, config);
}

#[test]
fn a_caller_without_a_login_is_refused_with_login_failed() {
    // WB-SQL-04, Msg 18456.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let config = res(&topo, "sql.LABBTSSQL.config");
    converge_until(d, &inv, &topo, &config.address);
    set_caller(d, &inv, "LABBTSSQL", CallerRights::NoLogin);
    let e = error_of(d, &inv, config);
    assert_eq!(
        e,
        "Exception calling \"Open\" with \"0\" argument(s): \"Login failed for user 'LAB\\bisrc'.\""
    );
}

#[test]
fn go_separators_are_split_by_the_client_and_never_sent() {
    // WB-SQL-05 (render level: the simulator serves steps from their header, not their
    // T-SQL): SqlClient sends one batch, so BizTalk's scripts go through the GO splitter and
    // none of bisrc's own batches holds a GO line.
    let partial = template("partials/sql.ps1.hbs");
    // CRLF-aware (review3 F2): `\r?$`, and a trailing `--` comment as sqlcmd allows.
    assert!(
        partial.contains("[regex]::Split($text, '(?im)^[ \\t]*GO[ \\t]*(?:--[^\\r\\n]*)?\\r?$')")
    );
    let ls = template("steps/log_shipping/apply.ps1.hbs");
    assert!(ls.contains("Invoke-BisrcSqlFile -Path $path"));
    for entry in std::fs::read_dir("templates/sql").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.lines().any(|l| l.trim().eq_ignore_ascii_case("GO")),
            "{} holds a GO line: Msg 102 \"Incorrect syntax near 'GO'.\"",
            path.display()
        );
    }
}

#[test]
fn advanced_options_are_refused_until_show_advanced_options_is_on() {
    // WB-TSQL-01, Msg 15123.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let config = res(&topo, "sql.LABBTSSQL.config");
    converge_until(d, &inv, &topo, &config.address);
    let mut w = world::load(d, &inv).unwrap();
    assert!(!sql_side::security(&w, "LABBTSSQL").show_advanced_options);
    let e =
        sql_side::sp_configure(&mut w, "LABBTSSQL", "max degree of parallelism", 1).unwrap_err();
    assert_eq!(
        e,
        "Exception calling \"Fill\" with \"1\" argument(s): \"The configuration option 'max degree of parallelism' does not exist, or it may be an advanced option.\""
    );
    // The templates turn it on first; the step runs and leaves it on.
    for (file, option) in [
        ("sql/sql_config.sql.hbs", "max server memory (MB)"),
        ("sql/log_shipping.sql.hbs", "Ad Hoc Distributed Queries"),
    ] {
        let t = template(file);
        let show = t.find("N'show advanced options', 1").unwrap();
        assert!(show < t.find(option).unwrap(), "{file}");
    }
    apply_ok(d, &inv, config);
    let w = world::load(d, &inv).unwrap();
    assert!(sql_side::security(&w, "LABBTSSQL").show_advanced_options);
    // A caller without ALTER SETTINGS is refused (Msg 15247).
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Login);
    let e = error_of(d, &inv, config);
    assert!(
        e.contains("User does not have permission to perform this action."),
        "{e}"
    );
}

#[test]
fn the_instance_probe_needs_a_sysadmin_caller() {
    // WB-TSQL-06: the FCI probe's batch reads sys.dm_server_services (VIEW SERVER STATE,
    // Msg 300) and the backup directory through xp_instance_regread (NULL for anyone but
    // sysadmin); it is read only while the role is Online.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    converge_until(d, &inv, &topo, "sql.LABBTSSQL.config");
    assert_eq!(
        probe_of(d, &inv, fci)["backup_dir"],
        json!("S:\\MSSQL\\Backup")
    );
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Login);
    let o = step(d, &inv, fci, StepAction::Probe);
    assert!(!o.ok);
    assert_eq!(
        o.error,
        "Exception calling \"Fill\" with \"1\" argument(s): \"VIEW SERVER STATE permission was denied on object 'server', database 'master'.\""
    );
}

#[test]
fn create_login_of_an_account_active_directory_does_not_know_is_refused() {
    // WB-LOGIN-01, Msg 15401.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let login = res(&topo, "sql.LABBTSSQL.login.LAB\\BizTalk Server Operators");
    converge_until(d, &inv, &topo, &login.address);
    edit(d, &inv, |w| {
        w.sql_side
            .unknown_accounts
            .insert("LAB\\BIZTALK SERVER OPERATORS".into());
    });
    let e = error_of(d, &inv, login);
    assert_eq!(
        e,
        "Exception calling \"Fill\" with \"1\" argument(s): \"Windows NT user or group 'LAB\\BizTalk Server Operators' not found. Check the name again.\""
    );
}

#[test]
fn logins_and_server_roles_need_a_sysadmin_caller() {
    // WB-LOGIN-02: CREATE LOGIN needs ALTER ANY LOGIN (Msg 15247); adding a member to
    // sysadmin needs sysadmin (Msg 15151).
    let (inv, topo, dir) = build("lab-dr");
    let d = dir.path();
    let login = res(&topo, "sql.LABBTSSQL.login.LAB\\gmsa-sqlagtdr$");
    converge_until(d, &inv, &topo, &login.address);
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Login);
    let e = error_of(d, &inv, login);
    assert!(
        e.ends_with("\"User does not have permission to perform this action.\""),
        "{e}"
    );
    // The login exists without its role: ALTER SERVER ROLE is what is refused.
    edit(d, &inv, |w| {
        w.instance_mut("LABBTSSQL")
            .unwrap()
            .logins
            .insert("LAB\\gmsa-sqlagtdr$".into(), Default::default());
    });
    let e = error_of(d, &inv, login);
    assert!(
        e.ends_with("\"Cannot alter the server role 'sysadmin', because it does not exist or you do not have permission.\""),
        "{e}"
    );
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Sysadmin);
    apply_ok(d, &inv, login);
    assert_eq!(
        probe_of(d, &inv, login)["server_roles"],
        json!(["sysadmin"])
    );
}

#[test]
fn log_shipping_needs_the_dr_agent_login_on_the_source_and_read_on_the_share() {
    // WB-LOGIN-03 / WB-LS-03 / WB-BAK-06 (read): the destination's SQL Server Agent account.
    let (inv, topo, dir) = build("lab-dr");
    let d = dir.path();
    let ls = res(&topo, "logshipping.LABBTSSQL-to-LABDRSQL");
    converge_until(d, &inv, &topo, &ls.address);
    edit(d, &inv, |w| {
        w.sql_side
            .share_denied
            .insert("LAB\\GMSA-SQLAGTDR$".into(), ["read".to_string()].into());
    });
    let e = error_of(d, &inv, ls);
    assert!(
        e.contains("Cannot open backup device '")
            && e.contains("Operating system error 5(Access is denied.)."),
        "{e}"
    );
    edit(d, &inv, |w| {
        w.sql_side.share_denied.clear();
        w.instance_mut("LABBTSSQL")
            .unwrap()
            .logins
            .retain(|l, _| !l.eq_ignore_ascii_case("LAB\\gmsa-sqlagtdr$"));
    });
    let e = error_of(d, &inv, ls);
    assert!(
        e.contains("Login failed for user 'LAB\\gmsa-sqlagtdr$'."),
        "{e}"
    );
}

#[test]
fn log_shipping_needs_biztalks_schema_scripts_on_the_node() {
    // WB-LS-01: the template throws naming the path.
    let (inv, topo, dir) = build("lab-dr");
    let d = dir.path();
    let ls = res(&topo, "logshipping.LABBTSSQL-to-LABDRSQL");
    converge_until(d, &inv, &topo, &ls.address);
    let node = super::tests::node_for(d, &inv, ls);
    edit(d, &inv, |w| {
        w.sql_side
            .schema_scripts_missing
            .insert(node.to_ascii_uppercase());
    });
    let e = error_of(d, &inv, ls);
    assert!(
        e.contains("\\Schema\\LogShipping_Destination_Schema.sql not found; install the BizTalk Server administration tools on this node"),
        "{e}"
    );
    let apply = template("steps/log_shipping/apply.ps1.hbs");
    assert!(apply.contains("install the BizTalk Server administration tools on this node"));
}

#[test]
fn log_shipping_needs_ad_hoc_distributed_queries() {
    // WB-LS-02, Msg 15281: configuring turns it on; turned off afterwards, the procedure that
    // reads the source through OPENROWSET is refused.
    let (inv, topo, dir) = build("lab-dr");
    let d = dir.path();
    let ls = res(&topo, "logshipping.LABBTSSQL-to-LABDRSQL");
    converge_until(d, &inv, &topo, &ls.address);
    apply_ok(d, &inv, ls);
    let w = world::load(d, &inv).unwrap();
    assert!(sql_side::security(&w, "LABDRSQL").ad_hoc_distributed_queries);
    edit(d, &inv, |w| {
        sql_side::security_mut(w, "LABDRSQL").ad_hoc_distributed_queries = false;
    });
    let e = error_of(d, &inv, ls);
    assert!(
        e.contains("SQL Server blocked access to STATEMENT 'OpenRowset/OpenDatasource' of component 'Ad Hoc Distributed Queries'"),
        "{e}"
    );
}

#[test]
fn a_job_another_login_owns_is_changed_only_by_a_sysadmin() {
    // WB-JOB-03, Msg 14525.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let job = res(&topo, "sql.LABBTSSQL.job.dta-purge-and-archive");
    converge_until(d, &inv, &topo, &job.address);
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Login);
    let e = error_of(d, &inv, job);
    assert!(
        e.ends_with("\"Only members of sysadmin role are allowed to update or delete jobs owned by a different login.\""),
        "{e}"
    );
    // The owner may change its own job.
    edit(d, &inv, |w| {
        let caller = w.sql_side.caller.clone();
        sql_side::security_mut(w, "LABBTSSQL")
            .job_owners
            .insert("DTA Purge and Archive (BizTalkDTADb)".into(), caller);
    });
    apply_ok(d, &inv, job);
}

/// The scaled-out group converged up to its Backup BizTalk Server job, then `f` breaks the
/// world, then the job is enabled: its first run's outcome, as verify's freshness check.
fn backup_run_with(f: impl FnOnce(&mut world::World)) -> Value {
    let (inv, topo, dir) = build("scaled-out");
    let d = dir.path();
    let job = res(&topo, "sql.FABMSGSQL.job.backup-biztalk-server");
    converge_until(d, &inv, &topo, &job.address);
    edit(d, &inv, f);
    apply_ok(d, &inv, job);
    check_named(&checks(d, &inv, job), "backup-fresh").clone()
}

#[test]
fn the_backup_job_needs_rpc_out_and_msdtc_on_every_instance_it_marks() {
    // WB-BAK-05: Msg 7411 and Msg 8501 in the job's history; no backup is taken.
    let c = backup_run_with(|w| {
        sql_side::security_mut(w, "FABMSGSQL")
            .rpc_out_off
            .insert("FABTRKSQL".into());
    });
    assert_eq!(c["ok"], false);
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("its last run failed: Server 'FABTRKSQL' is not configured for RPC."),
        "{c}"
    );
    let c = backup_run_with(|w| {
        let i = w.instance("FABTRKSQL").unwrap();
        let owner = w
            .cluster(&i.cluster)
            .unwrap()
            .group(&i.group)
            .unwrap()
            .owner
            .clone();
        w.host_mut(&owner)
            .unwrap()
            .stopped_services
            .insert("MSDTC".into());
    });
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("its last run failed: MSDTC on server 'FABTRKSQL' is unavailable."),
        "{c}"
    );
    // Healthy: the first run takes the full backup.
    assert_eq!(backup_run_with(|_| {})["ok"], true);
}

#[test]
fn the_backup_job_needs_write_on_the_share_for_every_engine_account() {
    // WB-BAK-06, Msg 3201.
    let c = backup_run_with(|w| {
        let engine = w.instance("FABTRKSQL").unwrap().engine_account.clone();
        w.sql_side
            .share_denied
            .insert(engine.to_ascii_uppercase(), ["write".to_string()].into());
    });
    assert_eq!(c["ok"], false);
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("Cannot open backup device '")
            && detail.contains("Operating system error 5(Access is denied.)."),
        "{detail}"
    );
}

#[test]
fn adding_a_messagebox_needs_an_administrator_and_nothing_enlisted() {
    // WB-MBOX-02.
    let (inv, topo, dir) = build("scaled-out");
    let d = dir.path();
    let mb2 = res(&topo, "biztalk.main.messagebox.BizTalkMsgBoxDb2");
    converge_until(d, &inv, &topo, &mb2.address);
    set_caller(d, &inv, "FABMSGSQL", CallerRights::Login);
    let e = error_of(d, &inv, mb2);
    assert!(
        e.contains("is not a member of the sysadmin role there"),
        "{e}"
    );
    set_caller(d, &inv, "FABMSGSQL", CallerRights::Sysadmin);
    edit(d, &inv, |w| w.sql_side.caller_not_biztalk_admin = true);
    let e = error_of(d, &inv, mb2);
    assert!(
        e.contains("is not a member of the BizTalk Server Administrators group"),
        "{e}"
    );
    edit(d, &inv, |w| {
        w.sql_side.caller_not_biztalk_admin = false;
        w.sql_side.enlisted_artefacts = true;
    });
    let e = error_of(d, &inv, mb2);
    assert!(
        e.contains("orchestrations, send ports or send port groups are enlisted"),
        "{e}"
    );
    edit(d, &inv, |w| w.sql_side.enlisted_artefacts = false);
    apply_ok(d, &inv, mb2);
}

#[test]
fn drop_login_refuses_a_login_that_owns_a_job_or_is_logged_in() {
    // WB-DEL-05: Msg 15170 and Msg 15434.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let address = "sql.LABBTSSQL.login.LAB\\BizTalk Server Operators";
    let login = res(&topo, address);
    let drop = || step(d, &inv, login, StepAction::Destroy);
    edit(d, &inv, |w| {
        sql_side::security_mut(w, "LABBTSSQL").job_owners.insert(
            "Monitor BizTalk Server (BizTalkMgmtDb)".into(),
            "LAB\\BizTalk Server Operators".into(),
        );
    });
    let o = drop();
    assert!(
        !o.ok && o.error.contains("This login is the owner of 1 job(s). You must delete or reassign these jobs before the login can be dropped."),
        "{}",
        o.error
    );
    edit(d, &inv, |w| {
        let s = sql_side::security_mut(w, "LABBTSSQL");
        s.job_owners.clear();
        s.sessions.insert("LAB\\BizTalk Server Operators".into());
    });
    let o = drop();
    assert!(
        !o.ok && o.error.contains("Could not drop login 'LAB\\BizTalk Server Operators' as the user is currently logged in."),
        "{}",
        o.error
    );
    edit(d, &inv, |w| {
        sql_side::security_mut(w, "LABBTSSQL").sessions.clear()
    });
    assert!(drop().ok);
}

#[test]
fn the_group_probe_reports_what_the_management_database_records_and_replans_empty() {
    // The group's probe reads the management database, adm_Group's tracking database and
    // adm_MessageBox's master: the simulator reports those, and the desired list is those.
    for name in ["lab", "scaled-out", "contoso-prod"] {
        let (inv, topo, dir) = build(name);
        let d = dir.path();
        converge(d, &inv, &topo);
        let group = topo
            .resources
            .iter()
            .find(|r| r.kind == crate::step::ResourceKind::BiztalkGroup)
            .unwrap();
        let o = probe_of(d, &inv, group);
        assert_eq!(o["databases"], group.desired["databases"], "{name}");
        let names: Vec<&String> = o["databases"].as_object().unwrap().keys().collect();
        assert_eq!(names.len(), 3, "{name}: {names:?}");
        assert!(!names.iter().any(|n| n.as_str() == "SSODB"), "{name}");
    }
}

#[test]
fn sql_faults_rehearse_a_locked_down_account_and_a_share_without_write_then_clear() {
    use super::faults::{inject, Fault};
    use super::sql_side::SqlFault;
    let (inv, topo, dir) = lab();
    let d = dir.path();
    converge(d, &inv, &topo);
    let config = res(&topo, "sql.LABBTSSQL.config");
    let done = inject(
        d,
        &inv,
        &Fault::Sql(SqlFault::Caller {
            instance: "labbtssql".into(),
            rights: CallerRights::NoLogin,
        }),
    )
    .unwrap();
    assert_eq!(done, "on LABBTSSQL, LAB\\bisrc has no login");
    assert!(error_of(d, &inv, config).contains("Login failed for user 'LAB\\bisrc'."));
    // The scheduled run of the backup job hits the share (WB-BAK-06).
    inject(
        d,
        &inv,
        &Fault::Sql(SqlFault::Caller {
            instance: "LABBTSSQL".into(),
            rights: CallerRights::Sysadmin,
        }),
    )
    .unwrap();
    let engine = world::load(d, &inv)
        .unwrap()
        .instance("LABBTSSQL")
        .unwrap()
        .engine_account
        .clone();
    inject(
        d,
        &inv,
        &Fault::Sql(SqlFault::ShareDeny {
            account: engine,
            right: "write".into(),
        }),
    )
    .unwrap();
    let e = inject(d, &inv, &Fault::BackupRun("LABBTSSQL".into()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Operating system error 5(Access is denied.)."),
        "{e}"
    );
    let e = inject(
        d,
        &inv,
        &Fault::Sql(SqlFault::RpcOutOff {
            instance: "LABBTSSQL".into(),
            linked: "NOSUCHSQL".into(),
        }),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no SQL Server instance named NOSUCHSQL"), "{e}");
    inject(d, &inv, &Fault::Clear).unwrap();
    apply_ok(d, &inv, config);
    inject(d, &inv, &Fault::BackupRun("LABBTSSQL".into())).unwrap();
}

#[test]
fn group_configuration_needs_a_sysadmin_account_on_every_instance() {
    // WB-BTS-03.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let group = res(&topo, "biztalk.primary.group");
    converge_until(d, &inv, &topo, &group.address);
    set_caller(d, &inv, "LABBTSSQL", CallerRights::Login);
    let e = error_of(d, &inv, group);
    assert_eq!(
        e,
        "BizTalk Server Configuration failed: the account 'LAB\\bisrc' is not a member of the sysadmin role on SQL Server 'LABBTSSQL'"
    );
}
