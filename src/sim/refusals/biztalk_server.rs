//! BizTalk Server on each BizTalk server (WB-BTS-04, WB-BTS-09): Join needs the SSO system
//! and the group; a server is a runtime member, with host instances, only after its step.

use crate::sim::tests::{apply_ok, converge_until, error_of, probe_of, res, step};
use crate::step::{Check, StepAction};
use crate::topology::Topology;

/// The lab with a second BizTalk server, `LABBTS2`, which joins the group.
fn lab_with_two_biztalk_servers() -> (
    crate::inventory::Inventory,
    Topology,
    tempfile::NamedTempFile,
    tempfile::TempDir,
) {
    let text = std::fs::read_to_string("inventories/lab.yaml").unwrap();
    let one = "      - { name: LABBTS1, address: labbts1.lab.local }\n";
    assert!(text.contains(one));
    let text = text.replace(
        one,
        &format!("{one}      - {{ name: LABBTS2, address: labbts2.lab.local }}\n"),
    );
    let file = tempfile::NamedTempFile::new_in("inventories").unwrap();
    std::fs::write(file.path(), text).unwrap();
    let inv = crate::inventory::load(file.path()).unwrap().inventory;
    let topo = Topology::build(&inv, None).unwrap();
    (inv, topo, file, tempfile::tempdir().unwrap())
}

fn checks(
    d: &std::path::Path,
    inv: &crate::inventory::Inventory,
    r: &crate::topology::Resource,
) -> Vec<Check> {
    let o = step(d, inv, r, StepAction::Verify);
    assert!(o.ok, "{}: {}", r.address, o.error);
    serde_json::from_value(o.result.unwrap()["checks"].clone()).unwrap()
}

#[test]
fn join_before_the_group_is_refused_and_host_instances_exist_only_after_it() {
    let (inv, topo, _file, dir) = lab_with_two_biztalk_servers();
    let d = dir.path();
    let first = res(&topo, "biztalk.primary.server.LABBTS1");
    let join = res(&topo, "biztalk.primary.server.LABBTS2");
    let hosts = res(&topo, "biztalk.primary.hosts.LABBTS2");
    assert_eq!(first.params["join"], false);
    assert_eq!(join.params["join"], true);
    // Everything before the group (LABBTS2's MSDTC and firewall included), not the group.
    converge_until(d, &inv, &topo, "biztalk.primary.group");
    // WB-BTS-04: the lab's group creates the SSO system, so there is none to join yet.
    let e = error_of(d, &inv, join);
    assert!(e.contains("Join an existing SSO system"), "{e}");
    assert!(e.contains("holds no SSO system"), "{e}");
    // WB-BTS-09: nor a group for the first server's runtime.
    let e = error_of(d, &inv, first);
    assert!(e.contains("holds no BizTalk group"), "{e}");
    // Not configured: the host-instance checks fail, none passes.
    let before = checks(d, &inv, hosts);
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|c| !c.ok), "{before:?}");
    assert!(before[0].detail.contains("not configured on LABBTS2"));
    // The group alone does not make a runtime server (its XML leaves the runtime out).
    apply_ok(d, &inv, res(&topo, "biztalk.primary.group"));
    assert_eq!(probe_of(d, &inv, first)["configured"], false);
    assert!(checks(d, &inv, res(&topo, "biztalk.primary.hosts.LABBTS1"))
        .iter()
        .all(|c| !c.ok));
    // After the group: the first server's runtime, then the Join.
    assert!(apply_ok(d, &inv, first));
    assert!(apply_ok(d, &inv, join));
    assert_eq!(probe_of(d, &inv, join)["configured"], true);
    let instances = probe_of(d, &inv, hosts)["instances"].clone();
    assert_eq!(instances[0]["host"], "BizTalkServerApplication");
    assert!(checks(d, &inv, hosts).iter().all(|c| c.ok));
    // Configured once: a second apply changes nothing.
    assert!(!apply_ok(d, &inv, join));
}
