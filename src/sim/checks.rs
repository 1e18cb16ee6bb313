//! Helpers the kind handlers' verify answers share: comparing desired attributes with the
//! observed state into a named check, and MSDTC settings in words. Every failed check's
//! detail says what is wrong and how to fix it.

use serde::Serialize;
use serde_json::Value;

use super::world::DtcSettings;
use super::{check, Ctx};
use crate::step::Check;

/// The desired attributes among `keys` that differ from the observed state `o` (a kind's
/// observed type, compared field by field as JSON, as plan does), each as `k is X, want Y`.
pub(super) fn matches<O: Serialize>(c: &Ctx, o: &O, keys: &[&str]) -> Vec<String> {
    let o = serde_json::to_value(o).unwrap_or(Value::Null);
    keys.iter()
        .filter_map(|k| {
            let want = c.desired.get(*k)?;
            let have = o.get(k).unwrap_or(&Value::Null);
            (want != have).then(|| format!("{k} is {have}, want {want}"))
        })
        .collect()
}

/// A check that passes when the desired attributes among `keys` match the probe.
pub(super) fn diff_check<O: Serialize>(
    name: &str,
    c: &Ctx,
    o: &O,
    keys: &[&str],
    fix: &str,
) -> Check {
    let wrong = matches(c, o, keys);
    if wrong.is_empty() {
        check(name, true, format!("{} as desired", keys.join(", ")))
    } else {
        check(name, false, format!("{}; {fix}", wrong.join("; ")))
    }
}

/// MSDTC allows network transactions in and out.
pub(super) fn dtc_ok(s: &DtcSettings) -> bool {
    s.network_dtc_access && s.inbound && s.outbound
}

/// `DtcSettings` as words of a verify detail.
pub(super) fn dtc_summary(s: &DtcSettings) -> String {
    format!(
        "network access {}, inbound {}, outbound {}, authentication {}",
        on(s.network_dtc_access),
        on(s.inbound),
        on(s.outbound),
        s.authentication
    )
}

fn on(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}
