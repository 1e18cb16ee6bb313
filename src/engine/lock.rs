//! The environment lock: one apply at a time per environment, whoever runs it. It takes a
//! lock site and produces a held lock (released on drop) or the holder's details
//! (`user@host`, pid, time, expiry, ID). For the simulated transport the lock is a file in the
//! state directory created with `O_EXCL`; for ssh it is `C:\ProgramData\bisrc\lock.json` on the
//! first SQL node of the site, created by `templates/lock/acquire.ps1.hbs` with
//! `FileMode.CreateNew` (the Windows `O_EXCL`). `bisrc unlock ID` removes it only when the ID
//! matches.
//!
//! A lock never outlives its holder for long:
//! - it carries an expiry time ([`TTL`] ahead) that a keeper thread renews every [`RENEW_EVERY`]
//!   while the lock is held (over its own connection, so a long step on the lock's node does
//!   not hold the renewal up); a workstation that vanished stops renewing and its lock expires;
//! - a lock whose holder is provably gone — the same host as ours and its process no longer
//!   running — or whose expiry has passed is taken over. The decision is made here, then the
//!   old lock is removed by its ID and the lock is taken again, so of two racing takers
//!   exactly one wins. The taken-over holder is reported ([`Held::took_over`]).

use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::host::Conn;
use super::lock_site::KeeperMsg;
pub use super::lock_site::{LockInfo, LockSite, Released, Releaser};
use super::{new_id, now_rfc3339, whoami, Context};

/// How long a lock lives without renewal.
pub const TTL: Duration = Duration::from_secs(15 * 60);
/// How often the holder renews it.
pub const RENEW_EVERY: Duration = Duration::from_secs(60);

/// Why an existing lock may be taken over, if it may.
fn gone(holder: &LockInfo, now: time::OffsetDateTime) -> Option<String> {
    if let Some(expires) = holder.expires.as_deref().and_then(|e| {
        time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339).ok()
    }) {
        if expires < now {
            return Some(format!(
                "it expired at {} (its holder stopped renewing it)",
                holder.expires.as_deref().unwrap_or_default()
            ));
        }
    }
    let host_of = |who: &str| who.rsplit_once('@').map(|(_, h)| h.to_ascii_lowercase());
    let same_host =
        host_of(&holder.holder).is_some() && host_of(&holder.holder) == host_of(&whoami());
    if same_host && holder.pid != std::process::id() && !process_running(holder.pid) {
        return Some(format!(
            "its process {} is no longer running on this host",
            holder.pid
        ));
    }
    None
}

/// Whether a process with this ID runs on this host.
#[cfg(unix)]
fn process_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence; EPERM means it exists under another user.
    // SAFETY: kill with signal 0 sends nothing.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere a holder is never presumed gone by its process ID (only by expiry).
#[cfg(not(unix))]
fn process_running(_pid: u32) -> bool {
    true
}

/// The lock JSON with a fresh expiry.
fn with_expiry(info: &LockInfo) -> LockInfo {
    let expires = time::OffsetDateTime::now_utc() + TTL;
    LockInfo {
        expires: expires
            .format(&time::format_description::well_known::Rfc3339)
            .ok(),
        ..info.clone()
    }
}

/// The place the lock is worked on: the file, or the lock node over a connection of its own.
enum Place {
    File(PathBuf),
    Remote { host: String, conn: Box<dyn Conn> },
}

/// The answer of one lock operation.
enum Answer {
    Done,
    Held(String),
    None,
}

impl Place {
    fn describe(&self) -> String {
        match self {
            Place::File(p) => p.display().to_string(),
            Place::Remote { host, .. } => format!("{host}:C:\\ProgramData\\bisrc\\lock.json"),
        }
    }

    fn script(&mut self, name: &str, vars: serde_json::Value) -> anyhow::Result<String> {
        let Place::Remote { host, conn } = self else {
            unreachable!("scripts run only on a remote lock");
        };
        let script = crate::render::lock_script(name, &vars)?;
        let (out, _) = conn
            .exec_script(&script)
            .map_err(|e| anyhow::anyhow!("the environment lock on {host}: {e}"))?;
        Ok(out)
    }

