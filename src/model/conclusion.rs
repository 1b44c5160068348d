//! How a run ends, in words: for a connection that worked, what was agreed, who proved what and
//! how, what travelled encrypted and that the keys were erased; for one that failed, the check
//! that failed with its evidence, the alerts each side sent and received, what a browser would
//! have shown, and what the failure protected the user from. Every sentence comes from the trace.

use super::narration::check as check_sentence;
use crate::sim::{NetworkEvent, Side, Trace, TraceEvent};
use crate::tls::enums::{AlertDescription, NamedGroup};
use crate::tls::events::{Check, CheckKind, DiscardReason, Event, KeyPart, KeyPartKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conclusion {
    /// Whether the connection did what it should: a handshake, data, an orderly close.
    pub ok: bool,
    pub title: String,
    pub lines: Vec<String>,
}

fn events<'a>(t: &'a Trace, side: Side) -> impl Iterator<Item = &'a Event> + 'a {
    t.events.iter().filter(move |e| e.side == side && e.connection == 1).filter_map(TraceEvent::event)
}

fn first_failed(t: &Trace) -> Option<(Side, &Check)> {
    t.events.iter().find_map(|e| match e.event()? {
        Event::Check(c) if !c.ok => Some((e.side, c)),
        _ => None,
    })
}

fn side_name(s: Side) -> &'static str {
    s.name()
}

/// What Chrome shows for a failure of this kind, and what the failure protected the user from.
fn browser_and_protection(kind: Option<&CheckKind>, alert: Option<AlertDescription>) -> (String, String) {
    match kind {
        Some(CheckKind::Name { .. }) => (
            "A browser would refuse to show the page: Chrome says \"Your connection is not private\" with NET::ERR_CERT_COMMON_NAME_INVALID.".into(),
            "This protects you from a server that holds a genuine certificate, but for another site, pretending to be the one you asked for.".into(),
        ),
        Some(CheckKind::Validity { .. }) => (
            "A browser would refuse to show the page: Chrome says \"Your connection is not private\" with NET::ERR_CERT_DATE_INVALID.".into(),
            "This protects you from a certificate whose key may have been retired or stolen long ago, which no CA still vouches for.".into(),
        ),
        Some(CheckKind::TrustAnchor { .. } | CheckKind::IssuerSignature { .. }) => (
            "A browser would refuse to show the page: Chrome says \"Your connection is not private\" with NET::ERR_CERT_AUTHORITY_INVALID.".into(),
            "This protects you from anyone who makes their own certificate for the site, even one whose issuer has the trusted CA's name: only the trusted CA's key can sign for it.".into(),
        ),
        Some(CheckKind::MayIssue { .. } | CheckKind::ChainLength { .. }) => (
            "A browser would refuse to show the page: Chrome says \"Your connection is not private\" with NET::ERR_CERT_AUTHORITY_INVALID (it finds no chain of real CAs to a trusted root).".into(),
            "This protects you from anyone holding an ordinary certificate, for any site, who tries to use it to issue themselves a certificate for yours: only a CA may issue certificates.".into(),
        ),
        Some(CheckKind::ClientCertificate { .. }) => (
            "A browser without a client certificate for the site would show an error page: Chrome reports ERR_BAD_SSL_CLIENT_AUTH_CERT.".into(),
            "This keeps out every client that cannot prove who it is with a certificate from a CA the server trusts.".into(),
        ),
        Some(CheckKind::ApplicationProtocol { .. } | CheckKind::ApplicationProtocolSelected { .. }) => (
            "A browser would show an error page instead of the site: Chrome reports ERR_SSL_PROTOCOL_ERROR.".into(),
            "Neither side goes on to speak a protocol the other does not understand.".into(),
        ),
        Some(CheckKind::ClientUsage { .. }) => (
            "A browser would show an error page: Chrome reports ERR_BAD_SSL_CLIENT_AUTH_CERT.".into(),
            "This keeps a certificate issued for another purpose from speaking for a client.".into(),
        ),
        Some(CheckKind::Usage { .. }) => (
            "A browser would refuse to show the page: Chrome says \"Your connection is not private\" with NET::ERR_CERT_INVALID.".into(),
            "This protects you from a certificate issued for another purpose being used to speak for a server.".into(),
        ),
        Some(CheckKind::RecordDecryption { .. }) => (
            "A browser would show an error page instead of the site: Chrome reports ERR_SSL_PROTOCOL_ERROR.".into(),
            "This protects you from an attacker who changes what you receive: a changed record is detected and thrown away, and the connection ends rather than deliver altered data.".into(),
        ),
        Some(CheckKind::CertificateVerify { .. } | CheckKind::Finished { .. } | CheckKind::Binder { .. }) => (
            "A browser would show an error page instead of the site: Chrome reports ERR_SSL_PROTOCOL_ERROR.".into(),
            "This protects you from someone who copied a server's certificate but does not hold its private key, or who altered the handshake.".into(),
        ),
        None if alert == Some(AlertDescription::protocol_version) => (
            "A browser would show an error page instead of the site: Chrome reports ERR_SSL_VERSION_OR_CIPHER_MISMATCH.".into(),
            "The connection ended before any data could be exchanged.".into(),
        ),
        None => (
            format!(
                "A browser would show an error page instead of the site (Chrome: ERR_SSL_PROTOCOL_ERROR){}.",
                alert.map(|a| format!("; the alert was {a}")).unwrap_or_default()
            ),
            "The connection ended before any data could be exchanged.".into(),
        ),
    }
}

