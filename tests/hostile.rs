//! A hostile peer, one per kind of abuse: each ends with the alert RFC 8446 asks for (or is
//! ignored where the RFC says so), in bounded time, without a panic, in debug builds (overflow
//! checks on) and release builds (off) alike. Memory is measured in tests/memory.rs.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tlsviz::tls::codec::Writer;
use tlsviz::tls::conn::{Role, MAX_EMPTY_IN_A_ROW, MAX_KEY_UPDATES_IN_A_ROW};
use tlsviz::tls::enums::{AlertDescription as A, ContentType, ExtensionType, HandshakeType, NamedGroup};
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::extensions::{Extension, KeyShareEntry};
use tlsviz::tls::handshake::{ClientHello, Handshake};
use tlsviz::tls::record::plaintext_record;

/// What "bounded time" means here: far more than any of these takes, far less than forever.
const PATIENCE: Duration = Duration::from_secs(60);

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(started.elapsed() < PATIENCE, "{what} took {:?}", started.elapsed());
    out
}

fn hello() -> ClientHello {
    first_client_hello(3)
}

/// A handshake message of type `typ` with this body (its length from the body).
fn message(typ: HandshakeType, body: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(typ.0);
    w.vector(3, |w| w.bytes(body));
    w.buf
}

/// `msg` cut into plaintext handshake records.
fn handshake_records(msg: &[u8]) -> Vec<u8> {
    msg.chunks(1 << 14).flat_map(|c| plaintext_record(ContentType::handshake, c)).collect()
}

