//! Transport: how a step reaches a node. It takes hosts (from the inventory) and a connection
//! configuration, and produces sessions that run commands, carry a step [`Payload`] on standard
//! input and return what the node printed. The ssh2 implementation lives in [`ssh`], the
//! Windows command form in [`windows`]. Working on many hosts at once is the engine's job
//! (`engine::host`: one pool, one fan-out, one event stream).
//!
//! This module never prints: failures leave as [`TransportError`]s that name the host, the cause and what to do. It never logs or returns
//! what travels on standard input (it may hold secrets).

pub mod simulated;
pub mod ssh;
pub mod windows;

use std::path::PathBuf;
use std::time::Duration;

use crate::inventory::{expand_tilde, AuthMethod, Connection, SecretRef};
use crate::step::{self, Payload, StepOutcome};
use crate::topology::Host;

/// One host bisrc connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Computer name from the inventory (what errors and progress show).
    pub name: String,
    /// DNS name or IP address SSH connects to.
    pub address: String,
    /// TCP port.
    pub port: u16,
    /// Site the host belongs to.
    pub site: String,
}

impl HostSpec {
    /// The transport's view of a topology host: its own `port`, else `default_port`
    /// (`connection.port`, see [`defaults::port`]).
    pub fn of(h: &Host, default_port: u16) -> HostSpec {
        HostSpec {
            name: h.name.clone(),
            address: h.address.clone(),
            port: h.port.unwrap_or(default_port),
            site: h.site.clone(),
        }
    }

    /// `address:port`, with brackets around an IPv6 literal.
    pub fn endpoint(&self) -> String {
        if self.address.contains(':') {
            format!("[{}]:{}", self.address, self.port)
        } else {
            format!("{}:{}", self.address, self.port)
        }
    }
}

/// One way to authenticate, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A private key file (OpenSSH or PEM format), unlocked with
    /// [`TransportConfig::identity_passphrase`] when it is encrypted.
    Key(PathBuf),
    /// The SSH agent at [`TransportConfig::agent_socket`] (default `SSH_AUTH_SOCK`).
    Agent,
    /// A password read from a secret reference when it is needed.
    Password(SecretRef),
}

impl Auth {
    /// `key`, `agent` or `password`.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::Key(_) => "key",
            Auth::Agent => "agent",
            Auth::Password(_) => "password",
        }
    }
}

/// Everything a transport needs to reach hosts. Built from the inventory's `connection` block
/// plus command-line overrides.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Account to log on as, passed as is (`CONTOSO\svc-bisrc` works).
    pub user: String,
    /// Authentication methods, tried in this order.
    pub auth: Vec<Auth>,
    /// Passphrase of the key files of [`Auth::Key`], resolved only when a key is tried.
    pub identity_passphrase: Option<SecretRef>,
    /// The agent's socket; `None` means the `SSH_AUTH_SOCK` of this process at connect time.
    pub agent_socket: Option<PathBuf>,
    /// The known_hosts file host keys are checked against.
    pub known_hosts: PathBuf,
    /// Record unknown host keys instead of refusing them (a changed key is always refused).
    pub accept_new_host_keys: bool,
    /// TCP connect timeout (also bounds the SSH handshake and authentication).
    pub connect_timeout: Duration,
    /// Wall-clock deadline of one remote command.
    pub command_timeout: Duration,
    /// Interval between SSH keepalive messages.
    pub keepalive: Duration,
    /// How many hosts are worked on at once.
    pub parallelism: usize,
}

/// Command-line settings that override or complete the inventory's `connection` block.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--accept-new-host-keys`.
    pub accept_new_host_keys: bool,
    /// `--parallelism` (default 10).
    pub parallelism: Option<usize>,
}

/// What an unset key of the inventory's `connection` block means, defined once for the ssh
/// and the simulated transport alike.
pub mod defaults {
    use std::time::Duration;

    use crate::inventory::Connection;

