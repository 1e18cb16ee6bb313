//! Validate: the rule catalogue. Takes a [`Loaded`] inventory and returns every
//! [`Diagnostic`] of the run (errors and warnings, sorted by location), each with a stable
//! code, the location of the offending value and a hint. Offline and pure: no I/O, never
//! prints, never formats a location (that is `ui::diagnostic`), never echoes a secret.
//!
//! One file per rule family; every rule is listed once in [`RULES`], documented in
//! `docs/rules.md` and triggered by a test in `tests/it/validate.rs`. Rules index the
//! inventory once ([`index::Index`]) and use hash maps, so a run is O(n log n) in the size of
//! the inventory.

mod accounts;
mod addresses;
mod availability;
mod backup;
mod biztalk;
mod cluster;
pub mod diagnostic;
mod index;
mod load;
mod memory;
mod misc;
mod names;
mod references;
mod roles;
mod storage;
mod uniqueness;
mod unsupported;

pub use diagnostic::{Diagnostic, Related, Rule, Severity};
pub use load::{load_diagnostic, load_diagnostics};

use crate::inventory::Loaded;
use Severity::{Error, Warning};

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> Rule {
    Rule {
        code,
        severity,
        summary,
    }
}

// ---- load (the file itself) ----
/// YAML syntax or type error (wrong type, unknown or duplicate key, YAML 1.1 boolean).
pub const BZ001: Rule = rule(
    "BZ001",
    Error,
    "the YAML is malformed or does not fit the inventory model",
);
/// The file cannot be read as an inventory.
pub const BZ002: Rule = rule(
    "BZ002",
    Error,
    "the file cannot be read: missing, a directory, empty, binary or not UTF-8",
);
/// An input bound was exceeded.
pub const BZ003: Rule = rule(
    "BZ003",
    Error,
    "the input exceeds a bound: size, nesting depth or alias expansion",
);
/// A text value holds a control character.
pub const BZ007: Rule = rule(
    "BZ007",
    Error,
    "a text value holds a control character (a line break, a tab, NUL)",
);
/// A name, account or path holds a double quote.
pub const BZ008: Rule = rule(
    "BZ008",
    Error,
    "a name, account or path holds a double quote",
);
// ---- misc ----
/// Inventory format version.
pub const BZ005: Rule = rule("BZ005", Error, "`version` must be 1");
/// Environment name.
pub const BZ006: Rule = rule(
    "BZ006",
    Error,
    "`environment` must be a name of letters, digits, `.`, `_` and `-`",
);
// ---- references ----
/// Cluster node reference.
pub const BZ010: Rule = rule(
    "BZ010",
    Error,
    "a cluster node must be a node of the cluster's site",
);
/// Instance disk reference.
pub const BZ011: Rule = rule(
    "BZ011",
    Error,
    "an instance disk must be a storage entry of its site",
);
/// Quorum disk reference.
pub const BZ012: Rule = rule(
    "BZ012",
    Error,
    "the quorum witness disk must be a storage entry of its site",
);
/// DTC disk reference.
pub const BZ013: Rule = rule(
    "BZ013",
    Error,
    "the DTC disk must be a storage entry of its site",
);
/// SSO disk reference.
pub const BZ014: Rule = rule(
    "BZ014",
    Error,
    "the SSO master secret disk must be a storage entry of its site",
);
/// Database instance reference.
pub const BZ015: Rule = rule(
    "BZ015",
    Error,
    "a database's instance must be the network name of a SQL instance",
);
/// Log-shipping instance reference.
pub const BZ016: Rule = rule(
    "BZ016",
    Error,
    "log-shipping source and destination must be SQL instances",
);
/// Preferred owner reference.
pub const BZ017: Rule = rule(
    "BZ017",
    Error,
    "a preferred owner must be a node of the instance's cluster",
);
/// Database on a computer that is not a clustered instance.
pub const BZ018: Rule = rule(
    "BZ018",
    Error,
    "every BizTalk database must be on a clustered SQL instance, not on a node or server",
);
// ---- uniqueness ----
/// Computer name reused.
pub const BZ020: Rule = rule(
    "BZ020",
    Error,
    "computer names (nodes, clusters, FCIs, DTC, SSO, BizTalk servers) are unique",
);
/// Site name reused.
pub const BZ021: Rule = rule("BZ021", Error, "site names are unique");
/// Storage name reused.
pub const BZ022: Rule = rule("BZ022", Error, "storage names are unique within a site");
/// Database name reused on an instance.
pub const BZ023: Rule = rule("BZ023", Error, "database names are unique per SQL instance");
/// IP address reused.
pub const BZ024: Rule = rule(
    "BZ024",
    Error,
    "IP addresses are unique across the inventory",
);
/// Disk number reused.
pub const BZ025: Rule = rule("BZ025", Error, "disk numbers are unique within a site");
/// Drive letter reused.
pub const BZ026: Rule = rule("BZ026", Error, "drive letters are unique within a site");
/// Disk owned by two roles.
pub const BZ027: Rule = rule(
    "BZ027",
    Error,
    "a disk belongs to one role only (quorum, DTC, SSO or one instance)",
);
/// SQL instance name reused on a cluster.
pub const BZ028: Rule = rule(
    "BZ028",
    Error,
    "SQL instance names are unique within a cluster",
);
// ---- names ----
/// NetBIOS computer name.
pub const BZ030: Rule = rule(
    "BZ030",
    Error,
    "computer names follow NetBIOS rules: 1-15 of A-Z a-z 0-9 -, not all digits, no leading -",
);
/// SQL instance name.
pub const BZ031: Rule = rule(
    "BZ031",
    Error,
    "a SQL instance name is 1-16 letters, digits, `_` or `$`, starting with a letter",
);
// ---- addresses ----
/// IPv4 address syntax.
pub const BZ040: Rule = rule("BZ040", Error, "IP addresses are IPv4 dotted quads");
/// Subnet syntax.
pub const BZ041: Rule = rule(
    "BZ041",
    Error,
    "subnets are IPv4 CIDR with no host bits set",
);
/// Clustered IP placement.
pub const BZ042: Rule = rule(
    "BZ042",
    Error,
    "a clustered IP (cluster, DTC, SSO, FCI) lies in a cluster_and_client network of its site",
);
/// Node IP placement.
pub const BZ043: Rule = rule(
    "BZ043",
    Error,
    "a node IP lies in one of its site's networks",
);
/// Network or broadcast address.
pub const BZ044: Rule = rule(
    "BZ044",
    Error,
    "an address is neither the network nor the broadcast address of its subnet",
);
// ---- storage and paths ----
/// Drive path syntax.
pub const BZ050: Rule = rule("BZ050", Error, "an instance path is a drive path `X:\\...`");
/// Path on the instance's disks.
pub const BZ051: Rule = rule(
    "BZ051",
    Error,
    "data, log, tempdb and backup paths are on one of the instance's disks",
);
/// tempdb on local disk.
pub const BZ052: Rule = rule(
    "BZ052",
    Warning,
    "tempdb on a local drive must exist on every node",
);
/// Data and log on one disk.
pub const BZ053: Rule = rule("BZ053", Warning, "data and log files are on separate disks");
/// Allocation unit.
pub const BZ054: Rule = rule(
    "BZ054",
    Warning,
    "data and log disks are formatted with a 64 KB allocation unit",
);
/// Drive letter syntax.
pub const BZ055: Rule = rule("BZ055", Error, "a drive letter is a single letter A-Z");
// ---- cluster shape ----
/// Node count.
pub const BZ060: Rule = rule("BZ060", Error, "a cluster has at least two nodes");
/// Two nodes without witness.
pub const BZ061: Rule = rule("BZ061", Error, "a two-node cluster needs a witness");
/// Standard edition owners.
pub const BZ062: Rule = rule(
    "BZ062",
    Error,
    "a Standard edition FCI has at most two possible owners",
);
/// File share witness path.
pub const BZ063: Rule = rule("BZ063", Error, "a file share witness has a UNC `path`");
/// Cloud witness fields.
pub const BZ064: Rule = rule(
    "BZ064",
    Error,
    "a cloud witness has `account` and an `access_key` secret reference",
);
/// Disk witness field.
pub const BZ065: Rule = rule("BZ065", Error, "a disk witness has `disk`");
/// Field of another witness kind.
pub const BZ066: Rule = rule("BZ066", Error, "quorum fields belong to the witness kind");
// ---- BizTalk ----
/// BizTalk version.
pub const BZ070: Rule = rule("BZ070", Error, "the BizTalk version is 2016 or 2020");
/// Required database missing.
pub const BZ071: Rule = rule(
    "BZ071",
    Error,
    "the management, messagebox, tracking and sso databases are present",
);
/// Single-instance database repeated.
pub const BZ072: Rule = rule(
    "BZ072",
    Error,
    "every database role but messagebox appears at most once",
);
/// publishing on a non-MessageBox.
pub const BZ073: Rule = rule(
    "BZ073",
    Error,
    "`publishing` is allowed only on a messagebox database",
);
/// No publishing MessageBox.
pub const BZ074: Rule = rule(
    "BZ074",
    Error,
    "at least one MessageBox publishes; a lone master must publish",
);
/// Two MessageBoxes.
pub const BZ075: Rule = rule(
    "BZ075",
    Warning,
    "scale the MessageBox from one to three, not two",
);
/// SQL version unsupported by BizTalk.
pub const BZ076: Rule = rule(
    "BZ076",
    Error,
    "the SQL Server version is supported by the BizTalk version",
);
/// SQL version unknown.
pub const BZ077: Rule = rule(
    "BZ077",
    Error,
    "the SQL Server version is one of 2014, 2016, 2017, 2019, 2022",
);
/// BizTalk group form.
pub const BZ078: Rule = rule(
    "BZ078",
    Error,
    "BizTalk groups are `NETBIOS\\name` in the inventory's domain",
);
/// BAM Star Schema / BAM Analysis without the other: configuration creates neither.
pub const BZ079: Rule = rule(
    "BZ079",
    Warning,
    "`bam_star_schema` and `bam_analysis` come together (Analysis Services for BAM)",
);
// ---- accounts and secrets ----
/// Literal secret.
pub const BZ080: Rule = rule(
    "BZ080",
    Error,
    "a secret is a reference {env: NAME} or {file: PATH}, never a literal",
);
/// Account form.
pub const BZ081: Rule = rule("BZ081", Error, "accounts are `NETBIOS\\name`");
/// gMSA with password.
pub const BZ082: Rule = rule(
    "BZ082",
    Error,
    "a group managed service account has no password",
);
/// Service account without password.
pub const BZ083: Rule = rule(
    "BZ083",
    Error,
    "a service account that is not a gMSA has a password reference",
);
/// Account of another domain.
pub const BZ084: Rule = rule("BZ084", Warning, "accounts are in the inventory's domain");
// ---- backup and DR ----
/// Backup hour.
pub const BZ090: Rule = rule("BZ090", Error, "`backup_hour` is 0-23");
/// Days to keep.
pub const BZ091: Rule = rule("BZ091", Error, "`days_to_keep` is at least 1");
/// Backup destination.
pub const BZ092: Rule = rule(
    "BZ092",
    Error,
    "the backup destination is a UNC path or a drive path",
);
/// Source equals destination.
pub const BZ093: Rule = rule(
    "BZ093",
    Error,
    "a log-shipping source and destination differ",
);
/// Version mismatch.
pub const BZ094: Rule = rule(
    "BZ094",
    Error,
    "a log-shipping destination runs the same SQL Server version as its source",
);
/// Path mismatch.
pub const BZ095: Rule = rule(
    "BZ095",
    Error,
    "a log-shipping destination has the same data and log paths as its source",
);
/// Same site.
pub const BZ096: Rule = rule("BZ096", Warning, "log shipping goes to another site");
// ---- instance settings and connection ----
/// Memory.
pub const BZ100: Rule = rule("BZ100", Error, "`max_server_memory_mb` is at least 1024");
/// tempdb files.
pub const BZ101: Rule = rule("BZ101", Error, "`tempdb_files` is 1 to 8");
/// ssh user.
pub const BZ102: Rule = rule("BZ102", Error, "the ssh transport needs `connection.user`");
/// ssh auth.
pub const BZ103: Rule = rule(
    "BZ103",
    Error,
    "the ssh transport needs an authentication method",
);
/// Double hop.
pub const BZ104: Rule = rule(
    "BZ104",
    Warning,
    "without a password, steps that need network credentials fail (double hop)",
);
/// UNC media with key-only auth.
pub const BZ105: Rule = rule(
    "BZ105",
    Warning,
    "UNC setup media need network credentials (double hop)",
);
// ---- BizTalk group configuration accounts ----
/// SSO database without `biztalk.sso`.
pub const BZ106: Rule = rule(
    "BZ106",
    Error,
    "an `sso` database needs `biztalk.sso` (the ENTSSO service account and the master secret backup)",
);
/// SSO master secret backup file.
pub const BZ107: Rule = rule(
    "BZ107",
    Error,
    "the SSO master secret backup file is a drive path on the BizTalk server",
);
/// Rule engine database without its service account.
pub const BZ108: Rule = rule(
    "BZ108",
    Error,
    "a `rule_engine` database needs `biztalk.rule_engine_account`",
);
/// A clustered master secret server without an SSO database.
pub const BZ110: Rule = rule(
    "BZ110",
    Error,
    "a clustered SSO master secret server needs an `sso` database",
);
/// More than one clustered master secret server.
pub const BZ111: Rule = rule(
    "BZ111",
    Error,
    "a BizTalk group has one SSO master secret server",
);
// ---- memory of the instances that can share a node (issue 9 #10) ----
/// Min above max.
pub const BZ120: Rule = rule(
    "BZ120",
    Error,
    "`min_server_memory_mb` is not above `max_server_memory_mb`",
);
/// The instances that can land on one node fit in its memory together.
pub const BZ121: Rule = rule(
    "BZ121",
    Error,
    "the instances that can run on one node fit in its memory together (their min server memory)",
);
/// One instance fits on each of its nodes.
pub const BZ122: Rule = rule(
    "BZ122",
    Error,
    "an instance's `max_server_memory_mb` fits in the memory of each node that can own it",
);
/// DTC role owners.
pub const BZ123: Rule = rule(
    "BZ123",
    Error,
    "a DTC role's `preferred_owners` are nodes of its cluster",
);
/// SSO role owners.
pub const BZ124: Rule = rule(
    "BZ124",
    Error,
    "an SSO master secret server role's `preferred_owners` are nodes of its cluster",
);
// ---- availability groups ----
/// An availability group runs SQL Server 2016 or later (distributed transactions).
pub const BZ160: Rule = rule(
    "BZ160",
    Error,
    "an availability group runs SQL Server 2016 or later (distributed transactions)",
);
/// An availability group on SQL Server 2016 needs SP2 CU7 or later.
pub const BZ161: Rule = rule(
    "BZ161",
    Warning,
    "an availability group on SQL Server 2016 needs SP2 CU7 or later",
);
/// Availability replicas use synchronous commit (BizTalk supports no other).
pub const BZ162: Rule = rule(
    "BZ162",
    Error,
    "availability replicas use synchronous commit (BizTalk supports no other)",
);
/// An availability group has per-database DTC support (`dtc_support: per_db`).
pub const BZ163: Rule = rule(
    "BZ163",
    Error,
    "an availability group has per-database DTC support (`dtc_support: per_db`)",
);
/// A replica is on a node of the group's cluster, one replica per node.
pub const BZ164: Rule = rule(
    "BZ164",
    Error,
    "a replica is on a node of the group's cluster, one replica per node",
);
/// An availability group has at least two replicas with automatic failover.
pub const BZ165: Rule = rule(
    "BZ165",
    Warning,
    "an availability group has at least two replicas with automatic failover",
);
/// An availability group has 2 to 3 (SQL 2016/2017) or 5 (SQL 2019+) synchronous replicas.
pub const BZ166: Rule = rule(
    "BZ166",
    Error,
    "an availability group has 2 to 3 (SQL 2016/2017) or 5 (SQL 2019+) synchronous replicas",
);
/// A Standard edition (Basic) availability group has two replicas and one database.
pub const BZ167: Rule = rule(
    "BZ167",
    Error,
    "a Standard edition (Basic) availability group has two replicas and one database",
);
/// BAMArchive and Analysis Services databases are not in an availability group.
pub const BZ168: Rule = rule(
    "BZ168",
    Error,
    "BAMArchive and Analysis Services databases are not in an availability group",
);
/// When BizTalk databases are in availability groups, every MessageBox is.
pub const BZ169: Rule = rule(
    "BZ169",
    Error,
    "when BizTalk databases are in availability groups, every MessageBox is",
);
/// A listener on a port other than 1433 needs a SQL alias on every BizTalk server.
pub const BZ170: Rule = rule(
    "BZ170",
    Warning,
    "a listener on a port other than 1433 needs a SQL alias on every BizTalk server",
);
/// A listener stays in one subnet (BizTalk does not set MultiSubnetFailover).
pub const BZ171: Rule = rule(
    "BZ171",
    Warning,
    "a listener stays in one subnet (BizTalk does not set MultiSubnetFailover)",
);
/// An availability group holds at least one database (a database names its listener).
pub const BZ172: Rule = rule(
    "BZ172",
    Warning,
    "an availability group holds at least one database (a database names its listener)",
);
/// With availability groups the backup destination is a UNC share.
pub const BZ173: Rule = rule(
    "BZ173",
    Warning,
    "with availability groups the backup destination is a UNC share",
);
/// Availability group names are unique.
pub const BZ174: Rule = rule("BZ174", Error, "availability group names are unique");
/// A replica's instance name is not also an FCI instance on the same node.
pub const BZ175: Rule = rule(
    "BZ175",
    Error,
    "a replica's instance name is not also an FCI instance on the same node",
);

