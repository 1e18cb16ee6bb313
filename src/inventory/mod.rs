//! Inventory: reading an inventory file into the [`Inventory`] model.
//!
//! Takes a path, produces a [`Loaded`] inventory (the model plus the file's text, kept so
//! diagnostics can quote the offending line). Syntax and type errors come back as a
//! [`LoadError`] with a line and column. This stage does no semantic checks (that is
//! `validate`) and never prints.

mod anchor;
pub mod backup_share;
mod memory;
mod model;
mod secret;
mod spanned;

use std::path::{Path, PathBuf};

pub use memory::OS_RESERVE_MB;
pub use model::*;
pub use secret::{SecretError, SecretRef, SecretValue};
pub use spanned::{spanned_texts, Loc, Spanned};

/// The largest inventory bisrc reads. Real inventories are a few kilobytes; a 500-cluster
/// inventory is about 2 MB. The bound keeps a runaway file from eating memory.
pub const MAX_INVENTORY_BYTES: u64 = 16 * 1024 * 1024;

/// The text of an inventory file and where it came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (used in messages).
    pub path: PathBuf,
    /// The whole file.
    pub text: String,
}

impl Source {
    /// The text of line `line` (1-based), without its line ending.
    pub fn line(&self, line: u32) -> Option<&str> {
        if line == 0 {
            return None;
        }
        self.text
            .lines()
            .nth((line - 1) as usize)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// An inventory read from a file, with its source text.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file it came from.
    pub source: Source,
    /// The model.
    pub inventory: Inventory,
}

impl Loaded {
    /// The directory holding the inventory file (relative paths in it are taken from here).
    pub fn base_dir(&self) -> PathBuf {
        self.source
            .path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The state directory: `.bisrc/<environment>/` beside the inventory
    /// ([`crate::state::StateDir::of`]).
    pub fn state(&self) -> crate::state::StateDir {
        crate::state::StateDir::of(&self.base_dir(), &self.inventory.environment.value)
    }

    /// The state directory's path ([`Loaded::state`]).
    pub fn state_dir(&self) -> PathBuf {
        self.state().root().to_path_buf()
    }
}

/// What kind of load failure happened (validation maps each kind to a stable code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadErrorKind {
    /// The file could not be read as text: missing, a directory, unreadable, empty, not UTF-8,
    /// binary.
    Read,
    /// The YAML is malformed or does not fit the model (types, unknown or duplicate keys).
    #[default]
    Syntax,
    /// The input exceeds a bound: file size, nesting depth, aliases (a "billion laughs").
    Limit,
}

/// Why an inventory could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    /// The kind of failure.
    pub kind: LoadErrorKind,
    /// The file.
    pub path: PathBuf,
    /// What is wrong, one paragraph, lowercase start.
    pub message: String,
    /// Where, when known.
    pub loc: Option<Loc>,
    /// The source text, when it was read (for the snippet).
    pub text: Option<String>,
    /// Further errors found past this one (see [`further_errors`]), in file order.
    pub more: Vec<LoadError>,
}

impl LoadError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        LoadError {
            kind: LoadErrorKind::Read,
            path: path.to_path_buf(),
            message: message.into(),
            loc: None,
            text: None,
            more: Vec::new(),
        }
    }
}

