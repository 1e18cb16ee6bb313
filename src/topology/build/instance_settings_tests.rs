//! Instance settings placed by the builder: MAXDOP wherever a MessageBox is or will be (the DR
//! destination included, issue 9 #7) and min server memory below max where instances share a
//! node (issue 9 #10).

use std::path::Path;

use crate::kind::{from_map, sql_config};
use crate::topology::Topology;

fn config(inventory: &str, instance: &str) -> sql_config::Desired {
    let loaded =
        crate::inventory::load(Path::new(&format!("inventories/{inventory}.yaml"))).unwrap();
    let t = Topology::build(&loaded.inventory, None).unwrap();
    let r = t
        .get(&format!("sql.{instance}.config"))
        .unwrap_or_else(|| panic!("no sql.{instance}.config"));
    from_map(&r.desired).unwrap()
}

#[test]
fn the_dr_destination_gets_maxdop_1_like_its_source() {
    // DRSQL01 holds no database in the inventory; it receives BTSSQL01's by log shipping.
    assert_eq!(
        config("contoso-prod", "BTSSQL01").max_degree_of_parallelism,
        Some(1)
    );
    assert_eq!(
        config("contoso-prod", "DRSQL01").max_degree_of_parallelism,
        Some(1)
    );
    // An instance without a MessageBox, now or by log shipping, is left alone.
    assert_eq!(
        config("scaled-out", "FABTRKSQL").max_degree_of_parallelism,
        None
    );
}

#[test]
fn min_server_memory_is_below_max_where_instances_share_a_node() {
    // Active/active: both FCIs can run on either node.
    for i in ["FABMSGSQL", "FABTRKSQL"] {
        let c = config("scaled-out", i);
        assert_eq!(c.max_server_memory_mb, 98304);
        assert_eq!(c.min_server_memory_mb, 49152, "{i}");
    }
    // One FCI per cluster: min equals max (BizTalk's guidance, biztalk-ha.md §1.3).
    let c = config("contoso-prod", "BTSSQL01");
    assert_eq!(c.min_server_memory_mb, c.max_server_memory_mb);
}
