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
        Certs::of_key_type(tag, "p256")
    }
    /// `peer gen-cert --key-type KEY_TYPE`: every key of the chain `rsa` or `p256`.
    fn of_key_type(tag: &str, key_type: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tlsviz-interop-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out =
            Command::new(peer()).args(["gen-cert", "--hostname", "localhost", "--key-type", key_type, "--out"]).arg(&dir).output().unwrap();
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

/// `peer gen-cert` writes a chain OpenSSL verifies, for each key type: the leaf's name, purpose
/// and usage, and the algorithms of the key and the signature (RSA throughout for `rsa`).
#[test]
fn generated_certificates_pass_openssl_verify() {
    let rows: &[(&str, &[&str])] = &[
        ("p256", &["Public Key Algorithm: id-ecPublicKey", "ecdsa-with-SHA256"]),
        #[cfg(feature = "rsa")]
        ("rsa", &["Public Key Algorithm: rsaEncryption", "Public-Key: (2048 bit)", "Signature Algorithm: sha256WithRSAEncryption"]),
    ];
    for (key_type, algorithms) in rows {
        let certs = Certs::of_key_type(&format!("verify-{key_type}"), key_type);
        let out = Command::new("openssl")
            .args(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", &certs.path("ca.pem"), &certs.path("cert.pem")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{key_type}: {}", String::from_utf8_lossy(&out.stdout));
        for f in ["ca.pem", "cert.pem"] {
            let text = Command::new("openssl").args(["x509", "-noout", "-text", "-in", &certs.path(f)]).output().unwrap();
            let text = String::from_utf8_lossy(&text.stdout);
            for needle in algorithms.iter() {
                assert!(text.contains(needle), "{key_type} {f} lacks {needle}: {text}");
            }
            if f == "cert.pem" {
                for needle in ["DNS:localhost", "TLS Web Server Authentication", "Digital Signature", "CA:FALSE"] {
                    assert!(text.contains(needle), "{key_type}: certificate lacks {needle}");
                }
            }
        }
        let key = Command::new("openssl").args(["pkey", "-noout", "-check", "-in", &certs.path("key.pem")]).output().unwrap();
        assert!(key.status.success(), "{key_type}: {}", String::from_utf8_lossy(&key.stderr));
    }
}

// ---- resumption and 0-RTT (RFC 8446 §2.2, §2.3) ---------------------------------------------

/// Start `openssl s_server` for two connections; its stdout is collected, line by line.
fn openssl_server_twice(certs: &Certs, port: u16, extra: &[&str], keylog: &str) -> (Child, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    openssl_server_collecting(certs, port, 2, extra, keylog)
}

/// Start `openssl s_server` for `connections` connections; its stdout is collected, line by line.
fn openssl_server_collecting(
    certs: &Certs,
    port: u16,
    connections: usize,
    extra: &[&str],
    keylog: &str,
) -> (Child, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let mut child = Command::new("openssl")
        .arg("s_server")
        .args(["-accept", &format!("127.0.0.1:{port}"), "-naccept", &connections.to_string()])
        .args(TLS13_P256)
        .args(["-cert", &certs.path("cert.pem"), "-key", &certs.path("key.pem"), "-keylogfile", keylog])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is not installed");
    let stdout = child.stdout.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ACCEPT") {
                let _ = tx.send(());
            }
            kept.lock().unwrap().push(line);
        }
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("s_server did not start");
    (child, lines)
}

fn engine_client_resuming(certs: &Certs, port: u16, client_keys: &str, early: Option<&str>, extra: &[&str]) -> Output {
    let mut cmd = Command::new(peer());
    cmd.args(["client", "--connect", &format!("127.0.0.1:{port}"), "--servername", "localhost", "--cafile", &certs.path("ca.pem")]).args([
        "--send",
        "hello openssl\n",
        "--keylog",
        client_keys,
        "--resume",
    ]);
    if let Some(e) = early {
        cmd.args(["--early-data", e]);
    }
    cmd.args(extra).output().unwrap()
}

#[test]
fn engine_client_resumes_against_openssl_server_and_both_key_logs_agree() {
    let certs = Certs::new("resume");
    let port = free_port();
    let (server_keys, client_keys) = (certs.path("openssl.keys"), certs.path("engine.keys"));
    // OpenSSL's defaults: two tickets after each handshake.
    let (server, lines) = openssl_server_twice(&certs, port, &["-rev"], &server_keys);
    let out = engine_client_resuming(&certs, port, &client_keys, None, &[]);
    let _ = wait(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "engine client failed: {stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lssnepo olleh\nlssnepo olleh\n", "an echo in each connection");
    assert!(stderr.contains("second connection: resumed (psk_dhe_ke)"), "{stderr}");
    let text = lines.lock().unwrap().join("\n");
    assert!(text.contains("1 session cache hits"), "OpenSSL did not resume: {text}");
    let (ours, theirs) = (keylog_lines(&client_keys), keylog_lines(&server_keys));
    assert_eq!(ours.len(), 10, "five secrets for each connection");
    assert_eq!(ours, theirs);
}

