//! The human output of plan, apply, verify and verify --failover, as a user sees it: the
//! simulated lab driven through the library, rendered by `ui::Ui` into buffers (colours off,
//! and once on, to pin the colour of each role) and compared with insta snapshots.
//!
//! One job at a time (`parallelism = 1`), so the progress lines come in a fixed order. What
//! changes from run to run is redacted: durations (`N.N s`), the journal's path and the
//! temporary folder of a kept report.

use bisrc::engine::plan::{plan, Selection};
use bisrc::engine::setup::{setup, RunSettings, Setup};
use bisrc::engine::{apply, failover, verify, Plan};
use bisrc::ui::{Buffer, OutputFormat, Ui};

/// The lab inventory in a fresh directory (its state directory and simulated world beside it).
fn lab() -> (tempfile::TempDir, Setup) {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("lab.yaml");
    std::fs::write(&inv, include_str!("../../inventories/lab.yaml")).expect("inventory");
    std::fs::write(
        dir.path().join("lab-sso-backup.pw"),
        crate::cycle::LAB_SSO_BACKUP_PW,
    )
    .expect("the lab's SSO backup password file");
    let loaded = bisrc::inventory::load(&inv).expect("the lab inventory loads");
    let s = setup(loaded, &RunSettings::default()).expect("setup");
    (dir, s)
}

