//! Cipher suites (RFC 8446 §B.4, §4.1.1), engine against engine: each suite's handshake with the
//! lengths RFC 8446 fixes for it, the server's choice by its own preference, a HelloRetryRequest
//! that keeps the suite, and resumption and 0-RTT across suites (§4.2.10, §4.2.11).

mod common;

use common::resume::*;
use common::{alert_after, pair_with_suites, records, server_hello_of, sh_record};
use std::sync::{Arc, Mutex};
use tlsviz::tls::client::{Client, StoredTicket};
use tlsviz::tls::conn::Role;
use tlsviz::tls::crypto::HashAlgorithm;
use tlsviz::tls::enums::{AlertDescription, CipherSuite, ExtensionType, HandshakeType};
use tlsviz::tls::events::{EarlyDataRefusal, Event, Output, Phase, Secret, TicketVerdict};
use tlsviz::tls::handshake::Handshake;
use tlsviz::tls::server::Server;
use tlsviz::tls::suite::{self, SUPPORTED};
use tlsviz::tls::ticket::TicketKeeper;

/// What RFC 8446 fixes for each suite: Hash.length (§7.1: every secret, Finished's verify_data,
/// a binder) and the AEAD's key_length (RFC 5116 §5.1, §5.2; RFC 8439 §2.8); iv_length is 12
/// for all (§5.3).
fn lengths(s: CipherSuite) -> (usize, usize) {
    match s {
        CipherSuite::TLS_AES_128_GCM_SHA256 => (32, 16),
        CipherSuite::TLS_AES_256_GCM_SHA384 => (48, 32),
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => (32, 32),
        other => panic!("no lengths for {other}"),
    }
}

fn connect(c: &mut Client, s: &mut Server) -> (Vec<Event>, Vec<Event>) {
    c.start();
    drive(c, s);
    let (ce, se) = (c.common.take_events(), s.common.take_events());
    let why: Vec<&Event> = ce.iter().chain(&se).filter(|e| matches!(e, Event::Error { .. } | Event::Check(_))).collect();
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected), "{why:#?}");
    (ce, se)
}

#[test]
fn every_suite_completes_with_the_lengths_rfc_8446_gives_it() {
    for &mine in SUPPORTED {
        let (hash_len, key_len) = lengths(mine.wire);
        let (mut c, mut s) = pair_with_suites(70, true, &[mine.wire], &[mine.wire]);
        let (ce, se) = connect(&mut c, &mut s);
        assert_eq!((c.suite, s.suite), (Some(mine.wire), Some(mine.wire)));
        for events in [&ce, &se] {
            let finished: Vec<usize> = events
                .iter()
                .filter_map(|e| match e {
                    Event::FinishedComputed { verify_data } => Some(verify_data.0.len()),
                    _ => None,
                })
                .collect();
            assert_eq!(finished, vec![hash_len], "{}: verify_data is Hash.length", mine.wire);
            for e in events {
                match e {
                    Event::Derived(d) => {
                        assert_eq!(d.hash, mine.hash, "{}", mine.wire);
                        let want = match d.output {
                            Output::Secret(_) | Output::FinishedKey(_) => hash_len,
                            Output::Key(_) => key_len,
                            Output::Iv(_) => 12,
                        };
                        assert_eq!(d.value.0.len(), want, "{}: {:?}", mine.wire, d.output);
                    }
                    Event::KeysInstalled { key, iv, .. } => assert_eq!((key.0.len(), iv.0.len()), (key_len, 12), "{}", mine.wire),
                    Event::RecordSent { protection: Some(p), .. } | Event::RecordReceived { protection: Some(p), .. } => {
                        assert_eq!(p.suite, mine.wire);
                        assert_eq!(p.tag.0.len(), 16);
                    }
                    _ => {}
                }
            }
        }
        // Application data both ways under the suite's keys.
        c.common.send_app_data(b"ping").unwrap();
        drive(&mut c, &mut s);
        assert!(s.common.take_events().iter().any(|e| matches!(e, Event::AppDataReceived { data } if data.0 == b"ping")), "{}", mine.wire);
    }
}

