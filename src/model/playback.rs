//! Playback by beats a reader can follow. The trace records each side's events in the order the
//! engine produced them; the simulation delivers a whole flight after its sender has finished it.
//! For a reader the page shows them in an order a real network allows: each record's arrival and
//! handling right after it was sent (never before), each side's own events in their order. Then
//! it cuts that order into beats (one message sent, one message handled with what the receiver
//! checks and derives from it, an alert, data, what the network did), gives each beat one of the
//! five steps so that the steps only move forward, and says how long a beat needs to be read.

use super::narration::{check, narrate, who, Narration};
use crate::sim::{Side, Trace, TraceEvent};
use crate::tls::enums::{AlertDescription, HandshakeType};
use crate::tls::events::{Carries, Check, CheckKind, DiscardReason, Event, KeyPartKind, Output, Phase};
use serde::{Deserialize, Serialize};

/// Reading speed: words a minute at 1×.
pub const WORDS_PER_MINUTE: u32 = 200;
/// What a record's flight across the network takes on screen at 1×.
pub const FLIGHT_MS: u32 = 1200;

/// The five plain-language steps of a TLS connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Hello,
    SessionKeys,
    Authentication,
    SecureConnection,
    Closing,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Hello, Step::SessionKeys, Step::Authentication, Step::SecureConnection, Step::Closing];

    pub fn title(self) -> &'static str {
        match self {
            Step::Hello => "Hello",
            Step::SessionKeys => "Session keys",
            Step::Authentication => "Authentication",
            Step::SecureConnection => "Secure connection",
            Step::Closing => "Closing",
        }
    }
}

/// One beat: what the reader sees at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// The trace indices of its events, in display order.
    pub events: Vec<usize>,
    /// The event the beat is about.
    pub headline: usize,
    pub side: Side,
    /// The connection of the run it belongs to (from 1; a resumption has a second).
    pub connection: u32,
    pub step: Step,
    pub narration: Narration,
    /// Said when this beat is the first of its step, where TLS 1.3 differs from the classic story.
    pub step_note: Option<&'static str>,
    /// Whether a record crosses the network in this beat.
    pub flight: bool,
    /// Words a beginner meets here for the first time in the run, with their explanations.
    pub terms: Vec<&'static super::glossary::Term>,
    /// The words of the step's introduction, which the page shows above the narration: counted
    /// in the reading time of the step's first beat, where the reader meets it (0 elsewhere).
    pub intro_words: usize,
}

impl Beat {
    /// Words on screen for this beat.
    pub fn words(&self) -> usize {
        self.narration.plain.split_whitespace().count() + self.step_note.map_or(0, |n| n.split_whitespace().count()) + self.intro_words
    }

    /// How long the beat stays on screen at speed `speed` (1, 2, 4): its reading time at
    /// [`WORDS_PER_MINUTE`], plus its animation.
    pub fn duration_ms(&self, speed: u32) -> u32 {
        let words = u32::try_from(self.words()).unwrap_or(u32::MAX);
        let reading = words.saturating_mul(60_000) / WORDS_PER_MINUTE;
        let total = reading.saturating_add(if self.flight { FLIGHT_MS } else { 400 });
        total / speed.max(1)
    }
}

/// A trace laid out for reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Playback {
    /// Every event index, in display order.
    pub order: Vec<usize>,
    pub beats: Vec<Beat>,
}

