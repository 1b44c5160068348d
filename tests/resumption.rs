//! Resumption with tickets (RFC 8446 §2.2, §4.6.1, §4.2.11) and 0-RTT data (§2.3, §4.2.10, §8),
//! engine against engine: the second connection resumes without a certificate, early data is
//! read before the handshake ends, and a replayed first flight is refused by the single-use
//! ticket.

mod common;

use common::resume::*;
use tlsviz::tls::conn::Role;
use tlsviz::tls::enums::{ExtensionType, HandshakeType};
use tlsviz::tls::events::{Event, Hkdf, KeyInput, Output, Phase, Secret, TicketVerdict};
use tlsviz::tls::extensions::Extension;
use tlsviz::tls::handshake::Handshake;

fn derived(events: &[Event], s: Secret) -> Option<(Hkdf, Vec<u8>)> {
    events.iter().find_map(|e| match e {
        Event::Derived(d) if d.output == Output::Secret(s) => Some((d.hkdf.clone(), d.value.0.clone())),
        _ => None,
    })
}

fn client_hello_of(bytes: &[u8]) -> tlsviz::tls::handshake::ClientHello {
    match Handshake::decode(&bytes[5..5 + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]))]).0.unwrap() {
        Handshake::ClientHello(ch) => ch,
        _ => panic!("not a ClientHello"),
    }
}

#[test]
fn a_second_connection_resumes_with_the_ticket_and_no_certificate() {
    let k = keeper(0);
    let mut tickets = first_connection(1, &k);
    assert_eq!(tickets.len(), 1);
    let (mut c, mut s) = second_pair(1, &k, resumption(tickets.remove(0), None), 3_000);
    c.start();
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let (ce, se) = (c.common.take_events(), s.common.take_events());
    assert!(!sent(&se, HandshakeType::certificate) && !sent(&se, HandshakeType::certificate_verify), "a resumption sends no certificate");
    assert!(ce.iter().any(|e| matches!(e, Event::Resumed { identity: 0, .. })));
    // RFC 8446 §7.1: the early secret comes from the PSK, on both sides, and the secrets agree.
    for events in [&ce, &se] {
        let (hkdf, _) = derived(events, Secret::EarlySecret).unwrap();
        assert_eq!(hkdf, Hkdf::Extract { salt: KeyInput::Zeros, ikm: KeyInput::Psk });
        assert!(derived(events, Secret::BinderKey).is_some());
    }
    for secret in [Secret::EarlySecret, Secret::HandshakeSecret, Secret::MasterSecret, Secret::ClientApplicationTraffic(0)] {
        assert_eq!(derived(&ce, secret).unwrap().1, derived(&se, secret).unwrap().1, "{secret}");
    }
    assert!(se.iter().any(|e| matches!(e, Event::TicketChecked { verdict: TicketVerdict::Usable { .. }, .. })));
    // A new ticket for the next connection.
    assert_eq!(c.tickets.len(), 1);
}

#[test]
fn psk_ke_resumes_without_a_key_share_and_mixes_in_zeros() {
    let k = keeper(0);
    let ticket = first_connection(2, &k).remove(0);
    let (mut c, mut s) = second_pair(2, &k, tlsviz::tls::client::Resumption { ticket, psk_ke: true, early_data: None }, 1_000);
    c.start();
    let hello = c.common.take_output();
    let ch = client_hello_of(&hello);
    assert!(ch.extensions.iter().all(|e| e.typ() != ExtensionType::key_share && e.typ() != ExtensionType::supported_groups));
    s.receive(&hello);
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let se = s.common.take_events();
    let (hkdf, _) = derived(&se, Secret::HandshakeSecret).unwrap();
    assert_eq!(hkdf, Hkdf::Extract { salt: KeyInput::Secret(Secret::DerivedFromEarly), ikm: KeyInput::Zeros });
    assert!(!se.iter().any(|e| matches!(e, Event::SharedSecret { .. })), "no (EC)DHE in psk_ke");
}

