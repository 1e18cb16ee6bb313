//! Disaster recovery's engine part: whether the source site of a promotion still answers.
//! A promotion while the source runs would split the BizTalk group across two sets of
//! databases, so `bisrc dr promote` refuses unless forced; this probes the source instances
//! (their `sql.INSTANCE.config` resources, which answer only through a running instance) and
//! says what it checked. No printing.

use super::diff::Action;
use super::plan::{plan, Selection};
use super::Context;

/// One source instance as probed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceCheck {
    /// The resource probed (`sql.BTSSQL01.config`).
    pub address: String,
    /// Where it was probed (or would have run).
    pub host: String,
    /// It answered.
    pub answered: bool,
    /// Why not, when it did not.
    pub reason: Option<String>,
}

/// The source instances of the log shipping that ends in the promoted site, probed through a
/// context built for the inventory (not the promotion).
pub fn source_health(ctx: &Context, sources: &[String]) -> anyhow::Result<Vec<SourceCheck>> {
    let addresses: Vec<String> = sources.iter().map(|s| format!("sql.{s}.config")).collect();
    let selection = Selection {
        targets: addresses.clone(),
        excludes: Vec::new(),
    };
    let p = plan(ctx, &selection)?;
    Ok(addresses
        .into_iter()
        .map(|address| {
            let c = p.change(&address);
            let answered = c.is_some_and(|c| c.action != Action::Unknown);
            SourceCheck {
                host: c
                    .map(|c| c.probed_on.clone().unwrap_or_else(|| c.runs_on.clone()))
                    .unwrap_or_default(),
                reason: c.filter(|_| !answered).and_then(|c| c.reason.clone()),
                address,
                answered,
            }
        })
        .collect())
}
