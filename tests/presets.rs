//! The client presets against their sources: the "curl with OpenSSL 3.0" preset is what this
//! machine's `openssl s_client` (OpenSSL's defaults, which curl keeps) sends, read off the wire;
//! and every preset runs through a handshake with the page's server.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use tlsviz::sim::preset::{ClientOffer, Preset};
use tlsviz::sim::{self, Options};
use tlsviz::tls::enums::{CipherSuite, NamedGroup};
use tlsviz::tls::extensions::Extension;
use tlsviz::tls::handshake::Handshake;

/// The ClientHello `openssl s_client` sends, from its first record.
fn openssl_client_hello() -> tlsviz::tls::handshake::ClientHello {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "example.com", "-tls1_3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed (make test installs it)");
    let (mut sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut header = [0u8; 5];
    sock.read_exact(&mut header).unwrap();
    assert_eq!(header[0], 22, "a handshake record");
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
    sock.read_exact(&mut body).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    match Handshake::decode(&body).0 {
        Ok(Handshake::ClientHello(ch)) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

#[test]
fn the_curl_preset_is_what_openssl_sends() {
    let ch = openssl_client_hello();
    let l = Preset::Curl.lists();
    let tls13: Vec<CipherSuite> = ch.cipher_suites.iter().copied().filter(|s| s.0 >> 8 == 0x13).collect();
    assert_eq!(tls13, l.suites, "TLS 1.3 suites, in OpenSSL's order");
    let mut seen = 0;
    for e in &ch.extensions {
        match e {
            Extension::SupportedGroups(g) => {
                assert_eq!(g.as_slice(), l.groups, "supported_groups");
                seen += 1;
            }
            Extension::KeyShareOffered(shares) => {
                let groups: Vec<NamedGroup> = shares.iter().map(|s| s.group).collect();
                assert_eq!(groups, l.key_shares, "key_share");
                seen += 1;
            }
            Extension::SignatureAlgorithms(s) => {
                assert_eq!(s.as_slice(), l.schemes, "signature_algorithms");
                seen += 1;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 3, "OpenSSL's ClientHello has all three lists");
}

/// Each preset's run with the page's server: the group and suite the server prefers among those
/// offered (its order: X25519MLKEM768, x25519, SecP256r1MLKEM768, secp256r1; TLS_AES_128_GCM_SHA256
/// first), without a HelloRetryRequest when the client sent a share for it.
#[cfg(all(feature = "mlkem", feature = "aes256", feature = "chacha20"))]
#[test]
fn each_preset_gets_the_servers_preferred_group_and_suite() {
    use tlsviz::tls::events::Event;
    let cases = [
        (Preset::Page, NamedGroup::secp256r1, CipherSuite::TLS_AES_128_GCM_SHA256),
        (Preset::Chrome, NamedGroup::X25519MLKEM768, CipherSuite::TLS_AES_128_GCM_SHA256),
        (Preset::Firefox, NamedGroup::X25519MLKEM768, CipherSuite::TLS_AES_128_GCM_SHA256),
        (Preset::Curl, NamedGroup::x25519, CipherSuite::TLS_AES_128_GCM_SHA256),
    ];
    for (preset, group, suite) in cases {
        let opts = Options { seed: Some(5), client: ClientOffer { preset, group: None, suite: None }, ..Options::default() };
        let t = sim::run(&opts);
        let o = t.outcome().expect("a connection");
        assert!(o.handshake_complete, "{preset:?}");
        let shared: Vec<NamedGroup> = t
            .events
            .iter()
            .filter_map(|e| match e.event() {
                Some(Event::SharedSecret { group, .. }) if e.connection == 1 => Some(*group),
                _ => None,
            })
            .collect();
        assert_eq!(shared, vec![group, group], "{preset:?}: both sides, one group");
        assert_eq!(o.agreed.as_ref().map(|a| (a.suite, a.group)), Some((suite, group)), "{preset:?}");
        let retry = t.events.iter().any(|e| matches!(e.event(), Some(Event::HelloRetry { .. })));
        assert!(!retry, "{preset:?}: the client sent a share for the chosen group");
    }
    // A visitor's choice of a group the client sends a share for, and of a suite.
    let opts = Options {
        seed: Some(5),
        client: ClientOffer {
            preset: Preset::Page,
            group: Some(NamedGroup::SecP256r1MLKEM768),
            suite: Some(CipherSuite::TLS_CHACHA20_POLY1305_SHA256),
        },
        ..Options::default()
    };
    let t = sim::run(&opts);
    let o = t.outcome().expect("a connection");
    assert!(o.handshake_complete);
    assert_eq!(
        o.agreed.as_ref().map(|a| (a.suite, a.group)),
        Some((CipherSuite::TLS_CHACHA20_POLY1305_SHA256, NamedGroup::SecP256r1MLKEM768))
    );
}
