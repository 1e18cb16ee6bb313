//! Node-local state: Windows features, the local MSDTC network settings and the firewall
//! rules of one server. Takes a step and the world, answers probes and converges applies.

use serde_json::{json, Value};

use super::world::{HostState, World};
use super::Ctx;
use crate::step::ResourceKind;

fn this<'w>(w: &'w World, c: &Ctx) -> Result<&'w HostState, String> {
    w.host(&c.node)
        .ok_or_else(|| format!("host {} is not in the simulated world", c.node))
}

fn feature(c: &Ctx) -> Result<String, String> {
    c.param_str("feature")
}

fn ports(c: &Ctx) -> Vec<u16> {
    let mut v: Vec<u16> = c
        .params
        .get("tcp_ports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok()))
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v.dedup();
    v
}

/// Probe of `windows_feature`, `dtc_network`, `firewall`.
pub(super) fn probe(w: &World, c: &Ctx) -> Result<Value, String> {
    let h = this(w, c)?;
    Ok(match c.kind {
        ResourceKind::WindowsFeature => {
            let f = feature(c)?;
            json!({ "installed": h.features.iter().any(|x| x.eq_ignore_ascii_case(&f)) })
        }
        ResourceKind::DtcNetwork => json!({
            "network_dtc_access": h.dtc.network_dtc_access,
            "inbound": h.dtc.inbound,
            "outbound": h.dtc.outbound,
            "authentication": h.dtc.authentication,
        }),
        _ => {
            let open: Vec<u16> = ports(c)
                .into_iter()
                .filter(|p| h.open_tcp_ports.contains(p))
                .collect();
            json!({ "open_tcp_ports": open, "dtc_rule_group_enabled": h.dtc_rule_group_enabled })
        }
    })
}

/// Apply of `windows_feature`, `dtc_network`, `firewall`.
pub(super) fn apply(w: &mut World, c: &Ctx) -> Result<(), String> {
    let f = if c.kind == ResourceKind::WindowsFeature {
        Some(feature(c)?)
    } else {
        None
    };
    let h = w
        .host_mut(&c.node)
        .ok_or_else(|| format!("host {} is not in the simulated world", c.node))?;
    match c.kind {
        ResourceKind::WindowsFeature => {
            let f = f.unwrap_or_default();
            if c.want_bool("installed") == Some(false) {
                h.features.retain(|x| !x.eq_ignore_ascii_case(&f));
            } else if !h.features.iter().any(|x| x.eq_ignore_ascii_case(&f)) {
                // Install-WindowsFeature would ask for a restart; the lab skips it to stay
                // fast, so the simulator reports reboot_required: false.
                h.features.insert(f);
            }
        }
        ResourceKind::DtcNetwork => {
            if let Some(v) = c.want_bool("network_dtc_access") {
                h.dtc.network_dtc_access = v;
            }
            if let Some(v) = c.want_bool("inbound") {
                h.dtc.inbound = v;
            }
            if let Some(v) = c.want_bool("outbound") {
                h.dtc.outbound = v;
            }
            if let Some(v) = c.want_str("authentication") {
                if !["Mutual", "Incoming", "NoAuth"].contains(&v.as_str()) {
                    return Err(format!(
                        "Set-DtcNetworkSetting : Cannot validate argument on parameter 'AuthenticationLevel'. The argument \"{v}\" does not belong to the set \"Mutual,Incoming,NoAuth\""
                    ));
                }
                h.dtc.authentication = v;
            }
            // Set-DtcNetworkSetting restarts the MSDTC service.
            h.stopped_services
                .retain(|s| !s.eq_ignore_ascii_case("MSDTC"));
        }
        _ => {
            let wanted: Vec<u16> = c
                .want("open_tcp_ports")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok()))
                        .collect()
                })
                .unwrap_or_else(|| ports(c));
            h.open_tcp_ports.extend(wanted);
            if let Some(v) = c.want_bool("dtc_rule_group_enabled") {
                h.dtc_rule_group_enabled = v;
            }
        }
    }
    Ok(())
}
