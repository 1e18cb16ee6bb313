//! The handlebars helpers templates may use to emit a value: one per target language (see
//! `quote`), plus `num`, `bool`, `secret` and `heredoc`.
//!
//! Takes the helper's parameters as resolved by handlebars, produces a string. In strict
//! mode handlebars does not check helper parameters itself, so every helper refuses a
//! missing value here (the error names the path; handlebars adds template, line, column).
//! A helper never passes a value through unquoted.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};
use serde_json::Value;

use super::quote;

/// Every helper name a template may call (the template lint test allows exactly these).
pub const HELPERS: &[&str] = &[
    "ps",
    "ps_array",
    "sql_ident",
    "sql_str",
    "ini",
    "ini_list",
    "xml",
    "json",
    "num",
    "bool",
    "secret",
    "heredoc",
];

fn err(msg: String) -> RenderError {
    RenderErrorReason::Other(msg).into()
}

/// The value of parameter `idx`, refusing a missing one.
fn param<'a>(h: &'a Helper<'_>, idx: usize, name: &'static str) -> Result<&'a Value, RenderError> {
    let p = h
        .param(idx)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, idx))?;
    if p.is_value_missing() {
        return Err(err(format!(
            "{name}: no value at {}",
            p.relative_path().map_or("(expression)", String::as_str)
        )));
    }
    Ok(p.value())
}

fn as_text(v: &Value, name: &str) -> Result<String, RenderError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(err(format!(
            "{name}: expected a string or number, found {}",
            kind_of(other)
        ))),
    }
}

fn as_list(v: &Value, name: &str) -> Result<Vec<String>, RenderError> {
    match v {
        Value::Array(items) => items.iter().map(|i| as_text(i, name)).collect(),
        other => Err(err(format!(
            "{name}: expected a list, found {}",
            kind_of(other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn q(r: Result<String, quote::QuoteError>) -> Result<String, RenderError> {
    r.map_err(|e| err(e.to_string()))
}

/// A helper computing one string from its parameters.
struct Quoter {
    name: &'static str,
    f: fn(&Helper<'_>, &Handlebars<'_>, &Context, &'static str) -> Result<String, RenderError>,
}

impl HelperDef for Quoter {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _rc: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        (self.f)(h, r, ctx, self.name).map(|s| ScopedJson::Derived(Value::String(s)))
    }
}

fn ps(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    match param(h, 0, n)? {
        Value::Null => Ok("$null".into()),
        v => q(quote::ps(&as_text(v, n)?)),
    }
}

fn ps_array(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    let items = as_list(param(h, 0, n)?, n)?;
    q(quote::ps_array(items.iter().map(String::as_str)))
}

fn sql_ident(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    q(quote::sql_ident(&as_text(param(h, 0, n)?, n)?))
}

fn sql_str(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    match param(h, 0, n)? {
        Value::Null => Ok("NULL".into()),
        v => q(quote::sql_str(&as_text(v, n)?)),
    }
}

fn ini(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    q(quote::ini(&as_text(param(h, 0, n)?, n)?))
}

fn ini_list(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    let items = as_list(param(h, 0, n)?, n)?;
    q(quote::ini_list(items.iter().map(String::as_str)))
}

fn xml(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    q(quote::xml(&as_text(param(h, 0, n)?, n)?))
}

fn json(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    serde_json::to_string(param(h, 0, n)?).map_err(|e| err(format!("{n}: {e}")))
}

/// A number, and only a number: `{{num params.port}}`.
fn num(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    match param(h, 0, n)? {
        Value::Number(x) => Ok(x.to_string()),
        other => Err(err(format!(
            "{n}: expected a number, found {}",
            kind_of(other)
        ))),
    }
}

/// A boolean in the language named by the second parameter: `ps` → `$true`, `sql`/`ini` → `1`/`0`.
fn boolean(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    let b = match param(h, 0, n)? {
        Value::Bool(b) => *b,
        other => {
            return Err(err(format!(
                "{n}: expected a boolean, found {}",
                kind_of(other)
            )))
        }
    };
    let lang = h.param(1).and_then(|p| p.value().as_str()).unwrap_or("ps");
    Ok(match (lang, b) {
        ("ps", true) => "$true".into(),
        ("ps", false) => "$false".into(),
        (_, true) => "1".into(),
        (_, false) => "0".into(),
    })
}

/// `$BisrcSecrets['key']` for the secret the resource names `role` (`{{secret "engine_password"}}`).
fn secret(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    let role = as_text(param(h, 0, n)?, n)?;
    let key = ctx
        .data()
        .get("secrets")
        .and_then(|s| s.get(&role))
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("{n}: this resource has no secret {role:?}")))?;
    Ok(format!("$BisrcSecrets[{}]", q(quote::ps(key))?))
}

/// Renders another template with the current context and wraps it in a PowerShell
/// single-quoted here-string (`@'` … `'@`), in which nothing expands. The terminator is a
/// line starting with `'@`; a rendered line that starts so is refused (every value in those
/// templates is quoted and single-line, so only a template could do it).
fn heredoc(
    h: &Helper<'_>,
    r: &Handlebars<'_>,
    ctx: &Context,
    n: &'static str,
) -> Result<String, RenderError> {
    let name = as_text(param(h, 0, n)?, n)?;
    let text = r.render_with_context(&name, ctx)?;
    let text = text.replace("\r\n", "\n");
    let text = text.trim_end_matches('\n');
    if text.lines().any(|l| l.starts_with("'@")) {
        return Err(err(format!(
            "{n}: template {name} renders a line starting with '@, which would end the here-string"
        )));
    }
    Ok(format!("@'\n{text}\n'@"))
}

/// Registers every helper.
pub fn register(hb: &mut Handlebars<'static>) {
    type F =
        fn(&Helper<'_>, &Handlebars<'_>, &Context, &'static str) -> Result<String, RenderError>;
    let all: [(&'static str, F); 12] = [
        ("ps", ps),
        ("ps_array", ps_array),
        ("sql_ident", sql_ident),
        ("sql_str", sql_str),
        ("ini", ini),
        ("ini_list", ini_list),
        ("xml", xml),
        ("json", json),
        ("num", num),
        ("bool", boolean),
        ("secret", secret),
        ("heredoc", heredoc),
    ];
    for (name, f) in all {
        hb.register_helper(name, Box::new(Quoter { name, f }));
    }
}
