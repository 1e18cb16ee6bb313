//! bisrc: builds, keeps, tests and rebuilds the highly available SQL Server tier under
//! BizTalk Server from a YAML inventory.
//!
//! The modules follow the pipeline, and every import points down it:
//!
//! ```text
//! cli → ui → engine → transport / render → topology / validate / sim → inventory / step → state
//! ```
//!
//! - [`state`]: the files bisrc keeps locally (atomic writes, the state directory layout).
//! - [`inventory`]: the YAML model with spans, loading, secret references.
//! - [`step`]: the remote step contract (payload, results, observed state per resource kind).
//! - [`validate`]: the rule catalogue; diagnostics with codes, locations and hints.
//! - [`topology`]: inventory → resources with addresses, targets, dependencies, desired state.
//! - [`sim`]: the node simulator (a model of WSFC, SQL FCI, MSDTC and BizTalk).
//! - [`render`]: handlebars templates with per-language quoting helpers.
//! - [`transport`]: how steps reach nodes (ssh2, or the simulator in-process).
//! - [`engine`]: plan, apply, verify; returns data and events, never prints.
//! - [`ui`]: everything the user sees.
//! - [`cli`]: the clap command tree; maps outcomes to exit codes.

#![warn(missing_docs)]

pub mod cli;
pub mod engine;
pub mod inventory;
pub mod kind;
pub mod render;
pub mod sim;
pub mod state;
pub mod step;
pub mod topology;
pub mod transport;
pub mod ui;
pub mod validate;
