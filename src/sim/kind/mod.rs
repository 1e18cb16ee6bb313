//! One simulator handler per resource kind (`sim/kind/<kind>.rs`): how a Windows node
//! answers that kind's probe, apply and verify steps, reading the step's typed params and
//! desired state (the kind module's types, read back from the step header) and answering
//! with the kind's observed type. Reading how a kind behaves on a simulated node means
//! opening its one file; mechanics several kinds share (quorum arithmetic, group states,
//! reaching an instance) stay in `sim/cluster.rs`, `sim/sql.rs` and friends.
//!
//! [`table`] is the one place that maps a kind to its handler.

/// What a master secret backup file holds in the simulated world (the world never stores a
/// secret: this stands for the file).
pub(in crate::sim) const SSO_BACKUP: &str = "Enterprise SSO master secret backup";

mod ag_database;
mod ag_failover;
mod ag_jobs;
mod ag_join;
mod ag_replica;
mod agent_job;
mod availability_group;
mod backup_job;
mod backup_share;
mod backup_users;
mod biztalk_group;
mod biztalk_repoint;
mod biztalk_server;
mod cluster;
mod cluster_disk;
mod cluster_network;
mod cluster_node;
mod cluster_validation;
mod clustered_dtc;
mod database_settings;
mod dr_restore;
mod dr_sso;
mod dtc_network;
mod dtc_test;
mod firewall;
mod group_owner;
mod host_instances;
mod log_shipping;
mod messagebox;
mod quorum;
mod sql_config;
mod sql_fci;
mod sql_fci_node;
mod sql_login;
mod sql_owners;
mod sso_role;
mod sso_server;
mod user_rights;
mod windows_feature;

use serde_json::Value;

use super::world::World;
use super::Ctx;
use crate::kind::{from_map, Kind, ResourceKind};
use crate::step::Check;

/// A step's spec as the kind's types.
pub(in crate::sim) struct Spec<K: Kind> {
    /// What the scripts are given.
    pub params: K::Params,
    /// What the resource should look like.
    pub desired: K::Desired,
}

impl<K: Kind> Spec<K> {
    /// Reads the header's spec; a mismatch is a bug in whoever built the step.
    fn read(c: &Ctx) -> Result<Spec<K>, String> {
        let bug = |part: &str, e: String| {
            format!(
                "the step's spec.{part} is not a {} {part}: {e} (a render bug)",
                K::KIND.as_str()
            )
        };
        Ok(Spec {
            params: from_map(c.params).map_err(|e| bug("params", e))?,
            desired: from_map(c.desired).map_err(|e| bug("desired", e))?,
        })
    }
}

/// How a simulated node serves one kind. Implemented, in `sim/kind/<kind>.rs`, for the
/// kind's own type (e.g. `crate::kind::cluster_disk::ClusterDisk`).
pub(in crate::sim) trait Simulated: Kind + Sized {
    /// The probe's answer: the kind's observed state in the world.
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<Self::Observed, String>;
    /// Converges the world to the desired state, or fails as Windows would.
    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String>;
    /// The kind's named checks (`Kind::CHECKS`), from the probe's answer `o` and the world.
    fn verify(w: &World, c: &Ctx, s: &Spec<Self>, o: &Self::Observed)
        -> Result<Vec<Check>, String>;
    /// Removes the resource (`bisrc destroy`), or fails as Windows would when a documented
    /// precondition does not hold. Kinds removed with their parent have no removal step.
    fn destroy(_w: &mut World, _c: &Ctx, _s: &Spec<Self>) -> Result<(), String> {
        Err(format!(
            "{} has no removal script: it is removed with the resource it belongs to",
            Self::KIND.as_str()
        ))
    }
}

/// A kind's handler, erased to plain functions so one table can hold every kind.
pub(in crate::sim) struct Handler {
    /// Probe: the observed object.
    pub probe: fn(&World, &Ctx) -> Result<Value, String>,
    /// Apply.
    pub apply: fn(&mut World, &Ctx) -> Result<(), String>,
    /// Verify: the checks.
    pub verify: fn(&World, &Ctx) -> Result<Vec<Check>, String>,
    /// Destroy.
    pub destroy: fn(&mut World, &Ctx) -> Result<(), String>,
}