/// RFC 8446 §4.1.1: the server picks by its own order among the suites the client offers.
#[test]
fn the_server_picks_its_own_most_preferred_suite_among_those_offered() {
    let client: Vec<CipherSuite> = suite::all();
    let mut server = client.clone();
    server.reverse();
    server.push(CipherSuite(0x1304));
    server.rotate_right(1);
    let (mut c, mut s) = pair_with_suites(71, true, &client, &server);
    let (ce, se) = connect(&mut c, &mut s);
    let expected = *server.iter().find(|x| suite::supports(**x)).unwrap();
    assert_eq!(s.suite, Some(expected));
    assert_eq!(c.suite, Some(expected));
    assert!(se.iter().any(|e| matches!(e, Event::Chose { suite, .. } if *suite == expected)));
    assert!(ce.iter().any(|e| matches!(e, Event::Offered { suites, .. } if *suites == client)), "the client offers its list in order");
}

/// RFC 8446 §4.1.4, §4.4.1: after a HelloRetryRequest the suite stays, and ClientHello1 becomes
/// message_hash of Hash.length bytes, with each suite's hash.
#[test]
fn a_hello_retry_request_keeps_the_suite_and_hashes_with_it() {
    for &mine in SUPPORTED {
        let (mut c, mut s) = pair_with_suites(72, false, &suite::all(), &[mine.wire]);
        let (ce, _) = connect(&mut c, &mut s);
        assert!(ce.iter().any(|e| matches!(e, Event::HelloRetry { .. })), "{}: a HelloRetryRequest", mine.wire);
        assert_eq!(c.suite, Some(mine.wire));
        let th = ce.iter().find_map(|e| match e {
            Event::Derived(d) if d.output == Output::Secret(Secret::ClientHandshakeTraffic) => match &d.hkdf {
                tlsviz::tls::events::Hkdf::DeriveSecret { transcript_hash, messages, .. } => {
                    Some((transcript_hash.0.len(), messages[0].message.typ))
                }
                _ => None,
            },
            _ => None,
        });
        assert_eq!(th, Some((mine.hash.len(), HandshakeType::message_hash)), "{}", mine.wire);
    }
}

/// A first connection under `suites` (client and server alike), with tickets from `keeper`.
fn first(seed: u64, keeper: &Arc<Mutex<TicketKeeper>>, suites: &[CipherSuite]) -> StoredTicket {
    let (mut c, s) = pair_with_suites(seed, true, suites, suites);
    let mut s = s.with_tickets(keeper.clone(), NOW_MS);
    connect(&mut c, &mut s);
    assert_eq!(c.tickets.len(), 1);
    c.tickets.remove(0)
}

/// The second connection, 3 s later, offering `ticket` (with `early` data) from a client of
/// `client` suites to a server of `server` suites.
fn second(
    seed: u64,
    keeper: &Arc<Mutex<TicketKeeper>>,
    ticket: StoredTicket,
    early: Option<&str>,
    client: &[CipherSuite],
    server: &[CipherSuite],
) -> (Client, Server) {
    let (c, s) = pair_with_suites(seed + 1, true, client, server);
    (c.resume(resumption(ticket, early)), s.with_tickets(keeper.clone(), NOW_MS + 3_000))
}

/// Resumption and 0-RTT under each suite: the ticket remembers its suite, and the binder, the
/// ticket's PSK and the early traffic secret are Hash.length bytes.
#[test]
fn every_suite_resumes_with_early_data() {
    for &mine in SUPPORTED {
        let k = keeper(1024);
        let ticket = first(73, &k, &[mine.wire]);
        assert_eq!((ticket.suite, ticket.psk.0.len()), (mine.wire, mine.hash.len()));
        let (mut c, mut s) = second(73, &k, ticket, Some("early"), &[mine.wire], &[mine.wire]);
        let (ce, se) = connect(&mut c, &mut s);
        assert!(se.iter().any(|e| matches!(e, Event::EarlyDataAccepted { .. })), "{}", mine.wire);
        let binder = ce.iter().find_map(|e| match e {
            Event::ResumptionOffered { binder, suite, .. } => Some((binder.0.len(), *suite)),
            _ => None,
        });
        assert_eq!(binder, Some((mine.hash.len(), mine.wire)));
        assert!(ce.iter().any(|e| matches!(e, Event::Resumed { .. })));
        assert!(se.iter().any(|e| matches!(e, Event::AppDataReceived { data } if data.0 == b"early")), "{}", mine.wire);
    }
}