#[test]
fn engine_client_sends_early_data_that_openssl_server_accepts() {
    let certs = Certs::new("early-c");
    let port = free_port();
    let (server_keys, client_keys) = (certs.path("openssl.keys"), certs.path("engine.keys"));
    let (server, lines) = openssl_server_twice(&certs, port, &["-early_data"], &server_keys);
    let out = engine_client_resuming(&certs, port, &client_keys, Some("early bird\n"), &[]);
    let server_out = wait(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && server_out.status.success(), "{stderr}");
    assert!(stderr.contains("second connection: resumed") && stderr.contains("early data: accepted"), "{stderr}");
    let text = lines.lock().unwrap().join("\n");
    assert!(text.contains("Early data received:") && text.contains("early bird"), "OpenSSL did not read the early data: {text}");
    let (ours, theirs) = (keylog_lines(&client_keys), keylog_lines(&server_keys));
    // The second connection adds CLIENT_EARLY_TRAFFIC_SECRET and EARLY_EXPORTER_SECRET.
    assert_eq!(ours.len(), 12);
    assert!(ours.iter().any(|l| l.starts_with("CLIENT_EARLY_TRAFFIC_SECRET ")));
    assert_eq!(ours, theirs);
}

/// The engine's server for several connections, with tickets that allow early data; and the
/// `openssl s_client` runs against it, each with `client_args` added (and the server with
/// `server_args`). Returns each run's output and both key logs.
fn openssl_client_resuming_against_engine(
    tag: &str,
    early: Option<&str>,
    server_args: &[&str],
    client_args: &[&str],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let certs = Certs::new(tag);
    let port = free_port();
    let (server_keys, client_keys, sess) = (certs.path("engine.keys"), certs.path("openssl.keys"), certs.path("session.pem"));
    let mut server = Command::new(peer())
        .args(["server", "--listen", &format!("127.0.0.1:{port}"), "--cert", &certs.path("cert.pem")])
        .args(["--key", &certs.path("key.pem"), "--keylog", &server_keys, "--tickets", "2", "--early-data", "1024"])
        .args(server_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut listening = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut listening).unwrap();
    assert!(listening.starts_with("listening on "), "the server did not start: {listening:?}");
    let early_file = certs.path("early.txt");
    if let Some(e) = early {
        std::fs::write(&early_file, e).unwrap();
    }
    let mut outputs = Vec::new();
    for (i, session) in [["-sess_out", sess.as_str()], ["-sess_in", sess.as_str()]].iter().enumerate() {
        let mut client = Command::new("openssl")
            .arg("s_client")
            .args(["-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-CAfile", &certs.path("ca.pem")])
            .args(TLS13_P256)
            .args(session)
            .args(client_args)
            .args(if i == 1 && early.is_some() { vec!["-early_data", early_file.as_str()] } else { vec![] })
            .args(["-verify_return_error", "-no_ign_eof", "-keylogfile", &client_keys])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = client.stdin.take().unwrap();
        stdin.write_all(format!("line {i}\n").as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        drop(stdin);
        let out = wait(client);
        assert!(out.status.success(), "s_client: {}", String::from_utf8_lossy(&out.stderr));
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let _ = server.kill();
    let _ = server.wait();
    (outputs, keylog_lines(&server_keys), keylog_lines(&client_keys))
}

#[test]
fn openssl_client_resumes_against_the_engine_server_with_sess_out_and_sess_in() {
    let (outputs, ours, theirs) = openssl_client_resuming_against_engine("resume-s", None, &[], &[]);
    assert!(outputs[0].contains("New, TLSv1.3"), "{}", outputs[0]);
    assert!(outputs[1].contains("Reused, TLSv1.3"), "OpenSSL did not resume: {}", outputs[1]);
    assert!(outputs[1].contains("line 1"), "the echo of the resumed connection");
    assert_eq!(ours.len(), 10);
    assert_eq!(ours, theirs);
}

#[test]
fn openssl_client_sends_early_data_that_the_engine_server_accepts() {
    let (outputs, ours, theirs) = openssl_client_resuming_against_engine("early-s", Some("early one\n"), &[], &[]);
    assert!(outputs[1].contains("Reused, TLSv1.3"), "{}", outputs[1]);
    assert!(outputs[1].contains("Early data was accepted"), "{}", outputs[1]);
    assert!(outputs[1].contains("early one"), "the engine echoes the early data: {}", outputs[1]);
    assert_eq!(ours.len(), 12);
    assert_eq!(ours, theirs);
}

// ---- mutual TLS (RFC 8446 §4.3.2, §4.4.2) and ALPN (RFC 7301) --------------------------------------

/// What a run of the engine's client against `openssl s_server` left: both outputs, both key logs.
struct ClientRun {
    client: Output,
    server: Output,
    /// What s_server wrote on stdout.
    server_lines: Vec<String>,
    ours: Vec<String>,
    theirs: Vec<String>,
}

impl ClientRun {
    fn client_stderr(&self) -> String {
        String::from_utf8_lossy(&self.client.stderr).into_owned()
    }
    fn server_text(&self) -> String {
        self.server_lines.join("\n") + "\n" + &String::from_utf8_lossy(&self.server.stderr)
    }
}

/// The engine's client, with `client_args`, against `openssl s_server -rev` with `server_args`
/// (each a file name in the certificates' directory where it starts with `@`).
fn engine_client_run(tag: &str, server_args: &[&str], client_args: &[&str]) -> ClientRun {
    engine_client_run_with(Certs::new(tag), server_args, client_args)
}

/// [`engine_client_run`] with the chain in `certs`.
fn engine_client_run_with(certs: Certs, server_args: &[&str], client_args: &[&str]) -> ClientRun {
    let in_dir = |args: &[&str]| -> Vec<String> {
        args.iter().map(|a| a.strip_prefix('@').map_or_else(|| a.to_string(), |f| certs.path(f))).collect()
    };
    let port = free_port();
    let (server_keys, client_keys) = (certs.path("openssl.keys"), certs.path("engine.keys"));
    let server_args = in_dir(server_args);
    let server_args: Vec<&str> = server_args.iter().map(String::as_str).collect();
    let mut args = vec!["-rev"];
    args.extend(server_args);
    let (server, lines) = openssl_server_collecting(&certs, port, 1, &args, &server_keys);
    let client = Command::new(peer())
        .args(["client", "--connect", &format!("127.0.0.1:{port}"), "--servername", "localhost", "--cafile", &certs.path("ca.pem")])
        .args(["--send", "hello openssl\n", "--keylog", &client_keys])
        .args(in_dir(client_args))
        .output()
        .unwrap();
    let server = wait(server);
    // The reader thread may still hold the last lines for a moment after the exit.
    std::thread::sleep(Duration::from_millis(100));
    let server_lines = lines.lock().unwrap().clone();
    ClientRun { client, server, server_lines, ours: keylog_lines(&client_keys), theirs: keylog_lines(&server_keys) }
}

const VERIFY_CLIENT: [&str; 5] = ["-Verify", "1", "-verify_return_error", "-CAfile", "@ca.pem"];

#[test]
fn engine_client_presents_its_certificate_to_openssl_server_that_requires_one() {
    let r = engine_client_run("mtls-c", &VERIFY_CLIENT, &["--cert", "@client.pem", "--key", "@client-key.pem"]);
    assert!(r.client.status.success(), "engine client failed: {}", r.client_stderr());
    assert!(r.server.status.success(), "s_server: {}", r.server_text());
    assert_eq!(String::from_utf8_lossy(&r.client.stdout), "lssnepo olleh\n", "the reversed echo");
    let text = r.server_text();
    assert!(text.contains("Peer certificate: O = TLS Handshake Visualizer, CN = Handshake Visualizer Demo Client"), "{text}");
    assert!(text.contains("Verification: OK"), "{text}");
    assert_eq!(r.ours.len(), 5);
    assert_eq!(r.ours, r.theirs);
}

#[test]
fn engine_client_without_a_certificate_is_refused_by_openssl_server_with_certificate_required() {
    let r = engine_client_run("mtls-none-c", &VERIFY_CLIENT, &[]);
    assert_eq!(r.client.status.code(), Some(1));
    assert!(r.client_stderr().contains("received alert certificate_required"), "{}", r.client_stderr());
    assert!(r.server_text().contains("peer did not return a certificate"), "{}", r.server_text());
}

#[test]
fn engine_client_and_openssl_server_agree_on_alpn() {
    let r = engine_client_run("alpn-c", &["-alpn", "spdy/3,h2"], &["--alpn", "h2,http/1.1"]);
    assert!(r.client.status.success(), "engine client failed: {}", r.client_stderr());
    assert!(r.client_stderr().contains("application protocol: h2"), "{}", r.client_stderr());
    let text = r.server_text();
    assert!(text.contains("ALPN protocols advertised by the client: h2, http/1.1"), "{text}");
    assert!(text.contains("ALPN protocols selected: h2"), "{text}");
    assert_eq!(r.ours, r.theirs);
}

#[test]
fn openssl_server_refuses_an_engine_client_with_no_protocol_in_common() {
    let r = engine_client_run("alpn-none-c", &["-alpn", "h2"], &["--alpn", "http/1.1"]);
    assert_eq!(r.client.status.code(), Some(1));
    assert!(r.client_stderr().contains("received alert no_application_protocol"), "{}", r.client_stderr());
}

/// What a run of `openssl s_client` against the engine's server left.
struct ServerRun {
    client: Output,
    server: Output,
    ours: Vec<String>,
    theirs: Vec<String>,
}

impl ServerRun {
    fn client_text(&self) -> String {
        String::from_utf8_lossy(&self.client.stdout).into_owned() + &String::from_utf8_lossy(&self.client.stderr)
    }
    fn server_stderr(&self) -> String {
        String::from_utf8_lossy(&self.server.stderr).into_owned()
    }
}

/// `openssl s_client` (not quiet: it says what it negotiated) with `client_args` against the
/// engine's server with `server_args`, both `@file` arguments in the certificates' directory.
fn openssl_client_run(tag: &str, server_args: &[&str], client_args: &[&str]) -> ServerRun {
    openssl_client_run_with(Certs::new(tag), server_args, client_args)
}

/// [`openssl_client_run`] with the chain in `certs`.
fn openssl_client_run_with(certs: Certs, server_args: &[&str], client_args: &[&str]) -> ServerRun {
    let in_dir = |args: &[&str]| -> Vec<String> {
        args.iter().map(|a| a.strip_prefix('@').map_or_else(|| a.to_string(), |f| certs.path(f))).collect()
    };
    let port = free_port();
    let (server_keys, client_keys) = (certs.path("engine.keys"), certs.path("openssl.keys"));
    let mut server = Command::new(peer())
        .args(["server", "--once", "--listen", &format!("127.0.0.1:{port}"), "--cert", &certs.path("cert.pem")])
        .args(["--key", &certs.path("key.pem"), "--keylog", &server_keys])
        .args(in_dir(server_args))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut listening = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut listening).unwrap();
    assert!(listening.starts_with("listening on "), "the server did not start: {listening:?}");
    let mut client = Command::new("openssl")
        .arg("s_client")
        .args(["-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-CAfile", &certs.path("ca.pem")])
        .args(TLS13_P256)
        .args(in_dir(client_args))
        .args(["-verify_return_error", "-no_ign_eof", "-keylogfile", &client_keys])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    stdin.write_all(b"hello engine\n").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(stdin);
    let client = wait(client);
    let server = wait(server);
    ServerRun { client, server, ours: keylog_lines(&server_keys), theirs: keylog_lines(&client_keys) }
}

const REQUIRE_CLIENT: [&str; 3] = ["--client-ca", "@ca.pem", "--require-client-cert"];

#[test]
fn openssl_client_with_a_certificate_is_accepted_by_the_engine_server_requiring_one() {
    let r = openssl_client_run("mtls-s", &REQUIRE_CLIENT, &["-cert", "@client.pem", "-key", "@client-key.pem"]);
    assert!(r.server.status.success(), "engine server: {}", r.server_stderr());
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("hello engine"), "the echo: {}", r.client_text());
    let err = r.server_stderr();
    assert!(err.contains("client certificate: CN=Handshake Visualizer Demo Client,O=TLS Handshake Visualizer"), "{err}");
    // s_client lists the CA names the CertificateRequest carried.
    assert!(r.client_text().contains("Acceptable client certificate CA names"), "{}", r.client_text());
    assert!(r.client_text().contains("O = TLS Handshake Visualizer, CN = Handshake Visualizer Demo CA"), "{}", r.client_text());
    assert_eq!(r.ours.len(), 5);
    assert_eq!(r.ours, r.theirs);
}

