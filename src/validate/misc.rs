//! Misc rules: format version, environment name, instance settings (memory, tempdb files)
//! and the connection (ssh user, an authentication method, the double-hop warnings).

use crate::inventory::{Inventory, TransportKind};

use super::{Diagnostic, BZ005, BZ006, BZ007, BZ008, BZ100, BZ101, BZ102, BZ103, BZ104, BZ105};

pub(super) fn check(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    if *inv.version != 1 {
        out.push(
            BZ005
                .at(
                    inv.version.loc,
                    format!("unsupported inventory version {}", *inv.version),
                )
                .hint("this bisrc reads inventory version 1; write `version: 1`"),
        );
    }
    let env = inv.environment.as_str();
    if env.is_empty()
        || env.len() > 64
        || env.starts_with('.')
        || !env
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        out.push(
            BZ006
                .at(inv.environment.loc, format!("environment name `{env}` is not a plain name"))
                .hint("it names the lock and state files: use letters, digits, `.`, `_` and `-` (at most 64)"),
        );
    }
    for (_, _, i) in inv.instances() {
        if *i.max_server_memory_mb < 1024 {
            out.push(
                BZ100
                    .at(
                        i.max_server_memory_mb.loc,
                        format!("max_server_memory_mb {} is below 1024", *i.max_server_memory_mb),
                    )
                    .hint("the value is in megabytes; leave the OS a few GB and give SQL Server the rest (e.g. 57344 on a 64 GB node)"),
            );
        }
        if !(1..=8).contains(&*i.tempdb_files) {
            out.push(
                BZ101
                    .at(
                        i.tempdb_files.loc,
                        format!("tempdb_files {} is out of range", *i.tempdb_files),
                    )
                    .hint("use one tempdb data file per core up to 8 (biztalk-ha.md §1.3)"),
            );
        }
    }
    connection(inv, out);
}

fn connection(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    let c = &inv.connection;
    if *c.transport != TransportKind::Ssh {
        return;
    }
    if c.user.is_none() {
        out.push(
            BZ102
                .at(c.transport.loc, "transport ssh without `user`")
                .hint("add `user: NETBIOS\\account`, the domain account bisrc logs on as"),
        );
    }
    let agent = c.agent.as_ref().is_some_and(|a| **a);
    if c.identity_file.is_none() && !agent && c.password.is_none() {
        out.push(
            BZ103
                .at(
                    c.transport.loc,
                    "transport ssh without an authentication method",
                )
                .hint("add `identity_file`, `agent: true` or `password: {env: NAME}`"),
        );
    } else if c.password.is_none() {
        out.push(
            BZ104
                .at(c.transport.loc, "ssh logon without a password has no network credentials")
                .hint("cluster creation and UNC setup media need network credentials, which key logon lacks (the double hop, biztalk-ha.md §9 \"Remote execution\"); add `password: {env: NAME}`"),
        );
        for (_, _, i) in inv.instances() {
            if i.setup_media.starts_with("\\\\") {
                out.push(
                    BZ105
                        .at(i.setup_media.loc, "UNC setup media with key-only logon")
                        .hint("reading a share from an SSH session needs network credentials (double hop); add `connection.password` or copy the media to a local folder"),
                );
            }
        }
    }
}

/// Every text of the inventory ends up in a script, an INI file, T-SQL or XML, none of which
/// can carry a control character safely (a line break ends a PowerShell statement or an INI
/// value; render refuses them). Refused here, at the value, so `validate` never passes what
/// `render` then refuses.
pub(super) fn control_characters(inv: &Inventory, out: &mut Vec<Diagnostic>) {
    // Free text that goes only to XML (escaped there), and workstation paths that never
    // reach a node: a double quote is fine in them.
    let free: Vec<crate::inventory::Loc> = [
        inv.biztalk
            .sso
            .as_ref()
            .and_then(|s| s.backup_reminder.as_ref()),
        inv.templates.as_ref(),
        inv.connection.identity_file.as_ref(),
        inv.connection.known_hosts.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|s| s.loc)
    .collect();
    for (loc, text) in crate::inventory::spanned_texts(inv) {
        if text.contains('"') && !free.contains(&loc) {
            out.push(
                BZ008
                    .at(loc, "this value holds a double quote")
                    .hint("Windows names, accounts and paths cannot hold `\"`, and the SQL Server setup file cannot quote it: remove it"),
            );
        }
        let Some(c) = text
            .chars()
            .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
        else {
            continue;
        };
        let name = match c {
            '\n' => "a line break (\\n)".to_string(),
            '\r' => "a carriage return (\\r)".to_string(),
            '\t' => "a tab".to_string(),
            '\0' => "a NUL character".to_string(),
            c => format!("the control character U+{:04X}", c as u32),
        };
        out.push(
            BZ007
                .at(loc, format!("this value holds {name}"))
                .hint("names, paths and accounts are single-line text: remove it (in a double-quoted YAML string, `\\n` and `\\t` are escapes)"),
        );
    }
}
