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
    ["BISRC-LOCK-OK", "BISRC-LOCK-RELEASED", "BISRC-LOCK-RENEWED"]
        .iter()
        .any(|m| script.contains(m))
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
    let held_id = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
    };
    if script.contains("BISRC-LOCK-OK") {
        let Some(info) = quoted_after(script, "$info = ") else {
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
    let Some(id) = quoted_after(script, "$id = ") else {
        return (String::new(), 1);
    };
    let renew = script.contains("BISRC-LOCK-RENEWED");
    match current {
        None if renew => ("BISRC-LOCK-NONE\n".into(), 3),
        None => ("BISRC-LOCK-NONE\n".into(), 0),
        Some(text) if held_id(&text).as_deref() != Some(id.as_str()) => {
            (format!("BISRC-LOCK-HELD {text}\n"), 3)
        }
        Some(_) if renew => {
            let Some(info) = quoted_after(script, "$info = ") else {
                return (String::new(), 1);
            };
            h.files.insert(LOCK_PATH.to_string(), info);
            ("BISRC-LOCK-RENEWED\n".into(), 0)
        }
        Some(_) => {
            h.files.remove(LOCK_PATH);
            ("BISRC-LOCK-RELEASED\n".into(), 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acquire(json: &str) -> String {
        crate::render::lock_script("acquire", &serde_json::json!({ "info": json })).unwrap()
    }

    fn renew(id: &str, json: &str) -> String {
        crate::render::lock_script("renew", &serde_json::json!({ "id": id, "info": json })).unwrap()
    }

    fn release(id: &str) -> String {
        crate::render::lock_script("release", &serde_json::json!({ "id": id })).unwrap()
    }

    #[test]
    fn acquire_is_exclusive_and_renew_and_release_need_the_id() {
        let inv = crate::sim::tests::inventory("lab");
        let mut w = World::fresh(&inv);
        let a = r#"{"id":"A1","holder":"o'neil@ws"}"#;
        assert!(is_lock_script(&acquire(a)) && is_lock_script(&release("A1")));
        assert!(is_lock_script(&renew("A1", a)));
        assert_eq!(
            run(&mut w, "LABSQL1", &acquire(a)),
            ("BISRC-LOCK-OK\n".into(), 0)
        );
        assert_eq!(
            run(&mut w, "LABSQL1", &acquire(r#"{"id":"B2"}"#)),
            (format!("BISRC-LOCK-HELD {a}\n"), 3)
        );
        let renewed = r#"{"id":"A1","holder":"o'neil@ws","expires":"later"}"#;
        assert_eq!(run(&mut w, "LABSQL1", &renew("B2", renewed)).1, 3);
        assert_eq!(
            run(&mut w, "LABSQL1", &renew("A1", renewed)),
            ("BISRC-LOCK-RENEWED\n".into(), 0)
        );
        assert_eq!(
            run(&mut w, "LABSQL1", &acquire(r#"{"id":"B2"}"#)),
            (format!("BISRC-LOCK-HELD {renewed}\n"), 3)
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
        assert_eq!(run(&mut w, "LABSQL1", &renew("A1", renewed)).1, 3);
    }
}
