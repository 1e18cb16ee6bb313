//! Load failures as diagnostics, so a broken file is reported like any other finding
//! (`BZ001` syntax and types, `BZ002` unreadable file, `BZ003` input bounds).

use crate::inventory::{LoadError, LoadErrorKind, Loc};

use super::{Diagnostic, BZ001, BZ002, BZ003};

/// The diagnostics of a load failure: the first error, then the further schema errors the
/// loader found past it ([`LoadError::more`]).
pub fn load_diagnostics(err: &LoadError) -> Vec<Diagnostic> {
    std::iter::once(err)
        .chain(err.more.iter())
        .map(load_diagnostic)
        .collect()
}

/// The diagnostic for a load failure.
pub fn load_diagnostic(err: &LoadError) -> Diagnostic {
    let loc = err.loc.unwrap_or(Loc::UNKNOWN);
    match err.kind {
        LoadErrorKind::Read => BZ002
            .at(loc, err.message.clone())
            .hint("give the path of a UTF-8 YAML inventory file; `bisrc init` writes a starter"),
        LoadErrorKind::Limit => BZ003.at(loc, err.message.clone()).hint(
            "inventories are small, plain YAML: keep them under 16 MiB, nested at most 32 levels, \
             with few anchors and aliases",
        ),
        LoadErrorKind::Syntax => BZ001
            .at(loc, err.message.clone())
            .hint(syntax_hint(&err.message)),
    }
}

fn syntax_hint(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("found a tab") {
        "YAML indents with spaces only: replace the tab by spaces".to_string()
    } else if m.contains("unclosed bracket") {
        "close the `{` or `[` on the same entry (`{ key: value, key: value }`)".to_string()
    } else if m.contains("boolean") {
        "write booleans as `true` or `false` (YAML 1.2); `yes`, `no`, `on` and `off` are not booleans"
            .to_string()
    } else if m.contains("duplicate") {
        "each key may appear once in a mapping; remove or rename one of them".to_string()
    } else if let Some(ty) = m
        .trim()
        .strip_prefix("invalid ")
        .filter(|t| ["u8", "u16", "u32", "u64", "i32", "i64"].contains(t))
    {
        let range = match ty {
            "u8" => " from 0 to 255",
            "u16" => " from 0 to 65535",
            _ => "",
        };
        format!("write a whole number{range} here")
    } else if m.contains("unknown variant") {
        unknown_field_hint(message).unwrap_or_else(|| {
            "use one of the values the message lists (docs/inventory.md)".to_string()
        })
    } else if m.contains("unknown field") {
        unknown_field_hint(message).unwrap_or_else(|| {
            "check the spelling against docs/inventory.md or `bisrc schema`".to_string()
        })
    } else if m.contains("missing field") {
        "add the field; docs/inventory.md lists every key and whether it is required".to_string()
    } else {
        "see docs/inventory.md for the inventory format; `bisrc schema` prints its JSON Schema"
            .to_string()
    }
}

/// "did you mean `key`?" from the parser's message: "unknown field `X`, expected one of a, b"
/// (or "expected `a` or `b`").
fn unknown_field_hint(message: &str) -> Option<String> {
    let unknown = message.split('`').nth(1)?;
    let (_, list) = message.split_once("expected ")?;
    let list = list.strip_prefix("one of ").unwrap_or(list);
    let expected = list
        .split(", ")
        .flat_map(|p| p.split(" or "))
        .map(|k| k.trim().trim_matches('`'))
        .filter(|k| !k.is_empty());
    super::did_you_mean(unknown, expected)
}