    /// SSH port.
    pub const PORT: u16 = 22;
    /// TCP connect timeout (also bounds the handshake and authentication), seconds.
    pub const CONNECT_TIMEOUT_S: u64 = 10;
    /// Wall-clock deadline of one remote command, seconds.
    pub const COMMAND_TIMEOUT_S: u64 = 3600;
    /// Interval between SSH keepalives, seconds.
    pub const KEEPALIVE_S: u64 = 15;
    /// Hosts worked on at once.
    pub const PARALLELISM: usize = 10;
    /// The known_hosts file.
    pub const KNOWN_HOSTS: &str = "~/.ssh/known_hosts";

    /// `connection.port`, else [`PORT`].
    pub fn port(c: &Connection) -> u16 {
        c.port.as_ref().map_or(PORT, |p| p.value)
    }

    /// `connection.command_timeout_s`, else [`COMMAND_TIMEOUT_S`].
    pub fn command_timeout(c: &Connection) -> Duration {
        Duration::from_secs(
            c.command_timeout_s
                .as_ref()
                .map_or(COMMAND_TIMEOUT_S, |s| s.value),
        )
    }

    /// `--parallelism`, else [`PARALLELISM`]; at least 1.
    pub fn parallelism(flag: Option<usize>) -> usize {
        flag.unwrap_or(PARALLELISM).max(1)
    }
}

impl TransportConfig {
    /// Builds the configuration from the inventory's `connection` block and CLI overrides.
    ///
    /// Methods come from `connection.auth_order` when given, else key → agent → password;
    /// either way only methods that are configured (`identity_file`, `agent: true`,
    /// `password`) are kept. The password is not read here, only when it is tried.
    pub fn from_inventory(c: &Connection, o: &Overrides) -> Result<TransportConfig, String> {
        let user = c
            .user
            .as_ref()
            .map(|u| u.value.clone())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                "connection.user is required for the ssh transport (e.g. CONTOSO\\svc-bisrc)"
                    .to_string()
            })?;
        let order: Vec<AuthMethod> = match &c.auth_order {
            Some(list) => list.iter().map(|m| m.value).collect(),
            None => vec![AuthMethod::Key, AuthMethod::Agent, AuthMethod::Password],
        };
        let mut auth = Vec::new();
        for m in order {
            let a = match m {
                AuthMethod::Key => c
                    .identity_file
                    .as_ref()
                    .map(|p| Auth::Key(expand_tilde(std::path::Path::new(p.as_str())))),
                AuthMethod::Agent => c.agent.as_ref().filter(|a| a.value).map(|_| Auth::Agent),
                AuthMethod::Password => {
                    c.password.as_ref().map(|p| Auth::Password(p.value.clone()))
                }
            };
            if let Some(a) = a {
                if !auth.contains(&a) {
                    auth.push(a);
                }
            }
        }
        if auth.is_empty() {
            return Err(
                "no SSH authentication method is configured: set connection.identity_file, \
                 connection.agent: true or connection.password"
                    .to_string(),
            );
        }
        let known_hosts = match &c.known_hosts {
            Some(p) => expand_tilde(std::path::Path::new(p.as_str())),
            None => expand_tilde(std::path::Path::new(defaults::KNOWN_HOSTS)),
        };
        let secs = |v: &Option<crate::inventory::Spanned<u64>>, d: u64| {
            Duration::from_secs(v.as_ref().map(|s| s.value).unwrap_or(d))
        };
        Ok(TransportConfig {
            user,
            auth,
            identity_passphrase: c.identity_passphrase.as_ref().map(|p| p.value.clone()),
            agent_socket: None,
            known_hosts,
            accept_new_host_keys: o.accept_new_host_keys,
            connect_timeout: secs(&c.connect_timeout_s, defaults::CONNECT_TIMEOUT_S),
            command_timeout: defaults::command_timeout(c),
            keepalive: secs(&c.keepalive_s, defaults::KEEPALIVE_S),
            parallelism: defaults::parallelism(o.parallelism),
        })
    }
}

