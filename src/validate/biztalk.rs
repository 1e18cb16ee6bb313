//! BizTalk rules: the BizTalk version; the four runtime databases present once each (more
//! MessageBoxes allowed, biztalk-ha.md §1.1 and §2.4); the master MessageBox (the first
//! listed) and publication; the 1-to-3 MessageBox scale-out advice; SQL Server versions
//! supported by the BizTalk version (biztalk-ha.md §7); BizTalk groups in the inventory's
//! domain.

use std::collections::HashMap;

use crate::inventory::{DatabaseRole, Inventory, Loc, SpStr};

use super::index::Index;
use super::storage::drive_of;
use super::{
    Diagnostic, BZ070, BZ071, BZ072, BZ073, BZ074, BZ075, BZ076, BZ077, BZ078, BZ079, BZ106, BZ107,
    BZ108, BZ110, BZ111,
};

/// SQL Server versions bisrc knows.
const SQL_VERSIONS: &[&str] = &["2014", "2016", "2017", "2019", "2022"];

/// The SQL Server versions a BizTalk version supports, and the fine print (biztalk-ha.md §7).
fn supported_sql(biztalk: &str) -> Option<(&'static [&'static str], &'static str)> {
    match biztalk {
        "2016" => Some((&["2014", "2016"], "BizTalk Server 2016 supports SQL Server 2016 and SQL Server 2014 SP1")),
        "2020" => Some((&["2016", "2017", "2019", "2022"], "BizTalk Server 2020 supports SQL Server 2016 SP3, 2017, 2019 and 2022 (with BizTalk CU6)")),
        _ => None,
    }
}

pub(super) fn check(inv: &Inventory, _idx: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let bt = &inv.biztalk.version;
    let support = supported_sql(bt);
    if support.is_none() {
        out.push(
            BZ070
                .at(
                    bt.loc,
                    format!("BizTalk Server version `{bt}` is not supported"),
                )
                .hint("write \"2016\" or \"2020\" (quoted)"),
        );
    }
    for (_, _, i) in inv.instances() {
        let v = i.version.as_str();
        if !SQL_VERSIONS.contains(&v) {
            out.push(
                BZ077
                    .at(
                        i.version.loc,
                        format!("SQL Server version `{v}` of {} is not known", i.name),
                    )
                    .hint("write one of \"2014\", \"2016\", \"2017\", \"2019\", \"2022\" (quoted)"),
            );
        } else if let Some((ok, note)) = support {
            if !ok.contains(&v) {
                out.push(
                    BZ076
                        .at(
                            i.version.loc,
                            format!(
                                "SQL Server {v} of {} is not supported by BizTalk Server {bt}",
                                i.name
                            ),
                        )
                        .hint(format!("{note} (biztalk-ha.md §7)")),
                );
            }
        }
    }
    databases(inv, out);
    groups(inv, out);
    configuration_accounts(inv, out);
    bam_analysis(inv, out);
}

/// BizTalk configuration creates BAMStarSchema and BAMAnalysis only when Analysis Services
/// is enabled for BAM aggregations, which needs both; one without the other is never
/// created, so bisrc leaves it out of settings and log shipping (biztalk-ha.md §1.1).
fn bam_analysis(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    if inv.has_bam_analysis() {
        return;
    }
    let lone = inv.databases.iter().find(|d| {
        matches!(
            *d.role,
            DatabaseRole::BamStarSchema | DatabaseRole::BamAnalysis
        )
    });
    if let Some(db) = lone {
        let (missing, role) = if *db.role == DatabaseRole::BamStarSchema {
            ("bam_analysis", "BAM star schema")
        } else {
            ("bam_star_schema", "BAM analysis")
        };
        out.push(
            BZ079
                .at(db.role.loc, format!("{role} database {} but no `{missing}` database: BizTalk configuration creates it only with Analysis Services for BAM aggregations, so it will not exist", db.name))
                .hint(format!("add the `{missing}` database (an Analysis Services instance) to enable BAM aggregations, or remove {}; bisrc manages no settings for it meanwhile", db.name)),
        );
    }
}