fn handler<K: Simulated>() -> Handler {
    Handler {
        probe: |w, c| {
            let o = K::probe(w, c, &Spec::read(c)?)?;
            serde_json::to_value(o).map_err(|e| e.to_string())
        },
        apply: |w, c| K::apply(w, c, &Spec::read(c)?),
        verify: |w, c| {
            let s = Spec::read(c)?;
            let o = K::probe(w, c, &s)?;
            K::verify(w, c, &s, &o)
        },
        destroy: |w, c| K::destroy(w, c, &Spec::read(c)?),
    }
}

/// The handler of each kind.
pub(in crate::sim) fn table(kind: ResourceKind) -> Handler {
    use crate::kind as k;
    use ResourceKind as K;
    match kind {
        K::WindowsFeature => handler::<k::windows_feature::WindowsFeature>(),
        K::DtcNetwork => handler::<k::dtc_network::DtcNetwork>(),
        K::Firewall => handler::<k::firewall::Firewall>(),
        K::ClusterValidation => handler::<k::cluster_validation::ClusterValidation>(),
        K::Cluster => handler::<k::cluster::Cluster>(),
        K::ClusterNode => handler::<k::cluster_node::ClusterNode>(),
        K::ClusterNetwork => handler::<k::cluster_network::ClusterNetwork>(),
        K::ClusterDisk => handler::<k::cluster_disk::ClusterDisk>(),
        K::Quorum => handler::<k::quorum::Quorum>(),
        K::ClusteredDtc => handler::<k::clustered_dtc::ClusteredDtc>(),
        K::SsoRole => handler::<k::sso_role::SsoRole>(),
        K::GroupOwner => handler::<k::group_owner::GroupOwner>(),
        K::DrRestore => handler::<k::dr_restore::DrRestore>(),
        K::BiztalkRepoint => handler::<k::biztalk_repoint::BiztalkRepoint>(),
        K::AgReplica => handler::<k::ag_replica::AgReplica>(),
        K::AvailabilityGroup => handler::<k::availability_group::AvailabilityGroup>(),
        K::AgJoin => handler::<k::ag_join::AgJoin>(),
        K::SqlFci => handler::<k::sql_fci::SqlFci>(),
        K::SqlFciNode => handler::<k::sql_fci_node::SqlFciNode>(),
        K::SqlOwners => handler::<k::sql_owners::SqlOwners>(),
        K::SqlConfig => handler::<k::sql_config::SqlConfig>(),
        K::SqlLogin => handler::<k::sql_login::SqlLogin>(),
        K::BiztalkGroup => handler::<k::biztalk_group::BiztalkGroup>(),
        K::DatabaseSettings => handler::<k::database_settings::DatabaseSettings>(),
        K::BackupJob => handler::<k::backup_job::BackupJob>(),
        K::AgentJob => handler::<k::agent_job::AgentJob>(),
        K::LogShipping => handler::<k::log_shipping::LogShipping>(),
        K::HostInstances => handler::<k::host_instances::HostInstances>(),
        K::SsoServer => handler::<k::sso_server::SsoServer>(),
        K::Messagebox => handler::<k::messagebox::Messagebox>(),
        K::DtcTest => handler::<k::dtc_test::DtcTest>(),
        K::UserRights => handler::<k::user_rights::UserRights>(),
        K::BackupUsers => handler::<k::backup_users::BackupUsers>(),
        K::BackupShare => handler::<k::backup_share::BackupShare>(),
        K::AgDatabase => handler::<k::ag_database::AgDatabase>(),
        K::AgJobs => handler::<k::ag_jobs::AgJobs>(),
        K::AgFailover => handler::<k::ag_failover::AgFailover>(),
        K::DrSso => handler::<k::dr_sso::DrSso>(),
        K::BiztalkServer => handler::<k::biztalk_server::BiztalkServer>(),
    }
}
