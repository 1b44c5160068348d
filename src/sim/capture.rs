//! What a run exports for other tools: a capture Wireshark decrypts on its own ([`pcapng`]), the
//! key log ([`keylog`]) and the trace as JSON ([`json`]). Library code: the bytes are made in
//! memory, and nothing here reads or writes a file or a clock (the page offers them for download,
//! `peer capture` writes the capture to a file).
//!
//! The capture is a pcapng file (draft-ietf-opsawg-pcapng) of the run's connections (a resumption
//! has two; an attacker's replay to the server, which the client never made, is left out):
//!
//! 1. a Section Header Block, whose comments name the run (seed, scenario) and say what the
//!    network did to it;
//! 2. a Decryption Secrets Block of type `TLSK` holding the client's NSS key log lines (of every
//!    connection), before any packet, so Wireshark decrypts the handshake and the data with no
//!    other file;
//! 3. an Interface Description Block of link type 101 (raw IPv4: each packet starts with its IPv4
//!    header, so no Ethernet addresses are made up);
//! 4. one Enhanced Packet Block per TCP segment between the client, [`CLIENT`] (10.0.0.1:49152;
//!    the n-th connection from port 49152 + n - 1), and the server, [`SERVER`] (10.0.0.2:443).
//!    These are only numbers in a file: the run happened in memory and no packet was ever sent.
//!
//! The TCP connection is the one a stack would have made for the run: a three-way handshake, each
//! TLS record in the order the network carried it, cut into segments of at most [`MSS`] bytes
//! (the last one pushed), a pure ACK from the receiver once it has the record, and a FIN from
//! each side at the end, or where the transport closed. Sequence and acknowledgement numbers count
//! every byte, and the IPv4 and TCP checksums are those of the bytes in the file. Times follow the
//! trace: the event with index `i` happens `3 + i` ms after the options' `now`, a connection's SYN
//! 3 ms before its first event, 1 ms per packet of the TCP handshake; a record's segments go out
//! when the network carries it and its ACK when the receiver has handled it.
//!
//! The capture shows each record as it arrived, as far as the trace tells: see [`arrivals`].

mod pcapng;
mod tcpip;

use super::network::NetworkEvent;
use super::trace::{Side, Trace};
use crate::tls::events::{Endpoint, Event};
pub use tcpip::Addr;
use tcpip::{Segment, ACK, FIN, PSH, SYN};

/// Where the client's side of the connection is.
pub const CLIENT: Addr = Addr { ip: [10, 0, 0, 1], port: 49152 };
/// Where the server's side is.
pub const SERVER: Addr = Addr { ip: [10, 0, 0, 2], port: 443 };
/// The largest TCP payload of one segment: an Ethernet MTU of 1500 bytes less 20 of IPv4 header
/// and 20 of TCP header. Both SYNs announce it.
pub const MSS: usize = 1460;
/// LINKTYPE_RAW: packets begin with their IPv4 header.
pub const LINK_TYPE: u16 = 101;
/// The client's initial sequence number (RFC 9293 §3.4.1 draws it at random; fixed numbers keep
/// the file the same for the same seed).
pub const CLIENT_ISN: u32 = 0x1000_0000;
/// The server's: close to 2^32, so its sequence numbers wrap around within its first flight, as
/// every TCP reader must expect.
pub const SERVER_ISN: u32 = 0xFFFF_FF00;
/// The SYN, SYN/ACK and ACK come before the first event, 1 ms apart.
const HANDSHAKE_MS: u64 = 3;

/// The NSS key log of the run (the client's secrets, every connection's in turn: each line names
/// its connection by the ClientHello's random), one line per secret, each ending in a newline: the
/// text of a `SSLKEYLOGFILE`, and of the capture's Decryption Secrets Block. Empty when no secret
/// was derived.
pub fn keylog(trace: &Trace) -> String {
    trace.connections.iter().flat_map(|o| &o.keylog).map(|line| format!("{line}\n")).collect()
}

/// The trace as JSON (docs/trace-schema.md), as `peer trace` prints it.
pub fn json(trace: &Trace) -> String {
    trace.to_json()
}

/// One record's bytes as the network delivered them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// Who sent the record.
    pub from: Endpoint,
    /// What arrived (empty when nothing did).
    pub bytes: Vec<u8>,
    /// The index of the event at which the network carried it (the delivery's `first`).
    pub carried: usize,
    /// The index of the first event after the receiver handled it (the delivery's `end`).
    pub handled: usize,
    /// What the network did to it, for people (a packet comment).
    pub notes: Vec<String>,
}

