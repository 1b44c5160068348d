//! What the page says about a run with more than one connection (RFC 8446 §2.2 resumption, §2.3
//! 0-RTT data, §8 replay): the beats of the later connections that read differently from a full
//! handshake, the notes that open each connection, and the conclusion of the whole run.

use super::conclusion::Conclusion;
use super::narration::{narrate, preview, who, Narration};
use super::playback::Step;
use crate::sim::{NetworkEvent, Side, Trace, TraceEvent};
use crate::tls::codec::quoted;
use crate::tls::enums::{AlertDescription, HandshakeType};
use crate::tls::events::{Check, CheckKind, Event, Output, Secret, TicketVerdict};

fn evs<'a>(t: &'a Trace, events: &'a [usize]) -> impl Iterator<Item = (&'a TraceEvent, &'a Event)> + 'a {
    events.iter().filter_map(|&i| t.events.get(i)).filter_map(|x| x.event().map(|ev| (x, ev)))
}

fn early_record(ev: &Event) -> bool {
    matches!(ev, Event::RecordSent { protection: Some(p), .. } | Event::RecordReceived { protection: Some(p), .. } if p.secret == Secret::ClientEarlyTraffic)
}

/// Whether application data at `i` is 0-RTT data: the record that carries it (the next record sent,
/// or the last one received) is protected with the early keys.
fn is_early(t: &Trace, i: usize) -> bool {
    let Some(e) = t.events.get(i) else { return false };
    let mine = |x: &&TraceEvent| x.side == e.side && x.connection == e.connection;
    let record = match e.event() {
        Some(Event::AppDataSent { .. }) => {
            t.events[i..].iter().filter(mine).find_map(|x| x.event().filter(|ev| matches!(ev, Event::RecordSent { .. })))
        }
        _ => t.events[..i].iter().rev().filter(mine).find_map(|x| x.event().filter(|ev| matches!(ev, Event::RecordReceived { .. }))),
    };
    record.is_some_and(early_record)
}

/// Whether a beat belongs to the hello whatever it holds: 0-RTT data, which goes with the
/// ClientHello, and the binder's derivations, made for it.
pub fn in_hello(t: &Trace, events: &[usize]) -> bool {
    if !cfg!(feature = "resumption") {
        return false;
    }
    let data = events.iter().any(|&i| {
        matches!(t.events.get(i).and_then(TraceEvent::event), Some(Event::AppDataSent { .. } | Event::AppDataReceived { .. }))
            && is_early(t, i)
    });
    let binder = evs(t, events).any(|(_, e)| matches!(e, Event::Derived(d) if d.output == Output::Secret(Secret::BinderKey)));
    binder || data
}

/// The note that opens a later connection.
pub fn connection_note(t: &Trace, connection: u32) -> Option<&'static str> {
    if !cfg!(feature = "resumption") {
        return None;
    }
    let replayed = t.events.iter().any(|e| e.connection == connection && matches!(e.network(), Some(NetworkEvent::Replayed { .. })));
    match connection {
        1 => None,
        _ if replayed => {
            Some("A third connection, the attacker's: it sends the client's copied first flight to the server again, byte for byte.")
        }
        _ => Some("Second connection, resuming: the client comes back later with the ticket, and the five steps start over."),
    }
}

/// The step notes of a resumed connection.
pub fn step_note(step: Step) -> Option<&'static str> {
    if !cfg!(feature = "resumption") {
        return None;
    }
    match step {
        Step::SessionKeys => Some("In a resumption the key schedule starts from the ticket's PSK instead of zeros; from here on every handshake message travels encrypted, as before."),
        Step::Authentication => Some("No certificate this time: the server proves it is the server of the first connection by holding the PSK, which its Finished depends on."),
        _ => None,
    }
}

fn n(plain: String, detail: String, section: &'static str) -> Option<Narration> {
    Some(Narration { plain, detail, section })
}

