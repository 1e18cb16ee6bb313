//! The README's commands, run as shown on a copy of the repository's inventories: the main job
//! (no environment variable, no warning) and every line of the quick start, each with the exit
//! code the README gives it (0 unless its comment says `exit N`).

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder holding a copy of `inventories/` (what a fresh clone has).
fn clone_of_inventories() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("inventories");
    std::fs::create_dir(&to).unwrap();
    for e in std::fs::read_dir(repo().join("inventories")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    dir
}

/// Runs `bisrc ARGS` in `dir` with a clean environment (no secret variables), stdout
/// redirected to `stdout_to` when the line has `> FILE`.
fn bisrc(dir: &Path, args: &[&str], stdout_to: Option<&str>) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bisrc"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if let Some(file) = stdout_to {
        std::fs::write(dir.join(file), &out.stdout).unwrap();
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The lines of the first ```sh block after `heading`.
fn sh_block(readme: &str, heading: &str) -> Vec<String> {
    let rest = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}"))..];
    let rest = &rest[rest.find("```sh\n").expect("a sh block") + "```sh\n".len()..];
    rest[..rest.find("```").unwrap()]
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_main_job_runs_without_an_environment_variable_or_a_warning() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = sh_block(&readme, "## Set-up on a fresh machine");
    let main_job = block
        .iter()
        .find(|l| l.starts_with("cargo run -q -- plan"))
        .expect("the main job line");
    let dir = clone_of_inventories();
    for part in main_job.split("&&") {
        let args: Vec<&str> = part
            .trim()
            .strip_prefix("cargo run -q --")
            .expect("cargo run -q -- ARGS")
            .split_whitespace()
            .collect();
        let (code, stdout, stderr) = bisrc(dir.path(), &args, None);
        assert_eq!(code, 0, "{part}\n{stdout}\n{stderr}");
        assert!(
            !stderr.contains("warning") && !stdout.contains("warning"),
            "{part}\n{stderr}"
        );
    }
}

#[test]
fn the_quick_start_works_as_shown() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let dir = clone_of_inventories();
    let mut ran = 0;
    for line in sh_block(&readme, "## Quick start on the lab inventory") {
        let (command, comment) = line.split_once('#').unwrap_or((line.as_str(), ""));
        if command.trim().starts_with("cargo build") {
            continue; // the test runs the binary cargo built for it
        }
        let mut words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words.first(), Some(&"bisrc"), "{line}");
        words.remove(0);
        let stdout_to = match words.iter().position(|w| *w == ">") {
            Some(i) => {
                let file = words[i + 1];
                words.truncate(i);
                Some(file)
            }
            None => None,
        };
        let want = comment
            .split("exit ")
            .nth(1)
            .and_then(|r| r.chars().next())
            .and_then(|c| c.to_digit(10))
            .map_or(0, |d| d as i32);
        let (code, stdout, stderr) = bisrc(dir.path(), &words, stdout_to);
        assert_eq!(code, want, "{line}\n{stdout}\n{stderr}");
        ran += 1;
    }
    assert!(ran >= 8, "the quick start has its commands");
    assert!(dir.path().join("out/manifest.json").is_file());
    assert!(std::fs::read_to_string(dir.path().join("lab.dot"))
        .unwrap()
        .starts_with("digraph"));
    assert!(dir.path().join("verify.xml").is_file());
}
