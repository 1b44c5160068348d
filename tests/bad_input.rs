//! Every row of ../shared/design/bad-input.md that applies: the handshake fails, exactly one
//! fatal alert with the expected description goes out (encrypted once handshake keys exist),
//! nothing is sent after it, no plaintext reaches the application, nothing panics.

mod common;

use common::*;
use tlsviz::tls::codec::Writer;
use tlsviz::tls::conn::Role;
use tlsviz::tls::enums::{
    AlertDescription as A, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::extensions::{Extension, KeyShareEntry};
use tlsviz::tls::handshake::{ClientHello, Handshake};
use tlsviz::tls::record::plaintext_record;

// ---- helpers --------------------------------------------------------------------------------

fn with_ext(mut ch: ClientHello, f: impl FnOnce(&mut Vec<Extension>)) -> ClientHello {
    f(&mut ch.extensions);
    ch
}

fn replace(exts: &mut [Extension], t: ExtensionType, new: Extension) {
    for e in exts.iter_mut() {
        if e.typ() == t {
            *e = new.clone();
        }
    }
}

fn p256_share(ch: &ClientHello) -> Vec<u8> {
    ch.extensions
        .iter()
        .find_map(|e| match e {
            Extension::KeyShareOffered(s) => Some(s[0].key_exchange.clone()),
            _ => None,
        })
        .unwrap()
}

fn with_share(ch: ClientHello, shares: Vec<KeyShareEntry>) -> ClientHello {
    with_ext(ch, |x| replace(x, ExtensionType::key_share, Extension::KeyShareOffered(shares)))
}

fn share(group: NamedGroup, key: Vec<u8>) -> KeyShareEntry {
    KeyShareEntry { group, key_exchange: key }
}

/// A ClientHello built by hand, byte for byte (for encodings the codec would never write).
fn raw_hello(body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(1);
    w.vector(3, body);
    plaintext_record(ContentType::handshake, &w.buf)
}

fn ch() -> ClientHello {
    first_client_hello(1)
}

// ---- record layer ---------------------------------------------------------------------------

#[test]
fn plaintext_record_longer_than_2_14_is_record_overflow() {
    let mut rec = vec![22, 3, 3, 0x40, 0x01];
    rec.extend(vec![0; (1 << 14) + 1]);
    assert_eq!(server_alert(&rec), A::record_overflow);
}

#[test]
fn ciphertext_record_longer_than_2_14_plus_256_is_record_overflow() {
    // The length field alone decides: the body need not arrive.
    assert_eq!(server_alert(&[23, 3, 3, 0x41, 0x01]), A::record_overflow);
}

#[test]
fn decrypted_inner_plaintext_longer_than_2_14_plus_1_is_record_overflow() {
    let f = server_flight(2);
    let p = f.protections[0].clone();
    let big = reseal(&p, |inner| inner.extend(vec![0u8; (1 << 14) + 2 - inner.len() + 1]));
    assert!(big.len() - 5 <= (1 << 14) + 256, "still within the ciphertext limit");
    let recs = vec![f.records[0].clone(), big];
    assert_eq!(client_alert(f, &recs, true), A::record_overflow);
}

#[test]
fn any_flipped_bit_in_an_encrypted_record_is_bad_record_mac() {
    // In the ciphertext, in the tag, and in the header that is the additional data.
    for at in [5usize, 100, usize::MAX - 1, 2] {
        let f = server_flight(3);
        let mut rec = f.records[2].clone();
        let i = if at >= rec.len() { rec.len() - 1 } else { at };
        rec[i] ^= 0x01;
        if i == 2 {
            // The legacy version byte is part of the additional data.
            assert_eq!(rec[0], 23);
        }
        let recs = vec![f.records[0].clone(), f.records[1].clone(), rec];
        assert_eq!(client_alert(f, &recs, true), A::bad_record_mac, "flip at {i}");
    }
}

#[test]
fn inner_plaintext_of_only_zeros_is_unexpected_message() {
    let f = server_flight(4);
    let rec = reseal(&f.protections[0], |inner| *inner = vec![0; 10]);
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::unexpected_message);
}

#[test]
fn empty_handshake_record_is_unexpected_message() {
    assert_eq!(server_alert(&[22, 3, 3, 0, 0]), A::unexpected_message);
}

#[test]
fn empty_alert_record_is_unexpected_message() {
    assert_eq!(server_alert(&[21, 3, 3, 0, 0]), A::unexpected_message);
}

#[test]
fn unknown_record_content_type_is_unexpected_message() {
    assert_eq!(server_alert(&[99, 3, 3, 0, 1, 0]), A::unexpected_message);
}

#[test]
fn application_data_before_the_handshake_is_unexpected_message() {
    // Before keys, an application_data record cannot be opened: the server has none.
    let mut rec = vec![23, 3, 3, 0, 20];
    rec.extend([0u8; 20]);
    assert_eq!(server_alert(&rec), A::unexpected_message);
}

#[test]
fn change_cipher_spec_with_a_body_other_than_01_is_unexpected_message() {
    let f = server_flight(5);
    let recs = vec![f.records[0].clone(), vec![20, 3, 3, 0, 1, 2]];
    assert_eq!(client_alert(f, &recs, true), A::unexpected_message);
}

#[test]
fn encrypted_change_cipher_spec_is_unexpected_message() {
    let f = server_flight(6);
    let p = f.protections[0].clone();
    let rec = reseal(&p, |inner| *inner = vec![1, ContentType::change_cipher_spec.0]);
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::unexpected_message);
}

#[test]
fn change_cipher_spec_after_finished_is_unexpected_message() {
    let (mut c, mut s) = pair(8);
    c.start();
    for _ in 0..4 {
        s.receive(&c.common.take_output());
        c.receive(&s.common.take_output());
    }
    assert_eq!(s.phase(), tlsviz::tls::events::Phase::Connected);
    assert_eq!(alert_after(&mut s, &[20, 3, 3, 0, 1, 1], true), A::unexpected_message);
}

#[test]
fn a_plain_change_cipher_spec_before_finished_is_dropped_silently() {
    let f = server_flight(9);
    assert_eq!(f.records[1], vec![20, 3, 3, 0, 1, 1], "the server sends one in compatibility mode");
    let mut c = f.client;
    for r in &f.records {
        c.receive(r);
    }
    assert_eq!(c.phase(), tlsviz::tls::events::Phase::Connected);
}

#[test]
fn a_change_cipher_spec_before_any_client_hello_is_unexpected_message() {
    assert_eq!(server_alert(&[20, 3, 3, 0, 1, 1]), A::unexpected_message);
}

#[test]
fn a_change_cipher_spec_between_hello_retry_request_and_the_second_client_hello_is_dropped() {
    let (mut c, mut s) = pair_with(24, false, Default::default());
    c.start();
    s.receive(&c.common.take_output());
    c.receive(&s.common.take_output());
    let second_hello = c.common.take_output();
    s.receive(&[20, 3, 3, 0, 1, 1]);
    s.receive(&second_hello);
    assert_eq!(s.phase(), tlsviz::tls::events::Phase::ExpectClientFinished);
}

#[test]
fn handshake_message_split_across_a_key_change_is_unexpected_message() {
    let f = server_flight(10);
    // ServerHello and the first bytes of the next message in one plaintext record.
    let mut payload = f.records[0][5..].to_vec();
    payload.extend([8, 0, 0]);
    let recs = vec![plaintext_record(ContentType::handshake, &payload)];
    assert_eq!(client_alert(f, &recs, false), A::unexpected_message);
}

#[test]
fn a_handshake_message_longer_than_64_kib_is_decode_error_refused_from_its_4_byte_header() {
    // 64 KiB + 1 announced: refused as soon as the header is there, the body never waited for.
    assert_eq!(server_alert(&plaintext_record(ContentType::handshake, &[1, 0x01, 0x00, 0x01])), A::decode_error);
    // Exactly 64 KiB is within the limit: the server waits for the rest.
    let (_, mut s) = pair(7);
    s.receive(&plaintext_record(ContentType::handshake, &[1, 0x01, 0x00, 0x00, 3, 3]));
    assert_eq!(s.phase(), Phase::ExpectClientHello);
    assert!(s.common.take_output().is_empty());
}

