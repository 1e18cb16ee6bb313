//! The ssh transport against real OpenSSH sshd processes (see `sshd.rs`): streams, exit
//! status, standard input, host keys, authentication, timeouts, fan-out, partitions, SFTP and
//! the Windows command form carrying a step payload.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bisrc::engine::host::par_map;
use bisrc::inventory::SecretRef;
use bisrc::step::{Payload, PayloadStep, StepAction, StepOutcome, WIRE_VERSION};
use bisrc::transport::ssh::SshTransport;
use bisrc::transport::{
    run_payload, windows, Auth, ExecOutput, ExecRequest, HostSpec, KnownKey, Session, Transport,
    TransportError,
};

use crate::sshd::{
    key_fingerprint, keygen, keygen_with, public_key_fields, require_root, Options, SshAgent,
    SshdFleet,
};

fn req(cmd: &str, stdin: Vec<u8>, secs: u64) -> ExecRequest {
    ExecRequest {
        command_line: cmd.to_string(),
        stdin,
        deadline: Duration::from_secs(secs),
    }
}

fn connect(fleet: &SshdFleet, i: usize) -> Box<dyn Session> {
    SshTransport::new(fleet.config())
        .connect(&fleet.hosts()[i].spec())
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

fn run(sess: &mut dyn Session, cmd: &str) -> ExecOutput {
    sess.exec(&req(cmd, Vec::new(), 60))
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Deterministic pseudo-random bytes (xorshift), so payloads are not trivially compressible.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// An address:port nothing listens on.
fn closed_port_host(name: &str) -> HostSpec {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    HostSpec {
        name: name.to_string(),
        address: "127.0.0.1".into(),
        port,
        site: "primary".into(),
    }
}

#[test]
fn stdout_stderr_and_exit_status_round_trip_on_one_session() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let out = run(s.as_mut(), "printf out; printf err >&2; exit 3");
    assert_eq!(
        (
            out.stdout.as_slice(),
            out.stderr.as_slice(),
            out.exit_status
        ),
        (&b"out"[..], &b"err"[..], 3)
    );
    // The same session serves further commands.
    let out = run(s.as_mut(), "printf again");
    assert_eq!((out.stdout.as_slice(), out.exit_status), (&b"again"[..], 0));
    let out = run(s.as_mut(), "kill -KILL $$");
    assert_eq!(
        out.exit_status, -1,
        "a command killed by a signal reports -1"
    );
}

#[test]
fn four_mib_on_stderr_before_four_mib_on_stdout_completes() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let out = run(
        s.as_mut(),
        "head -c 4194304 /dev/zero | tr '\\0' e >&2; head -c 4194304 /dev/zero | tr '\\0' o",
    );
    assert_eq!(out.exit_status, 0);
    assert_eq!(out.stderr.len(), 4 << 20);
    assert_eq!(out.stdout.len(), 4 << 20);
    assert!(out.stderr.iter().all(|&b| b == b'e'));
    assert!(out.stdout.iter().all(|&b| b == b'o'));
}

#[test]
fn one_mib_of_stdin_round_trips() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let input = noise(1 << 20, 42);
    let out = s.exec(&req("cat", input.clone(), 60)).unwrap();
    assert_eq!(out.exit_status, 0);
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input, "stdin came back altered");
    // A command that never reads its input still finishes.
    let out = s.exec(&req("printf done", input, 60)).unwrap();
    assert_eq!(out.stdout, b"done");
}

