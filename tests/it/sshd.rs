//! The sshd test fixture: real OpenSSH `sshd -D -e` processes standing in for Windows nodes.
//!
//! [`SshdFleet::start`] starts one sshd per host on distinct 127.0.0.x addresses (or, for
//! partition tests, inside a network namespace reached over a veth link), with generated host
//! and client keys, a known_hosts file, an authorized_keys file, an optional `ForceCommand`
//! (e.g. `bisrc sim-node ...`) and optional `SetEnv`. Sessions log on as the dedicated
//! non-root user `bisrct` whose shell is `/bin/sh` (created if missing).
//!
//! It needs root (sshd's privilege separation, namespaces) and `/usr/sbin/sshd`; without them
//! it FAILS with what to do, it never skips. `Drop` kills exactly the processes it started
//! (each listener and its descendants: per-connection sshd processes and the commands they
//! run) and deletes the namespaces it created, also when a test panics.

// Shared by every feature's tests and the ssh benchmark; each uses a different subset.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use bisrc::transport::{Auth, HostSpec, TransportConfig};

/// The account sessions log on as.
pub const USER: &str = "bisrct";
const SSHD: &str = "/usr/sbin/sshd";

static NEXT_ADDR: AtomicUsize = AtomicUsize::new(0);
static NEXT_NS: AtomicUsize = AtomicUsize::new(0);
static NEXT_FLEET: AtomicUsize = AtomicUsize::new(0);
static SETUP: Once = Once::new();

/// What every sshd of a fleet is configured with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `ForceCommand`: run this instead of whatever the client asked for (the client's
    /// command line is then in `SSH_ORIGINAL_COMMAND`).
    pub force_command: Option<String>,
    /// `SetEnv NAME=VALUE` pairs for every session.
    pub set_env: Vec<(String, String)>,
    /// How many of the hosts (the last ones) live in their own network namespace.
    pub netns_hosts: usize,
    /// Host key types each sshd gets in addition to ed25519 (`ecdsa`, `rsa`); known_hosts
    /// still lists only the ed25519 key.
    pub extra_host_key_types: Vec<&'static str>,
    /// Turns password logon on (`PasswordAuthentication yes`, still `UsePAM no`: sshd checks
    /// /etc/shadow itself) and logs on as [`PASSWORD_USER`], whose password the fleet sets to
    /// a fresh random value ([`SshdFleet::password`]).
    pub password_auth: bool,
    /// Replaces `internal-sftp` as the `sftp` subsystem (e.g. `/bin/sleep 60`: an SFTP
    /// server that never answers).
    pub sftp_subsystem: Option<String>,
}

/// The account of password fleets. Not [`USER`]: every test process resets `USER`'s
/// password to `*` when it starts, which would break a password test running in another.
pub const PASSWORD_USER: &str = "bisrcpw";
/// Held (flock) by a password fleet for its whole life: password fleets of every test
/// process on the machine take turns, so none changes the password under another.
const PASSWORD_LOCK: &str = "/run/bisrc-sshd-password.lock";

/// A network namespace holding one host, linked to the root namespace by a veth pair.
#[derive(Debug)]
pub struct Netns {
    /// Namespace name (`ip netns`).
    pub name: String,
    /// The veth end in the root namespace.
    pub root_if: String,
    /// The address of the root-namespace end.
    pub root_addr: Ipv4Addr,
}

/// One fake node.
#[derive(Debug)]
pub struct Host {
    /// Host name (`node01`...).
    pub name: String,
    /// Address sshd listens on.
    pub address: String,
    /// Port sshd listens on.
    pub port: u16,
    /// The host's public key file (`ssh-keygen -lf` gives its fingerprint).
    pub host_key_pub: PathBuf,
    /// sshd's log (`-e` output).
    pub log: PathBuf,
    /// Set when the host lives in a network namespace.
    pub netns: Option<Netns>,
    config: PathBuf,
}

impl Host {
    /// The transport's view of this host.
    pub fn spec(&self) -> HostSpec {
        HostSpec {
            name: self.name.clone(),
            address: self.address.clone(),
            port: self.port,
            site: "primary".into(),
        }
    }

    /// The known_hosts line for this host.
    pub fn known_hosts_line(&self) -> String {
        let key = std::fs::read_to_string(&self.host_key_pub).expect("host key");
        let mut f = key.split_whitespace();
        format!(
            "[{}]:{} {} {}",
            self.address,
            self.port,
            f.next().unwrap(),
            f.next().unwrap()
        )
    }

