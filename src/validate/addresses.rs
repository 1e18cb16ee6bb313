//! Address rules: IPv4 addresses and CIDR subnets parse; every clustered address (cluster,
//! DTC, SSO, FCI) lies in a `cluster_and_client` network of its site (a client access point
//! needs a client network, biztalk-ha.md §8.2); node addresses lie in one of the site's
//! networks; no address is a network or broadcast address.

use crate::inventory::{Inventory, NetworkRole, SpStr};

use super::index::{parse_cidr, parse_ip, Net};
use super::{Diagnostic, BZ040, BZ041, BZ042, BZ043, BZ044};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    for site in &inv.sites {
        let mut nets: Vec<(Net, NetworkRole)> = Vec::new();
        for n in &site.networks {
            match parse_cidr(&n.subnet) {
                Some(net) if net.addr & !net.mask() != 0 => out.push(
                    BZ041
                        .at(
                            n.subnet.loc,
                            format!("subnet {} has host bits set", n.subnet),
                        )
                        .hint(format!(
                            "write the network address: {}/{}",
                            std::net::Ipv4Addr::from(net.addr & net.mask()),
                            net.prefix
                        )),
                ),
                Some(net) => nets.push((net, *n.role)),
                None => out.push(
                    BZ041
                        .at(
                            n.subnet.loc,
                            format!("subnet `{}` is not IPv4 CIDR", n.subnet),
                        )
                        .hint("write it like 10.10.0.0/24"),
                ),
            }
        }
        let client: Vec<Net> = nets
            .iter()
            .filter(|(_, r)| *r == NetworkRole::ClusterAndClient)
            .map(|(n, _)| *n)
            .collect();
        let all: Vec<Net> = nets.iter().map(|(n, _)| *n).collect();
        for n in &site.nodes {
            for ip in &n.ips {
                address(
                    ip,
                    &all,
                    &format!("node {}", n.name),
                    &BZ043,
                    &site.name,
                    out,
                );
            }
        }
        for c in &site.clusters {
            address(
                &c.ip,
                &client,
                &format!("cluster {}", c.name),
                &BZ042,
                &site.name,
                out,
            );
            if let Some(d) = &c.dtc {
                address(
                    &d.ip,
                    &client,
                    &format!("DTC {}", d.name),
                    &BZ042,
                    &site.name,
                    out,
                );
            }
            if let Some(s) = &c.sso_master_secret {
                address(
                    &s.ip,
                    &client,
                    &format!("SSO {}", s.name),
                    &BZ042,
                    &site.name,
                    out,
                );
            }
            for i in &c.sql_instances {
                address(
                    &i.ip,
                    &client,
                    &format!("instance {}", i.name),
                    &BZ042,
                    &site.name,
                    out,
                );
            }
            for g in &c.availability_groups {
                for ip in &g.listener.ips {
                    let what = format!("listener {}", g.listener.name);
                    address(ip, &client, &what, &BZ042, &site.name, out);
                }
            }
        }
    }
}

/// Checks one address: it parses, lies in one of `nets`, and is not a network or broadcast
/// address there.
fn address(
    ip: &SpStr,
    nets: &[Net],
    owner: &str,
    rule: &super::Rule,
    site: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(v) = parse_ip(ip) else {
        out.push(
            BZ040
                .at(ip.loc, format!("`{ip}` of {owner} is not an IPv4 address"))
                .hint("write a dotted quad such as 10.10.0.20"),
        );
        return;
    };
    match nets.iter().find(|n| n.contains(v)) {
        None => {
            let which = if rule.code == BZ042.code {
                "cluster_and_client network"
            } else {
                "network"
            };
            out.push(
                rule.at(ip.loc, format!("address {ip} of {owner} is in no {which} of site {site}"))
                    .hint(if rule.code == BZ042.code {
                        "a clustered name needs an address in a network with `role: cluster_and_client`; fix the address or the site's networks"
                    } else {
                        "add the network to the site's `networks`, or fix the address"
                    }),
            );
        }
        Some(n) if n.prefix <= 30 && (v == n.addr || v == n.broadcast()) => out.push(
            BZ044
                .at(
                    ip.loc,
                    format!(
                        "address {ip} of {owner} is the {} address of {}/{}",
                        if v == n.addr { "network" } else { "broadcast" },
                        std::net::Ipv4Addr::from(n.addr),
                        n.prefix
                    ),
                )
                .hint("pick a host address inside the subnet"),
        ),
        Some(_) => {}
    }
}