/// Reads and parses an inventory file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        LoadError::new(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ => format!("cannot read the file: {e}"),
            },
        )
    })?;
    if meta.is_dir() {
        return Err(LoadError::new(
            path,
            "this is a directory; give the path of an inventory file (e.g. inventories/lab.yaml)",
        ));
    }
    if meta.len() > MAX_INVENTORY_BYTES {
        return Err(LoadError {
            kind: LoadErrorKind::Limit,
            ..LoadError::new(
                path,
                format!(
                    "the file is {} bytes; an inventory may be at most {} bytes (16 MiB)",
                    meta.len(),
                    MAX_INVENTORY_BYTES
                ),
            )
        });
    }
    let bytes = read_bounded(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        LoadError::new(
            path,
            format!(
                "the file is not valid UTF-8 (first bad byte at offset {}); inventories are UTF-8 YAML",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    parse(path, text)
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| LoadError::new(path, format!("cannot open the file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_INVENTORY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::new(path, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_INVENTORY_BYTES {
        return Err(LoadError {
            kind: LoadErrorKind::Limit,
            ..LoadError::new(
                path,
                format!("the file is larger than {MAX_INVENTORY_BYTES} bytes (16 MiB)"),
            )
        });
    }
    Ok(bytes)
}

/// Parses inventory text (already read) that came from `path`.
pub fn parse(path: &Path, text: String) -> Result<Loaded, LoadError> {
    if text.trim().is_empty() {
        return Err(LoadError::new(
            path,
            "the file is empty; an inventory starts with `version: 1` (run `bisrc init` for a starter)",
        ));
    }
    if text.contains('\0') {
        return Err(LoadError::new(
            path,
            "the file contains NUL bytes; it looks binary, not YAML",
        ));
    }
    match serde_saphyr::from_str_with_options::<Inventory>(&text, parse_options()) {
        Ok(inventory) => {
            let mut loaded = Loaded {
                source: Source {
                    path: path.to_path_buf(),
                    text,
                },
                inventory,
            };
            let base = loaded.base_dir();
            if base != Path::new(".") {
                anchor::anchor_secret_files(&mut loaded.inventory, &base);
            }
            Ok(loaded)
        }
        Err(e) => {
            let loc = e.location().map(|l| Loc {
                line: u32::try_from(l.line()).unwrap_or(u32::MAX),
                col: u32::try_from(l.column()).unwrap_or(u32::MAX),
            });
            let kind = match e {
                serde_saphyr::Error::Budget { .. }
                | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
                | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
                | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
                | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => LoadErrorKind::Limit,
                // wrapped errors: fall back on the text
                _ if e.to_string().contains("limit exceeded")
                    || e.to_string().contains("budget") =>
                {
                    LoadErrorKind::Limit
                }
                _ => LoadErrorKind::Syntax,
            };
            let message = one_paragraph(&e.to_string());
            let loc = loc.filter(|l| l.is_known());
            // The scanner reports a tab at the token before it; point at the tab itself.
            let loc = if message.contains("found a tab") {
                loc.and_then(|l| first_tab_from(&text, l)).or(loc)
            } else {
                loc
            };
            let more = if kind == LoadErrorKind::Syntax {
                further_errors(&text, &message, loc)
            } else {
                Vec::new()
            };
            Err(LoadError {
                kind,
                path: path.to_path_buf(),
                message,
                loc,
                text: Some(text),
                more: more
                    .into_iter()
                    .map(|(loc, message)| LoadError {
                        kind: LoadErrorKind::Syntax,
                        path: path.to_path_buf(),
                        message,
                        loc: Some(loc),
                        text: None,
                        more: Vec::new(),
                    })
                    .collect(),
            })
        }
    }
}

/// The first tab character at or after `from` (1-based line and column, columns counted in
/// characters).
fn first_tab_from(text: &str, from: Loc) -> Option<Loc> {
    for (i, line) in text
        .lines()
        .enumerate()
        .skip(from.line.saturating_sub(1) as usize)
    {
        let skip = if i + 1 == from.line as usize {
            from.col.saturating_sub(1) as usize
        } else {
            0
        };
        if let Some(col) = line.chars().skip(skip).position(|c| c == '\t') {
            return Some(Loc {
                line: u32::try_from(i + 1).ok()?,
                col: u32::try_from(skip + col + 1).ok()?,
            });
        }
    }
    None
}

/// Levenshtein distance of two short strings, case-insensitive (names and keys are at most a
/// few dozen characters, so the quadratic table is tiny).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// For "unknown field `X`, expected one of a, b": `X` and the expected key closest to it
/// (within a third of its length).
fn misspelled_key(message: &str) -> Option<(String, String)> {
    let unknown = message.split('`').nth(1)?;
    let (_, list) = message.split_once("expected ")?;
    let list = list.strip_prefix("one of ").unwrap_or(list);
    let limit = (unknown.chars().count() / 3).max(1);
    list.split(", ")
        .flat_map(|p| p.split(" or "))
        .map(|k| k.trim().trim_matches('`'))
        .filter(|k| !k.is_empty())
        .map(|k| (edit_distance(unknown, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, k.to_string()))
        .map(|(_, k)| (unknown.to_string(), k.to_string()))
}

/// A valid value to read in place of a wrong scalar, for the messages that allow one: any
/// number for "invalid u32" (and the other integer types), the closest (else the first)
/// expected value for "unknown variant `x`, expected one of a, b".
fn stand_in_for(message: &str) -> Option<String> {
    let m = message.trim();
    if let Some(ty) = m.strip_prefix("invalid ") {
        let int = [
            "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize",
        ];
        return int.contains(&ty).then(|| "1".to_string());
    }
    if m.starts_with("unknown variant") {
        if let Some((_, closest)) = misspelled_key(m) {
            return Some(closest);
        }
        let (_, list) = m.split_once("expected ")?;
        let list = list.strip_prefix("one of ").unwrap_or(list);
        let first = list.split([',', ' ']).next()?.trim_matches('`');
        return (!first.is_empty()).then(|| first.to_string());
    }
    None
}

/// The schema errors after the first one. The parser stops at the first error; when that
/// error is a misspelled key, the key is read as the one it is closest to (the "did you
/// mean"); when it is a wrong number or enum value, a valid stand-in is read in its place;
/// when it is another unknown or a duplicate key, the key's lines are dropped
/// (replaced by comments, so line numbers stay): either way nothing the model would have used
/// is lost, and parsing again finds the next error. Other errors (a wrong type, a missing key) end the search: guessing past them
/// would invent errors. At most 20 more.
fn further_errors(text: &str, first: &str, loc: Option<Loc>) -> Vec<(Loc, String)> {
    let mut out = Vec::new();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let (mut message, mut loc) = (first.to_string(), loc);
    while out.len() < 20 {
        // A wrong scalar (a number that is not one, an unknown enum value) is read as a valid
        // stand-in, so the errors after it can be found; the stand-in is never reported.
        if let Some((at, stand_in)) = loc.zip(stand_in_for(&message)) {
            let idx = (at.line as usize)
                .checked_sub(1)
                .filter(|i| *i < lines.len());
            let col = (at.col as usize).saturating_sub(1);
            let Some(idx) = idx.filter(|i| lines[*i].is_char_boundary(col.min(lines[*i].len())))
            else {
                break;
            };
            let line = &lines[idx];
            let rest = &line[col.min(line.len())..];
            let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
            let end = rest[..end].find(" #").unwrap_or(end);
            let token_end = col + rest[..end].trim_end().len();
            lines[idx] = format!("{}{stand_in}{}", &line[..col], &line[token_end..]);
            match reparse(&lines, loc) {
                Some((next, m)) => {
                    out.push((next, m.clone()));
                    (message, loc) = (m, Some(next));
                    continue;
                }
                None => break,
            }
        }
        let droppable = message.starts_with("unknown field") || message.contains("duplicate");
        let Some(at) = loc.filter(|_| droppable) else {
            break;
        };
        let Some(first_line) = (at.line as usize)
            .checked_sub(1)
            .filter(|i| *i < lines.len())
        else {
            break;
        };
        if let Some((wrong, right)) = misspelled_key(&message) {
            let line = &lines[first_line];
            let col = (at.col as usize).saturating_sub(1);
            if line
                .get(col..)
                .is_some_and(|rest| rest.starts_with(wrong.as_str()))
            {
                lines[first_line] =
                    format!("{}{right}{}", &line[..col], &line[col + wrong.len()..]);
                match reparse(&lines, loc) {
                    Some((next, m)) => {
                        out.push((next, m.clone()));
                        (message, loc) = (m, Some(next));
                        continue;
                    }
                    None => break,
                }
            }
        }
        // The key's line and the more indented lines of its value.
        let indent = |l: &str| l.len() - l.trim_start().len();
        let key_indent = indent(&lines[first_line]);
        let mut end = first_line + 1;
        while end < lines.len()
            && (lines[end].trim().is_empty() || indent(&lines[end]) > key_indent)
        {
            end += 1;
        }
        for l in &mut lines[first_line..end] {
            *l = "#".to_string();
        }
        match reparse(&lines, loc) {
            Some((next, m)) => {
                out.push((next, m.clone()));
                (message, loc) = (m, Some(next));
            }
            None => break,
        }
    }
    out
}

/// Parses the edited lines again: the next error, unless there is none or it is the same.
fn reparse(lines: &[String], previous: Option<Loc>) -> Option<(Loc, String)> {
    let e = serde_saphyr::from_str_with_options::<Inventory>(&lines.join("\n"), parse_options())
        .err()?;
    let next = e
        .location()
        .map(|l| Loc {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            col: u32::try_from(l.column()).unwrap_or(u32::MAX),
        })
        .filter(|l| l.is_known() && Some(*l) != previous)?;
    Some((next, one_paragraph(&e.to_string())))
}

/// The parser settings: YAML 1.2 booleans only, duplicate keys rejected (the default), no
/// includes (the default), and tight bounds. A real inventory has a few thousand YAML events
/// and no aliases to speak of; a 500-cluster inventory about 200,000 events. The bounds stop
/// an alias bomb ("billion laughs") or a deeply nested file long before memory or time run out.
fn parse_options() -> serde_saphyr::Options {
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = 100_000;
    alias_limits.max_replay_stack_depth = 16;
    alias_limits.max_alias_expansions_per_anchor = 1_000;
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        alias_limits: alias_limits,
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_INVENTORY_BYTES as usize),
            max_events: 4_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 2_000_000,
            max_total_scalar_bytes: MAX_INVENTORY_BYTES as usize,
        },
    }
}

/// Folds a parser message into one paragraph: the text may carry a `-->` location line or a
/// snippet; the location is reported separately, so keep only the prose.
fn one_paragraph(message: &str) -> String {
    let mut out = String::new();
    for line in message.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("-->") || t.starts_with('|') || t.starts_with('=') {
            continue;
        }
        // snippet lines look like "12 | text"
        if t.split_once('|').is_some_and(|(n, _)| {
            !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit())
        }) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    }
    let out = strip_location_suffix(&out);
    // The parser's terse structural messages, in the inventory's terms.
    let out = match out.as_str() {
        "expected mapping start" => {
            "expected a mapping of `key: value` lines here (an inventory starts with `version: 1`)"
                .to_string()
        }
        "expected string scalar" => {
            "expected a single text value here, not a list or mapping".to_string()
        }
        _ => out,
    };
    if out.is_empty() {
        "the YAML could not be read".to_string()
    } else {
        out
    }
}