    /// The host key's `SHA256:...` fingerprint as ssh-keygen computes it.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.host_key_pub)
    }
}

/// A set of running sshd processes and their files.
pub struct SshdFleet {
    dir: tempfile::TempDir,
    hosts: Vec<Host>,
    children: Vec<Child>,
    /// known_hosts holding every host's key.
    pub known_hosts: PathBuf,
    /// The client private key (authorized on every host).
    pub client_key: PathBuf,
    /// The account sessions log on as ([`USER`], or [`PASSWORD_USER`] for password fleets).
    pub user: String,
    /// That account's password, for password fleets.
    pub password: Option<String>,
    opts: Options,
    tag: String,
    /// The flock held by a password fleet (released when dropped).
    _password_lock: Option<std::fs::File>,
}

/// Environment variable set in every session of a fleet to its unique tag.
const TAG_VAR: &str = "BISRC_SSHD_FIXTURE";

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Fails the test unless running as root.
pub fn require_root(what: &str) {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "{what} needs root (sshd privilege separation, network namespaces); CI runs as root — \
         run the tests as root"
    );
}

/// Generates an ed25519 key pair at `path` (private, mode 0600) and `path.pub`.
pub fn keygen(path: &Path) {
    keygen_with(path, "ed25519", "");
}

/// Generates a key pair of `key_type` (`ed25519`, `ecdsa`, `rsa`) protected by `passphrase`
/// (empty: none) at `path` and `path.pub`.
pub fn keygen_with(path: &Path, key_type: &str, passphrase: &str) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", key_type, "-N", passphrase, "-C", "bisrc-test"]);
    if key_type == "rsa" {
        // 2048 bits: plenty for a test key and much faster to generate than the default.
        cmd.args(["-b", "2048"]);
    }
    run(cmd.arg("-f").arg(path));
}

/// The `type base64` part of a public key file.
pub fn public_key_fields(pub_file: &Path) -> String {
    let text = std::fs::read_to_string(pub_file).expect("public key");
    let mut f = text.split_whitespace();
    format!("{} {}", f.next().unwrap(), f.next().unwrap())
}

/// `SHA256:...` of a public key file, from `ssh-keygen -lf`.
pub fn key_fingerprint(pub_file: &Path) -> String {
    let out = run(Command::new("ssh-keygen").arg("-lf").arg(pub_file));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint field")
        .to_string()
}

/// Creates `user` (shell `/bin/sh`) when missing.
fn ensure_user(user: &str) {
    let known = Command::new("id").arg(user).output().expect("id");
    if !known.status.success() {
        // Another test process may create it at the same moment: re-check afterwards.
        let _ = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", user])
            .output();
        run(Command::new("id").arg(user));
    }
}

/// 32 hex digits from the kernel's random source.
fn random_hex() -> String {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("/dev/urandom");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Takes the password lock, then gives [`PASSWORD_USER`] a fresh random password.
fn set_random_password() -> (std::fs::File, String) {
    use fs2::FileExt;
    ensure_user(PASSWORD_USER);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(PASSWORD_LOCK)
        .expect("password lock file");
    lock.lock_exclusive().expect("flock");
    let password = format!("Pw-{}", random_hex());
    let mut child = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chpasswd");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PASSWORD_USER}:{password}").expect("chpasswd stdin");
    }
    let out = child.wait_with_output().expect("chpasswd");
    assert!(
        out.status.success(),
        "chpasswd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (lock, password)
}

/// Gives `path` (recursively) to the session user [`USER`], creating the fixture users first:
/// a test may prepare files for the session before it starts its fleet, and on a fresh
/// machine the user does not exist until the fixture creates it.
pub fn chown_to_session_user(path: &Path) {
    setup_once();
    run(Command::new("chown").args(["-R", USER]).arg(path));
}

/// Once per test process: checks sshd and root, creates the session user [`USER`] (every
/// fixture user is created here or by [`ensure_user`] before anything uses it), cleans up
/// namespaces of dead test processes.
pub fn setup_once() {
    SETUP.call_once(|| {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} not found: install the OpenSSH server (apt-get install openssh-server; .ci/run does it)"
        );
        require_root("the sshd fixture");
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        ensure_user(USER);
        // With UsePAM no, sshd refuses a locked ('!') account; '*' is "no password, not locked".
        run(Command::new("usermod").args(["-p", "*", USER]));
        cleanup_stale_namespaces();
    });
}

/// Deletes namespaces left by test processes that died without running `Drop`.
fn cleanup_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix("bisrct") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

