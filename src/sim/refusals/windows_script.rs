//! What only a step's text says (`sim/script.rs`): programs started silently (WB-PROC-02),
//! Configuration.exe waited for (WB-BTS-01), `Remove-ClusterGroup -RemoveResources`
//! (WB-DEL-03). Each test renders the real template, serves it as sshd would hand it to a
//! node, then serves it again with the one word that matters taken out.

use std::path::Path;

use crate::inventory::Inventory;
use crate::sim::tests::{apply_ok, converge_until, lab, node_for, res};
use crate::step::{parse_results, Payload, PayloadStep, StepAction, StepOutcome, WIRE_VERSION};
use crate::topology::{Resource, Topology};

/// The rendered script of `r`'s `action`.
fn rendered(inv: &Inventory, topo: &Topology, r: &Resource, action: StepAction) -> String {
    crate::render::Renderer::new(None)
        .unwrap()
        .step(inv, topo, r, action)
        .unwrap()
}

/// Serves `script` on the node the engine would pick for `r`.
fn serve_text(dir: &Path, inv: &Inventory, r: &Resource, script: String) -> StepOutcome {
    let payload = Payload {
        version: WIRE_VERSION,
        steps: vec![PayloadStep { script }],
        continue_on_error: false,
        secrets: r
            .secret_keys()
            .into_iter()
            .map(|k| (k, "s3cret-value".to_string()))
            .collect(),
    };
    let out = crate::sim::serve(
        dir,
        inv,
        &node_for(dir, inv, r),
        &crate::transport::windows::command_line(),
        &serde_json::to_vec(&payload).unwrap(),
    );
    let mut results = parse_results(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(results.len(), 1);
    results.remove(0)
}

/// The text with `what` replaced, which must be there.
fn without(script: &str, what: &str, by: &str) -> String {
    assert!(script.contains(what), "the template no longer has {what}");
    script.replace(what, by)
}

#[test]
fn sql_setup_without_quiet_hangs_over_ssh() {
    // WB-PROC-02.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    converge_until(d, &inv, &topo, &fci.address);
    let text = rendered(&inv, &topo, fci, StepAction::Apply);
    let o = serve_text(
        d,
        &inv,
        fci,
        without(&text, "QUIET=\"True\"", "QUIET=\"False\""),
    );
    assert!(!o.ok);
    assert!(
        o.error.contains(
            "SQL Server setup (no QUIET in its configuration file) started in its interactive mode"
        ),
        "{}",
        o.error
    );
    let o = serve_text(d, &inv, fci, text);
    assert!(o.ok, "{}", o.error);
}

#[test]
fn configuration_exe_runs_silent_and_is_waited_for() {
    // WB-PROC-02 and WB-BTS-01 on the BizTalk group's configuration.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let group = res(&topo, "biztalk.primary.group");
    converge_until(d, &inv, &topo, &group.address);
    let text = rendered(&inv, &topo, group, StepAction::Apply);
    let o = serve_text(
        d,
        &inv,
        group,
        without(&text, "'/s \"{0}\" /l \"{1}\"'", "'\"{0}\" /l \"{1}\"'"),
    );
    assert!(!o.ok);
    assert!(o.error.contains("Configuration.exe (no /s)"), "{}", o.error);
    let o = serve_text(
        d,
        &inv,
        group,
        without(
            &text,
            "Start-Process -FilePath $Tool -ArgumentList $arguments -Wait -PassThru",
            "Start-Process -FilePath $Tool -ArgumentList $arguments -PassThru",
        ),
    );
    assert!(!o.ok);
    assert!(
        o.error.contains(
            "the configuration file was deleted while Configuration.exe was still reading it"
        ),
        "{}",
        o.error
    );
    let o = serve_text(d, &inv, group, text);
    assert!(o.ok, "{}", o.error);
}

#[test]
fn remove_cluster_group_of_a_role_needs_remove_resources() {
    // WB-DEL-03: the DTC role holds its network name, address, DTC resource and disk.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let dtc = res(&topo, "cluster.LABSQLCL.dtc");
    converge_until(d, &inv, &topo, &dtc.address);
    apply_ok(d, &inv, dtc);
    let text = rendered(&inv, &topo, dtc, StepAction::Destroy);
    let o = serve_text(d, &inv, dtc, without(&text, " -RemoveResources", ""));
    assert!(!o.ok);
    assert!(
        o.error
            .contains("Remove-ClusterGroup : The group 'LABDTC' still has resources in it"),
        "{}",
        o.error
    );
    let o = serve_text(d, &inv, dtc, text);
    assert!(o.ok, "{}", o.error);
}

#[test]
fn sql_setup_needs_the_license_terms_accepted() {
    // WB-SETUP-05: unattended setup accepts the license terms in its configuration file.
    let (inv, topo, dir) = lab();
    let d = dir.path();
    let fci = res(&topo, "sql.LABBTSSQL");
    converge_until(d, &inv, &topo, &fci.address);
    let text = rendered(&inv, &topo, fci, StepAction::Apply);
    let o = serve_text(
        d,
        &inv,
        fci,
        without(&text, "IACCEPTSQLSERVERLICENSETERMS=\"True\"", ""),
    );
    assert!(!o.ok);
    assert!(
        o.error
            .contains("the /IACCEPTSQLSERVERLICENSETERMS parameter is missing"),
        "{}",
        o.error
    );
}

#[test]
fn in_azure_the_templates_cluster_has_a_singleton_management_point() {
    // WB-CL-08: the template's New-Cluster passes -ManagementPointNetworkType Singleton, so
    // the FCI installs in Azure; without it the cluster gets a distributed network name and
    // SQL setup refuses (sql_setup_refuses_a_distributed_management_point_in_azure).
    let (inv, topo, dir) = lab();
    let d = dir.path();
    crate::sim::world::update(d, &inv, |w| w.env.azure = true).unwrap();
    let cluster = res(&topo, "cluster.LABSQLCL");
    converge_until(d, &inv, &topo, &cluster.address);
    let text = rendered(&inv, &topo, cluster, StepAction::Apply);
    let o = serve_text(d, &inv, cluster, text);
    assert!(o.ok, "{}", o.error);
    let w = crate::sim::world::load(d, &inv).unwrap();
    assert!(w.env.distributed_management_point.is_empty());
    let fci = res(&topo, "sql.LABBTSSQL");
    for r in topo
        .resources
        .iter()
        .skip_while(|r| r.address != cluster.address)
        .skip(1)
        .take_while(|r| r.address != fci.address)
    {
        apply_ok(d, &inv, r);
    }
    apply_ok(d, &inv, fci);
}