    fn create(&mut self, info: &LockInfo) -> anyhow::Result<Answer> {
        let json = serde_json::to_string(info)?;
        match self {
            Place::File(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&*path)
                {
                    Ok(mut f) => {
                        f.write_all(json.as_bytes())?;
                        f.sync_all()?;
                        Ok(Answer::Done)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Answer::Held(
                        std::fs::read_to_string(&*path).unwrap_or_default(),
                    )),
                    Err(e) => anyhow::bail!("cannot create the lock {}: {e}", path.display()),
                }
            }
            Place::Remote { .. } => {
                let out = self.script("acquire", serde_json::json!({ "info": json }))?;
                answer(&out, "BISRC-LOCK-OK", || {
                    anyhow::anyhow!(
                        "cannot take the environment lock: the lock script gave no answer"
                    )
                })
            }
        }
    }

    /// Rewrites the lock with a new expiry while it has our ID.
    fn renew(&mut self, info: &LockInfo) -> anyhow::Result<Answer> {
        let json = serde_json::to_string(info)?;
        match self {
            Place::File(path) => match read_file(path)? {
                Some(text) if id_of(&text).as_deref() == Some(info.id.as_str()) => {
                    let tmp = path.with_extension("json.renew");
                    std::fs::write(&tmp, json.as_bytes())?;
                    std::fs::rename(&tmp, &*path)?;
                    Ok(Answer::Done)
                }
                Some(text) => Ok(Answer::Held(text)),
                None => Ok(Answer::None),
            },
            Place::Remote { .. } => {
                let out =
                    self.script("renew", serde_json::json!({ "id": info.id, "info": json }))?;
                answer(&out, "BISRC-LOCK-RENEWED", || {
                    anyhow::anyhow!("the lock renewal script gave no answer")
                })
            }
        }
    }

    /// Removes the lock if it has `id`.
    fn remove(&mut self, id: &str) -> anyhow::Result<Answer> {
        match self {
            Place::File(path) => match read_file(path)? {
                Some(text) if id_of(&text).as_deref() == Some(id) => {
                    std::fs::remove_file(&*path)?;
                    Ok(Answer::Done)
                }
                Some(text) => Ok(Answer::Held(text)),
                None => Ok(Answer::None),
            },
            Place::Remote { .. } => {
                let out = self.script("release", serde_json::json!({ "id": id }))?;
                answer(&out, "BISRC-LOCK-RELEASED", || {
                    anyhow::anyhow!("the unlock script gave no answer")
                })
            }
        }
    }
}

fn answer(out: &str, ok: &str, none: impl FnOnce() -> anyhow::Error) -> anyhow::Result<Answer> {
    if out.lines().any(|l| l.trim() == ok) {
        Ok(Answer::Done)
    } else if let Some(rest) = out.lines().find_map(|l| l.strip_prefix("BISRC-LOCK-HELD ")) {
        Ok(Answer::Held(rest.trim().to_string()))
    } else if out.contains("BISRC-LOCK-NONE") {
        Ok(Answer::None)
    } else {
        Err(none())
    }
}

fn read_file(path: &std::path::Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => anyhow::bail!("cannot read the lock {}: {e}", path.display()),
    }
}

fn id_of(text: &str) -> Option<String> {
    serde_json::from_str::<LockInfo>(text.trim())
        .ok()
        .map(|i| i.id)
}

fn open_place(ctx: &Context) -> anyhow::Result<Place> {
    Ok(match &ctx.lock {
        LockSite::File(p) => Place::File(p.clone()),
        LockSite::Remote { host } => Place::Remote {
            host: host.clone(),
            conn: ctx
                .pool
                .dedicated(host)
                .map_err(|e| anyhow::anyhow!("cannot take the environment lock on {host}: {e}"))?,
        },
    })
}