/// Drops a trailing "at line N, column M (defined at ...)" that the location already carries.
fn strip_location_suffix(s: &str) -> String {
    let mut from = 0;
    while let Some(i) = s[from..].find(" at line ") {
        let at = from + i;
        if s[at + " at line ".len()..].starts_with(|c: char| c.is_ascii_digit()) {
            return s[..at].trim_end().to_string();
        }
        from = at + 1;
    }
    s.trim().to_string()
}

/// Expands a leading `~/` (or a bare `~`) to `$HOME`.
pub fn expand_tilde(path: &Path) -> PathBuf {
    let Some(s) = path.to_str() else {
        return path.to_path_buf();
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (s, home) {
        ("~", Some(h)) => h,
        (s, Some(h)) if s.starts_with("~/") => h.join(&s[2..]),
        _ => path.to_path_buf(),
    }
}

impl Inventory {
    /// Every SQL cluster node of every site, with its site.
    pub fn nodes(&self) -> impl Iterator<Item = (&Site, &Node)> {
        self.sites
            .iter()
            .flat_map(|s| s.nodes.iter().map(move |n| (s, n)))
    }

    /// Every cluster of every site, with its site.
    pub fn clusters(&self) -> impl Iterator<Item = (&Site, &Cluster)> {
        self.sites
            .iter()
            .flat_map(|s| s.clusters.iter().map(move |c| (s, c)))
    }

    /// Every SQL instance of every cluster, with its site and cluster.
    pub fn instances(&self) -> impl Iterator<Item = (&Site, &Cluster, &SqlInstance)> {
        self.clusters()
            .flat_map(|(s, c)| c.sql_instances.iter().map(move |i| (s, c, i)))
    }

    /// The instance with network name `name` (case-insensitive, as Windows compares names).
    pub fn instance(&self, name: &str) -> Option<(&Site, &Cluster, &SqlInstance)> {
        self.instances()
            .find(|(_, _, i)| i.name.eq_ignore_ascii_case(name))
    }

    /// Every availability group of every cluster, with its site and cluster.
    pub fn availability_groups(
        &self,
    ) -> impl Iterator<Item = (&Site, &Cluster, &AvailabilityGroup)> {
        self.clusters()
            .flat_map(|(s, c)| c.availability_groups.iter().map(move |g| (s, c, g)))
    }

    /// The availability group whose listener is named `name` (case-insensitive).
    pub fn listener(&self, name: &str) -> Option<(&Site, &Cluster, &AvailabilityGroup)> {
        self.availability_groups()
            .find(|(_, _, g)| g.listener.name.eq_ignore_ascii_case(name))
    }

    /// The site named `name`.
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The databases hosted on the instance with network name `instance`.
    pub fn databases_on<'a>(&'a self, instance: &'a str) -> impl Iterator<Item = &'a Database> {
        self.databases
            .iter()
            .filter(move |d| d.instance.eq_ignore_ascii_case(instance))
    }

    /// The BizTalk databases an instance holds or will hold: its own, and on a log-shipping
    /// destination (the DR instance) those of its sources, which it holds once recovered
    /// (biztalk-ha.md §5.4). Instance settings that BizTalk needs follow these databases.
    pub fn databases_held_by<'a>(
        &'a self,
        instance: &'a str,
    ) -> impl Iterator<Item = &'a Database> {
        let sources: Vec<&'a str> = self
            .backup
            .log_shipping
            .iter()
            .filter(|l| l.destination.eq_ignore_ascii_case(instance))
            .map(|l| l.source.as_str())
            .collect();
        self.databases.iter().filter(move |d| {
            d.instance.eq_ignore_ascii_case(instance)
                || sources.iter().any(|s| d.instance.eq_ignore_ascii_case(s))
        })
    }

    /// Whether both BAM Analysis Services databases are listed: BizTalk configuration creates
    /// BAMStarSchema and BAMAnalysis only when "Enable Analysis Services for BAM
    /// aggregations" is answered Yes, which needs both (biztalk-ha.md §1.1).
    pub fn has_bam_analysis(&self) -> bool {
        let has = |role| self.databases.iter().any(|d| *d.role == role);
        has(DatabaseRole::BamStarSchema) && has(DatabaseRole::BamAnalysis)
    }

    /// Whether `db` is a SQL Server database the group configuration creates, and so one
    /// bisrc can set recovery options on and log-ship: not an Analysis Services database,
    /// and not BAMStarSchema without BAM Analysis (configuration skips it; BZ079).
    pub fn is_configured_sql_database(&self, db: &Database) -> bool {
        match *db.role {
            r if r.is_analysis_services() => false,
            DatabaseRole::BamStarSchema => self.has_bam_analysis(),
            _ => true,
        }
    }

    /// The master MessageBox: the first database with role `messagebox`.
    pub fn master_messagebox(&self) -> Option<&Database> {
        self.databases
            .iter()
            .find(|d| *d.role == DatabaseRole::Messagebox)
    }
}

