//! SFTP uploads: the bytes go to a temporary name beside the target and are renamed into
//! place, every call bounded by the command deadline, so the target is untouched or complete.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::transport::TransportError;

use super::session::SshSession;

impl SshSession {
    /// Uploads over SFTP within the command deadline (see [`sftp_upload`]); an upload
    /// abandoned at its deadline leaves the session broken.
    pub(super) fn sftp_put(
        &mut self,
        remote_path: &str,
        bytes: &[u8],
    ) -> Result<(), TransportError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