/// The conclusion of a run's first connection.
pub fn conclude(t: &Trace) -> Conclusion {
    if t.connections.len() > 1 {
        return super::resumption::conclude(t);
    }
    let Some(o) = t.outcome() else {
        return Conclusion { ok: false, title: "Nothing happened".into(), lines: Vec::new() };
    };
    let sent = |side: Side| -> Vec<AlertDescription> {
        events(t, side).filter_map(|e| if let Event::AlertSent { description, .. } = e { Some(*description) } else { None }).collect()
    };
    let received = |side: Side| -> Vec<AlertDescription> {
        events(t, side).filter_map(|e| if let Event::AlertReceived { description, .. } = e { Some(*description) } else { None }).collect()
    };
    let encrypted: (usize, usize) = t
        .events
        .iter()
        .filter_map(|e| match e.event()? {
            Event::RecordSent { bytes, protection: Some(_), .. } => Some(bytes.0.len()),
            _ => None,
        })
        .fold((0, 0), |(n, b), len| (n + 1, b + len));
    let plaintext = t.events.iter().filter(|e| matches!(e.event(), Some(Event::RecordSent { protection: None, .. }))).count();
    if o.handshake_complete {
        let mut lines = Vec::new();
        if let Some(a) = &o.agreed {
            lines.push(format!(
                "Agreed: TLS 1.3 with the cipher suite {}, {} {} key exchange{}.",
                a.suite,
                // "an x25519", "an X25519MLKEM768": the letter is said "ex".
                if a.group.to_string().starts_with(['x', 'X']) { "an" } else { "a" },
                a.group,
                o.alpn.as_ref().map(|p| format!(", and {p} as the application protocol")).unwrap_or_default()
            ));
        }
        lines.extend(offered_and_chosen(t));
        lines.extend(time_spent(t));
        let anchor = t.trust_anchor.as_ref().map_or_else(|| "the CA it trusts".to_string(), |c| c.subject.clone());
        let name = events(t, Side::Client).find_map(|e| match e {
            Event::Check(Check { kind: CheckKind::Name { asked, .. }, .. }) => Some(asked.clone()),
            _ => None,
        });
        let scheme = events(t, Side::Client).find_map(|e| match e {
            Event::Check(Check { kind: CheckKind::CertificateVerify { scheme, .. }, .. }) => Some(scheme.to_string()),
            _ => None,
        });
        // Whether the server asked who the client is, and what the client proved.
        let asked = events(t, Side::Server).any(|e| matches!(e, Event::CertificateRequested { .. }));
        let client_cert = events(t, Side::Server).find_map(|e| match e {
            Event::Certificate { info } => Some(info.subject.clone()),
            _ => None,
        });
        let client = match (asked, client_cert) {
            (true, Some(subject)) => format!("The client proved who it is too: the server asked, and its certificate for {subject} leads to {anchor}, which the server trusts, and its own CertificateVerify signature shows it holds that certificate's key."),
            (true, None) => "The client did not prove who it is: the server asked, the client had no certificate, and the server let it in anyway.".into(),
            _ => "The client did not prove who it is: the server did not ask.".into(),
        };
        lines.push(format!(
            "The server proved who it is: its certificate for {} leads to {anchor}, which the client trusts, and its CertificateVerify signature{} shows it holds that certificate's private key. {client}",
            name.as_deref().unwrap_or("the name asked for"),
            scheme.map(|s| format!(" ({s})")).unwrap_or_default()
        ));
        lines.push("Both Finished messages matched: the two sides saw the same handshake, so nobody altered it on the way.".into());
        lines.push(format!(
            "{} records ({} bytes, headers included) travelled encrypted; only the {plaintext} plaintext records (the hellos and the dummy change_cipher_spec records) were readable on the network.",
            encrypted.0, encrypted.1
        ));
        let erased = [Side::Client, Side::Server]
            .iter()
            .all(|s| events(t, *s).any(|e| matches!(e, Event::KeysDiscarded { reason: DiscardReason::Closed, .. })));
        if o.closed_cleanly && erased {
            lines.push("Both sides sent close_notify and erased their traffic keys, and each had erased its ephemeral private key right after the key exchange: this conversation cannot be decrypted later, even by someone who steals the server's certificate key.".into());
        } else if !o.closed_cleanly {
            lines.push("The connection did not end with close_notify from both sides.".into());
        }
        return Conclusion { ok: o.closed_cleanly, title: "The connection worked".into(), lines };
    }
    let failed = first_failed(t);
    let mut lines = Vec::new();
    let title = match failed {
        Some((side, c)) => {
            lines.push(check_sentence(side, c).plain);
            format!("The connection failed: the {} refused it", side_name(side))
        }
        None => "The connection failed".into(),
    };
    let tamper = t.events.iter().find_map(|e| match e.network()? {
        NetworkEvent::Tampered { record, offset, xor, towards } => Some((*record, *offset, *xor, *towards)),
        _ => None,
    });
    if let Some((record, offset, xor, towards)) = tamper {
        lines.push(format!(
            "What changed: on its way to the {towards}, record {record} (the {} record on the wire, counting both directions from 0) had its byte {offset} (counting from the first header byte) XORed with {xor:#04x}.",
            ordinal(record + 1)
        ));
    }
    lines.extend(super::mitm::lines(t));
    for side in [Side::Client, Side::Server] {
        let (s, r) = (sent(side), received(side));
        let list = |v: &[AlertDescription]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
        let line = match (s.is_empty(), r.is_empty()) {
            (false, false) => format!("The {} sent the alert {} and received {}.", side_name(side), list(&s), list(&r)),
            (false, true) => format!("The {} sent the alert {}.", side_name(side), list(&s)),
            (true, false) => {
                format!("The {} received the alert {} and ended the connection without an alert of its own.", side_name(side), list(&r))
            }
            (true, true) => format!("The {} sent no alert.", side_name(side)),
        };
        lines.push(line);
    }
    let erased = [Side::Client, Side::Server].iter().all(|s| events(t, *s).any(|e| matches!(e, Event::KeysDiscarded { .. })));
    lines.push(format!(
        "No close_notify was sent: after a fatal alert the connection simply ends (RFC 8446 §6.2){}.",
        if erased { ", and both sides erase the keys they had" } else { "" }
    ));
    let alert = failed.and_then(|(_, c)| c.failure.as_ref().map(|f| f.alert)).or_else(|| o.alerts.first().map(|(_, a)| *a));
    let (browser, protection) = browser_and_protection(failed.map(|(_, c)| &c.kind), alert);
    lines.push(browser);
    lines.push(protection);
    Conclusion { ok: false, title, lines }
}

