//! What Windows checks before a step that the steps themselves never change: the account's
//! rights on each node, the feature store, the UI language, Active Directory (who may create
//! the cluster's computer objects, which are pre-staged or taken), the file share witness's
//! rights, the reach to Azure blob storage, and whether the nodes run in Azure.
//!
//! The defaults are the healthy lab: every fact here is "nothing in the way", so a world that
//! never touches [`Env`] behaves as before. Tests (and `bisrc sim fault`, where an operator
//! would rehearse it) break one fact at a time; the kinds' handlers call the checks below and
//! refuse with Windows's message (docs/windows-behaviour.md, the WB id on each function).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::world::World;

/// The facts, by the thing they belong to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Env {
    /// Per node (upper-case name); a node not listed is healthy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hosts: BTreeMap<String, HostEnv>,
    /// Active Directory, as the cluster's computer objects meet it.
    #[serde(default, skip_serializing_if = "Directory::is_default")]
    pub directory: Directory,
    /// Shared disks (by `SITE/NUMBER`) not presented to some nodes (upper-case names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub disk_hidden_from: BTreeMap<String, BTreeSet<String>>,
    /// File shares (upper case) the cluster name object cannot write to.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub witness_share_denied: BTreeSet<String>,
    /// The nodes cannot reach Azure blob storage over HTTPS (a proxy or firewall in the way).
    #[serde(default)]
    pub azure_blob_unreachable: bool,
    /// The nodes are Azure virtual machines: `New-Cluster` without
    /// `-ManagementPointNetworkType` makes a distributed network name there.
    #[serde(default)]
    pub azure: bool,
    /// Clusters (upper case) whose management point is a distributed network name.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub distributed_management_point: BTreeSet<String>,
    /// Times `Set-DtcNetworkSetting` restarted MSDTC, by node or clustered DTC role (upper
    /// case): each restart aborted the transactions in flight there (WB-DTC-03).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dtc_restarts: BTreeMap<String, u32>,
}

/// One node's facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostEnv {
    /// The connection account is not a local administrator (or the session is not
    /// elevated): cmdlets that change the system are denied.
    #[serde(default)]
    pub not_admin: bool,
    /// Features whose payload was removed from the side-by-side store
    /// (`Uninstall-WindowsFeature -Remove`), with no `-Source` reachable.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub removed_features: BTreeSet<String>,
    /// The Windows UI language (`en-US` when unset): built-in firewall groups show their
    /// display names in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_language: Option<String>,
    /// A policy forbids local user accounts (validation's CSV tests create `CliTest2`).
    #[serde(default)]
    pub local_accounts_forbidden: bool,
    /// Features whose installation asks for a restart on this node (`RestartNeeded` Yes).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub restart_needed: BTreeSet<String>,
    /// Features installed and waiting for that restart (`InstallState` InstallPending);
    /// cleared when the node powers up again (`bisrc sim fault node-up`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pending_restart: BTreeSet<String>,
    /// The ENTSSO service account lacks what SSO configuration needs here: membership of SSO
    /// Administrators or *Log on as a service* (WB-SSO-03).
    #[serde(default)]
    pub sso_account_lacks_rights: bool,
}

impl HostEnv {
    /// Whether `feature` waits for a restart here.
    pub fn pending(&self, feature: &str) -> bool {
        self.pending_restart
            .iter()
            .any(|f| f.eq_ignore_ascii_case(feature))
    }
}

/// Active Directory as the cluster meets it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    /// The OU denies *Create Computer objects* to the account creating the cluster and to
    /// the cluster name object.
    #[serde(default)]
    pub create_denied: bool,
    /// Pre-staged computer objects, by upper-case name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prestaged: BTreeMap<String, Prestaged>,
    /// Names already taken by another computer (upper case).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub taken: BTreeSet<String>,
}

impl Directory {
    fn is_default(&self) -> bool {
        *self == Directory::default()
    }
}

/// A pre-staged computer object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prestaged {
    /// Disabled, as Microsoft's procedure leaves it (the cluster enables it).
    pub disabled: bool,
    /// The creating account (for the CNO) or the CNO (for a VCO) has Full Control.
    pub full_control: bool,
}

impl Env {
    /// Whether nothing is broken and nothing recorded (the world file then carries no `env`).
    pub fn is_healthy(&self) -> bool {
        *self == Env::default()
    }

    /// The facts of node `node` (healthy when not listed).
    pub fn host(&self, node: &str) -> HostEnv {
        self.hosts
            .get(&node.to_ascii_uppercase())
            .cloned()
            .unwrap_or_default()
    }

    /// The facts of node `node`, to change.
    pub fn host_mut(&mut self, node: &str) -> &mut HostEnv {
        self.hosts.entry(node.to_ascii_uppercase()).or_default()
    }
}

/// WB-FEAT-01, WB-FW-01, WB-VAL-02, WB-SETUP-05: a cmdlet that changes the system runs in
/// an elevated session of a local administrator; otherwise Windows answers access denied.
/// `what` is the cmdlet's own error prefix.
pub(super) fn require_admin(w: &World, node: &str, what: &str) -> Result<(), String> {
    if w.env.host(node).not_admin {
        return Err(format!(
            "{what} : Access is denied. The requested operation requires elevation: the account is not a local administrator on '{node}' (or the session is not elevated)."
        ));
    }
    Ok(())
}

/// The same on every node of a list (Test-Cluster, SQL Server setup).
pub(super) fn require_admin_on(w: &World, nodes: &[String], what: &str) -> Result<(), String> {
    nodes.iter().try_for_each(|n| require_admin(w, n, what))
}

