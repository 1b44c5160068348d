//! The engine against itself: handshakes complete, both sides derive identical secrets, data
//! flows both ways, close is clean, and the same seed replays the same trace.

mod common;

use std::collections::HashMap;

use common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use tlsviz::sim::{self, Options, Scenario, Side};
use tlsviz::tls::conn::{RecordOptions, Role};
use tlsviz::tls::enums::HandshakeType;
use tlsviz::tls::enums::KeyUpdateRequest;
use tlsviz::tls::events::{Covered, Derivation, DiscardReason, Endpoint, Event, Hkdf, KeyInput, Message, Output, Phase, Secret};

fn secrets(trace: &sim::Trace, side: Side) -> HashMap<String, String> {
    trace
        .events
        .iter()
        .filter(|e| e.side == side)
        .filter_map(|e| match e.event()? {
            Event::Derived(d) => Some((d.output.to_string(), format!("{:?}", d.value))),
            _ => None,
        })
        .collect()
}

#[test]
fn handshake_completes_and_both_sides_hold_identical_secrets() {
    let t = sim::run(&Options { seed: Some(11), ..Default::default() });
    let o = &t.connections[0];
    assert!(o.handshake_complete, "{o:?}");
    assert!(o.closed_cleanly);
    assert_eq!(t.connections.len(), 1);
    assert!(t.events.iter().all(|e| e.connection == 1));
    let (c, s) = (secrets(&t, Side::Client), secrets(&t, Side::Server));
    for name in [
        "handshake_secret",
        "client_handshake_traffic_secret",
        "server_handshake_traffic_secret",
        "master_secret",
        "client_application_traffic_secret_0",
        "server_application_traffic_secret_0",
        "exporter_master_secret",
        "resumption_master_secret",
    ] {
        assert!(c.contains_key(name), "client did not derive {name}");
        assert_eq!(c.get(name), s.get(name), "{name} differs");
    }
    // The shared secret each side computed from its own private key and the other's public key.
    let shared: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::SharedSecret { value, .. } => Some(value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(shared.len(), 2);
    assert_eq!(shared[0], shared[1]);
}

#[test]
fn application_data_flows_both_ways() {
    let opts = Options {
        seed: Some(12),
        client_messages: vec!["one".into(), "two".into()],
        server_replies: vec!["uno".into()],
        ..Default::default()
    };
    let t = sim::run(&opts);
    let received = |side: Side| -> Vec<String> {
        t.events
            .iter()
            .filter(|e| e.side == side)
            .filter_map(|e| match e.event()? {
                Event::AppDataReceived { data } => Some(String::from_utf8_lossy(&data.0).into_owned()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(received(Side::Server), vec!["one", "two"]);
    assert_eq!(received(Side::Client), vec!["uno".to_string(), "received 3 bytes: two".to_string()]);
}

#[test]
fn close_notify_goes_both_ways_and_the_keys_are_discarded() {
    let t = sim::run(&Options { seed: Some(13), ..Default::default() });
    for side in [Side::Client, Side::Server] {
        let evs: Vec<&Event> = t.events.iter().filter(|e| e.side == side).filter_map(|e| e.event()).collect();
        assert!(evs.iter().any(|e| matches!(e, Event::AlertSent { description, .. } if description.0 == 0)));
        assert!(evs.iter().any(|e| matches!(e, Event::AlertReceived { description, .. } if description.0 == 0)));
        let last_discard = evs.iter().rev().find_map(|e| match e {
            Event::KeysDiscarded { secrets, reason } => Some((secrets.clone(), *reason)),
            _ => None,
        });
        // Each side lists its read key's secret, then its write key's.
        let (c_ap, s_ap) = (Secret::ClientApplicationTraffic(0), Secret::ServerApplicationTraffic(0));
        let expected = if side == Side::Client { vec![s_ap, c_ap] } else { vec![c_ap, s_ap] };
        assert_eq!(last_discard, Some((expected, DiscardReason::Closed)), "{side:?} did not end by discarding both directions' keys");
    }
    assert_eq!(t.connections[0].client_phase, Phase::Closed);
    assert_eq!(t.connections[0].server_phase, Phase::Closed);
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace_and_another_seed_does_not() {
    let a = sim::run(&Options { seed: Some(42), ..Default::default() }).to_json();
    let b = sim::run(&Options { seed: Some(42), ..Default::default() }).to_json();
    let c = sim::run(&Options { seed: Some(43), ..Default::default() }).to_json();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn hello_retry_request_is_answered_and_the_handshake_completes() {
    let t = sim::run(&Options { seed: Some(14), scenario: Scenario::HelloRetry, ..Default::default() });
    assert!(t.connections[0].handshake_complete);
    let sent: Vec<String> = t
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::HandshakeSent { message, .. } => Some(message.to_string()),
            _ => None,
        })
        .collect();
    let i = sent.iter().position(|n| n == "HelloRetryRequest").expect("no HelloRetryRequest");
    assert_eq!(sent.iter().filter(|n| *n == "ClientHello").count(), 2);
    assert!(sent[i + 1..].contains(&"ServerHello".to_string()));
}

#[test]
fn key_update_moves_both_directions_to_the_next_generation() {
    let opts = Options { seed: Some(15), key_update: true, client_messages: vec![], ..Default::default() };
    let t = sim::run(&opts);
    assert!(t.connections[0].closed_cleanly);
    let (c, s) = (secrets(&t, Side::Client), secrets(&t, Side::Server));
    for name in ["client_application_traffic_secret_1", "server_application_traffic_secret_1"] {
        assert!(c.contains_key(name), "{name} missing");
        assert_eq!(c.get(name), s.get(name));
    }
    // The close_notify records are protected with generation 1.
    let last_protected = t
        .events
        .iter()
        .rev()
        .find_map(|e| match e.event()? {
            Event::RecordSent { protection: Some(p), .. } => Some(p.secret),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_protected, Secret::ServerApplicationTraffic(1));
}

#[test]
fn handshake_messages_split_across_records_at_random_points_still_complete() {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    for seed in 0..20 {
        let max_fragment = 1 + (rng.next_u32() as usize % 100);
        let t = sim::run(&Options { seed: Some(seed), max_fragment, ..Default::default() });
        assert!(t.connections[0].handshake_complete && t.connections[0].closed_cleanly, "max_fragment {max_fragment}");
        let cert_records =
            t.events.iter().filter(|e| e.side == Side::Server && matches!(e.event(), Some(Event::RecordSent { .. }))).count();
        assert!(cert_records > 10, "max_fragment {max_fragment} gave only {cert_records} server records");
    }
}

#[test]
fn a_plaintext_client_hello_cut_at_random_points_by_the_network_still_completes() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for round in 0..20 {
        let (mut c, mut s) = pair(round);
        c.start();
        let ch = c.common.take_output();
        // Re-frame the ClientHello's body into records of random sizes, as a middlebox may.
        let body = &ch[5..];
        let mut at = 0;
        let mut reframed = Vec::new();
        while at < body.len() {
            let n = (1 + rng.next_u32() as usize % 40).min(body.len() - at);
            reframed.extend(tlsviz::tls::record::plaintext_record(tlsviz::tls::enums::ContentType::handshake, &body[at..at + n]));
            at += n;
        }
        // Deliver the bytes themselves in random-sized chunks too.
        let mut at = 0;
        while at < reframed.len() {
            let n = (1 + rng.next_u32() as usize % 17).min(reframed.len() - at);
            s.receive(&reframed[at..at + n]);
            at += n;
        }
        loop {
            let a = s.common.take_output();
            let b = c.common.take_output();
            if a.is_empty() && b.is_empty() {
                break;
            }
            c.receive(&a);
            s.receive(&b);
        }
        assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected), "round {round}");
    }
}

#[test]
fn the_server_coalesces_its_encrypted_flight_into_one_record() {
    let f = server_flight(3);
    // ServerHello, change_cipher_spec, then one record holding EE, Certificate, CV and Finished.
    assert_eq!(f.records.len(), 3);
    let content = &f.protections[0].inner_plaintext.0;
    let names: Vec<u8> = messages(&content[..content.len() - 1]).iter().map(|m| m[0]).collect();
    assert_eq!(names, vec![8, 11, 15, 20]);
}

#[test]
fn key_update_requested_by_the_server_is_answered() {
    let (mut c, mut s) = pair_with(21, true, RecordOptions::default());
    c.start();
    for _ in 0..5 {
        s.receive(&c.common.take_output());
        c.receive(&s.common.take_output());
    }
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    s.key_update(KeyUpdateRequest::update_requested).unwrap();
    c.receive(&s.common.take_output());
    s.receive(&c.common.take_output());
    c.send(b"after update").unwrap();
    let got = s.receive(&c.common.take_output());
    assert_eq!(got, vec![b"after update".to_vec()]);
}

#[test]
fn the_trace_records_what_the_page_needs() {
    let t = sim::run(&Options { seed: Some(1), ..Default::default() });
    let has = |f: &dyn Fn(&Event) -> bool| t.events.iter().filter_map(|e| e.event()).any(f);
    // Records on the wire with raw bytes and field trees; protected ones with every detail.
    assert!(has(&|e| matches!(e, Event::RecordSent { fields, protection: None, .. } if !fields.is_empty())));
    assert!(has(&|e| matches!(e, Event::RecordSent { protection: Some(p), .. }
        if p.key.0.len() == 16 && p.iv.0.len() == 12 && p.nonce.0.len() == 12 && p.additional_data.0.len() == 5 && p.tag.0.len() == 16 && !p.inner_fields.is_empty())));
    // Derivations carry their inputs.
    let hellos = [(HandshakeType::client_hello, Endpoint::Client), (HandshakeType::server_hello, Endpoint::Server)]
        .map(|(typ, from)| Covered { message: Message::new(typ), sender: Some(from) })
        .to_vec();
    assert!(has(
        &|e| matches!(e, Event::Derived(Derivation { output: Output::Secret(Secret::ClientHandshakeTraffic), hkdf: Hkdf::DeriveSecret { label, transcript_hash, messages, secret: Secret::HandshakeSecret }, .. })
        if label == "c hs traffic" && transcript_hash.0.len() == 32 && *messages == hellos)
    ));
    assert!(has(&|e| matches!(e, Event::KeyPair { private_key, public_key, .. } if private_key.0.len() == 32 && public_key.0.len() == 65)));
    assert!(has(&|e| matches!(e, Event::Certificate { info } if info.dns_names == vec!["example.com".to_string()])));
    let checks: Vec<String> = t
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::Check(c) if c.ok => serde_json::to_value(c).ok()?.get("check")?.as_str().map(String::from),
            _ => None,
        })
        .collect();
    // ALPN: the server picks http/1.1 from the client's offer, the client checks it offered it.
    // The server sends its certificate and the intermediate: the path is checked link by link
    // (RFC 5280 §6.1), every certificate of it for validity, then the leaf's name and usage.
    assert_eq!(
        checks,
        [
            "application_protocol",
            "application_protocol_selected",
            "chain_length",
            "issuer_signature",
            "may_issue",
            "trust_anchor",
            "may_issue",
            "validity",
            "validity",
            "name",
            "usage",
            "certificate_verify",
            "finished",
            "finished"
        ]
    );
    let certificates = t.events.iter().filter(|e| matches!(e.event(), Some(Event::Certificate { .. }))).count();
    assert_eq!(certificates, 2, "the leaf and the intermediate");
    assert!(t.ca.is_some());
    // Every record carried is linked to the RecordSent it came from, and its arrival follows it.
    assert!(t.deliveries.len() >= 10);
    for d in &t.deliveries {
        assert!(matches!(t.events[d.sent].event(), Some(Event::RecordSent { .. })));
        assert!(d.sent < d.first && d.first <= d.end && d.end <= t.events.len());
        assert!(
            matches!(t.events.get(d.first).and_then(|e| e.event()), Some(Event::RecordReceived { .. })),
            "an arrival starts with the record received"
        );
    }
    assert_eq!(t.connections[0].keylog.len(), 5);
    // And it round-trips through JSON.
    let back: sim::Trace = serde_json::from_str(&t.to_json()).unwrap();
    assert_eq!(back.to_json(), t.to_json());
}

#[test]
fn every_record_annotation_covers_its_bytes_without_gaps() {
    let t = sim::run(&Options { seed: Some(2), ..Default::default() });
    let mut n = 0;
    for e in &t.events {
        if let Some(Event::RecordSent { bytes, fields, .. }) = e.event() {
            let mut at = 0;
            for leaf in fields[0].leaves() {
                assert_eq!(leaf.start, at, "gap before {} in record {}", leaf.name, e.index);
                at += leaf.len;
            }
            assert_eq!(at, bytes.0.len());
            n += 1;
        }
    }
    assert!(n > 10);
}

#[test]
fn padded_records_hide_their_length_and_still_decrypt() {
    let (mut c, mut s) = pair_with(23, true, RecordOptions { padding: 13, ..Default::default() });
    c.start();
    for _ in 0..5 {
        s.receive(&c.common.take_output());
        c.receive(&s.common.take_output());
    }
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let _ = c.common.take_events();
    c.send(b"hi").unwrap();
    let sent = c.common.take_events();
    let p = sent
        .iter()
        .find_map(|e| match e {
            Event::RecordSent { protection: Some(p), .. } => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    // content (2) + content type (1) + zeros (13), then the 16-byte tag, behind a 5-byte header.
    assert_eq!(p.padding, 13);
    assert_eq!(p.inner_plaintext.0, [b'h', b'i', 23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(s.receive(&c.common.take_output()), vec![b"hi".to_vec()]);
}

/// The key schedule is a tree rooted at early_secret: every derivation names, as what it came
/// from, a value the same side derived before it (the page draws it from exactly this).
#[test]
fn every_derivation_comes_from_one_derived_before_it_on_the_same_side() {
    let t = sim::run(&Options { seed: Some(9), ..Default::default() });
    for side in [Side::Client, Side::Server] {
        let mut before: Vec<Output> = Vec::new();
        for e in t.events.iter().filter(|e| e.side == side) {
            let Some(Event::Derived(d)) = e.event() else { continue };
            match d.parent() {
                None => assert_eq!(d.output, Output::Secret(Secret::EarlySecret), "{side:?}: only the first extract has no parent"),
                Some(p) => assert!(before.contains(&Output::Secret(p)), "{side:?}: {} comes from {p}, not derived before it", d.output),
            }
            before.push(d.output);
        }
        for expected in [
            Output::Secret(Secret::EarlySecret),
            Output::Secret(Secret::HandshakeSecret),
            Output::Secret(Secret::MasterSecret),
            Output::Iv(Secret::ClientApplicationTraffic(0)),
        ] {
            assert!(before.contains(&expected), "{side:?} never derived {expected}");
        }
    }
    // The three extracts: zeros and zeros, then the "derived" salts with the shared secret and zeros.
    let extracts: Vec<(KeyInput, KeyInput)> = t
        .events
        .iter()
        .filter(|e| e.side == Side::Client)
        .filter_map(|e| match e.event()? {
            Event::Derived(Derivation { hkdf: Hkdf::Extract { salt, ikm }, .. }) => Some((*salt, *ikm)),
            _ => None,
        })
        .collect();
    assert_eq!(
        extracts,
        [
            (KeyInput::Zeros, KeyInput::Zeros),
            (KeyInput::Secret(Secret::DerivedFromEarly), KeyInput::SharedSecret),
            (KeyInput::Secret(Secret::DerivedFromHandshake), KeyInput::Zeros)
        ]
    );
}

/// Forward secrecy in the trace: each side erases its ephemeral private key as the very next
/// thing after computing the shared secret, once per key pair it made.
#[test]
fn each_side_erases_its_ephemeral_private_key_right_after_the_shared_secret() {
    for scenario in [Scenario::Normal, Scenario::HelloRetry] {
        let t = sim::run(&Options { seed: Some(21), scenario: scenario.clone(), ..Default::default() });
        for side in [Side::Client, Side::Server] {
            let mine: Vec<&Event> = t.events.iter().filter(|e| e.side == side).filter_map(|e| e.event()).collect();
            let pairs = mine.iter().filter(|e| matches!(e, Event::KeyPair { .. })).count();
            let erased: Vec<usize> =
                mine.iter().enumerate().filter(|(_, e)| matches!(e, Event::EphemeralKeyErased { .. })).map(|(i, _)| i).collect();
            assert_eq!((pairs, erased.len()), (1, 1), "{scenario:?} {side:?}");
            assert!(matches!(mine[erased[0] - 1], Event::SharedSecret { .. }), "{scenario:?} {side:?}: not right after the shared secret");
        }
    }
}

/// The groups each side's events name: the key pairs it made, the group it chose or was asked for.
#[cfg(feature = "x25519")]
fn groups_used(events: &[Event]) -> (Vec<tlsviz::tls::enums::NamedGroup>, Option<tlsviz::tls::enums::NamedGroup>) {
    let pairs = events.iter().filter_map(|e| if let Event::KeyPair { group, .. } = e { Some(*group) } else { None }).collect();
    let retry = events.iter().find_map(|e| if let Event::HelloRetry { group } = e { Some(*group) } else { None });
    (pairs, retry)
}

/// RFC 8446 §4.2.8 and §4.1.4 with two groups: a key share the server accepts is used as it is;
/// one it does not accept gets a HelloRetryRequest for the server's first choice the client
/// listed, and the second ClientHello's share for it completes the handshake.
#[cfg(feature = "x25519")]
#[test]
fn two_groups_a_share_for_the_right_one_or_a_retry_for_it() {
    use tlsviz::tls::enums::NamedGroup;
    let (secp256r1, x25519) = (NamedGroup::secp256r1, NamedGroup::x25519);
    for (client_groups, server_groups, pairs, retry) in [
        // The client's X25519 share, which the server accepts though it prefers P-256.
        (vec![x25519, secp256r1], vec![secp256r1, x25519], vec![x25519], None),
        // A P-256 share to a server that speaks only X25519: a retry for X25519.
        (vec![secp256r1, x25519], vec![x25519], vec![secp256r1, x25519], Some(x25519)),
        (vec![x25519, secp256r1], vec![secp256r1], vec![x25519, secp256r1], Some(secp256r1)),
    ] {
        let (mut cc, mut sc, _) = configs(21, true, RecordOptions::default());
        cc.groups = client_groups.clone();
        sc.groups = server_groups.clone();
        let mut c = tlsviz::tls::client::Client::new(cc, ChaCha20Rng::seed_from_u64(1));
        let mut s = tlsviz::tls::server::Server::new(sc, ChaCha20Rng::seed_from_u64(2));
        let (ce, se) = run_pair(&mut c, &mut s);
        assert_eq!(c.phase(), Phase::Connected, "{client_groups:?} to {server_groups:?}");
        assert_eq!(groups_used(&ce), (pairs.clone(), retry), "{client_groups:?} to {server_groups:?}");
        // The server made one key pair, for the group the client's last share was for.
        assert_eq!(groups_used(&se).0, vec![*pairs.last().unwrap()]);
        let secrets =
            |ev: &[Event]| ev.iter().find_map(|e| if let Event::SharedSecret { value, .. } = e { Some(value.clone()) } else { None });
        assert_eq!(secrets(&ce), secrets(&se));
    }
    // No group in common: handshake_failure from the server.
    let (mut cc, mut sc, _) = configs(21, true, RecordOptions::default());
    cc.groups = vec![secp256r1];
    sc.groups = vec![x25519];
    let mut c = tlsviz::tls::client::Client::new(cc, ChaCha20Rng::seed_from_u64(1));
    let mut s = tlsviz::tls::server::Server::new(sc, ChaCha20Rng::seed_from_u64(2));
    c.start();
    assert_eq!(alert_after(&mut s, &c.common.take_output(), false), tlsviz::tls::enums::AlertDescription::handshake_failure);
}

/// draft-ietf-tls-ecdhe-mlkem §4.1 between the engine's two sides, for each hybrid: the shares
/// and the shared secret have the draft's lengths and order (ML-KEM first for X25519MLKEM768, the
/// ECDH part first for SecP256r1MLKEM768), the trace names each part where it lies, the parts
/// put back together are the whole, and both sides hold the same ML-KEM and ECDH secrets.
#[cfg(feature = "mlkem")]
#[test]
fn each_hybrid_group_completes_with_the_drafts_layout_and_typed_parts() {
    use tlsviz::tls::enums::NamedGroup;
    use tlsviz::tls::events::{KeyPart, KeyPartKind as K};
    let (mlkem, x25519, p256) = (NamedGroup::MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1);
    // (group, ECDH share length, whether ML-KEM comes first)
    for (group, ecdh, ecdh_len, mlkem_first) in
        [(NamedGroup::X25519MLKEM768, x25519, 32, true), (NamedGroup::SecP256r1MLKEM768, p256, 65, false)]
    {
        let (mut cc, mut sc, _) = configs(31, true, RecordOptions::default());
        cc.groups = vec![group];
        sc.groups = vec![group];
        let mut c = tlsviz::tls::client::Client::new(cc, ChaCha20Rng::seed_from_u64(3));
        let mut s = tlsviz::tls::server::Server::new(sc, ChaCha20Rng::seed_from_u64(4));
        let (ce, se) = run_pair(&mut c, &mut s);
        assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected), "{group}");
        let layout = |kinds: [(NamedGroup, K, usize); 2]| -> Vec<(NamedGroup, K, usize, usize)> {
            let [m, e] = kinds;
            let ordered = if mlkem_first { [m, e] } else { [e, m] };
            let mut offset = 0;
            ordered
                .iter()
                .map(|&(g, k, len)| {
                    offset += len;
                    (g, k, offset - len, len)
                })
                .collect()
        };
        let shape = |parts: &[KeyPart]| parts.iter().map(|p| (p.component, p.kind, p.offset, p.value.0.len())).collect::<Vec<_>>();
        let joined = |parts: &[KeyPart]| parts.iter().flat_map(|p| p.value.0.clone()).collect::<Vec<u8>>();
        let key_pair = |ev: &[Event]| {
            ev.iter()
                .find_map(|e| match e {
                    Event::KeyPair { group: g, private_key, public_key, private_parts, public_parts } if *g == group => {
                        Some((private_key.0.clone(), public_key.0.clone(), private_parts.clone(), public_parts.clone()))
                    }
                    _ => None,
                })
                .unwrap()
        };
        // The client's share: the encapsulation key (1184 bytes) and its ECDH public key.
        let (c_private, c_public, c_private_parts, c_public_parts) = key_pair(&ce);
        assert_eq!(c_public.len(), 1184 + ecdh_len);
        assert_eq!(shape(&c_public_parts), layout([(mlkem, K::EncapsulationKey, 1184), (ecdh, K::PublicKey, ecdh_len)]));
        assert_eq!(joined(&c_public_parts), c_public);
        let ecdh_private_len = 32;
        assert_eq!(shape(&c_private_parts), layout([(mlkem, K::DecapsulationKeySeed, 64), (ecdh, K::PrivateKey, ecdh_private_len)]));
        assert_eq!(joined(&c_private_parts), c_private);
        // The server's share: the ciphertext (1088 bytes) and its ECDH public key.
        let (s_private, s_public, s_private_parts, s_public_parts) = key_pair(&se);
        assert_eq!(s_public.len(), 1088 + ecdh_len);
        assert_eq!(shape(&s_public_parts), layout([(mlkem, K::Ciphertext, 1088), (ecdh, K::PublicKey, ecdh_len)]));
        assert_eq!(joined(&s_public_parts), s_public);
        assert_eq!(shape(&s_private_parts), layout([(mlkem, K::EncapsulationRandomness, 32), (ecdh, K::PrivateKey, ecdh_private_len)]));
        assert_eq!(joined(&s_private_parts), s_private);
        // What each side received is what the other sent, with the same parts.
        let peer = |ev: &[Event]| {
            ev.iter()
                .find_map(|e| {
                    if let Event::PeerPublicKey { public_key, parts, .. } = e {
                        Some((public_key.0.clone(), parts.clone()))
                    } else {
                        None
                    }
                })
                .unwrap()
        };
        assert_eq!(peer(&se), (c_public.clone(), c_public_parts.clone()));
        assert_eq!(peer(&ce), (s_public.clone(), s_public_parts.clone()));
        // The shared secret: 32 bytes of ML-KEM and 32 of ECDH, in the group's order, the same on
        // both sides part by part (decapsulation gives the client the key encapsulation gave the
        // server).
        let shared = |ev: &[Event]| {
            ev.iter()
                .find_map(|e| if let Event::SharedSecret { value, parts, .. } = e { Some((value.0.clone(), parts.clone())) } else { None })
                .unwrap()
        };
        let ((cs, cparts), (ss, sparts)) = (shared(&ce), shared(&se));
        assert_eq!(cs.len(), 64);
        assert_eq!(shape(&cparts), layout([(mlkem, K::SharedSecret, 32), (ecdh, K::SharedSecret, 32)]));
        assert_eq!(joined(&cparts), cs);
        assert_eq!((cs, cparts), (ss, sparts));
        // The ECDH half checked with RFC 7748's function (X25519 only: P-256 has no such helper
        // here), from the client's private part and the server's public part.
        if ecdh == x25519 {
            let part = |parts: &[KeyPart], kind: K| parts.iter().find(|p| p.component == ecdh && p.kind == kind).unwrap().value.0.clone();
            let k: [u8; 32] = part(&c_private_parts, K::PrivateKey).try_into().unwrap();
            let u: [u8; 32] = part(&s_public_parts, K::PublicKey).try_into().unwrap();
            assert_eq!(tlsviz::tls::kx::x25519(k, u).to_vec(), part(&shared(&ce).1, K::SharedSecret));
        }
        // Each side erased its ephemeral keys.
        for ev in [&ce, &se] {
            assert!(ev.iter().any(|e| matches!(e, Event::EphemeralKeyErased { group: g } if *g == group)));
        }
    }
}

/// RFC 8446 §4.2.8 with two key shares, as browsers send (X25519MLKEM768 and x25519): a server
/// that takes either uses it without a HelloRetryRequest, the client erases the key the server
/// passed over; a server that takes neither asks for its own choice, and the second ClientHello
/// carries one share, for that group.
#[cfg(feature = "mlkem")]
#[test]
fn two_key_shares_the_server_uses_the_one_it_prefers_or_asks_for_another() {
    use tlsviz::tls::enums::NamedGroup;
    let (hybrid, x25519, p256) = (NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1);
    for (server_groups, chosen, retry) in [
        (vec![hybrid, x25519], hybrid, None),
        (vec![x25519, hybrid], x25519, None),
        (vec![x25519], x25519, None),
        (vec![p256, hybrid], hybrid, None),
        (vec![p256], p256, Some(p256)),
    ] {
        let (mut cc, mut sc, _) = configs(32, true, RecordOptions::default());
        cc.groups = vec![hybrid, x25519, p256];
        cc.key_shares = vec![hybrid, x25519];
        sc.groups = server_groups.clone();
        let mut c = tlsviz::tls::client::Client::new(cc, ChaCha20Rng::seed_from_u64(5));
        let mut s = tlsviz::tls::server::Server::new(sc, ChaCha20Rng::seed_from_u64(6));
        let (ce, se) = run_pair(&mut c, &mut s);
        assert_eq!(c.phase(), Phase::Connected, "{server_groups:?}");
        let offered: Vec<Vec<NamedGroup>> =
            ce.iter().filter_map(|e| if let Event::Offered { key_shares, .. } = e { Some(key_shares.clone()) } else { None }).collect();
        let mut want = vec![vec![hybrid, x25519]];
        want.extend(retry.map(|g| vec![g]));
        assert_eq!(offered, want, "{server_groups:?}");
        assert_eq!(groups_used(&ce).1, retry);
        let group_of = |ev: &[Event]| ev.iter().find_map(|e| if let Event::SharedSecret { group, .. } = e { Some(*group) } else { None });
        assert_eq!((group_of(&ce), group_of(&se)), (Some(chosen), Some(chosen)), "{server_groups:?}");
        // Every key the client made was erased: the used one after the shared secret, the others
        // once the ServerHello said they were not needed (or at the retry, when they were dropped).
        let made = groups_used(&ce).0;
        let erased: Vec<NamedGroup> =
            ce.iter().filter_map(|e| if let Event::EphemeralKeyErased { group } = e { Some(*group) } else { None }).collect();
        if retry.is_none() {
            assert_eq!(made.len(), erased.len(), "{server_groups:?}: {made:?} made, {erased:?} erased");
        }
        assert!(erased.contains(&chosen));
    }
}