/// The records of `connection` as they arrived, in the order the network carried them.
///
/// Each starts as its `record_sent` bytes, and the network's events in its delivery are applied
/// in their order, the way [`super::Network`] applies its rules: the XOR of a `tampered` event is
/// applied to its byte, and a `dropped` record leaves nothing, so it is not in the capture. A record carried after the
/// transport closed never arrived either. The trace records only how many bytes the network put in
/// a record's place (`replaced`) or before it (`injected`), not the bytes themselves: a replaced
/// record is shown as it was sent, injected bytes are left out, and the record's note says so. A
/// man in the middle's events hold the bytes it put on the wire: a rewritten or re-encrypted
/// record arrives as they say, a withheld one not at all, and what the attacker sent the record's
/// sender in the peer's name follows it, from the peer's address.
pub fn arrivals(trace: &Trace, connection: u32) -> Vec<Arrival> {
    let closed = transport_closed(trace, connection);
    let mut out = Vec::new();
    for d in &trace.deliveries {
        let Some(sent) = trace.events.get(d.sent).filter(|e| e.connection == connection) else { continue };
        let (Some(Event::RecordSent { bytes, .. }), Some(from)) = (sent.event(), endpoint(sent.side)) else { continue };
        // Once the transport closed nothing is carried: such a delivery begins after the event.
        if closed.is_some_and(|c| d.first > c) {
            continue;
        }
        let mut pieces = vec![Piece::Bytes(bytes.0.clone())];
        let mut notes = Vec::new();
        // What an attacker in the middle sent the record's sender in the peer's name.
        let mut answers: Vec<Vec<u8>> = Vec::new();
        for n in trace.events.get(d.first..d.end).unwrap_or_default().iter().filter_map(|e| e.network()) {
            if attacker(n, &mut pieces, &mut answers) {
                notes.push(MITM.into());
                continue;
            }
            match *n {
                NetworkEvent::Tampered { offset, xor, towards, .. } => {
                    if let Some(Piece::Bytes(b)) = pieces.last_mut() {
                        if let Some(byte) = b.get_mut(offset) {
                            *byte ^= xor;
                        }
                        notes.push(format!("the network XORed byte {offset} of this record with {xor:#04x} on its way to the {towards}"));
                    } else {
                        notes.push(format!(
                            "the network XORed byte {offset} of the bytes in this record's place with {xor:#04x}; the trace does not hold those bytes"
                        ));
                    }
                }
                NetworkEvent::Dropped { .. } => pieces.clear(),
                NetworkEvent::Replaced { bytes: n, towards, .. } => {
                    pieces = vec![Piece::Replacement];
                    notes.push(format!(
                        "the network put {n} other bytes in this record's place on its way to the {towards}; the trace does not hold them, so the record is shown as it was sent"
                    ));
                }
                NetworkEvent::Injected { bytes: n, towards, .. } => {
                    pieces.insert(0, Piece::Injection);
                    notes.push(format!(
                        "the network put {n} bytes before this record on its way to the {towards}; the trace does not hold them, so they are left out"
                    ));
                }
                NetworkEvent::Copied { .. } => notes.push("the network kept a copy of this record, to replay it later".into()),
                NetworkEvent::TransportClosed | NetworkEvent::Replayed { .. } => {}
                _ => {}
            }
        }
        let bytes = pieces
            .into_iter()
            .flat_map(|p| match p {
                Piece::Bytes(b) => b,
                Piece::Replacement => bytes.0.clone(),
                Piece::Injection => Vec::new(),
            })
            .collect();
        out.push(Arrival { from, bytes, carried: d.first, handled: d.end, notes });
        for bytes in answers {
            out.push(Arrival { from: from.peer(), bytes, carried: d.first, handled: d.end, notes: vec![MITM.into()] });
        }
    }
    out
}

/// What a man in the middle's event does to a record's arrival: other bytes arrive (the trace
/// holds them), none do, or the attacker answers the record's sender. `false` for other events.
fn attacker(n: &NetworkEvent, pieces: &mut Vec<Piece>, answers: &mut Vec<Vec<u8>>) -> bool {
    match n {
        NetworkEvent::Withheld { .. } => pieces.clear(),
        NetworkEvent::Rewritten { bytes, .. } | NetworkEvent::Reencrypted { bytes, .. } => *pieces = vec![Piece::Bytes(bytes.0.clone())],
        NetworkEvent::Resent { bytes, .. } => answers.push(bytes.0.clone()),
        NetworkEvent::Impersonated { records, .. } => {
            pieces.clear();
            answers.extend(records.iter().map(|r| r.0.clone()));
        }
        NetworkEvent::AttackerKeys { .. } => {}
        _ => return false,
    }
    true
}

/// The note on what a man in the middle did (the trace's events say what).
const MITM: &str = "an attacker in the middle acted here: the trace's network events say what";

/// What the network delivered for one record, in order.
enum Piece {
    Bytes(Vec<u8>),
    /// Bytes in the record's place that the trace does not hold.
    Replacement,
    /// Bytes before the record that the trace does not hold.
    Injection,
}