impl Site {
    /// The storage entry named `name`.
    pub fn disk(&self, name: &str) -> Option<&Disk> {
        self.storage
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.name.eq_ignore_ascii_case(name))
    }
}

impl SqlInstance {
    /// The preferred owners: as given, or the cluster's node order.
    pub fn owners<'a>(&'a self, cluster: &'a Cluster) -> Vec<&'a str> {
        match &self.preferred_owners {
            Some(o) => o.iter().map(|s| s.as_str()).collect(),
            None => cluster.nodes.iter().map(|s| s.as_str()).collect(),
        }
    }

    /// TCP port (default 1433).
    pub fn tcp_port(&self) -> u16 {
        self.port.as_ref().map_or(1433, |p| **p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_inventories_load() {
        for name in ["lab", "contoso-prod", "scaled-out"] {
            let path = PathBuf::from(format!("inventories/{name}.yaml"));
            let loaded = load(&path).unwrap_or_else(|e| panic!("{name}: {e} at {:?}", e.loc));
            assert!(!loaded.inventory.sites.is_empty());
        }
        let prod = load(Path::new("inventories/contoso-prod.yaml")).unwrap();
        let inv = prod.inventory;
        assert_eq!(inv.sites[1].clusters[0].name.as_str(), "DRSQLCL01");
        // spans point at the value
        assert_eq!(inv.environment.loc, Loc { line: 7, col: 14 }); // line 1 is the schema comment
        assert!(matches!(
            inv.connection.password.as_ref().map(|p| &p.value),
            Some(SecretRef::Env(n)) if n == "BISRC_DEPLOY_PASSWORD"
        ));
    }

    #[test]
    fn literal_password_is_kept_as_literal_marker_only() {
        let text = std::fs::read_to_string("inventories/lab.yaml")
            .unwrap()
            .replace(
                "engine: { user: LAB\\gmsa-sqlbts$ }",
                "engine: { user: LAB\\svc, password: hunter2 }",
            );
        let loaded = parse(Path::new("x.yaml"), text).unwrap();
        let (_, _, i) = loaded.inventory.instances().next().unwrap();
        let pw = i.service_accounts.engine.password.as_ref().unwrap();
        assert_eq!(pw.value, SecretRef::Literal);
        assert!(!format!("{:?}", loaded.inventory).contains("hunter2"));
    }

    #[test]
    fn a_relative_secret_file_is_read_from_the_inventory_folder() {
        let lab = load(Path::new("inventories/lab.yaml")).unwrap();
        let sso = lab.inventory.biztalk.sso.as_ref().unwrap();
        assert_eq!(
            sso.backup_password.value,
            SecretRef::File(PathBuf::from("inventories/lab-sso-backup.pw"))
        );
        assert!(sso.backup_password.value.resolve().is_ok());
        // absolute and home paths stay as written; a file beside a bare name stays relative
        let text = std::fs::read_to_string("inventories/lab.yaml")
            .unwrap()
            .replace("{ file: lab-sso-backup.pw }", "{ file: ~/pw }");
        let other = parse(Path::new("some/dir/x.yaml"), text.clone()).unwrap();
        let pw = &other
            .inventory
            .biztalk
            .sso
            .as_ref()
            .unwrap()
            .backup_password;
        assert_eq!(pw.value, SecretRef::File(PathBuf::from("~/pw")));
        let text = text.replace("{ file: ~/pw }", "{ file: pw }");
        let bare = parse(Path::new("x.yaml"), text).unwrap();
        let pw = &bare.inventory.biztalk.sso.as_ref().unwrap().backup_password;
        assert_eq!(pw.value, SecretRef::File(PathBuf::from("pw")));
    }
}
