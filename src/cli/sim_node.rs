//! `bisrc sim-node`: serve one step as a simulated node, behind sshd's ForceCommand.
//!
//! Reads the command from `SSH_ORIGINAL_COMMAND` (or the trailing arguments), the payload
//! from standard input, and answers as the node would, with the node's exact exit status
//! (255 for a node that is down), which is why this verb exits the process itself. An SFTP
//! subsystem request is handed to OpenSSH's sftp-server.

use std::io::{Read, Write};
use std::path::PathBuf;

/// OpenSSH's SFTP server on Debian.
const SFTP_SERVER: &str = "/usr/lib/openssh/sftp-server";

/// Arguments of `bisrc sim-node`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inventory describing the simulated site.
    #[arg(long)]
    inventory: PathBuf,
    /// Directory holding the world's state (shared by all nodes).
    #[arg(long)]
    world: PathBuf,
    /// The node this process plays.
    #[arg(long)]
    node: String,
    /// The command, when `SSH_ORIGINAL_COMMAND` is not set.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// Whether `command` is an SFTP subsystem request.
fn is_sftp(command: &str) -> bool {
    let c = command.trim();
    c == "internal-sftp" || c.ends_with("sftp-server")
}

/// Runs `bisrc sim-node`; exits the process with the node's status.
pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    let command = std::env::var("SSH_ORIGINAL_COMMAND").unwrap_or_else(|_| args.command.join(" "));
    if is_sftp(&command) {
        use std::os::unix::process::CommandExt as _;
        let err = std::process::Command::new(SFTP_SERVER).exec();
        anyhow::bail!("cannot run {SFTP_SERVER}: {err}");
    }
    // One process per session: the parsed inventory comes from the world directory's cache.
    let inventory = match crate::sim::inventory_cache::load(&args.inventory, &args.world) {
        Ok(i) => i,
        Err(e) => anyhow::bail!("cannot load {}: {e}", args.inventory.display()),
    };
    let mut stdin = Vec::new();
    std::io::stdin().read_to_end(&mut stdin)?;
    let out = crate::sim::serve(&args.world, &inventory, &args.node, &command, &stdin);
    {
        let mut o = std::io::stdout().lock();
        o.write_all(&out.stdout)?;
        o.flush()?;
        let mut e = std::io::stderr().lock();
        e.write_all(&out.stderr)?;
        e.flush()?;
    }
    std::process::exit(out.exit_status);
}

#[cfg(test)]
mod tests {
    use super::is_sftp;

    #[test]
    fn sftp_requests_are_recognised() {
        assert!(is_sftp("internal-sftp"));
        assert!(is_sftp("/usr/lib/openssh/sftp-server"));
        assert!(!is_sftp("powershell -NoProfile -EncodedCommand AAAA"));
    }
}