/// The client's alert when the server's encrypted flight has its messages replaced by `edit`,
/// sealed again in records of at most 2^14 bytes, as the server's keys would seal them.
fn flight_with(seed: u64, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> A {
    let f = server_flight(seed);
    let p = &f.protections[0];
    let content = &p.inner_plaintext.0[..p.inner_plaintext.0.len() - 1 - p.padding];
    let mut msgs = messages(content);
    edit(&mut msgs);
    let mut sealer = Sealer::continuing(p);
    let mut recs = vec![f.records[0].clone()];
    recs.extend(msgs.concat().chunks(1 << 14).map(|c| sealer.seal(ContentType::handshake, c)));
    client_alert(f, &recs, true)
}

/// A Certificate message with these entries' cert_data (and no extensions).
fn certificate_message(certs: &[Vec<u8>]) -> Vec<u8> {
    let entries = certs.iter().map(|c| tlsviz::tls::handshake::CertificateEntry { cert_data: c.clone(), extensions: vec![] }).collect();
    Handshake::Certificate { context: vec![], entries }.encode()
}

// ---- sizes ---------------------------------------------------------------------------------------

#[test]
fn a_client_hello_with_65535_extensions_is_refused_from_its_length() {
    // 65,535 empty extensions are 262,140 bytes: more than an extension block's 2-byte length
    // can say, and over the 64 KiB a handshake message may have. Refused from the header.
    let mut body = Vec::new();
    for i in 0..65_535u32 {
        body.extend_from_slice(&u16::try_from(i).unwrap().to_be_bytes());
        body.extend_from_slice(&[0, 0]);
    }
    let msg = message(HandshakeType::client_hello, &body);
    assert_eq!(timed("65535 extensions", || server_alert(&handshake_records(&msg))), A::decode_error);
}

#[test]
fn a_client_hello_with_as_many_extensions_as_fit_is_read_in_one_pass() {
    // Unknown extensions are ignored (RFC 8446 §4.2), thousands of them too: the server goes on.
    let mut ch = hello();
    let used: usize = ch
        .extensions
        .iter()
        .map(|e| {
            let mut w = Writer::new();
            e.encode(&mut w);
            w.buf.len()
        })
        .sum();
    // Room for as many as keep the whole message within 64 KiB.
    let room = ((1 << 16) - 200 - used) / 4;
    let known: Vec<u16> = ch.extensions.iter().map(|e| e.typ().0).collect();
    let extra: Vec<Extension> =
        (0x1000..=0xffffu16).filter(|t| !known.contains(t)).take(room).map(|t| Extension::Other(ExtensionType(t), vec![])).collect();
    assert!(extra.len() > 16_000, "{}", extra.len());
    ch.extensions.extend(extra);
    let (_, mut s) = pair(7);
    let msg = Handshake::ClientHello(ch).encode();
    assert!(msg.len() <= 4 + (1 << 16), "{}", msg.len());
    timed("16k extensions", || s.receive(&handshake_records(&msg)));
    assert_eq!(s.phase(), Phase::ExpectClientFinished, "{:?}", s.common.take_events().last());
    // The same number, one of them twice: illegal_parameter.
    let mut ch = hello();
    ch.extensions.extend((0x1000..0x3000u16).map(|t| Extension::Other(ExtensionType(t), vec![])));
    ch.extensions.push(Extension::Other(ExtensionType(0x2fff), vec![]));
    assert_eq!(
        timed("a duplicate among 8k", || server_alert(&handshake_records(&Handshake::ClientHello(ch).encode()))),
        A::illegal_parameter
    );
}

#[test]
fn a_chain_of_1000_certificates_is_refused() {
    let f = server_flight(31);
    let leaf = match Handshake::decode(&messages(&f.protections[0].inner_plaintext.0)[1]).0.unwrap() {
        Handshake::Certificate { entries, .. } => entries[0].cert_data.clone(),
        _ => unreachable!(),
    };
    // A thousand real certificates are over the 64 KiB a handshake message may have.
    let thousand = certificate_message(&vec![leaf.clone(); 1000]);
    assert!(thousand.len() > 1 << 16);
    assert_eq!(timed("1000 certificates", || flight_with(31, |m| m[1] = thousand)), A::decode_error);
    // A thousand tiny ones fit, and are more than a path may hold.
    let tiny = certificate_message(&vec![vec![0x30, 0x00]; 1000]);
    assert!(tiny.len() < 1 << 16);
    assert_eq!(timed("1000 tiny certificates", || flight_with(32, |m| m[1] = tiny)), A::bad_certificate);
    // Eleven copies of the real one: over the limit of ten.
    let eleven = certificate_message(&vec![leaf; 11]);
    assert_eq!(flight_with(33, |m| m[1] = eleven), A::bad_certificate);
}

#[test]
fn der_nested_10000_deep_is_bad_certificate_without_recursion() {
    // SEQUENCE { SEQUENCE { … 10,000 deep … } }, each level with a two-byte long-form length.
    let mut der: Vec<u8> = Vec::new();
    for _ in 0..10_000 {
        let len = der.len();
        let mut next = if len < 0x80 {
            vec![0x30, u8::try_from(len).unwrap()]
        } else if len < 0x100 {
            vec![0x30, 0x81, u8::try_from(len).unwrap()]
        } else if len < 0x10000 {
            vec![0x30, 0x82, u8::try_from(len >> 8).unwrap(), u8::try_from(len & 0xff).unwrap()]
        } else {
            break;
        };
        next.extend_from_slice(&der);
        der = next;
    }
    assert!(der.len() < 1 << 16);
    let msg = certificate_message(&[der.clone()]);
    assert_eq!(timed("nested DER", || flight_with(34, |m| m[1] = msg)), A::bad_certificate);
    assert!(tlsviz::tls::x509::parse::parse(&der).is_err());
    // The same depth with indefinite lengths (BER, not DER).
    let ber: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 10_000).flatten().chain(std::iter::repeat_n(0u8, 20_000)).collect();
    assert!(tlsviz::tls::x509::parse::parse(&ber).is_err());
}

#[test]
fn records_at_and_past_2_14_plus_256_bytes() {
    // Protected records may be 2^14 + 256 bytes: this one is, and does not authenticate.
    let f = server_flight(35);
    let mut big = vec![23, 3, 3, 0x41, 0x00];
    big.extend(vec![0x11; (1 << 14) + 256]);
    let recs = vec![f.records[0].clone(), big];
    assert_eq!(client_alert(f, &recs, true), A::bad_record_mac);
    // One byte more is record_overflow, from the header alone.
    let f = server_flight(36);
    let recs = vec![f.records[0].clone(), vec![23, 3, 3, 0x41, 0x01]];
    assert_eq!(client_alert(f, &recs, true), A::record_overflow);
    // A plaintext record of 2^14 + 256 bytes is over the plaintext limit of 2^14.
    let mut plain = vec![22, 3, 3, 0x41, 0x00];
    plain.extend(vec![0; (1 << 14) + 256]);
    assert_eq!(server_alert(&plain), A::record_overflow);
}

// ---- floods ---------------------------------------------------------------------------------------