/// The display order: each side's events in their own order, what the network did to a record
/// right after it was sent, and a record's handling by its receiver as soon as it was sent (the
/// page switches to the receiver whenever a record it can handle has just gone out). A network
/// event outside any record's carrying (the transport closing) stays where the trace has it,
/// between everything before it and everything after.
pub fn display_order(t: &Trace) -> Vec<usize> {
    let n = t.events.len();
    // What each event waits for besides the previous event of its side.
    let mut waits: Vec<Option<usize>> = vec![None; n];
    let mut reaction: Vec<Option<usize>> = vec![None; n];
    for del in &t.deliveries {
        for w in waits.iter_mut().take(del.end.min(n)).skip(del.first) {
            *w = Some(del.sent);
        }
        if del.sent < n {
            reaction[del.sent] = (del.first < del.end.min(n)).then_some(del.first);
        }
    }
    let in_delivery: Vec<bool> = waits.iter().map(Option::is_some).collect();
    let barriers: Vec<usize> = (0..n).filter(|&i| t.events[i].side == Side::Network && !in_delivery[i]).collect();
    let queue = |side: Side| -> Vec<usize> { (0..n).filter(|&i| t.events[i].side == side).collect() };
    let mut queues = [queue(Side::Client), queue(Side::Server), queue(Side::Network)];
    let mut heads = [0usize; 3];
    let mut emitted = vec![false; n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    // A later connection begins once everything of the earlier ones is shown (the trace records
    // connections one after the other).
    let conn_start: Vec<usize> =
        (0..n).map(|i| t.events.iter().position(|e| e.connection == t.events[i].connection).unwrap_or(0)).collect();
    let available = |i: usize, emitted: &[bool]| {
        let earlier_done = emitted[..conn_start[i]].iter().all(|&e| e);
        let barrier_ok = if barriers.contains(&i) { (0..i).all(|j| emitted[j]) } else { barriers.iter().all(|&b| b > i || emitted[b]) };
        earlier_done && barrier_ok && waits[i].is_none_or(|s| emitted[s])
    };
    let slot = |s: Side| -> usize {
        match s {
            Side::Client => 0,
            Side::Server => 1,
            Side::Network => 2,
        }
    };
    let mut cur = 0;
    // The first events of arrivals whose record has gone out but which have not begun.
    let mut pending: Vec<usize> = Vec::new();
    while order.len() < n {
        let next = |q: usize, heads: &[usize; 3], emitted: &[bool]| queues[q].get(heads[q]).copied().filter(|&i| available(i, emitted));
        // A record that went out is handled by its receiver (after what the network does to it)
        // as soon as the sender has finished its own bookkeeping (deriving keys, installing
        // them, saying what it now waits for) and the receiver is free.
        let bookkeeping = next(cur, &heads, &emitted).is_some_and(|i| {
            matches!(
                t.events[i].event(),
                Some(
                    Event::Phase { .. }
                        | Event::Derived(_)
                        | Event::KeysInstalled { .. }
                        | Event::KeysDiscarded { .. }
                        | Event::EphemeralKeyErased { .. }
                )
            )
        });
        if !bookkeeping {
            pending.retain(|&first| !emitted[first]);
            if let Some(q) = pending.iter().map(|&first| slot(t.events[first].side)).find(|&q| next(q, &heads, &emitted).is_some()) {
                cur = q;
            }
        }
        let pick = [cur, 2, 0, 1].into_iter().find(|&q| next(q, &heads, &emitted).is_some());
        let Some(q) = pick else {
            // Nothing can go on (a trace this module does not understand): the rest in trace order.
            order.extend((0..n).filter(|&i| !emitted[i]));
            break;
        };
        let i = queues[q][heads[q]];
        heads[q] += 1;
        emitted[i] = true;
        order.push(i);
        if let Some(first) = reaction[i] {
            pending.push(first);
        }
        if q != 2 {
            cur = q;
        }
    }
    queues.iter_mut().for_each(Vec::clear);
    order
}

/// Whether an event opens a beat of its own.
fn is_headline(e: &TraceEvent, first_derivation: bool) -> bool {
    match &e.happening {
        crate::sim::Happening::Network(_) => true,
        crate::sim::Happening::Endpoint(ev) => match ev {
            Event::HandshakeSent { .. } | Event::HandshakeReceived { message: Some(_), .. } => true,
            Event::AlertSent { .. } | Event::AlertReceived { .. } | Event::AppDataSent { .. } | Event::AppDataReceived { .. } => true,
            Event::Derived(_) => first_derivation,
            _ => false,
        },
    }
}

/// Whether an event leads into the next beat of its side rather than closing the one before.
fn is_lead_in(e: &TraceEvent) -> bool {
    matches!(
        e.event(),
        Some(
            Event::KeyPair { .. }
                | Event::Offered { .. }
                | Event::RecordReceived { .. }
                | Event::Error { .. }
                | Event::Signed { .. }
                | Event::FinishedComputed { .. }
                | Event::HelloRetry { .. }
                | Event::TicketIssued { .. }
                | Event::ResumptionOffered { .. }
                | Event::ClientCertificateAnswer { .. }
        )
    ) || (e.side == Side::Server && matches!(e.event(), Some(Event::CertificateRequested { .. })))
}

/// The step a beat belongs to by itself (`None`: whichever step the reader is in).
fn natural_step(e: &TraceEvent) -> Option<Step> {
    use HandshakeType as H;
    let by_message = |typ: HandshakeType| match typ {
        H::client_hello | H::server_hello => Step::Hello,
        H::encrypted_extensions => Step::SessionKeys,
        H::certificate_request | H::certificate | H::certificate_verify | H::finished | H::end_of_early_data => Step::Authentication,
        _ => Step::SecureConnection,
    };
    match e.event()? {
        Event::HandshakeSent { message, .. } | Event::HandshakeReceived { message: Some(message), .. } => Some(by_message(message.typ)),
        Event::Derived(_) => Some(Step::SessionKeys),
        Event::AppDataSent { .. } | Event::AppDataReceived { .. } => Some(Step::SecureConnection),
        Event::AlertSent { description, .. } | Event::AlertReceived { description, .. }
            if *description == AlertDescription::close_notify =>
        {
            Some(Step::Closing)
        }
        _ => None,
    }
}

/// Whether the connection of event `index` agreed on a hybrid group, whose ServerHello carries an
/// ML-KEM-768 ciphertext beside the public key.
fn hybrid_share(t: &Trace, index: usize) -> bool {
    let connection = t.events.get(index).map_or(1, |e| e.connection);
    let agreed = t.connections.iter().find(|o| o.connection == connection).and_then(|o| o.agreed);
    cfg!(feature = "mlkem") && agreed.is_some_and(|a| crate::tls::kx::hybrid(a.group).is_some())
}

/// What TLS 1.3 does differently from the classic story, said when the reader enters a step.
fn step_note(step: Step, resumed: bool) -> Option<&'static str> {
    if resumed {
        return super::resumption::step_note(step);
    }
    match step {
        Step::SessionKeys => Some(
            "In TLS 1.3 the session keys come before authentication: the keys exist after one round trip, so every handshake message from here on, the server's certificate included, travels encrypted.",
        ),
        Step::Authentication => {
            Some("The server proves who it is under the new keys: an eavesdropper does not even see which certificate it sends.")
        }
        _ => None,
    }
}

