//! What the page says about a man in the middle (`sim::network::mitm`): each of its actions, with
//! the bytes, and, at the end, what it could and could not do. Made from the trace's typed values.

use super::narration::Narration;
use crate::sim::{NetworkEvent, Side, Trace, TraceEvent};
use crate::tls::codec::hex;
use crate::tls::enums::{AlertDescription, ContentType, ExtensionType, HandshakeType, NamedGroup};
use crate::tls::events::{Check, CheckKind, Endpoint, Event, Hkdf, Message, Output, Secret};
use crate::tls::extensions::Extension;
use crate::tls::handshake::Handshake;

/// The first bytes of a value in hex (`nothing` for none).
/// The group of the key share in a rewritten hello (its records, as the receiver gets them) whose
/// key_exchange is `inserted`.
fn share_group(records: &[u8], inserted: &[u8]) -> Option<NamedGroup> {
    let message: Vec<u8> = crate::sim::split_records(records).iter().flat_map(|r| r.get(5..).unwrap_or_default().to_vec()).collect();
    let exts = match Handshake::decode(&message).0.ok()? {
        Handshake::ClientHello(ch) => ch.extensions,
        Handshake::ServerHello(sh) => sh.extensions,
        _ => return None,
    };
    exts.into_iter().find_map(|e| match e {
        Extension::KeyShareOffered(v) => v.into_iter().find(|s| s.key_exchange == inserted).map(|s| s.group),
        Extension::KeyShareChosen(s) if s.key_exchange == inserted => Some(s.group),
        _ => None,
    })
}

fn head(b: &[u8]) -> String {
    match b.get(..8) {
        Some(h) if b.len() > 8 => format!("{}…", hex(h)),
        _ if b.is_empty() => "nothing".into(),
        _ => hex(b),
    }
}

fn names(m: &[Message]) -> String {
    m.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
}

/// What the attacker did, for the network lane: one sentence, with the bytes.
pub fn network(n: &NetworkEvent) -> Narration {
    // An attacker that speaks TLS acts only in a build with one.
    if !cfg!(feature = "mitm") {
        return Narration { plain: String::new(), detail: String::new(), section: "8" };
    }
    let (plain, section) = match n {
        NetworkEvent::Withheld { record, from, messages } => {
            let held = if messages.is_empty() { String::new() } else { format!(" ({})", names(messages)) };
            (format!("On the network, the attacker keeps record {record}{held} from the {}: it never arrives.", from.peer()), "5")
        }
        NetworkEvent::Rewritten { towards, message, extension, removed, inserted, bytes, .. } => {
            let (what, section) = if *extension == ExtensionType::supported_versions {
                ("deletes supported_versions, which says the client speaks TLS 1.3, so the hello reads like a TLS 1.2 client's (its legacy_version is 0x0303)".to_string(), "4.2.1")
            } else if inserted.0.is_empty() {
                ("deletes the key share, so the server has no public key to answer with and must ask for one".to_string(), "4.2.8")
            } else {
                let group = share_group(&bytes.0, &inserted.0).map(|g| format!("{g} ")).unwrap_or_default();
                (format!("swaps the {}'s {group}key share ({} bytes) for one of its own of the same size", towards.peer(), removed.0.len()), "4.2.8")
            };
            (
                format!("On the network, the attacker rewrites the {message} on its way to the {towards}: it {what}. Taken out: {}; put in: {}. Hellos are not encrypted, so nothing stops it.", head(&removed.0), head(&inserted.0)),
                section,
            )
        }
        NetworkEvent::Resent { record, towards, bytes } => (
            format!("On the network, the attacker answers for the client: it sends the {towards} the client's first ClientHello (record {record}, {}) again, key share included.", head(&bytes.0)),
            "4.1.2",
        ),
        NetworkEvent::Impersonated { towards, name, issuer, key_share, .. } => (
            format!("On the network, the attacker keeps the ClientHello from the server and answers the {towards} itself: a ServerHello with its own public key ({}), then, encrypted, a certificate for {name} from its own CA, {issuer}.", head(&key_share.0)),
            "4.4.2",
        ),
        NetworkEvent::AttackerKeys { with_client, with_server } => (
            format!("The attacker now shares a secret with each side (server: {}, client: {}) and derives both sides' handshake keys, so it can decrypt what either encrypts next. The transcripts differ: the server's hash of the hellos is {}, the client's {}.", head(&with_server.shared_secret.0), head(&with_client.shared_secret.0), head(&with_server.transcript_hash.0), head(&with_client.transcript_hash.0)),
            "7.1",
        ),
        NetworkEvent::Reencrypted { record, towards, content_type, messages, plaintext, .. } => {
            let read = match (*content_type, plaintext.0.as_slice()) {
                (ContentType::alert, [_, d]) => format!("the alert {}", AlertDescription(*d)),
                _ => names(messages),
            };
            (
                format!("On the network, the attacker decrypts record {record} with its keys for the {}, reads {read} ({}), and encrypts it again for the {towards}.", towards.peer(), head(&plaintext.0)),
                "5.2",
            )
        }
        _ => (String::new(), "5"),
    };
    Narration { plain, detail: String::new(), section }
}

