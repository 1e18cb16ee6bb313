//! `dtc_test` on a simulated BizTalk server: `Test-Dtc` between the server's MSDTC and the
//! clustered DTC role (WB-DTC-06). The simulated test passes only when everything the cmdlet
//! checks holds: the DTC firewall rule group on both computers, network DTC access with
//! inbound and outbound transactions on both, and the role online (its owner answers). Its
//! messages are the cmdlet's own (<https://learn.microsoft.com/powershell/module/msdtc/test-dtc>,
//! examples 3 and 4).

use super::{Simulated, Spec};
use crate::kind::dtc_test::{DtcTest, DtcTestObserved, CHECK_PROPAGATION};
use crate::sim::cluster::group_state;
use crate::sim::world::{DtcSettings, GroupKind, World};
use crate::sim::{check, Ctx};
use crate::step::Check;

/// What `Test-Dtc` warns about one computer's MSDTC (empty: nothing).
fn warnings(name: &str, dtc: &DtcSettings, rule_group: bool, out: &mut Vec<String>) {
    if !rule_group {
        out.push(format!(
            "{name}: Firewall rule for \"DTC incoming connections\" is disabled."
        ));
    }
    if !dtc.network_dtc_access || !dtc.inbound {
        out.push(format!(
            "{name}: Inbound transactions are not allowed and this computer cannot participate in network transactions."
        ));
    }
    if !dtc.network_dtc_access || !dtc.outbound {
        out.push(format!(
            "{name}: Outbound transactions are not allowed and this computer cannot participate in network transactions."
        ));
    }
}

impl Simulated for DtcTest {
    fn probe(w: &World, c: &Ctx, _: &Spec<Self>) -> Result<DtcTestObserved, String> {
        c.this_host(w)?;
        // The MsDtc module ships with Windows Server 2012 and later.
        Ok(DtcTestObserved { msdtc_module: true })
    }

    fn apply(_: &mut World, _: &Ctx, _: &Spec<Self>) -> Result<(), String> {
        Ok(())
    }

    fn verify(
        w: &World,
        c: &Ctx,
        s: &Spec<Self>,
        _: &DtcTestObserved,
    ) -> Result<Vec<Check>, String> {
        let p = &s.params;
        let here = c.this_host(w)?;
        let mut said = Vec::new();
        warnings(&p.server, &here.dtc, here.dtc_rule_group_enabled, &mut said);
        if here.stopped("MSDTC") {
            said.push(format!(
                "{}: the Distributed Transaction Coordinator service is not running.",
                p.server
            ));
        }
        let role = w.clusters.values().find_map(|cl| {
            cl.groups
                .iter()
                .find(|g| {
                    g.kind == GroupKind::Dtc
                        && g.network_name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&p.dtc))
                })
                .map(|g| (cl, g))
        });
        match role {
            None => said.push(format!(
                "Pinging computer {} from {} failed: no such host is known (the clustered DTC role does not exist).",
                p.dtc, p.server
            )),
            Some((cl, g)) if group_state(w, cl, g) != "Online" => said.push(format!(
                "Pinging computer {} from {} failed: the clustered DTC role is {}.",
                p.dtc,
                p.server,
                group_state(w, cl, g)
            )),
            Some((_, g)) => {
                let owner = w.host(&g.owner).ok_or("unknown owner")?;
                warnings(
                    &p.dtc,
                    &g.dtc.clone().unwrap_or_default(),
                    owner.dtc_rule_group_enabled,
                    &mut said,
                );
            }
        }
        let ok = said.is_empty();
        let detail = if ok {
            format!(
                "Test-Dtc propagated a transaction between {} and {} (pull and push)",
                p.server, p.dtc
            )
        } else {
            format!(
                "Test-Dtc between {} and {}: {} \"DTC security settings and firewall settings should be fixed in order to complete the transactions propagation test.\"",
                p.server,
                p.dtc,
                said.join(" ")
            )
        };
        Ok(vec![check(CHECK_PROPAGATION, ok, detail)])
    }
}