/// A count as a reader reads it: 1,216.
fn count(n: usize) -> String {
    match n {
        0..1000 => n.to_string(),
        _ => format!("{},{:03}", n / 1000, n % 1000),
    }
}

fn bytes(n: usize) -> String {
    format!("{} bytes", count(n))
}

/// A key share and its size; a hybrid's with the sizes of its two parts.
fn share(group: NamedGroup, public_key: &[u8], parts: &[KeyPart]) -> String {
    let size = |k: KeyPartKind| parts.iter().find(|p| p.kind == k).map(|p| (p.component, p.value.0.len()));
    let ecdh = size(KeyPartKind::PublicKey);
    let kem = size(KeyPartKind::EncapsulationKey)
        .map(|(_, n)| format!("a {}-byte ML-KEM-768 encapsulation key", count(n)))
        .or_else(|| size(KeyPartKind::Ciphertext).map(|(_, n)| format!("a {}-byte ML-KEM-768 ciphertext", count(n))));
    match (kem, ecdh) {
        (Some(kem), Some((c, n))) => format!("{group} ({}: {kem} and a {}-byte {c} public key)", bytes(public_key.len()), count(n)),
        _ => format!("{group} ({})", bytes(public_key.len())),
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(v: &[String]) -> String {
    match v {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What the client offered and the server chose, where there was a choice, and what the key
/// shares weighed on the wire.
fn offered_and_chosen(t: &Trace) -> Vec<String> {
    let mut lines = Vec::new();
    let Some((groups, suites)) = events(t, Side::Client).find_map(|e| match e {
        Event::Offered { groups, suites, .. } => Some((groups, suites)),
        _ => None,
    }) else {
        return lines;
    };
    let Some(a) = t.outcome().and_then(|o| o.agreed) else { return lines };
    if groups.len() > 1 || suites.len() > 1 {
        let names = |v: Vec<String>| and_list(&v);
        lines.push(format!(
            "Offered: the {} {} and the {} {}; the server chose {} and {}.",
            if groups.len() > 1 { "groups" } else { "group" },
            names(groups.iter().map(|g| g.to_string()).collect()),
            if suites.len() > 1 { "cipher suites" } else { "cipher suite" },
            names(suites.iter().map(|c| c.to_string()).collect()),
            a.group,
            a.suite
        ));
    }
    let shares = |side: Side| -> Vec<String> {
        events(t, side)
            .filter_map(|e| match e {
                Event::KeyPair { group, public_key, public_parts, .. } => Some(share(*group, &public_key.0, public_parts)),
                _ => None,
            })
            .collect()
    };
    let retried = events(t, Side::Client).any(|e| matches!(e, Event::HelloRetry { .. }));
    lines.push(format!(
        "Key shares on the wire: the client sent {}{}; the server answered with {}.",
        if retried { "none at first, then, after the HelloRetryRequest, " } else { "" },
        and_list(&shares(Side::Client)),
        and_list(&shares(Side::Server))
    ));
    lines
}

/// Milliseconds with one decimal, through integers.
fn ms(us: u64) -> String {
    let tenths = (us + 50) / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// How long each side computed, where the run measured it.
fn time_spent(t: &Trace) -> Option<String> {
    let s = t.spent;
    (s.client_us > 0 || s.server_us > 0).then(|| {
        format!(
            "Time each side spent computing, measured in this run: the client {}, the server {} (it varies from run to run; the certificates, made before the run, are not counted).",
            ms(s.client_us),
            ms(s.server_us)
        )
    })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{run, scenario::PAGE_TAMPER, Options, Scenario};

    fn of(s: Scenario) -> Conclusion {
        conclude(&run(&Options { seed: Some(5), scenario: s, ..Default::default() }))
    }

    #[test]
    fn the_conclusions_of_mutual_tls_and_alpn_say_who_proved_what_and_which_check_refused() {
        let c = of(Scenario::ClientCert);
        assert!(c.ok, "{:?}", c.lines);
        assert!(c.lines.iter().any(|l| l.contains("The client proved who it is too") && l.contains("CN=Handshake Visualizer Demo Client")));
        let normal = of(Scenario::Normal);
        assert!(normal.lines.iter().any(|l| l.contains("The client did not prove who it is: the server did not ask")));
        let c = of(Scenario::NoClientCert);
        assert_eq!(c.title, "The connection failed: the server refused it");
        assert!(c.lines[0].contains("requires a client certificate") && c.lines[0].contains("certificate_required"), "{:?}", c.lines);
        assert!(c.lines.iter().any(|l| l.contains("ERR_BAD_SSL_CLIENT_AUTH_CERT")));
        let c = of(Scenario::NoAlpn);
        assert!(c.lines[0].contains("imap") && c.lines[0].contains("no_application_protocol"), "{:?}", c.lines);
    }

    /// Key share sizes from RFC 8446 §4.2.8.2 (an uncompressed P-256 point: 1 + 2 × 32 bytes) and
    /// draft-ietf-tls-ecdhe-mlkem §4.1 (X25519MLKEM768: 1184 + 32 from the client, 1088 + 32 from
    /// the server).
    #[test]
    fn the_conclusion_says_what_was_offered_and_chosen_and_what_the_key_shares_weighed() {
        let c = of(Scenario::Normal);
        // One group and one suite: no choice to tell beside the Agreed line, only the sizes.
        assert!(!c.lines.iter().any(|l| l.starts_with("Offered")), "{:?}", c.lines);
        let line = c.lines.iter().find(|l| l.starts_with("Key shares")).expect("a key share line");
        assert_eq!(line, "Key shares on the wire: the client sent secp256r1 (65 bytes); the server answered with secp256r1 (65 bytes).");
        let c = of(Scenario::HelloRetry);
        let line = c.lines.iter().find(|l| l.starts_with("Key shares")).expect("a key share line");
        assert!(line.contains("the client sent none at first, then, after the HelloRetryRequest, secp256r1 (65 bytes)"), "{line}");
        #[cfg(feature = "mlkem")]
        {
            use crate::sim::preset::{ClientOffer, Preset};
            let client = ClientOffer { preset: Preset::Chrome, ..Default::default() };
            let c = conclude(&run(&Options { seed: Some(5), client, ..Default::default() }));
            let offered = c.lines.iter().find(|l| l.starts_with("Offered")).expect("an offer line");
            assert!(offered.contains("the server chose X25519MLKEM768 and TLS_AES_128_GCM_SHA256."), "{offered}");
            let line = c.lines.iter().find(|l| l.starts_with("Key shares")).expect("a key share line");
            assert_eq!(
                line,
                "Key shares on the wire: the client sent X25519MLKEM768 (1,216 bytes: a 1,184-byte ML-KEM-768 encapsulation key and a 32-byte x25519 public key) and x25519 (32 bytes); the server answered with X25519MLKEM768 (1,120 bytes: a 1,088-byte ML-KEM-768 ciphertext and a 32-byte x25519 public key)."
            );
        }
    }

    #[test]
    fn the_conclusion_says_how_long_each_side_computed_when_it_was_measured() {
        let mut t = run(&Options { seed: Some(5), ..Default::default() });
        // The run measured itself: both sides did work that takes a clock's while.
        assert!(t.spent.client_us > 0 && t.spent.server_us > 0, "{:?}", t.spent);
        t.spent = crate::sim::trace::Spent { client_us: 1249, server_us: 51 };
        let c = conclude(&t);
        assert!(
            c.lines
                .iter()
                .any(|l| l.starts_with("Time each side spent computing, measured in this run: the client 1.2 ms, the server 0.1 ms (")),
            "{:?}",
            c.lines
        );
        t.spent = crate::sim::trace::Spent::default();
        assert!(!conclude(&t).lines.iter().any(|l| l.starts_with("Time each side")), "nothing measured, nothing said");
    }

    #[test]
    fn a_normal_run_says_what_was_agreed_and_proved_and_that_the_keys_are_gone() {
        let c = of(Scenario::Normal);
        assert!(c.ok);
        let all = c.lines.join(" ");
        assert!(all.contains("TLS_AES_128_GCM_SHA256") && all.contains("secp256r1") && all.contains("http/1.1"), "{all}");
        assert!(all.contains("CertificateVerify signature (ecdsa_secp256r1_sha256)"), "{all}");
        assert!(all.contains("erased their traffic keys"));
        assert!(!all.contains("No close_notify"));
    }

    #[test]
    fn each_failed_scenario_names_its_check_its_alert_and_the_browser_error() {
        for (s, check, alert, browser) in [
            (Scenario::WrongName, "checks the name", "bad_certificate", "NET::ERR_CERT_COMMON_NAME_INVALID"),
            (Scenario::Expired, "checks the certificate's dates", "certificate_expired", "NET::ERR_CERT_DATE_INVALID"),
            (Scenario::UntrustedCa, "same name as the CA the client trusts", "unknown_ca", "NET::ERR_CERT_AUTHORITY_INVALID"),
            (PAGE_TAMPER, "cannot decrypt a record", "bad_record_mac", "ERR_SSL_PROTOCOL_ERROR"),
            (Scenario::LeafAsCa, "may issue certificates. It may not", "bad_certificate", "NET::ERR_CERT_AUTHORITY_INVALID"),
        ] {
            let c = of(s.clone());
            assert!(!c.ok, "{s:?}");
            let all = c.lines.join(" ");
            assert!(c.lines[0].contains(check), "{s:?}: {}", c.lines[0]);
            assert!(all.contains(&format!("The client sent the alert {alert}")), "{s:?}: {all}");
            assert!(all.contains(&format!("The server received the alert {alert}")), "{s:?}: {all}");
            assert!(all.contains(browser), "{s:?}: {all}");
            assert!(!all.contains("sent close_notify"), "{s:?}: claims a close_notify: {all}");
        }
    }

    #[test]
    fn the_tampered_run_names_the_byte_that_changed() {
        let all = of(PAGE_TAMPER).lines.join(" ");
        assert!(all.contains("record 3 (the 4th record on the wire") && all.contains("byte 60") && all.contains("0x01"), "{all}");
    }

    #[test]
    fn the_plaintext_records_are_not_said_to_come_before_the_keys() {
        // The client's dummy change_cipher_spec goes right before its second flight (RFC 8446 D.4),
        // after it derived its handshake keys; the four plaintext records are the two hellos and
        // the two change_cipher_spec records.
        let t = run(&Options { seed: Some(8), ..Default::default() });
        let client = |f: &dyn Fn(&Event) -> bool| t.events.iter().position(|e| e.side == Side::Client && e.event().is_some_and(f));
        let keys = client(&|e| matches!(e, Event::Derived(_)));
        let ccs = client(&|e| matches!(e, Event::RecordSent { carries: crate::tls::events::Carries::ChangeCipherSpec, .. }));
        assert!(keys < ccs, "the client's change_cipher_spec follows its keys");
        let line = conclude(&t).lines.into_iter().find(|l| l.contains("travelled encrypted")).expect("the records line");
        assert!(line.contains("only the 4 plaintext records") && !line.contains("before the keys existed"), "{line}");
    }
}