/// The words of a beat of a later connection, where they differ from a full handshake's.
pub fn beat(t: &Trace, headline: usize, events: &[usize]) -> Option<Narration> {
    if !cfg!(feature = "resumption") {
        return None;
    }
    let e = t.events.get(headline)?;
    if e.connection == 1 {
        return None;
    }
    let w = who(e.side);
    let find = |f: &dyn Fn(&Event) -> bool| evs(t, events).find(|(_, ev)| f(ev));
    let checks: Vec<&Check> = evs(t, events).filter_map(|(_, ev)| if let Event::Check(c) = ev { Some(c) } else { None }).collect();
    if checks.iter().any(|c| !c.ok) {
        // A failed check is what the beat is about, as in any other beat.
        return None;
    }
    let also = |f: &dyn Fn(&Event) -> bool| find(f).map(|(x, _)| narrate(t, x).plain).unwrap_or_default();
    if find(&|ev| matches!(ev, Event::Derived(d) if d.output == Output::Secret(Secret::BinderKey))).is_some() {
        let plain = match e.side {
            Side::Client => format!("{w} starts its key schedule from the ticket's PSK instead of zeros: HKDF-Extract(0, PSK) gives the early secret, and from it the binder key, whose finished key makes the binder, a MAC over the new ClientHello."),
            _ => {
                let accepts = also(&|ev| matches!(ev, Event::EarlyDataAccepted { .. }));
                let binder_ok = if checks.iter().any(|c| matches!(c.kind, CheckKind::Binder { .. })) {
                    " It recomputes the binder over the ClientHello it received and gets the same ✓: the client holds the PSK."
                } else {
                    ""
                };
                format!("{w} takes the PSK out of the ticket and starts its key schedule from it: the early secret, the binder key.{binder_ok} It resumes: no certificate, no signature this time. {accepts}")
            }
        };
        return n(plain.trim_end().to_string(), "early_secret = HKDF-Extract(0, PSK); binder_key = Derive-Secret(early_secret, \"res binder\", \"\"); binder = HMAC(finished_key(binder_key), Transcript-Hash(ClientHello up to the binders)).".into(), "4.2.11.2");
    }
    if let Some((x, _)) = find(&|ev| matches!(ev, Event::ResumptionOffered { .. })) {
        let mut r = narrate(t, x);
        // The key shares of this hello (its Offered event comes before the PSK's).
        let shares = t
            .events
            .iter()
            .filter(|o| o.connection == e.connection && o.side == e.side)
            .find_map(|o| match o.event() {
                Some(Event::Offered { key_shares, .. }) => Some(key_shares.len()),
                _ => None,
            })
            .unwrap_or(1);
        let fresh = match shares {
            0 => "with no key share (the PSK alone)",
            1 => "with a fresh key share",
            _ => "with fresh key shares",
        };
        r.plain = format!("{w} says hello again, {fresh}. It{}", r.plain.strip_prefix(w).unwrap_or(&r.plain));
        return Some(r);
    }
    if let Some((x, _)) = find(&|ev| matches!(ev, Event::TicketChecked { .. })) {
        let mut r = narrate(t, x);
        let early = also(&|ev| matches!(ev, Event::EarlyDataRejected { .. }));
        r.plain = format!("{w} receives a ClientHello that offers a ticket. It{} {early}", r.plain.strip_prefix(w).unwrap_or(&r.plain))
            .trim_end()
            .to_string();
        return Some(r);
    }
    let replayed = t.events.iter().any(|x| x.connection == e.connection && matches!(x.network(), Some(NetworkEvent::Replayed { .. })));
    let first_derivation = !t.events[..headline]
        .iter()
        .any(|x| x.connection == e.connection && x.side == e.side && matches!(x.event(), Some(Event::Derived(_))));
    match e.event()? {
        Event::Derived(_) if replayed && first_derivation => n(
            format!("{w} derives handshake keys from a shared secret with the key share in the replayed ClientHello. Only the real client, which holds that share's private key, could derive the same keys; the attacker cannot, and the client is not part of this connection."),
            "A full handshake: early_secret = HKDF-Extract(0, 0), then the handshake secret from the (EC)DHE shared secret.".into(),
            "7.1",
        ),
        Event::AppDataSent { data } | Event::AppDataReceived { data } if is_early(t, headline) => {
            let text = quoted(&preview(&data.0));
            let plain = match e.side {
                Side::Client => format!("{w} does not wait for the server: right behind the ClientHello it sends {} bytes of 0-RTT data, {text}, encrypted with keys from client_early_traffic_secret, which come from the PSK and the ClientHello alone.", data.0.len()),
                _ => format!("{w} decrypts the 0-RTT data with the early keys before the handshake is finished: {text}. It can answer the request a round trip sooner."),
            };
            n(plain, "client_early_traffic_secret = Derive-Secret(early_secret, \"c e traffic\", ClientHello). Nothing from the server goes into these keys: no forward secrecy for this data, and the same bytes can be sent again (RFC 8446 §2.3, §8).".into(), "2.3")
        }
        Event::HandshakeSent { message, .. } if message.typ == HandshakeType::end_of_early_data => n(
            format!("{w} sends EndOfEarlyData, still under the early keys: its 0-RTT data ends here. Its Finished follows under its handshake keys."),
            "EndOfEarlyData is an empty handshake message, sent only when the server accepted early data.".into(),
            "4.5",
        ),
        Event::HandshakeReceived { message: Some(m), .. } if m.typ == HandshakeType::end_of_early_data => n(
            format!("{w} receives EndOfEarlyData: the 0-RTT data is over, and it reads the client's Finished with the client's handshake keys."),
            String::new(),
            "4.5",
        ),
        Event::HandshakeReceived { message: Some(m), .. } if m.typ == HandshakeType::server_hello => {
            find(&|ev| matches!(ev, Event::Resumed { .. }))?;
            n(
                format!("{w} receives the ServerHello: the server took the ticket (pre_shared_key selects it) and sent its public key for a fresh key exchange."),
                "selected_identity 0: the first (and only) ticket offered.".into(),
                "4.2.11",
            )
        }
        Event::HandshakeReceived { message: Some(m), .. } if m.typ == HandshakeType::encrypted_extensions => {
            find(&|ev| matches!(ev, Event::EarlyDataAccepted { .. } | Event::EarlyDataRejected { .. })).map(|(x, _)| narrate(t, x))
        }
        _ => None,
    }
}

