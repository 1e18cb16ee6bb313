//! The environment lock file of a node (`C:\ProgramData\bisrc\lock.json`), for the two tiny
//! stand-alone scripts the engine runs outside the step payload (acquire: `CreateNew` the
//! file, print `BISRC-LOCK-OK` or `BISRC-LOCK-HELD <json>` and exit 3; release: remove it if
//! its ID matches, print `BISRC-LOCK-RELEASED`, `BISRC-LOCK-NONE` or `BISRC-LOCK-HELD`).
//! Takes the decoded script text; answers from the file kept in the host's world state.
//! Recognises the scripts by their markers and reads their one quoted argument.

use super::world::World;

/// The file the scripts use.
pub const LOCK_PATH: &str = "C:\\ProgramData\\bisrc\\lock.json";

/// Whether `script` is one of the lock scripts.
pub fn is_lock_script(script: &str) -> bool {
    script.contains("BISRC-LOCK-OK") || script.contains("BISRC-LOCK-RELEASED")
}

/// The PowerShell single-quoted literal right after `marker` in `script`, unquoted.
fn quoted_after(script: &str, marker: &str) -> Option<String> {
    let rest = &script[script.find(marker)? + marker.len()..];
    let rest = rest.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// Runs a lock script on `node`; returns (stdout, exit status).
pub fn run(w: &mut World, node: &str, script: &str) -> (String, i32) {
    let Some(h) = w.host_mut(node) else {
        return (String::new(), 1);
    };
    let current = h.files.get(LOCK_PATH).cloned();
    if script.contains("BISRC-LOCK-OK") {
        let Some(info) = quoted_after(script, "GetBytes(") else {
            return (String::new(), 1);
        };
        return match current {
            Some(text) => (format!("BISRC-LOCK-HELD {text}\n"), 3),
            None => {
                h.files.insert(LOCK_PATH.to_string(), info);
                ("BISRC-LOCK-OK\n".into(), 0)
            }
        };
    }
    let Some(id) = quoted_after(script, ".id -ne ") else {
        return (String::new(), 1);
    };
    match current {
        None => ("BISRC-LOCK-NONE\n".into(), 0),
        Some(text) => {
            let held: Option<String> = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
            if held.as_deref() == Some(id.as_str()) {
                h.files.remove(LOCK_PATH);
                ("BISRC-LOCK-RELEASED\n".into(), 0)
            } else {
                (format!("BISRC-LOCK-HELD {text}\n"), 3)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acquire(json: &str) -> String {
        format!("$ErrorActionPreference = 'Stop'\r\n$bytes = [System.Text.Encoding]::UTF8.GetBytes('{}')\r\nWrite-Output 'BISRC-LOCK-OK'\r\n", json.replace('\'', "''"))
    }

    fn release(id: &str) -> String {
        format!("if ((ConvertFrom-Json -InputObject $text).id -ne '{id}') {{ exit 3 }}\r\nWrite-Output 'BISRC-LOCK-RELEASED'\r\n")
    }

    #[test]
    fn acquire_is_exclusive_and_release_needs_the_id() {
        let inv = crate::sim::tests::inventory("lab");
        let mut w = World::fresh(&inv);
        let a = r#"{"id":"A1","holder":"o'neil@ws"}"#;
        assert!(is_lock_script(&acquire(a)) && is_lock_script(&release("A1")));
        assert_eq!(
            run(&mut w, "LABSQL1", &acquire(a)),
            ("BISRC-LOCK-OK\n".into(), 0)
        );
        assert_eq!(
            run(&mut w, "LABSQL1", &acquire(r#"{"id":"B2"}"#)),
            (format!("BISRC-LOCK-HELD {a}\n"), 3)
        );
        assert_eq!(run(&mut w, "LABSQL1", &release("B2")).1, 3);
        assert_eq!(
            run(&mut w, "LABSQL1", &release("A1")),
            ("BISRC-LOCK-RELEASED\n".into(), 0)
        );
        assert_eq!(
            run(&mut w, "LABSQL1", &release("A1")),
            ("BISRC-LOCK-NONE\n".into(), 0)
        );
    }
}