#[test]
fn any_record_after_a_received_close_notify_is_ignored() {
    // RFC 8446 §6.1: nothing processed, nothing sent, and the trace says what was ignored.
    let (mut c, mut s) = connected(34);
    c.close();
    let close = c.common.take_output();
    let junk = [vec![23, 3, 3, 0, 3, 1, 2, 3], vec![22, 3, 3, 0, 1, 1], vec![21, 3, 3, 0, 2, 2, 10]].concat();
    s.receive(&[close, junk[..10].to_vec()].concat());
    s.receive(&junk[10..]);
    let events = s.common.take_events();
    let ignored: Vec<(usize, usize)> = events
        .iter()
        .filter_map(|e| match e {
            Event::IgnoredAfterClose { records, bytes } => Some((*records, *bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(ignored, [(1, 10), (2, 11)], "the first record is whole in the first delivery, the rest in the second");
    let received = events.iter().filter(|e| matches!(e, Event::RecordReceived { .. })).count();
    assert_eq!(received, 1, "only the close_notify was read");
    assert!(!events.iter().any(|e| matches!(e, Event::AlertSent { .. } | Event::Error { .. } | Event::AppDataReceived { .. })));
    assert!(s.common.take_output().is_empty(), "nothing was sent");
    // The server can still close in good order, and still ignores what comes after.
    s.close();
    assert_eq!(s.phase(), Phase::Closed);
    s.receive(&[23, 3, 3, 0, 0]);
    assert!(matches!(s.common.take_events().last(), Some(Event::IgnoredAfterClose { records: 1, bytes: 5 })));
}

// ---- message order ---------------------------------------------------------------------------

#[test]
fn finished_before_certificate_is_unexpected_message() {
    let f = server_flight(11);
    let rec = reseal_messages(&f.protections[0], |m| {
        let fin = m.pop().unwrap();
        m.truncate(1); // EncryptedExtensions
        m.push(fin);
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::unexpected_message);
}

#[test]
fn a_second_client_hello_without_hello_retry_request_is_unexpected_message() {
    let (mut c, mut s) = pair(12);
    c.start();
    let hello = c.common.take_output();
    s.receive(&hello);
    assert_eq!(alert_after(&mut s, &hello, true), A::unexpected_message);
}

// ---- decoding --------------------------------------------------------------------------------

#[test]
fn truncated_client_hello_is_decode_error() {
    let full = hello_record(ch());
    let mut body = full[5..full.len() - 3].to_vec();
    let len = body.len() - 4;
    body[1..4].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
    assert_eq!(server_alert(&plaintext_record(ContentType::handshake, &body)), A::decode_error);
}

#[test]
fn trailing_bytes_after_the_client_hello_body_are_decode_error() {
    let mut body = Handshake::ClientHello(ch()).encode();
    body.push(0);
    let len = body.len() - 4;
    body[1..4].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
    assert_eq!(server_alert(&plaintext_record(ContentType::handshake, &body)), A::decode_error);
}

#[test]
fn a_length_past_its_boundary_is_decode_error() {
    let c = ch();
    let rec = raw_hello(|w| {
        w.u16(0x0303);
        w.bytes(&c.random);
        w.u8(40); // legacy_session_id claims 40 bytes but holds 1
        w.u8(0);
    });
    assert_eq!(server_alert(&rec), A::decode_error);
}

#[test]
fn cipher_suites_of_odd_length_are_decode_error() {
    let c = ch();
    let rec = raw_hello(|w| {
        w.u16(0x0303);
        w.bytes(&c.random);
        w.opaque_vector(1, &[]);
        w.opaque_vector(2, &[0x13, 0x01, 0x13]);
        w.opaque_vector(1, &[0]);
        w.vector(2, |w| c.extensions.iter().for_each(|e| e.encode(w)));
    });
    assert_eq!(server_alert(&rec), A::decode_error);
}

#[test]
fn the_same_extension_twice_is_illegal_parameter() {
    let c = with_ext(ch(), |x| x.push(Extension::SupportedGroups(vec![NamedGroup::secp256r1])));
    assert_eq!(server_alert(&hello_record(c)), A::illegal_parameter);
}

#[test]
fn compression_methods_other_than_null_are_illegal_parameter() {
    let mut c = ch();
    c.legacy_compression_methods = vec![1, 0];
    assert_eq!(server_alert(&hello_record(c)), A::illegal_parameter);
}

#[test]
fn an_extension_the_message_may_not_carry_is_illegal_parameter() {
    let f = server_flight(13);
    let rec = reseal_messages(&f.protections[0], |m| {
        let mut w = Writer::new();
        w.vector(2, |w| Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3).encode(w));
        let mut ee = vec![8];
        ee.extend(&(w.buf.len() as u32).to_be_bytes()[1..]);
        ee.extend(&w.buf);
        m[0] = ee;
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::illegal_parameter);
}

// ---- missing extensions and negotiation --------------------------------------------------------

#[test]
fn key_share_without_supported_groups_is_missing_extension() {
    let c = with_ext(ch(), |x| x.retain(|e| e.typ() != ExtensionType::supported_groups));
    assert_eq!(server_alert(&hello_record(c)), A::missing_extension);
}

#[test]
fn no_signature_algorithms_is_missing_extension() {
    let c = with_ext(ch(), |x| x.retain(|e| e.typ() != ExtensionType::signature_algorithms));
    assert_eq!(server_alert(&hello_record(c)), A::missing_extension);
}

#[test]
fn no_cipher_suite_in_common_is_handshake_failure() {
    let mut c = ch();
    c.cipher_suites = vec![CipherSuite::TLS_AES_256_GCM_SHA384];
    assert_eq!(server_alert(&hello_record(c)), A::handshake_failure);
}

#[test]
fn no_group_in_common_is_handshake_failure() {
    let c = with_ext(ch(), |x| {
        replace(x, ExtensionType::supported_groups, Extension::SupportedGroups(vec![NamedGroup::x25519]));
        replace(x, ExtensionType::key_share, Extension::KeyShareOffered(vec![share(NamedGroup::x25519, vec![9; 32])]));
    });
    assert_eq!(server_alert(&hello_record(c)), A::handshake_failure);
}

#[test]
fn a_group_in_common_without_a_share_gets_hello_retry_request() {
    let c = with_share(ch(), vec![]);
    let (_, mut s) = pair(7);
    s.receive(&hello_record(c));
    let out = s.common.take_output();
    let sh = server_hello_of(&records(&out)[0]);
    assert!(sh.is_retry_request());
    assert_eq!(s.phase(), tlsviz::tls::events::Phase::ExpectClientHello);
}

#[test]
fn bad_p256_key_shares_are_illegal_parameter() {
    let good = p256_share(&ch());
    let mut off_curve = good.clone();
    off_curve[64] ^= 1;
    let mut compressed = vec![2 + (good[64] & 1)];
    compressed.extend(&good[1..33]);
    let mut padded = good.clone();
    padded.push(0);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not on the curve", off_curve),
        ("the point at infinity", vec![0]),
        ("compressed", compressed),
        ("truncated", good[..64].to_vec()),
        ("padded", padded),
    ];
    for (what, key) in cases {
        let c = with_share(ch(), vec![share(NamedGroup::secp256r1, key)]);
        assert_eq!(server_alert(&hello_record(c)), A::illegal_parameter, "{what}");
    }
}

#[test]
fn a_share_for_an_unlisted_group_or_two_for_one_group_are_illegal_parameter() {
    let good = p256_share(&ch());
    let unlisted = with_share(ch(), vec![share(NamedGroup::x25519, vec![9; 32]), share(NamedGroup::secp256r1, good.clone())]);
    assert_eq!(server_alert(&hello_record(unlisted)), A::illegal_parameter);
    let twice = with_share(ch(), vec![share(NamedGroup::secp256r1, good.clone()), share(NamedGroup::secp256r1, good)]);
    assert_eq!(server_alert(&hello_record(twice)), A::illegal_parameter);
}

#[test]
fn no_tls_1_3_in_supported_versions_is_protocol_version() {
    let c = with_ext(ch(), |x| {
        replace(x, ExtensionType::supported_versions, Extension::SupportedVersionsOffered(vec![ProtocolVersion::TLSv1_2]))
    });
    assert_eq!(server_alert(&hello_record(c)), A::protocol_version);
}

#[test]
fn a_client_hello_with_legacy_version_0x0300_or_lower_is_protocol_version() {
    // RFC 8446 §D.5, even though supported_versions offers TLS 1.3.
    for v in [0x0300, 0x0200, 0x0002] {
        let mut c = ch();
        c.legacy_version = ProtocolVersion(v);
        assert_eq!(server_alert(&hello_record(c)), A::protocol_version, "legacy_version {v:#06x}");
    }
    // TLS 1.0 and 1.1 in legacy_version are a client that also speaks older versions: it goes on.
    let mut c = ch();
    c.legacy_version = ProtocolVersion(0x0301);
    let (_, mut s) = pair(7);
    s.receive(&hello_record(c));
    assert_eq!(s.phase(), tlsviz::tls::events::Phase::ExpectClientFinished);
}

// ---- authentication ---------------------------------------------------------------------------

#[test]
fn a_wrong_finished_is_decrypt_error() {
    let f = server_flight(14);
    let rec = reseal_messages(&f.protections[0], |m| m[3][10] ^= 1);
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::decrypt_error);
}

#[test]
fn a_wrong_certificate_verify_signature_is_decrypt_error() {
    let f = server_flight(15);
    // Flip a bit inside the signature's s value (its last byte), keeping the DER valid.
    let rec = reseal_messages(&f.protections[0], |m| {
        let n = m[2].len();
        m[2][n - 1] ^= 1;
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::decrypt_error);
}

#[test]
fn certificate_verify_with_a_scheme_not_offered_is_illegal_parameter() {
    let f = server_flight(16);
    let rec = reseal_messages(&f.protections[0], |m| {
        let s = SignatureScheme::rsa_pss_rsae_sha256.0.to_be_bytes();
        m[2][4..6].copy_from_slice(&s);
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::illegal_parameter);
}

/// RFC 8446 §4.2.3: rsa_pkcs1_* "MUST NOT" sign a CertificateVerify. A client whose
/// configuration lists rsa_pkcs1_sha256 still does not offer it, and a CertificateVerify that
/// names it is illegal_parameter.
#[test]
fn certificate_verify_with_rsa_pkcs1_sha256_is_illegal_parameter() {
    use tlsviz::tls::client::Client;
    use tlsviz::tls::server::Server;
    let (mut c, s, _) = configs(22, true, Default::default());
    c.signature_schemes = vec![SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::ecdsa_secp256r1_sha256];
    let f = flight_of(Client::new(c, ChaCha20Rng::seed_from_u64(1)), Server::new(s, ChaCha20Rng::seed_from_u64(2)));
    let rec = reseal_messages(&f.protections[0], |m| {
        assert_eq!(m[2][4..6], [0x04, 0x03], "the server signed with ecdsa_secp256r1_sha256");
        m[2][4..6].copy_from_slice(&SignatureScheme::rsa_pkcs1_sha256.0.to_be_bytes());
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::illegal_parameter);
}

#[test]
fn an_empty_server_certificate_is_decode_error() {
    let f = server_flight(17);
    let rec = reseal_messages(&f.protections[0], |m| m[1] = vec![11, 0, 0, 4, 0, 0, 0, 0]);
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::decode_error);
}

#[test]
fn every_changed_byte_of_the_server_certificate_is_rejected() {
    // Inside a correctly re-encrypted record, so only the certificate checks can catch it. A
    // change inside the leaf's tbsCertificate breaks the intermediate's signature or its issuer
    // name or key identifier (unknown_ca: no path to a trusted CA), one that breaks the DER
    // structure makes the certificate unreadable (bad_certificate), a change to the signature
    // makes it fail to verify (unknown_ca or bad_certificate).
    let probe = server_flight(20);
    let cert_len = {
        let rec = reseal_messages(&probe.protections[0], |_| {});
        let sealed = probe.records.iter().find(|r| r[0] == 0x17).unwrap();
        assert_eq!(&rec, sealed, "re-sealing without a change must give the same record");
        // The leaf is the first entry (the intermediate follows it): its cert_data length is
        // the 3 bytes after the message header, the context and the list length.
        let m = &messages(&probe.protections[0].inner_plaintext.0)[1];
        (usize::from(m[8]) << 16) | (usize::from(m[9]) << 8) | usize::from(m[10])
    };
    let (mut unreadable, mut unsigned) = (0, 0);
    for i in 0..cert_len {
        for xor in [0x01, 0x80] {
            let f = server_flight(20);
            let rec = reseal_messages(&f.protections[0], |m| m[1][11 + i] ^= xor);
            let recs = vec![f.records[0].clone(), rec];
            match client_alert(f, &recs, true) {
                A::bad_certificate => unreadable += 1,
                A::unknown_ca => unsigned += 1,
                other => panic!("byte {i} ^ {xor:#04x} got {other:?}"),
            }
        }
    }
    // Both kinds of failure occur: the structure checks and the signature check both ran.
    assert!(unreadable > 50 && unsigned > 50, "{unreadable} unreadable, {unsigned} not signed");
}

fn scenario_alert(s: tlsviz::sim::Scenario) -> Vec<(tlsviz::sim::Side, A)> {
    let t = tlsviz::sim::run(&tlsviz::sim::Options { seed: Some(18), scenario: s, ..Default::default() });
    assert!(!t.connections[0].handshake_complete);
    t.connections[0].alerts.clone()
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_unknown_ca() {
    assert_eq!(scenario_alert(tlsviz::sim::Scenario::UntrustedCa), vec![(tlsviz::sim::Side::Client, A::unknown_ca)]);
}

#[test]
fn an_expired_certificate_is_certificate_expired() {
    assert_eq!(scenario_alert(tlsviz::sim::Scenario::Expired), vec![(tlsviz::sim::Side::Client, A::certificate_expired)]);
}

#[test]
fn a_certificate_for_another_name_is_bad_certificate() {
    assert_eq!(scenario_alert(tlsviz::sim::Scenario::WrongName), vec![(tlsviz::sim::Side::Client, A::bad_certificate)]);
}

// ---- RFC 5280 §6.1: the path from the server's certificate to the trust anchor ----------------------

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::tls::x509::issue::{self, Issued, Purpose, Request};

fn ca_cert(rng: &mut ChaCha20Rng, name: &str, path_len: Option<u8>, key_cert_sign: bool, issuer: &Issued) -> Issued {
    let req = Request {
        purpose: Purpose::Ca { path_len, key_cert_sign },
        organization: None,
        common_name: name,
        not_before: NOW - 3600,
        not_after: NOW + 86400,
    };
    issue::issue_cert(rng, &req, Some(issuer)).unwrap()
}

/// A client that trusts `anchor` and a server that sends `chain` (its key: the first one's), the
/// handshake run up to the client's answer to the server's flight.
fn handshake_with_chain(chain: &[&Issued], anchor: &Issued) -> (tlsviz::tls::client::Client, Vec<u8>) {
    use tlsviz::tls::client::{Client, ClientConfig};
    use tlsviz::tls::server::{Server, ServerConfig};
    let mut client = Client::new(
        ClientConfig {
            server_name: "example.com".into(),
            trust_anchor: anchor.der.clone(),
            now: NOW,
            alpn: vec![],
            initial_key_share: true,
            records: Default::default(),
            groups: vec![tlsviz::tls::enums::NamedGroup::secp256r1],
            suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            key_shares: vec![],
            certificate: None,
            signature_schemes: vec![tlsviz::tls::enums::SignatureScheme::ecdsa_secp256r1_sha256],
        },
        ChaCha20Rng::seed_from_u64(1),
    );
    let mut server = Server::new(
        ServerConfig {
            chain: chain.iter().map(|c| c.der.clone()).collect(),
            key: chain[0].key.clone(),
            alpn: vec![],
            tickets: 0,
            records: Default::default(),
            groups: vec![tlsviz::tls::enums::NamedGroup::secp256r1],
            suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            client_auth: None,
            signature_schemes: vec![tlsviz::tls::enums::SignatureScheme::ecdsa_secp256r1_sha256],
        },
        ChaCha20Rng::seed_from_u64(2),
    );
    client.start();
    server.receive(&client.common.take_output());
    (client, server.common.take_output())
}

fn client_alert_for_chain(chain: &[&Issued], anchor: &Issued) -> A {
    let (mut client, flight) = handshake_with_chain(chain, anchor);
    alert_after(&mut client, &flight, true)
}

/// A root, and an intermediate CA under it with these constraints.
fn root_and(seed: u64, path_len: Option<u8>, key_cert_sign: bool) -> (ChaCha20Rng, Issued, Issued) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let root = issue::generate_ca(&mut rng, NOW).unwrap();
    let inter = ca_cert(&mut rng, "Intermediate", path_len, key_cert_sign, &root);
    (rng, root, inter)
}

#[test]
fn a_leaf_certificate_acting_as_a_ca_is_bad_certificate() {
    // The page's scenario: a certificate for the asked name, signed by a leaf the real CA issued.
    assert_eq!(scenario_alert(tlsviz::sim::Scenario::LeafAsCa), vec![(tlsviz::sim::Side::Client, A::bad_certificate)]);
    let (mut rng, root, inter) = root_and(40, Some(0), true);
    let other = issue::generate_leaf(&mut rng, &inter, "attacker.example", NOW).unwrap();
    let forged = issue::generate_leaf(&mut rng, &other, "example.com", NOW).unwrap();
    assert_eq!(client_alert_for_chain(&[&forged, &other, &inter], &root), A::bad_certificate);
}

#[test]
fn an_issuer_without_key_cert_sign_is_bad_certificate() {
    let (mut rng, root, inter) = root_and(41, None, false);
    let leaf = issue::generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
    assert_eq!(client_alert_for_chain(&[&leaf, &inter], &root), A::bad_certificate);
}

#[test]
fn an_issuer_past_its_path_len_constraint_is_bad_certificate() {
    // pathLenConstraint 0 on the upper intermediate, and another CA below it.
    let (mut rng, root, top) = root_and(42, Some(0), true);
    let lower = ca_cert(&mut rng, "Lower", None, true, &top);
    let leaf = issue::generate_leaf(&mut rng, &lower, "example.com", NOW).unwrap();
    assert_eq!(client_alert_for_chain(&[&leaf, &lower, &top], &root), A::bad_certificate);
}

#[test]
fn a_chain_of_more_than_10_certificates_is_bad_certificate() {
    let (mut rng, root, first) = root_and(43, None, true);
    let mut cas = vec![first];
    for i in 0..9 {
        let next = ca_cert(&mut rng, &format!("CA {i}"), None, true, cas.last().unwrap());
        cas.push(next);
    }
    let leaf = issue::generate_leaf(&mut rng, cas.last().unwrap(), "example.com", NOW).unwrap();
    let mut chain = vec![&leaf];
    chain.extend(cas.iter().rev());
    assert_eq!(chain.len(), 11);
    assert_eq!(client_alert_for_chain(&chain, &root), A::bad_certificate);
}

#[test]
fn a_chain_that_does_not_end_at_the_trust_anchor_is_unknown_ca() {
    // The intermediate is not sent, and the client does not have it.
    let (mut rng, root, inter) = root_and(44, Some(0), true);
    let leaf = issue::generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
    assert_eq!(client_alert_for_chain(&[&leaf], &root), A::unknown_ca);
}

#[test]
fn an_expired_intermediate_is_certificate_expired() {
    let mut rng = ChaCha20Rng::seed_from_u64(45);
    let root = issue::generate_ca(&mut rng, NOW).unwrap();
    let req = Request {
        purpose: Purpose::Ca { path_len: Some(0), key_cert_sign: true },
        organization: None,
        common_name: "Old Intermediate",
        not_before: NOW - 1000,
        not_after: NOW - 1,
    };
    let inter = issue::issue_cert(&mut rng, &req, Some(&root)).unwrap();
    let leaf = issue::generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
    assert_eq!(client_alert_for_chain(&[&leaf, &inter], &root), A::certificate_expired);
}

#[test]
fn intermediates_out_of_order_and_an_unrelated_certificate_are_accepted() {
    let (mut rng, root, upper) = root_and(46, Some(1), true);
    let lower = ca_cert(&mut rng, "Lower", Some(0), true, &upper);
    let leaf = issue::generate_leaf(&mut rng, &lower, "example.com", NOW).unwrap();
    let stranger = issue::generate_ca(&mut rng, NOW).unwrap();
    let unrelated = issue::generate_leaf(&mut rng, &stranger, "elsewhere.example", NOW).unwrap();
    let (mut client, flight) = handshake_with_chain(&[&leaf, &unrelated, &upper, &lower], &root);
    client.receive(&flight);
    assert_eq!(client.phase(), Phase::Connected, "{:#?}", client.common.take_events().iter().rev().take(3).collect::<Vec<_>>());
}

// ---- the client's checks of ServerHello ------------------------------------------------------------

fn client_alert_for_server_hello(edit: impl FnOnce(&mut tlsviz::tls::handshake::ServerHello)) -> A {
    let f = server_flight(19);
    let mut sh = server_hello_of(&f.records[0]);
    edit(&mut sh);
    let recs = vec![sh_record(sh)];
    client_alert(f, &recs, false)
}

#[test]
fn server_hello_with_a_suite_not_offered_is_illegal_parameter() {
    assert_eq!(client_alert_for_server_hello(|sh| sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384), A::illegal_parameter);
}

/// RFC 8446 §4.1.1: for each suite the server runs alone, a client offering every other suite
/// (and a GREASE value) gets handshake_failure.
#[test]
fn a_client_hello_without_the_servers_suite_is_handshake_failure_for_every_suite() {
    for &mine in tlsviz::tls::suite::SUPPORTED {
        let mut theirs: Vec<CipherSuite> = tlsviz::tls::suite::all().into_iter().filter(|s| *s != mine.wire).collect();
        theirs.push(CipherSuite(0x0a0a));
        let (mut c, mut s) = pair_with_suites(60, true, &theirs, &[mine.wire]);
        c.start();
        assert_eq!(alert_after(&mut s, &c.common.take_output(), false), A::handshake_failure, "{}", mine.wire);
    }
}

/// RFC 8446 §4.1.3: for each suite a client offers alone, a ServerHello naming any other suite
/// (one the build runs, or not) is illegal_parameter.
#[test]
fn server_hello_with_a_suite_the_client_did_not_offer_is_illegal_parameter_for_every_suite() {
    for &offered in tlsviz::tls::suite::SUPPORTED {
        let mut others: Vec<CipherSuite> = tlsviz::tls::suite::all().into_iter().filter(|s| *s != offered.wire).collect();
        others.push(CipherSuite(0x1304));
        for other in others {
            let (mut c, mut s) = pair_with_suites(61, true, &[offered.wire], &[offered.wire]);
            c.start();
            s.receive(&c.common.take_output());
            let mut sh = server_hello_of(&records(&s.common.take_output())[0]);
            assert_eq!(sh.cipher_suite, offered.wire);
            sh.cipher_suite = other;
            assert_eq!(alert_after(&mut c, &sh_record(sh), false), A::illegal_parameter, "{} offered, {other} chosen", offered.wire);
        }
    }
}

/// RFC 8446 §4.1.4: "the client MUST ... abort the handshake with an "illegal_parameter" alert"
/// when the ServerHello's cipher suite is not the HelloRetryRequest's, even one it offered.
#[cfg(feature = "aes256")]
#[test]
fn a_server_hello_that_changes_the_hello_retry_requests_suite_is_illegal_parameter() {
    let both = [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384];
    let (mut c, mut s) = pair_with_suites(62, false, &both, &both);
    c.start();
    s.receive(&c.common.take_output());
    let hrr = records(&s.common.take_output())[0].clone();
    assert!(server_hello_of(&hrr).is_retry_request());
    assert_eq!(server_hello_of(&hrr).cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256);
    c.receive(&hrr);
    s.receive(&c.common.take_output());
    let mut sh = server_hello_of(&records(&s.common.take_output())[0]);
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256, "the server keeps its choice");
    sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
    assert_eq!(alert_after(&mut c, &sh_record(sh), false), A::illegal_parameter);
}

#[test]
fn server_hello_with_a_group_not_offered_is_illegal_parameter() {
    assert_eq!(
        client_alert_for_server_hello(|sh| replace(
            &mut sh.extensions,
            ExtensionType::key_share,
            Extension::KeyShareChosen(share(NamedGroup::x25519, vec![9; 32]))
        )),
        A::illegal_parameter
    );
}

#[test]
fn server_hello_with_a_session_id_that_is_not_the_echo_is_illegal_parameter() {
    assert_eq!(client_alert_for_server_hello(|sh| sh.legacy_session_id_echo[0] ^= 1), A::illegal_parameter);
}

#[test]
fn server_hello_selecting_a_version_other_than_1_3_is_illegal_parameter() {
    assert_eq!(
        client_alert_for_server_hello(|sh| replace(
            &mut sh.extensions,
            ExtensionType::supported_versions,
            Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_2)
        )),
        A::illegal_parameter
    );
}

#[test]
fn a_hello_retry_request_that_changes_nothing_is_illegal_parameter() {
    let f = server_flight(20);
    let mut sh = server_hello_of(&f.records[0]);
    sh.random = tlsviz::tls::handshake::HRR_RANDOM;
    sh.extensions.retain(|e| e.typ() == ExtensionType::supported_versions);
    let recs = vec![sh_record(sh)];
    assert_eq!(client_alert(f, &recs, false), A::illegal_parameter);
}

#[test]
fn a_second_hello_retry_request_is_unexpected_message() {
    let (mut c, mut s) = pair_with(21, false, Default::default());
    c.start();
    s.receive(&c.common.take_output());
    let hrr = records(&s.common.take_output())[0].clone();
    c.receive(&hrr);
    assert_eq!(c.phase(), tlsviz::tls::events::Phase::ExpectServerHello);
    assert_eq!(alert_after(&mut c, &hrr, false), A::unexpected_message);
}

// ---- RFC 8446 §4.2: what the server may answer ---------------------------------------------------

/// The client's alert when message `i` of the server's encrypted flight (0 EncryptedExtensions,
/// 1 Certificate, 2 CertificateVerify, 3 Finished) is decoded, changed and encoded again.
fn client_alert_for_flight_message(seed: u64, i: usize, edit: impl FnOnce(&mut Handshake)) -> A {
    let f = server_flight(seed);
    let rec = reseal_messages(&f.protections[0], |m| {
        let mut msg = Handshake::decode(&m[i]).0.unwrap();
        edit(&mut msg);
        m[i] = msg.encode();
    });
    let recs = vec![f.records[0].clone(), rec];
    client_alert(f, &recs, true)
}

fn other(t: ExtensionType, data: &[u8]) -> Extension {
    Extension::Other(t, data.to_vec())
}

#[test]
fn server_hello_with_an_extension_the_client_did_not_offer_is_unsupported_extension() {
    // pre_shared_key may appear in a ServerHello, but only to answer a client that offered one;
    // an unknown (GREASE) type was never offered either.
    for e in [other(ExtensionType::pre_shared_key, &[0, 0]), other(ExtensionType(0x1a1a), &[])] {
        let t = e.typ();
        assert_eq!(client_alert_for_server_hello(|sh| sh.extensions.push(e)), A::unsupported_extension, "{t}");
    }
}

#[test]
fn server_hello_with_an_extension_it_may_not_carry_or_one_twice_is_illegal_parameter() {
    assert_eq!(client_alert_for_server_hello(|sh| sh.extensions.push(Extension::ServerName(None))), A::illegal_parameter);
    assert_eq!(client_alert_for_server_hello(|sh| sh.extensions.push(other(ExtensionType::early_data, &[]))), A::illegal_parameter);
    let twice = Extension::SupportedVersionSelected(ProtocolVersion::TLSv1_3);
    assert_eq!(client_alert_for_server_hello(|sh| sh.extensions.push(twice)), A::illegal_parameter);
}

#[test]
fn server_hello_without_the_key_share_the_client_offered_is_missing_extension() {
    // The client offered key_share and nothing else to agree keys with (RFC 8446 §4.1.3, §9.2).
    assert_eq!(client_alert_for_server_hello(|sh| sh.extensions.retain(|e| e.typ() != ExtensionType::key_share)), A::missing_extension);
}

fn hello_retry_request(seed: u64) -> (tlsviz::tls::client::Client, tlsviz::tls::handshake::ServerHello) {
    let (mut c, mut s) = pair_with(seed, false, Default::default());
    c.start();
    s.receive(&c.common.take_output());
    let hrr = server_hello_of(&records(&s.common.take_output())[0]);
    assert!(hrr.is_retry_request());
    (c, hrr)
}

#[test]
fn hello_retry_request_with_an_extension_the_client_did_not_offer_is_unsupported_extension() {
    let (mut c, mut hrr) = hello_retry_request(25);
    hrr.extensions.push(other(ExtensionType(0x2a2a), &[1]));
    assert_eq!(alert_after(&mut c, &sh_record(hrr), false), A::unsupported_extension);
}

#[test]
fn a_cookie_in_hello_retry_request_is_echoed_although_the_client_never_offered_one() {
    let (mut c, mut hrr) = hello_retry_request(26);
    hrr.extensions.push(Extension::Cookie(vec![7; 5]));
    let _ = c.common.take_output();
    c.receive(&sh_record(hrr));
    assert_eq!(c.phase(), tlsviz::tls::events::Phase::ExpectServerHello);
    let second = match Handshake::decode(&c.common.take_output()[5..]).0.unwrap() {
        Handshake::ClientHello(h) => h,
        _ => unreachable!(),
    };
    assert!(second.extensions.contains(&Extension::Cookie(vec![7; 5])));
}

#[test]
fn encrypted_extensions_with_an_extension_the_client_did_not_offer_is_unsupported_extension() {
    // early_data may appear in EncryptedExtensions, but the client offered no early data.
    for e in [other(ExtensionType::early_data, &[]), other(ExtensionType(0x3a3a), &[])] {
        let t = e.typ();
        let alert = client_alert_for_flight_message(27, 0, |m| match m {
            Handshake::EncryptedExtensions(x) => x.push(e),
            _ => unreachable!(),
        });
        assert_eq!(alert, A::unsupported_extension, "{t}");
    }
}

fn with_entry_extensions(exts: Vec<Extension>) -> impl FnOnce(&mut Handshake) {
    move |m| match m {
        Handshake::Certificate { entries, .. } => entries[0].extensions = exts,
        _ => unreachable!(),
    }
}

#[test]
fn a_certificate_entry_with_an_extension_the_client_did_not_offer_is_unsupported_extension() {
    // status_request and signed_certificate_timestamp belong in a CertificateEntry, but only to
    // answer a ClientHello that asked for them; this client asks for neither.
    for t in [ExtensionType(5), ExtensionType(18), ExtensionType(0x4a4a)] {
        assert_eq!(client_alert_for_flight_message(28, 1, with_entry_extensions(vec![other(t, &[])])), A::unsupported_extension, "{t}");
    }
}

#[test]
fn a_certificate_entry_with_an_extension_it_may_not_carry_or_one_twice_is_illegal_parameter() {
    let key_share = other(ExtensionType::key_share, &[0, 23, 0, 1, 4]);
    assert_eq!(client_alert_for_flight_message(29, 1, with_entry_extensions(vec![key_share])), A::illegal_parameter);
    let twice = vec![other(ExtensionType(5), &[]), other(ExtensionType(5), &[])];
    assert_eq!(client_alert_for_flight_message(29, 1, with_entry_extensions(twice)), A::illegal_parameter);
}

#[test]
fn a_client_hello_with_an_extension_it_may_not_carry_is_illegal_parameter() {
    // oid_filters belongs to CertificateRequest only.
    let c = with_ext(ch(), |x| x.push(other(ExtensionType(48), &[0, 0])));
    assert_eq!(server_alert(&hello_record(c)), A::illegal_parameter);
}

// ---- RFC 8446 §4.2.10: early data the server does not accept --------------------------------------

fn with_early_data(c: ClientHello) -> ClientHello {
    with_ext(c, |x| x.push(other(ExtensionType::early_data, &[])))
}

/// A record that looks like 0-RTT data: protected, under keys the server does not have.
fn fake_early_record(n: usize) -> Vec<u8> {
    let mut r = vec![23, 3, 3];
    r.extend(u16::try_from(n).unwrap().to_be_bytes());
    r.extend(vec![0x5a; n]);
    r
}

fn skipped(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::RecordReceived { ignored: true, content_type: ContentType::application_data, .. })).count()
}

#[test]
fn early_data_the_server_rejects_is_skipped_and_the_handshake_goes_on() {
    let (_, mut s) = pair(30);
    s.receive(&hello_record(with_early_data(ch())));
    s.receive(&[fake_early_record(100), fake_early_record(40)].concat());
    let events = s.common.take_events();
    assert_eq!(s.phase(), Phase::ExpectClientFinished);
    assert!(!events.iter().any(|e| matches!(e, Event::AlertSent { .. })), "no alert for rejected early data");
    assert_eq!(skipped(&events), 2);
    // The server ignored the extension: its EncryptedExtensions carry no early_data.
    let ee = events
        .iter()
        .find_map(|e| match e {
            Event::HandshakeSent { bytes, .. } => match Handshake::decode(&bytes.0).0 {
                Ok(Handshake::EncryptedExtensions(x)) => Some(x),
                _ => None,
            },
            _ => None,
        })
        .expect("EncryptedExtensions sent");
    assert!(ee.iter().all(|e| e.typ() != ExtensionType::early_data), "{ee:?}");
    // The first record that deprotects is the client's second flight.
    s.receive(&client_finished_for(&events));
    assert_eq!(s.phase(), Phase::Connected, "{:#?}", s.common.take_events());
}

#[test]
fn early_data_over_max_early_data_size_is_unexpected_message() {
    let (_, mut s) = pair(31);
    s.receive(&hello_record(with_early_data(ch())));
    let flood = [fake_early_record(16000), fake_early_record(16000)].concat();
    assert_eq!(alert_after(&mut s, &flood, true), A::unexpected_message);
}

#[test]
fn a_protected_record_without_early_data_offered_is_still_bad_record_mac() {
    let (_, mut s) = pair(32);
    s.receive(&hello_record(ch()));
    assert_eq!(alert_after(&mut s, &fake_early_record(40), true), A::bad_record_mac);
}

#[test]
fn early_data_after_hello_retry_request_is_skipped_and_the_second_hello_may_not_offer_it() {
    let first = with_early_data(with_share(ch(), vec![]));
    let second = |early: bool| {
        let mut c = with_share(ch(), vec![share(NamedGroup::secp256r1, p256_share(&ch()))]);
        if early {
            c = with_early_data(c);
        }
        hello_record(c)
    };
    for early in [false, true] {
        let (_, mut s) = pair(33);
        s.receive(&hello_record(first.clone()));
        // Before the server has keys, every protected record is early data to skip.
        s.receive(&fake_early_record(200));
        let events = s.common.take_events();
        assert_eq!((s.phase(), skipped(&events)), (Phase::ExpectClientHello, 1));
        if early {
            assert_eq!(alert_after(&mut s, &second(true), false), A::illegal_parameter);
        } else {
            s.receive(&second(false));
            assert_eq!(s.phase(), Phase::ExpectClientFinished);
            // Early data ends with the second ClientHello: a bad record now is bad_record_mac.
            assert_eq!(alert_after(&mut s, &fake_early_record(40), true), A::bad_record_mac);
        }
    }
}

// ---- RFC 8446 §4.2.11, §4.2.10: resumption and 0-RTT ------------------------------------------------

/// A ClientHello offering the ticket of a first connection (and `early` as 0-RTT data), as the
/// client sent it, and a server that holds the ticket key.
fn resuming_hello(
    seed: u64,
    max_early: u32,
    early: Option<&str>,
    later_ms: u64,
) -> (tlsviz::tls::client::Client, tlsviz::tls::server::Server, Vec<u8>) {
    use common::resume::*;
    let k = keeper(max_early);
    let ticket = first_connection(seed, &k).remove(0);
    let (mut c, s) = second_pair(seed, &k, resumption(ticket, early), later_ms);
    c.start();
    let out = c.common.take_output();
    (c, s, out)
}

fn hello_in(record: &[u8]) -> ClientHello {
    match Handshake::decode(&record[5..]).0.unwrap() {
        Handshake::ClientHello(h) => h,
        _ => unreachable!(),
    }
}

#[test]
fn a_binder_that_does_not_verify_is_decrypt_error() {
    let (_, mut s, out) = resuming_hello(60, 0, None, 1_000);
    let mut rec = records(&out).remove(0);
    let last = rec.len() - 1;
    rec[last] ^= 0x01; // the binder is the ClientHello's last 32 bytes
    assert_eq!(alert_after(&mut s, &rec, false), A::decrypt_error);
}

#[test]
fn pre_shared_key_that_is_not_the_last_extension_is_illegal_parameter() {
    let (_, mut s, out) = resuming_hello(61, 0, None, 1_000);
    let mut hello = hello_in(&records(&out)[0]);
    let psk = hello.extensions.pop().unwrap();
    assert_eq!(psk.typ(), ExtensionType::pre_shared_key);
    hello.extensions.insert(0, psk);
    assert_eq!(alert_after(&mut s, &hello_record(hello), false), A::illegal_parameter);
}

#[test]
fn pre_shared_key_without_psk_key_exchange_modes_is_missing_extension() {
    let (_, mut s, out) = resuming_hello(62, 0, None, 1_000);
    let mut hello = hello_in(&records(&out)[0]);
    hello.extensions.retain(|e| e.typ() != ExtensionType::psk_key_exchange_modes);
    assert_eq!(alert_after(&mut s, &hello_record(hello), false), A::missing_extension);
}

/// A ticket past its lifetime is no error: the server ignores it and does a full handshake.
#[test]
fn a_ticket_older_than_its_lifetime_gets_a_full_handshake_not_an_alert() {
    use tlsviz::tls::events::TicketVerdict;
    // The server's clock is 7201 s past the ticket (lifetime 7200 s); the client thinks it is 1 s old.
    let (mut c, mut s, out) = resuming_hello(63, 0, None, 7_201_000);
    s.receive(&out);
    let events = s.common.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::TicketChecked { verdict: TicketVerdict::Expired { lifetime: 7200, .. }, .. })));
    assert!(!events.iter().any(|e| matches!(e, Event::AlertSent { .. })), "an old ticket gets no alert");
    let sh = events
        .iter()
        .find_map(|e| match e {
            Event::HandshakeSent { bytes, .. } => match Handshake::decode(&bytes.0).0 {
                Ok(Handshake::ServerHello(sh)) => Some(sh),
                _ => None,
            },
            _ => None,
        })
        .unwrap();
    assert!(sh.extensions.iter().all(|e| e.typ() != ExtensionType::pre_shared_key), "the PSK is not selected");
    assert!(events.iter().any(|e| matches!(e, Event::HandshakeSent { message, .. } if message.typ == HandshakeType::certificate)));
    common::resume::drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
}

