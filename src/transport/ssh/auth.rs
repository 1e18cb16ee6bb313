//! Authentication: the configured methods in order (key file, agent, password), each
//! outcome recorded so a refusal names every method tried. Secrets are resolved only when
//! their method is tried and never appear in an error.

use std::io::ErrorKind;
use std::path::Path;

use base64::Engine as _;

use crate::inventory::SecretRef;
use crate::transport::{Auth, HostSpec, TransportConfig, TransportError};

/// Logs on with the configured methods in order; the first accepted wins.
pub(super) fn authenticate(
    config: &TransportConfig,
    sess: &ssh2::Session,
    host: &HostSpec,
) -> Result<(), TransportError> {
    let user = &config.user;
    let mut tried = Vec::new();
    for method in &config.auth {
        let outcome: Result<(), String> = match method {
            Auth::Key(path) => key_auth(sess, user, path, config.identity_passphrase.as_ref()),
            Auth::Agent => agent_auth(sess, user, config.agent_socket.as_deref()),
            Auth::Password(secret) => match secret.resolve() {
                Err(e) => Err(format!("password ({}): {e}", secret.describe())),
                Ok(value) => sess
                    .userauth_password(user, value.expose())
                    // libssh2's message never contains the password itself.
                    .map_err(|e| format!("password ({}): {}", secret.describe(), e.message())),
            },
        };
        match outcome {
            Ok(()) if sess.authenticated() => return Ok(()),
            Ok(()) => tried.push(format!("{}: not accepted", method.name())),
            Err(reason) => tried.push(reason),
        }
    }
    Err(TransportError::AuthRefused {
        host: host.name.clone(),
        user: user.clone(),
        tried,
    })
}

/// libssh2's "cannot use the key file" code (also a wrong passphrase).
const LIBSSH2_ERROR_FILE: i32 = -16;

/// Whether a private key file's text is encrypted; `None` when the format is not recognised
/// (libssh2 then has the last word).
fn key_is_encrypted(text: &str) -> Option<bool> {
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        // openssh-key-v1: magic, then the cipher name as an SSH string ("none" = clear).
        let b64: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let rest = raw.strip_prefix(b"openssh-key-v1\0")?;
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        Some(rest.get(4..4 + len)? != b"none")
    } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        Some(true)
    } else if text.contains("PRIVATE KEY-----") {
        Some(false)
    } else {
        None
    }
}

/// Public key logon with a key file, unlocked with the passphrase reference when the key is
/// encrypted. Errors name the file and the reference, never the passphrase.
fn key_auth(
    sess: &ssh2::Session,
    user: &str,
    path: &Path,
    passphrase: Option<&SecretRef>,
) -> Result<(), String> {
    let shown = path.display();
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(format!("key {shown}: file not found"))
        }
        Err(e) => return Err(format!("key {shown}: cannot read: {e}")),
    };
    let encrypted = key_is_encrypted(&text);
    let pass = match (encrypted, passphrase) {
        (Some(true), None) => {
            return Err(format!(
                "key {shown}: the key is protected by a passphrase; set \
                 connection.identity_passphrase ({{env: NAME}} or {{file: PATH}})"
            ))
        }
        (Some(false), _) | (_, None) => None,
        (_, Some(r)) => Some(
            r.resolve()
                .map_err(|e| format!("key {shown}: passphrase ({}): {e}", r.describe()))?,
        ),
    };
    sess.userauth_pubkey_file(user, None, path, pass.as_ref().map(|v| v.expose()))
        .map_err(|e| match passphrase {
            Some(r)
                if pass.is_some() && e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_FILE) =>
            {
                format!(
                    "key {shown}: the passphrase ({}) does not unlock it (wrong passphrase?)",
                    r.describe()
                )
            }
            _ => format!("key {shown}: {}", e.message()),
        })
}

/// Agent logon: every identity the agent holds is offered in turn. The socket is set on the
/// libssh2 agent handle itself (`libssh2_agent_set_identity_path`), so the process
/// environment is never changed.
fn agent_auth(sess: &ssh2::Session, user: &str, socket: Option<&Path>) -> Result<(), String> {
    let socket = match socket {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()) {
            Some(s) => std::path::PathBuf::from(s),
            None => return Err("agent: SSH_AUTH_SOCK is not set".to_string()),
        },
    };
    let shown = socket.display();
    let fail = |what: &str, e: ssh2::Error| format!("agent ({shown}): {what}: {}", e.message());
    let mut agent = sess.agent().map_err(|e| fail("cannot start", e))?;
    agent
        .set_identity_path(&socket)
        .map_err(|e| fail("bad socket path", e))?;
    agent.connect().map_err(|e| fail("cannot connect", e))?;
    let result = (|| {
        agent
            .list_identities()
            .map_err(|e| fail("cannot list keys", e))?;
        let ids = agent
            .identities()
            .map_err(|e| fail("cannot list keys", e))?;
        if ids.is_empty() {
            return Err(format!("agent ({shown}): holds no keys"));
        }
        for id in &ids {
            if agent.userauth(user, id).is_ok() {
                return Ok(());
            }
        }
        Err(format!(
            "agent ({shown}): none of its {} keys was accepted",
            ids.len()
        ))
    })();
    let _ = agent.disconnect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_key_files_are_recognised() {
        let openssh = |cipher: &str| {
            let mut raw = b"openssh-key-v1\0".to_vec();
            raw.extend_from_slice(&(cipher.len() as u32).to_be_bytes());
            raw.extend_from_slice(cipher.as_bytes());
            raw.extend_from_slice(&[0; 40]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
                &b64[..40],
                &b64[40..]
            )
        };
        assert_eq!(key_is_encrypted(&openssh("none")), Some(false));
        assert_eq!(key_is_encrypted(&openssh("aes256-ctr")), Some(true));
        assert_eq!(
            key_is_encrypted("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"),
            Some(true)
        );
        assert_eq!(
            key_is_encrypted("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMII\n"),
            Some(true)
        );
        assert_eq!(
            key_is_encrypted("-----BEGIN RSA PRIVATE KEY-----\nMII\n"),
            Some(false)
        );
        assert_eq!(key_is_encrypted("not a key"), None);
    }
}
