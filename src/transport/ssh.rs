//! The ssh2 (libssh2) transport: connects to one host with a connect timeout, checks its host
//! key strictly against known_hosts, authenticates in the configured order, then runs commands
//! on channels of that one session with a wall-clock deadline each.
//!
//! It takes a [`TransportConfig`] and a [`HostSpec`]; it produces an [`SshSession`]. It must
//! never block on one stream while the other fills (a blocking stdout read deadlocks when the
//! remote writes megabytes to stderr first), never rely on libssh2's timeout as a deadline (it
//! is only an inactivity timeout), and never put standard input or a secret into an error.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssh2::{BlockDirections, CheckResult, KnownHostFileKind};

use crate::inventory::SecretRef;

use crate::state::WriteError;

use super::{
    Auth, ExecOutput, ExecRequest, HostKeyChange, HostSpec, KnownKey, Session, Transport,
    TransportConfig, TransportError,
};

/// libssh2's "would block" code.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;
/// libssh2's "timed out" code (its inactivity timeout in blocking mode).
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
/// Longest sleep of the I/O loop between checks of the deadline and keepalive.
const MAX_POLL: Duration = Duration::from_millis(250);

/// Serializes appends to known_hosts files within this process (hosts connect in parallel).
static KNOWN_HOSTS_LOCK: Mutex<()> = Mutex::new(());

/// The ssh2 transport.
#[derive(Debug, Clone)]
pub struct SshTransport {
    config: TransportConfig,
}

impl SshTransport {
    /// A transport using this configuration.
    pub fn new(config: TransportConfig) -> SshTransport {
        SshTransport { config }
    }

    /// The configuration.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }
}

/// A connected, authenticated session to one host.
pub struct SshSession {
    sess: ssh2::Session,
    host: HostSpec,
    keepalive: Duration,
    command_timeout: Duration,
    /// Set when the session can no longer be trusted (I/O error, abandoned command).
    broken: Option<String>,
}

fn is_again(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_EAGAIN)
}