#[test]
fn a_flood_of_key_updates_is_unexpected_message_after_32() {
    let (_c, mut s, mut sealer) = connected_with_sealer(37);
    let mut flood = Vec::new();
    for _ in 0..10_000 {
        flood.extend(sealer.seal(ContentType::handshake, &[24, 0, 0, 1, 1]));
        sealer.update();
    }
    let _ = s.common.take_output();
    let _ = s.common.take_events();
    timed("KeyUpdate flood", || s.receive(&flood));
    let events = s.common.take_events();
    let updates = events.iter().filter(|e| matches!(e, Event::HandshakeReceived { .. })).count();
    assert_eq!(updates, MAX_KEY_UPDATES_IN_A_ROW + 1, "the one over the limit is read, then refused");
    // Each asked for an answer; the server, silent meanwhile, answered once (RFC 8446 §4.6.3).
    let answers = events.iter().filter(|e| matches!(e, Event::HandshakeSent { .. })).count();
    assert_eq!(answers, 1);
    let alerts: Vec<A> =
        events.iter().filter_map(|e| if let Event::AlertSent { description, .. } = e { Some(*description) } else { None }).collect();
    assert_eq!(alerts, [A::unexpected_message]);
    assert_eq!(s.phase(), Phase::Failed);
}

#[test]
fn key_updates_with_application_data_between_them_go_on() {
    let (_c, mut s, mut sealer) = connected_with_sealer(38);
    for i in 0..3 * MAX_KEY_UPDATES_IN_A_ROW {
        let mut bytes = sealer.seal(ContentType::handshake, &[24, 0, 0, 1, 0]);
        sealer.update();
        bytes.extend(sealer.seal(ContentType::application_data, b"x"));
        assert_eq!(s.receive(&bytes), vec![b"x".to_vec()], "round {i}");
    }
    assert_eq!(s.phase(), Phase::Connected);
}

#[test]
fn floods_of_warnings_empty_records_and_change_cipher_spec_end_after_32() {
    for (what, typ, content) in [("user_canceled", ContentType::alert, &[1u8, 90][..]), ("empty data", ContentType::application_data, &[])]
    {
        let (_c, mut s, mut sealer) = connected_with_sealer(39);
        let flood: Vec<u8> = (0..10_000).flat_map(|_| sealer.seal(typ, content)).collect();
        assert_eq!(timed(what, || alert_after(&mut s, &flood, true)), A::unexpected_message, "{what}");
    }
    // Up to the limit they are dropped, and the connection goes on.
    let (_c, mut s, mut sealer) = connected_with_sealer(40);
    let mut ok: Vec<u8> = (0..MAX_EMPTY_IN_A_ROW).flat_map(|_| sealer.seal(ContentType::application_data, &[])).collect();
    ok.extend(sealer.seal(ContentType::application_data, b"data"));
    assert_eq!(s.receive(&ok).last(), Some(&b"data".to_vec()));
    assert_eq!(s.phase(), Phase::Connected);
    // change_cipher_spec before Finished.
    let (mut c, mut s) = pair(41);
    c.start();
    s.receive(&c.common.take_output());
    let ccs: Vec<u8> = std::iter::repeat_n([20u8, 3, 3, 0, 1, 1], 10_000).flatten().collect();
    assert_eq!(timed("CCS flood", || alert_after(&mut s, &ccs, true)), A::unexpected_message);
}

#[test]
fn a_fatal_alert_ends_the_connection_and_nothing_answers_it() {
    // RFC 8446 §6.2: the receiver of a fatal alert closes; it sends no alert of its own.
    let (_c, mut s, mut sealer) = connected_with_sealer(42);
    let flood: Vec<u8> = (0..10_000).flat_map(|_| sealer.seal(ContentType::alert, &[2, 40])).collect();
    let _ = s.common.take_output();
    s.receive(&flood);
    let events = s.common.take_events();
    assert_eq!(s.phase(), Phase::Failed);
    assert_eq!(events.iter().filter(|e| matches!(e, Event::AlertReceived { .. })).count(), 1, "only the first is read");
    assert!(!events.iter().any(|e| matches!(e, Event::AlertSent { .. })));
    assert!(s.common.take_output().is_empty());
}

// ---- hellos out of place ------------------------------------------------------------------------------