fn of(t: &Trace, connection: u32) -> impl Iterator<Item = (Side, &Event)> + '_ {
    t.events.iter().filter(move |e| e.connection == connection).filter_map(|e| e.event().map(|ev| (e.side, ev)))
}

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    }
}

/// The conclusion of a run of several connections.
pub fn conclude(t: &Trace) -> Conclusion {
    if !cfg!(feature = "resumption") {
        return Conclusion { ok: false, title: "This build of the page does not resume connections".into(), lines: Vec::new() };
    }
    let mut lines = Vec::new();
    let first = t.connections.first();
    let second = t.connections.get(1);
    let third = t.connections.get(2);
    let anchor = t.trust_anchor.as_ref().map_or_else(|| "the CA it trusts".to_string(), |c| c.subject.clone());
    let ticket_len = of(t, 1).find_map(|(_, e)| if let Event::TicketIssued { ticket, .. } = e { Some(ticket.0.len()) } else { None });
    match (first, ticket_len) {
        (Some(o), Some(len)) if o.handshake_complete => lines.push(format!(
            "First connection: a full handshake. The server proved who it is with its certificate, which leads to {anchor}, and its CertificateVerify signature; then it gave the client a {len}-byte session ticket: the resumption state sealed with AES-128-GCM under a key only the server holds."
        )),
        _ => {
            lines.push("The first connection did not complete, so there was no ticket to resume with.".into());
            return Conclusion { ok: false, title: "The first connection failed".into(), lines };
        }
    }
    let Some(o2) = second else {
        return Conclusion { ok: false, title: "No second connection".into(), lines };
    };
    let checked = of(t, 2).find_map(|(_, e)| {
        if let Event::TicketChecked { verdict: TicketVerdict::Usable { age_ms, lifetime, .. }, .. } = e {
            Some((*age_ms, *lifetime))
        } else {
            None
        }
    });
    let mode = of(t, 2).find_map(|(s, e)| match e {
        Event::Resumed { mode, .. } if s == Side::Server => Some(*mode),
        _ => None,
    });
    let early_bytes = of(t, 2).find_map(|(s, e)| match e {
        Event::AppDataReceived { data } if s == Side::Server && o2.early_data_accepted => Some(data.0.len()),
        _ => None,
    });
    if !o2.handshake_complete {
        let tampered = t.events.iter().find_map(|e| match e.network() {
            Some(NetworkEvent::Tampered { offset, xor, .. }) if e.connection == 2 => Some((*offset, *xor)),
            _ => None,
        });
        if let Some((offset, xor)) = tampered {
            lines.push(format!("Second connection: on its way to the server, an attacker XORed byte {offset} of the ClientHello's record, the last byte of the binder, with {xor:#04x}."));
        }
        let alert = o2.alerts.first().map(|(s, a)| (s.name(), *a));
        if let Some((age, lifetime)) = checked {
            lines.push(format!("The server unsealed the ticket, {} old and within its lifetime of {lifetime} s, recomputed the binder with the PSK inside it and got a different value: ✗.", seconds(age)));
        }
        if let Some((side, a)) = alert {
            lines.push(format!("The {side} ended the handshake with the alert {a}, and no close_notify followed: after a fatal alert the connection simply ends (RFC 8446 §6.2)."));
        }
        lines.push("This protects you from anyone who alters a resuming ClientHello, or presents a ticket without its PSK: the binder ties the whole ClientHello to the PSK, which only the client and the server hold.".into());
        return Conclusion { ok: false, title: "The second connection failed: the server refused the altered binder".into(), lines };
    }
    let (age, lifetime) = checked.unwrap_or_default();
    let group = o2.agreed.as_ref().map(|a| a.group);
    lines.push(format!(
        "Second connection: the client offered the ticket with a binder made from its PSK. The server unsealed it, {} old and within its lifetime of {lifetime} s, checked the binder ✓ and resumed{}.",
        seconds(age),
        mode.map(|m| format!(" ({m}: the PSK and a fresh {} key exchange)", group.map(|g| g.to_string()).unwrap_or_else(|| "(EC)DHE".into()))).unwrap_or_default()
    ));
    lines.push("It skipped the certificate and the signature. What proves the server then is possession of the PSK: it comes from the first connection's resumption_master_secret, which only that server and the client could compute, and the server's Finished, keyed from it, verified ✓. The client trusts that because it checked the certificate in the first connection.".into());
    if let Some(b) = early_bytes {
        lines.push(format!("The request went with the first flight: {b} bytes of 0-RTT data, which the server accepted (early_data in EncryptedExtensions) and read before the handshake was finished, a round trip sooner."));
        lines.push("Its guarantees are weaker (RFC 8446 §2.3, §8): its keys come from the PSK and the ClientHello alone, so it has no forward secrecy (whoever later learns the PSK, or the server's ticket key, can decrypt it), and it can be replayed: anyone who copies the first flight can send it again. Servers should take in 0-RTT only requests that are safe to run twice.".into());
    } else {
        lines.push("The fresh key exchange gives the second connection forward secrecy of its own: learning the PSK or the ticket key later does not decrypt it.".into());
    }
    if let Some(o3) = third {
        let refused = of(t, 3).any(|(_, e)| matches!(e, Event::TicketChecked { verdict: TicketVerdict::AlreadyUsed, .. }));
        let read_again = of(t, 3).any(|(s, e)| s == Side::Server && matches!(e, Event::AppDataReceived { .. }));
        if refused && !read_again {
            lines.push("Third connection, the attacker's: it sent the copied first flight again. The server unsealed the ticket and found it already used: its tickets are single-use (RFC 8446 §8.1), so it refused the PSK, began a full handshake and skipped the 0-RTT records without decrypting them. The request ran once.".into());
        }
        let alert = o3.alerts.iter().find(|(s, _)| *s == Side::Server).map(|(_, a)| *a).unwrap_or(AlertDescription::handshake_failure);
        lines.push(format!("What the attacker could do: copy the client's bytes and send them again. What it could not: read the encrypted request, make the server process the request twice, or finish the handshake, since it holds neither the PSK nor the private key of the client's key share. Its connection ended when it had nothing more to send, and the server gave up with {alert}."));
        lines.push("A server without this protection would accept the replayed ticket, decrypt the early data and process the request a second time (a payment made twice, say). The alternative to remembering used tickets is an anti-replay window (RFC 8446 §8.2): the server records a value unique to each ClientHello for a short time, refuses one it has seen, and refuses early data whose ticket age falls outside that time.".into());
    }
    let clean = t.connections.iter().take(2).all(|o| o.closed_cleanly);
    if clean {
        // A replay's third connection is the attacker's, and it ends without close_notify.
        lines.push(
            if third.is_some() {
                "The client's two connections ended with close_notify and both sides erased their keys."
            } else {
                "Both connections ended with close_notify and both sides erased their keys."
            }
            .into(),
        );
    }
    let title = match (third, early_bytes) {
        (Some(_), _) => "The replay was refused: the request ran once",
        (None, Some(_)) => "Both connections worked; the second sent its request in 0-RTT",
        (None, None) => "Both connections worked; the second resumed without a certificate",
    };
    Conclusion { ok: clean, title: title.into(), lines }
}

