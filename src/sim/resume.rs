//! The later connections of a scenario that resumes (RFC 8446 §2.2, §2.3, §8): the second
//! connection offers the first's ticket, maybe with 0-RTT data; an attacker may replay its first
//! flight as a third. All go into the one trace, numbered 2 and 3.

use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha20Rng;
use rand_core::Rng;

use super::scenario::Resume;
use super::{pair, run_script, NetworkEvent, Options, Pair, Pki, Setup, Trace};
use crate::tls::client::Resumption;
use crate::tls::conn::Role;
use crate::tls::events::{Endpoint, Phase};
use crate::tls::ticket::TicketKeeper;

/// How long after the first connection the client comes back, in seconds.
pub const LATER: u64 = 30;

/// The 0-RTT data a ticket of these scenarios allows (one full record).
const MAX_EARLY_DATA: u32 = 16384;

fn ms(seconds: u64) -> u64 {
    seconds.saturating_mul(1000)
}

/// The server's ticket key and memory, made for the run, given to the first connection's server.
pub(super) fn keeper(p: &mut Pair, r: &Resume, opts: &Options, rng: &mut ChaCha20Rng) -> Arc<Mutex<TicketKeeper>> {
    let mut key = [0u8; 16];
    rng.fill_bytes(&mut key);
    let max_early = if r.early_data { MAX_EARLY_DATA } else { 0 };
    let k = Arc::new(Mutex::new(TicketKeeper::new(key, 7200, max_early)));
    p.server.set_tickets(k.clone(), ms(opts.now));
    k
}

/// The second connection (and the attacker's third), after the first one ended in `first`.
pub(super) fn later_connections(
    first: Pair,
    opts: &Options,
    r: Resume,
    k: Arc<Mutex<TicketKeeper>>,
    pki: &Pki,
    rng: &mut ChaCha20Rng,
) -> Trace {
    let Pair { mut client, mut trace, .. } = first;
    let Some(ticket) = (!client.tickets.is_empty()).then(|| client.tickets.remove(0)) else {
        // The first connection failed before its ticket: nothing to resume with.
        return trace;
    };
    let later = opts.now.saturating_add(LATER);
    let setup = |network| Setup { client_now: later, network, resume: None, ..opts.scenario.setup(opts) };
    let early_data = r.early_data.then(|| opts.client_messages.first().map(|m| m.as_bytes().to_vec())).flatten();
    let sent_early = early_data.is_some();
    let Pair { client, server, network, unsent, .. } = pair(opts, setup(r.network), trace.seed, pki, rng);
    let mut client = client;
    client.set_resumption(Resumption { ticket, psk_ke: false, early_data });
    let mut server = server;
    server.set_tickets(k.clone(), ms(later));
    let mut p = Pair { client, server, network, trace, connection: 2, unsent };
    run_script(&mut p, opts, sent_early);
    p.trace.finish(2, &p.client, &p.server);
    trace = p.trace;
    if r.replay {
        let copies = p.network.take_copies();
        trace = replay(trace, copies, opts, k, pki, rng);
    }
    trace
}

/// RFC 8446 §8: the attacker sends the copied first flight to the server again, as a connection of
/// its own. It cannot go on from there: it holds neither the PSK nor the client's key share.
fn replay(trace: Trace, copies: Vec<Vec<u8>>, opts: &Options, k: Arc<Mutex<TicketKeeper>>, pki: &Pki, rng: &mut ChaCha20Rng) -> Trace {
    let setup = Setup { resume: None, ..opts.scenario.setup(opts) };
    let Pair { client, mut server, network, unsent, .. } = pair(opts, setup, trace.seed, pki, rng);
    server.set_tickets(k, ms(opts.now.saturating_add(LATER + 1)));
    let mut p = Pair { client, server, network, trace, connection: 3, unsent };
    for (record, bytes) in copies.into_iter().enumerate() {
        p.trace.push_network(3, NetworkEvent::Replayed { record, towards: Endpoint::Server, bytes: bytes.len() });
        p.server.receive(&bytes);
        p.collect();
    }
    // What the server answers goes to the attacker, who has nothing to say to it.
    let _ = p.server.common.take_output();
    p.trace.push_network(3, NetworkEvent::TransportClosed);
    p.network.close();
    p.server.end_of_input();
    let _ = p.server.common.take_output();
    p.collect();
    p.trace.finish_phases(3, Phase::Start, p.server.phase());
    p.trace
}
