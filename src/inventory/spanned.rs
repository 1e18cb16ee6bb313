//! `Spanned<T>`: a value together with where it was written in the inventory.
//!
//! serde-saphyr records the line and column of every node it deserializes into its own
//! `Spanned`; this wrapper keeps that location but adds what the rest of bisrc needs: it
//! serializes and describes itself in JSON Schema as the bare `T`, and it compares, hashes
//! and prints as `T`, so code that only cares about the value never sees the span.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 1-based line and column in the inventory file. `line == 0` means "unknown" (a value
/// built in code, not read from a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Loc {
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column (in characters), 0 when unknown.
    pub col: u32,
}

impl Loc {
    /// A location that points nowhere in particular.
    pub const UNKNOWN: Loc = Loc { line: 0, col: 0 };

    /// Whether the location was recorded from a file.
    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// A value read from the inventory and the place it was read from.
#[derive(Clone)]
pub struct Spanned<T> {
    /// The value itself.
    pub value: T,
    /// Where the value was written (for an alias, where it was used).
    pub loc: Loc,
}

impl<T> Spanned<T> {
    /// Wraps a value built in code (no location).
    pub fn new(value: T) -> Self {
        Spanned {
            value,
            loc: Loc::UNKNOWN,
        }
    }

    /// Wraps a value with a location.
    pub fn at(value: T, loc: Loc) -> Self {
        Spanned { value, loc }
    }
}

impl Spanned<String> {
    /// The value as `&str`.
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<T> Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let inner = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let loc = Loc {
            line: u32::try_from(inner.referenced.line()).unwrap_or(u32::MAX),
            col: u32::try_from(inner.referenced.column()).unwrap_or(u32::MAX),
        };
        Ok(Spanned {
            value: inner.value,
            loc,
        })
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        collect_text(self);
        self.value.serialize(serializer)
    }
}

thread_local! {
    /// Set while [`spanned_texts`] runs: the text values met so far, with their locations.
    static TEXTS: std::cell::RefCell<Option<Vec<(Loc, String)>>> =
        const { std::cell::RefCell::new(None) };
}

fn collect_text<T: Serialize>(s: &Spanned<T>) {
    let Some(mut found) = TEXTS.with(|t| t.borrow_mut().take()) else {
        return;
    };
    // Serializing the value alone (collection paused) tells whether it is a text.
    if let Ok(serde_json::Value::String(text)) = serde_json::to_value(&s.value) {
        found.push((s.loc, text));
    }
    TEXTS.with(|t| *t.borrow_mut() = Some(found));
}

/// Every spanned text value inside `value` (typically the whole inventory) with its
/// location, so one rule can check every string that may reach a script.
pub fn spanned_texts<T: Serialize>(value: &T) -> Vec<(Loc, String)> {
    TEXTS.with(|t| *t.borrow_mut() = Some(Vec::new()));
    let _ = serde_json::to_value(value);
    TEXTS.with(|t| t.borrow_mut().take()).unwrap_or_default()
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
