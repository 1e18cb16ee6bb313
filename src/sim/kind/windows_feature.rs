//! `windows_feature` on a simulated node: `Get-WindowsFeature`, `Install-WindowsFeature`.

use super::{Simulated, Spec};
use crate::kind::windows_feature::{WindowsFeature, WindowsFeatureObserved, CHECK_INSTALLED};
use crate::sim::checks::diff_check;
use crate::sim::world::World;
use crate::sim::Ctx;
use crate::step::Check;

impl Simulated for WindowsFeature {
    fn probe(w: &World, c: &Ctx, s: &Spec<Self>) -> Result<WindowsFeatureObserved, String> {
        let h = c.this_host(w)?;
        let f = &s.params.feature;
        Ok(WindowsFeatureObserved {
            // InstallPending is not Installed (WB-FEAT-03).
            installed: h.features.iter().any(|x| x.eq_ignore_ascii_case(f))
                && !w.env.host(&c.node).pending(f),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let f = &s.params.feature;
        let present = c
            .this_host(w)?
            .features
            .iter()
            .any(|x| x.eq_ignore_ascii_case(f));
        // The template calls Install-WindowsFeature only while the feature is not Installed
        // (absent, or InstallPending): then it needs an elevated administrator (WB-FEAT-01)
        // and, for an absent feature, its payload (WB-FEAT-02).
        let installed = present && !w.env.host(&c.node).pending(f);
        if s.desired.installed && !installed {
            crate::sim::env::require_admin(w, &c.node, "Install-WindowsFeature")?;
            if !present {
                crate::sim::env::feature_source(w, &c.node, f)?;
            }
        }
        let h = c.this_host_mut(w)?;
        if !s.desired.installed {
            h.features.retain(|x| !x.eq_ignore_ascii_case(f));
        } else if !h.features.iter().any(|x| x.eq_ignore_ascii_case(f)) {
            h.features.insert(f.clone());
            // WB-FEAT-03: a feature that needs a restart is not usable until then.
            let needs = w
                .env
                .host(&c.node)
                .restart_needed
                .iter()
                .any(|x| x.eq_ignore_ascii_case(f));
            if needs {
                w.env.host_mut(&c.node).pending_restart.insert(f.clone());
            }
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &WindowsFeatureObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_INSTALLED,
            c,
            o,
            &["installed"],
            &c.apply_hint(),
        )])
    }
}
