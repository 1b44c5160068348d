//! The engine against OpenSSL's command-line tools over loopback, in both directions, through the
//! `peer` example; the key log lines of both sides must be identical.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Certs {
    dir: PathBuf,
}

impl Certs {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tlsviz-interop-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(peer()).args(["gen-cert", "--hostname", "localhost", "--out"]).arg(&dir).output().unwrap();
        assert!(out.status.success(), "gen-cert: {}", String::from_utf8_lossy(&out.stderr));
        Certs { dir }
    }
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

const TLS13_P256: [&str; 7] =
    ["-tls1_3", "-groups", "P-256", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-sigalgs", "ecdsa_secp256r1_sha256"];

/// Start `openssl s_server` and wait until it accepts connections.
fn openssl_server(certs: &Certs, port: u16, extra: &[&str], keylog: &str) -> Child {
    let mut child = Command::new("openssl")
        .arg("s_server")
        .args(["-accept", &format!("127.0.0.1:{port}"), "-naccept", "1", "-rev"])
        .args(TLS13_P256)
        .args(["-cert", &certs.path("cert.pem"), "-key", &certs.path("key.pem"), "-keylogfile", keylog])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is not installed");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ACCEPT") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("s_server did not start");
    child
}

fn keylog_lines(path: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn wait(mut child: Child) -> Output {
    for _ in 0..100 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("process did not exit: {:?}", child.wait_with_output().unwrap());
}

fn engine_client_against_openssl(tag: &str, extra: &[&str]) {
    let certs = Certs::new(tag);
    let port = free_port();
    let server_keys = certs.path("openssl.keys");
    let client_keys = certs.path("engine.keys");
    let server = openssl_server(&certs, port, extra, &server_keys);
    let out = Command::new(peer())
        .args(["client", "--connect", &format!("127.0.0.1:{port}"), "--servername", "localhost", "--cafile", &certs.path("ca.pem")])
        .args(["--send", "hello openssl\n", "--keylog", &client_keys])
        .output()
        .unwrap();
    let server_out = wait(server);
    assert!(out.status.success(), "engine client failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lssnepo olleh\n", "the reversed echo");
    assert!(server_out.status.success(), "s_server: {}", String::from_utf8_lossy(&server_out.stderr));
    let (ours, theirs) = (keylog_lines(&client_keys), keylog_lines(&server_keys));
    assert_eq!(ours.len(), 5);
    assert_eq!(ours, theirs);
}

#[test]
fn engine_client_talks_to_openssl_server_with_its_defaults() {
    // OpenSSL's defaults: a change_cipher_spec after ServerHello and two session tickets.
    engine_client_against_openssl("defaults", &[]);
}

#[test]
fn engine_client_talks_to_openssl_server_without_middlebox_mode_or_tickets() {
    engine_client_against_openssl("plain", &["-no_middlebox", "-num_tickets", "0"]);
}

/// Run the engine's server with a key log, and `openssl s_client` with `client_args` sending
/// `text`; both must exit 0. Returns s_client's output and both key logs (engine, OpenSSL).
fn openssl_client_against_engine(tag: &str, client_args: &[&str], text: &str) -> (String, Vec<String>, Vec<String>) {
    let certs = Certs::new(tag);
    let port = free_port();
    let server_keys = certs.path("engine.keys");
    let client_keys = certs.path("openssl.keys");
    // `--once`: the server exits after this one connection, with its outcome as the status.
    let mut server = Command::new(peer())
        .args(["server", "--once", "--listen", &format!("127.0.0.1:{port}"), "--cert", &certs.path("cert.pem")])
        .args(["--key", &certs.path("key.pem"), "--keylog", &server_keys])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It says when it listens; probing it would use up its one connection.
    let mut listening = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut listening).unwrap();
    assert!(listening.starts_with("listening on "), "the server did not start: {listening:?}");
    let mut client = Command::new("openssl")
        .arg("s_client")
        .args(["-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-CAfile", &certs.path("ca.pem")])
        .args(client_args)
        .args(["-verify_return_error", "-quiet", "-no_ign_eof", "-keylogfile", &client_keys])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).unwrap();
    // Leave time for the handshake and the echo before the end of input closes the connection.
    std::thread::sleep(Duration::from_millis(1500));
    drop(stdin); // end of input: s_client sends close_notify
    let client_out = wait(client);
    let server_out = wait(server);
    assert!(server_out.status.success(), "engine server: {}", String::from_utf8_lossy(&server_out.stderr));
    assert!(client_out.status.success(), "s_client: {}", String::from_utf8_lossy(&client_out.stderr));
    (String::from_utf8_lossy(&client_out.stdout).into_owned(), keylog_lines(&server_keys), keylog_lines(&client_keys))
}

#[test]
fn openssl_client_talks_to_the_engine_server() {
    let (echo, ours, theirs) = openssl_client_against_engine("server", &TLS13_P256, "hello engine\n");
    assert_eq!(echo, "hello engine\n", "the engine server echoes");
    assert_eq!(ours.len(), 5);
    assert_eq!(ours, theirs);
}

/// OpenSSL's client offers only an X25519 key share by default: the engine server asks for
/// P-256 with a HelloRetryRequest, and OpenSSL sends its compatibility change_cipher_spec before
/// the second ClientHello (RFC 8446 §D.4).
#[test]
fn openssl_client_with_default_groups_gets_a_hello_retry_request() {
    let (echo, ours, theirs) = openssl_client_against_engine("hrr", &["-tls1_3"], "after a retry\n");
    assert_eq!(echo, "after a retry\n");
    assert_eq!(ours.len(), 5);
    assert_eq!(ours, theirs);
}

#[test]
fn engine_client_rejects_a_name_the_certificate_does_not_carry_and_openssl_sees_the_alert() {
    let certs = Certs::new("badname");
    let port = free_port();
    let server = openssl_server(&certs, port, &[], &certs.path("k"));
    let out = Command::new(peer())
        .args(["client", "--connect", &format!("127.0.0.1:{port}"), "--servername", "wrong.example", "--cafile", &certs.path("ca.pem")])
        .output()
        .unwrap();
    let server_out = wait(server);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad_certificate"), "{}", String::from_utf8_lossy(&out.stderr));
    let server_err = String::from_utf8_lossy(&server_out.stdout).into_owned() + &String::from_utf8_lossy(&server_out.stderr);
    assert!(server_err.contains("bad certificate"), "OpenSSL did not report the alert: {server_err}");
}

#[test]
fn generated_certificates_pass_openssl_verify() {
    let certs = Certs::new("verify");
    let out = Command::new("openssl").args(["verify", "-CAfile", &certs.path("ca.pem"), &certs.path("cert.pem")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let text = Command::new("openssl").args(["x509", "-noout", "-text", "-in", &certs.path("cert.pem")]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in ["DNS:localhost", "TLS Web Server Authentication", "Digital Signature", "CA:FALSE", "ecdsa-with-SHA256"] {
        assert!(text.contains(needle), "certificate lacks {needle}");
    }
}
