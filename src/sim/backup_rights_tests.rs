//! The simulator refuses what Windows refuses for the rights log shipping needs
//! (docs/windows-behaviour.md WB-DR-06, WB-DR-07): the DR agent's database user needs its
//! login and the BizTalk databases; configuring log shipping reads the full backup from the
//! share as the DR instance's SQL Server account.

use super::tests::{apply_ok, error_of, inventory, res};
use crate::kind::ResourceKind;
use crate::topology::Topology;

const LS: &str = "logshipping.LABBTSSQL-to-LABDRSQL";

/// The DR lab with its backup share served by the DR BizTalk server (a host bisrc manages).
fn lab_dr_with_a_managed_share() -> (crate::inventory::Inventory, Topology) {
    let mut inv = inventory("lab-dr");
    inv.backup.destination.value = "\\\\labdrbts1.lab.local\\biztalk-backup\\".into();
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo)
}

#[test]
fn log_shipping_refuses_a_share_the_dr_sql_account_cannot_read() {
    let (inv, topo) = lab_dr_with_a_managed_share();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for r in topo.resources.iter().take_while(|r| r.address != LS) {
        if r.kind != ResourceKind::BackupShare {
            apply_ok(d, &inv, r);
        }
    }
    let e = error_of(d, &inv, res(&topo, LS));
    assert!(
        e.contains("Cannot open backup device '\\\\labdrbts1.lab.local\\biztalk-backup\\'. Operating system error 5(Access is denied.)")
            && e.contains("LAB\\gmsa-sqlbtsdr$"),
        "{e}"
    );
    // With the share's rights granted, it configures.
    apply_ok(d, &inv, res(&topo, &format!("{LS}.share")));
    apply_ok(d, &inv, res(&topo, LS));
}

#[test]
fn bts_backup_users_needs_the_login_and_the_biztalk_databases() {
    let (inv, topo) = lab_dr_with_a_managed_share();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let users = "sql.LABBTSSQL.backup-users.LAB\\gmsa-sqlagtdr$";
    let login = "sql.LABBTSSQL.login.LAB\\gmsa-sqlagtdr$";
    let group = "biztalk.primary.group";
    // Everything before the group: the instance answers, no BizTalk database yet.
    for r in topo.resources.iter().take_while(|r| r.address != group) {
        apply_ok(d, &inv, r);
    }
    apply_ok(d, &inv, res(&topo, login));
    let e = error_of(d, &inv, res(&topo, users));
    assert!(
        e.contains("database BizTalkDTADb is not online on LABBTSSQL"),
        "{e}"
    );
    // The databases exist, the login does not: CREATE USER ... FOR LOGIN fails (15007).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for r in topo.resources.iter().take_while(|r| r.address != users) {
        if r.address != login {
            apply_ok(d, &inv, r);
        }
    }
    let e = error_of(d, &inv, res(&topo, users));
    assert!(
        e.contains("Msg 15007: 'LAB\\gmsa-sqlagtdr$' is not a valid login"),
        "{e}"
    );
    apply_ok(d, &inv, res(&topo, login));
    apply_ok(d, &inv, res(&topo, users));
}