#[test]
fn unknown_host_key_is_refused_by_default_and_recorded_with_the_opt_in() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("ssh/known_hosts");
    let mut cfg = fleet.config();
    cfg.known_hosts = kh.clone();

    let err = SshTransport::new(cfg.clone())
        .connect(&host.spec())
        .err()
        .expect("an unknown key must be refused");
    match &err {
        TransportError::HostKeyUnknown {
            host: h,
            fingerprint,
            key_type,
            known_hosts_name,
            ..
        } => {
            assert_eq!(h, "node01");
            assert_eq!(fingerprint, &host.fingerprint());
            assert_eq!(key_type, "ssh-ed25519");
            assert_eq!(
                known_hosts_name,
                &format!("[{}]:{}", host.address, host.port)
            );
        }
        other => panic!("expected HostKeyUnknown, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("--accept-new-host-keys"), "{msg}");
    assert!(msg.contains(&host.fingerprint()), "{msg}");
    assert!(!kh.exists(), "nothing is written without the opt-in");

    cfg.accept_new_host_keys = true;
    let mut s = SshTransport::new(cfg.clone())
        .connect(&host.spec())
        .expect("accepted with the opt-in");
    assert_eq!(run(s.as_mut(), "printf ok").stdout, b"ok");
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        format!("{}\n", host.known_hosts_line())
    );

    // Now known: strict checking accepts it.
    cfg.accept_new_host_keys = false;
    SshTransport::new(cfg)
        .connect(&host.spec())
        .expect("recorded key is accepted");
}

#[test]
fn hashed_known_hosts_entries_are_recognised() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::copy(&fleet.known_hosts, &kh).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&kh).unwrap();
    assert!(text.starts_with("|1|") && !text.contains(&host.address));
    let mut cfg = fleet.config();
    cfg.known_hosts = kh;
    SshTransport::new(cfg)
        .connect(&host.spec())
        .expect("hashed entry matches");
}

#[test]
fn changed_host_key_is_refused_even_with_the_opt_in() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other_host_key");
    keygen(&other);
    let other_pub = other.with_extension("pub");
    let pub_text = std::fs::read_to_string(&other_pub).unwrap();
    let mut f = pub_text.split_whitespace();
    let kh = dir.path().join("known_hosts");
    let contents = format!(
        "# comment\n[{}]:{} {} {}\n",
        host.address,
        host.port,
        f.next().unwrap(),
        f.next().unwrap()
    );
    std::fs::write(&kh, &contents).unwrap();
    let mut cfg = fleet.config();
    cfg.known_hosts = kh.clone();
    cfg.accept_new_host_keys = true;

    let err = SshTransport::new(cfg)
        .connect(&host.spec())
        .err()
        .expect("a changed key must be refused");
    let TransportError::HostKeyChanged(d) = &err else {
        panic!("expected HostKeyChanged, got {err:?}")
    };
    assert_eq!(d.host, "node01");
    assert_eq!(
        d.known,
        vec![KnownKey {
            line: 2,
            key_type: "ssh-ed25519".into(),
            fingerprint: key_fingerprint(&other_pub),
        }]
    );
    assert_eq!(
        (d.presented_type.as_str(), d.presented.as_str()),
        ("ssh-ed25519", host.fingerprint().as_str())
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&d.known[0].fingerprint) && msg.contains(&d.presented),
        "{msg}"
    );
    assert!(msg.contains("remove those lines"), "{msg}");
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), contents);
}

/// `ssh-keygen -H` output for one known_hosts line (the host field hashed).
fn hashed(dir: &std::path::Path, line: &str) -> String {
    let f = dir.join("to_hash");
    std::fs::write(&f, format!("{line}\n")).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(text.starts_with("|1|"), "{text}");
    text.trim_end().to_string()
}