#[test]
fn openssl_client_without_a_certificate_gets_certificate_required_from_the_engine_server() {
    let r = openssl_client_run("mtls-none-s", &REQUIRE_CLIENT, &[]);
    assert!(!r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("alert certificate required"), "s_client does not name the alert: {}", r.client_text());
    assert!(r.client_text().contains("SSL alert number 116"), "{}", r.client_text());
    assert!(r.server_stderr().contains("sent alert certificate_required"), "{}", r.server_stderr());
}

#[test]
fn openssl_client_without_a_certificate_is_let_in_when_the_engine_server_only_asks() {
    let r = openssl_client_run("mtls-opt-s", &["--client-ca", "@ca.pem"], &[]);
    assert!(r.server.status.success(), "engine server: {}", r.server_stderr());
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("hello engine"), "{}", r.client_text());
    assert!(!r.server_stderr().contains("client certificate:"), "{}", r.server_stderr());
    assert_eq!(r.ours, r.theirs);
}

#[test]
fn openssl_client_and_the_engine_server_agree_on_alpn() {
    // The server's preference decides: http/1.1 first, though the client lists h2 first.
    let r = openssl_client_run("alpn-s", &["--alpn", "http/1.1,h2"], &["-alpn", "h2,http/1.1"]);
    assert!(r.server.status.success(), "engine server: {}", r.server_stderr());
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("ALPN protocol: http/1.1"), "{}", r.client_text());
    assert!(r.server_stderr().contains("application protocol: http/1.1"), "{}", r.server_stderr());
    assert_eq!(r.ours.len(), 5);
    assert_eq!(r.ours, r.theirs);
}

