//! `firewall` on a simulated node: bisrc's named inbound rules (SQL ports, SQL Browser, RPC
//! to ENTSSO), the built-in MSDTC rule group, and the removal of bisrc rules no role needs.

use super::{Simulated, Spec};
use crate::kind::firewall::{
    sql_rule, Firewall, FirewallObserved, CHECK_PORTS_OPEN, SQL_BROWSER_RULE, SSO_RPC_RULES,
};
use crate::sim::checks::diff_check;
use crate::sim::env::{find_dtc_rules, GroupSelector};
use crate::sim::world::{FirewallRule, HostState, World};
use crate::sim::Ctx;
use crate::step::Check;

/// What `New-NetFirewallRule` would be given for each of bisrc's rule names.
fn rule_for(name: &str, s: &Spec<Firewall>) -> Option<FirewallRule> {
    let rule = |protocol: &str, port: &str, service: Option<&str>| FirewallRule {
        protocol: protocol.into(),
        local_port: port.into(),
        service: service.map(str::to_string),
        enabled: true,
    };
    if let Some(p) = s
        .params
        .sql_tcp_ports
        .iter()
        .find(|p| sql_rule(**p) == name)
    {
        return Some(rule("TCP", &p.to_string(), None));
    }
    match name {
        SQL_BROWSER_RULE => Some(rule("UDP", "1434", None)),
        n if n == SSO_RPC_RULES[0] => Some(rule("TCP", "RPCEPMap", Some("RpcSs"))),
        n if n == SSO_RPC_RULES[1] => Some(rule("TCP", "RPC", Some("ENTSSO"))),
        _ => None,
    }
}

/// Whether an enabled rule opens `port` over `protocol`.
fn opens(h: &HostState, protocol: &str, port: &str) -> bool {
    h.firewall_rules
        .values()
        .any(|r| r.enabled && r.protocol == protocol && r.local_port == port)
}

/// WB-FW-03: `New-NetFirewallRule -Name` refuses a name the node already has (the template
/// looks each name up first, so its apply never meets this).
fn new_net_firewall_rule(h: &mut HostState, name: &str, rule: FirewallRule) -> Result<(), String> {
    if h.firewall_rules.contains_key(name) {
        return Err(format!(
            "New-NetFirewallRule : Cannot create a file when that file already exists. (rule '{name}')"
        ));
    }
    h.firewall_rules.insert(name.to_string(), rule);
    Ok(())
}

impl Simulated for Firewall {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<FirewallObserved, String> {
        let h = c.this_host(w)?;
        let mut ports = s.params.sql_tcp_ports.clone();
        ports.sort_unstable();
        ports.dedup();
        let enabled = |n: &str| h.firewall_rules.get(n).is_some_and(|r| r.enabled);
        Ok(FirewallObserved {
            sql_tcp_ports: ports
                .into_iter()
                .filter(|p| opens(h, "TCP", &p.to_string()))
                .collect(),
            sql_browser_udp_1434: opens(h, "UDP", "1434"),
            sso_rpc_inbound: SSO_RPC_RULES.iter().all(|n| enabled(n)),
            dtc_rule_group_enabled: h.dtc_rule_group_enabled,
            unneeded_bisrc_rules: h
                .firewall_rules
                .keys()
                .filter(|n| n.starts_with("bisrc-") && !s.params.rule_names.contains(n))
                .cloned()
                .collect(),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        // WB-FW-02: the template selects the MSDTC group by its Group (indirect string), the
        // same on every language; by display name it would find nothing on a localized node.
        if s.desired.dtc_rule_group_enabled {
            find_dtc_rules(w, &c.node, GroupSelector::Group, &s.params.dtc_rule_group)?;
        }
        let before = c.this_host(w)?.clone();
        let h = c.this_host_mut(w)?;
        for name in &s.params.rule_names {
            match h.firewall_rules.get_mut(name) {
                Some(r) => r.enabled = true,
                None => {
                    let rule = rule_for(name, s).ok_or_else(|| {
                        format!("New-NetFirewallRule : no rule definition for {name}")
                    })?;
                    new_net_firewall_rule(h, name, rule)?;
                }
            }
        }
        h.firewall_rules
            .retain(|n, _| !n.starts_with("bisrc-") || s.params.rule_names.contains(n));
        h.dtc_rule_group_enabled = s.desired.dtc_rule_group_enabled;
        // WB-FW-01: the NetSecurity provider denies a change from a session that is not
        // elevated (the template changes nothing when every rule is in place).
        if *c.this_host(w)? != before {
            crate::sim::env::require_admin(w, &c.node, "New-NetFirewallRule")?;
        }
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
            &[
                "sql_tcp_ports",
                "sql_browser_udp_1434",
                "sso_rpc_inbound",
                "dtc_rule_group_enabled",
                "unneeded_bisrc_rules",
            ],
            &c.apply_hint(),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_net_firewall_rule_refuses_a_name_the_node_has() {
        // WB-FW-03.
        let mut h = HostState::default();
        let rule = FirewallRule {
            protocol: "TCP".into(),
            local_port: "1433".into(),
            service: None,
            enabled: true,
        };
        new_net_firewall_rule(&mut h, "bisrc-sql-tcp-1433", rule.clone()).unwrap();
        let e = new_net_firewall_rule(&mut h, "bisrc-sql-tcp-1433", rule).unwrap_err();
        assert!(
            e.starts_with(
                "New-NetFirewallRule : Cannot create a file when that file already exists."
            ),
            "{e}"
        );
    }
}