#[test]
fn keys_of_other_types_for_the_host_refuse_a_new_key_even_with_the_opt_in() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let ecdsa = dir.path().join("ecdsa_key");
    keygen_with(&ecdsa, "ecdsa", "");
    let rsa = dir.path().join("rsa_key");
    keygen_with(&rsa, "rsa", "");
    let name = format!("[{}]:{}", host.address, host.port);
    let ecdsa_fields = public_key_fields(&ecdsa.with_extension("pub"));
    let rsa_fields = public_key_fields(&rsa.with_extension("pub"));
    // The host's own ed25519 key, recorded for another port, is not a key for this host.
    let other_port = format!(
        "[{}]:{} {}",
        host.address,
        host.port + 1,
        public_key_fields(&host.host_key_pub)
    );
    let contents = format!(
        "{other_port}\n{name} {ecdsa_fields}\n# rebuilt in 2025\n{}\n",
        hashed(dir.path(), &format!("{name} {rsa_fields}"))
    );
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, &contents).unwrap();
    let expected = vec![
        KnownKey {
            line: 2,
            key_type: "ecdsa-sha2-nistp256".into(),
            fingerprint: key_fingerprint(&ecdsa.with_extension("pub")),
        },
        KnownKey {
            line: 4,
            key_type: "ssh-rsa".into(),
            fingerprint: key_fingerprint(&rsa.with_extension("pub")),
        },
    ];
    for accept in [false, true] {
        let mut cfg = fleet.config();
        cfg.known_hosts = kh.clone();
        cfg.accept_new_host_keys = accept;
        let err = SshTransport::new(cfg)
            .connect(&host.spec())
            .err()
            .unwrap_or_else(|| panic!("accept={accept}: a key of another type was let in"));
        let TransportError::HostKeyChanged(d) = &err else {
            panic!("accept={accept}: expected HostKeyChanged, got {err:?}")
        };
        assert_eq!(d.known, expected, "accept={accept}");
        assert_eq!(d.presented_type, "ssh-ed25519");
        assert_eq!(d.presented, host.fingerprint());
        assert_eq!(d.known_hosts_name, name);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "node01: HOST KEY CHANGED for {name}: the host presented ssh-ed25519 key {}, ",
                host.fingerprint()
            )),
            "{msg}"
        );
        assert!(
            msg.contains(&format!(
                "(line 2 ecdsa-sha2-nistp256 {}; line 4 ssh-rsa {})",
                expected[0].fingerprint, expected[1].fingerprint
            )),
            "{msg}"
        );
        assert_eq!(
            std::fs::read_to_string(&kh).unwrap(),
            contents,
            "accept={accept}: known_hosts must not change"
        );
    }
}

#[test]
fn the_key_type_known_hosts_holds_is_negotiated_first() {
    let fleet = SshdFleet::start(
        1,
        Options {
            extra_host_key_types: vec!["ecdsa"],
            ..Options::default()
        },
    );
    let host = &fleet.hosts()[0];
    let ecdsa_pub = fleet.dir().join("node01_host_key_ecdsa.pub");
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    // Only the host's ECDSA key is known; libssh2 would prefer ed25519 if not told otherwise.
    std::fs::write(
        &kh,
        format!(
            "[{}]:{} {}\n",
            host.address,
            host.port,
            public_key_fields(&ecdsa_pub)
        ),
    )
    .unwrap();
    let mut cfg = fleet.config();
    cfg.known_hosts = kh;
    let mut s = SshTransport::new(cfg)
        .connect(&host.spec())
        .unwrap_or_else(|e| panic!("the known ECDSA key must be negotiated: {e}"));
    assert_eq!(run(s.as_mut(), "printf ok").stdout, b"ok");
}

#[test]
fn a_revoked_host_key_is_refused() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = &fleet.hosts()[0];
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(
        &kh,
        format!(
            "{}\n@revoked * {}\n",
            host.known_hosts_line(),
            public_key_fields(&host.host_key_pub)
        ),
    )
    .unwrap();
    let mut cfg = fleet.config();
    cfg.known_hosts = kh;
    let err = SshTransport::new(cfg)
        .connect(&host.spec())
        .err()
        .expect("a revoked key must be refused");
    assert!(
        matches!(&err, TransportError::HostKeyRevoked { line: 2, fingerprint, .. }
            if *fingerprint == host.fingerprint()),
        "{err:?}"
    );
}

#[test]
fn wrong_client_key_is_refused_naming_every_method_tried() {
    let fleet = SshdFleet::start(1, Options::default());
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong_key");
    keygen(&wrong);
    let missing = dir.path().join("missing_key");
    let mut cfg = fleet.config();
    cfg.auth = vec![
        Auth::Key(missing.clone()),
        Auth::Key(wrong.clone()),
        Auth::Password(SecretRef::Env("BISRC_TEST_SURELY_UNSET_PASSWORD".into())),
    ];
    let err = SshTransport::new(cfg)
        .connect(&fleet.hosts()[0].spec())
        .err()
        .expect("a wrong key must be refused");
    let TransportError::AuthRefused { host, user, tried } = &err else {
        panic!("expected AuthRefused, got {err:?}")
    };
    assert_eq!((host.as_str(), user.as_str()), ("node01", "bisrct"));
    assert_eq!(tried.len(), 3, "{tried:?}");
    assert_eq!(
        tried[0],
        format!("key {}: file not found", missing.display())
    );
    assert!(
        tried[1].starts_with(&format!("key {}: ", wrong.display())),
        "{tried:?}"
    );
    assert_eq!(
        tried[2],
        "password (env:BISRC_TEST_SURELY_UNSET_PASSWORD): environment variable \
         BISRC_TEST_SURELY_UNSET_PASSWORD is not set"
    );
    assert!(err
        .to_string()
        .starts_with("node01: authentication as bisrct refused; tried: key "));
}