/// One remote command.
pub struct ExecRequest {
    /// The command line, as the remote shell receives it.
    pub command_line: String,
    /// Bytes sent on the command's standard input, then EOF. May hold secrets: never logged,
    /// never part of an error.
    pub stdin: Vec<u8>,
    /// Wall-clock deadline for the whole command.
    pub deadline: Duration,
}

impl std::fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecRequest")
            .field("command_line", &self.command_line)
            .field(
                "stdin",
                &format_args!("({} bytes, not shown)", self.stdin.len()),
            )
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// What a remote command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output, complete.
    pub stdout: Vec<u8>,
    /// Standard error, complete.
    pub stderr: Vec<u8>,
    /// Exit status (a process killed by a signal reports -1).
    pub exit_status: i32,
    /// Wall-clock time of the command.
    pub duration: Duration,
}

/// Opens sessions to hosts.
pub trait Transport: Send + Sync {
    /// Connects and authenticates to one host.
    fn connect(&self, host: &HostSpec) -> Result<Box<dyn Session>, TransportError>;
}

/// A connection to one host, reused for every command of a run.
pub trait Session: Send {
    /// The host this session is connected to.
    fn host(&self) -> &HostSpec;
    /// Runs one command to completion or until its deadline.
    fn exec(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError>;
    /// Writes a file on the host (creating or truncating it).
    fn upload(&mut self, remote_path: &str, bytes: &[u8]) -> Result<(), TransportError>;
}

/// One known_hosts entry recorded for a host (any key type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey {
    /// Line number in the known_hosts file (1-based).
    pub line: usize,
    /// Key algorithm written on that line, e.g. `ecdsa-sha2-nistp256`.
    pub key_type: String,
    /// `SHA256:...` of the recorded key, or `(unreadable key)`.
    pub fingerprint: String,
}

/// The details of a changed host key (boxed: it is the largest error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyChange {
    /// Host name.
    pub host: String,
    /// The name looked up (`address` or `[address]:port`).
    pub known_hosts_name: String,
    /// The known_hosts file.
    pub known_hosts: String,
    /// Key algorithm of the presented key, e.g. `ssh-ed25519`.
    pub presented_type: String,
    /// `SHA256:...` presented by the host.
    pub presented: String,
    /// Every entry known_hosts holds for the host; none matches the presented key.
    pub known: Vec<KnownKey>,
}

impl std::fmt::Display for HostKeyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let known: Vec<String> = self
            .known
            .iter()
            .map(|k| format!("line {} {} {}", k.line, k.key_type, k.fingerprint))
            .collect();
        write!(
            f,
            "{}: HOST KEY CHANGED for {}: the host presented {} key {}, but {} holds other keys \
             for it ({}); this may be an attack. If the change is expected (host rebuilt, or its \
             key type changed), remove those lines (ssh-keygen -R '{}' -f {}) and connect again",
            self.host,
            self.known_hosts_name,
            self.presented_type,
            self.presented,
            self.known_hosts,
            known.join("; "),
            self.known_hosts_name,
            self.known_hosts,
        )
    }
}