#[test]
fn a_second_and_a_third_client_hello_are_unexpected_message() {
    let (mut c, mut s) = pair(43);
    c.start();
    let ch = c.common.take_output();
    s.receive(&ch);
    // After the server's flight its read keys are the client's handshake keys: a plaintext
    // ClientHello is out of place twice over.
    assert_eq!(alert_after(&mut s, &ch, true), A::unexpected_message);
    // After HelloRetryRequest and the second ClientHello, a third one.
    let (mut c, mut s) = pair_with(44, false, Default::default());
    c.start();
    s.receive(&c.common.take_output());
    c.receive(&s.common.take_output());
    let second = c.common.take_output();
    s.receive(&second);
    assert_eq!(s.phase(), Phase::ExpectClientFinished);
    assert_eq!(alert_after(&mut s, &second, true), A::unexpected_message);
}

#[test]
fn hello_retry_request_twice_is_unexpected_message() {
    let (mut c, mut s) = pair_with(45, false, Default::default());
    c.start();
    s.receive(&c.common.take_output());
    let hrr = records(&s.common.take_output())[0].clone();
    c.receive(&hrr);
    assert_eq!(alert_after(&mut c, &hrr, false), A::unexpected_message);
}

#[test]
fn a_second_client_hello_without_a_key_share_is_illegal_parameter() {
    let first = {
        let mut ch = hello();
        for e in ch.extensions.iter_mut() {
            if let Extension::KeyShareOffered(s) = e {
                s.clear();
            }
        }
        ch
    };
    let (_, mut s) = pair(46);
    s.receive(&hello_record(first.clone()));
    assert_eq!(s.phase(), Phase::ExpectClientHello, "a HelloRetryRequest went out");
    assert_eq!(alert_after(&mut s, &hello_record(first.clone()), false), A::illegal_parameter);
    // A share for a group the server did not ask for does no better.
    let mut other = first;
    for e in other.extensions.iter_mut() {
        match e {
            Extension::KeyShareOffered(s) => *s = vec![KeyShareEntry { group: NamedGroup::x25519, key_exchange: vec![9; 32] }],
            Extension::SupportedGroups(g) => g.push(NamedGroup::x25519),
            _ => {}
        }
    }
    let (_, mut s) = pair(47);
    let mut first = other.clone();
    for e in first.extensions.iter_mut() {
        if let Extension::KeyShareOffered(s) = e {
            s.clear();
        }
    }
    s.receive(&hello_record(first));
    assert_eq!(alert_after(&mut s, &hello_record(other), false), A::illegal_parameter);
}

#[test]
fn renegotiation_is_unexpected_message() {
    // A ClientHello after the handshake, protected as the client's records are.
    let (_c, mut s, mut sealer) = connected_with_sealer(48);
    let ch = Handshake::ClientHello(hello()).encode();
    assert_eq!(alert_after(&mut s, &sealer.seal(ContentType::handshake, &ch), true), A::unexpected_message);
    // The same in plaintext.
    let (_c, mut s) = connected(49);
    assert_eq!(alert_after(&mut s, &hello_record(hello()), true), A::unexpected_message);
    // TLS 1.2's HelloRequest (type 0) and a ServerHello to a connected client.
    for typ in [0u8, 2] {
        let f = server_flight(50);
        let mut c = f.client;
        for r in &f.records {
            c.receive(r);
        }
        assert_eq!(c.phase(), Phase::Connected);
        // The client reads with the server's application keys: use the server's own writer.
        let mut server = f.server;
        let _ = server.common.take_events();
        server.receive(&c.common.take_output());
        // HelloRequest has an empty body; the ServerHello is the one of this very handshake.
        let msg = if typ == 0 { vec![0, 0, 0, 0] } else { f.records[0][5..].to_vec() };
        let _ = (server.common.take_output(), c.common.take_events());
        let sealed = sealed_by_server(&mut server, &msg);
        assert_eq!(alert_after(&mut c, &sealed, true), A::unexpected_message, "type {typ}");
    }
}

