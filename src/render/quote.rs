//! Quoting for each language bisrc writes: PowerShell, T-SQL, setup INI, XML, JSON.
//!
//! Takes a raw value (a name, a path, a number) and produces a literal of the target language
//! that means exactly that value and nothing else. Every function either returns a literal
//! that cannot change the structure of the surrounding text, or an error: NUL is refused
//! everywhere; a newline is refused where the language has no way to carry one safely
//! (T-SQL names and literals in our scripts, INI values), and encoded where it has (XML,
//! PowerShell). These functions never drop or alter characters silently.

/// Why a value cannot be quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The value holds a character the target language cannot carry.
    #[error("{lang} value contains {what}, which cannot be quoted safely: {shown}")]
    Refused {
        /// The target language.
        lang: &'static str,
        /// Which character.
        what: &'static str,
        /// The value, shortened and with control characters escaped (never a secret: only
        /// inventory values reach these functions).
        shown: String,
    },
}

fn refuse(lang: &'static str, what: &'static str, value: &str) -> QuoteError {
    let mut shown: String = value
        .chars()
        .take(60)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().count() > 60 {
        shown.push('…');
    }
    QuoteError::Refused { lang, what, shown }
}

fn no_nul(lang: &'static str, value: &str) -> Result<(), QuoteError> {
    if value.contains('\0') {
        return Err(refuse(lang, "a NUL character", value));
    }
    Ok(())
}

fn no_newline(lang: &'static str, value: &str) -> Result<(), QuoteError> {
    if value.contains(['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}']) {
        return Err(refuse(lang, "a line break", value));
    }
    Ok(())
}