#[test]
fn early_data_is_read_under_the_early_keys_before_the_handshake_ends() {
    let k = keeper(1024);
    let ticket = first_connection(3, &k).remove(0);
    assert_eq!(ticket.max_early_data, 1024);
    let (mut c, mut s) = second_pair(3, &k, resumption(ticket, Some("GET / HTTP/1.1\r\n\r\n")), 2_000);
    c.start();
    let first_flight = c.common.take_output();
    let data = s.receive(&first_flight);
    assert_eq!(data, vec![b"GET / HTTP/1.1\r\n\r\n".to_vec()], "the early data arrives with the first flight");
    assert_eq!(s.phase(), Phase::ExpectEndOfEarlyData);
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let (ce, se) = (c.common.take_events(), s.common.take_events());
    assert!(sent(&ce, HandshakeType::end_of_early_data));
    assert!(ce.iter().any(|e| matches!(e, Event::EarlyDataAccepted { .. })));
    assert_eq!(derived(&ce, Secret::ClientEarlyTraffic).unwrap().1, derived(&se, Secret::ClientEarlyTraffic).unwrap().1);
    // The client's early records were sealed under client_early_traffic_secret.
    let early_records =
        ce.iter().filter(|e| matches!(e, Event::RecordSent { protection: Some(p), .. } if p.secret == Secret::ClientEarlyTraffic)).count();
    assert_eq!(early_records, 2, "the data, then EndOfEarlyData");
}

#[test]
fn a_replayed_first_flight_gets_its_psk_refused_and_its_early_data_is_not_read_twice() {
    let k = keeper(1024);
    let ticket = first_connection(4, &k).remove(0);
    let (mut c, mut s) = second_pair(4, &k, resumption(ticket, Some("POST /pay?to=mallory")), 2_000);
    c.start();
    let first_flight = c.common.take_output();
    assert_eq!(s.receive(&first_flight).len(), 1);
    // The attacker sends the same bytes to the server again, as a new connection.
    let mut replayed = server_at(40, &k, 2_500);
    let data = replayed.receive(&first_flight);
    assert!(data.is_empty(), "the replayed early data must not be processed: {data:?}");
    let re = replayed.common.take_events();
    assert!(re.iter().any(|e| matches!(e, Event::TicketChecked { verdict: TicketVerdict::AlreadyUsed, .. })));
    assert!(sent(&re, HandshakeType::certificate), "a full handshake instead");
    assert!(!re.iter().any(|e| matches!(e, Event::AlertSent { .. })), "refusing a PSK is no error");
    assert_eq!(replayed.phase(), Phase::ExpectClientFinished);
}

#[test]
fn without_single_use_tickets_a_replay_is_processed_twice() {
    let k = keeper(1024);
    k.lock().unwrap().single_use = false;
    let ticket = first_connection(5, &k).remove(0);
    let (mut c, mut s) = second_pair(5, &k, resumption(ticket, Some("POST /pay")), 2_000);
    c.start();
    let first_flight = c.common.take_output();
    assert_eq!(s.receive(&first_flight).len(), 1);
    let mut replayed = server_at(50, &k, 2_500);
    assert_eq!(replayed.receive(&first_flight), vec![b"POST /pay".to_vec()], "RFC 8446 §8: what anti-replay prevents");
}

#[test]
fn a_ticket_from_another_server_gets_a_full_handshake() {
    let ticket = first_connection(6, &keeper(0)).remove(0);
    let other = std::sync::Arc::new(std::sync::Mutex::new(tlsviz::tls::ticket::TicketKeeper::new([7; 16], 7200, 0)));
    let (mut c, mut s) = second_pair(6, &other, resumption(ticket, Some("x")), 1_000);
    c.start();
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let (ce, se) = (c.common.take_events(), s.common.take_events());
    assert!(se.iter().any(|e| matches!(e, Event::TicketChecked { verdict: TicketVerdict::Unknown, .. })));
    assert!(ce.iter().any(|e| matches!(e, Event::ResumptionDeclined)));
    assert!(sent(&se, HandshakeType::certificate));
    // The client's early data was skipped, not read.
    assert!(!se.iter().any(|e| matches!(e, Event::AppDataReceived { .. })));
}

#[test]
fn the_client_offers_pre_shared_key_last_with_early_data_before_it() {
    let k = keeper(1024);
    let ticket = first_connection(7, &k).remove(0);
    let (mut c, _) = second_pair(7, &k, resumption(ticket, Some("hi")), 1_000);
    c.start();
    let ch = client_hello_of(&c.common.take_output());
    let types: Vec<_> = ch.extensions.iter().map(Extension::typ).collect();
    assert_eq!(types.last(), Some(&ExtensionType::pre_shared_key));
    assert_eq!(types[types.len() - 2], ExtensionType::early_data);
}