/// Whether the ServerHello a client handles at `index` came from the attacker, or carries its key.
pub fn server_hello_is_forged(t: &Trace, index: usize) -> bool {
    t.events[..index.min(t.events.len())].iter().filter_map(TraceEvent::network).any(|n| match n {
        NetworkEvent::Rewritten { message, towards: Endpoint::Client, .. } => message.typ == HandshakeType::server_hello,
        NetworkEvent::Impersonated { .. } => true,
        _ => false,
    })
}

/// Whether `side`'s handshake traffic secret in `connection` equals the other side's (`None`: the
/// other derived none).
pub fn same_handshake_keys(t: &Trace, side: Side, connection: u32) -> Option<bool> {
    let value = |s: Side| {
        t.events.iter().filter(|e| e.side == s && e.connection == connection).find_map(|e| match e.event()? {
            Event::Derived(d) if d.output == Output::Secret(Secret::ClientHandshakeTraffic) => Some(d.value.clone()),
            _ => None,
        })
    };
    let other = if side == Side::Client { Side::Server } else { Side::Client };
    Some(value(side)? == value(other)?)
}

/// The transcript hash and the messages under a side's client handshake traffic secret.
fn hello_transcript(t: &Trace, side: Side) -> Option<(String, String)> {
    t.events.iter().filter(|e| e.side == side).find_map(|e| match e.event()? {
        Event::Derived(d) if d.output == Output::Secret(Secret::ClientHandshakeTraffic) => match &d.hkdf {
            Hkdf::DeriveSecret { transcript_hash, messages, .. } => {
                Some((head(&transcript_hash.0), messages.iter().map(|c| c.message.to_string()).collect::<Vec<_>>().join(", ")))
            }
            _ => None,
        },
        _ => None,
    })
}

fn first_failed(t: &Trace, side: Side) -> Option<&Check> {
    t.events.iter().filter(|e| e.side == side).find_map(|e| match e.event()? {
        Event::Check(c) if !c.ok => Some(c),
        _ => None,
    })
}

/// The transcript hash a CertificateVerify content ends with (RFC 8446 §4.4.3).
fn signed_hash(content: &[u8]) -> String {
    head(content.get(content.len().saturating_sub(32)..).unwrap_or(&[]))
}