/// A handshake message sealed under the server's current write keys, as its next record.
fn sealed_by_server(server: &mut tlsviz::tls::server::Server, msg: &[u8]) -> Vec<u8> {
    // The server's KeyUpdate machinery writes a handshake record; replace its content.
    server.key_update(tlsviz::tls::enums::KeyUpdateRequest::update_not_requested).unwrap();
    let events = server.common.take_events();
    let p = events
        .iter()
        .find_map(|e| match e {
            Event::RecordSent { protection: Some(p), .. } => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let _ = server.common.take_output();
    reseal(&p, |inner| {
        let mut v = msg.to_vec();
        v.push(ContentType::handshake.0);
        *inner = v;
    })
}

// ---- zero-length records --------------------------------------------------------------------------------

#[test]
fn zero_length_records_of_every_type_before_encryption() {
    for typ in [0u8, 20, 21, 22, 23, 24, 99, 255] {
        let alert = server_alert(&[typ, 3, 3, 0, 0]);
        assert_eq!(alert, A::unexpected_message, "type {typ}");
    }
}

#[test]
fn zero_length_records_of_every_type_after_encryption() {
    // On the wire: an empty protected record cannot authenticate; a plaintext record of any
    // other type is out of place once records are protected.
    let (_c, mut s) = connected(51);
    assert_eq!(alert_after(&mut s, &[23, 3, 3, 0, 0], true), A::bad_record_mac);
    for typ in [0u8, 20, 21, 22, 24, 99] {
        let (_c, mut s) = connected(52);
        assert_eq!(alert_after(&mut s, &[typ, 3, 3, 0, 0], true), A::unexpected_message, "plaintext type {typ}");
    }
    // Inside the encryption: an empty handshake, alert or change_cipher_spec record, or one of
    // an unknown type, is unexpected_message; empty application data is allowed (RFC 8446 §5.4).
    for typ in [ContentType::handshake, ContentType::alert, ContentType::change_cipher_spec, ContentType(99)] {
        let (_c, mut s, mut sealer) = connected_with_sealer(53);
        assert_eq!(alert_after(&mut s, &sealer.seal(typ, &[]), true), A::unexpected_message, "inner type {typ}");
    }
    let (_c, mut s, mut sealer) = connected_with_sealer(54);
    assert_eq!(s.receive(&sealer.seal(ContentType::application_data, &[])), Vec::<Vec<u8>>::new());
    assert_eq!(s.phase(), Phase::Connected);
    // During the handshake, even empty application data is too early.
    let f = server_flight(55);
    let p = f.protections[0].clone();
    let rec = reseal(&p, |inner| *inner = vec![ContentType::application_data.0]);
    let recs = vec![f.records[0].clone(), rec];
    assert_eq!(client_alert(f, &recs, true), A::unexpected_message);
}

// ---- the cases of the other rules, as a hostile peer would send them ---------------------------------------

#[test]
fn a_4_mb_handshake_message_where_none_is_expected_is_decode_error() {
    let mut msg = vec![HandshakeType::certificate.0, 0x40, 0, 0];
    msg.resize(4 + (4 << 20), 0);
    assert_eq!(timed("4 MB message", || server_alert(&handshake_records(&msg))), A::decode_error);
}

#[test]
fn megabytes_after_close_notify_are_ignored() {
    let (mut c, mut s) = connected(56);
    c.close();
    let mut bytes = c.common.take_output();
    bytes.extend(std::iter::repeat_n([23u8, 3, 3, 0, 20].iter().copied().chain([0u8; 20]), 100_000).flatten());
    let _ = s.common.take_events();
    timed("after close", || s.receive(&bytes));
    let events = s.common.take_events();
    assert!(matches!(events.last(), Some(Event::IgnoredAfterClose { records: 100_000, bytes: 2_500_000 })), "{:?}", events.last());
    assert!(!events.iter().any(|e| matches!(e, Event::AlertSent { .. })));
}

#[test]
fn early_data_past_the_limit_is_unexpected_message() {
    let mut ch = hello();
    ch.extensions.push(Extension::Other(ExtensionType::early_data, vec![]));
    let (_, mut s) = pair(57);
    s.receive(&hello_record(ch));
    let fake: Vec<u8> = std::iter::repeat_n([23u8, 3, 3, 0, 100].iter().copied().chain([7u8; 100]), 1000).flatten().collect();
    assert_eq!(timed("early data", || alert_after(&mut s, &fake, true)), A::unexpected_message);
}

#[test]
fn every_truncation_of_the_server_flight_is_an_error_or_a_wait_never_a_panic() {
    let f = server_flight(58);
    let all = f.records.concat();
    for n in (0..all.len()).step_by(7) {
        let f = server_flight(58);
        let mut c = f.client;
        c.receive(&all[..n]);
        assert!(matches!(c.phase(), Phase::ExpectServerHello | Phase::ExpectEncryptedExtensions | Phase::Failed), "{n}: {:?}", c.phase());
        c.end_of_input();
        assert_eq!(c.phase(), Phase::Failed, "{n}");
    }
}
