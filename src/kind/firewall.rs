//! `firewall`: the inbound rules a node's roles need, and nothing more (`node.N.firewall`;
//! issue 9 #5).
//!
//! Per role (docs/windows-behaviour.md WB-FW-04): a SQL node opens the TCP port of every
//! instance that can run on it, and UDP 1434 (SQL Server Browser) when one of them is a
//! named instance, because BizTalk and bisrc name it `VNN\INSTANCE` with no port; a node
//! that can own the SSO master secret server lets the other SSO servers reach the ENTSSO
//! service over RPC (endpoint mapper TCP 135 and the dynamic range, Microsoft's "Ports for
//! the Enterprise Single Sign-On servers"); every SQL node and BizTalk server enables the
//! built-in MSDTC rule group (RPC endpoint mapper, dynamic RPC and TCP for msdtc.exe). A rule
//! bisrc created that the topology no longer needs is removed.

use serde::{Deserialize, Serialize};

use super::{Kind, Removal, ResourceKind};

/// The kind.
pub struct Firewall;

/// Verify: the rules the node's roles need are enabled, and no other bisrc rule is.
pub const CHECK_PORTS_OPEN: &str = "firewall-ports-open";

/// The name of bisrc's rule for a SQL Server instance port.
pub fn sql_rule(port: u16) -> String {
    format!("bisrc-sql-tcp-{port}")
}
/// The name of bisrc's rule for SQL Server Browser (UDP 1434).
pub const SQL_BROWSER_RULE: &str = "bisrc-sql-browser-udp-1434";
/// The names of bisrc's rules for RPC to the ENTSSO service: the endpoint mapper and the
/// dynamic ports of the service.
pub const SSO_RPC_RULES: [&str; 2] = ["bisrc-entsso-rpc-epmap", "bisrc-entsso-rpc"];

impl Kind for Firewall {
    const KIND: ResourceKind = ResourceKind::Firewall;
    const CHECKS: &'static [&'static str] = &[CHECK_PORTS_OPEN];
    const REMOVAL: Removal = Removal::Kept("rules of the Windows server, which bisrc does not remove");
    type Params = Params;
    type Desired = Desired;
    type Observed = FirewallObserved;

    fn exists(o: &FirewallObserved) -> bool {
        !o.sql_tcp_ports.is_empty()
            || o.sql_browser_udp_1434
            || o.sso_rpc_inbound
            || o.dtc_rule_group_enabled
    }
}

/// Inputs of the scripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The TCP ports of the SQL instances that can run on the node (sorted).
    pub sql_tcp_ports: Vec<u16>,
    /// A named instance can run on the node: SQL Server Browser (UDP 1434).
    pub sql_browser: bool,
    /// The SSO master secret server can run on the node.
    pub sso_master_secret_server: bool,
    /// The names of every bisrc rule the node needs (sorted): any other `bisrc-*` rule is
    /// one too many.
    pub rule_names: Vec<String>,
    /// The built-in MSDTC rule group, by its `Group` (an indirect string the same on every
    /// language of Windows; the display name is translated): [`DTC_RULE_GROUP`] (WB-FW-02).
    #[serde(default = "dtc_rule_group")]
    pub dtc_rule_group: String,
}

/// The `Group` of the built-in "Distributed Transaction Coordinator" firewall rules: the
/// indirect string `@FirewallAPI.dll,-33502`, which `Enable-NetFirewallRule -Group` matches
/// on every UI language, where `-DisplayGroup` needs the translated name (WB-FW-02;
/// https://learn.microsoft.com/en-us/powershell/module/netsecurity/enable-netfirewallrule ,
/// https://learn.microsoft.com/en-us/windows/win32/api/netfw/nf-netfw-inetfwpolicy2-enablerulegroup
/// "the group name or an indirect string to the group name").
pub const DTC_RULE_GROUP: &str = "@FirewallAPI.dll,-33502";

fn dtc_rule_group() -> String {
    DTC_RULE_GROUP.to_string()
}

impl Params {
    /// The parameters, with the rule names derived from the roles.
    pub fn new(sql_tcp_ports: Vec<u16>, sql_browser: bool, sso_master_secret_server: bool) -> Self {
        let mut rule_names: Vec<String> = sql_tcp_ports.iter().map(|p| sql_rule(*p)).collect();
        if sql_browser {
            rule_names.push(SQL_BROWSER_RULE.to_string());
        }
        if sso_master_secret_server {
            rule_names.extend(SSO_RPC_RULES.iter().map(|r| r.to_string()));
        }
        rule_names.sort();
        Params {
            sql_tcp_ports,
            sql_browser,
            sso_master_secret_server,
            rule_names,
            dtc_rule_group: dtc_rule_group(),
        }
    }

    /// What the node should look like.
    pub fn desired(&self) -> Desired {
        Desired {
            sql_tcp_ports: self.sql_tcp_ports.clone(),
            sql_browser_udp_1434: self.sql_browser,
            sso_rpc_inbound: self.sso_master_secret_server,
            dtc_rule_group_enabled: true,
            unneeded_bisrc_rules: vec![],
        }
    }
}

/// Desired state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// SQL instance ports an enabled inbound TCP allow rule opens (sorted).
    pub sql_tcp_ports: Vec<u16>,
    /// An enabled inbound rule opens UDP 1434 to SQL Server Browser.
    pub sql_browser_udp_1434: bool,
    /// Enabled inbound rules let SSO servers reach ENTSSO over RPC (135 and dynamic).
    pub sso_rpc_inbound: bool,
    /// The built-in "Distributed Transaction Coordinator" rule group is enabled.
    pub dtc_rule_group_enabled: bool,
    /// bisrc rules on the node that its roles do not need (always none when converged).
    pub unneeded_bisrc_rules: Vec<String>,
}

/// Firewall rules for the node's roles, as found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallObserved {
    /// Of the SQL ports the spec asks for, those an enabled inbound TCP allow rule opens
    /// (sorted).
    pub sql_tcp_ports: Vec<u16>,
    /// An enabled inbound allow rule opens UDP 1434.
    pub sql_browser_udp_1434: bool,
    /// bisrc's two RPC rules for ENTSSO exist and are enabled.
    pub sso_rpc_inbound: bool,
    /// The built-in "Distributed Transaction Coordinator" rule group is enabled.
    pub dtc_rule_group_enabled: bool,
    /// `bisrc-*` rules that are not in the spec's list (sorted).
    pub unneeded_bisrc_rules: Vec<String>,
}