/// Why reaching a host or running a command failed. Every message names the host and says
/// what to do; none contains standard input or a secret value.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// DNS (or /etc/hosts) has no address for the host.
    #[error("{host}: cannot resolve {address}: {detail}; check the node's address in the inventory and DNS")]
    NameNotResolved {
        /// Host name.
        host: String,
        /// The address that did not resolve.
        address: String,
        /// The resolver's message.
        detail: String,
    },
    /// Nothing listens on the port.
    #[error("{host}: connection refused by {endpoint}; is the OpenSSH Server service (sshd) running and is the port right?")]
    ConnectionRefused {
        /// Host name.
        host: String,
        /// `address:port`.
        endpoint: String,
    },
    /// No route (host down, ARP failure, network unreachable).
    #[error("{host}: no route to {endpoint} ({detail}); is the host up and reachable from here?")]
    NoRoute {
        /// Host name.
        host: String,
        /// `address:port`.
        endpoint: String,
        /// The system's message.
        detail: String,
    },
    /// The TCP connection or SSH handshake did not complete in time.
    #[error("{host}: connecting to {endpoint} timed out after {secs} s; check firewalls (TCP {port}) and that the host is up, or raise connection.connect_timeout_s")]
    ConnectTimeout {
        /// Host name.
        host: String,
        /// `address:port`.
        endpoint: String,
        /// Port (for the hint).
        port: u16,
        /// The timeout.
        secs: u64,
    },
    /// Another connect-time failure (socket error, SSH handshake failure).
    #[error("{host}: cannot connect to {endpoint}: {detail}")]
    Connect {
        /// Host name.
        host: String,
        /// `address:port`.
        endpoint: String,
        /// What failed.
        detail: String,
    },
    /// The host presented a key that known_hosts does not hold.
    #[error("{host}: host key of {known_hosts_name} is not in {known_hosts} (presented {key_type} key {fingerprint}); check the fingerprint on the host (ssh-keygen -lf C:\\ProgramData\\ssh\\ssh_host_ed25519_key.pub) and pass --accept-new-host-keys to record it, or add it with ssh-keyscan")]
    HostKeyUnknown {
        /// Host name.
        host: String,
        /// The name looked up (`address` or `[address]:port`).
        known_hosts_name: String,
        /// The known_hosts file.
        known_hosts: String,
        /// Key algorithm, e.g. `ssh-ed25519`.
        key_type: String,
        /// `SHA256:...` of the presented key.
        fingerprint: String,
    },
    /// known_hosts holds keys for the host but none is the presented one (whatever their
    /// types): refused, always, even with `--accept-new-host-keys`.
    #[error("{0}")]
    HostKeyChanged(Box<HostKeyChange>),
    /// The presented key is marked `@revoked` in known_hosts: refused, always.
    #[error("{host}: the host key {fingerprint} presented by {known_hosts_name} is marked @revoked in {known_hosts} line {line}; refusing to connect")]
    HostKeyRevoked {
        /// Host name.
        host: String,
        /// The name looked up.
        known_hosts_name: String,
        /// The known_hosts file.
        known_hosts: String,
        /// Line of the `@revoked` entry.
        line: usize,
        /// `SHA256:...` of the presented key.
        fingerprint: String,
    },
    /// The known_hosts file could not be read or written.
    #[error("known_hosts file {path}: {detail}")]
    KnownHostsFile {
        /// The file.
        path: String,
        /// What failed.
        detail: String,
    },
    /// No authentication method was accepted.
    #[error("{host}: authentication as {user} refused; tried: {}; check the account, its authorized_keys (administrators_authorized_keys for administrators) or the password", tried.join("; "))]
    AuthRefused {
        /// Host name.
        host: String,
        /// The account.
        user: String,
        /// One entry per method tried: `key (PATH): refused`...
        tried: Vec<String>,
    },
    /// The command did not finish before its deadline; its channel was closed.
    #[error("{host}: command timed out after {secs} s and was abandoned; raise connection.command_timeout_s if the step is legitimately slow, or check the host")]
    CommandTimeout {
        /// Host name.
        host: String,
        /// The deadline in seconds.
        secs: u64,
    },
    /// The connection broke during a command or a file transfer.
    #[error("{host}: connection lost: {detail}")]
    ConnectionLost {
        /// Host name.
        host: String,
        /// What failed.
        detail: String,
    },
    /// The remote command exited non-zero without reporting any step result.
    #[error("{host}: remote command exited with status {exit_status}; last lines of stderr:\n{stderr_tail}")]
    RemoteExit {
        /// Host name.
        host: String,
        /// Exit status.
        exit_status: i32,
        /// The last lines of standard error.
        stderr_tail: String,
    },
    /// The node's answer does not follow the step contract.
    #[error("{host}: {detail}")]
    Protocol {
        /// Host name.
        host: String,
        /// What is wrong.
        detail: String,
    },
    /// An SFTP upload failed.
    #[error("{host}: upload to {path} failed: {detail}")]
    Upload {
        /// Host name.
        host: String,
        /// Remote path.
        path: String,
        /// What failed.
        detail: String,
    },
    /// bisrc itself failed while working on this host (a bug).
    #[error("{host}: internal error: {detail}")]
    Internal {
        /// Host name.
        host: String,
        /// What happened.
        detail: String,
    },
}

