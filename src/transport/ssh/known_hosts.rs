//! known_hosts: the names and fingerprints OpenSSH uses, strict checking of a presented host
//! key (unknown, changed, revoked), the key type to negotiate first, and recording a new key
//! (`--accept-new-host-keys`) atomically.

use std::io::ErrorKind;
use std::path::Path;
use std::sync::Mutex;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind};

use crate::state::WriteError;
use crate::transport::{HostKeyChange, HostSpec, KnownKey, TransportConfig, TransportError};

/// Serializes appends to known_hosts files within this process (hosts connect in parallel).
static KNOWN_HOSTS_LOCK: Mutex<()> = Mutex::new(());

/// `SHA256:<base64 without padding>` of a public key blob, as `ssh-keygen -l` prints it.
pub fn fingerprint(key_blob: &[u8]) -> String {
    let digest = Sha256::digest(key_blob);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

/// The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`...).
pub fn key_type(key_blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(key_blob.get(..4)?.try_into().ok()?) as usize;
    let name = key_blob.get(4..4 + len)?;
    String::from_utf8(name.to_vec()).ok()
}

/// The name a host is recorded under in known_hosts: `address`, or `[address]:port` when
/// the port is not 22. Lower-cased, as OpenSSH does before looking a name up.
pub fn known_hosts_name(address: &str, port: u16) -> String {
    let address = address.to_ascii_lowercase();
    if port == 22 {
        address
    } else {
        format!("[{address}]:{port}")
    }
}

/// One parsed known_hosts line: `[@marker] hosts keytype base64 [comment]`.
struct Entry<'a> {
    line: usize,
    marker: Option<&'a str>,
    hosts: &'a str,
    key_type: &'a str,
    b64: &'a str,
}

fn parse_line(line: usize, text: &str) -> Option<Entry<'_>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let mut fields = trimmed.split_whitespace();
    let mut first = fields.next()?;
    let mut marker = None;
    if first.starts_with('@') {
        marker = Some(first);
        first = fields.next()?;
    }
    Some(Entry {
        line,
        marker,
        hosts: first,
        key_type: fields.next()?,
        b64: fields.next()?,
    })
}

/// A syntactically valid ed25519 key blob: libssh2 only compares the base64 text of a key,
/// so any blob of a type it knows serves to ask "does this host field match this name?".
fn probe_blob() -> Vec<u8> {
    let mut blob = Vec::with_capacity(51);
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend_from_slice(&[0x42; 32]);
    blob
}

/// Whether a known_hosts host field (`name,name2` or hashed `|1|salt|hash`) names `name`
/// exactly (OpenSSH semantics: `[addr]:port` entries only for that port). libssh2 does the
/// matching, hashed entries included, on a synthetic line carrying the field and a probe key,
/// so the key type written on the real line plays no part in it.
fn host_field_matches(sess: &ssh2::Session, hosts: &str, name: &str) -> Result<bool, ssh2::Error> {
    let blob = probe_blob();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
    // Plain names compare case-insensitively in OpenSSH; hashed ones hash the lower-cased name.
    let hosts = if hosts.starts_with("|1|") {
        hosts.to_string()
    } else {
        hosts.to_ascii_lowercase()
    };
    let mut kh = sess.known_hosts()?;
    if kh
        .read_str(
            &format!("{hosts} ssh-ed25519 {b64}"),
            KnownHostFileKind::OpenSSH,
        )
        .is_err()
    {
        return Ok(false);
    }
    Ok(matches!(kh.check(name, &blob), CheckResult::Match))
}

enum HostKeyVerdict {
    Known,
    Unknown,
    Changed(Vec<KnownKey>),
    Revoked(usize),
}

