//! The capture read back by a small pcapng, IPv4 and TCP reader of its own: block lengths and
//! types, checksums verified the way a receiver does (the sum over the header, checksum
//! included, is all ones), and sequence numbers followed byte by byte.

use super::*;
use crate::sim::network::{Action, Network, Rule, Select};
use crate::sim::scenario::PAGE_TAMPER;
use crate::sim::{run, run_with, Options, Scenario};

fn trace(scenario: Scenario) -> Trace {
    run(&Options { seed: Some(7), scenario, ..Default::default() })
}

/// One block as read: its type and body, the length fields checked.
struct Block {
    typ: u32,
    body: Vec<u8>,
}

fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u16_be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn blocks(file: &[u8]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < file.len() {
        let typ = u32_le(file, at);
        let total = usize::try_from(u32_le(file, at + 4)).unwrap();
        assert!(total >= 12 && total % 4 == 0, "block {} at {at}: total length {total}", out.len());
        assert!(at + total <= file.len(), "block at {at} runs past the end");
        assert_eq!(u32_le(file, at + total - 4), u32_le(file, at + 4), "block at {at}: the two lengths differ");
        out.push(Block { typ, body: file[at + 8..at + total - 4].to_vec() });
        at += total;
    }
    assert_eq!(at, file.len());
    out
}

/// The options of a block body from `at`: (code, value) until opt_endofopt, which must be there.
fn options(body: &[u8], mut at: usize) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    if at == body.len() {
        return out;
    }
    loop {
        let (code, len) = (u16_le(body, at), usize::from(u16_le(body, at + 2)));
        if code == 0 {
            assert_eq!(len, 0);
            assert_eq!(at + 4, body.len(), "bytes after opt_endofopt");
            return out;
        }
        out.push((code, body[at + 4..at + 4 + len].to_vec()));
        at += 4 + len.div_ceil(4) * 4;
    }
}

fn comments(opts: &[(u16, Vec<u8>)]) -> Vec<String> {
    opts.iter().filter(|(c, _)| *c == 1).map(|(_, v)| String::from_utf8(v.clone()).unwrap()).collect()
}

/// One packet as read off an Enhanced Packet Block, checksums verified.
#[derive(Debug)]
struct Packet {
    micros: u64,
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    seq: u32,
    ack: u32,
    flags: u8,
    payload: Vec<u8>,
    mss: Option<u16>,
    comment: Option<String>,
}

/// RFC 1071 §2(4): a receiver adds up every 16-bit word, checksum included, and expects all ones.
fn sums_to_all_ones(bytes: &[u8]) -> bool {
    let mut sum: u64 = bytes.chunks(2).map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum == 0xFFFF
}

fn parse(data: &[u8]) -> Result<Packet, String> {
    if data[0] != 0x45 {
        return Err(format!("not an IPv4 header of 5 words: {:#04x}", data[0]));
    }
    if usize::from(u16_be(data, 2)) != data.len() {
        return Err("the IPv4 total length is not the packet's".into());
    }
    if data[9] != 6 {
        return Err("not TCP".into());
    }
    if !sums_to_all_ones(&data[..20]) {
        return Err("bad IPv4 header checksum".into());
    }
    let tcp = &data[20..];
    let pseudo = [&data[12..20], &[0, 6], &u16::try_from(tcp.len()).unwrap().to_be_bytes()[..], tcp].concat();
    if !sums_to_all_ones(&pseudo) {
        return Err("bad TCP checksum".into());
    }
    let header = usize::from(tcp[12] >> 4) * 4;
    let opts = &tcp[20..header];
    let mss = (opts.first() == Some(&2)).then(|| u16_be(opts, 2));
    Ok(Packet {
        micros: 0,
        src: (data[12..16].try_into().unwrap(), u16_be(tcp, 0)),
        dst: (data[16..20].try_into().unwrap(), u16_be(tcp, 2)),
        seq: u32_be(tcp, 4),
        ack: u32_be(tcp, 8),
        flags: tcp[13],
        payload: tcp[header..].to_vec(),
        mss,
        comment: None,
    })
}

