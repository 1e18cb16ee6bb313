//! `Test-Dtc` between every BizTalk server of a site and the site's clustered DTC role (a
//! verify check: issue 9, "A DBA would also expect").

use super::Builder;
use crate::inventory::Site;
use crate::kind::dtc_test::{self, DtcTest, RESOURCE_MANAGER_PORT};
use crate::topology::resource::{sorted, Target};

impl Builder<'_> {
    /// One `dtc_test` per BizTalk server, after its own MSDTC and firewall and the role.
    pub(super) fn dtc_tests(&mut self, site: &Site) {
        let Some((cluster, dtc)) = site
            .clusters
            .iter()
            .find_map(|c| c.dtc.as_ref().map(|d| (c, d)))
        else {
            return;
        };
        // The test resource manager is called back from the role's address or its owner's.
        let mut from = vec![dtc.ip.value.clone()];
        for n in &cluster.nodes {
            if let Some(node) = site.nodes.iter().find(|x| x.name.eq_ignore_ascii_case(n)) {
                from.extend(node.ips.iter().map(|ip| ip.value.clone()));
            }
        }
        let from = sorted(from);
        for server in &site.biztalk_servers {
            let name = &server.name.value;
            self.resource::<DtcTest>(
                format!("biztalk.{}.dtc-test.{name}", site.name),
                site,
                Target::Node { host: name.clone() },
                vec![
                    format!("node.{name}.dtc"),
                    format!("node.{name}.firewall"),
                    format!("cluster.{}.dtc", cluster.name),
                ],
                dtc_test::Params {
                    server: name.clone(),
                    dtc: dtc.name.value.clone(),
                    port: RESOURCE_MANAGER_PORT,
                    from: from.clone(),
                },
                dtc_test::Desired { msdtc_module: true },
            );
        }
    }
}