/// `12.3 s` → `N.N s`, wherever a duration is printed.
fn redact_secs(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let is_secs = j > start
            && (start == 0 || !b[start - 1].is_ascii_alphanumeric())
            && text[j..].starts_with('.')
            && b.get(j + 1).is_some_and(u8::is_ascii_digit)
            && text[j + 2..].starts_with(" s");
        if is_secs {
            out.push_str("N.N s");
            i = j + 4;
        } else if j > start {
            out.push_str(&text[start..j]);
            i = j;
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The journal's absolute path → `<journal>`.
fn redact_journal(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix("Journal: ") {
            Some(_) => "Journal: <journal>".to_string(),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The temporary folder before a kept report's `.bisrc/…` path → `<dir>`.
fn redact_reports(text: &str) -> String {
    text.lines()
        .map(|l| match (l.find(" report kept at "), l.find("/.bisrc/")) {
            (Some(at), Some(state)) if state > at => {
                format!("{} report kept at <dir>{}", &l[..at], &l[state..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Runs `work` with a context whose events feed `ui`'s progress; returns what it produced.
fn with_progress<T>(s: &Setup, ui: &Ui, work: impl FnOnce(&bisrc::engine::Context) -> T) -> T {
    let progress = ui.progress();
    let scripts = s.scripts();
    let mut ctx = s.context(&scripts, progress.sender());
    ctx.parallelism = 1;
    let out = work(&ctx);
    drop(ctx);
    progress.finish();
    out
}

/// Plans everything and shows the plan; returns it.
fn show_plan(s: &Setup, ui: &mut Ui) -> Plan {
    let p = with_progress(s, ui, |ctx| plan(ctx, &Selection::default()).expect("plan"));
    ui.plan(&p, false);
    p
}

fn human(color: bool) -> (Ui, Buffer, Buffer) {
    Ui::to_buffers(OutputFormat::Human, color)
}

#[test]
fn plan_apply_verify_and_failover_read_as_snapshotted() {
    let (_dir, s) = lab();

    // plan of a fresh world: everything to create.
    let (mut ui, out, err) = human(false);
    let p = show_plan(&s, &mut ui);
    insta::assert_snapshot!("plan_fresh_stdout", out.text());
    insta::assert_snapshot!("plan_fresh_stderr", redact_secs(&err.text()));

    // apply: progress on stderr, the report on stdout.
    let (mut ui, out, err) = human(false);
    let report = with_progress(&s, &ui, |ctx| apply::apply(ctx, &p).expect("apply"));
    assert!(report.ok(), "{report:?}");
    ui.apply_report(&p, Some(&report));
    insta::assert_snapshot!("apply_stdout", redact_journal(&out.text()));
    insta::assert_snapshot!("apply_stderr", redact_reports(&redact_secs(&err.text())));

    // plan of the converged world.
    let (mut ui, out, _) = human(false);
    show_plan(&s, &mut ui);
    insta::assert_snapshot!("plan_converged_stdout", out.text());

    // verify.
    let (mut ui, out, _) = human(false);
    let r = with_progress(&s, &ui, |ctx| {
        verify::verify(ctx, &Selection::default()).expect("verify")
    });
    assert!(r.ok());
    ui.verify_report(&r);
    insta::assert_snapshot!("verify_stdout", out.text());

    // verify --failover: every move and the owners at the end.
    let (mut ui, out, err) = human(false);
    let r = with_progress(&s, &ui, |ctx| {
        let mut r = verify::verify(ctx, &Selection::default()).expect("verify");
        r.failover = Some(failover::rehearse(ctx, false).expect("failover"));
        r.resummarize();
        r
    });
    assert!(r.ok(), "{r:?}");
    ui.verify_report(&r);
    insta::assert_snapshot!("verify_failover_stdout", redact_secs(&out.text()));
    insta::assert_snapshot!("verify_failover_stderr", redact_secs(&err.text()));
}

#[test]
fn colours_follow_roles() {
    let (_dir, s) = lab();
    let (mut ui, out, _) = human(true);
    let p = show_plan(&s, &mut ui);
    let text = out.text();
    // Create in green, the address in bold.
    assert!(
        text.contains("\x1b[32m+ create  \x1b[0m \x1b[1mcluster."),
        "{text}"
    );
    insta::assert_snapshot!("plan_fresh_colour_stdout", text);

    // The progress of a coloured apply marks each step it finished.
    let (mut ui, out, err) = human(true);
    let report = with_progress(&s, &ui, |ctx| apply::apply(ctx, &p).expect("apply"));
    ui.apply_report(&p, Some(&report));
    assert!(err.text().contains("\x1b[32m✓\x1b[0m"), "{}", err.text());
    assert!(out.text().starts_with("Apply complete"), "{}", out.text());

    let (mut ui, out, _) = human(true);
    let r = with_progress(&s, &ui, |ctx| {
        verify::verify(ctx, &Selection::default()).expect("verify")
    });
    ui.verify_report(&r);
    let text = out.text();
    assert!(text.contains("\x1b[32m✓\x1b[0m"), "{text}");
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn json_goes_to_the_report_writer_only() {
    let (_dir, s) = lab();
    let (mut ui, out, err) = Ui::to_buffers(OutputFormat::Json, true);
    show_plan(&s, &mut ui);
    let v: serde_json::Value = serde_json::from_str(&out.text()).expect("one JSON document");
    assert_eq!(v["summary"]["blocked"], 0);
    assert_eq!(err.text(), "", "JSON mode shows no progress");
}

#[test]
fn durations_are_redacted_and_nothing_else() {
    assert_eq!(
        redact_secs("✓ probe batch on A (0.3 s) 12.2 s v1.2 s"),
        "✓ probe batch on A (N.N s) N.N s v1.2 s"
    );
}

#[test]
fn destroy_reads_as_snapshotted() {
    let (_dir, s) = lab();
    let (mut ui, _, _) = human(false);
    let p = show_plan(&s, &mut ui);
    let (ui, _, _) = human(false);
    let applied = with_progress(&s, &ui, |ctx| apply::apply(ctx, &p).expect("apply"));
    assert!(applied.ok(), "{applied:?}");

    // The destroy plan: removal order, what goes with its parent, what stays.
    let (mut ui, out, _) = human(false);
    let d = with_progress(&s, &ui, |ctx| {
        bisrc::engine::destroy::plan(ctx, &[]).expect("destroy plan")
    });
    ui.destroy_plan(&d);
    insta::assert_snapshot!("destroy_plan_stdout", out.text());

    // The removal: progress on stderr, the report on stdout.
    let (mut ui, out, err) = human(false);
    let r = with_progress(&s, &ui, |ctx| {
        bisrc::engine::destroy::destroy(ctx, &d).expect("destroy")
    });
    assert!(r.ok(), "{r:?}");
    ui.destroy_report(&d, Some(&r));
    insta::assert_snapshot!("destroy_stdout", redact_journal(&out.text()));
    insta::assert_snapshot!("destroy_stderr", redact_secs(&err.text()));
}