/// The backup relies on VSS, which BizTalk does not support.
pub const BZ176: Rule = rule(
    "BZ176",
    Warning,
    "the BizTalk databases are not backed up with VSS (`backup.method: vss`)",
);
/// bisrc seeds availability databases automatically only.
pub const BZ177: Rule = rule(
    "BZ177",
    Warning,
    "an availability group holding BizTalk databases uses automatic seeding (bisrc builds no manual seeding)",
);
/// Beside availability groups, a database on an FCI gets the group configuration only.
pub const BZ178: Rule = rule(
    "BZ178",
    Warning,
    "beside availability groups, bisrc builds no settings or jobs for a database on an FCI",
);

/// The catalogue: every rule, once, in code order.
pub const RULES: &[Rule] = &[
    BZ001, BZ002, BZ003, BZ005, BZ006, BZ007, BZ008, BZ010, BZ011, BZ012, BZ013, BZ014, BZ015,
    BZ016, BZ017, BZ018, BZ020, BZ021, BZ022, BZ023, BZ024, BZ025, BZ026, BZ027, BZ028, BZ030,
    BZ031, BZ040, BZ041, BZ042, BZ043, BZ044, BZ050, BZ051, BZ052, BZ053, BZ054, BZ055, BZ060,
    BZ061, BZ062, BZ063, BZ064, BZ065, BZ066, BZ070, BZ071, BZ072, BZ073, BZ074, BZ075, BZ076,
    BZ077, BZ078, BZ079, BZ080, BZ081, BZ082, BZ083, BZ084, BZ090, BZ091, BZ092, BZ093, BZ094,
    BZ095, BZ096, BZ100, BZ101, BZ102, BZ103, BZ104, BZ105, BZ106, BZ107, BZ108, BZ110, BZ111,
    BZ120, BZ121, BZ122, BZ123, BZ124, BZ160, BZ161, BZ162, BZ163, BZ164, BZ165, BZ166, BZ167,
    BZ168, BZ169, BZ170, BZ171, BZ172, BZ173, BZ174, BZ175, BZ176, BZ177, BZ178,
];