/// What the group configuration (Configuration.exe) needs beyond the databases: the SSO
/// system's service account and master secret backup, the Rule Engine Update Service account.
fn configuration_accounts(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let bt = &inv.biztalk;
    let first = |role: DatabaseRole| inv.databases.iter().find(|d| *d.role == role);
    if let (None, Some(db)) = (&bt.sso, first(DatabaseRole::Sso)) {
        out.push(
            BZ106
                .at(db.role.loc, format!("SSO database {} but no `biztalk.sso`", db.name))
                .hint("the Enterprise SSO feature of the configuration needs the ENTSSO service account, and creating the SSO system needs the master secret backup file and password: add `biztalk.sso: { service_account: { user: DOMAIN\\name, password: { env: NAME } }, backup_file: C:\\BizTalk\\SSO\\secret.bak, backup_password: { env: NAME } }`"),
        );
    }
    if let Some(sso) = &bt.sso {
        let f = &sso.backup_file;
        let bad = drive_of(f).is_none() || f.ends_with('\\') || f.contains(['"', '\n', '\r']);
        if bad {
            out.push(
                BZ107
                    .at(f.loc, format!("SSO backup_file `{f}` is not a drive path to a file"))
                    .hint("write a file path on the BizTalk server, e.g. C:\\BizTalk\\SSO\\secret.bak; copy the file off the server afterwards"),
            );
        }
    }
    // The clustered master secret server (biztalk-ha.md §6): configured against SSODB, one per
    // BizTalk group.
    let mss: Vec<_> = inv
        .clusters()
        .filter_map(|(_, c)| c.sso_master_secret.as_ref().map(|m| (c, m)))
        .collect();
    if let (Some((c, m)), None) = (mss.first(), first(DatabaseRole::Sso)) {
        out.push(
            BZ110
                .at(m.name.loc, format!("cluster {} clusters the SSO master secret server {} but no database has role `sso`", c.name, m.name))
                .hint("Enterprise SSO on the cluster nodes is configured against the SSO database: add `{ name: SSODB, role: sso, instance: ... }` to `databases`, or remove `sso_master_secret`"),
        );
    }
    for (c, m) in mss.iter().skip(1) {
        out.push(
            BZ111
                .at(m.name.loc, format!("cluster {} clusters a second SSO master secret server {} (the first is {})", c.name, m.name, mss[0].1.name))
                .hint("a BizTalk group has one master secret server; keep `sso_master_secret` on one cluster"),
        );
    }
    if let (None, Some(db)) = (&bt.rule_engine_account, first(DatabaseRole::RuleEngine)) {
        out.push(
            BZ108
                .at(db.role.loc, format!("rule engine database {} but no `biztalk.rule_engine_account`", db.name))
                .hint("the Business Rules Engine feature runs the Rule Engine Update Service: add `rule_engine_account: { user: DOMAIN\\name, password: { env: NAME } }` under `biztalk`"),
        );
    }
}

fn databases(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<DatabaseRole, Loc> = HashMap::new();
    let mut msgboxes = Vec::new();
    for db in &inv.databases {
        let role = *db.role;
        if role == DatabaseRole::Messagebox {
            msgboxes.push(db);
        } else if let Some(f) = first.get(&role) {
            out.push(
                BZ072
                    .at(
                        db.role.loc,
                        format!("a second `{}` database ({})", role.as_str(), db.name),
                    )
                    .hint("a BizTalk group has one database per role; only MessageBoxes scale out")
                    .related(*f, "the first one is here"),
            );
        }
        first.entry(role).or_insert(db.role.loc);
        if role != DatabaseRole::Messagebox {
            if let Some(p) = &db.publishing {
                out.push(
                    BZ073
                        .at(p.loc, format!("`publishing` on {} database {}", role.as_str(), db.name))
                        .hint("`publishing` turns off new message publication on a MessageBox; remove it here"),
                );
            }
        }
    }
    let anchor = inv
        .databases
        .first()
        .map_or(inv.biztalk.version.loc, |d| d.name.loc);
    for role in [
        DatabaseRole::Management,
        DatabaseRole::Messagebox,
        DatabaseRole::Tracking,
        DatabaseRole::Sso,
    ] {
        if !first.contains_key(&role) {
            out.push(
                BZ071
                    .at(anchor, format!("no `{}` database", role.as_str()))
                    .hint(format!("add `- {{ name: ..., role: {}, instance: ... }}`; BizTalk needs the management, messagebox, tracking and sso databases", role.as_str())),
            );
        }
    }
    let publishes = |p: &Option<crate::inventory::Spanned<bool>>| p.as_ref().is_none_or(|v| **v);
    if let Some(master) = msgboxes.first() {
        if !msgboxes.iter().any(|m| publishes(&m.publishing)) {
            let loc = master
                .publishing
                .as_ref()
                .map_or(master.name.loc, |p| p.loc);
            out.push(
                BZ074
                    .at(loc, "no MessageBox publishes new messages")
                    .hint(if msgboxes.len() == 1 {
                        "the only MessageBox (the master) must publish; remove `publishing: false` or add two publishing MessageBoxes"
                    } else {
                        "turn publication off on the master only (the first listed); the others must publish"
                    }),
            );
        }
    }
    if msgboxes.len() == 2 {
        out.push(
            BZ075
                .at(msgboxes[1].role.loc, "two MessageBoxes")
                .hint("scale from one MessageBox to three (a routing-only master plus two publishers); with two, the master's routing overhead cancels most of the gain (biztalk-ha.md §2.4)")
                .related(msgboxes[0].name.loc, "the master MessageBox"),
        );
    }
}

fn groups(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let g = &inv.biztalk.groups;
    let netbios = inv.domain.netbios.as_str();
    let mut all: Vec<&SpStr> = vec![&g.administrators, &g.operators, &g.sso_administrators];
    all.extend(g.host_users.iter());
    all.extend(g.b2b_operators.iter());
    all.extend(
        inv.biztalk
            .sso
            .iter()
            .filter_map(|s| s.affiliate_administrators.as_ref()),
    );
    for grp in all {
        let problem = match grp.split_once('\\') {
            Some((d, n))
                if !n.is_empty() && !n.contains('\\') && d.eq_ignore_ascii_case(netbios) =>
            {
                None
            }
            Some((d, n)) if !n.is_empty() && !n.contains('\\') && !d.is_empty() => Some(format!(
                "group `{grp}` is not in the inventory's domain {netbios}"
            )),
            _ => Some(format!("group `{grp}` is not in NETBIOS\\name form")),
        };
        if let Some(m) = problem {
            out.push(BZ078.at(grp.loc, m).hint(format!(
                "BizTalk groups are domain groups: write `{netbios}\\Group Name`"
            )));
        }
    }
}