fn free_port(addr: &str) -> u16 {
    TcpListener::bind((addr, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port on {addr}: {e}"))
}

fn next_loopback() -> String {
    // Spread fleets of concurrent tests (and processes) over 127.0.0.2..=127.0.0.251.
    let base = std::process::id() as usize * 37;
    let n = (base + NEXT_ADDR.fetch_add(1, Ordering::SeqCst)) % 250;
    format!("127.0.0.{}", n + 2)
}

impl SshdFleet {
    /// Starts `n` sshd processes and waits until each accepts connections. Panics with the
    /// sshd log when one cannot start.
    pub fn start(n: usize, opts: Options) -> SshdFleet {
        setup_once();
        assert!(opts.netns_hosts <= n, "netns_hosts must be at most n");
        let dir = tempfile::Builder::new()
            .prefix("bisrc-sshd-")
            .tempdir()
            .expect("tempdir");
        // 755: the non-root session user must read authorized_keys here.
        set_mode(dir.path(), 0o755);
        let client_key = dir.path().join("client_key");
        keygen(&client_key);
        let authorized = dir.path().join("authorized_keys");
        std::fs::copy(dir.path().join("client_key.pub"), &authorized).expect("authorized_keys");
        set_mode(&authorized, 0o644);
        let (lock, password, user) = if opts.password_auth {
            let (lock, pw) = set_random_password();
            (Some(lock), Some(pw), PASSWORD_USER)
        } else {
            (None, None, USER)
        };
        let upload = dir.path().join("upload");
        std::fs::create_dir(&upload).expect("upload dir");
        run(Command::new("chown").arg(user).arg(&upload));

        let mut fleet = SshdFleet {
            known_hosts: dir.path().join("known_hosts"),
            client_key,
            user: user.to_string(),
            password,
            _password_lock: lock,
            hosts: Vec::new(),
            children: Vec::new(),
            tag: format!(
                "{}-{}",
                std::process::id(),
                NEXT_FLEET.fetch_add(1, Ordering::SeqCst)
            ),
            dir,
            opts,
        };
        let loopback = n - fleet.opts.netns_hosts;
        for i in 0..n {
            let name = format!("node{:02}", i + 1);
            let key = fleet.dir.path().join(format!("{name}_host_key"));
            keygen(&key);
            for t in &fleet.opts.extra_host_key_types {
                keygen_with(
                    &fleet.dir.path().join(format!("{name}_host_key_{t}")),
                    t,
                    "",
                );
            }
            let (address, port, netns) = if i < loopback {
                let a = next_loopback();
                let p = free_port(&a);
                (a, p, None)
            } else {
                let ns = make_netns();
                let host_addr = Ipv4Addr::from(u32::from(ns.root_addr) + 1);
                (host_addr.to_string(), 2222, Some(ns))
            };
            let config = fleet.dir.path().join(format!("{name}_sshd.conf"));
            fleet.hosts.push(Host {
                log: fleet.dir.path().join(format!("{name}_sshd.log")),
                host_key_pub: key.with_extension("pub"),
                name,
                address,
                port,
                netns,
                config,
            });
        }
        // Spawn all, then wait for all: sshd startup overlaps.
        for i in 0..n {
            let child = fleet.spawn(i);
            fleet.children.push(child);
        }
        for i in 0..n {
            fleet.wait_listening(i);
        }
        let lines: Vec<String> = fleet.hosts.iter().map(|h| h.known_hosts_line()).collect();
        std::fs::write(&fleet.known_hosts, lines.join("\n") + "\n").expect("known_hosts");
        fleet
    }

    fn write_config(&self, i: usize) {
        let h = &self.hosts[i];
        let d = self.dir.path();
        let mut conf = format!(
            "Port {port}\nListenAddress {addr}\nHostKey {key}\nPidFile none\n\
             AuthorizedKeysFile {d}/authorized_keys\nUsePAM no\nPasswordAuthentication {pw}\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUseDNS no\n\
             Subsystem sftp {sftp}\nMaxStartups 200:30:400\nMaxSessions 50\n\
             LogLevel VERBOSE\n",
            port = h.port,
            addr = h.address,
            key = h.host_key_pub.with_extension("").display(),
            d = d.display(),
            pw = if self.opts.password_auth { "yes" } else { "no" },
            sftp = self
                .opts
                .sftp_subsystem
                .as_deref()
                .unwrap_or("internal-sftp"),
        );
        for t in &self.opts.extra_host_key_types {
            conf.push_str(&format!(
                "HostKey {}_{t}\n",
                h.host_key_pub.with_extension("").display()
            ));
        }
        // Every session command carries the fleet's tag, so Drop can find the commands
        // whose sshd parent already exited (they are re-parented to init).
        let mut pairs = vec![format!("\"{TAG_VAR}={}\"", self.tag)];
        pairs.extend(
            self.opts
                .set_env
                .iter()
                .map(|(k, v)| format!("\"{k}={v}\"")),
        );
        conf.push_str(&format!("SetEnv {}\n", pairs.join(" ")));
        if let Some(fc) = &self.opts.force_command {
            conf.push_str(&format!("ForceCommand {fc}\n"));
        }
        std::fs::write(&h.config, conf).expect("sshd config");
    }

    fn spawn(&mut self, i: usize) -> Child {
        self.write_config(i);
        let h = &self.hosts[i];
        let log = std::fs::File::create(&h.log).expect("sshd log");
        let mut cmd = match &h.netns {
            None => Command::new(SSHD),
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &ns.name, SSHD]);
                c
            }
        };
        cmd.arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&h.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"))
    }

    fn wait_listening(&mut self, i: usize) {
        let mut attempts = 0;
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let h = &self.hosts[i];
            let target = (h.address.as_str(), h.port);
            if TcpStream::connect(target).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.children[i].try_wait() {
                let log = std::fs::read_to_string(&h.log).unwrap_or_default();
                // A concurrent test took the port between our probe and sshd's bind: retry.
                if log.contains("Address already in use") && attempts < 5 && h.netns.is_none() {
                    attempts += 1;
                    let port = free_port(&self.hosts[i].address);
                    self.hosts[i].port = port;
                    self.children[i] = self.spawn(i);
                    continue;
                }
                panic!(
                    "sshd for {} ({}:{}) exited with {status}; its log:\n{log}",
                    h.name, h.address, h.port
                );
            }
            assert!(
                Instant::now() < until,
                "sshd for {} did not listen on {}:{} within 20 s; log:\n{}",
                h.name,
                h.address,
                h.port,
                std::fs::read_to_string(&h.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The hosts, in start order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Every host as the transport sees it.
    pub fn host_specs(&self) -> Vec<HostSpec> {
        self.hosts.iter().map(Host::spec).collect()
    }

    /// The fleet's directory (keys, configs, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A directory the session user may write to (for uploads).
    pub fn writable_dir(&self) -> PathBuf {
        self.dir.path().join("upload")
    }

    /// A transport configuration that reaches every host: user `bisrct`, the client key,
    /// the fleet's known_hosts, 10 s connect, 60 s command deadline, parallelism = hosts.
    pub fn config(&self) -> TransportConfig {
        TransportConfig {
            user: self.user.clone(),
            auth: vec![Auth::Key(self.client_key.clone())],
            identity_passphrase: None,
            agent_socket: None,
            known_hosts: self.known_hosts.clone(),
            accept_new_host_keys: false,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(60),
            keepalive: Duration::from_secs(15),
            parallelism: self.hosts.len().max(1),
        }
    }

    /// Authorizes one more public key (sshd reads authorized_keys at every logon).
    pub fn authorize(&self, pub_file: &Path) {
        use std::io::Write;
        let key = std::fs::read_to_string(pub_file).expect("public key");
        std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("authorized_keys"))
            .and_then(|mut f| f.write_all(key.as_bytes()))
            .expect("append to authorized_keys");
    }

    /// Cuts host `i`'s link (its namespace side goes down). Only for netns hosts.
    pub fn cut_link(&self, i: usize) {
        let ns = self.hosts[i]
            .netns
            .as_ref()
            .expect("cut_link needs a netns host");
        run(Command::new("ip").args(["-n", &ns.name, "link", "set", "eth0", "down"]));
    }

    /// Restores host `i`'s link.
    pub fn restore_link(&self, i: usize) {
        let ns = self.hosts[i]
            .netns
            .as_ref()
            .expect("restore_link needs a netns host");
        run(Command::new("ip").args(["-n", &ns.name, "link", "set", "eth0", "up"]));
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Creates a namespace with a veth pair: `bxXXXXXXXX` in the root namespace with
/// 198.18.x.y/30 (.1), `eth0` inside with .2. 198.18.0.0/15 is the benchmarking range, unused
/// here (the root namespace itself sits on 192.0.2.0/24).
fn make_netns() -> Netns {
    let pid = std::process::id() as usize;
    let n = NEXT_NS.fetch_add(1, Ordering::SeqCst);
    let name = format!("bisrct{pid}-{n}");
    let root_if = format!("bx{:06x}{:02x}", pid & 0xff_ffff, n & 0xff);
    let block = ((pid * 64 + n) % 32768) as u32;
    let root_addr = Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)) + block * 4 + 1);
    let host_addr = Ipv4Addr::from(u32::from(root_addr) + 1);
    run(Command::new("ip").args(["netns", "add", &name]));
    let ns = Netns {
        name: name.clone(),
        root_if: root_if.clone(),
        root_addr,
    };
    let steps: Vec<Vec<String>> = vec![
        vec![
            "link", "add", &root_if, "type", "veth", "peer", "name", "eth0", "netns", &name,
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        vec![
            "addr".into(),
            "add".into(),
            format!("{root_addr}/30"),
            "dev".into(),
            root_if.clone(),
        ],
        vec!["link".into(), "set".into(), root_if.clone(), "up".into()],
        vec![
            "-n".into(),
            name.clone(),
            "addr".into(),
            "add".into(),
            format!("{host_addr}/30"),
            "dev".into(),
            "eth0".into(),
        ],
        vec![
            "-n".into(),
            name.clone(),
            "link".into(),
            "set".into(),
            "eth0".into(),
            "up".into(),
        ],
        vec![
            "-n".into(),
            name.clone(),
            "link".into(),
            "set".into(),
            "lo".into(),
            "up".into(),
        ],
    ];
    for args in steps {
        let out = Command::new("ip").args(&args).output().expect("ip");
        if !out.status.success() {
            let _ = Command::new("ip").args(["netns", "del", &name]).output();
            let _ = Command::new("ip").args(["link", "del", &root_if]).output();
            panic!(
                "ip {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    ns
}

/// Processes whose environment holds `TAG_VAR=tag` (session commands of one fleet).
fn tagged(tag: &str) -> Vec<u32> {
    let needle = format!("{TAG_VAR}={tag}");
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) {
                if env.split(|&b| b == 0).any(|kv| kv == needle.as_bytes()) {
                    found.push(pid);
                }
            }
        }
    }
    found
}

/// Every descendant of `root` (children first found, then theirs), from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

impl Drop for SshdFleet {
    fn drop(&mut self) {
        if self.password.is_some() {
            // Back to "no password" before the lock is released (the field drops after this).
            let _ = Command::new("usermod")
                .args(["-p", "*", PASSWORD_USER])
                .output();
        }
        for child in &mut self.children {
            // Per-connection sshd processes start their own sessions (setsid), so a process
            // group kill misses them: collect the listener's descendants (session processes
            // and the commands they run) and stop exactly those, then the listener.
            // Collect before killing: orphans are re-parented to init and cannot be found.
            let family = descendants(child.id());
            let _ = child.kill();
            for d in family {
                // SAFETY: plain kill(2) of a process this fixture started (a descendant).
                unsafe {
                    libc::kill(d as i32, libc::SIGKILL);
                }
            }
            let _ = child.wait();
        }
        for pid in tagged(&self.tag) {
            // SAFETY: plain kill(2) of a command run by one of this fleet's sessions.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
        }
        for h in &self.hosts {
            if let Some(ns) = &h.netns {
                let _ = Command::new("ip").args(["netns", "del", &ns.name]).output();
                // Normally gone with the namespace; make sure.
                let _ = Command::new("ip")
                    .args(["link", "del", &ns.root_if])
                    .stderr(Stdio::null())
                    .output();
            }
        }
    }
}

/// A private `ssh-agent -D -a SOCKET` holding chosen keys. Nothing else learns its socket:
/// `SSH_AUTH_SOCK` is set only for the `ssh-add` commands. `Drop` kills the agent.
pub struct SshAgent {
    child: Child,
    /// The agent's socket.
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl SshAgent {
    /// Starts an agent and waits until its socket exists.
    pub fn start() -> SshAgent {
        let dir = tempfile::Builder::new()
            .prefix("bisrc-agent-")
            .tempdir()
            .expect("tempdir");
        let socket = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start ssh-agent");
        let mut agent = SshAgent {
            child,
            socket,
            _dir: dir,
        };
        let until = Instant::now() + Duration::from_secs(10);
        while !agent.socket.exists() {
            if let Ok(Some(status)) = agent.child.try_wait() {
                panic!("ssh-agent exited with {status}");
            }
            assert!(Instant::now() < until, "ssh-agent socket did not appear");
            std::thread::sleep(Duration::from_millis(10));
        }
        agent
    }

    /// `ssh-add KEY` against this agent only.
    pub fn add(&self, key: &Path) {
        run(Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &self.socket)
            .arg(key)
            .stdin(Stdio::null()));
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