#[cfg(all(test, feature = "resumption"))]
mod tests {
    use super::*;
    use crate::model::playback::playback;
    use crate::sim::{run, Options, Scenario};

    fn trace(s: Scenario) -> Trace {
        run(&Options { seed: Some(4), scenario: s, ..Default::default() })
    }

    /// A client that sends several key shares (Firefox sends three) is not said to send one.
    #[cfg(feature = "mlkem")]
    #[test]
    fn the_second_hello_counts_its_key_shares() {
        use crate::sim::preset::{ClientOffer, Preset};
        for (preset, said) in
            [(Preset::Page, "says hello again, with a fresh key share."), (Preset::Firefox, "says hello again, with fresh key shares.")]
        {
            let client = ClientOffer { preset, ..Default::default() };
            let t = crate::sim::run(&crate::sim::Options {
                seed: Some(5),
                scenario: crate::sim::Scenario::Resume,
                client,
                ..Default::default()
            });
            let told: Vec<String> = crate::model::playback::playback(&t).beats.into_iter().map(|b| b.narration.plain).collect();
            assert!(told.iter().any(|p| p.contains(said)), "{preset:?}: {told:?}");
        }
    }

    #[test]
    fn in_a_full_handshake_each_side_derives_its_keys_after_the_server_hello() {
        for s in [Scenario::Normal, Scenario::Replay] {
            let t = trace(s.clone());
            for side in [Side::Client, Side::Server] {
                let of = |f: &dyn Fn(&Event) -> bool| {
                    t.events.iter().position(|e| e.connection == 1 && e.side == side && e.event().is_some_and(f))
                };
                let hello = of(
                    &|e| matches!(e, Event::HandshakeSent { message, .. } | Event::HandshakeReceived { message: Some(message), .. } if message.typ == HandshakeType::server_hello),
                );
                let derived = of(&|e| matches!(e, Event::Derived(_)));
                assert!(hello < derived, "{s:?} {side:?}: a key derived before the ServerHello");
            }
        }
    }