/// What the attacker did, could and could not do, for the conclusion (nothing without one).
pub fn lines(t: &Trace) -> Vec<String> {
    if !cfg!(feature = "mitm") {
        return Vec::new();
    }
    let of = |side: Side| t.events.iter().filter(move |e| e.side == side).filter_map(TraceEvent::event);
    let mut out = Vec::new();
    for n in t.events.iter().filter_map(TraceEvent::network) {
        match n {
            NetworkEvent::Impersonated { name, issuer, .. } => out.push(format!("What the attacker could do: keep the ClientHello from the server and answer itself, with a certificate for {name} from its own CA, {issuer}, and agree keys with the client. What it could not do: get a certificate from a CA the client trusts. The server never heard from the client.")),
            NetworkEvent::AttackerKeys { .. } => {
                let server = of(Side::Server).find_map(|e| if let Event::Signed { content, .. } = e { Some(signed_hash(&content.0)) } else { None });
                let client = of(Side::Client).find_map(|e| match e {
                    Event::Check(Check { kind: CheckKind::CertificateVerify { content, .. }, .. }) => Some(signed_hash(&content.0)),
                    _ => None,
                });
                if let (Some(s), Some(c)) = (server, client) {
                    out.push(format!("The server signed the hash of the handshake it saw, {s}; the client checked that signature against the hash of the one it saw, {c}. They differ: the attacker put other key shares in the hellos (RFC 8446 §4.4.3)."));
                }
                out.push("What the attacker could do: agree keys with each side, and so decrypt the server's whole flight, certificate included, and encrypt it again for the client. What it could not do: sign the client's transcript, which takes the server's private key.".into());
                if !of(Side::Client).any(|e| matches!(e, Event::AppDataSent { .. })) {
                    out.push("The client refused before sending any application data.".into());
                }
            }
            NetworkEvent::Resent { .. } => {
                out.push("What the attacker could do: delete the client's key share, so the server asked again, and answer that HelloRetryRequest itself with the client's first ClientHello. What it could not do: make the two transcripts agree.".into());
                let shared: Vec<&[u8]> = t
                    .events
                    .iter()
                    .filter_map(|e| if let Some(Event::SharedSecret { value, .. }) = e.event() { Some(value.0.as_slice()) } else { None })
                    .collect();
                if let (Some((ch, cm)), Some((sh, sm)), [a, b]) = (hello_transcript(t, Side::Client), hello_transcript(t, Side::Server), shared.as_slice()) {
                    if a == b {
                        out.push(format!("Both sides computed the same shared secret, {}, but not the same keys, which also depend on the transcript hash: the client hashed {cm} to {ch}, the server {sm} to {sh} (RFC 8446 §4.4.1, §7.1).", head(a)));
                    }
                }
                if let Some(Check { kind: CheckKind::RecordDecryption { .. }, .. }) = first_failed(t, Side::Server) {
                    out.push("The server then fails the same check: the client's alert, encrypted with the client's keys, does not decrypt under the server's, so it sends bad_record_mac too.".into());
                }
                out.push("With several groups on offer, deleting a key share is how an attacker would push a server to a weaker one; the transcript catches that too.".into());
            }
            NetworkEvent::Rewritten { extension, .. } if *extension == ExtensionType::supported_versions => {
                if of(Side::Server).any(|e| matches!(e, Event::AlertSent { description: AlertDescription::protocol_version, .. })) {
                    out.push("The server refused it: the ClientHello it got offers no TLS 1.3 (no supported_versions, and legacy_version 0x0303 means TLS 1.2), and a server that speaks only TLS 1.3 must then abort with protocol_version (RFC 8446 §4.2.1, appendix D.2).".into());
                }
                out.push("What the attacker could do: delete supported_versions, and so stop the connection. What it could not do: make either side use an older version.".into());
                out.push("Had both sides also spoken TLS 1.2, the server would have chosen it, and a TLS 1.3 server doing so ends its ServerHello.random with 44 4F 57 4E 47 52 44 01 (\"DOWNGRD\", 01); a TLS 1.3 client that gets a TLS 1.2 ServerHello aborts with illegal_parameter when its last 8 bytes are these. The attacker cannot remove them: in TLS 1.2 the server signs both randoms in its ServerKeyExchange (with ephemeral key exchange; not with static RSA) (RFC 8446 §4.1.3).".into());
            }
            _ => {}
        }
    }
    out
}

#[cfg(all(test, feature = "mitm"))]
mod tests {
    use super::*;
    use crate::sim::{run, Options, Scenario};

    /// Chrome's two key shares, both swapped: each sentence names its group and size
    /// (draft-ietf-tls-ecdhe-mlkem: 1216 bytes from the client, 1120 from the server; RFC 7748:
    /// 32), and no beat says the real server made what the client received.
    #[cfg(feature = "mlkem")]
    #[test]
    fn swapped_hybrid_key_shares_are_named_and_the_client_is_not_told_the_server_made_them() {
        use crate::sim::preset::{ClientOffer, Preset};
        let client = ClientOffer { preset: Preset::Chrome, ..Default::default() };
        let t = run(&Options { seed: Some(9), scenario: Scenario::MitmKeyShare, client, ..Default::default() });
        let told: Vec<String> = crate::model::playback::playback(&t).beats.into_iter().map(|b| b.narration.plain).collect();
        for swap in [
            "swaps the client's X25519MLKEM768 key share (1216 bytes) for one of its own",
            "swaps the client's x25519 key share (32 bytes) for one of its own",
            "swaps the server's X25519MLKEM768 key share (1120 bytes) for one of its own",
        ] {
            assert_eq!(told.iter().filter(|p| p.contains(swap)).count(), 1, "{swap}: {told:?}");
        }
        assert!(told.iter().all(|p| !p.contains("the server encapsulated")), "{told:?}");
        assert!(told.iter().any(|p| p.starts_with("The client receives a ServerHello it takes for the server's")), "{told:?}");
    }

    #[test]
    fn each_attacker_action_has_its_own_sentence_with_its_bytes() {
        for s in [Scenario::MitmOwnCert, Scenario::MitmKeyShare, Scenario::MitmForceRetry, Scenario::MitmStripVersions] {
            let t = run(&Options { seed: Some(9), scenario: s.clone(), ..Default::default() });
            let acts: Vec<&NetworkEvent> =
                t.events.iter().filter_map(TraceEvent::network).filter(|n| !matches!(n, NetworkEvent::TransportClosed)).collect();
            assert!(!acts.is_empty(), "{s:?}: the attacker did nothing");
            for n in acts {
                let said = network(n);
                assert!(
                    said.plain.starts_with("On the network, the attacker") || said.plain.starts_with("The attacker"),
                    "{s:?}: {}",
                    said.plain
                );
                assert!(!said.plain.contains('{'), "{}", said.plain);
            }
        }
    }