#[test]
fn the_engine_server_refuses_an_openssl_client_with_no_protocol_in_common() {
    let r = openssl_client_run("alpn-none-s", &["--alpn", "h2"], &["-alpn", "spdy/3,http/1.1"]);
    assert!(!r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("alert no application protocol"), "{}", r.client_text());
    assert!(r.client_text().contains("SSL alert number 120"), "{}", r.client_text());
    assert!(r.server_stderr().contains("sent alert no_application_protocol"), "{}", r.server_stderr());
}

#[test]
fn the_generated_client_certificate_passes_openssl_verify_for_client_use() {
    let certs = Certs::new("verify-client");
    let out = Command::new("openssl")
        .args(["verify", "-purpose", "sslclient", "-CAfile", &certs.path("ca.pem"), &certs.path("client.pem")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = Command::new("openssl")
        .args(["verify", "-purpose", "sslserver", "-CAfile", &certs.path("ca.pem"), &certs.path("client.pem")])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a client certificate is not a server's");
}

/// X25519 (RFC 7748) both ways: OpenSSL told to use nothing else, so a handshake that completes
/// used it, and both key logs agree.
#[cfg(feature = "x25519")]
#[test]
fn engine_client_uses_x25519_with_openssl_server_that_speaks_only_x25519() {
    let r = engine_client_run("x25519-c", &["-groups", "X25519"], &["--groups", "x25519,secp256r1"]);
    assert!(r.client.status.success(), "engine client failed: {}", r.client_stderr());
    assert_eq!(r.ours.len(), 5);
    assert_eq!(r.ours, r.theirs);
    // The engine client offering P-256 alone has no group in common with it.
    let r = engine_client_run("x25519-none", &["-groups", "X25519"], &["--groups", "secp256r1"]);
    assert!(!r.client.status.success(), "a handshake with no group in common completed");
    assert!(r.client_stderr().contains("handshake_failure") || r.client_stderr().contains("handshake failure"), "{}", r.client_stderr());
}

#[cfg(feature = "x25519")]
#[test]
fn openssl_client_speaking_only_x25519_is_served_with_it_by_the_engine_server() {
    let r = openssl_client_run("x25519-s", &["--groups", "x25519,secp256r1"], &["-groups", "X25519"]);
    assert!(r.server.status.success(), "engine server: {}", r.server_stderr());
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("Server Temp Key: X25519"), "{}", r.client_text());
    assert_eq!(r.ours.len(), 5);
    assert_eq!(r.ours, r.theirs);
}

/// OpenSSL's client by default offers X25519 and P-256 with an X25519 key share. The engine
/// server takes a group it has a share for before its own first choice, sparing a round trip
/// (RFC 8446 §4.2.8); one that accepts only P-256 asks for it with a HelloRetryRequest.
#[cfg(feature = "x25519")]
#[test]
fn the_engine_server_takes_openssls_x25519_share_or_asks_for_p256() {
    let r = openssl_client_run("x25519-pref", &["--groups", "secp256r1,x25519"], &["-groups", "X25519:P-256"]);
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("Server Temp Key: X25519"), "{}", r.client_text());
    assert_eq!(r.ours, r.theirs);
    let r = openssl_client_run("x25519-hrr", &["--groups", "secp256r1"], &["-groups", "X25519:P-256"]);
    assert!(r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("Server Temp Key: ECDH, prime256v1"), "{}", r.client_text());
    assert_eq!(r.ours, r.theirs);
}

