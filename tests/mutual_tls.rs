//! The engine against itself with a server that asks who the client is (RFC 8446 §4.3.2,
//! §4.4.2, §4.4.2.4) and with ALPN (RFC 7301): the handshakes complete, the client's Certificate
//! and CertificateVerify are what the RFC says, and the transcript, the client's Finished and the
//! resumption master secret cover them. Expected values are computed here from the bytes on the
//! wire with SHA-256, HKDF and HMAC directly, not with the engine's own functions.

mod common;

use common::*;
use hmac::{KeyInit, Mac};
use p256::ecdsa::signature::Verifier;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::Digest;
use tlsviz::tls::client::Client;
use tlsviz::tls::codec::Field;
use tlsviz::tls::conn::Role;
use tlsviz::tls::enums::{HandshakeType, SignatureScheme};
use tlsviz::tls::events::{CertificateAnswer, Check, CheckKind, Event, Output, Phase, Secret};
use tlsviz::tls::server::Server;

/// The demo root's name as RFC 4514 writes it (most significant last).
const ROOT_DN: &str = "CN=Handshake Visualizer Demo CA,O=TLS Handshake Visualizer";

fn sent(events: &[Event]) -> Vec<HandshakeType> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HandshakeSent { message, .. } => Some(message.typ),
            _ => None,
        })
        .collect()
}

/// Every handshake message a side sent or received, in the order it handled them.
fn transcript_messages(events: &[Event]) -> Vec<(HandshakeType, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HandshakeSent { message, bytes, .. } => Some((message.typ, bytes.0.clone())),
            Event::HandshakeReceived { message: Some(m), bytes, .. } => Some((m.typ, bytes.0.clone())),
            _ => None,
        })
        .filter(|(t, _)| *t != HandshakeType::new_session_ticket)
        .collect()
}

fn sha256_of(messages: &[(HandshakeType, Vec<u8>)]) -> Vec<u8> {
    let mut h = sha2::Sha256::new();
    for (_, m) in messages {
        h.update(m);
    }
    h.finalize().to_vec()
}