/// RFC 8446 §4.2.11: a server that chose a suite of another hash than the ticket's ignores the
/// PSK (a full handshake, with a certificate), and says why.
#[cfg(feature = "aes256")]
#[test]
fn the_server_ignores_a_psk_of_another_hash_and_does_a_full_handshake() {
    let k = keeper(0);
    let ticket = first(74, &k, &[CipherSuite::TLS_AES_128_GCM_SHA256]);
    let both = [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384];
    let (mut c, mut s) = second(74, &k, ticket, None, &both, &[CipherSuite::TLS_AES_256_GCM_SHA384]);
    let (ce, se) = connect(&mut c, &mut s);
    assert!(ce.iter().any(|e| matches!(e, Event::ResumptionOffered { .. })), "the client could use the ticket with its first suite");
    assert!(se.iter().any(|e| matches!(
        e,
        Event::TicketChecked { verdict: TicketVerdict::OtherHash { suite: CipherSuite::TLS_AES_128_GCM_SHA256 }, .. }
    )));
    assert!(!se.iter().any(|e| matches!(e, Event::Resumed { .. })));
    assert!(sent(&se, HandshakeType::certificate), "a full handshake");
    assert_eq!(s.suite, Some(CipherSuite::TLS_AES_256_GCM_SHA384));
    assert!(ce.iter().any(|e| matches!(e, Event::Derived(d) if d.hash == HashAlgorithm::Sha384)));
}

/// RFC 8446 §4.2.11: a client offers no ticket that none of its suites can use.
#[cfg(feature = "aes256")]
#[test]
fn a_client_does_not_offer_a_ticket_whose_hash_none_of_its_suites_has() {
    let k = keeper(0);
    let ticket = first(75, &k, &[CipherSuite::TLS_AES_128_GCM_SHA256]);
    let only384 = [CipherSuite::TLS_AES_256_GCM_SHA384];
    let (mut c, mut s) = second(75, &k, ticket, None, &only384, &only384);
    c.start();
    let hello = c.common.take_output();
    let Handshake::ClientHello(ch) = Handshake::decode(&records(&hello)[0][5..]).0.unwrap() else { panic!("not a ClientHello") };
    assert!(!ch.extensions.iter().any(|e| e.typ() == ExtensionType::pre_shared_key));
    s.receive(&hello);
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
}

/// RFC 8446 §4.2.10: 0-RTT data needs the ticket's own suite. A server that chose another of
/// the same hash resumes but refuses the early data.
#[cfg(feature = "chacha20")]
#[test]
fn a_server_that_chose_another_suite_of_the_same_hash_resumes_but_refuses_early_data() {
    let k = keeper(1024);
    let ticket = first(76, &k, &[CipherSuite::TLS_AES_128_GCM_SHA256]);
    let client = [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];
    let server = [CipherSuite::TLS_CHACHA20_POLY1305_SHA256, CipherSuite::TLS_AES_128_GCM_SHA256];
    let (mut c, mut s) = second(76, &k, ticket, Some("early"), &client, &server);
    let (ce, se) = connect(&mut c, &mut s);
    assert!(se.iter().any(|e| matches!(e, Event::Resumed { .. })), "same hash: the PSK is usable");
    assert!(se.iter().any(|e| matches!(e, Event::EarlyDataRejected { reason: Some(EarlyDataRefusal::OtherSuite) })));
    assert!(ce.iter().any(|e| matches!(e, Event::EarlyDataRejected { .. })));
    assert!(!se.iter().any(|e| matches!(e, Event::AppDataReceived { .. })), "the early data is skipped");
    assert_eq!(c.suite, Some(CipherSuite::TLS_CHACHA20_POLY1305_SHA256));
}

/// RFC 8446 §4.2.11: "Clients MUST verify that ... the server selected a cipher suite indicating
/// a Hash associated with the PSK"; a ServerHello that accepts the PSK under a suite of another
/// hash gets illegal_parameter.
#[cfg(feature = "aes256")]
#[test]
fn a_server_hello_resuming_under_a_suite_of_another_hash_is_illegal_parameter() {
    let k = keeper(0);
    let ticket = first(77, &k, &[CipherSuite::TLS_AES_128_GCM_SHA256]);
    let both = [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384];
    let (mut c, mut s) = second(77, &k, ticket, None, &both, &[CipherSuite::TLS_AES_128_GCM_SHA256]);
    c.start();
    s.receive(&c.common.take_output());
    let mut sh = server_hello_of(&records(&s.common.take_output())[0]);
    assert!(sh.extensions.iter().any(|e| e.typ() == ExtensionType::pre_shared_key), "the server resumed");
    sh.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
    assert_eq!(alert_after(&mut c, &sh_record(sh), false), AlertDescription::illegal_parameter);
}