/// Lay a trace out for reading: display order, beats, steps, words.
pub fn playback(t: &Trace) -> Playback {
    let order = display_order(t);
    // Group: each headline opens a beat; lead-ins wait for the next headline of their side.
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut waiting: Vec<usize> = Vec::new();
    let mut derived_seen: Vec<(u32, Side)> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let e = &t.events[i];
        let first_derivation = matches!(e.event(), Some(Event::Derived(_))) && !derived_seen.contains(&(e.connection, e.side));
        if matches!(e.event(), Some(Event::Derived(_))) && first_derivation {
            derived_seen.push((e.connection, e.side));
        }
        if is_headline(e, first_derivation) {
            let mut events = std::mem::take(&mut waiting);
            events.push(i);
            groups.push((i, events));
            continue;
        }
        let next_headline_same_side = order[pos + 1..]
            .iter()
            .map(|&j| &t.events[j])
            .find(|x| is_headline(x, matches!(x.event(), Some(Event::Derived(_))) && !derived_seen.contains(&(x.connection, x.side))))
            .is_some_and(|x| x.side == e.side);
        let current_side = groups.last().map(|(h, _)| t.events[*h].side);
        if (is_lead_in(e) && next_headline_same_side) || groups.is_empty() {
            waiting.push(i);
        } else if current_side != Some(e.side) {
            // Something the other side does on its own meanwhile: a beat of its own.
            let mut events = std::mem::take(&mut waiting);
            events.push(i);
            groups.push((i, events));
        } else if let Some((_, events)) = groups.last_mut() {
            events.append(&mut waiting);
            events.push(i);
        }
    }
    if let Some((_, events)) = groups.last_mut() {
        events.append(&mut waiting);
    } else if !waiting.is_empty() {
        groups.push((waiting[0], waiting));
    }
    // Keep events in display order inside a beat (lead-ins come first already).
    let mut step = Step::Hello;
    let mut connection = 1;
    let mut beats = Vec::with_capacity(groups.len());
    for (headline, events) in groups {
        let e = &t.events[headline];
        // Each connection has its own five steps: the heading starts over with it.
        let new_connection = e.connection != connection;
        if new_connection {
            connection = e.connection;
            step = Step::Hello;
        }
        let before = step;
        if let Some(s) = natural_step(e).filter(|_| !super::resumption::in_hello(t, &events)) {
            step = step.max(s);
        }
        let resumed = t.connections.iter().any(|o| o.connection == connection && o.resumed);
        let note = match new_connection {
            true => super::resumption::connection_note(t, connection),
            false if step != before => step_note(step, resumed),
            false => None,
        };
        let narration = super::resumption::beat(t, headline, &events).unwrap_or_else(|| beat_narration(t, headline, &events));
        let flight = events.iter().any(|&i| matches!(t.events[i].event(), Some(Event::RecordSent { .. })));
        let first_of_step = new_connection || step != before || beats.is_empty();
        // The introduction, and its heading ("Step 2 of 5 · Session keys —"), about five words.
        let intro_words = if first_of_step { super::narration::step_intro(step, resumed).split_whitespace().count() + 5 } else { 0 };
        beats.push(Beat {
            events,
            headline,
            side: e.side,
            connection,
            step,
            narration,
            step_note: note,
            flight,
            terms: Vec::new(),
            intro_words,
        });
    }
    // Each term is explained where it first appears.
    let mut met: Vec<&str> = Vec::new();
    for b in &mut beats {
        let text = format!("{} {}", b.step_note.unwrap_or(""), b.narration.plain);
        for term in super::glossary::terms_in(&text) {
            if !met.contains(&term.term) {
                met.push(term.term);
                b.terms.push(term);
            }
        }
    }
    Playback { order, beats }
}