fn derived(events: &[Event], s: Secret) -> Vec<u8> {
    events
        .iter()
        .find_map(|e| match e {
            Event::Derived(d) if d.output == Output::Secret(s) => Some(d.value.0.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{s} was not derived"))
}

fn checks(events: &[Event]) -> Vec<&Check> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Check(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn a_client_with_a_certificate_answers_the_request_and_the_server_verifies_it() {
    let mut expected_chain = Vec::new();
    let mut client_key = None;
    let (mut c, mut s) = mtls_pair_with(1, true, true, |client, _, _| {
        let cert = client.certificate.as_ref().unwrap();
        expected_chain = cert.chain.clone();
        client_key = cert.key.as_p256().map(|k| *k.verifying_key());
    });
    let (ce, se) = run_pair(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected), "{:?}", se.last());
    assert_eq!(s.client_chain.as_ref(), Some(&expected_chain), "the server keeps the chain it verified");
    assert_eq!(expected_chain.len(), 2, "the client sends its certificate and the intermediate");

    use HandshakeType as H;
    assert_eq!(
        sent(&se)[..6],
        [H::server_hello, H::encrypted_extensions, H::certificate_request, H::certificate, H::certificate_verify, H::finished]
    );
    assert_eq!(sent(&ce), [H::client_hello, H::certificate, H::certificate_verify, H::finished]);

    // Both sides name the request the same way; only the server knows it is required.
    let requested: Vec<_> = [&ce, &se]
        .iter()
        .map(|ev| {
            ev.iter()
                .find_map(|e| match e {
                    Event::CertificateRequested { signature_schemes, authorities, required } => {
                        Some((signature_schemes.clone(), authorities.clone(), *required))
                    }
                    _ => None,
                })
                .unwrap()
        })
        .collect();
    let schemes = vec![SignatureScheme::ecdsa_secp256r1_sha256];
    assert_eq!(requested[0], (schemes.clone(), vec![ROOT_DN.to_string()], None));
    assert_eq!(requested[1], (schemes, vec![ROOT_DN.to_string()], Some(true)));
    assert!(ce.contains(&Event::ClientCertificateAnswer { answer: CertificateAnswer::Chain { certificates: 2 } }));

    // RFC 8446 §4.4.3: 64 spaces, the client's context string, a zero byte, and the hash of the
    // transcript through the client's Certificate; signed with the client certificate's key.
    let messages = transcript_messages(&ce);
    let cert_at = messages.iter().rposition(|(t, _)| *t == H::certificate).unwrap();
    let mut content = vec![0x20u8; 64];
    content.extend_from_slice(b"TLS 1.3, client CertificateVerify");
    content.push(0);
    content.extend_from_slice(&sha256_of(&messages[..=cert_at]));
    let (signed, signature) = ce
        .iter()
        .find_map(|e| match e {
            Event::Signed { content, signature, .. } => Some((content.0.clone(), signature.0.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(signed, content);
    let sig = p256::ecdsa::Signature::from_der(&signature).unwrap();
    assert!(client_key.unwrap().verify(&content, &sig).is_ok(), "the signature verifies with the client certificate's key");
    let cv_bytes = &messages[cert_at + 1].1;
    assert_eq!(&cv_bytes[4..6], &[0x04, 0x03], "CertificateVerify names ecdsa_secp256r1_sha256");

    // The server's checks: a certificate came, the chain leads to the root, the leaf may act for
    // a client, and the signature verifies.
    let server_checks = checks(&se);
    assert!(server_checks.iter().all(|c| c.ok), "{server_checks:#?}");
    let kinds: Vec<String> =
        server_checks.iter().map(|c| serde_json::to_value(c).unwrap()["check"].as_str().unwrap().to_string()).collect();
    let tail = &kinds[kinds.iter().position(|k| k == "client_certificate").unwrap()..];
    assert_eq!(
        tail,
        [
            "client_certificate",
            "chain_length",
            "issuer_signature",
            "may_issue",
            "trust_anchor",
            "may_issue",
            "validity",
            "validity",
            "client_usage",
            "certificate_verify",
            "finished"
        ]
    );
    assert!(!kinds.contains(&"name".to_string()), "a client certificate has no name to match");

    // The client's Finished covers its Certificate and CertificateVerify: HMAC with the finished
    // key of client_handshake_traffic_secret over the hash of everything before it.
    let fin_at = messages.len() - 1;
    assert_eq!(messages[fin_at].0, H::finished);
    let finished_key = expand_label(&derived(&ce, Secret::ClientHandshakeTraffic), "finished", &[], 32);
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&finished_key).unwrap();
    mac.update(&sha256_of(&messages[..fin_at]));
    assert_eq!(&messages[fin_at].1[4..], &mac.finalize().into_bytes()[..]);

    // RFC 8446 §7.1: resumption_master_secret = Derive-Secret(master, "res master", ClientHello…client Finished).
    let rms = expand_label(&derived(&ce, Secret::MasterSecret), "res master", &sha256_of(&messages), 32);
    assert_eq!(derived(&ce, Secret::ResumptionMaster), rms);
    assert_eq!(derived(&se, Secret::ResumptionMaster), rms);
    // The application secrets stop at the server's Finished (before the client's certificate).
    let server_fin = messages.iter().position(|(t, _)| *t == H::finished).unwrap();
    let cap = expand_label(&derived(&ce, Secret::MasterSecret), "c ap traffic", &sha256_of(&messages[..=server_fin]), 32);
    assert_eq!(derived(&se, Secret::ClientApplicationTraffic(0)), cap);

    // Data flows both ways afterwards.
    c.send(b"who am I?").unwrap();
    assert_eq!(s.receive(&c.common.take_output()), vec![b"who am I?".to_vec()]);
}

#[test]
fn a_client_without_a_certificate_sends_an_empty_one_and_an_optional_request_lets_it_in() {
    let (mut c, mut s) = mtls_pair(2, false, false);
    let (ce, se) = run_pair(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    assert_eq!(s.client_chain, None);
    use HandshakeType as H;
    assert_eq!(sent(&ce), [H::client_hello, H::certificate, H::finished], "an empty Certificate, no CertificateVerify");
    assert!(ce.contains(&Event::ClientCertificateAnswer { answer: CertificateAnswer::NoCertificate }));
    // The empty Certificate: type 11, length 4, an empty context, an empty certificate_list.
    let cert = transcript_messages(&ce).into_iter().rfind(|(t, _)| *t == H::certificate).unwrap().1;
    assert_eq!(cert, [11, 0, 0, 4, 0, 0, 0, 0]);
    let check = checks(&se).into_iter().find(|c| matches!(c.kind, CheckKind::ClientCertificate { .. })).unwrap();
    assert_eq!((&check.kind, check.ok), (&CheckKind::ClientCertificate { required: false, certificates: 0 }, true));
}

#[test]
fn a_server_that_does_not_ask_gets_no_client_certificate() {
    // A client that has a certificate keeps it to itself when nobody asks.
    let (mut c, mut s) = mtls_pair_with(3, true, true, |client, server, _| {
        assert!(client.certificate.is_some());
        server.client_auth = None;
    });
    let (ce, se) = run_pair(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    use HandshakeType as H;
    assert_eq!(sent(&ce), [H::client_hello, H::finished]);
    assert!(!sent(&se).contains(&H::certificate_request));
}

/// The field of the tree named `name`, depth first.
fn find<'f>(fs: &'f [Field], name: &str) -> Option<&'f Field> {
    fs.iter().find_map(|f| if f.name == name { Some(f) } else { find(&f.children, name) })
}

#[test]
fn the_certificate_request_s_bytes_are_annotated_field_by_field() {
    let (mut c, mut s) = mtls_pair(4, true, true);
    let (_, se) = run_pair(&mut c, &mut s);
    let (bytes, fields) = se
        .iter()
        .find_map(|e| match e {
            Event::HandshakeSent { message, bytes, fields } if message.typ == HandshakeType::certificate_request => {
                Some((bytes.0.clone(), fields.clone()))
            }
            _ => None,
        })
        .unwrap();
    // msg_type 13, then an empty certificate_request_context.
    assert_eq!((bytes[0], bytes[4]), (13, 0));
    assert_eq!(fields[0].name, "CertificateRequest");
    let ctx = find(&fields, "certificate_request_context").unwrap();
    assert_eq!((ctx.start, ctx.len), (4, 1));
    let schemes = find(&fields, "supported_signature_algorithms").unwrap();
    assert_eq!(&bytes[schemes.start..schemes.start + schemes.len], [0, 2, 0x04, 0x03]);
    let authorities = find(&fields, "authorities").unwrap();
    let dn = find(&authorities.children, "DistinguishedName").unwrap();
    let der = find(&dn.children, "data").unwrap();
    assert_eq!(der.value, ROOT_DN, "the name is shown as text");
    // The DER of the name is the subject of the root certificate, byte for byte.
    let der_bytes = &bytes[der.start..der.start + der.len];
    let (_, _, pki) = configs(4, true, Default::default());
    assert!(pki.ca.der.windows(der_bytes.len()).any(|w| w == der_bytes), "the root certificate holds the name's DER");
    assert!(find(&der.children, "RelativeDistinguishedName").is_some(), "the name is parsed down to its parts");
    // The leaves cover every byte once.
    let mut at = 0;
    for l in fields[0].leaves() {
        assert_eq!(l.start, at, "a gap or an overlap before {}", l.name);
        at += l.len;
    }
    assert_eq!(at, bytes.len());
}

#[test]
fn alpn_agrees_on_the_first_of_the_server_s_protocols_that_the_client_offers() {
    let cases: [(&[&str], &[&str], Option<&str>); 4] = [
        (&["h2", "http/1.1"], &["http/1.1", "h2"], Some("http/1.1")),
        (&["h2", "http/1.1"], &["spdy/3", "h2"], Some("h2")),
        // A client that offers nothing, or a server that speaks nothing, leaves ALPN out.
        (&[], &["h2"], None),
        (&["h2"], &[], None),
    ];
    for (offered, supported, agreed) in cases {
        let (mut client, mut server, _) = configs(5, true, Default::default());
        client.alpn = offered.iter().map(|p| p.as_bytes().to_vec()).collect();
        server.alpn = supported.iter().map(|p| p.as_bytes().to_vec()).collect();
        let mut c = Client::new(client, ChaCha20Rng::seed_from_u64(1));
        let mut s = Server::new(server, ChaCha20Rng::seed_from_u64(2));
        let (ce, _) = run_pair(&mut c, &mut s);
        assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected), "{offered:?} {supported:?}");
        let agreed = agreed.map(|p| p.as_bytes().to_vec());
        assert_eq!((&c.alpn, &s.alpn), (&agreed, &agreed), "{offered:?} {supported:?}");
        // The EncryptedExtensions the client received carries it (type 16) exactly when agreed.
        let ee = transcript_messages(&ce).into_iter().find(|(t, _)| *t == HandshakeType::encrypted_extensions).unwrap().1;
        let has_alpn = ee.windows(2).any(|w| w == [0, 16]);
        assert_eq!(has_alpn, agreed.is_some(), "{ee:?}");
    }
}

#[test]
fn a_resumption_after_mutual_tls_asks_for_no_certificate() {
    // RFC 8446 §4.3.2: "Servers which are authenticating with a PSK MUST NOT send the
    // CertificateRequest message in the main handshake".
    use common::resume::{drive, keeper, resumption, NOW_MS};
    let keeper = keeper(0);
    let (c, s) = mtls_pair(6, true, true);
    let (mut c, mut s) = (c, s.with_tickets(keeper.clone(), NOW_MS));
    c.start();
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let ticket = c.tickets.remove(0);
    let (c2, s2) = mtls_pair(7, true, true);
    let (mut c2, mut s2) = (c2.resume(resumption(ticket, None)), s2.with_tickets(keeper, NOW_MS + 1000));
    c2.start();
    let mut se = Vec::new();
    let mut ce = Vec::new();
    for _ in 0..6 {
        s2.receive(&c2.common.take_output());
        se.extend(s2.common.take_events());
        c2.receive(&s2.common.take_output());
        ce.extend(c2.common.take_events());
    }
    assert_eq!((c2.phase(), s2.phase()), (Phase::Connected, Phase::Connected));
    assert!(se.iter().any(|e| matches!(e, Event::Resumed { .. })), "the second connection resumed");
    use HandshakeType as H;
    assert!(!sent(&se).contains(&H::certificate_request));
    assert_eq!(sent(&ce), [H::client_hello, H::finished], "no client Certificate in a resumption");
}
