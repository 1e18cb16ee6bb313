//! `firewall` on a simulated node: inbound allow rules for the spec's TCP ports and the
//! built-in MSDTC rule group.

use super::{Simulated, Spec};
use crate::kind::firewall::{Firewall, FirewallObserved, CHECK_PORTS_OPEN};
use crate::sim::checks::diff_check;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

/// The spec's ports, sorted and de-duplicated.
fn ports(s: &Spec<Firewall>) -> Vec<u16> {
    let mut v = s.params.tcp_ports.clone();
    v.sort_unstable();
    v.dedup();
    v
}

impl Simulated for Firewall {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<FirewallObserved, String> {
        let h = c.this_host(w)?;
        Ok(FirewallObserved {
            open_tcp_ports: ports(s)
                .into_iter()
                .filter(|p| h.open_tcp_ports.contains(p))
                .collect(),
            dtc_rule_group_enabled: h.dtc_rule_group_enabled,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let h = c.this_host_mut(w)?;
        h.open_tcp_ports
            .extend(s.desired.open_tcp_ports.iter().copied());
        h.dtc_rule_group_enabled = s.desired.dtc_rule_group_enabled;
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &FirewallObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_PORTS_OPEN,
            c,
            o,
            &["open_tcp_ports", "dtc_rule_group_enabled"],
            &c.apply_hint(),
        )])
    }
}
