//! Two connections between the same client and server: the first issues tickets, the second
//! offers one (RFC 8446 §2.2), with or without 0-RTT data.

use std::sync::{Arc, Mutex};

use tlsviz::tls::client::{Client, Resumption, StoredTicket};
use tlsviz::tls::conn::Role;
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::server::Server;
use tlsviz::tls::ticket::TicketKeeper;

use super::{pair, NOW};

/// The server's clock at the first connection, in milliseconds.
pub const NOW_MS: u64 = NOW * 1000;

/// Move bytes both ways until neither side has anything to send.
pub fn drive(c: &mut Client, s: &mut Server) {
    for _ in 0..100 {
        let to_s = c.common.take_output();
        let to_c = s.common.take_output();
        if to_s.is_empty() && to_c.is_empty() {
            return;
        }
        s.receive(&to_s);
        c.receive(&to_c);
    }
}

/// A keeper whose tickets allow `max_early_data` bytes of 0-RTT data.
pub fn keeper(max_early_data: u32) -> Arc<Mutex<TicketKeeper>> {
    Arc::new(Mutex::new(TicketKeeper::new([0x42; 16], 7200, max_early_data)))
}

/// A first, full connection with `keeper`; returns the client's tickets.
pub fn first_connection(seed: u64, keeper: &Arc<Mutex<TicketKeeper>>) -> Vec<StoredTicket> {
    let (mut c, s) = pair(seed);
    let mut s = s.with_tickets(keeper.clone(), NOW_MS);
    c.start();
    drive(&mut c, &mut s);
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    std::mem::take(&mut c.tickets)
}

/// The second connection's endpoints: the client offering `r`, the server `later_ms` after the
/// first connection with the same keeper. Nothing is sent yet.
pub fn second_pair(seed: u64, keeper: &Arc<Mutex<TicketKeeper>>, r: Resumption, later_ms: u64) -> (Client, Server) {
    let (c, s) = pair(seed + 1);
    let c = c.resume(r);
    let s = s.with_tickets(keeper.clone(), NOW_MS + later_ms);
    (c, s)
}

/// A fresh server sharing `keeper`, at `at_ms` after the first connection.
pub fn server_at(seed: u64, keeper: &Arc<Mutex<TicketKeeper>>, at_ms: u64) -> Server {
    let (_, s) = pair(seed);
    s.with_tickets(keeper.clone(), NOW_MS + at_ms)
}

pub fn resumption(ticket: StoredTicket, early: Option<&str>) -> Resumption {
    Resumption { ticket, psk_ke: false, early_data: early.map(|e| e.as_bytes().to_vec()) }
}

/// Whether any of `events` is a handshake message of this type that the side sent.
pub fn sent(events: &[Event], typ: tlsviz::tls::enums::HandshakeType) -> bool {
    events.iter().any(|e| matches!(e, Event::HandshakeSent { message, .. } if message.typ == typ))
}