// ---- cipher suites (RFC 8446 §B.4) ----------------------------------------------------------------

/// Every cipher suite this build runs, by the RFC 8446 name that OpenSSL's `-ciphersuites` and
/// the engine's `--suites` both take, with Hash.length in hex digits: the length of each secret
/// in the key logs (RFC 8446 §7.1).
const SUITES: &[(&str, usize)] = &[
    ("TLS_AES_128_GCM_SHA256", 64),
    #[cfg(feature = "aes256")]
    ("TLS_AES_256_GCM_SHA384", 96),
    #[cfg(feature = "chacha20")]
    ("TLS_CHACHA20_POLY1305_SHA256", 64),
];

/// Every group this build runs: OpenSSL's name, the engine's.
const GROUPS: &[(&str, &str)] = &[
    ("P-256", "secp256r1"),
    #[cfg(feature = "x25519")]
    ("X25519", "x25519"),
];

/// All of [`SUITES`] with `suite` moved to the end: the other side must still get `suite`.
fn suites_ending_with(suite: &str, sep: &str) -> String {
    let mut all: Vec<&str> = SUITES.iter().map(|(s, _)| *s).filter(|s| *s != suite).collect();
    all.push(suite);
    all.join(sep)
}

/// The length of each secret in key log lines.
fn secret_lengths(lines: &[String]) -> Vec<usize> {
    lines.iter().map(|l| l.rsplit(' ').next().unwrap_or_default().len()).collect()
}

