//! `cluster_network` on a simulated node: the network with the spec's subnet, renamed and
//! given its role.

use super::{Simulated, Spec};
use crate::kind::cluster_network::{ClusterNetwork, ClusterNetworkObserved, CHECK_ROLE};
use crate::sim::checks::diff_check;
use crate::sim::cluster::require;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for ClusterNetwork {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<ClusterNetworkObserved, String> {
        let name = c.cluster_name(None)?;
        let net = w
            .cluster(&name)
            .and_then(|cl| cl.networks.iter().find(|n| n.subnet == s.params.subnet));
        Ok(ClusterNetworkObserved {
            exists: net.is_some(),
            name: net.map(|n| n.name.clone()),
            role: net.map(|n| n.role.clone()),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let name = require(w, c, None)?.name.clone();
        let subnet = &s.params.subnet;
        let cl = w.cluster_mut(&name).expect("required");
        let Some(net) = cl.networks.iter_mut().find(|n| &n.subnet == subnet) else {
            return Err(format!(
                "Get-ClusterNetwork : No cluster network has the subnet {subnet}. Give the nodes an address on it."
            ));
        };
        net.name.clone_from(&s.desired.name);
        let r = &s.desired.role;
        if !["ClusterAndClient", "Cluster", "None"].contains(&r.as_str()) {
            return Err(format!(
                "cluster network role '{r}' is not ClusterAndClient, Cluster or None"
            ));
        }
        net.role.clone_from(r);
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &ClusterNetworkObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_ROLE,
            c,
            o,
            &["exists", "name", "role"],
            &c.apply_hint(),
        )])
    }
}
