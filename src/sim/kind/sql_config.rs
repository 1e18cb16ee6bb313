//! `sql_config` on a simulated node: instance settings (`sp_configure` memory and MAXDOP,
//! the static TCP port), read and set through the virtual network name.

use super::{Simulated, Spec};
use crate::kind::sql_config::{
    SqlConfig, SqlConfigObserved, CHECK_MAXDOP, CHECK_MEMORY, CHECK_REACHABLE,
};
use crate::sim::checks::diff_check;
use crate::sim::sql::reach;
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
        let i = w.instance_mut(server).expect("reached");
        i.max_server_memory_mb = want.max_server_memory_mb;
        i.min_server_memory_mb = want.min_server_memory_mb;
        if i.min_server_memory_mb > i.max_server_memory_mb {
            return Err(
                "sp_configure: min server memory (MB) must not be greater than max server memory (MB)"
                    .into(),
            );
        }
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
