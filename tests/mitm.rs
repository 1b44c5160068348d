//! A man in the middle, as the page's four scenarios configure the network: each ends with the
//! alert RFC 8446 asks for, from the side that must send it, and the attacker gets exactly as far
//! as the protocol lets it: with its own key shares it decrypts the server's whole flight, yet the
//! client refuses before any application data leaves it.

use tlsviz::sim::preset::{ClientOffer, Preset};
use tlsviz::sim::{self, NetworkEvent, Options, Scenario, Side, Trace};
use tlsviz::tls::codec::hex;
use tlsviz::tls::enums::{AlertDescription as A, ExtensionType, HandshakeType as H, ProtocolVersion};
use tlsviz::tls::events::{Carries, Check, CheckKind, Endpoint, Event, Hkdf, Output, Secret};
use tlsviz::tls::extensions::Extension;
use tlsviz::tls::handshake::Handshake;

fn run(s: Scenario, seed: u64) -> Trace {
    sim::run(&Options { seed: Some(seed), scenario: s, ..Default::default() })
}

/// The same, with the ClientHello of a client preset (its groups, key shares and suites).
fn run_as(s: Scenario, seed: u64, preset: Preset) -> Trace {
    sim::run(&Options { seed: Some(seed), scenario: s, client: ClientOffer { preset, ..Default::default() }, ..Default::default() })
}

fn events(t: &Trace, side: Side) -> impl Iterator<Item = &Event> + '_ {
    t.events.iter().filter(move |e| e.side == side).filter_map(|e| e.event())
}

fn network(t: &Trace) -> Vec<&NetworkEvent> {
    t.events.iter().filter_map(|e| e.network()).collect()
}

fn first_failed(t: &Trace, side: Side) -> Option<&Check> {
    events(t, side).find_map(|e| match e {
        Event::Check(c) if !c.ok => Some(c),
        _ => None,
    })
}

fn secret(t: &Trace, side: Side, name: Secret) -> Option<Vec<u8>> {
    events(t, side).find_map(|e| match e {
        Event::Derived(d) if d.output == Output::Secret(name) => Some(d.value.0.clone()),
        _ => None,
    })
}

fn no_application_data(t: &Trace, side: Side) -> bool {
    events(t, side).all(|e| {
        !matches!(
            e,
            Event::AppDataSent { .. } | Event::AppDataReceived { .. } | Event::RecordSent { carries: Carries::ApplicationData(_), .. }
        )
    })
}

#[test]
fn each_attack_ends_with_the_alert_rfc_8446_asks_for_from_the_side_that_must_send_it() {
    // Whatever the client offers: P-256 only, or Chrome's, Firefox's and curl's X25519 and hybrid
    // key shares, which the attacker replaces just the same.
    for (seed, preset) in
        [(1, Preset::Page), (2, Preset::Page), (3, Preset::Page), (1, Preset::Chrome), (2, Preset::Firefox), (3, Preset::Curl)]
    {
        for (s, alerts) in [
            (Scenario::MitmOwnCert, vec![(Side::Client, A::unknown_ca)]),
            (Scenario::MitmKeyShare, vec![(Side::Client, A::decrypt_error)]),
            (Scenario::MitmForceRetry, vec![(Side::Client, A::bad_record_mac), (Side::Server, A::bad_record_mac)]),
            (Scenario::MitmStripVersions, vec![(Side::Server, A::protocol_version)]),
        ] {
            let t = run_as(s.clone(), seed, preset);
            let o = &t.connections[0];
            assert_eq!(o.alerts, alerts, "{s:?}, seed {seed}, {preset:?}");
            assert!(!o.handshake_complete, "{s:?}");
            assert!(no_application_data(&t, Side::Client) && no_application_data(&t, Side::Server), "{s:?}: data flowed");
        }
    }
}

