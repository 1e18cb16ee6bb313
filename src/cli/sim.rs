//! `bisrc sim`: the simulated world (fault injection, status).

use std::path::PathBuf;

use anyhow::Context as _;

use super::{InventoryArgs, Outcome};
use crate::sim::faults::{self, Fault};
use crate::ui::Ui;

/// `bisrc sim` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Inject or clear a fault (node down, disk offline, service stopped, failing or slow
    /// steps, drift of a setting).
    Fault(FaultArgs),
    /// Show the world as a Windows admin would see it.
    Status(WorldArgs),
}

/// The inventory and the world.
#[derive(Debug, clap::Args)]
pub struct WorldArgs {
    #[command(flatten)]
    inv: InventoryArgs,
    /// World directory served by `bisrc sim-node` (default: the simulated transport's world,
    /// `.bisrc/<environment>/world/` beside the inventory).
    #[arg(long, value_name = "DIR")]
    world: Option<PathBuf>,
}

/// Arguments of `bisrc sim fault`.
#[derive(Debug, clap::Args)]
pub struct FaultArgs {
    #[command(flatten)]
    at: WorldArgs,
    #[command(subcommand)]
    fault: FaultCommand,
}

/// The faults.
#[derive(Debug, clap::Subcommand)]
pub enum FaultCommand {
    /// Power a node off: unreachable; its roles fail over if the cluster keeps quorum.
    NodeDown {
        /// Node name.
        node: String,
    },
    /// Power a node back on (its former roles stay where they are).
    NodeUp {
        /// Node name.
        node: String,
    },
    /// Take a cluster disk offline (storage name from the inventory, or SITE/NAME).
    DiskOffline {
        /// Storage name.
        disk: String,
    },
    /// Bring a cluster disk back online.
    DiskOnline {
        /// Storage name.
        disk: String,
    },
    /// Stop a Windows service on a node (MSSQLSERVER, SQLSERVERAGENT, MSDTC, ClusSvc, ENTSSO).
    ServiceStop {
        /// Node name.
        node: String,
        /// Service name.
        service: String,
    },
    /// Start a stopped service again.
    ServiceStart {
        /// Node name.
        node: String,
        /// Service name.
        service: String,
    },
    /// Make apply steps of matching resource addresses fail.
    FailStep {
        /// Glob over resource addresses, e.g. 'sql.*.config'.
        glob: String,
        /// Fail this many times (default: until cleared).
        #[arg(long)]
        times: Option<u32>,
    },
    /// Make steps of matching resource addresses slow.
    SlowStep {
        /// Glob over resource addresses.
        glob: String,
        /// Seconds each step sleeps first.
        seconds: f64,
    },
    /// Change a setting behind bisrc's back (drift), e.g.
    /// `set sql.LABBTSSQL.config max_degree_of_parallelism 0`.
    Set {
        /// Resource address.
        address: String,
        /// Attribute (a field of the resource's observed state).
        key: String,
        /// New value as JSON (`0`, `false`, `"SIMPLE"`); a bare word is taken as a string.
        value: String,
    },
    /// Create a cluster role the inventory does not describe (an empty group on the first
    /// active member), as an admin would by hand: `plan` lists it as unmanaged. Not undone
    /// by `clear`.
    AddGroup {
        /// Cluster name, e.g. LABSQLCL.
        cluster: String,
        /// Group name, e.g. 'Old SQL Role'.
        name: String,
    },
    /// A host instance on a BizTalk server does not restart by itself after its database
    /// comes back (its next automatic restart fails), e.g. `host-stuck LABBTS1
    /// BizTalkServerApplication`.
    HostStuck {
        /// BizTalk server name.
        server: String,
        /// Host name of the instance.
        host: String,
    },
    /// The next failover of the SQL instance holding SSODB keeps it away SECONDS (default
    /// 360, past ENTSSO's 5-minute limit): ENTSSO goes offline (Event 10590).
    SsodbAway {
        /// Seconds SSODB stays away.
        #[arg(default_value_t = 360)]
        seconds: u64,
    },
    /// Replace a site's servers with freshly installed ones (after a disaster), e.g. before
    /// `bisrc dr rebuild --site primary`.
    SiteRebuilt {
        /// Site name.
        site: String,
    },
    /// Run the Backup BizTalk Server job on an instance now (a marked backup set), and let
    /// its log shipping destinations catch up: the simulated world has no scheduler.
    BackupRun {
        /// Instance network name, e.g. LABBTSSQL.
        instance: String,
    },
    /// Run a SQL Agent job on an instance now, as its schedule would: on an availability
    /// replica, a step whose database is secondary there fails (Msg 976).
    JobRun {
        /// Instance network name, e.g. LABAG2.
        instance: String,
        /// Job name, e.g. MessageBox_Message_Cleanup_BizTalkMsgBoxDb.
        job: String,
    },
    /// The operator copied the SSO master secret backup off the primary site, to PATH on
    /// HOST (the DR copy `biztalk.sso.dr_backup_file` names; for a UNC path, HOST is the
    /// server it names).
    SsoBackupCopy {
        /// Host name, e.g. LABDRBTS1.
        host: String,
        /// Path, e.g. 'C:\BizTalk\SSO\secret.bak'.
        path: String,
    },
    /// An availability replica falls behind: connected but not synchronized.
    SyncLag {
        /// Availability group name.
        availability_group: String,
        /// Node of the replica.
        node: String,
    },
    /// The node's Windows shows another UI language (e.g. fr-FR): built-in firewall groups
    /// have translated display names.
    UiLanguage {
        /// Node name.
        node: String,
        /// Language tag, e.g. fr-FR.
        language: String,
    },
    /// The connection account is not a local administrator on the node.
    NotAdmin {
        /// Node name.
        node: String,
    },
    /// Active Directory denies 'Create Computer objects' on the cluster's OU.
    AdCreateDenied,
    /// Clear every fault: nodes up, services running, cluster disks online, no step faults,
    /// availability replicas caught up.
    Clear,
    /// SQL Server side: the account bisrc connects as, the backup share, linked servers.
    Sql {
        /// Which.
        #[command(subcommand)]
        fault: SqlFaultCommand,
    },
}

