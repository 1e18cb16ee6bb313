//! `messagebox` on a simulated BizTalk server: BizTalk's WMI class `MSBTS_MsgBoxSetting`
//! adding a MessageBox to the group and turning its new-message publication on or off.
//!
//! Preconditions enforced (docs/windows-behaviour.md): WB-MBOX-01 (publication stays on in at
//! least one MessageBox of the group), WB-MBOX-02 (adding a MessageBox needs the group, the
//! instance answering, the account a BizTalk Server Administrator and sysadmin there, its SQL
//! Server Agent running and nothing enlisted). Sources:
//! https://learn.microsoft.com/en-us/biztalk/core/how-to-add-a-new-messagebox-database ;
//! https://learn.microsoft.com/en-us/biztalk/core/how-to-disable-new-message-publication ;
//! https://learn.microsoft.com/en-us/biztalk/core/technical-reference/msbts-msgboxsetting-wmi

use super::biztalk_group::jobs_for;
use super::{Simulated, Spec};
use crate::kind::messagebox::{Messagebox, MessageboxObserved, CHECK_PUBLISHING};
use crate::sim::checks::diff_check;
use crate::sim::sql::{agent_running, reach};
use crate::sim::world::{DatabaseState, JobState, World};
use crate::sim::Ctx;
use crate::step::Check;

/// Every MessageBox of the group the world knows: (server as clients name it, database,
/// publishing).
fn group_msgboxes(w: &World) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for i in w.instances.values() {
        let server = if i.instance.eq_ignore_ascii_case("MSSQLSERVER") {
            i.network_name.clone()
        } else {
            format!("{}\\{}", i.network_name, i.instance)
        };
        for (name, d) in &i.databases {
            if d.role.as_deref() == Some("messagebox") {
                out.push((server.clone(), name.clone(), d.publishing.unwrap_or(true)));
            }
        }
    }
    // Behind an availability group's listener: the primary's databases, named by the listener.
    for l in w.ags.values().filter_map(|a| a.listener.as_ref()) {
        for (name, d) in w
            .instance(&l.name)
            .map(|i| &i.databases)
            .into_iter()
            .flatten()
        {
            if d.role.as_deref() == Some("messagebox") {
                out.push((l.name.clone(), name.clone(), d.publishing.unwrap_or(true)));
            }
        }
    }
    out
}

/// The WMI error form of a failed `Put()`.
fn wmi_error(msg: &str) -> String {
    format!("Exception calling \"Put\" with \"0\" argument(s): \"{msg}\"")
}

impl Simulated for Messagebox {
    fn probe(w: &World, _: &Ctx, s: &Spec<Self>) -> Result<MessageboxObserved, String> {
        let d = reach(w, &s.params.server)?
            .databases
            .get(&s.params.database)
            .filter(|d| d.role.as_deref() == Some("messagebox"));
        Ok(MessageboxObserved {
            exists: d.is_some(),
            publishing: d.map(|d| d.publishing.unwrap_or(true)),
        })
    }

    fn apply(w: &mut World, c: &Ctx, s: &Spec<Self>) -> Result<(), String> {
        let p = &s.params;
        let have = Self::probe(w, c, s)?;
        if !have.exists {
            if p.master {
                return Err(format!(
                    "the master MessageBox {} on {} is not in the group: the BizTalk group configuration creates it",
                    p.database, p.server
                ));
            }
            // WB-MBOX-02: the group exists, and SQL Server Agent runs on the target instance.
            if group_msgboxes(w).is_empty() {
                return Err(wmi_error(
                    "Invalid namespace or the BizTalk group is not configured on this server",
                ));
            }
            // The account is a BizTalk Server Administrator, and no orchestration, send port
            // or send port group is enlisted ("How to add a new MessageBox database"; the
            // wording of both refusals is [to confirm on Windows]).
            if w.sql_side.caller_not_biztalk_admin {
                return Err(wmi_error(&format!(
                    "Access denied. The account '{}' is not a member of the BizTalk Server Administrators group",
                    w.sql_side.caller
                )));
            }
            if w.sql_side.enlisted_artefacts {
                return Err(wmi_error(
                    "A MessageBox database cannot be added while orchestrations, send ports or send port groups are enlisted; unenlist them first",
                ));
            }
            // The account is a SQL Server administrator on the target instance.
            if !crate::sim::sql_side::caller_is_sysadmin(w, &p.server) {
                return Err(wmi_error(&format!(
                    "Failed to create the MessageBox database '{}' on '{}': the account '{}' is not a member of the sysadmin role there",
                    p.database, p.server, w.sql_side.caller
                )));
            }
            if !agent_running(w, &p.server) {
                return Err(wmi_error(&format!(
                    "SQL Server Agent is not running on '{}'; BizTalk cannot create the MessageBox jobs",
                    p.server
                )));
            }
            let i = w.instance_mut(&p.server).expect("reached");
            i.databases.insert(
                p.database.clone(),
                DatabaseState {
                    role: Some("messagebox".into()),
                    recovery_model: "FULL".into(),
                    publishing: Some(true),
                    ..DatabaseState::default()
                },
            );
            for (job, enabled) in jobs_for(&p.database, "messagebox", false) {
                i.jobs.entry(job).or_insert(JobState {
                    enabled,
                    step_database: Some(p.database.clone()),
                    ..JobState::default()
                });
            }
        }
        if Self::probe(w, c, s)?.publishing != Some(s.desired.publishing) {
            // WB-MBOX-01: at least one MessageBox of the group publishes new messages.
            if !s.desired.publishing {
                let others = group_msgboxes(w)
                    .into_iter()
                    .any(|(server, db, publishing)| {
                        publishing
                            && !(server.eq_ignore_ascii_case(&p.server)
                                && db.eq_ignore_ascii_case(&p.database))
                    });
                if !others {
                    return Err(wmi_error(&format!(
                        "Cannot disable new message publication on {}: no other MessageBox database in the group publishes new messages",
                        p.database
                    )));
                }
            }
            let i = w.instance_mut(&p.server).expect("reached");
            if let Some(d) = i.databases.get_mut(&p.database) {
                d.publishing = Some(s.desired.publishing);
            }
        }
        Ok(())
    }

    fn verify(
        _: &World,
        c: &Ctx,
        _: &Spec<Self>,
        o: &MessageboxObserved,
    ) -> Result<Vec<Check>, String> {
        Ok(vec![diff_check(
            CHECK_PUBLISHING,
            c,
            o,
            &["exists", "publishing"],
            &c.apply_hint(),
        )])
    }
}