/// The catalogue entry of `code`.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// Runs every rule; returns all diagnostics sorted by location, then code.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let inv = &loaded.inventory;
    let idx = index::Index::build(inv);
    let mut out = Vec::new();
    misc::check(inv, &mut out);
    misc::control_characters(inv, &mut out);
    references::check(inv, &idx, &mut out);
    uniqueness::check(inv, &idx, &mut out);
    names::check(inv, &mut out);
    addresses::check(inv, &mut out);
    storage::check(inv, &idx, &mut out);
    cluster::check(inv, &idx, &mut out);
    biztalk::check(inv, &idx, &mut out);
    accounts::check(inv, &mut out);
    backup::check(inv, &idx, &mut out);
    memory::check(inv, &mut out);
    roles::check(inv, &mut out);
    availability::check(inv, &idx, &mut out);
    unsupported::check(inv, &mut out);
    out.sort_by(|a, b| (a.loc, a.code, &a.message).cmp(&(b.loc, b.code, &b.message)));
    out.dedup();
    out
}

/// For commands that act on an inventory: `Ok(warnings)` when it is valid, `Err(all)` (errors
/// and warnings) when it has at least one error.
pub fn check(loaded: &Loaded) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let all = validate(loaded);
    if all.iter().any(Diagnostic::is_error) {
        Err(all)
    } else {
        Ok(all)
    }
}

