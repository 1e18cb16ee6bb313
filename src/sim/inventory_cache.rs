//! The inventory as `bisrc sim-node` reads it, cached in the world directory.
//!
//! sshd starts one `sim-node` process per session, and each needs the whole inventory (the
//! world spans every site). Parsing the YAML was the main cost of a session at hundreds of
//! hosts, so the first session parses it and leaves the parsed model in the world directory
//! as JSON (a fraction of the YAML parser's time to read back), in a file named by a hash
//! of everything the model depends on: the inventory's bytes, the path it was given as
//! (relative `{file:}` secrets are anchored on its folder) and the bisrc binary serving it
//! (another build may shape the model differently). A changed inventory hashes differently,
//! so it is parsed afresh, never served stale; stale cache files are removed when a new one
//! is written. The cache holds only what the inventory holds: secret references, never a
//! secret value.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::inventory::{Inventory, LoadError};

/// Cache files are `<world>/.inventory-<hash>.json`.
const PREFIX: &str = ".inventory-";
const SUFFIX: &str = ".json";

/// The inventory at `path` for a simulated node serving the world in `world_dir`: from the
/// cache when it holds this exact inventory, else parsed (and cached when the world
/// directory is writable; a cache that cannot be written or read is only slower).
pub fn load(path: &Path, world_dir: &Path) -> Result<Inventory, LoadError> {
    let Some(key) = key(path) else {
        return crate::inventory::load(path).map(|l| l.inventory);
    };
    let file = cache_file(world_dir, &key);
    if let Some(inv) = std::fs::read(&file)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Inventory>(&bytes).ok())
    {
        return Ok(inv);
    }
    let inventory = crate::inventory::load(path)?.inventory;
    if let Ok(json) = serde_json::to_vec(&inventory) {
        if crate::state::write_atomic(&file, &json).is_ok() {
            remove_others(world_dir, &file);
        }
    }
    Ok(inventory)
}

/// The cache file of `key` in `world_dir`.
fn cache_file(world_dir: &Path, key: &str) -> PathBuf {
    world_dir.join(format!("{PREFIX}{key}{SUFFIX}"))
}

/// SHA-256 (hex) of the inventory's bytes, its path as given and the running binary's
/// identity (size and modification time); `None` when one of them cannot be read.
fn key(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let exe = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let built = exe
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut h = Sha256::new();
    h.update(path.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(exe.len().to_le_bytes());
    h.update(built.as_nanos().to_le_bytes());
    h.update(bytes);
    Some(
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

/// Removes the cache files of other inventories (or other builds) beside `keep`.
fn remove_others(world_dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(world_dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PREFIX) && name.ends_with(SUFFIX) && e.path() != keep {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bisrc-invcache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("world")).unwrap();
        d
    }

    fn cache_files(world: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(world)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(PREFIX))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_cached_model_is_the_parsed_one_for_every_shipped_inventory() {
        let d = scratch("same");
        for inv in [
            "inventories/lab.yaml",
            "inventories/lab-dr.yaml",
            "inventories/contoso-prod.yaml",
            "inventories/scaled-out.yaml",
            "inventories/ag/lab-ag.yaml",
        ] {
            let path = Path::new(inv);
            let parsed = crate::inventory::load(path).unwrap().inventory;
            let world = d.join("world");
            let first = load(path, &world).unwrap(); // parsed, then cached
            let cached = load(path, &world).unwrap(); // from the cache
            assert_eq!(cache_files(&world).len(), 1, "{inv}: one cache file");
            let json = |i: &Inventory| serde_json::to_value(i).unwrap();
            assert_eq!(json(&first), json(&parsed), "{inv}");
            assert_eq!(json(&cached), json(&parsed), "{inv}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_changed_inventory_is_not_served_stale() {
        let d = scratch("stale");
        let world = d.join("world");
        let path = d.join("lab.yaml");
        let text = std::fs::read_to_string("inventories/lab.yaml").unwrap();
        std::fs::write(&path, &text).unwrap();
        assert_eq!(load(&path, &world).unwrap().environment.value, "lab");
        let [cached] = cache_files(&world).try_into().unwrap();
        // A hit is served from the cache: rewrite the cached model behind its back, and the
        // next load returns it (so the cache is really read, not just written).
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&cached).unwrap()).unwrap();
        v["environment"] = "from-the-cache".into();
        std::fs::write(&cached, serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(
            load(&path, &world).unwrap().environment.value,
            "from-the-cache"
        );
        // Change the inventory: it is parsed afresh, and the old cache file goes.
        std::fs::write(&path, text.replace("environment: lab", "environment: lab2")).unwrap();
        assert_eq!(load(&path, &world).unwrap().environment.value, "lab2");
        let [now] = cache_files(&world).try_into().unwrap();
        assert_ne!(now, cached);
        // A corrupt cache file is only a miss.
        std::fs::write(&now, b"{not json").unwrap();
        assert_eq!(load(&path, &world).unwrap().environment.value, "lab2");
        // An unwritable world directory is only slower; a bad inventory is still an error.
        assert_eq!(
            load(&path, &d.join("no/such/dir\0"))
                .unwrap()
                .environment
                .value,
            "lab2"
        );
        std::fs::write(&path, "version: [").unwrap();
        assert!(load(&path, &world).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