/// A process-unique environment variable name for a secret of one test.
fn unique_env(what: &str) -> String {
    format!("BISRC_TEST_{what}_{}", std::process::id())
}

#[test]
fn password_logon_works_fails_cleanly_and_is_the_fallback_after_a_wrong_key() {
    let fleet = SshdFleet::start(
        1,
        Options {
            password_auth: true,
            ..Options::default()
        },
    );
    let password = fleet
        .password
        .clone()
        .expect("a password fleet has a password");
    let wrong = format!("{password}-wrong");
    let good_var = unique_env("PW_GOOD");
    let bad_var = unique_env("PW_BAD");
    std::env::set_var(&good_var, &password);
    std::env::set_var(&bad_var, &wrong);
    let host = fleet.hosts()[0].spec();

    // The right password logs on and runs a command, as the password user.
    let mut cfg = fleet.config();
    cfg.auth = vec![Auth::Password(SecretRef::Env(good_var.clone()))];
    let mut s = SshTransport::new(cfg.clone())
        .connect(&host)
        .unwrap_or_else(|e| panic!("password logon: {e}"));
    let out = run(s.as_mut(), "id -un");
    assert_eq!(
        out.stdout,
        format!("{}\n", crate::sshd::PASSWORD_USER).as_bytes()
    );

    // A wrong password is refused, naming the method and the reference, never the values.
    cfg.auth = vec![Auth::Password(SecretRef::Env(bad_var.clone()))];
    let err = SshTransport::new(cfg.clone())
        .connect(&host)
        .err()
        .expect("a wrong password must be refused");
    let TransportError::AuthRefused { tried, user, .. } = &err else {
        panic!("expected AuthRefused, got {err:?}")
    };
    assert_eq!(user, crate::sshd::PASSWORD_USER);
    assert_eq!(tried.len(), 1, "{tried:?}");
    assert!(
        tried[0].starts_with(&format!("password (env:{bad_var}): ")),
        "{tried:?}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains(&password) && !text.contains(&wrong),
            "a password leaked: {text}"
        );
    }

    // auth_order key then password: the wrong key fails, the password logs on.
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger_key");
    keygen(&stranger);
    cfg.auth = vec![
        Auth::Key(stranger),
        Auth::Password(SecretRef::Env(good_var.clone())),
    ];
    let mut s = SshTransport::new(cfg.clone())
        .connect(&host)
        .unwrap_or_else(|e| panic!("password after a refused key: {e}"));
    assert_eq!(run(s.as_mut(), "printf fallback").stdout, b"fallback");
    // The same order with the wrong password: both attempts are reported, in order.
    cfg.auth[1] = Auth::Password(SecretRef::Env(bad_var.clone()));
    let err = SshTransport::new(cfg).connect(&host).err().unwrap();
    let TransportError::AuthRefused { tried, .. } = &err else {
        panic!("expected AuthRefused, got {err:?}")
    };
    let methods: Vec<&str> = tried
        .iter()
        .map(|t| t.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(methods, vec!["key", "password"], "{tried:?}");
    assert!(!err.to_string().contains(&wrong));
    std::env::remove_var(&good_var);
    std::env::remove_var(&bad_var);
}