/// Checks a presented key against a known_hosts text: any entry for the host (any key type,
/// hashed or not) whose key is the presented one makes it known; entries for the host that
/// all differ make it changed; no entry at all makes it unknown. `@cert-authority` lines are
/// ignored (bisrc does not use host certificates); an `@revoked` line holding the presented
/// key refuses it whatever its host field says.
fn check_known_hosts(
    sess: &ssh2::Session,
    text: &str,
    name: &str,
    key: &[u8],
) -> Result<HostKeyVerdict, ssh2::Error> {
    let mut others = Vec::new();
    let mut known = false;
    for (i, line) in text.lines().enumerate() {
        let Some(e) = parse_line(i + 1, line) else {
            continue;
        };
        let blob = base64::engine::general_purpose::STANDARD.decode(e.b64).ok();
        match e.marker {
            Some("@revoked") if blob.as_deref() == Some(key) => {
                return Ok(HostKeyVerdict::Revoked(e.line))
            }
            Some(_) => continue,
            None => {}
        }
        if !host_field_matches(sess, e.hosts, name)? {
            continue;
        }
        if blob.as_deref() == Some(key) {
            known = true;
        } else {
            others.push(KnownKey {
                line: e.line,
                key_type: e.key_type.to_string(),
                fingerprint: blob
                    .as_deref()
                    .map(fingerprint)
                    .unwrap_or_else(|| "(unreadable key)".to_string()),
            });
        }
    }
    // Revocation is checked over the whole file before a match is trusted.
    Ok(if known {
        HostKeyVerdict::Known
    } else if others.is_empty() {
        HostKeyVerdict::Unknown
    } else {
        HostKeyVerdict::Changed(others)
    })
}

/// The host key algorithms libssh2 should offer first for a host: those of the keys
/// known_hosts holds for it (in file order), then every other supported one. OpenSSH's client
/// does the same, so a host with several host keys presents the one we know rather than
/// one we would have to refuse as changed.
pub(super) fn host_key_preference(
    sess: &ssh2::Session,
    text: &str,
    name: &str,
) -> Result<Option<String>, ssh2::Error> {
    let mut first: Vec<&'static str> = Vec::new();
    let supported = sess.supported_algs(ssh2::MethodType::HostKey)?;
    for (i, line) in text.lines().enumerate() {
        let Some(e) = parse_line(i + 1, line) else {
            continue;
        };
        if e.marker.is_some() || !host_field_matches(sess, e.hosts, name)? {
            continue;
        }
        // An RSA key is signed with rsa-sha2-*; the key type itself names the others.
        let rsa = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
        let one = [e.key_type];
        let algs: &[&str] = if e.key_type == "ssh-rsa" { &rsa } else { &one };
        for a in algs {
            if let Some(s) = supported.iter().find(|s| *s == a) {
                if !first.contains(s) {
                    first.push(s);
                }
            }
        }
    }
    if first.is_empty() {
        return Ok(None);
    }
    let rest = supported.iter().filter(|s| !first.contains(s)).copied();
    Ok(Some(
        first
            .iter()
            .copied()
            .chain(rest)
            .collect::<Vec<_>>()
            .join(","),
    ))
}

/// Appends one line to known_hosts atomically (temporary file + rename), creating the file
/// and its directory when missing.
fn append_known_host(path: &Path, line: &str) -> Result<(), TransportError> {
    let err = |detail: String| TransportError::KnownHostsFile {
        path: path.display().to_string(),
        detail,
    };
    let _guard = KNOWN_HOSTS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => String::new(),
        Err(e) => return Err(err(format!("cannot read: {e}"))),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    crate::state::write_atomic(path, text.as_bytes()).map_err(|e| match e {
        WriteError::CreateDir { source, .. } => {
            err(format!("cannot create its directory: {source}"))
        }
        WriteError::Write { source, .. } => err(format!("cannot write: {source}")),
        WriteError::Exists { .. } => err("it appeared meanwhile".into()),
    })
}

/// The text of the configured known_hosts file (empty when it does not exist yet).
pub(super) fn read_known_hosts(config: &TransportConfig) -> Result<String, TransportError> {
    let path = &config.known_hosts;
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(TransportError::KnownHostsFile {
            path: path.display().to_string(),
            detail: format!("cannot read: {e}"),
        }),
    }
}