/// Characters PowerShell treats as a single quote inside a single-quoted string: the ASCII
/// apostrophe and the typographic ‘ ’ ‚ ‛ (PowerShell's tokenizer accepts all of them).
fn is_ps_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A PowerShell single-quoted literal: `'O''Brien'`. Every single quote (ASCII or
/// typographic) is doubled, so nothing inside is expanded (`$()`, backticks and double quotes
/// are inert in single quotes). A CR or LF is emitted as `[char]10` concatenated outside the
/// quotes, so the script text stays one line per statement and CRLF conversion cannot alter
/// the value; the whole expression is then parenthesised so it stays one argument.
pub fn ps(value: &str) -> Result<String, QuoteError> {
    no_nul("PowerShell", value)?;
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::from("'");
    let mut broken = false;
    for c in value.chars() {
        match c {
            '\r' | '\n' => {
                cur.push('\'');
                parts.push(std::mem::replace(&mut cur, String::from("'")));
                parts.push(format!("[char]{}", c as u32));
                broken = true;
            }
            c if is_ps_single_quote(c) => {
                cur.push(c);
                cur.push(c);
            }
            c => cur.push(c),
        }
    }
    cur.push('\'');
    parts.push(cur);
    if broken {
        Ok(format!("({})", parts.join(" + ")))
    } else {
        Ok(parts.pop().unwrap_or_default())
    }
}

/// A PowerShell array of single-quoted literals: `@('a','b')`.
pub fn ps_array<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<String, QuoteError> {
    let items: Result<Vec<String>, QuoteError> = values.into_iter().map(ps).collect();
    Ok(format!("@({})", items?.join(",")))
}

/// A T-SQL delimited identifier: `[Sales]]DB]`.
pub fn sql_ident(value: &str) -> Result<String, QuoteError> {
    no_nul("T-SQL", value)?;
    no_newline("T-SQL", value)?;
    if value.is_empty() {
        return Err(refuse("T-SQL", "nothing (an empty identifier)", value));
    }
    if value.chars().count() > 128 {
        return Err(refuse("T-SQL", "more than 128 characters", value));
    }
    Ok(format!("[{}]", value.replace(']', "]]")))
}

/// A T-SQL Unicode string literal: `N'O''Brien'`.
pub fn sql_str(value: &str) -> Result<String, QuoteError> {
    no_nul("T-SQL", value)?;
    no_newline("T-SQL", value)?;
    Ok(format!("N'{}'", value.replace('\'', "''")))
}

/// A value of SQL Server setup's ConfigurationFile.ini: `"value"`. Setup has no escape
/// character, so a double quote or a line break is refused.
pub fn ini(value: &str) -> Result<String, QuoteError> {
    no_nul("INI", value)?;
    no_newline("INI", value)?;
    if value.contains('"') {
        return Err(refuse("INI", "a double quote", value));
    }
    Ok(format!("\"{value}\""))
}

/// A multi-value INI value: `"a" "b"` (setup's form for SQLSYSADMINACCOUNTS and friends).
pub fn ini_list<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<String, QuoteError> {
    let items: Result<Vec<String>, QuoteError> = values.into_iter().map(ini).collect();
    Ok(items?.join(" "))
}

/// XML text or attribute content: `&`, `<`, `>`, `"`, `'` become entities, and CR, LF and
/// TAB become character references (so an attribute keeps them, and no raw line break
/// appears). Characters XML 1.0 forbids (NUL and other C0 controls) are refused.
pub fn xml(value: &str) -> Result<String, QuoteError> {
    no_nul("XML", value)?;
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(refuse("XML", "a control character", value))
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A JSON string literal (serde_json's escaping: no raw control character survives).
pub fn json_str(value: &str) -> String {
    serde_json::to_string(value).expect("a string serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "plain",
        "O'Brien",
        "a\u{2018}b\u{2019}c\u{201A}d\u{201B}e",
        "say \"hi\" \u{201C}x\u{201D}",
        "x'];DROP DATABASE y;--",
        "CONTOSO\\a'b$(calc)",
        "`$env:PATH`n",
        "a;b|c&d",
        "]]]",
        "<tag attr='v'>&amp;</tag>",
    ];

    #[test]
    fn ps_doubles_every_single_quote_and_nothing_else() {
        assert_eq!(ps("plain").unwrap(), "'plain'");
        assert_eq!(ps("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(
            ps("a\u{2018}b\u{2019}").unwrap(),
            "'a\u{2018}\u{2018}b\u{2019}\u{2019}'"
        );
        assert_eq!(
            ps("\u{201A}\u{201B}").unwrap(),
            "'\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
        // Double quotes, $(), backticks and ; are inert inside single quotes.
        assert_eq!(
            ps("CONTOSO\\a$(calc)`n;\"x\"").unwrap(),
            "'CONTOSO\\a$(calc)`n;\"x\"'"
        );
        assert_eq!(ps("").unwrap(), "''");
    }

    #[test]
    fn ps_encodes_line_breaks_outside_the_quotes() {
        assert_eq!(ps("a\nb").unwrap(), "('a' + [char]10 + 'b')");
        assert_eq!(
            ps("a\r\n").unwrap(),
            "('a' + [char]13 + '' + [char]10 + '')"
        );
        assert!(!ps("x\ny\rz").unwrap().contains(['\n', '\r']));
    }

    #[test]
    fn ps_refuses_nul() {
        let e = ps("a\0b").unwrap_err();
        assert!(e.to_string().contains("NUL"), "{e}");
        assert!(e.to_string().contains("a\\0b"), "{e}");
    }

    /// Reads a PowerShell single-quoted literal back the way the tokenizer does.
    fn unquote_ps(lit: &str) -> String {
        let inner = &lit[1..lit.len() - 1];
        let mut out = String::new();
        let mut it = inner.chars().peekable();
        while let Some(c) = it.next() {
            if is_ps_single_quote(c) {
                // A quote inside must be followed by a quote (of any kind); otherwise the
                // literal would have ended here.
                let next = it.next().expect("a lone quote ends the literal");
                assert!(is_ps_single_quote(next), "lone quote in {lit}");
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn ps_round_trips_hostile_values_and_long_ones() {
        let long = "'x".repeat(50_000);
        for v in HOSTILE.iter().copied().chain([long.as_str()]) {
            let q = ps(v).unwrap();
            assert_eq!(unquote_ps(&q), v);
        }
    }

    #[test]
    fn ps_array_quotes_each_item() {
        assert_eq!(ps_array(["a", "b'c"]).unwrap(), "@('a','b''c')");
        assert_eq!(ps_array([]).unwrap(), "@()");
        assert!(ps_array(["ok", "n\0"]).is_err());
    }

    #[test]
    fn sql_ident_doubles_closing_brackets() {
        assert_eq!(sql_ident("Sales]DB").unwrap(), "[Sales]]DB]");
        assert_eq!(
            sql_ident("x'];DROP DATABASE y;--").unwrap(),
            "[x']];DROP DATABASE y;--]"
        );
        assert_eq!(sql_ident("[a]").unwrap(), "[[a]]]");
        assert!(sql_ident("").is_err());
        assert!(sql_ident("a\nb").is_err());
        assert!(sql_ident("a\0b").is_err());
        assert!(sql_ident(&"a".repeat(129)).is_err());
        assert!(sql_ident(&"a".repeat(128)).is_ok());
    }

    #[test]
    fn sql_str_doubles_single_quotes() {
        assert_eq!(sql_str("O'Brien").unwrap(), "N'O''Brien'");
        assert_eq!(
            sql_str("x'];DROP DATABASE y;--").unwrap(),
            "N'x''];DROP DATABASE y;--'"
        );
        // Typographic quotes are not string delimiters in T-SQL: kept as they are.
        assert_eq!(sql_str("a\u{2019}b").unwrap(), "N'a\u{2019}b'");
        assert!(sql_str("a\r\nb").is_err());
        assert!(sql_str("\0").is_err());
        let long = "'".repeat(10_000);
        assert_eq!(sql_str(&long).unwrap().len(), 20_003);
    }

    #[test]
    fn ini_refuses_what_setup_cannot_read() {
        assert_eq!(ini("S:\\MSSQL\\Data").unwrap(), "\"S:\\MSSQL\\Data\"");
        assert_eq!(ini("a'b;c$(x)").unwrap(), "\"a'b;c$(x)\"");
        assert!(ini("a\"b")
            .unwrap_err()
            .to_string()
            .contains("double quote"));
        assert!(ini("a\nFEATURES=AS")
            .unwrap_err()
            .to_string()
            .contains("line break"));
        assert!(ini("a\rb").is_err());
        assert!(ini("a\0b").is_err());
        assert_eq!(ini_list(["A\\x", "B y"]).unwrap(), "\"A\\x\" \"B y\"");
    }

    #[test]
    fn xml_escapes_markup_and_line_breaks() {
        assert_eq!(
            xml("<a b=\"c\" d='e'>&</a>").unwrap(),
            "&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(xml("a\r\nb\tc").unwrap(), "a&#13;&#10;b&#9;c");
        assert!(xml("a\0").is_err());
        assert!(xml("a\u{1}").is_err());
        for v in HOSTILE {
            assert!(!xml(v).unwrap().contains(['<', '>', '"', '\'']));
        }
    }

    #[test]
    fn json_str_escapes_controls() {
        assert_eq!(json_str("a\"b\n"), "\"a\\\"b\\n\"");
    }

    #[test]
    fn refusal_shortens_long_values() {
        let e = ini(&format!("{}\"", "x".repeat(500)))
            .unwrap_err()
            .to_string();
        assert!(e.len() < 200, "{e}");
        assert!(e.contains('…'));
    }
}