/// A held lock; released when dropped.
pub struct Held<'c, 'a> {
    ctx: &'c Context<'a>,
    /// Lock details.
    pub info: LockInfo,
    /// The holder whose lock was taken over, and why it could be.
    pub took_over: Option<(LockInfo, String)>,
    releaser: Releaser,
    keeper: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Held<'_, '_> {
    fn drop(&mut self) {
        let _ = self.releaser.release();
        if let Ok(mut slot) = self.ctx.lock_releaser.lock() {
            *slot = None;
        }
        if let Some(k) = self.keeper.take() {
            let _ = k.join();
        }
    }
}

/// Takes the environment lock (taking over one whose holder is gone), or says who holds it.
pub fn acquire<'c, 'a>(ctx: &'c Context<'a>, operation: &str) -> anyhow::Result<Held<'c, 'a>> {
    let info = with_expiry(&LockInfo {
        id: new_id(),
        holder: whoami(),
        pid: std::process::id(),
        created: now_rfc3339(),
        operation: operation.to_string(),
        expires: None,
    });
    let mut place = open_place(ctx)?;
    let mut took_over = None;
    loop {
        match place.create(&info)? {
            Answer::Done => break,
            Answer::None => anyhow::bail!("the lock script on {} gave no answer", place.describe()),
            Answer::Held(text) => {
                let holder = serde_json::from_str::<LockInfo>(text.trim()).ok();
                let why = holder
                    .as_ref()
                    .filter(|_| took_over.is_none())
                    .and_then(|h| gone(h, time::OffsetDateTime::now_utc()));
                match (holder, why) {
                    (Some(h), Some(why)) => {
                        // Removed by its ID: if someone else took it over meanwhile, the
                        // next create says so.
                        place.remove(&h.id)?;
                        took_over = Some((h, why));
                    }
                    _ => anyhow::bail!("{}", held_message(&text, &place.describe())),
                }
            }
        }
    }
    let (tx, rx) = mpsc::channel::<KeeperMsg>();
    let releaser = Releaser {
        tx: Arc::new(Mutex::new(tx)),
        info: info.clone(),
    };
    let kept = info.clone();
    let (events, cancel) = (ctx.events.clone(), ctx.cancel.clone());
    let keeper = std::thread::spawn(move || keep(place, kept, rx, RENEW_EVERY, &events, &cancel));
    if let Ok(mut slot) = ctx.lock_releaser.lock() {
        *slot = Some(releaser.clone());
    }
    Ok(Held {
        ctx,
        info,
        took_over,
        releaser,
        keeper: Some(keeper),
    })
}

/// The keeper thread: renews the lock `every` ([`RENEW_EVERY`]) until asked to release it. A lock
/// found gone or held by another (taken over after this process could not renew it for a
/// whole [`TTL`]) is reported, and no new step starts: the environment is no longer ours.
fn keep(
    mut place: Place,
    info: LockInfo,
    rx: mpsc::Receiver<KeeperMsg>,
    every: Duration,
    events: &Sender<super::Event>,
    cancel: &std::sync::atomic::AtomicBool,
) {
    let mut lost = false;
    loop {
        match rx.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) if !lost => {
                // A renewal that fails to reach the node is retried next time; the expiry
                // leaves room for many.
                let holder = match place.renew(&with_expiry(&info)) {
                    Ok(Answer::Held(other)) => Some(other),
                    Ok(Answer::None) => Some("nobody (it was removed)".to_string()),
                    _ => None,
                };
                if let Some(holder) = holder {
                    lost = true;
                    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                    let _ = events.send(super::Event::LockLost {
                        id: info.id.clone(),
                        holder,
                    });
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                let _ = place.remove(&info.id);
                return;
            }
            Ok(KeeperMsg::Release(reply)) => {
                let r = match place.remove(&info.id) {
                    Ok(Answer::Done) => Ok(Released::Removed),
                    Ok(Answer::None) => Ok(Released::NotLocked),
                    Ok(Answer::Held(other)) => Err(format!("the lock has another holder: {other}")),
                    Err(e) => Err(e.to_string()),
                };
                let _ = reply.send(r);
                return;
            }
        }
    }
}

fn held_message(holder_json: &str, place: &str) -> String {
    match serde_json::from_str::<LockInfo>(holder_json.trim()) {
        Ok(i) => format!(
            "the environment is locked by another apply: {i} (lock {place}); wait for it to \
             finish, or if it died run `bisrc unlock {}`",
            i.id
        ),
        Err(_) => format!(
            "the environment is locked (lock {place}, unreadable holder); if no apply is running, \
             remove it by hand"
        ),
    }
}