    #[test]
    fn each_attack_plays_as_a_short_story_that_ends_before_closing_with_what_the_attacker_could_and_could_not_do() {
        // (scenario, fewest and most beats, the failed check's words, the alert, the browser's error)
        for (s, beats, check, alert, browser) in [
            (Scenario::MitmOwnCert, 6..=12, "which is not the CA it trusts", "unknown_ca", "NET::ERR_CERT_AUTHORITY_INVALID"),
            (
                Scenario::MitmKeyShare,
                18..=26,
                "CertificateVerify signature with the public key from the certificate, and it does not verify",
                "decrypt_error",
                "ERR_SSL_PROTOCOL_ERROR",
            ),
            (Scenario::MitmForceRetry, 17..=25, "cannot decrypt a record", "bad_record_mac", "ERR_SSL_PROTOCOL_ERROR"),
            (Scenario::MitmStripVersions, 4..=8, "", "protocol_version", "ERR_SSL_VERSION_OR_CIPHER_MISMATCH"),
        ] {
            let t = run(&Options { seed: Some(3), scenario: s.clone(), ..Default::default() });
            let p = crate::model::playback::playback(&t);
            assert!(beats.contains(&p.beats.len()), "{s:?}: {} beats", p.beats.len());
            assert!(p.beats.iter().all(|b| b.step != crate::model::playback::Step::Closing), "{s:?}");
            assert!(p.beats.iter().any(|b| b.side == Side::Network), "{s:?}: the attacker has no beat");
            let c = crate::model::conclusion::conclude(&t);
            let all = c.lines.join(" ");
            assert!(!c.ok && all.contains(check) && all.contains(alert) && all.contains(browser), "{s:?}: {all}");
            assert!(all.contains("could do") && all.contains("could not"), "{s:?}: {all}");
        }
    }

    #[test]
    fn the_downgrade_sentinel_is_told_with_its_bytes_and_the_signature_that_protects_it() {
        let t = run(&Options { seed: Some(3), scenario: Scenario::MitmStripVersions, ..Default::default() });
        let all = lines(&t).join(" ");
        assert!(all.contains("44 4F 57 4E 47 52 44 01") && all.contains("illegal_parameter") && all.contains("ServerKeyExchange"), "{all}");
        assert!(all.contains("§4.1.3") && all.contains("§4.2.1"), "{all}");
        assert!(
            lines(&run(&Options { seed: Some(3), ..Default::default() })).is_empty(),
            "a run without an attacker has no attacker lines"
        );
    }

    #[test]
    fn a_hello_the_attacker_answered_is_not_told_as_the_server_s() {
        for (s, forged) in
            [(Scenario::MitmKeyShare, true), (Scenario::MitmOwnCert, true), (Scenario::MitmForceRetry, false), (Scenario::Normal, false)]
        {
            let t = run(&Options { seed: Some(3), scenario: s.clone(), ..Default::default() });
            let p = crate::model::playback::playback(&t);
            let sh = p
                .beats
                .iter()
                .find(|b| b.side == Side::Client && b.narration.plain.contains("ServerHello"))
                .expect("the client's ServerHello");
            assert_eq!(sh.narration.plain.contains("the attacker's"), forged, "{s:?}: {}", sh.narration.plain);
            let keys = p.beats.iter().find(|b| b.side == Side::Client && b.narration.plain.contains("derives its handshake keys")).unwrap();
            let differ = matches!(s, Scenario::MitmKeyShare | Scenario::MitmForceRetry);
            assert_eq!(keys.narration.plain.contains("its values differ"), differ, "{s:?}: {}", keys.narration.plain);
        }
    }

    #[test]
    fn a_swapped_key_share_is_told_with_both_public_keys() {
        let t = run(&Options { seed: Some(9), scenario: Scenario::MitmKeyShare, ..Default::default() });
        let (removed, inserted, said) = t
            .events
            .iter()
            .filter_map(TraceEvent::network)
            .find_map(|n| match n {
                NetworkEvent::Rewritten { removed, inserted, .. } => Some((removed.clone(), inserted.clone(), network(n).plain)),
                _ => None,
            })
            .expect("a rewritten hello");
        assert!(said.contains(&hex(&removed.0[..8])) && said.contains(&hex(&inserted.0[..8])), "{said}");
        assert!(said.contains("ClientHello on its way to the server"), "{said}");
    }
}
