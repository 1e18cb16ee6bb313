//! The shipped production examples (issue 9's done-when): contoso-prod and scaled-out
//! validate, apply, verify with a failover rehearsal and re-plan empty on the simulated
//! transport, as a user would run them (the inventory unchanged but for `transport`).

use crate::cycle::Lab;

/// `inventories/NAME.yaml` on the simulated transport, with every `{env: X}` secret set to a
/// made-up value and every `{file: ~/…}` secret written under the lab's HOME.
fn shipped_on_the_simulator(name: &str) -> Lab {
    let text = std::fs::read_to_string(format!("inventories/{name}.yaml")).unwrap();
    assert!(
        text.contains("\n  transport: ssh\n"),
        "{name}: transport changed"
    );
    let lab = Lab::new(&text.replace("\n  transport: ssh\n", "\n  transport: simulated\n"));
    let mut lab = lab;
    for piece in text.split("env:").skip(1) {
        let var: String = piece
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        lab.env.push((var.clone(), format!("made-up-{var}")));
    }
    for piece in text.split("{ file: ~/").skip(1) {
        let rel: String = piece.chars().take_while(|c| !" }".contains(*c)).collect();
        let path = lab.path().join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "made-up password\n").unwrap();
    }
    lab
}

fn full_cycle(name: &str, warnings: &str) {
    let lab = shipped_on_the_simulator(name);
    lab.run(&["validate"])
        .code(0)
        .stderr_has(&format!("valid ({warnings})"));
    lab.run(&["plan", "--detailed-exitcode"]).code(2);
    lab.converge();
    lab.run(&["verify", "--failover"])
        .code(0)
        .stdout_has(" 0 failed; failover: ");
    lab.run(&["plan", "--detailed-exitcode"])
        .code(0)
        .stdout_has("Plan: 0 to create, 0 to update, 0 blocked, 0 unknown.");
}

#[test]
fn contoso_prod_applies_verifies_fails_over_and_replans_empty() {
    full_cycle("contoso-prod", "0 warnings");
}

#[test]
fn scaled_out_applies_verifies_fails_over_and_replans_empty() {
    // BZ079 (BAMStarSchema without BAM Analysis) is the contract example's own: Microsoft's
    // configuration creates the star schema only with Analysis Services for BAM aggregations.
    full_cycle("scaled-out", "1 warning");
}
