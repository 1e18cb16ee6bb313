//! What the builder places per role: MAXDOP wherever a MessageBox is or will be (the DR
//! destination included, issue 9 #7), min server memory below max where instances share a
//! node (issue 9 #10), and the firewall rules each server's roles need (issue 9 #5).

use std::path::Path;

use crate::kind::{firewall, from_map, sql_config};
use crate::topology::Topology;

fn topology(inventory: &str) -> Topology {
    let loaded =
        crate::inventory::load(Path::new(&format!("inventories/{inventory}.yaml"))).unwrap();
    Topology::build(&loaded.inventory, None).unwrap()
}

fn config(inventory: &str, instance: &str) -> sql_config::Desired {
    let t = topology(inventory);
    let r = t
        .get(&format!("sql.{instance}.config"))
        .unwrap_or_else(|| panic!("no sql.{instance}.config"));
    from_map(&r.desired).unwrap()
}

fn firewall(inventory: &str, server: &str) -> (firewall::Params, firewall::Desired) {
    let t = topology(inventory);
    let r = t
        .get(&format!("node.{server}.firewall"))
        .unwrap_or_else(|| panic!("no node.{server}.firewall"));
    (from_map(&r.params).unwrap(), from_map(&r.desired).unwrap())
}

#[test]
fn firewall_opens_what_each_role_needs_and_nothing_more() {
    // A default instance on 1433, and the SSO master secret server clustered on the nodes:
    // RPC to ENTSSO; no SQL Browser; no plain TCP 135 (the MSDTC group has its own rules).
    let (p, d) = firewall("contoso-prod", "SQLN01");
    assert_eq!(d.sql_tcp_ports, vec![1433]);
    assert!(!d.sql_browser_udp_1434);
    assert!(d.sso_rpc_inbound);
    assert!(d.dtc_rule_group_enabled);
    assert!(d.unneeded_bisrc_rules.is_empty());
    assert_eq!(
        p.rule_names,
        vec![
            "bisrc-entsso-rpc",
            "bisrc-entsso-rpc-epmap",
            "bisrc-sql-tcp-1433"
        ]
    );
    // The DR cluster has no master secret server.
    let (_, d) = firewall("contoso-prod", "DRSQLN01");
    assert!(!d.sso_rpc_inbound);
    // Named instances (MSGBOX, TRACKING): SQL Browser.
    let (p, d) = firewall("scaled-out", "FABSQL01");
    assert!(d.sql_browser_udp_1434);
    assert!(p
        .rule_names
        .contains(&"bisrc-sql-browser-udp-1434".to_string()));
    // A BizTalk server takes no inbound SQL or SSO traffic: the MSDTC group only.
    let (p, d) = firewall("contoso-prod", "BTSAPP01");
    assert!(d.sql_tcp_ports.is_empty() && !d.sql_browser_udp_1434 && !d.sso_rpc_inbound);
    assert!(d.dtc_rule_group_enabled);
    assert!(p.rule_names.is_empty());
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