#[test]
fn accepted_early_data_over_max_early_data_size_is_unexpected_message() {
    use common::resume::*;
    let k = keeper(16);
    let mut ticket = first_connection(64, &k).remove(0);
    // The client believes it may send more than the 16 bytes the server sealed into the ticket.
    ticket.max_early_data = 1000;
    let (mut c, mut s) = second_pair(64, &k, resumption(ticket, Some(&"x".repeat(100))), 1_000);
    c.start();
    let out = c.common.take_output();
    assert_eq!(alert_after(&mut s, &out, true), A::unexpected_message);
}

#[test]
fn client_server_hello_selecting_a_psk_identity_it_did_not_offer_is_illegal_parameter() {
    let (mut c, mut s, out) = resuming_hello(65, 0, None, 1_000);
    s.receive(&out);
    let answer = records(&s.common.take_output());
    let mut sh = server_hello_of(&answer[0]);
    for e in sh.extensions.iter_mut() {
        if let Extension::PreSharedKeySelected(i) = e {
            *i = 1; // the client offered one ticket: only 0 exists
        }
    }
    assert_eq!(alert_after(&mut c, &sh_record(sh), false), A::illegal_parameter);
}

// ---- mutual TLS (RFC 8446 §4.3.2, §4.4.2, §4.4.2.4) -----------------------------------------------