#[test]
fn an_attacker_with_its_own_certificate_is_refused_as_unknown_ca_and_the_server_never_hears_a_thing() {
    let t = run(Scenario::MitmOwnCert, 4);
    assert_eq!(events(&t, Side::Server).count(), 0, "the server took part");
    assert_eq!(t.connections[0].server_phase, tlsviz::tls::events::Phase::ExpectClientHello);
    let cert = events(&t, Side::Client).find_map(|e| if let Event::Certificate { info } = e { Some(info) } else { None }).unwrap();
    assert_eq!((cert.issuer.as_str(), cert.dns_names.as_slice()), ("CN=Attacker CA", &["example.com".to_string()][..]));
    let c = first_failed(&t, Side::Client).expect("a failed check");
    match &c.kind {
        CheckKind::TrustAnchor { issuer, names_match, .. } => assert_eq!((issuer.as_str(), *names_match), ("CN=Attacker CA", false)),
        other => panic!("the first failed check is {other:?}"),
    }
    assert_eq!(c.failure.as_ref().map(|f| f.alert), Some(A::unknown_ca));
    // What the client got came from the attacker: its records are the ones the event holds.
    let records = network(&t)
        .into_iter()
        .find_map(|n| if let NetworkEvent::Impersonated { records, .. } = n { Some(records.clone()) } else { None })
        .unwrap();
    let received: Vec<Vec<u8>> = events(&t, Side::Client)
        .filter_map(|e| if let Event::RecordReceived { bytes, .. } = e { Some(bytes.0.clone()) } else { None })
        .collect();
    assert_eq!(received, records.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
}

#[test]
fn an_attacker_with_its_own_key_shares_decrypts_the_server_s_flight_but_cannot_sign_the_client_s_transcript() {
    for preset in Preset::ALL {
        its_own_key_shares(preset);
    }
}

fn its_own_key_shares(preset: Preset) {
    let t = run_as(Scenario::MitmKeyShare, 5, preset);
    let net = network(&t);
    // Every key share the client sent reached the server as the attacker's, of the same size.
    let sent: Vec<usize> = events(&t, Side::Client)
        .filter_map(|e| if let Event::KeyPair { public_key, .. } = e { Some(public_key.0.len()) } else { None })
        .collect();
    let swapped: Vec<usize> = net
        .iter()
        .filter_map(|n| match n {
            NetworkEvent::Rewritten { towards: Endpoint::Server, removed, inserted, .. } if removed.0.len() == inserted.0.len() => {
                Some(removed.0.len())
            }
            _ => None,
        })
        .collect();
    assert_eq!(swapped, sent, "{preset:?}");
    // It holds each side's handshake keys: the secrets it reports are the ones each endpoint derived.
    let (with_client, with_server) = net
        .iter()
        .find_map(|n| if let NetworkEvent::AttackerKeys { with_client, with_server } = n { Some((with_client, with_server)) } else { None })
        .expect("the attacker's keys");
    for (leg, side) in [(with_client, Side::Client), (with_server, Side::Server)] {
        assert_eq!(Some(leg.client_handshake_traffic_secret.0.clone()), secret(&t, side, Secret::ClientHandshakeTraffic), "{side:?}");
        assert_eq!(Some(leg.server_handshake_traffic_secret.0.clone()), secret(&t, side, Secret::ServerHandshakeTraffic), "{side:?}");
        let shared = events(&t, side).find_map(|e| if let Event::SharedSecret { value, .. } = e { Some(value.0.clone()) } else { None });
        assert_eq!(Some(leg.shared_secret.0.clone()), shared, "{side:?}");
    }
    assert_ne!(with_client.shared_secret, with_server.shared_secret);
    // It read the server's whole flight: the plaintext is what the server encoded, message by message.
    let flight: Vec<u8> = events(&t, Side::Server)
        .filter_map(|e| match e {
            Event::HandshakeSent { message, bytes, .. } if message.typ != H::server_hello => Some(bytes.0.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let (read, messages) = net
        .iter()
        .find_map(|n| match n {
            NetworkEvent::Reencrypted { towards: Endpoint::Client, plaintext, messages, .. } => {
                Some((plaintext.0.clone(), messages.clone()))
            }
            _ => None,
        })
        .expect("a re-encrypted record");
    assert_eq!(hex(&read), hex(&flight));
    let types: Vec<H> = messages.iter().map(|m| m.typ).collect();
    assert_eq!(types, [H::encrypted_extensions, H::certificate, H::certificate_verify, H::finished]);
    // The client accepts the genuine chain, then the signature fails: the two transcripts differ.
    assert!(events(&t, Side::Client).any(|e| matches!(e, Event::Check(Check { kind: CheckKind::Usage { .. }, ok: true, .. }))));
    let c = first_failed(&t, Side::Client).expect("a failed check");
    let CheckKind::CertificateVerify { content: checked, .. } = &c.kind else { panic!("the first failed check is {:?}", c.kind) };
    assert_eq!(c.failure.as_ref().map(|f| f.alert), Some(A::decrypt_error));
    let signed =
        events(&t, Side::Server).find_map(|e| if let Event::Signed { content, .. } = e { Some(content.0.clone()) } else { None }).unwrap();
    // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the 32-byte transcript hash.
    assert_eq!(signed.len(), checked.0.len());
    assert_eq!(signed[..signed.len() - 32], checked.0[..checked.0.len() - 32]);
    assert_ne!(signed[signed.len() - 32..], checked.0[checked.0.len() - 32..], "the transcript hashes are equal");
    // The server learns of it from the client's own alert, which the attacker re-encrypted.
    assert!(events(&t, Side::Server).any(|e| matches!(e, Event::AlertReceived { description: A::decrypt_error, .. })));
    assert!(first_failed(&t, Side::Server).is_none());
}

#[test]
fn a_hidden_hello_retry_request_leaves_both_sides_with_one_shared_secret_and_two_transcripts() {
    let t = run(Scenario::MitmForceRetry, 6);
    let shared: Vec<Vec<u8>> = t
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::SharedSecret { value, .. } => Some(value.0.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(shared.len(), 2);
    assert_eq!(shared[0], shared[1], "the attacker gave the server the client's own key share");
    assert_ne!(secret(&t, Side::Client, Secret::ClientHandshakeTraffic), secret(&t, Side::Server, Secret::ClientHandshakeTraffic));
    let covered = |side| {
        events(&t, side)
            .find_map(|e| match e {
                Event::Derived(d) if d.output == Output::Secret(Secret::ClientHandshakeTraffic) => match &d.hkdf {
                    Hkdf::DeriveSecret { messages, .. } => Some(messages.iter().map(|c| c.message.to_string()).collect::<Vec<_>>()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(covered(Side::Client), ["ClientHello", "ServerHello"]);
    assert_eq!(covered(Side::Server), ["message_hash", "HelloRetryRequest", "ClientHello", "ServerHello"]);
    // The client never saw the HelloRetryRequest.
    assert!(!events(&t, Side::Client).any(|e| matches!(e, Event::HandshakeReceived { message: Some(m), .. } if m.hello_retry_request)));
    // The first check each side fails: the first record from the other that it cannot decrypt.
    for (side, secret) in [(Side::Client, Secret::ServerHandshakeTraffic), (Side::Server, Secret::ClientHandshakeTraffic)] {
        let c = first_failed(&t, side).expect("a failed check");
        assert!(matches!(c.kind, CheckKind::RecordDecryption { secret: s, sequence_number: 0 } if s == secret), "{side:?}: {:?}", c.kind);
        assert_eq!(c.failure.as_ref().map(|f| f.alert), Some(A::bad_record_mac));
    }
}

#[test]
fn without_supported_versions_the_server_sees_a_tls_1_2_client_hello_and_answers_protocol_version() {
    let t = run(Scenario::MitmStripVersions, 7);
    let removed = network(&t)
        .into_iter()
        .find_map(|n| match n {
            NetworkEvent::Rewritten { extension, removed, inserted, .. } if *extension == ExtensionType::supported_versions => {
                assert!(inserted.0.is_empty());
                Some(removed.0.clone())
            }
            _ => None,
        })
        .expect("a rewritten ClientHello");
    // RFC 8446 §4.2.1: extension 43, a 3-byte body, a 2-byte list holding 0x0304.
    assert_eq!(removed, [0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]);
    let got = events(&t, Side::Server)
        .find_map(|e| match e {
            Event::HandshakeReceived { message: Some(m), bytes, .. } if m.typ == H::client_hello => Some(bytes.0.clone()),
            _ => None,
        })
        .unwrap();
    let Ok(Handshake::ClientHello(ch)) = Handshake::decode(&got).0 else { panic!("not a ClientHello") };
    assert_eq!(ch.legacy_version, ProtocolVersion::TLSv1_2);
    assert!(!ch.extensions.iter().any(|e| matches!(e, Extension::SupportedVersionsOffered(_))));
    assert!(events(&t, Side::Server).any(|e| matches!(e, Event::Error { alert: Some(A::protocol_version), .. })));
    assert!(events(&t, Side::Client).any(|e| matches!(e, Event::AlertReceived { description: A::protocol_version, .. })));
}

#[test]
fn the_attacks_are_deterministic_and_split_records_change_nothing_they_decide() {
    for s in [Scenario::MitmOwnCert, Scenario::MitmKeyShare, Scenario::MitmForceRetry, Scenario::MitmStripVersions] {
        assert!(run(s.clone(), 8) == run(s.clone(), 8), "{s:?}");
        // Handshake messages split across 40-byte records: the attacker reassembles the hellos.
        let small = sim::run(&Options { seed: Some(8), scenario: s.clone(), max_fragment: 40, ..Default::default() });
        assert_eq!(small.connections[0].alerts, run(s.clone(), 8).connections[0].alerts, "{s:?}");
    }
}
