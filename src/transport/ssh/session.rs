//! The session to one host: what it holds, the `Session` interface (refusing work once the
//! session is broken), and a bounded goodbye on drop. Commands run in `exec.rs`, uploads in
//! `sftp.rs`.

use std::time::Duration;

use crate::transport::{ExecOutput, ExecRequest, HostSpec, Session, TransportError};

/// A connected, authenticated session to one host.
pub struct SshSession {
    pub(super) sess: ssh2::Session,
    pub(super) host: HostSpec,
    pub(super) keepalive: Duration,
    pub(super) command_timeout: Duration,
    /// Set when the session can no longer be trusted (I/O error, abandoned command).
    pub(super) broken: Option<String>,
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
        self.sftp_put(remote_path, bytes)
    }
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
