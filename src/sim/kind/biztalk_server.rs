//! `biztalk_server` on a simulated BizTalk server: `Configuration.exe /s` configuring the
//! BizTalk runtime here (and, on every server but the group's first, joining the existing SSO
//! system and the existing group first). A server is a runtime member, with host instances
//! and ENTSSO, only after this step.

use super::{Simulated, Spec};
use crate::kind::biztalk_server::{BiztalkServer, BiztalkServerObserved, CHECK_CONFIGURED};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::world::{vnn, World};
use crate::sim::Ctx;
use crate::step::Check;

/// Whether the Management database on `server` holds a configured group.
fn group_exists(w: &World, server: &str, database: &str) -> bool {
    w.instance(server)
        .and_then(|i| i.databases.get(database))
        .is_some_and(|d| d.biztalk_group.is_some())
}

impl Simulated for BiztalkServer {
    fn probe(w: &World, c: &Ctx, _: &Spec<Self>) -> Result<BiztalkServerObserved, String> {
        let host = c.this_host(w)?;
        Ok(BiztalkServerObserved {
            configured: host.biztalk.is_some(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        // WB-BTS-06: the server's NetBIOS name is at most 15 characters.
        crate::sim::env::netbios_name(&c.node)?;
        // WB-PROC-02, WB-BTS-01: Configuration.exe silent, and waited for.
        crate::sim::script::silent(c.script)?;
        crate::sim::script::waits_for_configuration(c.script)?;
        if c.this_host(w)?.biztalk.is_some() {
            return Ok(());
        }
        // WB-BTS-03: the Management and SSO instances answer.
        for server in [&p.management_server, &p.sso_server] {
            reach(w, server).map_err(|e| {
                format!(
                    "BizTalk Server Configuration failed: cannot connect to SQL Server '{server}'. {e}"
                )
            })?;
        }
        // WB-BTS-04: Join an existing SSO system needs one (a master secret server in SSODB).
        if p.join && super::sso_server::secret_server(w, &p.sso_server, &p.sso_database).is_none() {
            return Err(format!(
                "BizTalk Server Configuration (Enterprise SSO) failed: Join an existing SSO system: the SSO database '{}' on '{}' holds no SSO system (no master secret server). Create the SSO system first; every later feature was skipped",
                p.sso_database, p.sso_server
            ));
        }
        // WB-BTS-09: Join an existing group, and the runtime feature on any server, need the
        // group (its Management database) to exist.
        if !group_exists(w, &p.management_server, &p.management_database) {
            return Err(format!(
                "BizTalk Server Configuration (BizTalk Server Group) failed: the Management database '{}' on '{}' holds no BizTalk group. Configure the group on the first BizTalk server first; every later feature was skipped",
                p.management_database, p.management_server
            ));
        }
        // The runtime's host instances stop while the Management or a MessageBox database is
        // away, ENTSSO while SSODB is (sim/biztalk_runtime.rs).
        let mut host_databases = vec![vnn(&p.management_server)];
        for m in &p.messagebox_servers {
            let m = vnn(m);
            if !host_databases.iter().any(|h| h.eq_ignore_ascii_case(&m)) {
                host_databases.push(m);
            }
        }
        crate::sim::biztalk_runtime::configure(
            w,
            &c.node,
            host_databases,
            Some(vnn(&p.sso_server)),
        );
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &BiztalkServerObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_CONFIGURED,
            c,
            o,
            &["configured"],
            &c.apply_hint(),
        )])
    }
}
