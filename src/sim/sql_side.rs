//! The SQL side of the simulated world that SQL Server's documented preconditions need
//! (docs/windows-behaviour.md, WB-SQL, TSQL, LOGIN, JOB, BAK, LS, MBOX and DEL-05), and the
//! refusals built on it, worded as System.Data.SqlClient reports them under Windows
//! PowerShell 5.1 (`templates/partials/sql.ps1`: `SqlConnection.Open()`, then
//! `SqlDataAdapter.Fill(DataSet)`), with SQL Server's message numbers in the comments.
//!
//! Every field defaults to the healthy lab: the account bisrc connects as is sysadmin on
//! every instance, Active Directory knows every account, the backup share grants every right,
//! linked servers allow RPC Out, each BizTalk server has its `Schema` scripts and every
//! certificate is trusted. Tests (and `bisrc sim fault`, where an operator would rehearse it)
//! break one at a time.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::world::{vnn, InstanceState, World};
use crate::inventory::Inventory;

/// What the client in `templates/partials/sql.ps1` sets: `TrustServerCertificate = $true`
/// (WB-SQL-02). A render test keeps the two in step.
pub const CLIENT_TRUSTS_SERVER_CERTIFICATE: bool = true;

/// The SQL side of the world.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SqlSide {
    /// The Windows account the steps connect as (`connection.user`; the simulated transport
    /// names none, so `NETBIOS\bisrc` stands for it).
    #[serde(default)]
    pub caller: String,
    /// Per instance, by upper-case network name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instances: BTreeMap<String, InstanceSecurity>,
    /// Windows accounts and groups Active Directory does not know (upper case).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown_accounts: BTreeSet<String>,
    /// Rights on the backup share withheld from an account (upper case): `read`, `write`.
    /// A deny entry, as `sim fault sql share-deny` writes it: it overrides whatever the
    /// share's permissions (`sim/backup_rights.rs`) grant, as a Windows deny ACE does.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub share_denied: BTreeMap<String, BTreeSet<String>>,
    /// Hosts (upper case) whose `<BizTalk>\Schema` folder lacks the log shipping scripts.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub schema_scripts_missing: BTreeSet<String>,
    /// The message of a job's last failed run, by `VNN/job` (what the job history shows).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub job_failures: BTreeMap<String, String>,
    /// The account bisrc connects as is not in the BizTalk Server Administrators group.
    #[serde(default)]
    pub caller_not_biztalk_admin: bool,
    /// The group has orchestrations, send ports or send port groups enlisted (bisrc deploys
    /// none; an operator's applications do).
    #[serde(default)]
    pub enlisted_artefacts: bool,
}

/// What the caller holds on an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerRights {
    /// A login in `sysadmin` (through a group, as the lab's BizTalk Server Administrators).
    #[default]
    Sysadmin,
    /// A login without any server role.
    Login,
    /// No login at all.
    NoLogin,
}

/// One instance's security and `sp_configure` state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceSecurity {
    /// What the caller holds here.
    #[serde(default)]
    pub caller: CallerRights,
    /// `show advanced options` (0 on a new instance).
    #[serde(default)]
    pub show_advanced_options: bool,
    /// `Ad Hoc Distributed Queries` (0 on a new instance).
    #[serde(default)]
    pub ad_hoc_distributed_queries: bool,
    /// Linked servers (upper case) whose `RPC Out` is off.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub rpc_out_off: BTreeSet<String>,
    /// The certificate the instance presents is not trusted by the client computers.
    #[serde(default)]
    pub untrusted_certificate: bool,
    /// SQL Agent job owners, by job name (unset: the account that ran BizTalk configuration,
    /// a sysadmin).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub job_owners: BTreeMap<String, String>,
    /// Logins with an open session.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sessions: BTreeSet<String>,
}

/// Sets the caller at world creation.
pub fn fresh(w: &mut World, inv: &Inventory) {
    w.sql_side.caller = inv
        .connection
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .unwrap_or_else(|| format!("{}\\bisrc", inv.domain.netbios.value));
}

/// The security of the instance `server` (the defaults when none was recorded).
pub fn security(w: &World, server: &str) -> InstanceSecurity {
    w.sql_side
        .instances
        .get(&vnn(server))
        .cloned()
        .unwrap_or_default()
}

/// The security of the instance `server`, to change.
pub fn security_mut<'w>(w: &'w mut World, server: &str) -> &'w mut InstanceSecurity {
    w.sql_side.instances.entry(vnn(server)).or_default()
}

/// What Windows PowerShell 5.1 prints when a .NET method throws.
pub fn exception(method: &str, args: usize, message: &str) -> String {
    format!("Exception calling \"{method}\" with \"{args}\" argument(s): \"{message}\"")
}

/// A SQL Server error raised while the batch runs (`SqlDataAdapter.Fill`).
pub fn query_error(message: &str) -> String {
    exception("Fill", 1, message)
}

