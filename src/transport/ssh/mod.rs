//! The ssh2 (libssh2) transport: connects to one host with a connect timeout, checks its host
//! key strictly against known_hosts, authenticates in the configured order, then runs commands
//! on channels of that one session with a wall-clock deadline each.
//!
//! It takes a [`TransportConfig`] and a [`HostSpec`]; it produces an [`SshSession`]. It must
//! never block on one stream while the other fills (a blocking stdout read deadlocks when the
//! remote writes megabytes to stderr first), never rely on libssh2's timeout as a deadline (it
//! is only an inactivity timeout), and never put standard input or a secret into an error.
//!
//! By job: `known_hosts.rs` (host key names, fingerprints, strict checking, recording),
//! `auth.rs` (key, agent and password logon in the configured order), `session.rs` (the
//! session and its interface), `exec.rs` (one command per channel with a deadline, both
//! streams drained), `sftp.rs` (uploads through a temporary name). This file connects. Only
//! this file imports its siblings; `exec.rs` and `sftp.rs` import the session they extend.

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

mod auth;
mod exec;
pub mod known_hosts;
mod session;
mod sftp;

pub use known_hosts::{fingerprint, key_type, known_hosts_name};
pub use session::SshSession;
pub use sftp::upload_temp_name;

use known_hosts::host_key_preference;

use super::{HostSpec, Session, Transport, TransportConfig, TransportError};

/// libssh2's "timed out" code (its inactivity timeout in blocking mode).
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;

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

fn is_timeout(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
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
        let known_hosts = known_hosts::read_known_hosts(&self.config)?;
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
        known_hosts::verify_host_key(&self.config, &sess, host, &known_hosts)?;
        auth::authenticate(&self.config, &sess, host)?;
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
