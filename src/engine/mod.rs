//! Engine: plan (probe and diff), plan files, apply (ordering, parallelism, lock, journal,
//! resume), destroy (the reverse of apply, by each kind's removal script) and verify (checks,
//! JUnit, failover rehearsal). It takes a loaded inventory, its
//! topology, a way to render step scripts ([`Scripts`]) and a way to reach hosts
//! ([`host::Connector`]); it returns plain serde values ([`Plan`], [`ApplyReport`],
//! [`VerifyReport`]) and sends progress [`Event`]s over one channel. It never prints, and a
//! secret value never leaves it except inside a payload sent to a node.
//!
//! Lifecycle, invariants and the event checklist: `docs/engine.md`.

pub mod adapters;
pub mod applied;
pub mod apply;
mod artifacts;
pub mod context;
pub mod destroy;
pub mod diff;
pub mod dr;
pub mod dr_role;
pub mod error;
pub mod event;
pub mod failover;
pub mod host;
pub mod host_watch;
pub mod ids;
pub mod journal;
pub mod lock;
pub mod lock_site;
pub mod plan;
pub mod planfile;
pub mod probe;
pub mod schedule;
pub mod setup;
mod steps;
pub mod unmanaged;
pub mod verify;

pub use apply::ApplyReport;
pub use context::{Context, Scripts};
pub use diff::Action;
pub use error::StepError;
pub use event::Event;
pub use ids::{canonical_json, new_id, now_rfc3339, sha256_hex, whoami};
pub use plan::Plan;
pub use verify::VerifyReport;