/// `SqlConnection.Open()` on an instance that answers (WB-SQL-02, WB-SQL-04): the TLS
/// handshake, then the Windows login.
/// https://learn.microsoft.com/en-us/dotnet/api/system.data.sqlclient.sqlconnection.connectionstring ;
/// https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error
pub fn open(w: &World, server: &str, trust_server_certificate: bool) -> Result<(), String> {
    let sec = security(w, server);
    if sec.untrusted_certificate && !trust_server_certificate {
        return Err(exception(
            "Open",
            0,
            "A connection was successfully established with the server, but then an error occurred during the login process. (provider: SSL Provider, error: 0 - The certificate chain was issued by an authority that is not trusted.)",
        ));
    }
    if sec.caller == CallerRights::NoLogin {
        // Msg 18456.
        return Err(exception(
            "Open",
            0,
            &format!("Login failed for user '{}'.", w.sql_side.caller),
        ));
    }
    Ok(())
}

/// Whether the caller is sysadmin on `server`.
pub fn caller_is_sysadmin(w: &World, server: &str) -> bool {
    security(w, server).caller == CallerRights::Sysadmin
}

/// The advanced options of `sp_configure` bisrc's templates set.
const ADVANCED: [&str; 4] = [
    "max degree of parallelism",
    "max server memory (MB)",
    "min server memory (MB)",
    "Ad Hoc Distributed Queries",
];

/// `EXEC sp_configure N'<option>', <value>` on `server` (WB-TSQL-01): changing a value needs
/// ALTER SETTINGS (sysadmin or serveradmin; Msg 15247), and an advanced option is hidden
/// until `show advanced options` is 1 (Msg 15123).
/// https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-configure-transact-sql
pub fn sp_configure(w: &mut World, server: &str, option: &str, value: u64) -> Result<(), String> {
    let on = value != 0;
    if !caller_is_sysadmin(w, server) {
        return Err(query_error(
            "User does not have permission to perform this action.",
        ));
    }
    let sec = security_mut(w, server);
    if ADVANCED.iter().any(|a| a.eq_ignore_ascii_case(option)) && !sec.show_advanced_options {
        return Err(query_error(&format!(
            "The configuration option '{option}' does not exist, or it may be an advanced option."
        )));
    }
    if option.eq_ignore_ascii_case("show advanced options") {
        sec.show_advanced_options = on;
    } else if option.eq_ignore_ascii_case("Ad Hoc Distributed Queries") {
        sec.ad_hoc_distributed_queries = on;
    }
    Ok(())
}

/// Whether Active Directory knows the Windows account or group `account` (WB-LOGIN-01).
pub fn account_known(w: &World, account: &str) -> bool {
    !w.sql_side
        .unknown_accounts
        .contains(&account.to_ascii_uppercase())
}

/// Whether `account` is not denied `right` (`read`, `write`) on the backup share; the
/// share's own permissions are `backup_rights::can_read`'s, which consults this too.
pub fn share_allows(w: &World, account: &str, right: &str) -> bool {
    !w.sql_side
        .share_denied
        .get(&account.to_ascii_uppercase())
        .is_some_and(|d| d.contains(right))
}

/// Msg 3201 for a backup file the account cannot open on the share (WB-BAK-06).
/// https://learn.microsoft.com/en-us/sql/t-sql/statements/backup-transact-sql
pub fn access_denied(path: &str) -> String {
    format!("Cannot open backup device '{path}'. Operating system error 5(Access is denied.).")
}

/// `sp_update_job` / `sp_update_jobstep` on a job the caller does not own (WB-JOB-03,
/// Msg 14525): only sysadmin changes another login's job.
/// https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-update-job-transact-sql
pub fn may_update_job(w: &World, server: &str, job: &str) -> Result<(), String> {
    if caller_is_sysadmin(w, server) {
        return Ok(());
    }
    let owner = security(w, server).job_owners.get(job).cloned();
    if owner.is_some_and(|o| o.eq_ignore_ascii_case(&w.sql_side.caller)) {
        return Ok(());
    }
    Err(query_error(
        "Only members of sysadmin role are allowed to update or delete jobs owned by a different login.",
    ))
}