#[test]
fn agent_logon_uses_the_configured_socket() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = fleet.hosts()[0].spec();
    let agent = SshAgent::start();
    let mut cfg = fleet.config();
    cfg.auth = vec![Auth::Agent];
    cfg.agent_socket = Some(agent.socket.clone());

    // An empty agent is reported as such.
    let err = SshTransport::new(cfg.clone()).connect(&host).err().unwrap();
    let TransportError::AuthRefused { tried, .. } = &err else {
        panic!("expected AuthRefused, got {err:?}")
    };
    assert_eq!(
        tried,
        &vec![format!("agent ({}): holds no keys", agent.socket.display())]
    );

    // A stranger's key first, then the authorized one: every identity is offered.
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger_key");
    keygen(&stranger);
    agent.add(&stranger);
    agent.add(&fleet.client_key);
    let mut s = SshTransport::new(cfg.clone())
        .connect(&host)
        .unwrap_or_else(|e| panic!("agent logon: {e}"));
    assert_eq!(run(s.as_mut(), "printf agent").stdout, b"agent");

    // A socket nobody listens on fails naming it.
    cfg.agent_socket = Some(dir.path().join("no-agent.sock"));
    let err = SshTransport::new(cfg).connect(&host).err().unwrap();
    let TransportError::AuthRefused { tried, .. } = &err else {
        panic!("expected AuthRefused, got {err:?}")
    };
    assert!(
        tried[0].starts_with(&format!(
            "agent ({}): cannot connect: ",
            dir.path().join("no-agent.sock").display()
        )),
        "{tried:?}"
    );
}

#[test]
fn passphrase_protected_key_needs_the_right_passphrase() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = fleet.hosts()[0].spec();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("locked_key");
    keygen_with(&key, "ed25519", "secretphrase");
    fleet.authorize(&key.with_extension("pub"));
    let good_var = unique_env("PASSPHRASE_GOOD");
    let bad_var = unique_env("PASSPHRASE_BAD");
    std::env::set_var(&good_var, "secretphrase");
    std::env::set_var(&bad_var, "not-the-phrase");
    let mut cfg = fleet.config();
    cfg.auth = vec![Auth::Key(key.clone())];

    cfg.identity_passphrase = Some(SecretRef::Env(good_var.clone()));
    let mut s = SshTransport::new(cfg.clone())
        .connect(&host)
        .unwrap_or_else(|e| panic!("the right passphrase: {e}"));
    assert_eq!(run(s.as_mut(), "printf unlocked").stdout, b"unlocked");

    let refused = |cfg: &bisrc::transport::TransportConfig| -> Vec<String> {
        let err = SshTransport::new(cfg.clone()).connect(&host).err().unwrap();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("secretphrase") && !text.contains("not-the-phrase"),
            "a passphrase leaked: {text}"
        );
        match err {
            TransportError::AuthRefused { tried, .. } => tried,
            other => panic!("expected AuthRefused, got {other:?}"),
        }
    };
    cfg.identity_passphrase = Some(SecretRef::Env(bad_var.clone()));
    assert_eq!(
        refused(&cfg),
        vec![format!(
            "key {}: the passphrase (env:{bad_var}) does not unlock it (wrong passphrase?)",
            key.display()
        )]
    );
    cfg.identity_passphrase = None;
    assert_eq!(
        refused(&cfg),
        vec![format!(
            "key {}: the key is protected by a passphrase; set connection.identity_passphrase \
             ({{env: NAME}} or {{file: PATH}})",
            key.display()
        )]
    );
    let unset = unique_env("PASSPHRASE_UNSET");
    cfg.identity_passphrase = Some(SecretRef::Env(unset.clone()));
    assert_eq!(
        refused(&cfg),
        vec![format!(
            "key {}: passphrase (env:{unset}): environment variable {unset} is not set",
            key.display()
        )]
    );
    // A passphrase configured for an unencrypted key is not needed and not read.
    cfg.auth = vec![Auth::Key(fleet.client_key.clone())];
    SshTransport::new(cfg)
        .connect(&host)
        .unwrap_or_else(|e| panic!("clear key with a passphrase configured: {e}"));
    std::env::remove_var(&good_var);
    std::env::remove_var(&bad_var);
}