    #[test]
    fn a_resumption_plays_both_connections_and_the_steps_start_over_with_the_second() {
        let t = trace(Scenario::Resume);
        assert_eq!(t.connections.len(), 2);
        assert!(t.connections[1].resumed);
        let p = playback(&t);
        let first_of_2 = p.beats.iter().position(|b| b.connection == 2).expect("beats of the second connection");
        assert!(p.beats[..first_of_2].iter().all(|b| b.connection == 1), "the connections are not interleaved");
        assert_eq!(p.beats[first_of_2].step, Step::Hello);
        assert!(p.beats[first_of_2].step_note.is_some_and(|n| n.starts_with("Second connection, resuming")));
        for c in [1, 2] {
            let steps: Vec<Step> = p.beats.iter().filter(|b| b.connection == c).map(|b| b.step).collect();
            assert!(steps.windows(2).all(|w| w[0] <= w[1]), "connection {c}: a step went back");
            assert_eq!(steps.last(), Some(&Step::Closing), "connection {c}");
        }
        // The second connection sends no certificate, and its beats say so.
        let text: String = p.beats[first_of_2..].iter().map(|b| b.narration.plain.clone()).collect::<Vec<_>>().join(" ");
        assert!(text.contains("offers the ticket") && text.contains("no certificate"), "{text}");
        assert!(!text.contains("sends its certificate"), "{text}");
    }