fn is_timeout(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
}

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
fn host_key_preference(
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

fn connect_tcp(host: &HostSpec, timeout: Duration) -> Result<TcpStream, TransportError> {
    let endpoint = host.endpoint();
    let addrs: Vec<_> = (host.address.as_str(), host.port)
        .to_socket_addrs()
        .map_err(|e| TransportError::NameNotResolved {
            host: host.name.clone(),
            address: host.address.clone(),
            detail: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(TransportError::NameNotResolved {
            host: host.name.clone(),
            address: host.address.clone(),
            detail: "no addresses".into(),
        });
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    let e = last.expect("at least one address was tried");
    Err(match e.kind() {
        ErrorKind::ConnectionRefused => TransportError::ConnectionRefused {
            host: host.name.clone(),
            endpoint,
        },
        ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportError::ConnectTimeout {
            host: host.name.clone(),
            endpoint,
            port: host.port,
            secs: timeout.as_secs(),
        },
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => TransportError::NoRoute {
            host: host.name.clone(),
            endpoint,
            detail: e.to_string(),
        },
        _ => TransportError::Connect {
            host: host.name.clone(),
            endpoint,
            detail: e.to_string(),
        },
    })
}

impl SshTransport {
    fn read_known_hosts(&self) -> Result<String, TransportError> {
        let path = &self.config.known_hosts;
        match std::fs::read_to_string(path) {
            Ok(t) => Ok(t),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(TransportError::KnownHostsFile {
                path: path.display().to_string(),
                detail: format!("cannot read: {e}"),
            }),
        }
    }

    fn verify_host_key(
        &self,
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
        let path = &self.config.known_hosts;
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
            HostKeyVerdict::Unknown if self.config.accept_new_host_keys => {
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

    fn authenticate(&self, sess: &ssh2::Session, host: &HostSpec) -> Result<(), TransportError> {
        let user = &self.config.user;
        let mut tried = Vec::new();
        for method in &self.config.auth {
            let outcome: Result<(), String> = match method {
                Auth::Key(path) => {
                    key_auth(sess, user, path, self.config.identity_passphrase.as_ref())
                }
                Auth::Agent => agent_auth(sess, user, self.config.agent_socket.as_deref()),
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

impl Transport for SshTransport {
    fn connect(&self, host: &HostSpec) -> Result<Box<dyn Session>, TransportError> {
        let ct = self.config.connect_timeout;
        let tcp = connect_tcp(host, ct)?;
        let _ = tcp.set_nodelay(true);
        let mut sess = ssh2::Session::new().map_err(|e| TransportError::Internal {
            host: host.name.clone(),
            detail: format!("libssh2 session: {e}"),
        })?;
        sess.set_tcp_stream(tcp);
        sess.set_blocking(true);
        let known_hosts = self.read_known_hosts()?;
        let name = known_hosts_name(&host.address, host.port);
        let internal = |what: &str, e: ssh2::Error| TransportError::Internal {
            host: host.name.clone(),
            detail: format!("{what}: {e}"),
        };
        let pref = host_key_preference(&sess, &known_hosts, &name)
            .map_err(|e| internal("known_hosts lookup", e))?;
        if let Some(pref) = pref {
            sess.method_pref(ssh2::MethodType::HostKey, &pref)
                .map_err(|e| internal("host key preference", e))?;
        }
        // Bounds every blocking step of handshake and authentication (inactivity timeout).
        sess.set_timeout(u32::try_from(ct.as_millis()).unwrap_or(u32::MAX).max(1));
        sess.handshake().map_err(|e| {
            if is_timeout(&e) {
                TransportError::ConnectTimeout {
                    host: host.name.clone(),
                    endpoint: host.endpoint(),
                    port: host.port,
                    secs: ct.as_secs(),
                }
            } else {
                TransportError::Connect {
                    host: host.name.clone(),
                    endpoint: host.endpoint(),
                    detail: format!("SSH handshake failed: {}", e.message()),
                }
            }
        })?;
        self.verify_host_key(&sess, host, &known_hosts)?;
        self.authenticate(&sess, host)?;
        let ka = u32::try_from(self.config.keepalive.as_secs()).unwrap_or(u32::MAX);
        sess.set_keepalive(false, ka.max(1));
        sess.set_timeout(0);
        sess.set_blocking(false);
        Ok(Box::new(SshSession {
            sess,
            host: host.clone(),
            keepalive: self.config.keepalive.max(Duration::from_secs(1)),
            command_timeout: self.config.command_timeout,
            broken: None,
        }))
    }
}

/// Where an exec is in its life: the caller's I/O loop drives it.
struct ExecState {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    written: usize,
    eof_sent: bool,
}

impl SshSession {
    fn lost(&mut self, what: &str, detail: impl std::fmt::Display) -> TransportError {
        let detail = format!("{what}: {detail}");
        self.broken = Some(detail.clone());
        TransportError::ConnectionLost {
            host: self.host.name.clone(),
            detail,
        }
    }

    fn timeout(&mut self, deadline: Duration) -> TransportError {
        self.broken = Some(format!(
            "a command was abandoned after {} s; reconnect to run more",
            deadline.as_secs()
        ));
        TransportError::CommandTimeout {
            host: self.host.name.clone(),
            secs: deadline.as_secs(),
        }
    }

    /// Waits until the socket is ready in the direction libssh2 is blocked on, or `max`.
    fn wait_socket(&self, max: Duration) {
        let mut events = libc::POLLIN;
        if matches!(
            self.sess.block_directions(),
            BlockDirections::Outbound | BlockDirections::Both
        ) {
            events |= libc::POLLOUT;
        }
        let mut pfd = libc::pollfd {
            fd: self.sess.as_raw_fd(),
            events,
            revents: 0,
        };
        let ms = i32::try_from(max.as_millis()).unwrap_or(i32::MAX).max(1);
        // SAFETY: one valid pollfd on the session's socket, which outlives the call.
        unsafe {
            libc::poll(&mut pfd, 1, ms);
        }
    }

    /// Retries a non-blocking libssh2 call until it stops saying "again", the deadline
    /// passes, or it fails; keeps the keepalive going meanwhile.
    fn retry<T>(
        &mut self,
        end: Instant,
        next_ka: &mut Instant,
        mut f: impl FnMut(&ssh2::Session) -> Result<T, ssh2::Error>,
    ) -> Result<Option<T>, ssh2::Error> {
        loop {
            match f(&self.sess) {
                Ok(v) => return Ok(Some(v)),
                Err(e) if is_again(&e) => {}
                Err(e) => return Err(e),
            }
            let now = Instant::now();
            if now >= end {
                return Ok(None);
            }
            self.keepalive_tick(now, next_ka)?;
            self.wait_socket((end - now).min(MAX_POLL));
        }
    }

    fn keepalive_tick(&self, now: Instant, next_ka: &mut Instant) -> Result<(), ssh2::Error> {
        if now >= *next_ka {
            match self.sess.keepalive_send() {
                Ok(secs) => {
                    *next_ka = now + Duration::from_secs(u64::from(secs.max(1)));
                }
                Err(e) if is_again(&e) => *next_ka = now + Duration::from_millis(100),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn run(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        let start = Instant::now();
        let end = start + req.deadline;
        let mut next_ka = start + self.keepalive;

        let mut ch = match self.retry(end, &mut next_ka, |s| s.channel_session()) {
            Ok(Some(ch)) => ch,
            Ok(None) => return Err(self.timeout(req.deadline)),
            Err(e) => return Err(self.lost("cannot open a channel", e.message())),
        };
        let cmd = req.command_line.as_str();
        match self.retry(end, &mut next_ka, |_| ch.exec(cmd)) {
            Ok(Some(())) => {}
            Ok(None) => return Err(self.timeout(req.deadline)),
            Err(e) => return Err(self.lost("cannot start the command", e.message())),
        }

        let mut st = ExecState {
            stdout: Vec::new(),
            stderr: Vec::new(),
            written: 0,
            eof_sent: false,
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let mut progress = false;
            // Standard input: as much as the channel window takes, then EOF.
            if st.written < req.stdin.len() {
                let chunk = &req.stdin[st.written..(st.written + 32 * 1024).min(req.stdin.len())];
                match ch.write(chunk) {
                    Ok(n) => {
                        st.written += n;
                        progress |= n > 0;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    // The remote side stopped reading (exited or closed stdin): stop sending.
                    Err(_) => st.written = req.stdin.len(),
                }
            } else if !st.eof_sent {
                match ch.send_eof() {
                    Ok(()) => {
                        st.eof_sent = true;
                        progress = true;
                    }
                    Err(e) if is_again(&e) => {}
                    Err(_) => st.eof_sent = true,
                }
            }
            // Both output streams, each until it would block, so neither can fill up.
            let mut drained = true;
            for (id, sink) in [(0, &mut st.stdout), (1, &mut st.stderr)] {
                loop {
                    match ch.stream(id).read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            sink.extend_from_slice(&buf[..n]);
                            progress = true;
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            drained = false;
                            break;
                        }
                        Err(e) => {
                            return Err(self.lost("reading the command's output", e));
                        }
                    }
                }
            }
            if drained && ch.eof() {
                break;
            }
            let now = Instant::now();
            if now >= end {
                // Abandon the command: ask the server to close the channel, do not wait.
                let _ = ch.close();
                return Err(self.timeout(req.deadline));
            }
            if let Err(e) = self.keepalive_tick(now, &mut next_ka) {
                return Err(self.lost("keepalive", e.message()));
            }
            if !progress {
                self.wait_socket((end - now).min(MAX_POLL));
            }
        }

        match self.retry(end, &mut next_ka, |_| ch.close()) {
            Ok(Some(())) => {}
            Ok(None) => return Err(self.timeout(req.deadline)),
            Err(e) => return Err(self.lost("closing the channel", e.message())),
        }
        match self.retry(end, &mut next_ka, |_| ch.wait_close()) {
            Ok(Some(())) => {}
            Ok(None) => return Err(self.timeout(req.deadline)),
            Err(e) => return Err(self.lost("closing the channel", e.message())),
        }
        let killed = matches!(ch.exit_signal(), Ok(sig) if sig.exit_signal.is_some());
        let exit_status = if killed {
            -1
        } else {
            ch.exit_status()
                .map_err(|e| self.lost("reading the exit status", e.message()))?
        };
        Ok(ExecOutput {
            stdout: st.stdout,
            stderr: st.stderr,
            exit_status,
            duration: start.elapsed(),
        })
    }
}

impl Session for SshSession {
    fn host(&self) -> &HostSpec {
        &self.host
    }

    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
        if let Some(why) = &self.broken {
            return Err(TransportError::ConnectionLost {
                host: self.host.name.clone(),
                detail: why.clone(),
            });
        }
        self.run(req)
    }

    fn upload(&mut self, remote_path: &str, bytes: &[u8]) -> Result<(), TransportError> {
        if let Some(why) = &self.broken {
            return Err(TransportError::ConnectionLost {
                host: self.host.name.clone(),
                detail: why.clone(),
            });
        }
        // SFTP through ssh2 is simplest in blocking mode. Before every SFTP call libssh2's
        // timeout is set to the time left before the deadline, so the whole upload ends by
        // then (libssh2 counts its timeout from the start of each call).
        let deadline = self.command_timeout;
        let end = Instant::now() + deadline;
        self.sess.set_blocking(true);
        let result = sftp_upload(&self.sess, remote_path, bytes, end);
        self.sess.set_timeout(0);
        self.sess.set_blocking(false);
        result.map_err(|f| {
            let detail = if f.timed_out {
                let detail = format!(
                    "did not finish within {} s ({}); raise connection.command_timeout_s or \
                     check the host",
                    deadline.as_secs(),
                    f.detail
                );
                self.broken = Some(format!("an upload was abandoned: {detail}"));
                detail
            } else {
                f.detail
            };
            TransportError::Upload {
                host: self.host.name.clone(),
                path: remote_path.to_string(),
                detail,
            }
        })
    }
}

/// Why an upload failed, and whether it was the deadline.
struct UploadFailure {
    detail: String,
    timed_out: bool,
}

/// Numbers temporary upload names within this process.
static NEXT_UPLOAD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A temporary name beside `remote_path` (same directory, so the final rename stays on one
/// file system): `DIR/.NAME.bisrc-PID-N.tmp`. Both `/` and `\` separate directories, as
/// Windows OpenSSH accepts either.
pub fn upload_temp_name(remote_path: &str) -> String {
    let cut = remote_path.rfind(['/', '\\']).map(|i| i + 1).unwrap_or(0);
    let (dir, name) = remote_path.split_at(cut);
    format!(
        "{dir}.{name}.bisrc-{}-{}.tmp",
        std::process::id(),
        NEXT_UPLOAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Writes `bytes` to a temporary file beside `remote`, then renames it into place, so the
/// target is either untouched or complete. Every SFTP call is bounded by what is left before
/// `end`; a failure removes the temporary file (best effort, within a short grace).
fn sftp_upload(
    sess: &ssh2::Session,
    remote: &str,
    bytes: &[u8],
    end: Instant,
) -> Result<(), UploadFailure> {
    // Arms libssh2's timeout with the time left; fails once the deadline has passed.
    let arm = |what: &str| -> Result<(), UploadFailure> {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(UploadFailure {
                detail: format!("deadline reached before {what}"),
                timed_out: true,
            });
        }
        sess.set_timeout(u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1));
        Ok(())
    };
    let fail = |what: &str, detail: String| UploadFailure {
        timed_out: Instant::now() + Duration::from_millis(50) >= end
            || detail.contains("Timed out"),
        detail: format!("{what}: {detail}"),
    };
    arm("starting SFTP")?;
    let sftp = sess
        .sftp()
        .map_err(|e| fail("cannot start SFTP", e.message().to_string()))?;
    let tmp = upload_temp_name(remote);
    let tmp_path = Path::new(&tmp);
    arm("creating the file")?;
    let mut f = sftp
        .open_mode(
            tmp_path,
            ssh2::OpenFlags::WRITE
                | ssh2::OpenFlags::CREATE
                | ssh2::OpenFlags::EXCLUSIVE
                | ssh2::OpenFlags::TRUNCATE,
            0o644,
            ssh2::OpenType::File,
        )
        .map_err(|e| fail("cannot create the file", e.message().to_string()))?;
    let written = (|| -> Result<(), UploadFailure> {
        for chunk in bytes.chunks(256 * 1024) {
            arm("writing")?;
            f.write_all(chunk)
                .map_err(|e| fail("write", e.to_string()))?;
        }
        arm("fsync")?;
        f.fsync().or_else(|e| {
            // Not every server implements fsync@openssh.com (Windows OpenSSH does not).
            if matches!(e.code(), ssh2::ErrorCode::SFTP(_)) {
                Ok(())
            } else {
                Err(fail("fsync", e.message().to_string()))
            }
        })?;
        arm("closing the file")?;
        f.close()
            .map_err(|e| fail("close", e.message().to_string()))?;
        arm("renaming into place")?;
        rename_into_place(&sftp, tmp_path, Path::new(remote))
            .map_err(|e| fail("rename into place", e.message().to_string()))
    })();
    drop(f);
    if written.is_err() {
        // Best effort: a short grace past the deadline, so a dead peer cannot hold us.
        sess.set_timeout(2000);
        let _ = sftp.unlink(tmp_path);
    }
    written
}

/// Renames `tmp` onto `target`. SFTP v3 (OpenSSH) refuses to rename onto an existing file
/// and ssh2 does not expose `posix-rename@openssh.com`, so an existing target is first moved
/// aside, then removed once the new file is in place (and moved back if that fails). The
/// target is thus briefly absent, but never partial.
fn rename_into_place(sftp: &ssh2::Sftp, tmp: &Path, target: &Path) -> Result<(), ssh2::Error> {
    let first = match sftp.rename(tmp, target, None) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    // Only a regular file is replaced: a directory (or anything else) stays where it is.
    if !sftp.lstat(target).map(|st| st.is_file()).unwrap_or(false) {
        return Err(first);
    }
    let aside = std::path::PathBuf::from(format!("{}.old", tmp.display()));
    sftp.rename(target, &aside, None)?;
    if let Err(e) = sftp.rename(tmp, target, None) {
        let _ = sftp.rename(&aside, target, None);
        return Err(e);
    }
    let _ = sftp.unlink(&aside);
    Ok(())
}

impl Drop for SshSession {
    fn drop(&mut self) {
        if self.broken.is_none() {
            // A polite goodbye, bounded so that a dead peer cannot hold the caller.
            self.sess.set_blocking(true);
            self.sess.set_timeout(1000);
            let _ = self
                .sess
                .disconnect(Some(ssh2::DisconnectCode::ByApplication), "bye", None);
        }
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

    #[test]
    fn upload_temp_names_sit_beside_the_target() {
        let pid = std::process::id();
        let t = upload_temp_name("/srv/media/setup.iso");
        assert!(
            t.starts_with(&format!("/srv/media/.setup.iso.bisrc-{pid}-")),
            "{t}"
        );
        assert!(t.ends_with(".tmp"));
        let w = upload_temp_name("C:\\bisrc\\s.ps1");
        assert!(
            w.starts_with(&format!("C:\\bisrc\\.s.ps1.bisrc-{pid}-")),
            "{w}"
        );
        let r = upload_temp_name("x.bin");
        assert!(r.starts_with(&format!(".x.bin.bisrc-{pid}-")), "{r}");
        assert_ne!(upload_temp_name("a"), upload_temp_name("a"));
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
