//! `sql_config` on a simulated node: instance settings (`sp_configure` memory and MAXDOP,
//! the static TCP port), read and set through the virtual network name.

use super::{Simulated, Spec};
use crate::kind::sql_config::{
    SqlConfig, SqlConfigObserved, CHECK_MAXDOP, CHECK_MEMORY, CHECK_REACHABLE,
};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
use crate::sim::sql_side::{query_error, sp_configure};
use crate::sim::world::World;
use crate::sim::{check, Ctx};
use crate::step::Check;

impl Simulated for SqlConfig {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<SqlConfigObserved, String> {
        // Like the real probe, a connection failure is the probe's error.
        let i = reach(w, &s.params.server)?;
        Ok(SqlConfigObserved {
            reachable: true,
            max_server_memory_mb: Some(i.max_server_memory_mb),
            min_server_memory_mb: Some(i.min_server_memory_mb),
            max_degree_of_parallelism: Some(i.max_degree_of_parallelism),
            tcp_port: i.tcp_port,
        })
    }

    fn apply(w: &mut World, _: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let server = &s.params.server;
        let want = &s.desired;
        reach(w, server)?;
        // WB-TSQL-02: "The minimum memory amount allowable for max server memory is 128 MB"
        // and min ≤ max (https://learn.microsoft.com/sql/database-engine/configure-windows/server-memory-server-configuration-options);
        // MAXDOP is 0 to 32767. sp_configure refuses an out-of-range value with error 15129.
        let invalid = |v: u64, option: &str| {
            query_error(&format!(
                "'{v}' is not a valid value for configuration option '{option}'."
            ))
        };
        if want.max_server_memory_mb < 128 {
            return Err(invalid(want.max_server_memory_mb, "max server memory (MB)"));
        }
        if let Some(v) = want.max_degree_of_parallelism.filter(|v| *v > 32767) {
            return Err(invalid(u64::from(v), "max degree of parallelism"));
        }
        if want.min_server_memory_mb > want.max_server_memory_mb {
            return Err(query_error(
                "sp_configure: min server memory (MB) must not be greater than max server memory (MB)",
            ));
        }
        // The batch of templates/sql/sql_config.sql.hbs, in its order: show advanced options
        // first, then the advanced options (WB-TSQL-01).
        sp_configure(w, server, "show advanced options", 1)?;
        sp_configure(
            w,
            server,
            "max server memory (MB)",
            want.max_server_memory_mb,
        )?;
        sp_configure(
            w,
            server,
            "min server memory (MB)",
            want.min_server_memory_mb,
        )?;
        if let Some(v) = want.max_degree_of_parallelism {
            sp_configure(w, server, "max degree of parallelism", u64::from(v))?;
        }
        let i = w.instance_mut(server).expect("reached");
        i.max_server_memory_mb = want.max_server_memory_mb;
        i.min_server_memory_mb = want.min_server_memory_mb;
        if let Some(v) = want.max_degree_of_parallelism {
            i.max_degree_of_parallelism = v;
        }
        i.tcp_port = Some(want.tcp_port);
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        s: &Spec<Self>,
        o: &SqlConfigObserved,
    ) -> Result<Vec<Check>, String> {
        let apply_hint = c.apply_hint();
        let server = &s.params.server;
        let mut v = vec![check(
            CHECK_REACHABLE,
            o.reachable,
            if o.reachable {
                format!("{server} answers through its network name")
            } else {
                format!("{server} does not answer; check that its cluster role is Online on an up node (verify the sql FCI)")
            },
        )];
        v.push(diff_check(
            CHECK_MEMORY,
            c,
            o,
            &["max_server_memory_mb", "min_server_memory_mb"],
            &apply_hint,
        ));
        if s.desired.max_degree_of_parallelism.is_some() {
            v.push(diff_check(
                CHECK_MAXDOP,
                c,
                o,
                &["max_degree_of_parallelism"],
                &format!("BizTalk needs MAXDOP 1 on a MessageBox instance; {apply_hint}"),
            ));
        }
        Ok(v)
    }
}