/// A beat's words: its headline's sentence, or the failed check that decided it, and a few
/// words about what else it holds that a reader should not miss.
fn beat_narration(t: &Trace, headline: usize, events: &[usize]) -> Narration {
    let e = &t.events[headline];
    let evs = || events.iter().map(|&i| &t.events[i]).filter_map(|x| x.event().map(|ev| (x, ev)));
    // A passed ALPN check is told by the message's own sentence (the protocol chosen), not as a check.
    // So is a client certificate that came: the beat says the server received it.
    let told = |c: &Check| {
        c.ok && matches!(
            c.kind,
            CheckKind::ApplicationProtocol { .. }
                | CheckKind::ApplicationProtocolSelected { .. }
                | CheckKind::ClientCertificate { certificates: 1.., .. }
        )
    };
    let checks: Vec<(&TraceEvent, &Check)> =
        evs().filter_map(|(x, ev)| if let Event::Check(c) = ev { Some((x, c)) } else { None }).filter(|(_, c)| !told(c)).collect();
    let w = who(e.side);
    let chose = evs().find_map(|(_, ev)| match ev {
        Event::Chose { suite, group, alpn, .. } => Some((suite.to_string(), group.to_string(), alpn.clone())),
        _ => None,
    });
    let shared = evs().any(|(_, ev)| matches!(ev, Event::SharedSecret { .. }));
    let headline_ev = e.event();
    let mut n = match checks.iter().find(|(_, c)| !c.ok) {
        // A failed check is what the beat is about.
        Some((x, c)) => check(x.side, c),
        None => match checks.as_slice() {
            [] => match headline_ev {
                Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::client_hello && chose.is_some() => {
                    let mut n = narrate(t, e);
                    n.plain = chooses(w, chose.clone().unwrap_or_default());
                    n
                }
                Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::certificate_request => {
                    match evs().find(|(_, ev)| matches!(ev, Event::CertificateRequested { .. })) {
                        Some((x, _)) => narrate(t, x),
                        None => narrate(t, e),
                    }
                }
                Some(Event::HandshakeReceived { message: Some(m), .. })
                    if m.typ == HandshakeType::server_hello && !m.hello_retry_request =>
                {
                    let mut n = narrate(t, e);
                    n.plain = if super::mitm::server_hello_is_forged(t, headline) {
                        format!("{w} receives a ServerHello it takes for the server's; the public key in it is the attacker's.")
                    } else {
                        format!(
                            "{w} receives the ServerHello: the server agreed to TLS 1.3 and sent its {}.",
                            if hybrid_share(t, headline) {
                                "key share, an ML-KEM-768 ciphertext and its own public key"
                            } else {
                                "public key"
                            }
                        )
                    };
                    n
                }
                Some(Event::Derived(_)) if !starts_key_schedule(t, headline) => {
                    // Later derivations: what they lead to is the news.
                    let installed = evs().rfind(|(_, ev)| matches!(ev, Event::KeysInstalled { .. }));
                    let last_secret = evs().rfind(|(_, ev)| matches!(ev, Event::Derived(d) if matches!(d.output, Output::Secret(_))));
                    match installed.or(last_secret) {
                        Some((x, _)) => narrate(t, x),
                        None => narrate(t, e),
                    }
                }
                Some(Event::Derived(_)) => {
                    let mut n = narrate(t, e);
                    let other = match super::mitm::same_handshake_keys(t, e.side, e.connection) {
                        Some(false) => "The other side derives its keys the same way but from other hellos, so its values differ",
                        // The server never answered: the ServerHello was the attacker's.
                        None if super::mitm::server_hello_is_forged(t, headline) => {
                            "The attacker, which sent that ServerHello, can derive the same values"
                        }
                        _ => "The other side derives the same values on its own",
                    };
                    // After a HelloRetryRequest the transcript holds four hellos (RFC 8446 §4.4.1),
                    // for the side that sent or received it: an attacker may hide it from the client.
                    let retried = t
                        .events
                        .iter()
                        .any(|x| x.connection == e.connection && x.side == e.side && matches!(x.event(), Some(Event::HelloRetry { .. })));
                    let hellos = if retried {
                        "the hash of the four hellos (the first ClientHello, replaced by its own hash, the HelloRetryRequest, the second ClientHello and the ServerHello)"
                    } else {
                        "the hash of the two hellos"
                    };
                    n.plain = format!(
                        "{w} derives its handshake keys: HKDF turns the shared secret and {hellos} into the handshake secret, one traffic secret for each direction, and from each a key and an IV. {other}; none of them is ever sent."
                    );
                    n
                }
                _ => narrate(t, e),
            },
            // The server's ALPN pick on the ClientHello: the sentence of what it chose says it too.
            [(_, c)]
                if c.ok
                    && chose.is_some()
                    && matches!(headline_ev, Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::client_hello) =>
            {
                let mut n = narrate(t, e);
                n.plain = chooses(w, chose.clone().unwrap_or_default());
                n.detail = format!("{} {}", n.detail, check(e.side, c).detail).trim().to_string();
                n
            }
            [(x, c)] => {
                let mut n = check(x.side, c);
                n.detail = format!("{} {}", narrate(t, e).detail, n.detail).trim().to_string();
                n
            }
            many => {
                let mut n = narrate(t, e);
                let mut list: Vec<&str> = Vec::new();
                for (_, c) in many {
                    let what = checked(&c.kind);
                    if !list.contains(&what) {
                        list.push(what);
                    }
                }
                let list = match list.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                    _ => list.join(""),
                };
                let cert = evs().find_map(|(_, ev)| if let Event::Certificate { info } = ev { Some(info) } else { None });
                match cert {
                    // The server reads a client's certificate: it names a subject, not a host.
                    Some(info) if e.side == Side::Server => {
                        n.plain = format!("{w} receives the client's certificate, for {}, issued by {}.", info.subject, info.issuer)
                    }
                    Some(info) => {
                        n.plain =
                            format!("{w} receives the server's certificate, for {}, issued by {}.", info.dns_names.join(", "), info.issuer)
                    }
                    None => {}
                }
                n.plain = format!("{} It checks the chain: {list}. All pass ✓.", n.plain);
                n.detail = many.iter().map(|(x, c)| check(x.side, c).detail).collect::<Vec<_>>().join(" ");
                n
            }
        },
    };
    let mut extra = Vec::new();
    if shared {
        let subject = if matches!(headline_ev, Some(Event::HandshakeReceived { .. })) { "It".to_string() } else { w.to_string() };
        let hybrid = evs().any(|(_, ev)| matches!(ev, Event::SharedSecret { parts, .. } if !parts.is_empty()));
        // Told from this side's own view, so it stays true when the other side is an attacker.
        let encapsulates = evs().any(
            |(_, ev)| matches!(ev, Event::KeyPair { public_parts, .. } if public_parts.iter().any(|p| p.kind == KeyPartKind::Ciphertext)),
        );
        extra.push(if hybrid && encapsulates {
            format!("{subject} gets the shared secret from both halves of the hybrid: it encapsulates a fresh ML-KEM-768 secret to the other side's encapsulation key, and combines its own elliptic-curve private key with the other side's public key. Whoever holds the matching private keys gets the same value, which never crosses the network.")
        } else if hybrid {
            format!("{subject} gets the shared secret from both halves of the hybrid: it decapsulates the ML-KEM-768 ciphertext with its own private key, and combines its own elliptic-curve private key with the other side's public key. The other side got the same value, which never crosses the network.")
        } else {
            format!("{subject} combines its own private key with the other side's public key: both get the same shared secret, which never crosses the network.")
        });
    }
    // A client that sent several key shares erases them all, the unused ones too.
    let erased = evs().filter(|(_, ev)| matches!(ev, Event::EphemeralKeyErased { .. })).count();
    let mut erased_told = false;
    for (x, ev) in evs() {
        match ev {
            Event::RecordSent { carries: Carries::ChangeCipherSpec, .. } if x.index != headline => extra.push(format!(
                "{} also sends a dummy change_cipher_spec record, in plaintext: it changes nothing in TLS 1.3 and is there only so old middleboxes see what looks like TLS 1.2.",
                who(x.side)
            )),
            Event::EphemeralKeyErased { .. } if !erased_told => {
                erased_told = true;
                extra.push(if erased > 1 {
                    format!("Then it erases {} of its ephemeral private keys, for the group the server chose and for what it passed over: nobody can recompute this shared secret later (forward secrecy).", if erased == 2 { "both".to_string() } else { format!("all {erased}") })
                } else {
                    "Then it erases its ephemeral private key: nobody can recompute this shared secret later (forward secrecy).".to_string()
                });
            }
            Event::Phase { to: Phase::Connected, .. } => extra.push(format!("The handshake is complete for the {}.", x.side.name())),
            Event::KeysDiscarded { reason: DiscardReason::Closed, .. } if x.index != headline => {
                extra.push(format!("Both sides have sent close_notify: the {} erases its traffic keys.", x.side.name()))
            }
            // Whether a later connection of the client offers a ticket: the last connection's
            // ticket, and the one before an attacker's replay, go unused.
            Event::TicketStored { .. } if !matches!(e.event(), Some(Event::TicketStored { .. })) => extra.push(
                if t.events.iter().any(|y| {
                    y.connection > x.connection && y.side == Side::Client && matches!(y.event(), Some(Event::ResumptionOffered { .. }))
                }) {
                    "It keeps the ticket, to come back later without a full handshake."
                } else {
                    "It keeps the ticket; this page makes no later connection with it, so it goes unused."
                }
                .into(),
            ),
            _ => {}
        }
    }
    if !extra.is_empty() {
        n.plain = format!("{} {}", n.plain, extra.join(" "));
    }
    n
}