#[test]
fn closed_port_fails_with_connection_refused() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut cfg = fleet.config();
    cfg.connect_timeout = Duration::from_secs(30);
    let dead = closed_port_host("dead01");
    let started = Instant::now();
    let err = SshTransport::new(cfg)
        .connect(&dead)
        .err()
        .expect("nothing listens there");
    let elapsed = started.elapsed();
    match &err {
        TransportError::ConnectionRefused { host, endpoint } => {
            assert_eq!(host, "dead01");
            assert_eq!(endpoint, &format!("127.0.0.1:{}", dead.port));
        }
        other => panic!("expected ConnectionRefused, got {other:?}"),
    }
    // Hang guard, not a performance assertion: refused means no waiting for the timeout.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn name_that_does_not_resolve_is_reported_as_such() {
    let fleet = SshdFleet::start(1, Options::default());
    let host = HostSpec {
        name: "ghost".into(),
        address: "no-such-host.invalid".into(),
        port: 22,
        site: "primary".into(),
    };
    let err = SshTransport::new(fleet.config())
        .connect(&host)
        .err()
        .unwrap();
    assert!(
        matches!(&err, TransportError::NameNotResolved { host, address, .. }
            if host == "ghost" && address == "no-such-host.invalid"),
        "{err:?}"
    );
}

#[test]
fn command_past_its_deadline_times_out_naming_the_host() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let started = Instant::now();
    let err = s
        .exec(&req("sleep 30", Vec::new(), 2))
        .expect_err("sleep 30 outlives a 2 s deadline");
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, TransportError::CommandTimeout { host, secs: 2 } if host == "node01"),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("node01: command timed out after 2 s"));
    // Hang guard: the abandoned remote process does not keep the call waiting.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    // The abandoned session refuses further work at once; a new one works.
    let again = s.exec(&req("true", Vec::new(), 5)).err().unwrap();
    assert!(
        matches!(again, TransportError::ConnectionLost { .. }),
        "{again:?}"
    );
    let mut fresh = connect(&fleet, 0);
    assert_eq!(run(fresh.as_mut(), "printf ok").stdout, b"ok");
}

/// `SSH_CONNECTION` is "client_ip client_port server_ip server_port": proves which sshd answered.
fn server_of(out: &ExecOutput) -> (String, u16) {
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = text.split_whitespace().collect();
    (f[2].to_string(), f[3].parse().unwrap())
}

#[test]
fn fifty_hosts_answer_in_parallel() {
    let fleet = SshdFleet::start(50, Options::default());
    let transport = SshTransport::new(fleet.config());
    let hosts = fleet.host_specs();
    // The engine's one fan-out: every host on its own worker, results in host order.
    let results = par_map(&hosts, 50, |h| {
        transport
            .connect(h)
            .and_then(|mut s| s.exec(&req("echo $SSH_CONNECTION", Vec::new(), 60)))
    });
    assert_eq!(results.len(), 50);
    for (r, h) in results.iter().zip(&hosts) {
        let out = r.as_ref().unwrap_or_else(|e| panic!("{}: {e}", h.name));
        assert_eq!(server_of(out), (h.address.clone(), h.port));
    }
}

#[test]
fn one_unreachable_host_does_not_stop_the_other_49() {
    let fleet = SshdFleet::start(49, Options::default());
    let transport = SshTransport::new(fleet.config());
    let mut hosts = fleet.host_specs();
    hosts.insert(17, closed_port_host("dead18"));
    let results = par_map(&hosts, 50, |h| {
        transport
            .connect(h)
            .and_then(|mut s| s.exec(&req("echo $SSH_CONNECTION", Vec::new(), 60)))
    });
    let failed: Vec<&str> = results
        .iter()
        .zip(&hosts)
        .filter(|(r, _)| r.is_err())
        .map(|(_, h)| h.name.as_str())
        .collect();
    assert_eq!(failed, vec!["dead18"]);
    let dead = results[17].as_ref().unwrap_err();
    assert!(
        matches!(dead, TransportError::ConnectionRefused { host, .. } if host == "dead18"),
        "{dead:?}"
    );
    assert!(dead
        .to_string()
        .starts_with("dead18: connection refused by 127.0.0.1:"));
    for (r, h) in results
        .iter()
        .zip(&hosts)
        .filter(|(_, h)| h.name != "dead18")
    {
        assert_eq!(server_of(r.as_ref().unwrap()), (h.address.clone(), h.port));
    }
}

