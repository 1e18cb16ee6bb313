//! Plan files (`plan -o FILE`, `apply FILE`; `destroy -o FILE`, `destroy FILE`): a plan plus
//! the hashes of what it was made from (inventory text, templates) and, per resource, the
//! fingerprint of the observed state it relied on. One generic file, [`PlanFile`], serves
//! every kind of plan ([`Planned`]: an apply [`Plan`], a destroy plan); each kind has its own
//! version key, so each refuses the other's file. It takes a plan and produces a file
//! written atomically (temp + rename); when the plan is carried out it tells exactly why a
//! saved plan is stale. A plan file holds no secret value.

use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::plan::Plan;
use crate::state::write_atomic;

/// Version of the (apply) plan file layout.
pub const PLANFILE_VERSION: u32 = 1;

/// A kind of plan a plan file can hold.
pub trait Planned: Serialize + DeserializeOwned {
    /// The key of the file's version (`planfile_version`, `destroy_plan_version`): a file of
    /// another kind lacks it and is refused.
    const VERSION_KEY: &'static str;
    /// The version of the layout this bisrc reads and writes.
    const VERSION: u32;
    /// What the file is called in messages: `plan`, `destroy plan`.
    const NAME: &'static str;
    /// The verb that writes it (`bisrc VERB -o FILE`): `plan`, `destroy`.
    const VERB: &'static str;
    /// Each resource of the plan: its address, the action proposed and the fingerprint of
    /// the observed state it relied on.
    fn entries(&self) -> Vec<(&str, &'static str, Option<&str>)>;
}

impl Planned for Plan {
    const VERSION_KEY: &'static str = "planfile_version";
    const VERSION: u32 = PLANFILE_VERSION;
    const NAME: &'static str = "plan";
    const VERB: &'static str = "plan";
    fn entries(&self) -> Vec<(&str, &'static str, Option<&str>)> {
        self.changes
            .iter()
            .map(|c| {
                (
                    c.address.as_str(),
                    c.action.as_str(),
                    c.fingerprint.as_deref(),
                )
            })
            .collect()
    }
}

/// What `plan -o` (or `destroy -o`) writes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFile<P = Plan> {
    /// [`Planned::VERSION`], under the key [`Planned::VERSION_KEY`].
    pub version: u32,
    /// bisrc version that wrote it.
    pub bisrc_version: String,
    /// SHA-256 of the inventory file's text.
    pub inventory_hash: String,
    /// `Renderer::fingerprint()` of the templates in use.
    pub template_hash: String,
    /// The plan (each change carries its observed-state fingerprint).
    pub plan: P,
}

impl<P: Planned> PlanFile<P> {
    /// Wraps a plan.
    pub fn new(plan: P, inventory_hash: String, template_hash: String) -> PlanFile<P> {
        PlanFile {
            version: P::VERSION,
            bisrc_version: env!("CARGO_PKG_VERSION").to_string(),
            inventory_hash,
            template_hash,
            plan,
        }
    }