/// What a server takes from a ClientHello: what both support.
fn chooses(w: &str, (suite, group, alpn): (String, String, Option<String>)) -> String {
    format!(
        "{w} receives the ClientHello and chooses what both support: TLS 1.3, {suite} and the group {group}{}.",
        alpn.map(|a| format!(", and the application protocol {a}")).unwrap_or_default()
    )
}

/// What a check looks at, in a list of the checks a certificate chain passed.
fn checked(k: &crate::tls::events::CheckKind) -> &'static str {
    use crate::tls::events::CheckKind as K;
    match k {
        K::ChainLength { .. } => "its length",
        K::IssuerSignature { .. } => "each issuer's signature",
        K::MayIssue { .. } => "each issuer's right to issue certificates",
        K::TrustAnchor { .. } => "that it ends at the trusted CA",
        K::Validity { .. } => "every certificate's dates",
        K::Name { .. } => "the name",
        K::Usage { .. } | K::ClientUsage { .. } => "the leaf's usage",
        K::ClientCertificate { .. } => "that there is one",
        K::CertificateVerify { .. }
        | K::Finished { .. }
        | K::RecordDecryption { .. }
        | K::Binder { .. }
        | K::ApplicationProtocol { .. }
        | K::ApplicationProtocolSelected { .. } => "the handshake",
    }
}

/// Whether the derivation at `i` is the first of its side in its connection: the start of the key
/// schedule, the moment the handshake keys are made.
fn starts_key_schedule(t: &Trace, i: usize) -> bool {
    let e = &t.events[i];
    !t.events[..i].iter().any(|x| x.side == e.side && x.connection == e.connection && matches!(x.event(), Some(Event::Derived(_))))
}

/// The first beat of each step, for the step buttons (`None`: the run never got there).
pub fn step_starts(p: &Playback) -> Vec<(Step, Option<usize>)> {
    Step::ALL.iter().map(|s| (*s, p.beats.iter().position(|b| b.step == *s))).collect()
}