#[test]
fn cutting_a_link_mid_command_fails_only_that_host() {
    require_root("the network partition test");
    let fleet = SshdFleet::start(
        4,
        Options {
            netns_hosts: 1,
            ..Options::default()
        },
    );
    let cut = 3;
    assert!(fleet.hosts()[cut].netns.is_some());
    let transport = SshTransport::new(fleet.config());
    let hosts = fleet.host_specs();
    let deadline = 8;
    let script = "i=1; while [ $i -le 8 ]; do echo $i; sleep 0.5; i=$((i+1)); done";
    let results = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            par_map(&hosts, 4, |h| {
                transport.connect(h).map(|mut s| {
                    let started = Instant::now();
                    let r = s.exec(&req(script, Vec::new(), deadline));
                    (r, started.elapsed())
                })
            })
        });
        // Let the loops start (connecting takes well under a second), then cut mid-command.
        std::thread::sleep(Duration::from_millis(1500));
        fleet.cut_link(cut);
        worker.join().unwrap()
    });
    let expected: String = (1..=8).map(|i| format!("{i}\n")).collect();
    for (i, (r, h)) in results.iter().zip(&hosts).enumerate() {
        let (exec, elapsed) = r
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: connect: {e}", h.name));
        if i == cut {
            let err = exec.as_ref().expect_err("the cut host must fail");
            assert!(
                matches!(err, TransportError::CommandTimeout { host, secs }
                    if host == &fleet.hosts()[cut].name && *secs == deadline),
                "{err:?}"
            );
            // Hang guard: the failure arrives at the deadline, not when TCP gives up.
            assert!(*elapsed < Duration::from_secs(deadline + 5), "{elapsed:?}");
        } else {
            let out = exec.as_ref().unwrap_or_else(|e| panic!("{}: {e}", h.name));
            assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        }
    }
}

/// The names in a directory, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn sftp_upload_writes_the_exact_bytes_through_a_temporary_name() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let dir = fleet.writable_dir();
    let target = dir.join("media.bin");
    let bytes = noise(3 * 1024 * 1024 + 7, 7);
    s.upload(target.to_str().unwrap(), &bytes).unwrap();
    assert!(std::fs::read(&target).unwrap() == bytes);
    assert_eq!(
        listing(&dir),
        vec!["media.bin"],
        "no temporary file remains"
    );
    // Overwriting replaces the whole file (rename onto an existing target).
    s.upload(target.to_str().unwrap(), b"short").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"short");
    assert_eq!(listing(&dir), vec!["media.bin"]);
    // An empty file is a file.
    s.upload(dir.join("empty").to_str().unwrap(), b"").unwrap();
    assert_eq!(std::fs::read(dir.join("empty")).unwrap(), b"");
    // A path the user cannot write is an error naming host and path; the session survives.
    let err = s.upload("/root/forbidden.bin", b"x").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("node01: upload to /root/forbidden.bin failed: cannot create the file: "),
        "{err}"
    );
    assert_eq!(run(s.as_mut(), "printf still").stdout, b"still");
}

#[test]
fn failed_upload_leaves_neither_a_partial_target_nor_a_temporary_file() {
    let fleet = SshdFleet::start(1, Options::default());
    let mut s = connect(&fleet, 0);
    let dir = fleet.writable_dir();
    // The target is a non-empty directory: the data is written, the rename fails.
    let target = dir.join("occupied");
    let out = run(
        s.as_mut(),
        &format!("mkdir {0} && printf keep > {0}/inside", target.display()),
    );
    assert_eq!(out.exit_status, 0);
    let err = s
        .upload(target.to_str().unwrap(), &noise(200 * 1024, 3))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "node01: upload to {} failed: rename into place: ",
            target.display()
        )),
        "{err}"
    );
    assert_eq!(
        listing(&dir),
        vec!["occupied"],
        "the temporary file was removed"
    );
    assert_eq!(listing(&target), vec!["inside"]);
    assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"keep");
    assert_eq!(run(s.as_mut(), "printf alive").stdout, b"alive");
}