/// Checks the key `sess` was presented against known_hosts `text`: known passes; unknown is
/// recorded with `--accept-new-host-keys`, else refused; changed and revoked are refused.
pub(super) fn verify_host_key(
    config: &TransportConfig,
    sess: &ssh2::Session,
    host: &HostSpec,
    text: &str,
) -> Result<(), TransportError> {
    let (key, _) = sess.host_key().ok_or_else(|| TransportError::Connect {
        host: host.name.clone(),
        endpoint: host.endpoint(),
        detail: "the server presented no host key".into(),
    })?;
    let key = key.to_vec();
    let path = &config.known_hosts;
    let name = known_hosts_name(&host.address, host.port);
    let verdict =
        check_known_hosts(sess, text, &name, &key).map_err(|e| TransportError::Internal {
            host: host.name.clone(),
            detail: format!("known_hosts check: {e}"),
        })?;
    let presented = fingerprint(&key);
    let ktype = key_type(&key).unwrap_or_else(|| "unknown".into());
    match verdict {
        HostKeyVerdict::Known => Ok(()),
        HostKeyVerdict::Changed(known) => {
            Err(TransportError::HostKeyChanged(Box::new(HostKeyChange {
                host: host.name.clone(),
                known_hosts_name: name,
                known_hosts: path.display().to_string(),
                presented_type: ktype,
                presented,
                known,
            })))
        }
        HostKeyVerdict::Revoked(line) => Err(TransportError::HostKeyRevoked {
            host: host.name.clone(),
            known_hosts_name: name,
            known_hosts: path.display().to_string(),
            line,
            fingerprint: presented,
        }),
        HostKeyVerdict::Unknown if config.accept_new_host_keys => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
            append_known_host(path, &format!("{name} {ktype} {b64}"))
        }
        HostKeyVerdict::Unknown => Err(TransportError::HostKeyUnknown {
            host: host.name.clone(),
            known_hosts_name: name,
            known_hosts: path.display().to_string(),
            key_type: ktype,
            fingerprint: presented,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_matches_ssh_keygen_format() {
        // Key blob of an ed25519 key: string "ssh-ed25519" + 32-byte key.
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7u8; 32]);
        assert_eq!(key_type(&blob).as_deref(), Some("ssh-ed25519"));
        let fp = fingerprint(&blob);
        assert!(fp.starts_with("SHA256:"));
        assert_eq!(fp.len(), "SHA256:".len() + 43);
        assert!(!fp.ends_with('='));
        assert_eq!(key_type(&[0, 0]), None);
    }

    #[test]
    fn known_hosts_names_bracket_non_default_ports() {
        assert_eq!(known_hosts_name("sql01", 22), "sql01");
        assert_eq!(known_hosts_name("127.0.0.2", 2222), "[127.0.0.2]:2222");
    }

    #[test]
    fn known_hosts_entries_match_by_host_whatever_their_key_type() {
        let sess = ssh2::Session::new().unwrap();
        let key = probe_blob();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
        let other = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA==";
        let text = format!(
            "sql01 ssh-ed25519 {b64}\n\
             [sql01]:2222 ecdsa-sha2-nistp256 {other}\n\
             @cert-authority [sql01]:2222 ssh-ed25519 {b64}\n\
             sql02,[SQL02]:2200 sk-ssh-ed25519@openssh.com AAAAnotakey\n"
        );
        // Plain `sql01` is for port 22 only, as in OpenSSH; the CA line is ignored.
        let v = check_known_hosts(&sess, &text, &known_hosts_name("SQL01", 2222), &key).unwrap();
        let HostKeyVerdict::Changed(k) = v else {
            panic!("expected a change")
        };
        assert_eq!(
            k,
            vec![KnownKey {
                line: 2,
                key_type: "ecdsa-sha2-nistp256".into(),
                fingerprint: fingerprint(
                    &base64::engine::general_purpose::STANDARD
                        .decode(other)
                        .unwrap()
                ),
            }]
        );
        assert!(matches!(
            check_known_hosts(&sess, &text, "sql01", &key).unwrap(),
            HostKeyVerdict::Known
        ));
        // A key type libssh2 cannot parse still counts as a key for the host.
        let v = check_known_hosts(&sess, &text, &known_hosts_name("sql02", 2200), &key).unwrap();
        assert!(
            matches!(&v, HostKeyVerdict::Changed(k) if k[0].line == 4 && k[0].key_type == "sk-ssh-ed25519@openssh.com")
        );
        assert!(matches!(
            check_known_hosts(&sess, &text, "sql03", &key).unwrap(),
            HostKeyVerdict::Unknown
        ));
        assert_eq!(
            host_key_preference(&sess, &text, "[sql01]:2222")
                .unwrap()
                .unwrap()
                .split(',')
                .next(),
            Some("ecdsa-sha2-nistp256")
        );
        assert_eq!(host_key_preference(&sess, &text, "sql03").unwrap(), None);
    }

    #[test]
    fn append_creates_the_file_and_keeps_existing_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/known_hosts");
        append_known_host(&p, "a ssh-ed25519 AAAA").unwrap();
        std::fs::write(&p, "a ssh-ed25519 AAAA").unwrap();
        append_known_host(&p, "b ssh-ed25519 BBBB").unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "a ssh-ed25519 AAAA\nb ssh-ed25519 BBBB\n"
        );
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