/// The engine's client against `openssl s_server` that speaks one suite and one group, for each
/// of them: the client offers every suite, that one last, so the handshake completes only if it
/// takes the one the server chose; both key logs agree, with secrets of that suite's hash.
#[test]
fn engine_client_and_openssl_server_agree_on_every_suite_and_group() {
    for &(suite, hex_len) in SUITES {
        for &(openssl_group, group) in GROUPS {
            let what = format!("{suite} with {group}");
            let tag = format!("suite-c-{suite}-{group}");
            let offered = suites_ending_with(suite, ",");
            let r =
                engine_client_run(&tag, &["-ciphersuites", suite, "-groups", openssl_group], &["--suites", &offered, "--groups", group]);
            assert!(r.client.status.success(), "{what}: engine client failed: {}", r.client_stderr());
            assert_eq!(String::from_utf8_lossy(&r.client.stdout), "lssnepo olleh\n", "{what}: the reversed echo");
            assert!(r.client_stderr().contains(&format!("cipher suite: {suite}")), "{what}: {}", r.client_stderr());
            assert!(
                r.server_text().contains(&format!("Client cipher list: {}\n", suites_ending_with(suite, ":"))),
                "{what}: {}",
                r.server_text()
            );
            assert!(r.server_text().contains(&format!("Ciphersuite: {suite}\n")), "{what}: {}", r.server_text());
            assert_eq!(r.ours.len(), 5, "{what}");
            assert_eq!(secret_lengths(&r.ours), vec![hex_len; 5], "{what}: secrets of Hash.length");
            assert_eq!(r.ours, r.theirs, "{what}: the key logs");
        }
    }
}

/// `openssl s_client` offering every suite, one of them last, against the engine's server that
/// prefers that one, for each suite and group: the server picks by its own preference (RFC 8446
/// §4.1.1), and both key logs agree.
#[test]
fn openssl_client_gets_the_engine_servers_preferred_suite_with_every_group() {
    for &(suite, hex_len) in SUITES {
        for &(openssl_group, group) in GROUPS {
            let what = format!("{suite} with {group}");
            let tag = format!("suite-s-{suite}-{group}");
            let preferred = format!("{suite},{}", SUITES.iter().map(|(s, _)| *s).filter(|s| *s != suite).collect::<Vec<_>>().join(","));
            let preferred = preferred.trim_end_matches(',');
            let offered = suites_ending_with(suite, ":");
            let r = openssl_client_run(
                &tag,
                &["--suites", preferred, "--groups", group],
                &["-ciphersuites", &offered, "-groups", openssl_group],
            );
            assert!(r.server.status.success(), "{what}: engine server: {}", r.server_stderr());
            assert!(r.client.status.success(), "{what}: s_client: {}", r.client_text());
            assert!(r.client_text().contains(&format!("Cipher is {suite}")), "{what}: {}", r.client_text());
            assert!(r.server_stderr().contains(&format!("cipher suite: {suite}")), "{what}: {}", r.server_stderr());
            assert_eq!(secret_lengths(&r.ours), vec![hex_len; 5], "{what}: secrets of Hash.length");
            assert_eq!(r.ours, r.theirs, "{what}: the key logs");
        }
    }
}