#[test]
fn upload_to_a_server_that_never_answers_stops_at_the_deadline() {
    let fleet = SshdFleet::start(
        1,
        Options {
            sftp_subsystem: Some("/bin/sleep 60".into()),
            ..Options::default()
        },
    );
    let mut cfg = fleet.config();
    cfg.command_timeout = Duration::from_secs(2);
    let mut s = SshTransport::new(cfg)
        .connect(&fleet.hosts()[0].spec())
        .unwrap();
    let target = fleet.writable_dir().join("never.bin");
    let started = Instant::now();
    let err = s.upload(target.to_str().unwrap(), b"data").unwrap_err();
    let elapsed = started.elapsed();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "node01: upload to {} failed: did not finish within 2 s (",
            target.display()
        )),
        "{msg}"
    );
    // Hang guard, not a performance assertion.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(!target.exists());
    // The session is retired after an abandoned upload.
    let again = s.exec(&req("true", Vec::new(), 5)).unwrap_err();
    assert!(
        matches!(again, TransportError::ConnectionLost { .. }),
        "{again:?}"
    );
}

/// A stand-in node behind `ForceCommand`: records the command line it was asked to run and
/// its standard input, then answers like the bootstrap would (or fails when asked to).
fn fake_node(dir: &std::path::Path, out: &std::path::Path) -> PathBuf {
    let script = dir.join("fake-node.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             printf '%s' \"$SSH_ORIGINAL_COMMAND\" > {out}/cmdline\n\
             cat > {out}/stdin\n\
             if grep -q fail-me {out}/stdin; then echo 'line one' >&2; echo 'disk S: offline' >&2; exit 5; fi\n\
             echo 'WARNING: noise'\n\
             echo 'BISRC-RESULT {{\"index\":0,\"resource\":\"cluster.C\",\"action\":\"probe\",\"ok\":true,\"result\":{{\"observed\":{{}}}},\"error\":\"\",\"duration_ms\":4}}'\n",
            out = out.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn payload(script: &str) -> Payload {
    Payload {
        version: WIRE_VERSION,
        steps: vec![PayloadStep {
            script: script.to_string(),
        }],
        continue_on_error: false,
        secrets: BTreeMap::from([("sql.sa".to_string(), "s3cr3t-value".to_string())]),
    }
}

#[test]
fn payload_travels_on_stdin_behind_the_bootstrap_command() {
    let dir = tempfile::tempdir().unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    crate::sshd::chown_to_session_user(&out_dir);
    let script = fake_node(dir.path(), &out_dir);
    let fleet = SshdFleet::start(
        1,
        Options {
            force_command: Some(script.display().to_string()),
            ..Options::default()
        },
    );
    let mut s = connect(&fleet, 0);

    let p = payload("# bisrc-step: {}\nWrite-Output '{\"observed\":{}}'\n");
    let outcomes = run_payload(s.as_mut(), &p, Duration::from_secs(30)).unwrap();
    assert_eq!(
        outcomes,
        vec![StepOutcome {
            index: 0,
            resource: "cluster.C".into(),
            action: StepAction::Probe,
            ok: true,
            result: Some(serde_json::json!({"observed": {}})),
            error: String::new(),
            duration_ms: 4,
            artifacts: Default::default(),
        }]
    );
    let cmdline = std::fs::read_to_string(out_dir.join("cmdline")).unwrap();
    assert_eq!(cmdline, windows::command_line());
    assert_eq!(
        windows::decode_command_line(&cmdline).as_deref(),
        Some(windows::BOOTSTRAP)
    );
    assert!(!cmdline.contains("s3cr3t"));
    let stdin: Payload =
        serde_json::from_slice(&std::fs::read(out_dir.join("stdin")).unwrap()).unwrap();
    assert!(stdin == p, "the payload arrives intact on stdin");

    // No result and a non-zero exit: the error carries the exit status and stderr's tail,
    // never the payload or its secrets.
    let err = run_payload(s.as_mut(), &payload("fail-me"), Duration::from_secs(30)).unwrap_err();
    assert!(
        matches!(&err, TransportError::RemoteExit { exit_status: 5, stderr_tail, .. }
            if stderr_tail == "line one\ndisk S: offline"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("node01: remote command exited with status 5"),
        "{msg}"
    );
    assert!(!msg.contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"));
}
