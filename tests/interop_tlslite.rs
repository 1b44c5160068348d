//! The engine's post-quantum hybrid groups (draft-ietf-tls-ecdhe-mlkem) against tlslite-ng with
//! kyber-py, an independent implementation in Python, over loopback in both directions: the
//! group both sides name, the echoed data, and the application traffic secrets of both sides
//! (tlslite-ng's from its session, tests/interop/tlslite_peer.py) must agree.
//!
//! tlslite-ng and kyber-py live in `.venv-interop/`, which `scripts/ensure-tools.sh test` makes.
#![cfg(feature = "mlkem")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The peer example, built by `cargo test --all-targets` beside this test binary.
fn peer() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let p = dir.join("examples").join("peer");
    assert!(p.exists(), "{} is missing: run the tests with `cargo test --all-targets`", p.display());
    p
}

fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-interop/bin/python");
    assert!(p.exists(), "{} is missing: `scripts/ensure-tools.sh test` installs tlslite-ng and kyber-py there", p.display());
    p
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/tlslite_peer.py")
}

struct Dir(PathBuf);

impl Dir {
    /// A fresh directory with the peer's certificates for localhost.
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tlsviz-tlslite-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(peer()).args(["gen-cert", "--hostname", "localhost", "--out"]).arg(&dir).output().unwrap();
        assert!(out.status.success(), "gen-cert: {}", String::from_utf8_lossy(&out.stderr));
        Dir(dir)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

/// The port of a server that prints `listening on 127.0.0.1:PORT` on stdout, once it does.
fn listening_port(stdout: ChildStdout) -> u16 {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.strip_prefix("listening on 127.0.0.1:") {
                let _ = tx.send(port.trim().parse::<u16>().unwrap());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the server did not start listening")
}

/// Wait for a process to exit (polling its status; killed after 30 s).
fn wait(mut child: Child) -> Output {
    for _ in 0..300 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("process did not exit: {:?}", child.wait_with_output().unwrap());
}

/// The application traffic secrets of a key log, by label (the client random is left out:
/// tlslite-ng's server does not keep it).
fn traffic_secrets(path: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let label = f.first()?;
            (label.ends_with("TRAFFIC_SECRET_0") && f.len() == 3).then(|| (label.to_string(), f[2].to_string()))
        })
        .collect();
    v.sort();
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The engine's client (`peer client --groups G --key-shares S`) against tlslite-ng's server
/// accepting `server_groups`: the group both name (IANA's spelling, tlslite-ng's), the echo, the
/// traffic secrets.
fn engine_client(tag: &str, groups: &str, key_shares: Option<&str>, server_groups: &str, expect: (&str, &str)) {
    let d = Dir::new(tag);
    let (engine_keys, py_keys) = (d.path("engine.keys"), d.path("tlslite.keys"));
    let mut server = Command::new(python())
        .arg(script())
        .args(["server", "--cert", &d.path("cert.pem"), "--key", &d.path("key.pem"), "--groups", server_groups, "--keylog", &py_keys])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = listening_port(server.stdout.take().unwrap());
    let mut client = Command::new(peer());
    client.args(["client", "--connect", &format!("127.0.0.1:{port}"), "--servername", "localhost", "--cafile", &d.path("ca.pem")]).args([
        "--send",
        "post-quantum hello\n",
        "--keylog",
        &engine_keys,
        "--groups",
        groups,
    ]);
    if let Some(s) = key_shares {
        client.args(["--key-shares", s]);
    }
    let out = client.output().unwrap();
    let server_out = wait(server);
    assert!(out.status.success(), "engine client failed: {}\ntlslite-ng: {}", stderr(&out), stderr(&server_out));
    assert!(server_out.status.success(), "tlslite-ng server failed: {}", stderr(&server_out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "post-quantum hello\n", "the echo");
    assert!(stderr(&out).contains(&format!("key exchange: {}\n", expect.0)), "engine: {}", stderr(&out));
    assert!(stderr(&server_out).contains(&format!("group: {}\n", expect.1)), "tlslite-ng: {}", stderr(&server_out));
    let (ours, theirs) = (traffic_secrets(&engine_keys), traffic_secrets(&py_keys));
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours, theirs);
}

/// tlslite-ng's client offering `groups` with shares for `key_shares` against the engine's server
/// (`peer server --groups G`).
fn tlslite_client(tag: &str, groups: &str, key_shares: &str, server_groups: &str, expect: (&str, &str)) {
    let d = Dir::new(tag);
    let (engine_keys, py_keys) = (d.path("engine.keys"), d.path("tlslite.keys"));
    let mut server = Command::new(peer())
        .args(["server", "--listen", "127.0.0.1:0", "--cert", &d.path("cert.pem"), "--key", &d.path("key.pem"), "--once"])
        .args(["--groups", server_groups, "--keylog", &engine_keys])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = listening_port(server.stdout.take().unwrap());
    let out = Command::new(python())
        .arg(script())
        .args(["client", "--port", &port.to_string(), "--groups", groups, "--key-shares", key_shares, "--keylog", &py_keys])
        .args(["--send", "hello from python\n"])
        .output()
        .unwrap();
    let server_out = wait(server);
    assert!(out.status.success(), "tlslite-ng client failed: {}\nengine: {}", stderr(&out), stderr(&server_out));
    assert!(server_out.status.success(), "engine server failed: {}", stderr(&server_out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from python\n", "the echo");
    assert!(stderr(&server_out).contains(&format!("key exchange: {}", expect.0)), "engine: {}", stderr(&server_out));
    assert!(stderr(&out).contains(&format!("group: {}\n", expect.1)), "tlslite-ng: {}", stderr(&out));
    let (ours, theirs) = (traffic_secrets(&engine_keys), traffic_secrets(&py_keys));
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours, theirs);
}

#[test]
fn engine_client_does_x25519mlkem768_with_tlslite_server() {
    engine_client("c-x", "X25519MLKEM768", None, "x25519mlkem768", ("X25519MLKEM768", "x25519mlkem768"));
}

#[test]
fn engine_client_does_secp256r1mlkem768_with_tlslite_server() {
    engine_client("c-p", "SecP256r1MLKEM768", None, "secp256r1mlkem768", ("SecP256r1MLKEM768", "secp256r1mlkem768"));
}

#[test]
fn tlslite_client_does_x25519mlkem768_with_the_engine_server() {
    tlslite_client("s-x", "x25519mlkem768", "x25519mlkem768", "X25519MLKEM768", ("X25519MLKEM768", "x25519mlkem768"));
}

#[test]
fn tlslite_client_does_secp256r1mlkem768_with_the_engine_server() {
    tlslite_client("s-p", "secp256r1mlkem768", "secp256r1mlkem768", "SecP256r1MLKEM768", ("SecP256r1MLKEM768", "secp256r1mlkem768"));
}

/// Two shares, as browsers send: a server that knows only X25519 takes the X25519 one.
#[test]
fn engine_client_with_a_hybrid_and_an_x25519_share_gets_x25519_from_a_server_without_ml_kem() {
    engine_client("c-two", "X25519MLKEM768,x25519", Some("X25519MLKEM768,x25519"), "x25519", ("x25519", "x25519"));
}

/// An X25519 share to an engine server that wants SecP256r1MLKEM768: a HelloRetryRequest, then
/// the hybrid share tlslite-ng sends in its second ClientHello.
#[test]
fn tlslite_client_is_asked_for_a_hybrid_share_by_the_engine_server() {
    tlslite_client("s-hrr", "x25519,secp256r1mlkem768", "x25519", "SecP256r1MLKEM768", ("SecP256r1MLKEM768", "secp256r1mlkem768"));
}