/// Why a run of the Backup BizTalk Server job on `server` would fail on Windows, if it would (the job history's message).
/// WB-BAK-05: `sp_MarkAll` and `sp_CleanUpMarkLog` reach every other instance holding a
/// BizTalk database through the linked servers the job creates, inside a distributed
/// transaction: each linked server needs RPC Out (Msg 7411) and MSDTC must run on the node
/// owning each instance (Msg 8501). WB-BAK-06: each instance's SQL Server service account
/// writes its backup files to the share (Msg 3201).
/// https://learn.microsoft.com/en-us/biztalk/core/how-to-configure-the-backup-biztalk-server-job ;
/// https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors
pub fn backup_run_failure(
    w: &World,
    server: &str,
    destination: &str,
    mark: &str,
) -> Option<String> {
    let own = vnn(server);
    // The group's instances: those of this site holding a BizTalk database (a DR site's
    // copies belong to the DR site's own job).
    let site_of = |i: &InstanceState| w.cluster(&i.cluster).map(|c| c.site.clone());
    let site = w.instance(server).and_then(site_of);
    let involved: Vec<&InstanceState> = w
        .instances
        .values()
        .filter(|i| site_of(i) == site)
        .filter(|i| i.databases.values().any(|d| d.role.is_some()))
        .collect();
    let linked: Vec<&&InstanceState> = involved
        .iter()
        .filter(|i| vnn(&i.network_name) != own)
        .collect();
    let sec = security(w, server);
    for i in &linked {
        if sec.rpc_out_off.contains(&vnn(&i.network_name)) {
            return Some(format!(
                "Server '{}' is not configured for RPC.",
                i.network_name
            ));
        }
    }
    if !linked.is_empty() {
        for i in &involved {
            let owner = w
                .cluster(&i.cluster)
                .and_then(|cl| cl.group(&i.group))
                .map(|g| g.owner.clone())
                .unwrap_or_default();
            if w.host(&owner).is_some_and(|h| h.stopped("MSDTC")) {
                return Some(format!(
                    "MSDTC on server '{}' is unavailable.",
                    i.network_name
                ));
            }
        }
    }
    for i in &involved {
        if !share_allows(w, &i.engine_account, "write") {
            let db = i
                .databases
                .iter()
                .find(|(_, d)| d.role.is_some())
                .map(|(n, _)| n.as_str())
                .unwrap_or("master");
            return Some(access_denied(&format!(
                "{}{}_{db}_Full_{mark}.bak",
                destination, i.network_name
            )));
        }
    }
    None
}

/// SQL-side faults an operator rehearses with `bisrc sim fault sql ...`.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlFault {
    /// The account bisrc connects as loses rights on an instance (a locked-down estate).
    Caller {
        /// Instance network name.
        instance: String,
        /// What it keeps.
        rights: CallerRights,
    },
    /// An account loses a right (`read`, `write`) on the backup share.
    ShareDeny {
        /// `DOMAIN\name`.
        account: String,
        /// `read` or `write`.
        right: String,
    },
    /// A linked server of an instance loses RPC Out.
    RpcOutOff {
        /// Instance network name (the one holding the linked server).
        instance: String,
        /// The linked server (another instance's network name).
        linked: String,
    },
}

/// Applies a SQL-side fault; returns what happened, in one line.
pub fn inject(w: &mut World, f: &SqlFault) -> Result<String, String> {
    let known = |w: &World, server: &str| {
        w.instance(server)
            .map(|i| i.network_name.clone())
            .ok_or_else(|| {
                format!("no SQL Server instance named {server} is installed yet (apply it first)")
            })
    };
    match f {
        SqlFault::Caller { instance, rights } => {
            let name = known(w, instance)?;
            security_mut(w, &name).caller = *rights;
            let what = match rights {
                CallerRights::Sysadmin => "is sysadmin",
                CallerRights::Login => "has a login without any server role",
                CallerRights::NoLogin => "has no login",
            };
            Ok(format!("on {name}, {} {what}", w.sql_side.caller))
        }
        SqlFault::ShareDeny { account, right } => {
            // Delete (xp_delete_file's purge, WB-BAK-04) fails silently on Windows: nothing
            // to rehearse.
            if !["read", "write"].contains(&right.as_str()) {
                return Err(format!(
                    "{right} is not a share right to withhold: read or write"
                ));
            }
            w.sql_side
                .share_denied
                .entry(account.to_ascii_uppercase())
                .or_default()
                .insert(right.clone());
            Ok(format!(
                "{account} may no longer {right} on the backup share"
            ))
        }
        SqlFault::RpcOutOff { instance, linked } => {
            let name = known(w, instance)?;
            let other = known(w, linked)?;
            security_mut(w, &name)
                .rpc_out_off
                .insert(other.to_ascii_uppercase());
            Ok(format!(
                "the linked server {other} on {name} has RPC Out off"
            ))
        }
    }
}

/// `bisrc sim fault clear`: rights, the share and linked servers as in the healthy lab (the
/// instances' own settings, such as `show advanced options`, stay as the steps left them).
pub fn clear(w: &mut World) {
    for s in w.sql_side.instances.values_mut() {
        s.caller = CallerRights::Sysadmin;
        s.rpc_out_off.clear();
        s.untrusted_certificate = false;
        s.sessions.clear();
    }
    w.sql_side.unknown_accounts.clear();
    w.sql_side.share_denied.clear();
    w.sql_side.schema_scripts_missing.clear();
}