    /// Writes the file atomically (a temp file beside it, then rename).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        write_atomic(path, text.as_bytes())?;
        Ok(())
    }

    /// Reads a plan file of this kind (a file of another kind is refused).
    pub fn read(path: &Path) -> anyhow::Result<PlanFile<P>> {
        let (name, verb) = (P::NAME, P::VERB);
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {name} file {}: {e}", path.display()))?;
        let pf: PlanFile<P> = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a bisrc {name} file: {e}; make one with `bisrc {verb} -o FILE`",
                path.display()
            )
        })?;
        if pf.version != P::VERSION {
            anyhow::bail!(
                "{} is {name} file version {}, this bisrc reads version {}; run `bisrc {verb} -o FILE` again",
                path.display(),
                pf.version,
                P::VERSION
            );
        }
        Ok(pf)
    }

    /// Refuses a plan made from another inventory or other templates.
    pub fn check_sources(&self, inventory_hash: &str, template_hash: &str) -> Result<(), String> {
        let (name, verb) = (P::NAME, P::VERB);
        if self.inventory_hash != inventory_hash {
            return Err(format!(
                "the {name} is stale: {name} was made from another inventory (its hash differs from \
                 this inventory's); run `bisrc {verb} -o FILE` again with this inventory"
            ));
        }
        if self.template_hash != template_hash {
            return Err(format!(
                "the {name} is stale: the templates changed since the {name} was made (template hash \
                 differs); run `bisrc {verb} -o FILE` again"
            ));
        }
        Ok(())
    }

    /// Refuses the plan when a fresh probe does not give the same observed states, naming
    /// each resource that changed.
    pub fn check_fresh(&self, fresh: &P) -> Result<(), String> {
        let saved = self.plan.entries();
        let fresh = fresh.entries();
        let find = |list: &[(&str, &'static str, Option<&str>)], address: &str| {
            list.iter().position(|e| e.0 == address)
        };
        let mut changed = Vec::new();
        for (address, action, fingerprint) in &saved {
            match find(&fresh, address).map(|i| fresh[i]) {
                None => changed.push(format!("{address} (no longer in the inventory selection)")),
                Some((_, now, _)) if now != *action => {
                    changed.push(format!("{address} (was {action}, now {now})"))
                }
                Some((_, _, f)) if f != *fingerprint => {
                    changed.push(format!("{address} (observed state changed)"))
                }
                Some(_) => {}
            }
        }
        for (address, _, _) in &fresh {
            if find(&saved, address).is_none() {
                changed.push(format!("{address} (not in the saved plan)"));
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        // Name the first few; a plan that was already carried out would otherwise list every
        // resource on one line.
        const SHOWN: usize = 8;
        let mut named = changed
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if changed.len() > SHOWN {
            named.push_str(&format!(" and {} more", changed.len() - SHOWN));
        }
        Err(format!(
            "the {} is stale: the environment changed since it was made ({} resources): {named}; run `bisrc {} -o FILE` again",
            P::NAME,
            changed.len(),
            P::VERB
        ))
    }
}

// The layout, by hand only because the version's key depends on the kind of plan: the same
// fields, in the same order, with the same errors as a derived implementation.
const BISRC_VERSION: &str = "bisrc_version";
const INVENTORY_HASH: &str = "inventory_hash";
const TEMPLATE_HASH: &str = "template_hash";
const PLAN: &str = "plan";

impl<P: Planned> Serialize for PlanFile<P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("PlanFile", 5)?;
        s.serialize_field(P::VERSION_KEY, &self.version)?;
        s.serialize_field(BISRC_VERSION, &self.bisrc_version)?;
        s.serialize_field(INVENTORY_HASH, &self.inventory_hash)?;
        s.serialize_field(TEMPLATE_HASH, &self.template_hash)?;
        s.serialize_field(PLAN, &self.plan)?;
        s.end()
    }
}

impl<'de, P: Planned> Deserialize<'de> for PlanFile<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FileVisitor::<P>(PhantomData))
    }
}

struct FileVisitor<P>(PhantomData<P>);