impl TransportError {
    /// Whether the error happened before a session existed (the host was never reached).
    pub fn is_connect_error(&self) -> bool {
        matches!(
            self,
            TransportError::NameNotResolved { .. }
                | TransportError::ConnectionRefused { .. }
                | TransportError::NoRoute { .. }
                | TransportError::ConnectTimeout { .. }
                | TransportError::Connect { .. }
                | TransportError::HostKeyUnknown { .. }
                | TransportError::HostKeyChanged(_)
                | TransportError::HostKeyRevoked { .. }
                | TransportError::KnownHostsFile { .. }
                | TransportError::AuthRefused { .. }
        )
    }
}

impl TransportError {
    /// Whether the session that returned this error is unusable (lost, abandoned after a
    /// timeout, or never opened): the caller must reconnect. A node that answered — a
    /// non-zero exit, an unreadable result — leaves the session usable.
    pub fn breaks_session(&self) -> bool {
        self.is_connect_error()
            || matches!(
                self,
                TransportError::ConnectionLost { .. } | TransportError::CommandTimeout { .. }
            )
    }
}

/// The last `n` lines of a byte stream, lossily decoded.
pub fn tail_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs a step payload on a session: serializes it to standard input, sends the Windows
/// bootstrap command ([`windows::command_line`]) and reads the `BISRC-RESULT` lines.
///
/// A non-zero exit with no result at all is a [`TransportError::RemoteExit`] carrying the
/// tail of stderr; failed steps that did report are returned as outcomes with `ok == false`.
pub fn run_payload(
    session: &mut dyn Session,
    payload: &Payload,
    deadline: Duration,
) -> Result<Vec<StepOutcome>, TransportError> {
    let host = session.host().name.clone();
    let stdin = serde_json::to_vec(payload).map_err(|e| TransportError::Internal {
        host: host.clone(),
        detail: format!("cannot serialize the payload: {e}"),
    })?;
    let out = session.exec(&ExecRequest {
        command_line: windows::command_line(),
        stdin,
        deadline,
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let outcomes = step::parse_results(&stdout).map_err(|detail| TransportError::Protocol {
        host: host.clone(),
        detail,
    })?;
    if outcomes.is_empty() && (out.exit_status != 0 || !payload.steps.is_empty()) {
        return Err(TransportError::RemoteExit {
            host,
            exit_status: out.exit_status,
            stderr_tail: tail_lines(&out.stderr, 10),
        });
    }
    if outcomes.len() > payload.steps.len() {
        return Err(TransportError::Protocol {
            host,
            detail: format!(
                "the node reported {} results for {} steps",
                outcomes.len(),
                payload.steps.len()
            ),
        });
    }
    if out.exit_status != 0 && outcomes.iter().all(|o| o.ok) {
        // The bootstrap itself died after the last reported step (e.g. a script called `exit`).
        return Err(TransportError::RemoteExit {
            host,
            exit_status: out.exit_status,
            stderr_tail: tail_lines(&out.stderr, 10),
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, Spanned};

    fn load(name: &str) -> Inventory {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("inventories")
            .join(name);
        crate::inventory::load(&path)
            .unwrap_or_else(|e| panic!("{name}: {}", e.message))
            .inventory
    }

    #[test]
    fn config_comes_from_the_connection_block_with_defaults() {
        let inv = load("contoso-prod.yaml");
        let home = std::env::var("HOME").unwrap();
        let cfg = TransportConfig::from_inventory(
            &inv.connection,
            &Overrides {
                accept_new_host_keys: true,
                parallelism: Some(3),
            },
        )
        .unwrap();
        assert_eq!(cfg.user, "CONTOSO\\svc-bisrc");
        assert_eq!(
            cfg.auth,
            vec![
                Auth::Key(PathBuf::from(format!("{home}/.ssh/id_ed25519"))),
                Auth::Password(SecretRef::Env("BISRC_DEPLOY_PASSWORD".into())),
            ]
        );
        assert_eq!(
            cfg.known_hosts,
            PathBuf::from(format!("{home}/.ssh/known_hosts"))
        );
        assert_eq!(cfg.connect_timeout, Duration::from_secs(10));
        assert_eq!(cfg.command_timeout, Duration::from_secs(3600));
        assert_eq!(cfg.keepalive, Duration::from_secs(15));
        assert!(cfg.accept_new_host_keys);
        assert_eq!(cfg.parallelism, 3);
        assert_eq!(cfg.identity_passphrase, None);
        assert_eq!(
            cfg.agent_socket, None,
            "None: SSH_AUTH_SOCK at connect time"
        );

        let mut c = inv.connection.clone();
        c.identity_passphrase = Some(Spanned::new(SecretRef::File(PathBuf::from("/k.pass"))));
        let cfg = TransportConfig::from_inventory(&c, &Overrides::default()).unwrap();
        assert_eq!(
            cfg.identity_passphrase,
            Some(SecretRef::File(PathBuf::from("/k.pass")))
        );
    }

    #[test]
    fn auth_order_is_obeyed_and_unconfigured_methods_are_skipped() {
        let mut c = load("contoso-prod.yaml").connection;
        c.auth_order = Some(vec![
            Spanned::new(AuthMethod::Password),
            Spanned::new(AuthMethod::Agent),
            Spanned::new(AuthMethod::Key),
        ]);
        let cfg = TransportConfig::from_inventory(&c, &Overrides::default()).unwrap();
        let names: Vec<&str> = cfg.auth.iter().map(Auth::name).collect();
        assert_eq!(names, vec!["password", "key"]);
        assert_eq!(cfg.parallelism, defaults::PARALLELISM);

        c.identity_file = None;
        c.password = None;
        let err = TransportConfig::from_inventory(&c, &Overrides::default()).unwrap_err();
        assert!(
            err.starts_with("no SSH authentication method is configured"),
            "{err}"
        );
        c.agent = Some(Spanned::new(true));
        let cfg = TransportConfig::from_inventory(&c, &Overrides::default()).unwrap();
        assert_eq!(cfg.auth, vec![Auth::Agent]);
        c.user = None;
        let err = TransportConfig::from_inventory(&c, &Overrides::default()).unwrap_err();
        assert!(err.starts_with("connection.user is required"), "{err}");
    }

    fn hosts_of(inv: &Inventory) -> Vec<HostSpec> {
        let topology = crate::topology::Topology::build(inv, None).unwrap();
        let port = defaults::port(&inv.connection);
        topology
            .hosts
            .iter()
            .map(|h| HostSpec::of(h, port))
            .collect()
    }

    #[test]
    fn hosts_take_their_port_from_the_node_then_the_connection() {
        let mut inv = load("scaled-out.yaml");
        inv.connection.port = Some(Spanned::new(2222));
        let hosts = hosts_of(&inv);
        let fab01 = hosts.iter().find(|h| h.name == "FABSQL01").unwrap();
        assert_eq!(
            (fab01.address.as_str(), fab01.port, fab01.site.as_str()),
            ("172.16.4.11", 2222, "main")
        );
        let bts = hosts.iter().find(|h| h.name == "FABBTS01").unwrap();
        assert_eq!(
            (bts.port, bts.endpoint()),
            (22, "172.16.4.31:22".to_string())
        );
        let lab = hosts_of(&load("lab.yaml"));
        let names: Vec<&str> = lab.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(&names[..3], &["LABSQL1", "LABSQL2", "LABBTS1"]);
        assert!(lab.iter().all(|h| h.port == 22));
    }
}