impl Playback {
    /// How many events of the display order beats `0..beat` show.
    pub fn shown_len(&self, beats: usize) -> usize {
        self.beats.iter().take(beats).map(|b| b.events.len()).sum()
    }

    /// The trace indices shown after `beats` beats, in display order.
    pub fn shown(&self, beats: usize) -> Vec<usize> {
        self.beats.iter().take(beats).flat_map(|b| b.events.iter().copied()).collect()
    }

    /// Total time of a run at speed `speed`, in milliseconds.
    pub fn total_ms(&self, speed: u32) -> u64 {
        self.beats.iter().map(|b| u64::from(b.duration_ms(speed))).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{run, Options, Scenario};

    fn all_runs() -> Vec<(Scenario, Trace)> {
        Scenario::ALL.iter().map(|s| (s.clone(), run(&Options { seed: Some(3), scenario: s.clone(), ..Default::default() }))).collect()
    }

    #[test]
    fn the_first_beat_of_each_step_gives_time_to_read_the_step_s_introduction() {
        let p = playback(&run(&Options { seed: Some(5), ..Default::default() }));
        for (i, b) in p.beats.iter().enumerate() {
            let first = i == 0 || p.beats[i - 1].step != b.step;
            let intro = crate::model::narration::step_intro(b.step, false).split_whitespace().count();
            assert_eq!(b.intro_words > intro, first, "beat {i}");
            assert!(b.duration_ms(1) >= u32::try_from(b.words() * 60_000).unwrap() / WORDS_PER_MINUTE, "beat {i}");
        }
        assert_eq!(p.beats.iter().filter(|b| b.intro_words > 0).count(), 5);
    }

    #[test]
    fn the_display_order_is_a_permutation_that_keeps_each_side_in_order_and_every_arrival_after_its_sending() {
        for (s, t) in all_runs() {
            let order = display_order(&t);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..t.events.len()).collect::<Vec<_>>(), "{s:?}: not a permutation");
            let rank: Vec<usize> = {
                let mut r = vec![0; order.len()];
                for (pos, &i) in order.iter().enumerate() {
                    r[i] = pos;
                }
                r
            };
            for side in [Side::Client, Side::Server, Side::Network] {
                let mine: Vec<usize> = order.iter().copied().filter(|&i| t.events[i].side == side).collect();
                assert!(mine.windows(2).all(|w| w[0] < w[1]), "{s:?}: the {side:?} side's events were reordered");
            }
            for d in &t.deliveries {
                for i in d.first..d.end {
                    assert!(rank[i] > rank[d.sent], "{s:?}: event {i} shown before the record that caused it");
                }
            }
        }
    }

    #[test]
    fn the_client_handles_the_server_hello_before_the_server_sends_its_certificate() {
        let t = run(&Options { seed: Some(2), ..Default::default() });
        let order = display_order(&t);
        let pos = |f: &dyn Fn(&TraceEvent) -> bool| order.iter().position(|&i| f(&t.events[i])).unwrap();
        let client_gets_sh = pos(&|e| {
            e.side == Side::Client
                && matches!(e.event(), Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::server_hello)
        });
        let server_sends_cert = pos(&|e| {
            e.side == Side::Server
                && matches!(e.event(), Some(Event::HandshakeSent { message, .. }) if message.typ == HandshakeType::certificate)
        });
        assert!(client_gets_sh < server_sends_cert);
    }

    #[test]
    fn every_event_is_in_exactly_one_beat_and_the_steps_never_go_back_within_a_connection() {
        for (s, t) in all_runs() {
            let p = playback(&t);
            let mut all: Vec<usize> = p.beats.iter().flat_map(|b| b.events.clone()).collect();
            assert_eq!(all, p.order, "{s:?}: beats do not cover the display order in order");
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), t.events.len());
            // Within a connection the steps only move forward; a later connection starts over.
            assert!(
                p.beats.windows(2).all(|w| w[0].step <= w[1].step || (w[1].connection > w[0].connection && w[1].step == Step::Hello)),
                "{s:?}: a step went back"
            );
            assert!(p.beats.windows(2).all(|w| w[0].connection <= w[1].connection), "{s:?}: the connections are interleaved");
            assert!(p.beats.iter().all(|b| !b.narration.plain.is_empty()));
        }
    }

    #[test]
    fn the_beginner_s_words_are_each_explained_once_where_they_first_appear() {
        let t = run(&Options { seed: Some(3), ..Default::default() });
        let p = playback(&t);
        let explained: Vec<&str> = p.beats.iter().flat_map(|b| b.terms.iter().map(|t| t.term)).collect();
        for term in ["key share", "cipher suite", "certificate", "CA", "signature", "HKDF", "forward secrecy"] {
            assert_eq!(explained.iter().filter(|t| **t == term).count(), 1, "{term} explained {explained:?}");
        }
        assert!(p.beats[0].terms.iter().any(|t| t.term == "cipher suite"), "explained at the first hello");
    }

    #[test]
    fn a_normal_run_has_a_readable_number_of_beats_through_all_five_steps() {
        let t = run(&Options { seed: Some(3), ..Default::default() });
        let p = playback(&t);
        assert!((20..=45).contains(&p.beats.len()), "{} beats", p.beats.len());
        let steps: Vec<Step> = step_starts(&p).into_iter().filter_map(|(s, b)| b.map(|_| s)).collect();
        assert_eq!(steps, Step::ALL.to_vec());
        // At 1× every beat gives its words 60/200 s each.
        for b in &p.beats {
            assert!(u64::from(b.duration_ms(1)) >= b.words() as u64 * 300, "{:?}", b.narration.plain);
        }
        assert_eq!(p.beats[0].side, Side::Client, "the run opens with the client's hello");
    }

    #[test]
    fn each_scenario_has_the_beats_its_story_needs() {
        // (scenario, fewest and most beats, the step it ends in)
        for (s, range, last) in [
            (Scenario::Normal, 25..=35, Step::Closing),
            (Scenario::HelloRetry, 28..=40, Step::Closing),
            (crate::sim::scenario::PAGE_TAMPER, 12..=20, Step::Authentication),
            (Scenario::WrongName, 12..=20, Step::Authentication),
            (Scenario::Expired, 12..=20, Step::Authentication),
            (Scenario::UntrustedCa, 12..=20, Step::Authentication),
            (Scenario::LeafAsCa, 12..=20, Step::Authentication),
        ] {
            let p = playback(&run(&Options { seed: Some(3), scenario: s.clone(), ..Default::default() }));
            assert!(range.contains(&p.beats.len()), "{s:?}: {} beats", p.beats.len());
            assert_eq!(p.beats.last().map(|b| b.step), Some(last), "{s:?}");
        }
    }

    #[test]
    fn a_failed_run_never_reaches_closing() {
        for s in [Scenario::WrongName, Scenario::Expired, Scenario::UntrustedCa, Scenario::LeafAsCa, crate::sim::scenario::PAGE_TAMPER] {
            let t = run(&Options { seed: Some(3), scenario: s.clone(), ..Default::default() });
            let p = playback(&t);
            assert!(p.beats.iter().all(|b| b.step != Step::Closing), "{s:?} reached Closing without a close_notify");
        }
    }

    #[test]
    fn the_beat_that_fails_says_which_check_failed() {
        let t = run(&Options { seed: Some(3), scenario: Scenario::WrongName, ..Default::default() });
        let p = playback(&t);
        let b = p.beats.iter().find(|b| b.narration.plain.contains("✗")).expect("a failed beat");
        assert!(b.narration.plain.contains("checks the name") && b.narration.plain.contains("bad_certificate"), "{}", b.narration.plain);
    }

    #[test]
    fn the_handshake_keys_beat_counts_the_hellos_the_transcript_holds() {
        let beats = |scenario| {
            let t = crate::sim::run(&crate::sim::Options { seed: Some(6), scenario, ..Default::default() });
            playback(&t)
                .beats
                .into_iter()
                .map(|b| b.narration.plain)
                .filter(|p| p.contains("derives its handshake keys"))
                .collect::<Vec<_>>()
        };
        let plain = beats(Scenario::Normal);
        assert_eq!(plain.len(), 2, "{plain:?}");
        assert!(plain.iter().all(|p| p.contains("the hash of the two hellos into")), "{plain:?}");
        let retried = beats(Scenario::HelloRetry);
        assert_eq!(retried.len(), 2, "{retried:?}");
        assert!(
            retried.iter().all(|p| p.contains("the hash of the four hellos (the first ClientHello, replaced by its own hash,")),
            "{retried:?}"
        );
    }

    #[test]
    #[cfg(feature = "mitm")]
    fn a_client_that_never_saw_the_hello_retry_request_hashes_two_hellos() {
        // MitmForceRetry: the attacker keeps the HelloRetryRequest from the client, so only the
        // server's transcript holds it (RFC 8446 §4.4.1).
        let t = run(&Options { seed: Some(8), scenario: Scenario::MitmForceRetry, ..Default::default() });
        let keys = |side: Side| {
            playback(&t)
                .beats
                .into_iter()
                .find(|b| b.side == side && b.narration.plain.contains("derives its handshake keys"))
                .map(|b| b.narration.plain)
        };
        let (client, server) = (keys(Side::Client).expect("client"), keys(Side::Server).expect("server"));
        assert!(client.contains("the hash of the two hellos") && !client.contains("HelloRetryRequest"), "{client}");
        assert!(server.contains("the hash of the four hellos"), "{server}");
    }

    /// The beats of `scenario` at seed 8, with their trace.
    fn beats_of(scenario: Scenario) -> (Trace, Vec<Beat>) {
        let t = run(&Options { seed: Some(8), scenario, ..Default::default() });
        let beats = playback(&t).beats;
        (t, beats)
    }

    fn sends(e: &TraceEvent, side: Side, typ: HandshakeType, retry: bool) -> bool {
        e.side == side
            && matches!(e.event(), Some(Event::HandshakeSent { message, .. }) if message.typ == typ && message.hello_retry_request == retry)
    }

    #[test]
    fn the_server_is_said_to_be_done_where_it_verifies_the_clients_finished_not_where_it_issues_a_ticket() {
        // RFC 8446 §4.4.4: the client's Finished ends the handshake for the server; a
        // NewSessionTicket is a post-handshake message (§4.6.1).
        let (t, beats) = beats_of(Scenario::Normal);
        let done = "The handshake is complete for the server.";
        let finished = t
            .events
            .iter()
            .position(|e| {
                e.side == Side::Server
                    && matches!(e.event(), Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::finished)
            })
            .expect("the server receives the client's Finished");
        let ticket = t.events.iter().position(|e| sends(e, Side::Server, HandshakeType::new_session_ticket, false)).expect("a ticket");
        let said: Vec<usize> = beats.iter().filter(|b| b.narration.plain.contains(done)).map(|b| b.headline).collect();
        assert_eq!(said, vec![finished], "said on the beats headed by {said:?}; the ticket is {ticket}");
        let connected = t.events.iter().position(|e| {
            e.side == Side::Server && matches!(e.event(), Some(Event::Phase { to: crate::tls::events::Phase::Connected, .. }))
        });
        assert!(connected.is_some_and(|c| finished < c && c < ticket), "the server's phase changes between the Finished and the ticket");
    }

    #[test]
    fn after_a_hello_retry_request_the_server_hello_promises_no_plaintext_record_to_come() {
        // RFC 8446 D.4: the server sends its one dummy change_cipher_spec after its first flight,
        // here the HelloRetryRequest, so nothing in plaintext follows its ServerHello.
        let (t, beats) = beats_of(Scenario::HelloRetry);
        let ccs = t.events.iter().position(|e| {
            e.side == Side::Server && matches!(e.event(), Some(Event::RecordSent { carries: Carries::ChangeCipherSpec, .. }))
        });
        let sh = t.events.iter().position(|e| sends(e, Side::Server, HandshakeType::server_hello, false)).expect("a ServerHello");
        assert!(ccs.is_some_and(|c| c < sh), "the server's change_cipher_spec goes before its ServerHello");
        let b = beats.iter().find(|b| b.headline == sh).expect("the ServerHello's beat");
        assert!(!b.narration.plain.contains("change_cipher_spec"), "{}", b.narration.plain);
        assert!(b.narration.plain.contains("Every handshake message it sends after this is encrypted."), "{}", b.narration.plain);
    }

    #[test]
    fn the_session_keys_note_says_handshake_messages_are_encrypted_not_every_record() {
        // The client's dummy change_cipher_spec goes in plaintext after the handshake keys exist
        // (RFC 8446 D.4: right before its second flight).
        let (t, beats) = beats_of(Scenario::Normal);
        let (k, b) = beats.iter().enumerate().find(|(_, b)| b.step == Step::SessionKeys && b.step_note.is_some()).expect("the note");
        let note = b.step_note.unwrap_or_default();
        let later_ccs = beats[k..].iter().flat_map(|b| &b.events).any(|&i| {
            t.events[i].side == Side::Client
                && matches!(t.events[i].event(), Some(Event::RecordSent { carries: Carries::ChangeCipherSpec, .. }))
        });
        assert!(later_ccs, "the client's change_cipher_spec comes after the note");
        assert!(!note.contains("everything from here on"), "{note}");
        assert!(note.contains("every handshake message from here on"), "{note}");
    }

    #[test]
    fn the_server_s_client_hello_beat_says_what_it_chose_with_the_application_protocol() {
        let (t, beats) = beats_of(Scenario::Normal);
        let b = beats
            .iter()
            .find(|b| {
                b.side == Side::Server
                    && matches!(t.events[b.headline].event(), Some(Event::HandshakeReceived { message: Some(m), .. }) if m.typ == HandshakeType::client_hello)
            })
            .expect("the server's ClientHello beat");
        // The scenario's design: TLS 1.3, its one suite and group, ALPN http/1.1.
        for said in ["chooses", "TLS 1.3", "TLS_AES_128_GCM_SHA256", "secp256r1", "http/1.1"] {
            assert!(b.narration.plain.contains(said), "{said}: {}", b.narration.plain);
        }
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn only_a_ticket_a_later_connection_offers_is_said_to_be_kept_for_coming_back() {
        // Resume: the first connection's ticket is offered by the second; the second's by nobody.
        let (_, beats) = beats_of(Scenario::Resume);
        let kept: Vec<(u32, bool)> = beats
            .iter()
            .filter(|b| b.narration.plain.contains("It keeps the ticket"))
            .map(|b| (b.connection, b.narration.plain.contains("to come back later")))
            .collect();
        assert_eq!(kept, vec![(1, true), (2, false)]);
    }

    #[test]
    #[cfg(feature = "mitm")]
    fn when_the_attacker_answers_the_client_the_server_is_not_said_to_derive_the_same_keys() {
        // MitmOwnCert: the attacker keeps the ClientHello from the server, which derives nothing.
        let (t, beats) = beats_of(Scenario::MitmOwnCert);
        assert!(!t.events.iter().any(|e| e.side == Side::Server && matches!(e.event(), Some(Event::Derived(_)))));
        let b = beats.iter().find(|b| b.narration.plain.contains("derives its handshake keys")).expect("the client's keys beat");
        assert!(!b.narration.plain.contains("The other side derives the same values"), "{}", b.narration.plain);
        assert!(b.narration.plain.contains("The attacker"), "{}", b.narration.plain);
    }
}