/// RFC 8446 §4.1.1: no cipher suite in common is handshake_failure, from either side.
#[cfg(feature = "aes256")]
#[test]
fn no_cipher_suite_in_common_with_openssl_is_handshake_failure_both_ways() {
    let r = engine_client_run("suite-none-c", &["-ciphersuites", "TLS_AES_256_GCM_SHA384"], &["--suites", "TLS_AES_128_GCM_SHA256"]);
    assert_eq!(r.client.status.code(), Some(1));
    assert!(r.client_stderr().contains("received alert handshake_failure"), "{}", r.client_stderr());
    let r = openssl_client_run("suite-none-s", &["--suites", "TLS_AES_256_GCM_SHA384"], &["-ciphersuites", "TLS_AES_128_GCM_SHA256"]);
    assert!(!r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("alert handshake failure"), "{}", r.client_text());
    assert!(r.server_stderr().contains("sent alert handshake_failure"), "{}", r.server_stderr());
}

/// Resumption and 0-RTT under TLS_AES_256_GCM_SHA384 both ways: the binder, the resumption
/// secret, the ticket's PSK and the early traffic secret are all SHA-384's, and the key logs of
/// both connections agree with OpenSSL's.
#[cfg(feature = "aes256")]
#[test]
fn resumption_and_early_data_under_sha384_agree_with_openssl_both_ways() {
    const SUITE: &str = "TLS_AES_256_GCM_SHA384";
    let certs = Certs::new("resume384-c");
    let port = free_port();
    let (server_keys, client_keys) = (certs.path("openssl.keys"), certs.path("engine.keys"));
    let (server, lines) = openssl_server_twice(&certs, port, &["-early_data", "-ciphersuites", SUITE], &server_keys);
    let out = engine_client_resuming(&certs, port, &client_keys, Some("early bird\n"), &["--suites", SUITE]);
    let server_out = wait(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && server_out.status.success(), "{stderr}");
    assert!(stderr.contains("second connection: resumed") && stderr.contains("early data: accepted"), "{stderr}");
    let text = lines.lock().unwrap().join("\n");
    assert!(text.contains("Early data received:") && text.contains("early bird"), "OpenSSL did not read the early data: {text}");
    let (ours, theirs) = (keylog_lines(&client_keys), keylog_lines(&server_keys));
    assert_eq!(secret_lengths(&ours), vec![96; 12]);
    assert_eq!(ours, theirs);

    let (outputs, ours, theirs) =
        openssl_client_resuming_against_engine("resume384-s", Some("early one\n"), &["--suites", SUITE], &["-ciphersuites", SUITE]);
    assert!(outputs[1].contains(&format!("Reused, TLSv1.3, Cipher is {SUITE}")), "{}", outputs[1]);
    assert!(outputs[1].contains("Early data was accepted"), "{}", outputs[1]);
    assert!(outputs[1].contains("early one"), "the engine echoes the early data: {}", outputs[1]);
    assert_eq!(secret_lengths(&ours), vec![96; 12]);
    assert_eq!(ours, theirs);
}

// ---- RSA certificates and rsa_pss_rsae_sha256 (RFC 8446 §4.2.3, §4.4.3) ----------------------------