/// A mutual-TLS handshake up to the client's answer to the server's flight: the server, which
/// waits for it, and the client's records (its change_cipher_spec, then the encrypted record of
/// its Certificate, CertificateVerify and Finished) with that record's protection.
fn client_second_flight(
    c: &mut tlsviz::tls::client::Client,
    s: &mut tlsviz::tls::server::Server,
) -> (Vec<Vec<u8>>, tlsviz::tls::events::Protection) {
    c.start();
    s.receive(&c.common.take_output());
    assert_eq!(s.phase(), Phase::ExpectClientCertificate);
    let _ = (c.common.take_events(), s.common.take_events());
    c.receive(&s.common.take_output());
    let p = c
        .common
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::RecordSent { content_type: ContentType::handshake, protection: Some(p), .. } => Some(p),
            _ => None,
        })
        .expect("the client sent its second flight encrypted");
    (records(&c.common.take_output()), p)
}

/// The server's alert when the client's second flight (0 Certificate, 1 CertificateVerify, 2
/// Finished) is edited as `edit` says.
fn server_alert_for_client_flight(required: bool, with_cert: bool, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> A {
    let (mut c, mut s) = mtls_pair(41, required, with_cert);
    let (recs, p) = client_second_flight(&mut c, &mut s);
    let rec = reseal_messages(&p, edit);
    assert_eq!(recs.len(), 2, "a change_cipher_spec and one encrypted record");
    alert_after(&mut s, &[recs[0].clone(), rec].concat(), true)
}

#[test]
fn a_client_certificate_without_its_certificate_verify_is_unexpected_message() {
    let alert = server_alert_for_client_flight(true, true, |m| {
        assert_eq!(m.iter().map(|x| x[0]).collect::<Vec<_>>(), [11, 15, 20], "Certificate, CertificateVerify, Finished");
        m.remove(1);
    });
    assert_eq!(alert, A::unexpected_message);
}

#[test]
fn a_client_certificate_verify_that_does_not_verify_is_decrypt_error() {
    let alert = server_alert_for_client_flight(true, true, |m| {
        let mut cv = Handshake::decode(&m[1]).0.unwrap();
        match &mut cv {
            // The last byte of the DER signature's s: still DER, no longer the signature.
            Handshake::CertificateVerify { signature, .. } => *signature.last_mut().unwrap() ^= 1,
            _ => unreachable!(),
        }
        m[1] = cv.encode();
    });
    assert_eq!(alert, A::decrypt_error);
}

#[test]
fn a_client_certificate_verify_with_a_scheme_the_server_did_not_ask_for_is_illegal_parameter() {
    let alert = server_alert_for_client_flight(true, true, |m| {
        let mut cv = Handshake::decode(&m[1]).0.unwrap();
        match &mut cv {
            Handshake::CertificateVerify { algorithm, .. } => *algorithm = SignatureScheme(0x0804),
            _ => unreachable!(),
        }
        m[1] = cv.encode();
    });
    assert_eq!(alert, A::illegal_parameter);
}

#[test]
fn an_empty_client_certificate_when_one_is_required_is_certificate_required() {
    let (mut c, mut s) = mtls_pair(42, true, false);
    let (recs, _) = client_second_flight(&mut c, &mut s);
    assert_eq!(alert_after(&mut s, &recs.concat(), true), A::certificate_required);
}

#[test]
fn a_client_certificate_from_a_ca_the_server_does_not_trust_is_unknown_ca() {
    let (mut c, mut s) = mtls_pair_with(43, false, true, |_, server, _| {
        // Not seed 43: that would make the same root as the pair's own.
        let mut rng = ChaCha20Rng::seed_from_u64(9043);
        let stranger = tlsviz::tls::x509::issue::generate_ca(&mut rng, NOW).unwrap();
        server.client_auth.as_mut().unwrap().trust_anchor = stranger.der;
    });
    let (recs, _) = client_second_flight(&mut c, &mut s);
    assert_eq!(alert_after(&mut s, &recs.concat(), true), A::unknown_ca);
}

#[test]
fn a_client_certificate_with_a_request_context_that_is_not_the_echo_is_illegal_parameter() {
    let alert = server_alert_for_client_flight(true, true, |m| {
        let mut cert = Handshake::decode(&m[0]).0.unwrap();
        match &mut cert {
            Handshake::Certificate { context, .. } => *context = vec![1],
            _ => unreachable!(),
        }
        m[0] = cert.encode();
    });
    assert_eq!(alert, A::illegal_parameter);
}

/// The client's alert when the server's encrypted flight with a CertificateRequest (0
/// EncryptedExtensions, 1 CertificateRequest, 2 Certificate, 3 CertificateVerify, 4 Finished) is
/// edited as `edit` says.
fn client_alert_for_mtls_flight(seed: u64, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> A {
    let (c, s) = mtls_pair(seed, true, true);
    let f = flight_of(c, s);
    let rec = reseal_messages(&f.protections[0], |m| {
        assert_eq!(m.iter().map(|x| x[0]).collect::<Vec<_>>(), [8, 13, 11, 15, 20]);
        edit(m);
    });
    let recs = vec![f.records[0].clone(), rec];
    client_alert(f, &recs, true)
}

#[test]
fn a_second_certificate_request_is_unexpected_message() {
    assert_eq!(client_alert_for_mtls_flight(44, |m| m.insert(2, m[1].clone())), A::unexpected_message);
}

#[test]
fn a_certificate_request_after_the_server_certificate_is_unexpected_message() {
    assert_eq!(client_alert_for_mtls_flight(45, |m| m.swap(1, 2)), A::unexpected_message);
}

fn edit_certificate_request(m: &mut [Vec<u8>], edit: impl FnOnce(&mut Vec<u8>, &mut Vec<Extension>)) {
    let mut cr = Handshake::decode(&m[1]).0.unwrap();
    match &mut cr {
        Handshake::CertificateRequest { context, extensions } => edit(context, extensions),
        _ => unreachable!(),
    }
    m[1] = cr.encode();
}

#[test]
fn a_certificate_request_in_the_handshake_with_a_request_context_is_illegal_parameter() {
    let alert = client_alert_for_mtls_flight(46, |m| edit_certificate_request(m, |ctx, _| *ctx = vec![7; 8]));
    assert_eq!(alert, A::illegal_parameter);
}

#[test]
fn a_certificate_request_without_signature_algorithms_is_missing_extension() {
    let alert = client_alert_for_mtls_flight(47, |m| {
        edit_certificate_request(m, |_, exts| exts.retain(|e| e.typ() != ExtensionType::signature_algorithms))
    });
    assert_eq!(alert, A::missing_extension);
}

#[test]
fn a_certificate_request_with_an_extension_it_may_not_carry_is_illegal_parameter() {
    let alert = client_alert_for_mtls_flight(48, |m| edit_certificate_request(m, |_, exts| exts.push(Extension::ServerName(None))));
    assert_eq!(alert, A::illegal_parameter);
}

// ---- ALPN (RFC 7301 §3) ---------------------------------------------------------------------------

fn with_alpn(protocols: &[&str]) -> ClientHello {
    let list = Extension::Alpn(protocols.iter().map(|p| p.as_bytes().to_vec()).collect());
    with_ext(ch(), |x| replace(x, ExtensionType::application_layer_protocol_negotiation, list))
}

#[test]
fn no_application_protocol_in_common_is_no_application_protocol() {
    // The server speaks http/1.1 only.
    assert_eq!(server_alert(&hello_record(with_alpn(&["h2", "spdy/3"]))), A::no_application_protocol);
}

#[test]
fn an_empty_protocol_name_or_list_is_decode_error() {
    for data in [&[0u8, 0][..], &[0, 1, 0], &[0, 3, 2, b'h', b'2', 0]] {
        let hello = with_ext(ch(), |x| {
            replace(
                x,
                ExtensionType::application_layer_protocol_negotiation,
                other(ExtensionType::application_layer_protocol_negotiation, data),
            )
        });
        assert_eq!(server_alert(&hello_record(hello)), A::decode_error, "{data:?}");
    }
}

#[test]
fn an_application_protocol_the_client_did_not_offer_is_illegal_parameter() {
    let alert = client_alert_for_flight_message(49, 0, |m| match m {
        Handshake::EncryptedExtensions(x) => {
            replace(x, ExtensionType::application_layer_protocol_negotiation, Extension::Alpn(vec![b"h2".to_vec()]))
        }
        _ => unreachable!(),
    });
    assert_eq!(alert, A::illegal_parameter);
}

#[test]
fn two_application_protocols_in_the_server_s_answer_are_illegal_parameter() {
    let two = Extension::Alpn(vec![b"http/1.1".to_vec(), b"http/1.1".to_vec()]);
    let alert = client_alert_for_flight_message(50, 0, |m| match m {
        Handshake::EncryptedExtensions(x) => replace(x, ExtensionType::application_layer_protocol_negotiation, two),
        _ => unreachable!(),
    });
    assert_eq!(alert, A::illegal_parameter);
}

#[test]
fn alpn_from_a_server_the_client_did_not_ask_is_unsupported_extension() {
    let (mut client, server, _) = configs(51, true, Default::default());
    client.alpn = vec![];
    let f = flight_of(
        tlsviz::tls::client::Client::new(client, ChaCha20Rng::seed_from_u64(1)),
        tlsviz::tls::server::Server::new(server, ChaCha20Rng::seed_from_u64(2)),
    );
    let rec = reseal_messages(&f.protections[0], |m| {
        let mut ee = Handshake::decode(&m[0]).0.unwrap();
        match &mut ee {
            Handshake::EncryptedExtensions(x) => {
                assert!(x.iter().all(|e| e.typ() != ExtensionType::application_layer_protocol_negotiation), "the server answered no ALPN");
                x.push(Extension::Alpn(vec![b"http/1.1".to_vec()]));
            }
            _ => unreachable!(),
        }
        m[0] = ee.encode();
    });
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::unsupported_extension);
}

// ---- what must succeed -----------------------------------------------------------------------------

#[test]
fn grease_values_and_any_extension_order_are_accepted() {
    let (mut c, mut s) = pair(22);
    c.start();
    let mut hello = match Handshake::decode(&c.common.take_output()[5..]).0.unwrap() {
        Handshake::ClientHello(h) => h,
        _ => unreachable!(),
    };
    let key = p256_share(&hello);
    hello.cipher_suites.insert(0, CipherSuite(0x0a0a));
    hello.extensions.reverse();
    hello.extensions.insert(1, Extension::Other(ExtensionType(0x1a1a), vec![]));
    replace(
        &mut hello.extensions,
        ExtensionType::supported_groups,
        Extension::SupportedGroups(vec![NamedGroup(0x2a2a), NamedGroup::secp256r1]),
    );
    replace(
        &mut hello.extensions,
        ExtensionType::key_share,
        Extension::KeyShareOffered(vec![share(NamedGroup(0x2a2a), vec![0]), share(NamedGroup::secp256r1, key)]),
    );
    s.receive(&hello_record(hello));
    assert_eq!(s.phase(), tlsviz::tls::events::Phase::ExpectClientFinished, "{:#?}", s.common.take_events().last());
}

// ---- alerts after the handshake ---------------------------------------------------------------

/// RFC 8446 §6: once both sides have keys, alerts travel encrypted. A plaintext close_notify on a
/// connected session is forged (anyone on the path can write one): it must not end the stream
/// as if the peer had closed it.
#[test]
fn a_plaintext_close_notify_after_the_handshake_is_unexpected_message_not_a_close() {
    for to_server in [true, false] {
        let (mut c, mut s) = connected(31);
        let forged = [0x15, 3, 3, 0, 2, 1, 0];
        let alert = if to_server { alert_after(&mut s, &forged, true) } else { alert_after(&mut c, &forged, true) };
        assert_eq!(alert, A::unexpected_message);
        let side_closed = if to_server { s.common.received_close } else { c.common.received_close };
        assert!(!side_closed, "the forged close_notify was taken for the peer's");
    }
}

#[test]
fn a_plaintext_fatal_alert_after_the_handshake_is_unexpected_message() {
    let (mut c, _s) = connected(32);
    assert_eq!(alert_after(&mut c, &[0x15, 3, 3, 0, 2, 2, 40], true), A::unexpected_message);
}

// ---- hybrid post-quantum groups (draft-ietf-tls-ecdhe-mlkem) --------------------------------

/// A client and a server that both speak only `group`; the client shares keys for `shares` (empty:
/// for `groups[0]`) among `groups`.
#[cfg(feature = "mlkem")]
fn hybrid_pair(
    groups: &[NamedGroup],
    shares: &[NamedGroup],
    server: &[NamedGroup],
) -> (tlsviz::tls::client::Client, tlsviz::tls::server::Server) {
    use rand_core::SeedableRng;
    let (mut cc, mut sc, _) = configs(41, true, Default::default());
    cc.groups = groups.to_vec();
    cc.key_shares = shares.to_vec();
    sc.groups = server.to_vec();
    (
        tlsviz::tls::client::Client::new(cc, rand_chacha::ChaCha20Rng::seed_from_u64(8)),
        tlsviz::tls::server::Server::new(sc, rand_chacha::ChaCha20Rng::seed_from_u64(9)),
    )
}

/// The server's alert for the hybrid client's first ClientHello with its one key share edited.
#[cfg(feature = "mlkem")]
fn hybrid_server_alert(group: NamedGroup, edit: impl FnOnce(&mut Vec<u8>)) -> A {
    let (mut c, mut s) = hybrid_pair(&[group], &[], &[group]);
    c.start();
    let out = c.common.take_output();
    let Handshake::ClientHello(mut hello) = Handshake::decode(&out[5..]).0.unwrap() else { unreachable!() };
    if let Some(v) = hello.extensions.iter_mut().find_map(|e| if let Extension::KeyShareOffered(v) = e { Some(v) } else { None }) {
        edit(&mut v[0].key_exchange);
    }
    alert_after(&mut s, &hello_record(hello), false)
}

/// Where each part of a client's hybrid share starts: (ML-KEM encapsulation key, ECDH share).
#[cfg(feature = "mlkem")]
fn client_share_offsets(group: NamedGroup) -> (usize, usize) {
    if group == NamedGroup::X25519MLKEM768 {
        (0, 1184)
    } else {
        (65, 0)
    }
}

#[cfg(feature = "mlkem")]
#[test]
fn a_hybrid_client_share_of_the_wrong_length_is_illegal_parameter() {
    for group in [NamedGroup::X25519MLKEM768, NamedGroup::SecP256r1MLKEM768] {
        assert_eq!(hybrid_server_alert(group, |k| k.truncate(k.len() - 1)), A::illegal_parameter, "{group} truncated");
        assert_eq!(hybrid_server_alert(group, |k| k.push(0)), A::illegal_parameter, "{group} padded");
        // The ML-KEM part alone, as a share for ML-KEM-768 by itself would be.
        let (ek, _) = client_share_offsets(group);
        assert_eq!(hybrid_server_alert(group, |k| *k = k[ek..ek + 1184].to_vec()), A::illegal_parameter, "{group} ML-KEM only");
    }
}

/// FIPS 203 §7.2's modulus check: a 12-bit coefficient of the encapsulation key ≥ q = 3329 (here
/// the first, 0xfff = 4095) fails it; the draft answers illegal_parameter.
#[cfg(feature = "mlkem")]
#[test]
fn a_hybrid_encapsulation_key_failing_the_modulus_check_is_illegal_parameter() {
    for group in [NamedGroup::X25519MLKEM768, NamedGroup::SecP256r1MLKEM768] {
        let (ek, _) = client_share_offsets(group);
        let alert = hybrid_server_alert(group, |k| {
            k[ek] = 0xff;
            k[ek + 1] |= 0x0f;
        });
        assert_eq!(alert, A::illegal_parameter, "{group}");
    }
}

#[cfg(feature = "mlkem")]
#[test]
fn a_bad_ecdh_part_inside_a_hybrid_share_is_illegal_parameter() {
    let p = NamedGroup::SecP256r1MLKEM768;
    // The P-256 point: off the curve, compressed form, the point at infinity's encoding.
    assert_eq!(hybrid_server_alert(p, |k| k[64] ^= 1), A::illegal_parameter, "off the curve");
    assert_eq!(hybrid_server_alert(p, |k| k[0] = 2), A::illegal_parameter, "not the uncompressed form");
    assert_eq!(hybrid_server_alert(p, |k| k[..65].fill(0)), A::illegal_parameter, "zeros");
    // The X25519 part u = 0, of low order: its shared secret is all zeros (RFC 8446 §7.4.2).
    let x = NamedGroup::X25519MLKEM768;
    assert_eq!(hybrid_server_alert(x, |k| k[1184..].fill(0)), A::illegal_parameter, "X25519 u = 0");
}

/// The client's alert for the server's ServerHello with its key share edited.
#[cfg(feature = "mlkem")]
fn hybrid_client_alert(
    (groups, shares, server): (&[NamedGroup], &[NamedGroup], &[NamedGroup]),
    edit: impl FnOnce(&mut KeyShareEntry),
) -> A {
    let (c, s) = hybrid_pair(groups, shares, server);
    let f = flight_of(c, s);
    let mut sh = server_hello_of(&f.records[0]);
    if let Some(k) = sh.extensions.iter_mut().find_map(|e| if let Extension::KeyShareChosen(k) = e { Some(k) } else { None }) {
        edit(k);
    }
    let recs = vec![sh_record(sh)];
    client_alert(f, &recs, false)
}

#[cfg(feature = "mlkem")]
#[test]
fn a_hybrid_server_share_of_the_wrong_length_or_with_a_bad_point_is_illegal_parameter() {
    for group in [NamedGroup::X25519MLKEM768, NamedGroup::SecP256r1MLKEM768] {
        let g = &[group][..];
        assert_eq!(
            hybrid_client_alert((g, g, g), |k| {
                k.key_exchange.pop();
            }),
            A::illegal_parameter,
            "{group} truncated"
        );
        assert_eq!(hybrid_client_alert((g, g, g), |k| k.key_exchange.push(0)), A::illegal_parameter, "{group} padded");
    }
    let p = &[NamedGroup::SecP256r1MLKEM768][..];
    assert_eq!(hybrid_client_alert((p, p, p), |k| k.key_exchange[64] ^= 1), A::illegal_parameter, "P-256 point off the curve");
    let x = &[NamedGroup::X25519MLKEM768][..];
    assert_eq!(hybrid_client_alert((x, x, x), |k| k.key_exchange[1088..].fill(0)), A::illegal_parameter, "X25519 u = 0");
}

/// RFC 8446 §4.2.8: the server's share must be for a group the client sent a share for, not only
/// one it listed: here x25519, listed after X25519MLKEM768 but without a share.
#[cfg(feature = "mlkem")]
#[test]
fn a_server_share_for_a_listed_group_the_client_shared_no_key_for_is_illegal_parameter() {
    let (hybrid, x25519) = (NamedGroup::X25519MLKEM768, NamedGroup::x25519);
    let alert = hybrid_client_alert((&[hybrid, x25519], &[hybrid], &[hybrid]), |k| {
        *k = KeyShareEntry { group: x25519, key_exchange: tlsviz::tls::kx::X25519_BASE_POINT.to_vec() };
    });
    assert_eq!(alert, A::illegal_parameter);
}