/// Levenshtein distance, case-insensitive (defined with the loader, which also suggests keys).
pub(crate) use crate::inventory::edit_distance;

/// "did you mean `X`?" for the closest candidate within a third of the name's length.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// The closest file name to `name` (a typo), within a third of its length.
pub fn did_you_mean_file<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.to_string()))
        .map(|(_, c)| c)
}

/// A hint for an unresolved reference: "did you mean" or the list of known names.
pub(crate) fn reference_hint<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(d) = did_you_mean(name, candidates.clone()) {
        return d;
    }
    let mut known: Vec<&str> = candidates.into_iter().collect();
    known.sort_unstable();
    match known.len() {
        0 => format!("no {what} is defined"),
        n if n <= 8 => format!("known {what}s: {}", known.join(", ")),
        n => format!("known {what}s: {}, ... ({n} in all)", known[..8].join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        for w in RULES.windows(2) {
            assert!(w[0].code < w[1].code, "{} then {}", w[0].code, w[1].code);
        }
    }

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(edit_distance("SQLN01", "sqln01"), 0);
        assert_eq!(edit_distance("SQLN0l", "SQLN01"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            did_you_mean("SQLDta", ["SQLData", "SQLLog"]).as_deref(),
            Some("did you mean `SQLData`?")
        );
        assert_eq!(did_you_mean("Backup", ["SQLData", "SQLLog"]), None);
    }
}
