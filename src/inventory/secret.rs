//! Secret references: `{env: NAME}` or `{file: PATH}`.
//!
//! A secret is never written in the inventory itself. The model keeps a literal value only
//! so that validation can report it (rule `BZ080`); the literal text is dropped on the spot
//! and never stored, printed or serialized.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a secret comes from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// An environment variable of the process running bisrc.
    Env(String),
    /// A file on the workstation; `~` expands to the home directory; a relative path is taken
    /// from the inventory's folder; one trailing newline is dropped.
    File(PathBuf),
    /// A literal value was written in the inventory. The text itself is not kept; validation
    /// rejects this with an error.
    Literal,
}

/// Why a secret could not be resolved. Names the reference, never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set (or not valid Unicode).
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    /// The file could not be read.
    #[error("cannot read secret file {path}: {source}")]
    File {
        /// The file that was tried.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The variable or file holds nothing (an empty secret would be applied as a blank
    /// password, so it is refused).
    #[error("{0} is empty")]
    Empty(String),
    /// The inventory holds a literal value.
    #[error(
        "a literal secret in the inventory cannot be used; write {{env: NAME}} or {{file: PATH}}"
    )]
    Literal,
}

/// A resolved secret value. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: String) -> Self {
        SecretValue(value)
    }
    /// The secret text. Call only where the value is handed to the remote side (the
    /// standard-input payload of a step), never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl SecretRef {
    /// Reads the secret's value from the environment or a file.
    pub fn resolve(&self) -> Result<SecretValue, SecretError> {
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Err(_) => Err(SecretError::EnvMissing(name.clone())),
                Ok(v) if v.is_empty() => {
                    Err(SecretError::Empty(format!("environment variable {name}")))
                }
                Ok(v) => Ok(SecretValue(v)),
            },
            SecretRef::File(path) => {
                let expanded = super::expand_tilde(path);
                let mut text =
                    std::fs::read_to_string(&expanded).map_err(|source| SecretError::File {
                        path: expanded.display().to_string(),
                        source,
                    })?;
                if text.ends_with('\n') {
                    text.pop();
                    if text.ends_with('\r') {
                        text.pop();
                    }
                }
                if text.is_empty() {
                    return Err(SecretError::Empty(format!(
                        "secret file {}",
                        expanded.display()
                    )));
                }
                Ok(SecretValue(text))
            }
            SecretRef::Literal => Err(SecretError::Literal),
        }
    }

    /// A description safe to print: `env:NAME`, `file:PATH` or `literal`.
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Env(n) => format!("env:{n}"),
            SecretRef::File(p) => format!("file:{}", p.display()),
            SecretRef::Literal => "literal (rejected)".to_string(),
        }
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl<'de> Visitor<'de> for SecretVisitor {
            type Value = SecretRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret reference {env: NAME} or {file: PATH}")
            }
            // A literal is accepted here only so validation can point at it with a rule code;
            // the text is dropped immediately.
            fn visit_str<E: de::Error>(self, _v: &str) -> Result<SecretRef, E> {
                Ok(SecretRef::Literal)
            }
            fn visit_i64<E: de::Error>(self, _v: i64) -> Result<SecretRef, E> {
                Ok(SecretRef::Literal)
            }
            fn visit_u64<E: de::Error>(self, _v: u64) -> Result<SecretRef, E> {
                Ok(SecretRef::Literal)
            }
            fn visit_f64<E: de::Error>(self, _v: f64) -> Result<SecretRef, E> {
                Ok(SecretRef::Literal)
            }
            fn visit_bool<E: de::Error>(self, _v: bool) -> Result<SecretRef, E> {
                Ok(SecretRef::Literal)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
                let mut found: Option<SecretRef> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if found.is_some() {
                        return Err(de::Error::custom(
                            "a secret reference has exactly one key: env or file",
                        ));
                    }
                    match key.as_str() {
                        "env" => found = Some(SecretRef::Env(map.next_value()?)),
                        "file" => found = Some(SecretRef::File(map.next_value()?)),
                        other => {
                            return Err(de::Error::unknown_field(other, &["env", "file"]));
                        }
                    }
                }
                found.ok_or_else(|| {
                    de::Error::custom("a secret reference needs one key: env or file")
                })
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}

impl Serialize for SecretRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            SecretRef::Env(n) => map.serialize_entry("env", n)?,
            SecretRef::File(p) => map.serialize_entry("file", p)?,
            SecretRef::Literal => map.serialize_entry("literal", "(sensitive)")?,
        }
        map.end()
    }
}

impl JsonSchema for SecretRef {
    fn schema_name() -> Cow<'static, str> {
        "SecretRef".into()
    }
    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A secret reference: never the secret itself.",
            "oneOf": [
                {
                    "type": "object",
                    "properties": { "env": { "type": "string", "description": "environment variable name" } },
                    "required": ["env"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": { "file": { "type": "string", "description": "file holding the secret; ~ expands" } },
                    "required": ["file"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_environment_variable_is_refused_by_name() {
        let name = "BISRC_TEST_EMPTY_SECRET_6187";
        std::env::set_var(name, "");
        let err = SecretRef::Env(name.into()).resolve().unwrap_err();
        std::env::remove_var(name);
        assert!(matches!(err, SecretError::Empty(_)), "{err}");
        assert_eq!(
            err.to_string(),
            format!("environment variable {name} is empty")
        );
    }

    #[test]
    fn an_empty_file_or_a_lone_newline_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for (file, text) in [("empty.pw", ""), ("newline.pw", "\n"), ("crlf.pw", "\r\n")] {
            let path = dir.path().join(file);
            std::fs::write(&path, text).unwrap();
            let err = SecretRef::File(path.clone()).resolve().unwrap_err();
            assert!(matches!(err, SecretError::Empty(_)), "{file}: {err}");
            assert!(err.to_string().contains(file), "{err}");
        }
        let path = dir.path().join("ok.pw");
        std::fs::write(&path, "s3cret!\n").unwrap();
        let v = SecretRef::File(path).resolve().unwrap();
        assert_eq!(v.expose(), "s3cret!");
    }
}