/// The OpenSSL-made RSA chain of tests/vectors/rsa (see make.sh there): a root, and a leaf for
/// rsa.example it signed with sha256WithRSAEncryption or with RSASSA-PSS.
fn openssl_rsa(file: &str) -> String {
    format!("{}/tests/vectors/rsa/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// The engine's client against `openssl s_server` holding an RSA certificate: each row is
/// s_server's arguments, the client's, and the scheme the client must see. s_server's `-cert`,
/// `-key` and `-sigalgs` and the client's `--cafile` and `--servername` replace the defaults.
#[cfg(feature = "rsa")]
#[test]
fn engine_client_verifies_rsa_pss_from_openssl_server() {
    let (ca, key, pkcs1, pss) =
        (openssl_rsa("ca.pem"), openssl_rsa("leaf-key.pem"), openssl_rsa("leaf-pkcs1.pem"), openssl_rsa("leaf-pss.pem"));
    let trust = ["--cafile", ca.as_str(), "--servername", "rsa.example"];
    let rows: &[(&str, Vec<&str>, Vec<&str>)] = &[
        // An OpenSSL leaf signed with PKCS#1 v1.5, then one signed with RSASSA-PSS.
        ("rsa-c-pkcs1", vec!["-cert", &pkcs1, "-key", &key, "-sigalgs", "rsa_pss_rsae_sha256"], trust.to_vec()),
        ("rsa-c-pss", vec!["-cert", &pss, "-key", &key, "-sigalgs", "rsa_pss_rsae_sha256"], trust.to_vec()),
        // The mixed case: an RSA leaf under OpenSSL's default suite (TLS_AES_256_GCM_SHA384 first)
        // and X25519, and the client offering every suite, x25519 first, ECDSA first.
        (
            "rsa-c-mixed",
            vec![
                "-cert",
                &pss,
                "-key",
                &key,
                "-sigalgs",
                "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
                "-groups",
                "X25519",
                "-ciphersuites",
                "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
            ],
            [&trust[..], &["--groups", "x25519,secp256r1", "--sigalgs", "ecdsa_secp256r1_sha256,rsa_pss_rsae_sha256"]].concat(),
        ),
    ];
    for (tag, server_args, client_args) in rows {
        let r = engine_client_run(tag, server_args, client_args);
        assert!(r.client.status.success(), "{tag}: engine client failed: {}", r.client_stderr());
        assert!(r.server.status.success(), "{tag}: s_server: {}", r.server_text());
        assert_eq!(String::from_utf8_lossy(&r.client.stdout), "lssnepo olleh\n", "{tag}: the reversed echo");
        assert!(r.client_stderr().contains("signature scheme: rsa_pss_rsae_sha256"), "{tag}: {}", r.client_stderr());
        assert_eq!(r.ours.len(), 5, "{tag}");
        assert_eq!(r.ours, r.theirs, "{tag}: the key logs");
    }
}

/// `openssl s_client -sigalgs rsa_pss_rsae_sha256` against the engine's server holding a
/// `peer gen-cert --key-type rsa` chain (RSA root, RSA leaf): s_client verifies the chain
/// (-verify_return_error) and the signature, and says it was RSA-PSS with SHA-256.
#[cfg(feature = "rsa")]
#[test]
fn openssl_client_verifies_the_engine_servers_rsa_chain_and_rsa_pss_signature() {
    let rows: &[(&str, Vec<&str>, Vec<&str>)] = &[
        ("rsa-s", vec![], vec!["-sigalgs", "rsa_pss_rsae_sha256"]),
        // The mixed case: OpenSSL's default suites and groups (an X25519 share), ECDSA or RSA-PSS.
        (
            "rsa-s-mixed",
            vec!["--groups", "x25519,secp256r1"],
            vec![
                "-sigalgs",
                "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256",
                "-groups",
                "X25519:P-256",
                "-ciphersuites",
                "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
            ],
        ),
    ];
    for (tag, server_args, client_args) in rows {
        let r = openssl_client_run_with(Certs::of_key_type(tag, "rsa"), server_args, client_args);
        assert!(r.server.status.success(), "{tag}: engine server: {}", r.server_stderr());
        assert!(r.client.status.success(), "{tag}: s_client: {}", r.client_text());
        let text = r.client_text();
        assert!(text.contains("Verification: OK") || text.contains("Verify return code: 0 (ok)"), "{tag}: {text}");
        assert!(text.contains("Peer signature type: RSA-PSS") && text.contains("Peer signing digest: SHA256"), "{tag}: {text}");
        assert!(text.contains("Server public key is 2048 bit"), "{tag}: {text}");
        assert!(r.server_stderr().contains("signature scheme: rsa_pss_rsae_sha256"), "{tag}: {}", r.server_stderr());
        assert_eq!(r.ours.len(), 5, "{tag}");
        assert_eq!(r.ours, r.theirs, "{tag}: the key logs");
    }
}

/// RFC 8446 §4.2.3, §4.1.1: a server whose key can sign with no scheme the client offers ends
/// the handshake with handshake_failure, whichever side it is.
#[cfg(feature = "rsa")]
#[test]
fn no_signature_scheme_in_common_with_openssl_is_handshake_failure_both_ways() {
    let (key, pss) = (openssl_rsa("leaf-key.pem"), openssl_rsa("leaf-pss.pem"));
    let r = engine_client_run(
        "rsa-none-c",
        &["-cert", &pss, "-key", &key, "-sigalgs", "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256"],
        &["--sigalgs", "ecdsa_secp256r1_sha256"],
    );
    assert_eq!(r.client.status.code(), Some(1));
    assert!(r.client_stderr().contains("received alert handshake_failure"), "{}", r.client_stderr());
    let r = openssl_client_run_with(Certs::of_key_type("rsa-none-s", "rsa"), &[], &["-sigalgs", "ecdsa_secp256r1_sha256"]);
    assert!(!r.client.status.success(), "s_client: {}", r.client_text());
    assert!(r.client_text().contains("alert handshake failure"), "{}", r.client_text());
    assert!(r.server_stderr().contains("sent alert handshake_failure"), "{}", r.server_stderr());
}