fn packets(file: &[u8]) -> Vec<Packet> {
    blocks(file)
        .into_iter()
        .filter(|b| b.typ == 6)
        .map(|b| {
            assert_eq!(u32_le(&b.body, 0), 0, "interface 0");
            let micros = (u64::from(u32_le(&b.body, 4)) << 32) | u64::from(u32_le(&b.body, 8));
            let (captured, original) = (usize::try_from(u32_le(&b.body, 12)).unwrap(), u32_le(&b.body, 16));
            assert_eq!(u32::try_from(captured).unwrap(), original, "captured whole");
            let data = &b.body[20..20 + captured];
            let mut p = parse(data).unwrap();
            p.micros = micros;
            p.comment = comments(&options(&b.body, 20 + captured.div_ceil(4) * 4)).into_iter().next();
            p
        })
        .collect()
}

fn client() -> ([u8; 4], u16) {
    ([10, 0, 0, 1], 49152)
}

fn server() -> ([u8; 4], u16) {
    ([10, 0, 0, 2], 443)
}

/// Each side's bytes in order of sequence number, checking that every segment starts where the
/// side's last one ended and acknowledges no more than the peer has sent.
fn streams(ps: &[Packet]) -> [Vec<u8>; 2] {
    let mut next: [Option<u32>; 2] = [None, None];
    let mut data = [Vec::new(), Vec::new()];
    for (n, p) in ps.iter().enumerate() {
        let (me, peer) = if p.src == client() { (0, 1) } else { (1, 0) };
        assert_eq!(p.dst, if me == 0 { server() } else { client() }, "packet {n}");
        if p.flags & SYN != 0 {
            assert_eq!(next[me], None, "packet {n}: a second SYN");
        } else {
            assert_eq!(Some(p.seq), next[me], "packet {n}: the sequence number does not follow");
        }
        if p.flags & ACK != 0 {
            assert_eq!(Some(p.ack), next[peer], "packet {n}: acknowledges other than all the peer sent");
        }
        let len = u32::try_from(p.payload.len()).unwrap() + u32::from(p.flags & (SYN | FIN) != 0);
        next[me] = Some(p.seq.wrapping_add(len));
        data[me].extend_from_slice(&p.payload);
    }
    data
}