/// `bisrc sim fault sql ...` (docs/windows-behaviour.md: WB-SQL-04, LOGIN-02, JOB-03,
/// BAK-05, BAK-06).
#[derive(Debug, clap::Subcommand)]
pub enum SqlFaultCommand {
    /// What the account bisrc connects as holds on an instance: sysadmin, login, no-login.
    Caller {
        /// Instance network name, e.g. LABBTSSQL.
        instance: String,
        /// `sysadmin`, `login` (no server role) or `no-login`.
        #[arg(value_parser = ["sysadmin", "login", "no-login"])]
        rights: String,
    },
    /// An account loses a right on the backup share.
    ShareDeny {
        /// `DOMAIN\name`, e.g. a SQL Server or SQL Agent service account.
        account: String,
        /// `read` (restores, log shipping) or `write` (backups).
        #[arg(value_parser = ["read", "write"])]
        right: String,
    },
    /// A linked server of an instance loses RPC Out (the Backup BizTalk Server job marks
    /// every instance through them).
    RpcOutOff {
        /// The instance holding the linked server.
        instance: String,
        /// The linked server: another instance's network name.
        linked: String,
    },
}

/// Runs `bisrc sim ...`.
pub fn run(cmd: Command, ui: &mut Ui) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Status(at) => {
            let (loaded, dir) = open(&at)?;
            let status = crate::sim::status(&dir, &loaded.inventory)?;
            ui.sim_status(&status);
            Ok(Outcome::Success)
        }
        Command::Fault(args) => {
            let (loaded, dir) = open(&args.at)?;
            let fault = to_fault(args.fault);
            let done = faults::inject(&dir, &loaded.inventory, &fault)?;
            ui.sim_fault(&done);
            Ok(Outcome::Success)
        }
    }
}

fn open(at: &WorldArgs) -> anyhow::Result<(crate::inventory::Loaded, PathBuf)> {
    let loaded = crate::inventory::load(&at.inv.inventory)
        .with_context(|| format!("cannot load {}", at.inv.inventory.display()))?;
    let dir = match &at.world {
        Some(dir) => dir.clone(),
        None => {
            loaded.state().check_layout()?;
            crate::sim::default_world_dir(&loaded)
        }
    };
    Ok((loaded, dir))
}

fn to_fault(f: FaultCommand) -> Fault {
    match f {
        FaultCommand::NodeDown { node } => Fault::NodeDown(node),
        FaultCommand::NodeUp { node } => Fault::NodeUp(node),
        FaultCommand::DiskOffline { disk } => Fault::DiskOffline(disk),
        FaultCommand::DiskOnline { disk } => Fault::DiskOnline(disk),
        FaultCommand::ServiceStop { node, service } => Fault::ServiceStop { node, service },
        FaultCommand::ServiceStart { node, service } => Fault::ServiceStart { node, service },
        FaultCommand::FailStep { glob, times } => Fault::FailStep { glob, times },
        FaultCommand::SlowStep { glob, seconds } => Fault::SlowStep { glob, seconds },
        FaultCommand::Set {
            address,
            key,
            value,
        } => Fault::Set {
            address,
            key,
            value: serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value)),
        },
        FaultCommand::AddGroup { cluster, name } => Fault::AddGroup { cluster, name },
        FaultCommand::HostStuck { server, host } => Fault::HostStuck { server, host },
        FaultCommand::SsodbAway { seconds } => Fault::SsodbAway { seconds },
        FaultCommand::BackupRun { instance } => Fault::BackupRun(instance),
        FaultCommand::JobRun { instance, job } => Fault::JobRun { instance, job },
        FaultCommand::SsoBackupCopy { host, path } => Fault::SsoBackupCopy { host, path },
        FaultCommand::SiteRebuilt { site } => Fault::SiteRebuilt(site),
        FaultCommand::SyncLag {
            availability_group,
            node,
        } => Fault::SyncLag {
            availability_group,
            node,
        },
        FaultCommand::UiLanguage { node, language } => Fault::UiLanguage { node, language },
        FaultCommand::NotAdmin { node } => Fault::NotAdmin(node),
        FaultCommand::AdCreateDenied => Fault::AdCreateDenied,
        FaultCommand::Clear => Fault::Clear,
        FaultCommand::Sql { fault } => Fault::Sql(sql_fault(fault)),
    }
}

fn sql_fault(f: SqlFaultCommand) -> crate::sim::sql_side::SqlFault {
    use crate::sim::sql_side::{CallerRights, SqlFault};
    match f {
        SqlFaultCommand::Caller { instance, rights } => SqlFault::Caller {
            instance,
            rights: match rights.as_str() {
                "login" => CallerRights::Login,
                "no-login" => CallerRights::NoLogin,
                _ => CallerRights::Sysadmin,
            },
        },
        SqlFaultCommand::ShareDeny { account, right } => SqlFault::ShareDeny { account, right },
        SqlFaultCommand::RpcOutOff { instance, linked } => SqlFault::RpcOutOff { instance, linked },
    }
}