/// WB-FEAT-02: `Install-WindowsFeature` needs the feature's payload in the side-by-side store
/// (or a `-Source`); 0x800f081f otherwise.
pub(super) fn feature_source(w: &World, node: &str, feature: &str) -> Result<(), String> {
    if w.env
        .host(node)
        .removed_features
        .iter()
        .any(|f| f.eq_ignore_ascii_case(feature))
    {
        return Err(format!(
            "Install-WindowsFeature : The request to add or remove features on the specified server failed. Installation of one or more roles, role services, or features failed. The source files could not be found. Use the \"Source\" option to specify the location of the files that are required to restore the feature. Error: 0x800f081f ({feature} on {node})"
        ));
    }
    Ok(())
}

use crate::kind::firewall::DTC_RULE_GROUP;

/// The display name of the MSDTC rule group in a UI language. Only the languages the tests
/// use are known; another language shows a name of its own (never the English one).
/// [to confirm on Windows]: the French translation's exact wording.
pub fn dtc_display_group(language: &str) -> String {
    match language.to_ascii_lowercase().as_str() {
        "" | "en-us" | "en-gb" => "Distributed Transaction Coordinator".into(),
        "fr-fr" => "Coordinateur de transactions distribuées".into(),
        other => format!("Distributed Transaction Coordinator ({other})"),
    }
}

/// How a script selects the MSDTC rule group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSelector {
    /// `-Group`: matched against the rules' `Group` property (the indirect string).
    Group,
    /// `-DisplayGroup`: matched against the localized display name.
    DisplayGroup,
}

/// WB-FW-02: the MSDTC rules `Get-NetFirewallRule` / `Enable-NetFirewallRule` find on
/// `node` when selected by `by` = `value`; Windows's message when none match.
pub fn find_dtc_rules(w: &World, node: &str, by: GroupSelector, value: &str) -> Result<(), String> {
    let lang = w.env.host(node).ui_language.unwrap_or_default();
    let (property, have) = match by {
        GroupSelector::Group => ("Group", DTC_RULE_GROUP.to_string()),
        GroupSelector::DisplayGroup => ("DisplayGroup", dtc_display_group(&lang)),
    };
    if have.eq_ignore_ascii_case(value) {
        Ok(())
    } else {
        Err(format!(
            "Get-NetFirewallRule : No MSFT_NetFirewallRule objects found with property '{property}' equal to '{value}'.  Verify the value of the property and retry."
        ))
    }
}

/// WB-CL-04, WB-ROLE-01, WB-SETUP-03, WB-AG-05: creating the computer object `name` in AD,
/// as the cluster does for its name (CNO, by the creating account) and for a role's network
/// name (VCO, by the CNO). `failure` is how the step fails when AD refuses.
pub(super) fn create_computer_object(w: &World, name: &str, failure: &str) -> Result<(), String> {
    let d = &w.env.directory;
    let key = name.to_ascii_uppercase();
    let why = if d.taken.contains(&key) {
        Some(format!(
            "a computer object named '{name}' already exists in Active Directory and belongs to another computer (or the name is registered in DNS)"
        ))
    } else if let Some(p) = d.prestaged.get(&key) {
        if !p.disabled {
            Some(format!(
                "the pre-staged computer object '{name}' is enabled; a pre-staged object must be disabled so the cluster can take it"
            ))
        } else if !p.full_control {
            Some(format!(
                "access is denied to the pre-staged computer object '{name}': give the creating account (or the cluster name object) Full Control on it"
            ))
        } else {
            None
        }
    } else if d.create_denied {
        Some(format!(
            "access is denied creating the computer object '{name}': the account (or the cluster name object) lacks 'Create Computer objects' on the organizational unit; grant it or pre-stage '{name}' disabled"
        ))
    } else {
        None
    };
    match why {
        Some(why) => Err(format!("{failure}: {why}")),
        None => Ok(()),
    }
}

/// WB-QUO-02: a file share witness needs a share the cluster name object can write to.
pub(super) fn witness_share(w: &World, cluster: &str, path: &str) -> Result<(), String> {
    if w.env
        .witness_share_denied
        .contains(&path.to_ascii_uppercase())
    {
        return Err(format!(
            "Set-ClusterQuorum : There was an error configuring the file share witness '{path}'. The cluster could not access the file share witness: the cluster name object '{cluster}$' needs Full Control (change rights) on the share and its folder."
        ));
    }
    Ok(())
}

/// WB-QUO-03: a cloud witness needs every node to reach Azure blob storage over HTTPS.
pub(super) fn cloud_witness(w: &World, account: &str) -> Result<(), String> {
    if w.env.azure_blob_unreachable {
        return Err(format!(
            "Set-ClusterQuorum : There was an error configuring the cloud witness with account '{account}': the nodes cannot reach https://{account}.blob.core.windows.net (HTTPS, port 443); the witness stays offline."
        ));
    }
    Ok(())
}

/// WB-SSO-03: SSO configuration on a node needs the ENTSSO service account in SSO
/// Administrators with *Log on as a service* there.
pub(super) fn sso_service_account(w: &World, node: &str, account: &str) -> Result<(), String> {
    if w.env.host(node).sso_account_lacks_rights {
        return Err(format!(
            "BizTalk Server Configuration (Enterprise SSO) failed: the Enterprise SSO service account '{account}' cannot run the service on '{node}': it needs membership of the SSO Administrators group and the 'Log on as a service' right on every node"
        ));
    }
    Ok(())
}

/// WB-BTS-06: BizTalk configuration needs a NetBIOS computer name of at most 15 characters.
pub(super) fn netbios_name(node: &str) -> Result<(), String> {
    if node.chars().count() > 15 {
        return Err(format!(
            "BizTalk Server Configuration failed: the computer name '{node}' is longer than 15 characters (its NetBIOS name is truncated); BizTalk Server needs a computer name of at most 15 characters."
        ));
    }
    Ok(())
}