/// Every record a side wrote in connection 1, in order.
fn sent(t: &Trace, side: Side) -> Vec<Vec<u8>> {
    t.events
        .iter()
        .filter(|e| e.side == side)
        .filter_map(|e| match e.event() {
            Some(Event::RecordSent { bytes, .. }) => Some(bytes.0.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_capture_is_a_section_header_the_key_log_an_interface_then_packets() {
    let t = trace(Scenario::Normal);
    let file = pcapng(&t);
    // The section header's magic, little-endian, right after its type and length.
    assert_eq!(&file[..4], &[0x0A, 0x0D, 0x0D, 0x0A]);
    assert_eq!(&file[8..12], &[0x4D, 0x3C, 0x2B, 0x1A]);
    let bs = blocks(&file);
    let types: Vec<u32> = bs.iter().map(|b| b.typ).collect();
    assert_eq!(&types[..3], &[0x0A0D_0D0A, 0x0000_000A, 0x0000_0001]);
    assert!(types[3..].iter().all(|t| *t == 6), "only packets after the interface: {types:x?}");
    assert!(types.len() > 3 + 10);

    let shb = &bs[0].body;
    assert_eq!((u16_le(shb, 4), u16_le(shb, 6)), (1, 0), "version 1.0");
    assert_eq!(&shb[8..16], &[0xFF; 8], "section length unknown");
    let shb_opts = options(shb, 16);
    assert!(comments(&shb_opts)[0].contains("seed 7, scenario normal"), "{shb_opts:?}");

    let dsb = &bs[1].body;
    assert_eq!(&dsb[..4], b"KSLT", "TLSK as a little-endian number");
    let len = usize::try_from(u32_le(dsb, 4)).unwrap();
    let secrets = std::str::from_utf8(&dsb[8..8 + len]).unwrap();
    let lines = &t.connections[0].keylog;
    assert_eq!(lines.len(), 5);
    assert_eq!(secrets, lines.iter().map(|l| format!("{l}\n")).collect::<String>());
    assert!(secrets.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") && secrets.ends_with('\n'));
    assert!(dsb[8 + len..].iter().all(|b| *b == 0) && dsb.len() - 8 - len < 4, "padding only");

    let idb = &bs[2].body;
    assert_eq!(u16_le(idb, 0), 101, "raw IPv4");
    assert_eq!(options(idb, 8), vec![(2, b"sim".to_vec()), (9, vec![6])]);
}

#[test]
fn every_ipv4_and_tcp_checksum_verifies_and_a_changed_byte_does_not() {
    for scenario in Scenario::ALL {
        let file = pcapng(&trace(scenario.clone()));
        // packets() parses each one, and parsing checks both checksums.
        assert!(packets(&file).len() >= 7, "{scenario:?}");
    }
    let file = pcapng(&trace(Scenario::Normal));
    let b = blocks(&file).into_iter().find(|b| b.typ == 6 && u32_le(&b.body, 12) > 60).unwrap();
    let mut data = b.body[20..20 + usize::try_from(u32_le(&b.body, 12)).unwrap()].to_vec();
    assert!(parse(&data).is_ok());
    data[50] ^= 0x10;
    assert_eq!(parse(&data).unwrap_err(), "bad TCP checksum");
    data[50] ^= 0x10;
    data[8] ^= 1;
    assert_eq!(parse(&data).unwrap_err(), "bad IPv4 header checksum");
}

#[test]
fn the_connection_opens_carries_every_record_in_sequence_and_closes() {
    let t = trace(Scenario::Normal);
    let ps = packets(&pcapng(&t));
    let flags: Vec<u8> = ps.iter().map(|p| p.flags).collect();
    assert_eq!(&flags[..3], &[SYN, SYN | ACK, ACK]);
    assert_eq!((ps[0].seq, ps[1].seq, ps[1].ack), (CLIENT_ISN, SERVER_ISN, CLIENT_ISN + 1));
    assert_eq!((ps[0].mss, ps[1].mss), (Some(1460), Some(1460)));
    assert_eq!(&flags[flags.len() - 3..], &[FIN | ACK, FIN | ACK, ACK]);
    assert_eq!(ps[ps.len() - 3].src, client());

    let [c, s] = streams(&ps);
    // An honest network: each side's stream is exactly the records it wrote, in order.
    assert_eq!(c, sent(&t, Side::Client).concat());
    assert_eq!(s, sent(&t, Side::Server).concat());
    // The server's numbers wrapped around 2^32 on the way.
    assert!(ps.iter().any(|p| p.src == server() && p.seq < SERVER_ISN && p.seq > 0));
    // Every data segment is acknowledged by a pure ACK before anything else is sent.
    for w in ps.windows(2) {
        if !w[0].payload.is_empty() && w[0].flags & PSH != 0 {
            assert!(w[1].payload.is_empty() && w[1].src == w[0].dst && w[1].flags == ACK, "{:?}", w[1]);
        }
    }
}

#[test]
fn a_record_larger_than_a_segment_is_split_at_the_mss() {
    let message = "x".repeat(5000);
    let t = run(&Options { seed: Some(7), client_messages: vec![message], ..Default::default() });
    let ps = packets(&pcapng(&t));
    assert!(ps.iter().all(|p| p.payload.len() <= MSS));
    let full: Vec<&Packet> = ps.iter().filter(|p| p.payload.len() == MSS).collect();
    assert!(full.len() >= 3, "a 5000-byte record takes three full segments and a fourth");
    assert!(full.iter().all(|p| p.flags == ACK), "only the last segment of a record is pushed");
    let [c, _] = streams(&ps);
    assert_eq!(c, sent(&t, Side::Client).concat());
}

#[test]
fn packets_are_stamped_from_now_in_increasing_order() {
    let t = trace(Scenario::Normal);
    let ps = packets(&pcapng(&t));
    assert_eq!(ps[0].micros, t.options.now * 1_000_000);
    assert!(ps.windows(2).all(|w| w[0].micros < w[1].micros));
    // The last packets follow the last event, 1 ms each.
    let last_event_ms = u64::try_from(t.events.len()).unwrap() + 3;
    assert!(ps[ps.len() - 3].micros >= t.options.now * 1_000_000 + last_event_ms * 1000);
}

#[test]
fn a_record_the_network_altered_appears_as_it_arrived() {
    let t = trace(PAGE_TAMPER);
    let file = pcapng(&t);
    let ps = packets(&file);
    let [_, s] = streams(&ps);
    let server_sent = sent(&t, Side::Server);
    let expected = server_sent.concat();
    // Record 3 of the run is the server's third record (ClientHello, then ServerHello and
    // change_cipher_spec before it); byte 60 of it was XORed with 1.
    let at = server_sent[..2].iter().map(Vec::len).sum::<usize>() + 60;
    let differ: Vec<usize> = (0..expected.len().min(s.len())).filter(|&i| s[i] != expected[i]).collect();
    assert_eq!(differ, vec![at]);
    assert_eq!(s[at], expected[at] ^ 1);
    let noted = ps.iter().find(|p| p.comment.is_some()).unwrap();
    assert!(noted.comment.as_deref().unwrap().contains("XORed byte 60 of this record with 0x01 on its way to the client"));
    assert_eq!(noted.src, server());
    let shb = comments(&options(&blocks(&file)[0].body, 16));
    assert!(shb.iter().any(|c| c.starts_with("record 3: the network XORed")), "{shb:?}");
}

#[test]
fn a_dropped_record_is_not_in_the_capture() {
    // The ServerHello (record 1) never arrives.
    let opts = Options { seed: Some(7), ..Default::default() };
    let mut setup = Scenario::Normal.setup(&opts);
    setup.network = Network::with(Rule { select: Select::Record(1), action: Action::Drop });
    let t = run_with(&opts, setup);
    let file = pcapng(&t);
    let [_, s] = streams(&packets(&file));
    let server_sent = sent(&t, Side::Server);
    let server_hello = &server_sent[0];
    assert!(server_sent.len() >= 2, "the server sent more after it");
    assert!(!s.windows(server_hello.len()).any(|w| w == server_hello.as_slice()));
    assert!(s.starts_with(&server_sent[1]), "the next record comes first");
    let shb = comments(&options(&blocks(&file)[0].body, 16));
    assert!(shb.iter().any(|c| c == "record 1: the network dropped it on its way to the client"), "{shb:?}");
}

#[test]
fn nothing_written_after_the_transport_closed_is_in_the_capture() {
    // The ClientHello's length field made larger: the server waits for bytes that never come.
    let t = trace(Scenario::Tamper { record: 0, offset: 3, xor: 0x01 });
    let ps = packets(&pcapng(&t));
    let [c, s] = streams(&ps);
    let closed = t.events.iter().position(|e| e.network() == Some(&NetworkEvent::TransportClosed)).unwrap();
    let late: Vec<&Vec<u8>> = t
        .events
        .iter()
        .skip(closed)
        .filter_map(|e| match e.event() {
            Some(Event::RecordSent { bytes, .. }) => Some(&bytes.0),
            _ => None,
        })
        .collect();
    assert!(!late.is_empty(), "a side answers the close with an alert");
    for r in late {
        assert!(!c.windows(r.len()).any(|w| w == r.as_slice()) && !s.windows(r.len()).any(|w| w == r.as_slice()));
    }
    let fin = ps.iter().position(|p| p.flags & FIN != 0).unwrap();
    assert_eq!(fin, ps.len() - 3);
    assert!(ps[fin].comment.as_deref().unwrap().contains("transport closed"));
    // At the event of the close (a few microseconds on if the receiver's ACK took that moment).
    let close = t.options.now * 1_000_000 + (3 + u64::try_from(closed).unwrap()) * 1000;
    assert!((close..close + 10).contains(&ps[fin].micros), "the FIN goes out when the transport closed");
}

#[test]
fn replaced_and_injected_bytes_the_trace_does_not_hold_are_said_to_be_missing() {
    let opts = Options { seed: Some(7), ..Default::default() };
    let mut setup = Scenario::Normal.setup(&opts);
    setup.network = Network::with(Rule { select: Select::Record(0), action: Action::InjectBefore { bytes: vec![0x17; 9] } });
    setup.network.rules.push(Rule { select: Select::Record(0), action: Action::Replace { bytes: vec![0x16; 12] } });
    let t = run_with(&opts, setup);
    let a = &arrivals(&t, 1)[0];
    // Injected, then replaced: the replacement takes the place of both, and as the trace does not
    // hold it the record shows as it was sent.
    assert_eq!(a.bytes, sent(&t, Side::Client)[0]);
    assert_eq!(a.notes.len(), 2);
    assert!(a.notes[0].contains("9 bytes before this record") && a.notes[0].contains("left out"));
    assert!(a.notes[1].contains("12 other bytes") && a.notes[1].contains("shown as it was sent"));
    let ps = packets(&pcapng(&t));
    assert_eq!(ps[3].comment.as_deref(), Some(a.notes.join("; ").as_str()));
}

#[test]
fn a_run_that_could_not_start_gives_a_connection_without_records_or_secrets() {
    let t = run(&Options { seed: Some(7), hostname: "é.com".into(), ..Default::default() });
    let file = pcapng(&t);
    let types: Vec<u32> = blocks(&file).iter().map(|b| b.typ).collect();
    assert_eq!(types, vec![0x0A0D_0D0A, 1, 6, 6, 6, 6, 6, 6]);
    assert!(packets(&file).iter().all(|p| p.payload.is_empty()));
    assert_eq!(keylog(&t), "");
}

#[test]
fn the_same_run_gives_the_same_file() {
    assert_eq!(pcapng(&trace(Scenario::HelloRetry)), pcapng(&trace(Scenario::HelloRetry)));
    assert_eq!(json(&trace(Scenario::Normal)), trace(Scenario::Normal).to_json());
}

#[test]
#[cfg(feature = "resumption")]
fn the_key_log_of_a_resumption_holds_each_connections_secrets_under_its_own_client_random() {
    let t = trace(Scenario::EarlyData);
    let text = keylog(&t);
    let lines: Vec<&str> = text.lines().collect();
    let randoms: std::collections::BTreeSet<&str> = lines.iter().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(randoms.len(), 2, "two connections, two client randoms: {text}");
    // The resumed connection sent 0-RTT data, so its early traffic secret is there (RFC 8446 §7.1).
    assert_eq!(lines.iter().filter(|l| l.starts_with("CLIENT_EARLY_TRAFFIC_SECRET ")).count(), 1, "{text}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ")).count(), 2, "{text}");
}

#[test]
#[cfg(feature = "resumption")]
fn a_resumption_is_captured_as_two_tcp_connections_from_two_client_ports() {
    let t = trace(Scenario::EarlyData);
    let file = pcapng(&t);
    let ps = packets(&file);
    let ports: std::collections::BTreeSet<u16> = ps.iter().map(|p| if p.src.0 == [10, 0, 0, 1] { p.src.1 } else { p.dst.1 }).collect();
    assert_eq!(ports.into_iter().collect::<Vec<_>>(), vec![49152, 49153]);
    // Each connection opens with its own SYN, and the second one starts after the first ends.
    let syns: Vec<usize> = ps.iter().enumerate().filter(|(_, p)| p.flags == SYN).map(|(i, _)| i).collect();
    assert_eq!(syns.len(), 2);
    let first_fin = ps.iter().position(|p| p.flags & FIN != 0).unwrap();
    assert!(first_fin < syns[1], "the second connection opened before the first closed");
    assert!(ps.windows(2).all(|w| w[0].micros < w[1].micros), "packet times go forward");
    // The replay of the attacker is not a connection the client made, and the file says so.
    let replay = pcapng(&trace(Scenario::Replay));
    let ports: std::collections::BTreeSet<u16> =
        packets(&replay).iter().map(|p| if p.src.0 == [10, 0, 0, 1] { p.src.1 } else { p.dst.1 }).collect();
    assert_eq!(ports.len(), 2);
    let shb = comments(&options(&blocks(&replay)[0].body, 16));
    assert!(shb.iter().any(|c| c == "connection 3: the attacker's own connection to the server, not in this capture"), "{shb:?}");
}