    #[test]
    fn early_data_goes_with_the_hello_and_the_conclusion_says_what_it_does_not_guarantee() {
        let t = trace(Scenario::EarlyData);
        assert!(t.connections[1].early_data_accepted);
        let p = playback(&t);
        let early =
            p.beats.iter().find(|b| b.connection == 2 && b.narration.plain.contains("0-RTT data,")).expect("the client's early data beat");
        assert_eq!(early.step, Step::Hello);
        let c = conclude(&t);
        assert!(c.ok, "{c:?}");
        let all = c.lines.join(" ");
        assert!(all.contains("no forward secrecy") && all.contains("replayed"), "{all}");
    }

    #[test]
    fn the_replay_is_a_third_connection_whose_request_is_not_processed_twice() {
        let t = trace(Scenario::Replay);
        assert_eq!(t.connections.len(), 3);
        let server_read = |c: u32| {
            t.events
                .iter()
                .filter(|e| e.connection == c && e.side == Side::Server && matches!(e.event(), Some(Event::AppDataReceived { .. })))
                .count()
        };
        assert_eq!(server_read(3), 0, "the replayed request was read again");
        assert!(server_read(2) >= 1);
        let c = conclude(&t);
        let all = c.lines.join(" ");
        assert!(all.contains("single-use") && all.contains("could not") && all.contains("§8.2") && all.contains("twice"), "{all}");
        assert!(c.title.contains("refused"));
        let p = playback(&t);
        assert!(p.beats.iter().any(|b| b.connection == 3 && b.step_note.is_some_and(|n| n.contains("attacker's"))));
    }

    #[test]
    fn an_altered_binder_fails_the_second_connection_with_decrypt_error() {
        let t = trace(Scenario::BadBinder);
        assert_eq!(t.connections[1].alerts, vec![(Side::Server, AlertDescription::decrypt_error)]);
        let c = conclude(&t);
        assert!(!c.ok);
        let all = c.lines.join(" ");
        assert!(all.contains("decrypt_error") && all.contains("binder"), "{all}");
    }

    #[test]
    fn a_replay_s_conclusion_counts_the_client_s_two_connections_not_the_attacker_s_third() {
        // The attacker's third connection ends without close_notify (the server gives up).
        let t = run(&Options { seed: Some(8), scenario: Scenario::Replay, ..Default::default() });
        assert_eq!(t.connections.len(), 3);
        assert!(!t.connections[2].closed_cleanly);
        let c = conclude(&t);
        assert!(!c.lines.iter().any(|l| l.starts_with("Both connections")), "{:?}", c.lines);
        assert!(c.lines.iter().any(|l| l.starts_with("The client's two connections ended with close_notify")), "{:?}", c.lines);
        // The copied ClientHello is plaintext: what the attacker cannot read is the request.
        assert!(c.lines.iter().any(|l| l.contains("What it could not: read the encrypted request")), "{:?}", c.lines);
    }

    #[test]
    fn a_replayed_ticket_s_refusal_says_the_server_refused_the_psk_it_holds() {
        // The server unsealed the ticket, so it has the PSK: it derives no early keys because it refused it.
        let t = run(&Options { seed: Some(8), scenario: Scenario::Replay, ..Default::default() });
        let told: Vec<String> = playback(&t).beats.into_iter().filter(|b| b.connection == 3).map(|b| b.narration.plain).collect();
        let refusal = told.iter().find(|p| p.contains("already been used")).expect("the refusal");
        assert!(!refusal.contains("has no key for it") && refusal.contains("having refused the PSK"), "{refusal}");
        assert_eq!(refusal.matches("0-RTT data").count() + refusal.matches("early data").count(), 1, "said once: {refusal}");
    }

    #[test]
    fn a_ticket_s_age_is_told_in_whole_seconds() {
        // The second connection comes 30 s after the first (the scenario's design).
        let t = run(&Options { seed: Some(8), scenario: Scenario::Resume, ..Default::default() });
        let told: Vec<String> = playback(&t).beats.into_iter().map(|b| b.narration.plain).collect();
        assert!(told.iter().any(|p| p.contains("it issued it 30 s ago")), "{told:?}");
        assert!(!told.iter().any(|p| p.contains("30.000 s")), "{told:?}");
    }
}