/// Sets a field once ("duplicate field" otherwise, as derived implementations say).
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de, P: Planned> Visitor<'de> for FileVisitor<P> {
    type Value = PlanFile<P>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a bisrc {} file", P::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PlanFile<P>, A::Error> {
        let (mut version, mut bisrc_version, mut inventory_hash) = (None, None, None);
        let (mut template_hash, mut plan) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                k if k == P::VERSION_KEY => once(&mut version, map.next_value()?, P::VERSION_KEY)?,
                BISRC_VERSION => once(&mut bisrc_version, map.next_value()?, BISRC_VERSION)?,
                INVENTORY_HASH => once(&mut inventory_hash, map.next_value()?, INVENTORY_HASH)?,
                TEMPLATE_HASH => once(&mut template_hash, map.next_value()?, TEMPLATE_HASH)?,
                PLAN => once(&mut plan, map.next_value::<P>()?, PLAN)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let missing = |key: &'static str| <A::Error as de::Error>::missing_field(key);
        Ok(PlanFile {
            version: version.ok_or_else(|| missing(P::VERSION_KEY))?,
            bisrc_version: bisrc_version.ok_or_else(|| missing(BISRC_VERSION))?,
            inventory_hash: inventory_hash.ok_or_else(|| missing(INVENTORY_HASH))?,
            template_hash: template_hash.ok_or_else(|| missing(TEMPLATE_HASH))?,
            plan: plan.ok_or_else(|| missing(PLAN))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two kinds of plan of the same shape, told apart only by their files' version keys.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Up {
        changes: Vec<(String, String)>,
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Down {
        changes: Vec<(String, String)>,
    }
    impl Planned for Up {
        const VERSION_KEY: &'static str = "up_version";
        const VERSION: u32 = 3;
        const NAME: &'static str = "up plan";
        const VERB: &'static str = "up";
        fn entries(&self) -> Vec<(&str, &'static str, Option<&str>)> {
            let entries = self.changes.iter();
            entries
                .map(|(a, f)| (a.as_str(), "create", Some(f.as_str())))
                .collect()
        }
    }
    impl Planned for Down {
        const VERSION_KEY: &'static str = "down_version";
        const VERSION: u32 = 1;
        const NAME: &'static str = "down plan";
        const VERB: &'static str = "down";
        fn entries(&self) -> Vec<(&str, &'static str, Option<&str>)> {
            Vec::new()
        }
    }

    fn changes(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, f)| (a.to_string(), f.to_string()))
            .collect()
    }

    #[test]
    fn the_file_layout_is_the_derived_one_under_the_kinds_version_key() {
        let pf = PlanFile::new(
            Up {
                changes: changes(&[("a", "1")]),
            },
            "i".into(),
            "t".into(),
        );
        let v = serde_json::to_value(&pf).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "up_version",
                "bisrc_version",
                "inventory_hash",
                "template_hash",
                "plan"
            ]
        );
        assert_eq!(v["up_version"], 3);
        let back: PlanFile<Up> = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, pf);
        // Each kind refuses the other's file.
        let e = serde_json::from_value::<PlanFile<Down>>(v.clone()).unwrap_err();
        assert!(
            e.to_string().contains("missing field `down_version`"),
            "{e}"
        );
        let text = serde_json::to_string(&pf).unwrap();
        let dup = text.replacen("{", "{\"inventory_hash\":\"x\",", 1);
        let e = serde_json::from_str::<PlanFile<Up>>(&dup).unwrap_err();
        assert!(
            e.to_string().contains("duplicate field `inventory_hash`"),
            "{e}"
        );
    }

    #[test]
    fn a_stale_file_names_what_changed_and_how_to_make_it_again() {
        let pf = PlanFile::new(
            Up {
                changes: changes(&[("a", "1"), ("b", "2")]),
            },
            "i".into(),
            "t".into(),
        );
        assert!(pf.check_sources("i", "t").is_ok());
        let e = pf.check_sources("other", "t").unwrap_err();
        assert!(
            e.starts_with("the up plan is stale: up plan was made from another inventory"),
            "{e}"
        );
        assert!(
            e.ends_with("run `bisrc up -o FILE` again with this inventory"),
            "{e}"
        );
        assert!(pf
            .check_sources("i", "x")
            .unwrap_err()
            .contains("templates changed"));
        assert!(pf.check_fresh(&pf.plan.clone()).is_ok());
        let e = pf
            .check_fresh(&Up {
                changes: changes(&[("b", "3"), ("c", "1")]),
            })
            .unwrap_err();
        assert!(e.contains("(3 resources)"), "{e}");
        assert!(
            e.contains("a (no longer in the inventory selection)"),
            "{e}"
        );
        assert!(e.contains("b (observed state changed)"), "{e}");
        assert!(e.contains("c (not in the saved plan)"), "{e}");
    }
}