fn endpoint(side: Side) -> Option<Endpoint> {
    match side {
        Side::Client => Some(Endpoint::Client),
        Side::Server => Some(Endpoint::Server),
        Side::Network => None,
    }
}

/// The index of the event at which the transport of `connection` closed, if it did.
fn transport_closed(trace: &Trace, connection: u32) -> Option<usize> {
    trace.events.iter().position(|e| e.connection == connection && e.network() == Some(&NetworkEvent::TransportClosed))
}

/// The connections of the run the client made: the first, and each later one it took part in
/// (a replay by an attacker is not one).
fn client_connections(trace: &Trace) -> Vec<u32> {
    let first = trace.outcome().map_or(1, |o| o.connection);
    let took_part = |c: u32| c == first || trace.events.iter().any(|e| e.connection == c && e.side == Side::Client);
    let mut out: Vec<u32> = trace.connections.iter().map(|o| o.connection).filter(|&c| took_part(c)).collect();
    if out.is_empty() {
        out.push(first);
    }
    out
}

/// The capture of the run, as a pcapng file (see the module's documentation): one TCP connection
/// for each connection the client made, the n-th from client port [`CLIENT`]` + n - 1`.
pub fn pcapng(trace: &Trace) -> Vec<u8> {
    let connections = client_connections(trace);
    let several = trace.connections.len() > 1;
    let mut file = pcapng::File::default();

    let mut comments = vec![format!(
        "TLS 1.3 handshake visualizer, seed {}, scenario {}: a run simulated in memory and written as the TCP connection{} it would have been; no packet was sent",
        trace.seed,
        trace.options.scenario.key(),
        if connections.len() > 1 { "s" } else { "" }
    )];
    for o in &trace.connections {
        let c = o.connection;
        let prefix = if several { format!("connection {c}: ") } else { String::new() };
        if !connections.contains(&c) {
            comments.push(format!("{prefix}the attacker's own connection to the server, not in this capture"));
        }
        comments.extend(
            trace.events.iter().filter(|e| e.connection == c).filter_map(|e| e.network()).map(|n| format!("{prefix}{}", describe(n))),
        );
    }
    let mut options: Vec<(u16, &[u8])> = comments.iter().map(|c| (pcapng::OPT_COMMENT, c.as_bytes())).collect();
    options.push((pcapng::SHB_USERAPPL, b"tlsviz"));
    file.section_header(&options);

    let keys = keylog(trace);
    if !keys.is_empty() {
        file.key_log(keys.as_bytes());
    }
    file.interface(LINK_TYPE, &[(pcapng::IF_NAME, b"sim"), (pcapng::IF_TSRESOL, &[6])]);

    // One clock for the whole file: a later connection's packets come after the earlier one's.
    let mut last = None;
    for (n, &connection) in connections.iter().enumerate() {
        let client = Addr { port: CLIENT.port.saturating_add(u16::try_from(n).unwrap_or(u16::MAX)), ..CLIENT };
        let first = trace.events.iter().position(|e| e.connection == connection).unwrap_or(0);
        let mut tcp = Connection::new(trace.options.now, file, client);
        tcp.last = last;
        tcp.handshake(first);
        for a in arrivals(trace, connection) {
            tcp.deliver(&a);
        }
        let closed = transport_closed(trace, connection);
        let end = closed.unwrap_or_else(|| trace.events.iter().rposition(|e| e.connection == connection).map_or(0, |i| i + 1));
        tcp.close(end, closed.map(|_| "the transport closed here: a side waited for bytes that never came"));
        last = tcp.last;
        file = tcp.file;
    }
    file.bytes
}

/// A network event as a sentence, for the section's comments.
fn describe(n: &NetworkEvent) -> String {
    match n {
        NetworkEvent::Tampered { record, towards, offset, xor } => {
            format!("record {record}: the network XORed its byte {offset} with {xor:#04x} on its way to the {towards}")
        }
        NetworkEvent::Dropped { record, towards } => format!("record {record}: the network dropped it on its way to the {towards}"),
        NetworkEvent::Replaced { record, towards, bytes } => {
            format!("record {record}: the network put {bytes} other bytes in its place on its way to the {towards}")
        }
        NetworkEvent::Injected { before_record, towards, bytes } => {
            format!("record {before_record}: the network put {bytes} bytes before it on its way to the {towards}")
        }
        NetworkEvent::TransportClosed => "the transport closed the connection: a side waited for bytes that never came".into(),
        NetworkEvent::Copied { record, bytes } => format!("record {record}: the network kept a copy of its {bytes} bytes"),
        NetworkEvent::Replayed { record, towards, bytes } => {
            format!("copied record {record}: the network sent its {bytes} bytes again to the {towards}, as a connection of its own")
        }
        _ => MITM.into(),
    }
}

