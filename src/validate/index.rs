//! The lookup tables rules share, built once per run: names are keyed in lower case because
//! Windows compares computer and resource names case-insensitively. First definition wins;
//! duplicates are reported by `uniqueness`.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::inventory::{AvailabilityGroup, Disk, Inventory, Node, Site, SqlInstance};

/// A SQL instance with the site (by position) and cluster it belongs to.
#[derive(Clone, Copy)]
pub(crate) struct InstanceAt<'a> {
    pub site: usize,
    pub instance: &'a SqlInstance,
}

/// A parsed IPv4 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Net {
    pub addr: u32,
    pub prefix: u8,
}

impl Net {
    pub fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }
    pub fn contains(self, ip: u32) -> bool {
        ip & self.mask() == self.addr & self.mask()
    }
    pub fn broadcast(self) -> u32 {
        self.addr | !self.mask()
    }
}

/// Parses `a.b.c.d/n`.
pub(crate) fn parse_cidr(s: &str) -> Option<Net> {
    let (a, p) = s.split_once('/')?;
    let addr: Ipv4Addr = a.parse().ok()?;
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 2 {
        return None;
    }
    let prefix: u8 = p.parse().ok()?;
    (prefix <= 32).then_some(Net {
        addr: u32::from(addr),
        prefix,
    })
}

/// Parses a dotted-quad IPv4 address.
pub(crate) fn parse_ip(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

/// Per-site tables.
pub(crate) struct SiteIndex<'a> {
    pub disks: HashMap<String, &'a Disk>,
    pub nodes: HashMap<String, &'a Node>,
    /// Drive letter (upper case) to the disk carrying it.
    pub letters: HashMap<char, &'a Disk>,
}

/// The shared lookup tables.
pub(crate) struct Index<'a> {
    pub sites: Vec<SiteIndex<'a>>,
    pub instances: HashMap<String, InstanceAt<'a>>,
    /// Availability group listener names (a database's `instance` may name one).
    pub listeners: HashMap<String, &'a AvailabilityGroup>,
    /// Every computer name that is not a SQL instance (nodes, BizTalk servers, clusters, DTC,
    /// SSO), with what it is, to explain a database placed on one of them.
    pub other_computers: HashMap<String, &'static str>,
}

/// The lower-case key of a name.
pub(crate) fn key(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The drive letter of a single-letter string, upper case.
pub(crate) fn letter(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
        _ => None,
    }
}

impl<'a> Index<'a> {
    pub fn build(inv: &'a Inventory) -> Index<'a> {
        let mut sites = Vec::with_capacity(inv.sites.len());
        let mut instances = HashMap::new();
        let mut other_computers = HashMap::new();
        let mut listeners = HashMap::new();
        for (si, site) in inv.sites.iter().enumerate() {
            sites.push(site_index(site));
            for n in &site.nodes {
                other_computers
                    .entry(key(&n.name))
                    .or_insert("a cluster node");
            }
            for b in &site.biztalk_servers {
                other_computers
                    .entry(key(&b.name))
                    .or_insert("a BizTalk server");
            }
            for c in &site.clusters {
                other_computers
                    .entry(key(&c.name))
                    .or_insert("a cluster name");
                if let Some(d) = &c.dtc {
                    other_computers
                        .entry(key(&d.name))
                        .or_insert("a DTC network name");
                }
                if let Some(s) = &c.sso_master_secret {
                    other_computers
                        .entry(key(&s.name))
                        .or_insert("an SSO network name");
                }
                for g in &c.availability_groups {
                    listeners.entry(key(&g.listener.name)).or_insert(g);
                }
                for i in &c.sql_instances {
                    instances.entry(key(&i.name)).or_insert(InstanceAt {
                        site: si,
                        instance: i,
                    });
                }
            }
        }
        Index {
            sites,
            instances,
            listeners,
            other_computers,
        }
    }
}

fn site_index(site: &Site) -> SiteIndex<'_> {
    let mut disks = HashMap::new();
    let mut letters = HashMap::new();
    for d in &site.storage {
        disks.entry(key(&d.name)).or_insert(d);
        if let Some(l) = letter(&d.letter) {
            letters.entry(l).or_insert(d);
        }
    }
    let nodes = site.nodes.iter().fold(HashMap::new(), |mut m, n| {
        m.entry(key(&n.name)).or_insert(n);
        m
    });
    SiteIndex {
        disks,
        nodes,
        letters,
    }
}
