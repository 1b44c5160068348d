//! What the page says about resumption and 0-RTT events (RFC 8446 §2.2, §2.3, §4.2.10, §4.2.11,
//! §8): made from typed values, like the rest of the narration.

use super::{short, Narration};
use crate::sim::Side;
use crate::tls::enums::PskKeyExchangeMode;
use crate::tls::events::{EarlyDataRefusal, Event, TicketVerdict};

fn mode(m: PskKeyExchangeMode) -> &'static str {
    if m == PskKeyExchangeMode::psk_ke {
        "with the PSK alone (psk_ke: no fresh key exchange, so no forward secrecy)"
    } else {
        "with the PSK and a fresh P-256 key exchange (psk_dhe_ke: forward secrecy as before)"
    }
}

/// Whole seconds without a decimal part ("30 s", not "30.000 s", which reads as thirty thousand
/// in much of the world).
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    }
}

/// The narration of a resumption or 0-RTT event; `None` for any other event.
pub fn narrate(w: &str, side: Side, ev: &Event) -> Option<Narration> {
    // These events happen only in a build with resumption.
    if !cfg!(feature = "resumption") {
        return None;
    }
    let n = |plain: String, detail: String, section: &'static str| Some(Narration { plain, detail, section });
    match ev {
        Event::ResumptionOffered { ticket, psk, ticket_age_ms, obfuscated_ticket_age, modes, binder, early_data, .. } => n(
            format!(
                "{w} offers the ticket from its first connection ({} bytes it cannot read), to resume without a certificate. It proves it holds the ticket's PSK ({psk}) with a binder: a MAC over this ClientHello made with a key from the PSK.{}",
                ticket.0.len(),
                if *early_data > 0 { format!(" It also sends {early_data} bytes of 0-RTT data right behind the ClientHello, before any answer.") } else { String::new() }
            ),
            format!(
                "pre_shared_key, the last extension: identity = the ticket, obfuscated_ticket_age = age {ticket_age_ms} ms + ticket_age_add mod 2^32 = {obfuscated_ticket_age}; modes {}; binder = HMAC(finished_key(binder_key), Transcript-Hash(ClientHello up to the binders)) = {}.",
                modes.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "),
                short(&binder.0)
            ),
            "4.2.11",
        ),
        Event::TicketChecked { identity, verdict } => {
            let plain = match verdict {
                TicketVerdict::Usable { age_ms, lifetime, .. } => format!(
                    "{w} unseals the ticket with the key only it holds: it issued it {} ago, within its lifetime of {lifetime} s, the client's idea of its age agrees, and it was never used before."
                , seconds(*age_ms)),
                TicketVerdict::Unknown => format!("{w} cannot unseal the ticket with its key: it ignores it and does a full handshake."),
                TicketVerdict::Expired { age_ms, lifetime } => format!(
                    "{w} unseals the ticket, but it is {} old, past its lifetime of {lifetime} s: it ignores it and does a full handshake (no alert).",
                    seconds(*age_ms)
                ),
                TicketVerdict::AgeMismatch { client_ms, server_ms } => format!(
                    "{w} unseals the ticket, but the client says it is {} old and the server's clock says {}: too far apart, so it ignores it and does a full handshake.",
                    seconds(u64::from(*client_ms)),
                    seconds(*server_ms)
                ),
                TicketVerdict::AlreadyUsed => format!(
                    "{w} unseals the ticket and finds it has already been used once. Its tickets are single-use, so it refuses the PSK and makes a full handshake."
                ),
                TicketVerdict::OtherHash { suite } => format!(
                    "{w} unseals the ticket, but it is for {suite}, whose hash is not that of the cipher suite chosen now: its PSK cannot be used, so it makes a full handshake."
                ),
            };
            n(plain, format!("Offered identity {identity}; the ticket is the resumption state sealed with AES-128-GCM under the server's ticket key."), if *verdict == TicketVerdict::AlreadyUsed { "8.1" } else { "4.6.1" })
        }
        Event::Resumed { identity, mode: m } => n(
            match side {
                Side::Server => format!("{w} resumes {}: no certificate and no signature this time.", mode(*m)),
                _ => format!("{w} sees that the server took its ticket: it resumes {}.", mode(*m)),
            },
            format!("pre_shared_key selected_identity {identity} in the ServerHello; the early secret is HKDF-Extract(0, PSK) instead of HKDF-Extract(0, 0)."),
            "2.2",
        ),
        Event::ResumptionDeclined => n(
            format!("{w} sees no pre_shared_key in the ServerHello: the server did not take the ticket, so this is a full handshake with a certificate."),
            "The early secret is HKDF-Extract(0, 0) again, as in a connection without a ticket.".into(),
            "4.2.11",
        ),
        Event::EarlyDataAccepted { max_early_data_size } => n(
            match side {
                Side::Server => format!("{w} accepts the 0-RTT data (up to {max_early_data_size} bytes) and decrypts it with the early keys, before the handshake is done."),
                _ => format!("{w} learns from EncryptedExtensions that its 0-RTT data was accepted."),
            },
            "early_data in EncryptedExtensions; the data was protected with keys from client_early_traffic_secret = Derive-Secret(early_secret, \"c e traffic\", ClientHello).".into(),
            "4.2.10",
        ),
        Event::EarlyDataRejected { reason } => n(
            match (side, reason) {
                (Side::Server, Some(EarlyDataRefusal::NotResumed)) => format!("{w} does not read the 0-RTT data: having refused the PSK, it derives no early keys. It skips those records."),
                (Side::Server, Some(EarlyDataRefusal::NotAllowed)) => format!("{w} does not accept 0-RTT data with this ticket: it skips those records."),
                (Side::Server, Some(EarlyDataRefusal::OtherAlpn)) => format!("{w} does not accept the 0-RTT data: the application protocol differs from the ticket's. It skips those records."),
                (Side::Server, Some(EarlyDataRefusal::OtherSuite)) => format!("{w} does not accept the 0-RTT data: the cipher suite it chose differs from the ticket's. It skips those records."),
                _ => format!("{w} learns that its 0-RTT data was not accepted: it must send it again after the handshake if it still wants to."),
            },
            "No early_data in EncryptedExtensions: the server skips records it cannot decrypt, up to max_early_data_size.".into(),
            "4.2.10",
        ),
        _ => None,
    }
}