/// Removes the lock if it has `id` (`bisrc unlock ID`).
pub fn release(ctx: &Context, id: &str) -> anyhow::Result<Released> {
    let mut place = open_place(ctx)?;
    match place.remove(id)? {
        Answer::Done => Ok(Released::Removed),
        Answer::None => Ok(Released::NotLocked),
        Answer::Held(text) => match serde_json::from_str::<LockInfo>(text.trim()) {
            Ok(i) => anyhow::bail!(
                "the lock has another ID: {i}; `bisrc unlock` removes a lock only by its ID"
            ),
            Err(_) => anyhow::bail!(
                "the lock {} is unreadable; remove it by hand",
                place.describe()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(holder: &str, pid: u32, expires: Option<&str>) -> LockInfo {
        LockInfo {
            id: "abc".into(),
            holder: holder.into(),
            pid,
            created: "2026-01-01T00:00:00Z".into(),
            operation: "apply".into(),
            expires: expires.map(str::to_string),
        }
    }

    #[test]
    fn a_holder_is_gone_when_expired_or_its_process_on_this_host_is_dead() {
        let now = time::OffsetDateTime::now_utc();
        let me = whoami();
        // A live process on this host (ours is excluded, so use the parent's init: pid 1).
        assert_eq!(gone(&info(&me, 1, None), now), None);
        // A pid that cannot be running.
        let dead = gone(&info(&me, 0x3fff_fff0, None), now).expect("dead");
        assert!(dead.contains("no longer running"), "{dead}");
        // Another host: never presumed dead by pid.
        assert_eq!(gone(&info("op@elsewhere", 0x3fff_fff0, None), now), None);
        // Expired, wherever the holder is.
        let why = gone(&info("op@elsewhere", 1, Some("2020-01-01T00:00:00Z")), now).unwrap();
        assert!(why.contains("expired"), "{why}");
        assert_eq!(
            gone(&info("op@elsewhere", 1, Some("2999-01-01T00:00:00Z")), now),
            None
        );
    }

    #[test]
    fn lock_scripts_quote_their_values_with_the_powershell_helper() {
        let s = crate::render::lock_script(
            "acquire",
            &serde_json::json!({ "info": "{\"holder\":\"o'neil@ws\"}" }),
        )
        .unwrap();
        assert!(
            s.contains("$info = '{\"holder\":\"o''neil@ws\"}'\r\n"),
            "{s}"
        );
        assert!(s.contains("BISRC-LOCK-OK"));
        let s = crate::render::lock_script("release", &serde_json::json!({ "id": "a'b" })).unwrap();
        assert!(s.contains("$id = 'a''b'\r\n"), "{s}");
    }

    #[test]
    fn a_file_lock_is_renewed_only_while_it_has_our_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.json");
        let mut place = Place::File(path.clone());
        let ours = with_expiry(&info("me@here", std::process::id(), None));
        assert!(matches!(place.create(&ours).unwrap(), Answer::Done));
        assert!(matches!(place.create(&ours).unwrap(), Answer::Held(_)));
        let renewed = LockInfo {
            expires: Some("2999-01-01T00:00:00Z".into()),
            ..ours.clone()
        };
        assert!(matches!(place.renew(&renewed).unwrap(), Answer::Done));
        let on_disk: LockInfo =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(on_disk, renewed);
        // Someone else's lock is never renewed or removed by us.
        let theirs = LockInfo {
            id: "other".into(),
            ..renewed.clone()
        };
        assert!(matches!(place.renew(&theirs).unwrap(), Answer::Held(_)));
        assert!(matches!(place.remove("other").unwrap(), Answer::Held(_)));
        assert!(matches!(place.remove(&ours.id).unwrap(), Answer::Done));
        assert!(matches!(place.renew(&ours).unwrap(), Answer::None));
    }

    #[test]
    fn the_keeper_renews_and_stops_new_steps_when_the_lock_is_taken_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.json");
        let ours = info("me@here", std::process::id(), Some("2000-01-01T00:00:00Z"));
        assert!(matches!(
            Place::File(path.clone()).create(&ours).unwrap(),
            Answer::Done
        ));
        let (_tx, rx) = mpsc::channel();
        let (events, seen) = mpsc::channel();
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cancel.clone();
        let place = Place::File(path.clone());
        let kept = ours.clone();
        std::thread::spawn(move || keep(place, kept, rx, Duration::from_millis(1), &events, &flag));
        // Renewed: the expiry moves ahead of the stale one written above.
        loop {
            let now: LockInfo =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if now.expires != ours.expires {
                break;
            }
            std::thread::yield_now();
        }
        // Taken by another: reported once, and no new step starts.
        let theirs = LockInfo {
            id: "other".into(),
            ..ours.clone()
        };
        let theirs_json = serde_json::to_string(&theirs).unwrap();
        let tmp = path.with_extension("tmp");
        let event = loop {
            // (a renewal in flight may land just after our write: write again until seen)
            if std::fs::read_to_string(&path).unwrap() != theirs_json {
                std::fs::write(&tmp, &theirs_json).unwrap();
                std::fs::rename(&tmp, &path).unwrap();
            }
            if let Ok(e) = seen.try_recv() {
                break e;
            }
            std::thread::yield_now();
        };
        match event {
            crate::engine::Event::LockLost { id, holder } => {
                assert_eq!(id, "abc");
                assert!(holder.contains("\"other\""), "{holder}");
            }
            other => panic!("unexpected event {other:?}"),
        }
        assert!(cancel.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            theirs_json,
            "their lock is left alone"
        );
    }
}
