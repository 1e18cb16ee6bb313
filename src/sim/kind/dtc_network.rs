//! `dtc_network` on a simulated node: the local MSDTC's network settings
//! (`Get-DtcNetworkSetting`, `Set-DtcNetworkSetting`).

use super::{Simulated, Spec};
use crate::kind::dtc_network::{DtcNetwork, DtcNetworkObserved, CHECK_NETWORK_ACCESS};
use crate::sim::checks::{dtc_ok, dtc_summary, matches};
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for DtcNetwork {
    fn probe(w: &World, c: &Ctx, _: &Spec<Self>) -> Result<DtcNetworkObserved, String> {
        let h = c.this_host(w)?;
        Ok(DtcNetworkObserved {
            network_dtc_access: h.dtc.network_dtc_access,
            inbound: h.dtc.inbound,
            outbound: h.dtc.outbound,
            authentication: h.dtc.authentication.clone(),
            remote_clients: h.dtc.remote_clients,
            remote_administration: h.dtc.remote_administration,
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let d = &s.desired;
        let node = c.node.to_ascii_uppercase();
        let h = c.this_host_mut(w)?;
        let before = h.dtc.clone();
        h.dtc.network_dtc_access = d.network_dtc_access;
        h.dtc.inbound = d.inbound;
        h.dtc.outbound = d.outbound;
        h.dtc.remote_clients = d.remote_clients;
        h.dtc.remote_administration = d.remote_administration;
        let v = &d.authentication;
        if !["Mutual", "Incoming", "NoAuth"].contains(&v.as_str()) {
            return Err(format!(
                "Set-DtcNetworkSetting : Cannot validate argument on parameter 'AuthenticationLevel'. The argument \"{v}\" does not belong to the set \"Mutual,Incoming,NoAuth\""
            ));
        }
        h.dtc.authentication = v.clone();
        // Set-DtcNetworkSetting restarts the MSDTC service (the template calls it only when a
        // setting differs): the restart aborts the transactions in flight (WB-DTC-03), so the
        // world counts it.
        h.stopped_services
            .retain(|s| !s.eq_ignore_ascii_case("MSDTC"));
        if h.dtc != before {
            *w.env.dtc_restarts.entry(node).or_default() += 1;
        }
        Ok(())
    }

    fn verify(
        w: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &DtcNetworkObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let h = w.host(&c.node).ok_or("unknown host")?;
        let stopped = h.stopped("MSDTC");
        let wrong = matches(
            c,
            o,
            &[
                "network_dtc_access",
                "inbound",
                "outbound",
                "authentication",
                "remote_clients",
                "remote_administration",
            ],
        );
        let ok = wrong.is_empty() && !stopped && dtc_ok(&h.dtc);
        let detail = if stopped {
            format!("the MSDTC service is stopped on {}; start it (Start-Service MSDTC) or {apply_hint}", c.node)
        } else if ok {
            format!("MSDTC on {}: {}", c.node, dtc_summary(&h.dtc))
        } else {
            format!("MSDTC on {}: {}; {apply_hint}", c.node, wrong.join("; "))
        };
        Ok(vec![check(CHECK_NETWORK_ACCESS, ok, detail)])
    }
}
