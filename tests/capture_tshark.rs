//! Wireshark reads the capture of a run and decrypts it with the secrets the file carries: the
//! server's encrypted Certificate and CertificateVerify, the HTTP request and response, and in
//! the tamper scenario the client's encrypted bad_record_mac alert. The same file without its
//! Decryption Secrets Block shows none of them, so it is the embedded key log that decrypts.
//!
//! Needs `tshark` on PATH (`make test` installs it); without it the tests say so and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use tlsviz::sim::{self, capture, scenario::PAGE_TAMPER, Options, Scenario};

fn tshark() -> Option<PathBuf> {
    let found =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).map(|d| d.join("tshark")).find(|f| f.is_file())).unwrap_or_default();
    if found.is_none() {
        println!("skipped: tshark is not on PATH (make test installs it: scripts/ensure-tools.sh test)");
    }
    found
}

/// A directory of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsviz-capture-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).unwrap();
    dir
}

/// `tshark -V` on a file: every packet dissected, with checksums checked. HOME is an empty
/// directory and the key log file preference is set to nothing, so the secrets can only come
/// from the file itself. The server's reply has no Content-Length, so its body ends only with the
/// connection; HTTP is told not to wait for it.
fn dissect(tshark: &Path, dir: &Path, file: &Path) -> String {
    let out = Command::new(tshark)
        .env("HOME", dir.join("home"))
        .env_remove("SSLKEYLOGFILE")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-o", "tls.keylog_file:", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"])
        .args(["-o", "http.desegment_body:FALSE", "-V"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "tshark failed on {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    assert!(!text.is_empty(), "tshark printed nothing for {}", file.display());
    text
}

/// The capture without its Decryption Secrets Block (blocks are `type, length, …, length`).
fn without_secrets(file: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= file.len() {
        let typ = u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
        let len = usize::try_from(u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap())).unwrap();
        if typ != 0x0000_000A {
            out.extend_from_slice(&file[at..at + len]);
        }
        at += len;
    }
    assert!(out.len() < file.len(), "there was a Decryption Secrets Block to remove");
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(scenario: Scenario) -> Vec<u8> {
    capture::pcapng(&sim::run(&Options { seed: Some(11), scenario, ..Default::default() }))
}

fn assert_has(text: &str, line: &str, what: &str) {
    assert!(text.lines().any(|l| l.trim() == line), "{what}: no line {line:?} in tshark's output");
}

fn assert_clean(text: &str, what: &str) {
    // Each packet's IPv4 header checksum and TCP checksum, as tshark computed them.
    let frames = text.lines().filter(|l| l.starts_with("Frame ")).count();
    let statuses: Vec<&str> =
        text.lines().map(str::trim).filter(|l| l.starts_with("[Header checksum status:") || l.starts_with("[Checksum Status:")).collect();
    assert!(frames > 10 && statuses.len() == 2 * frames, "{what}: {} checksums checked in {frames} packets", statuses.len());
    assert!(statuses.iter().all(|l| l.ends_with(": Good]")), "{what}: {statuses:?}");
    for level in ["Warning", "Error"] {
        let bad: Vec<&str> = text.lines().filter(|l| l.contains(&format!("[Expert Info ({level}/"))).collect();
        assert!(bad.is_empty(), "{what}: tshark warns: {bad:?}");
    }
}

#[test]
fn wireshark_decrypts_a_normal_run_with_the_secrets_in_the_file_alone() {
    let Some(tshark) = tshark() else { return };
    let dir = scratch("normal");
    let file = run(Scenario::Normal);
    let text = dissect(&tshark, &dir, &write(&dir, "normal.pcapng", &file));
    assert_clean(&text, "normal");
    for line in [
        "Handshake Type: Client Hello (1)",
        "Handshake Type: Server Hello (2)",
        // Encrypted under the server's handshake traffic secret: only readable with the key log.
        "Handshake Type: Encrypted Extensions (8)",
        "Handshake Type: Certificate (11)",
        "Handshake Type: Certificate Verify (15)",
        "Handshake Type: Finished (20)",
        "Handshake Type: New Session Ticket (4)",
        "Hypertext Transfer Protocol",
        r"GET / HTTP/1.1\r\n",
        r"HTTP/1.1 200 OK\r\n",
        "Description: Close Notify (0)",
    ] {
        assert_has(&text, line, "normal");
    }
    assert!(text.contains("Hello over TLS 1.3!"), "the response body is decrypted");

    // The control: with no secrets, nothing encrypted can be read.
    let bare = dissect(&tshark, &dir, &write(&dir, "bare.pcapng", &without_secrets(&file)));
    assert_has(&bare, "Handshake Type: Server Hello (2)", "without secrets");
    for line in ["Handshake Type: Certificate (11)", "Handshake Type: Certificate Verify (15)", r"GET / HTTP/1.1\r\n"] {
        assert!(!bare.lines().any(|l| l.trim() == line), "without secrets, tshark still shows {line:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wireshark_shows_the_altered_record_and_the_clients_bad_record_mac_alert() {
    let Some(tshark) = tshark() else { return };
    let dir = scratch("tamper");
    let file = run(PAGE_TAMPER);
    let text = dissect(&tshark, &dir, &write(&dir, "tamper.pcapng", &file));
    assert_clean(&text, "tamper");
    assert_has(&text, "Handshake Type: Client Hello (1)", "tamper");
    assert_has(&text, "Handshake Type: Server Hello (2)", "tamper");
    // The client's alert is encrypted under its handshake traffic secret.
    assert_has(&text, "Description: Bad Record MAC (20)", "tamper");
    assert_has(&text, "Level: Fatal (2)", "tamper");
    // The altered record cannot be decrypted, by the client or by Wireshark.
    assert!(!text.lines().any(|l| l.trim() == "Handshake Type: Certificate (11)"), "the altered flight was decrypted");
    assert!(text.contains("the network XORed byte 60 of this record with 0x01 on its way to the client"), "no packet comment");

    let bare = dissect(&tshark, &dir, &write(&dir, "bare.pcapng", &without_secrets(&file)));
    assert!(!bare.contains("Bad Record MAC"), "without secrets the alert cannot be read");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wireshark_decrypts_both_connections_of_a_resumption_and_its_0_rtt_data() {
    let Some(tshark) = tshark() else { return };
    let dir = scratch("early-data");
    let text = dissect(&tshark, &dir, &write(&dir, "early-data.pcapng", &run(Scenario::EarlyData)));
    assert_clean(&text, "early-data");
    let count = |line: &str| text.lines().filter(|l| l.trim() == line).count();
    assert_eq!(count("Handshake Type: Client Hello (1)"), 2, "two ClientHellos");
    // Only the first connection authenticates with a certificate; the second resumes with the PSK.
    assert_eq!(count("Handshake Type: Certificate (11)"), 1);
    assert_eq!(count("Handshake Type: Encrypted Extensions (8)"), 2, "both connections' handshake keys are in the file");
    // The 0-RTT request, readable only with CLIENT_EARLY_TRAFFIC_SECRET, and EndOfEarlyData.
    assert_has(&text, "Handshake Type: End of Early Data (5)", "early-data");
    assert_eq!(count(r"GET / HTTP/1.1\r\n"), 2, "the first connection's request and the 0-RTT one");
    let _ = std::fs::remove_dir_all(&dir);
}
