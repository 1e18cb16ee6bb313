//! The observed state of each kind, as a probe reports it. Each type lives in its kind's
//! module (`crate::kind::<kind>`); this module re-exports the ones code outside `kind` names.
//!
//! A probe script's result object and the simulator's answer both deserialize into the
//! kind's type (unknown fields are refused, so neither side can drift silently), and a render
//! test checks that each probe template builds its hashtable with exactly these field names.

pub use crate::kind::cluster::{ClusterGroupState, ClusterNodeState, ClusterObserved};
pub use crate::kind::group_owner::GroupOwnerObserved;
pub use crate::kind::{Observed, ResourceKind};