/// The TCP connection being written: each side's next sequence number and IPv4 Identification,
/// and the clock of the packets.
struct Connection {
    file: pcapng::File,
    /// Microseconds since 1970 of the SYN.
    start: u64,
    /// The time of the last packet written, so the next is later.
    last: Option<u64>,
    /// The next sequence number of the client and of the server.
    next: [u32; 2],
    ip_id: [u16; 2],
    /// The client's address and port.
    client: Addr,
}

fn index(side: Endpoint) -> usize {
    match side {
        Endpoint::Client => 0,
        Endpoint::Server => 1,
    }
}

impl Connection {
    fn new(now: u64, file: pcapng::File, client: Addr) -> Self {
        Connection { file, start: now.saturating_mul(1_000_000), last: None, next: [CLIENT_ISN, SERVER_ISN], ip_id: [1, 1], client }
    }

    fn addr(&self, side: Endpoint) -> Addr {
        match side {
            Endpoint::Client => self.client,
            Endpoint::Server => SERVER,
        }
    }

    /// The time of a packet sent `ms` milliseconds after the SYN: never earlier than, nor the same
    /// as, the packet before it.
    fn at(&mut self, ms: u64) -> u64 {
        let t = self.start.saturating_add(ms.saturating_mul(1000));
        let t = match self.last {
            Some(l) if t <= l => l.saturating_add(1),
            _ => t,
        };
        self.last = Some(t);
        t
    }

    /// The time of the event with this index (or of a packet just after the one before).
    fn at_event(&mut self, i: usize) -> u64 {
        self.at(HANDSHAKE_MS.saturating_add(u64::try_from(i).unwrap_or(u64::MAX)))
    }

    /// Write one segment from `from`, acknowledging everything the peer sent (each record is
    /// delivered whole before the next is sent, so the receiver always has it all).
    fn send(&mut self, from: Endpoint, flags: u8, options: &[u8], payload: &[u8], micros: u64, comment: Option<&str>) {
        let (me, peer) = (index(from), index(from.peer()));
        let seq = self.next[me];
        let ack = if flags & ACK != 0 { self.next[peer] } else { 0 };
        let segment = Segment { src: self.addr(from), dst: self.addr(from.peer()), seq, ack, flags, options, payload };
        let id = self.ip_id[me];
        self.ip_id[me] = id.wrapping_add(1);
        self.file.packet(micros, &tcpip::packet(&segment, id), comment);
        // SYN and FIN each take one sequence number (RFC 9293 §3.4).
        let control = u32::from(flags & (SYN | FIN) != 0);
        self.next[me] = seq.wrapping_add(u32::try_from(payload.len()).unwrap_or(u32::MAX)).wrapping_add(control);
    }

    /// RFC 9293 §3.5: SYN, SYN/ACK, ACK, each SYN announcing the MSS, 1 ms apart and just before
    /// the event with index `first`, the connection's first.
    fn handshake(&mut self, first: usize) {
        let mss = tcpip::mss_option(u16::try_from(MSS).unwrap_or(u16::MAX));
        let first = u64::try_from(first).unwrap_or(u64::MAX);
        let t = self.at(first);
        self.send(Endpoint::Client, SYN, &mss, &[], t, None);
        let t = self.at(first.saturating_add(1));
        self.send(Endpoint::Server, SYN | ACK, &mss, &[], t, None);
        let t = self.at(first.saturating_add(2));
        self.send(Endpoint::Client, ACK, &[], &[], t, None);
    }

    /// One record: its segments when the network carried it, then the receiver's ACK when it
    /// had handled it. Nothing when nothing arrived.
    fn deliver(&mut self, a: &Arrival) {
        let notes = a.notes.join("; ");
        let chunks: Vec<&[u8]> = a.bytes.chunks(MSS).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let push = if i + 1 == chunks.len() { PSH } else { 0 };
            let t = self.at_event(a.carried);
            let comment = (i == 0 && !notes.is_empty()).then_some(notes.as_str());
            self.send(a.from, ACK | push, &[], chunk, t, comment);
        }
        if !chunks.is_empty() {
            let t = self.at_event(a.handled);
            self.send(a.from.peer(), ACK, &[], &[], t, None);
        }
    }

    /// RFC 9293 §3.6: the client's FIN, the server's FIN, the client's ACK, at event `end`.
    fn close(&mut self, end: usize, comment: Option<&str>) {
        let t = self.at_event(end);
        self.send(Endpoint::Client, FIN | ACK, &[], &[], t, comment);
        let t = self.at_event(end);
        self.send(Endpoint::Server, FIN | ACK, &[], &[], t, None);
        let t = self.at_event(end);
        self.send(Endpoint::Client, ACK, &[], &[], t, None);
    }
}

#[cfg(test)]
mod tests;
