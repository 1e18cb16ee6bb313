//! Exec: one command per channel of the session, standard input written while both output
//! streams are drained (never blocking on one while the other fills), under a wall-clock
//! deadline and keepalives; an abandoned command breaks the session.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

use ssh2::BlockDirections;

use crate::transport::{ExecOutput, ExecRequest, TransportError};

use super::session::SshSession;

/// libssh2's "would block" code.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

fn is_again(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_EAGAIN)
}

/// Longest sleep of the I/O loop between checks of the deadline and keepalive.
const MAX_POLL: Duration = Duration::from_millis(250);

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

    pub(super) fn run(&mut self, req: &ExecRequest) -> Result<ExecOutput, TransportError> {
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
