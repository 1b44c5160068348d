//! What the page says about each event: a plain sentence for a beginner, the technical detail for
//! someone checking against RFC 8446, and the section to read. Every sentence is made here, from
//! typed trace values; nothing reads a sentence back.

mod resume;

use super::playback::Step;
use crate::sim::{NetworkEvent, Side, Trace, TraceEvent};
use crate::tls::codec::{hex, quoted};
use crate::tls::enums::{AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, SignatureScheme, Wire};
use crate::tls::events::{
    Carries, CertificateAnswer, Check, CheckKind, Derivation, Direction, DiscardReason, Endpoint, Event, ExpandContext, Hkdf, KeyInput,
    KeyPart, KeyPartKind, Message, Output, Phase, Secret,
};
use crate::tls::extensions::Extension;

/// A sentence for everyone, the detail for an expert, and where RFC 8446 says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narration {
    pub plain: String,
    pub detail: String,
    /// RFC 8446 section (`4.1.2`) or appendix (`D.4`).
    pub section: &'static str,
}

/// The RFC editor's address for a section or an appendix of RFC 8446.
pub fn rfc_url(section: &str) -> String {
    let kind = if section.starts_with(|c: char| c.is_ascii_alphabetic()) { "appendix" } else { "section" };
    format!("https://www.rfc-editor.org/rfc/rfc8446#{kind}-{section}")
}

fn short(b: &[u8]) -> String {
    let h = hex(b);
    if h.len() > 16 {
        format!("{}…", &h[..16])
    } else {
        h
    }
}

/// Who does what, as a sentence begins.
pub(crate) fn who(side: Side) -> &'static str {
    match side {
        Side::Client => "The client",
        Side::Server => "The server",
        Side::Network => "On the network,",
    }
}

fn endpoint(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Client => "client",
        Endpoint::Server => "server",
    }
}

/// What a phase means to a reader.
pub fn waiting_for(p: Phase) -> &'static str {
    match p {
        Phase::Start => "not started",
        Phase::ExpectServerHello => "waiting for ServerHello",
        Phase::ExpectEncryptedExtensions => "waiting for EncryptedExtensions",
        Phase::ExpectCertificate => "waiting for the server's Certificate",
        Phase::ExpectCertificateVerify => "waiting for CertificateVerify",
        Phase::ExpectFinished => "waiting for the server's Finished",
        Phase::ExpectClientHello => "waiting for ClientHello",
        Phase::ExpectEndOfEarlyData => "reading the client's 0-RTT data, until EndOfEarlyData",
        Phase::ExpectClientCertificate => "waiting for the client's Certificate",
        Phase::ExpectClientCertificateVerify => "waiting for the client's CertificateVerify",
        Phase::ExpectClientFinished => "waiting for the client's Finished",
        Phase::Connected => "connected: application data may flow",
        Phase::Closed => "closed",
        Phase::Failed => "failed",
    }
}

/// The title and the one-sentence idea of each of the five steps.
pub fn step_intro(step: Step, resumed: bool) -> &'static str {
    match step {
        // A resumed connection (RFC 8446 §2.2) authenticates by the ticket's PSK: no certificate.
        Step::SessionKeys if resumed => "each side combines its own private key with the other's public key, as in a full handshake, and mixes the ticket's PSK into the key schedule: the keys depend on both.",
        Step::Authentication if resumed => "no certificate this time: the server proves it is the server of the first connection by knowing the ticket's PSK, and the Finished messages, keyed from it, confirm both sides saw the same handshake.",
        Step::Hello => "the client lists the TLS versions and cipher suites it supports and sends a fresh public key; the server picks one of each and answers with its own.",
        // Said of every run, a man in the middle's too: what the step is for, not what succeeded.
        Step::SessionKeys => "each side turns the shared secret and the hash of the hellos into handshake keys on its own. When nobody interferes, both get the same keys, and none of them crosses the network.",
        Step::Authentication => "the server must show a certificate that leads to a CA the client trusts, and sign the conversation to prove it holds the certificate's key. Finished messages confirm both sides saw the same handshake.",
        Step::SecureConnection => "data now travels encrypted. An eavesdropper sees only ciphertext, and any change to it makes decryption fail.",
        Step::Closing => "each side sends close_notify, so nobody can cut the conversation short unnoticed, and the keys are thrown away.",
    }
}

/// "the cipher suite X" or "the cipher suites X, Y".
fn the(one: &str, many: &str, items: &[String]) -> String {
    format!("the {} {}", if items.len() > 1 { many } else { one }, list(items))
}

fn list(items: &[String]) -> String {
    match items {
        [] => "none".to_string(),
        [one] => one.clone(),
        _ => items.join(", "),
    }
}

/// What the server chose in `e`'s connection, from its outcome.
fn agreed(trace: &Trace, e: &TraceEvent) -> Option<(CipherSuite, NamedGroup, SignatureScheme)> {
    let outcome = trace.connections.iter().find(|o| o.connection == e.connection)?;
    outcome.agreed.as_ref().map(|a| (a.suite, a.group, a.signature_scheme))
}

/// The suite a record under `secret` is protected with: 0-RTT data goes under the ticket's
/// suite (RFC 8446 §4.2.10), everything else under the one the server chose.
pub fn record_suite(trace: &Trace, e: &TraceEvent, secret: Secret) -> CipherSuite {
    let ticket = || {
        trace.events.iter().filter(|x| x.connection == e.connection).find_map(|x| match x.event() {
            Some(Event::ResumptionOffered { suite, .. }) => Some(*suite),
            _ => None,
        })
    };
    let chosen = || agreed(trace, e).map(|a| a.0);
    let suite = if secret == Secret::ClientEarlyTraffic { ticket().or_else(chosen) } else { chosen() };
    suite.unwrap_or(CipherSuite::TLS_AES_128_GCM_SHA256)
}

/// The record protection of a suite, as RFC 8446 §B.4 names its AEAD.
pub fn aead_name(suite: CipherSuite) -> &'static str {
    match suite {
        CipherSuite::TLS_AES_256_GCM_SHA384 => "AES-256-GCM",
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => "ChaCha20-Poly1305",
        _ => "AES-128-GCM",
    }
}

/// The hash of a suite's key schedule, and its length in bytes.
fn hash_of(suite: CipherSuite) -> (&'static str, usize) {
    if suite == CipherSuite::TLS_AES_256_GCM_SHA384 {
        ("SHA384", 48)
    } else {
        ("SHA256", 32)
    }
}

/// A part of a hybrid key, share or secret, as a reader names it ("the ML-KEM-768 ciphertext,
/// 1088 bytes").
fn part(p: &KeyPart) -> String {
    let what = match p.kind {
        KeyPartKind::PrivateKey => "private key",
        KeyPartKind::PublicKey => "public key",
        KeyPartKind::DecapsulationKeySeed => "decapsulation key seed",
        KeyPartKind::EncapsulationKey => "encapsulation key",
        KeyPartKind::EncapsulationRandomness => "encapsulation randomness",
        KeyPartKind::Ciphertext => "ciphertext",
        KeyPartKind::SharedSecret => "shared secret",
    };
    format!("the {} {what} ({} bytes, from byte {})", component(p.component), p.value.0.len(), p.offset)
}

fn component(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::MLKEM768 => "ML-KEM-768",
        NamedGroup::x25519 => "X25519",
        _ => "P-256",
    }
}

fn parts(ps: &[KeyPart]) -> String {
    ps.iter().map(part).collect::<Vec<_>>().join(", then ")
}

/// The previous event of the same side and connection, if any (for context such as what a
/// ClientHello offered).
fn before<'a>(trace: &'a Trace, e: &TraceEvent) -> impl Iterator<Item = &'a Event> + 'a {
    let (side, connection, index) = (e.side, e.connection, e.index);
    trace.events[..index.min(trace.events.len())]
        .iter()
        .rev()
        .filter(move |x| x.side == side && x.connection == connection)
        .filter_map(TraceEvent::event)
}

/// The sentence for a check, from its evidence.
pub fn check(side: Side, c: &Check) -> Narration {
    let w = who(side);
    let mark = if c.ok { "✓" } else { "✗" };
    let alert = c.failure.as_ref().map(|f| format!(" It ends the handshake with the alert {}.", f.alert)).unwrap_or_default();
    let n = |plain: String, detail: String, section| Narration { plain: format!("{plain}{alert}"), detail, section };
    match &c.kind {
        CheckKind::TrustAnchor { certificate, issuer, anchor, names_match, signature_valid, algorithm } => {
            let plain = match (names_match, signature_valid) {
                // The certificate checked is the chain's last, which may be an intermediate CA's: named.
                (true, true) => format!("{w} checks who issued {certificate}: {issuer}, the CA it trusts, and that CA's signature on it is genuine: {mark}."),
                (true, false) => format!(
                    "{w} checks who issued {certificate}. It names {issuer} as its issuer, the same name as the CA the client trusts, but the signature on it was not made with that CA's key: {mark}. Anyone can give their own CA that name; only the trusted CA's key can sign for it."
                ),
                (false, _) => format!("{w} checks who issued {certificate}: {issuer}, which is not the CA it trusts ({anchor}): {mark}."),
            };
            n(
                plain,
                format!("Issuer of \"{certificate}\": \"{issuer}\"; trust anchor: \"{anchor}\"; names match: {names_match}; {algorithm} signature verifies with the anchor's key: {signature_valid}."),
                "4.4.2.4",
            )
        }
        // The server counts the client's chain under mutual TLS.
        CheckKind::ChainLength { certificates, limit } => n(
            format!(
                "{w} counts the certificates the {} sent: {certificates}, and it follows a path of at most {limit}: {mark}.",
                if side == Side::Server { "client" } else { "server" }
            ),
            format!("{certificates} certificates in the Certificate message; the {} follows a path of at most {limit} below the trust anchor (its own limit: RFC 5280 §6.1 sets none).", side.name()),
            "4.4.2.4",
        ),
        CheckKind::MayIssue { issuer, is_ca, key_cert_sign, path_len, intermediates_below } => {
            let plain = if !is_ca {
                format!("{w} checks that {issuer} may issue certificates. It may not: it is not a CA (basicConstraints cA is FALSE), so what it signed is worth nothing: {mark}.")
            } else if *key_cert_sign == Some(false) {
                format!("{w} checks that {issuer} may issue certificates. It is a CA, but its key usage does not allow signing certificates (no keyCertSign): {mark}.")
            } else {
                match path_len {
                    Some(p) => format!("{w} checks that {issuer} may issue certificates: it is a CA whose key may sign them, and at most {p} CA{} may stand below it ({intermediates_below} do{}): {mark}.", if *p == 1 { "" } else { "s" }, if *intermediates_below == 1 { "es" } else { "" }),
                    None => format!("{w} checks that {issuer} may issue certificates: it is a CA whose key may sign them, with no limit on the CAs below it ({intermediates_below} here): {mark}."),
                }
            };
            let ku = match key_cert_sign {
                Some(true) => "keyCertSign set",
                Some(false) => "keyCertSign not set",
                None => "no keyUsage extension",
            };
            let pl = path_len.map_or_else(|| "none".to_string(), |p| p.to_string());
            n(
                plain,
                format!("\"{issuer}\": basicConstraints cA {is_ca}, pathLenConstraint {pl}; {ku}; {intermediates_below} non-self-issued CA certificate(s) below it in the path (RFC 5280 §6.1.4 (k)–(n))."),
                "4.4.2.4",
            )
        }
        CheckKind::IssuerSignature { certificate, issuer, algorithm } => n(
            format!("{w} checks that {issuer} signed the certificate of {certificate}: {mark}."),
            format!("{algorithm} signature of \"{certificate}\" verified with the public key of \"{issuer}\"."),
            "4.4.2.4",
        ),
        CheckKind::Validity { certificate, not_before, not_after, now } => {
            let why = if now < not_before {
                " The certificate is not valid yet."
            } else if now > not_after {
                " The certificate has expired."
            } else {
                ""
            };
            n(
                format!("{w} checks the certificate's dates: valid from {not_before} to {not_after}, and its clock says {now}: {mark}.{why}"),
                format!("Validity of \"{certificate}\": notBefore {not_before}, notAfter {not_after}, checked at {now} (RFC 5280 §4.1.2.5)."),
                "4.4.2.4",
            )
        }
        CheckKind::Name { asked, names } => n(
            format!("{w} checks the name: it asked for {asked}, and the certificate is for {}: {mark}.", list(names)),
            format!("server_name \"{asked}\" against the subjectAltName dNSNames [{}] (RFC 6125; a wildcard stands for one label).", names.join(", ")),
            "4.4.2.4",
        ),
        CheckKind::Usage { certificate, is_ca, key_usage, extended_key_usage } => n(
            format!("{w} checks what the certificate may be used for: signing TLS handshakes as a server, and not as a CA: {mark}."),
            format!(
                "\"{certificate}\": basicConstraints cA {is_ca}, keyUsage [{}], extendedKeyUsage [{}]; a server's leaf needs digitalSignature and serverAuth.",
                key_usage.join(", "),
                extended_key_usage.join(", ")
            ),
            "4.4.2.4",
        ),
        CheckKind::ClientUsage { certificate, is_ca, key_usage, extended_key_usage } => n(
            format!("{w} checks what the client's certificate may be used for: signing TLS handshakes as a client, and not as a CA: {mark}."),
            format!(
                "\"{certificate}\": basicConstraints cA {is_ca}, keyUsage [{}], extendedKeyUsage [{}]; a client's leaf needs digitalSignature, and clientAuth if it lists usages.",
                key_usage.join(", "),
                extended_key_usage.join(", ")
            ),
            "4.4.2.4",
        ),
        CheckKind::ClientCertificate { required, certificates } => n(
            match (certificates, required) {
                (0, true) => format!("{w} requires a client certificate, and the client's Certificate is empty: {mark}."),
                (0, false) => format!("{w} asked for a certificate and got none: {mark}. It goes on without knowing who the client is."),
                (n, _) => format!("{w} asked for a certificate, and the client sent {n}: {mark}."),
            },
            format!("{certificates} certificate(s) in the client's Certificate; a certificate is {}required.", if *required { "" } else { "not " }),
            "4.4.2.4",
        ),
        CheckKind::ApplicationProtocol { offered, supported, selected } => n(
            match selected {
                Some(p) => format!("{w} picks the application protocol: {p}, the first of its own ({}) that the client offers: {mark}.", list(supported)),
                None => format!("{w} speaks {}, and the client offers {}: no application protocol in common: {mark}.", list(supported), list(offered)),
            },
            format!("ALPN (RFC 7301 §3.2): the client offers [{}]; the server's preference [{}].", offered.join(", "), supported.join(", ")),
            "4.2",
        ),
        CheckKind::ApplicationProtocolSelected { offered, selected } => n(
            // Said of what arrived, not of who chose it: under a man in the middle the attacker did.
            format!("{w} checks that {selected}, the protocol its EncryptedExtensions names, is one it offered ({}): {mark}.", list(offered)),
            format!("ALPN (RFC 7301 §3.1): one protocol_name in EncryptedExtensions, \"{selected}\"."),
            "4.2",
        ),
        CheckKind::CertificateVerify { signer, scheme, content, signature } => n(
            if c.ok {
                format!("{w} verifies the {}'s CertificateVerify signature with the public key from the certificate: {mark}. Only the holder of the certificate's private key could have made it.", endpoint(*signer))
            } else {
                format!("{w} verifies the {}'s CertificateVerify signature with the public key from the certificate, and it does not verify: {mark}.", endpoint(*signer))
            },
            format!(
                "{scheme} over {} bytes (64 spaces, the context string, a zero byte and the transcript hash {}); signature {}.",
                content.0.len(),
                short(content.0.get(content.0.len().saturating_sub(32)..).unwrap_or(&[])),
                short(&signature.0)
            ),
            "4.4.3",
        ),
        CheckKind::Finished { sender, verify_data } => n(
            if c.ok {
                format!("{w} recomputes the {}'s Finished value and gets the same: {mark}. Both sides saw the same handshake and hold the same keys.", endpoint(*sender))
            } else {
                format!("{w} recomputes the {}'s Finished value and gets a different one: {mark}. The handshake the two sides saw was not the same.", endpoint(*sender))
            },
            format!("verify_data received {}; expected HMAC(finished_key, transcript hash).", short(&verify_data.0)),
            "4.4.4",
        ),
        CheckKind::RecordDecryption { secret, sequence_number } => n(
            if c.ok {
                format!("{w} decrypts the record: {mark}.")
            } else {
                format!("{w} cannot decrypt a record: its authentication tag does not match: {mark}. Something changed it on the way, or the two sides do not hold the same keys.")
            },
            format!("AEAD open with the key and IV of {secret}, sequence number {sequence_number}, failed."),
            "5.2",
        ),
        CheckKind::Binder { identity, binder } => n(
            if c.ok {
                format!("{w} recomputes the ticket's binder with the PSK inside the ticket and gets the same: {mark}. The client holds the PSK, and the ClientHello is the one it made.")
            } else {
                format!("{w} recomputes the ticket's binder with the PSK inside the ticket and gets a different one: {mark}. The ClientHello was altered, or its sender does not hold the PSK.")
            },
            format!("Binder of identity {identity} received {}; expected HMAC(finished_key(binder_key), Transcript-Hash(ClientHello up to the binders)).", short(&binder.0)),
            "4.2.11.2",
        ),
    }
}

/// What the network did.
pub fn network(n: &NetworkEvent) -> Narration {
    let plain = match n {
        NetworkEvent::Tampered { record, towards, offset, xor } => format!(
            "On the network, an attacker flips bits (XOR {xor:#04x}) of byte {offset} of record {record} on its way to the {} (both counted from 0: records in both directions, bytes from the first header byte).",
            endpoint(*towards)
        ),
        NetworkEvent::Dropped { record, towards } => {
            format!("On the network, an attacker drops record {record} on its way to the {}.", endpoint(*towards))
        }
        NetworkEvent::Replaced { record, towards, bytes } => {
            format!(
                "On the network, an attacker replaces record {record} on its way to the {} with {bytes} bytes of its own.",
                endpoint(*towards)
            )
        }
        NetworkEvent::Injected { before_record, towards, bytes } => {
            format!(
                "On the network, an attacker slips {bytes} bytes of its own in before record {before_record}, on its way to the {}.",
                endpoint(*towards)
            )
        }
        NetworkEvent::TransportClosed => "Nothing more arrives: the network closes the connection.".to_string(),
        NetworkEvent::Copied { record, bytes } => format!(
            "On the network, an attacker keeps a copy of record {record} ({bytes} bytes) of the client's first flight, to send it again later, and lets it through unchanged."
        ),
        // The replay opens its connection with the first copied record and goes on on it.
        NetworkEvent::Replayed { record: 0, bytes, .. } => {
            format!("The attacker opens a connection of its own to the server and sends the copied record 0 again ({bytes} bytes), byte for byte.")
        }
        NetworkEvent::Replayed { record, bytes, .. } => {
            format!("On that connection, the attacker sends the copied record {record} again ({bytes} bytes), byte for byte.")
        }
        other => return super::mitm::network(other),
    };
    let detail = match n {
        NetworkEvent::TransportClosed => "A side that waits for the rest of a record or a message, or for the handshake to finish, treats the end of the connection as an error.".into(),
        NetworkEvent::Copied { .. } | NetworkEvent::Replayed { .. } => "0-RTT data is encrypted only under keys from the ticket's PSK and the ClientHello, with nothing fresh from the server: the same bytes decrypt the same way every time they are sent (RFC 8446 §8).".into(),
        _ => "Records are counted from 0 in the order they were sent, both directions together; byte 0 is the record header's content type.".into(),
    };
    Narration { plain, detail, section: "5" }
}

fn message_sent(trace: &Trace, e: &TraceEvent, w: &str, message: &Message, bytes: &[u8]) -> Narration {
    let len = bytes.len();
    let n = |plain: String, detail: String, section| Narration { plain, detail, section };
    if message.hello_retry_request {
        let group = before(trace, e).find_map(|x| match x {
            Event::HelloRetry { group } => Some(group.to_string()),
            _ => None,
        });
        return n(
            format!("{w} has no key share it can use, so it asks the client to try again with a key for {}.", group.as_deref().unwrap_or("a group it supports")),
            "A ServerHello whose random is the fixed SHA-256 of \"HelloRetryRequest\", with a key_share naming the group. The transcript replaces ClientHello1 by a message_hash.".into(),
            "4.1.4",
        );
    }
    match message.typ {
        HandshakeType::client_hello => {
            let offered = before(trace, e).find_map(|x| match x {
                Event::Offered { suites, groups, key_shares, .. } => Some((suites, groups, key_shares)),
                _ => None,
            });
            let (suites, groups, shares) = match offered {
                Some((s, g, k)) => (s.iter().map(|x| x.to_string()).collect::<Vec<_>>(), g.iter().map(|x| x.to_string()).collect::<Vec<_>>(), k.clone()),
                None => (Vec::new(), Vec::new(), Vec::new()),
            };
            let offer = trace.options.client;
            let w = if offer.preset == crate::sim::preset::Preset::Page || e.side != Side::Client {
                w.to_string()
            } else {
                format!("{w}, as {} sends it,", offer.preset.who())
            };
            let plain = if shares.is_empty() {
                format!("{w} says hello: it offers TLS 1.3 and {}, and lists {} among its groups, but sends no public key yet (its key_share is empty).", the("cipher suite", "cipher suites", &suites), list(&groups))
            } else {
                format!(
                    "{w} says hello: it offers TLS 1.3, {}, and {} for {} ({}). It signs nothing and sends no certificate.",
                    the("cipher suite", "cipher suites", &suites),
                    if shares.len() > 1 { "fresh public keys" } else { "a fresh public key" },
                    list(&shares.iter().map(|g| g.to_string()).collect::<Vec<_>>()),
                    if shares.len() > 1 { "key shares" } else { "a key share" }
                )
            };
            n(plain, format!("ClientHello, {len} bytes: legacy_version 0x0303, 32 random bytes, a 32-byte legacy_session_id (middlebox compatibility), cipher_suites, and extensions server_name, supported_versions, supported_groups, signature_algorithms, key_share, psk_key_exchange_modes, ALPN."), "4.1.2")
        }
        HandshakeType::server_hello => {
            let chose = before(trace, e).find_map(|x| match x {
                Event::Chose { suite, group, .. } => Some((suite.to_string(), group.to_string())),
                _ => None,
            });
            let (suite, group) = chose.unwrap_or_default();
            // A resumption's ServerHello also carries pre_shared_key (RFC 8446 §4.2.11), read from its bytes.
            let psk = match crate::tls::handshake::Handshake::decode(bytes).0 {
                Ok(crate::tls::handshake::Handshake::ServerHello(sh)) => {
                    sh.extensions.iter().any(|x| matches!(x, Extension::PreSharedKeySelected(_)))
                }
                _ => false,
            };
            let psk = if psk { ", pre_shared_key (the ticket it accepts)" } else { "" };
            n(
                // The dummy change_cipher_spec (RFC 8446 D.4) is a record, not a handshake message.
                if cfg!(feature = "mlkem") && group.ends_with("MLKEM768") {
                    format!("{w} answers: it picks TLS 1.3 and the cipher suite {suite}, and sends its {group} key share: an ML-KEM-768 ciphertext and its own elliptic-curve public key. Every handshake message it sends after this is encrypted.")
                } else {
                    format!("{w} answers: it picks TLS 1.3 and the cipher suite {suite}, and sends its own {group} public key. Every handshake message it sends after this is encrypted.")
                },
                format!("ServerHello, {len} bytes: supported_versions 0x0304, the chosen cipher_suite, the server's key_share{psk}; legacy_session_id_echo repeats the client's."),
                "4.1.3",
            )
        }
        HandshakeType::encrypted_extensions => {
            // What this message carries, read from its own bytes by the engine's decoder.
            let extensions = match crate::tls::handshake::Handshake::decode(bytes).0 {
                Ok(crate::tls::handshake::Handshake::EncryptedExtensions(x)) => x,
                _ => Vec::new(),
            };
            let (mut said, mut told) = (Vec::new(), Vec::new());
            for x in &extensions {
                match x {
                    Extension::ServerName(_) => told.push("an empty server_name: the server acknowledges the name the client asked for (RFC 6066 §3)".to_string()),
                    Extension::Alpn(p) => {
                        let p = p.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(", ");
                        said.push(format!("the application protocol, {p}"));
                        told.push(format!("application_layer_protocol_negotiation with {p}, taken from the client's list (RFC 7301)"));
                    }
                    Extension::EarlyData(_) => {
                        said.push("that it accepts the 0-RTT data".to_string());
                        told.push("an empty early_data: the server accepts the client's 0-RTT data (§4.2.10)".to_string());
                    }
                    other => told.push(other.typ().to_string()),
                }
            }
            let plain = if said.is_empty() {
                format!("{w} sends its remaining settings, already encrypted.")
            } else {
                format!("{w} sends its remaining settings, already encrypted: {}.", said.join(", and "))
            };
            let carries = if told.is_empty() { "nothing here".to_string() } else { format!("here {}", told.join("; ")) };
            n(plain, format!("EncryptedExtensions carries the extensions not needed to set up keys: {carries}. It is the first message under the handshake traffic keys."), "4.3.1")
        }
        HandshakeType::certificate_request => n(
            format!(
                "{w} asks the client who it is: a certificate from a CA the server trusts, and a signature to go with it{}.",
                if before(trace, e).any(|x| matches!(x, Event::CertificateRequested { required: Some(true), .. })) {
                    ". It will not go on without one"
                } else {
                    ""
                }
            ),
            format!("CertificateRequest, {len} bytes: an empty certificate_request_context, signature_algorithms (the schemes the server checks) and certificate_authorities (the name of the CA it trusts)."),
            "4.3.2",
        ),
        HandshakeType::certificate if e.side == Side::Client && len <= 8 => n(
            format!("{w} has no certificate, so it answers with an empty Certificate, and sends no CertificateVerify."),
            format!("Certificate, {len} bytes: the empty certificate_request_context echoed, and an empty certificate_list."),
            "4.4.2",
        ),
        HandshakeType::certificate if e.side == Side::Client => n(
            format!("{w} answers with its own certificate, and the intermediate CA certificate that issued it. Encrypted, like the server's."),
            format!("Certificate, {len} bytes: the request's certificate_request_context (empty) echoed, then one CertificateEntry per certificate in DER, the client's own first."),
            "4.4.2",
        ),
        HandshakeType::certificate => n(
            format!("{w} sends its certificate, with the CA certificates meant to link it to one the client trusts. In TLS 1.3 they travel encrypted: an eavesdropper cannot even see which certificate it is."),
            format!("Certificate, {len} bytes: an empty certificate_request_context and one CertificateEntry per certificate in DER, the server's own first, then CA certificates, each meant to certify the one before it."),
            "4.4.2",
        ),
        HandshakeType::certificate_verify => n(
            format!("{w} sends CertificateVerify: a signature over the handshake so far, made with the certificate's private key. It proves the {} holds that key, not just a copy of the certificate.", e.side.name()),
            format!(
                "{} over 64 spaces, \"TLS 1.3, {} CertificateVerify\", a zero byte and the transcript hash.",
                // The simulation's client certificate has a P-256 key; the server's scheme is the one it chose.
                match (e.side, agreed(trace, e)) {
                    (Side::Server, Some((_, _, scheme))) => scheme.meaning(),
                    _ => SignatureScheme::ecdsa_secp256r1_sha256.meaning(),
                },
                e.side.name()
            ),
            "4.4.3",
        ),
        HandshakeType::finished => n(
            format!("{w} sends its Finished: a MAC over the whole handshake. If anything had been altered, the other side would compute a different value."),
            {
                let (hash, len) = hash_of(agreed(trace, e).map_or(CipherSuite::TLS_AES_128_GCM_SHA256, |a| a.0));
                format!("verify_data = HMAC-{hash}(finished_key, transcript hash), finished_key = HKDF-Expand-Label(handshake traffic secret, \"finished\", \"\", {len}).")
            },
            "4.4.4",
        ),
        HandshakeType::new_session_ticket => n(
            format!("{w} gives the client a session ticket: a later connection could present it to resume without a certificate."),
            "NewSessionTicket after the handshake; the PSK it stands for is HKDF-Expand-Label(resumption_master_secret, \"resumption\", ticket_nonce, 32). Sent because the client offered psk_key_exchange_modes.".into(),
            "4.6.1",
        ),
        // RFC 8446 §4.6.3: the sender's own sending keys change; update_requested asks the peer for a KeyUpdate back.
        HandshakeType::key_update => n(
            match crate::tls::handshake::Handshake::decode(bytes).0 {
                Ok(crate::tls::handshake::Handshake::KeyUpdate(r)) if r == crate::tls::enums::KeyUpdateRequest::update_requested => {
                    format!("{w} sends KeyUpdate: from now on it encrypts under a fresh key, without a new handshake, and asks the other side to do the same.")
                }
                _ => format!("{w} sends KeyUpdate: from now on it encrypts under a fresh key, without a new handshake."),
            },
            "KeyUpdate: the next application traffic secret is HKDF-Expand-Label(current, \"traffic upd\", \"\", 32).".into(),
            "4.6.3",
        ),
        _ => n(format!("{w} sends {message}."), String::new(), "4"),
    }
}

fn secret_input(i: &KeyInput) -> String {
    match i {
        KeyInput::Zeros => "0 (32 zero bytes)".into(),
        KeyInput::SharedSecret => "the (EC)DHE shared secret".into(),
        KeyInput::Psk => "the PSK".into(),
        KeyInput::Secret(s) => s.to_string(),
    }
}

fn covers(messages: &[crate::tls::events::Covered]) -> String {
    if messages.is_empty() {
        return "no messages (the hash of the empty string)".into();
    }
    messages
        .iter()
        .map(|c| match (c.message.typ, c.sender) {
            (HandshakeType::finished, Some(s)) => format!("{} Finished", endpoint(s)),
            _ => c.message.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The formula of a derivation, as the RFC writes it.
pub fn formula(d: &Derivation) -> String {
    match &d.hkdf {
        Hkdf::Extract { salt, ikm } => format!("HKDF-Extract(salt = {}, IKM = {})", secret_input(salt), secret_input(ikm)),
        Hkdf::DeriveSecret { secret, label, messages, .. } => {
            format!("Derive-Secret({secret}, \"{label}\", {})", if messages.is_empty() { "\"\"".to_string() } else { covers(messages) })
        }
        Hkdf::ExpandLabel { secret, label, context_is, length, .. } => {
            let context = match context_is {
                ExpandContext::Empty => "\"\"",
                ExpandContext::TicketNonce => "ticket_nonce",
            };
            format!("HKDF-Expand-Label({secret}, \"{label}\", {context}, {length})")
        }
    }
}

fn derivation(w: &str, d: &Derivation) -> Narration {
    let plain = match (&d.hkdf, d.output) {
        (Hkdf::Extract { ikm: KeyInput::SharedSecret, .. }, out) => {
            format!("{w} mixes the shared secret into the key schedule: the result is the {out}.")
        }
        (Hkdf::Extract { .. }, out) => format!("{w} computes the {out} with HKDF-Extract."),
        (Hkdf::DeriveSecret { secret, .. }, Output::Secret(Secret::DerivedFromEarly | Secret::DerivedFromHandshake)) => {
            format!("{w} derives from the {secret} the salt for the next stage of the key schedule.")
        }
        (_, Output::Key(s)) => format!("{w} derives the traffic key of {s}."),
        (_, Output::Iv(s)) => format!("{w} derives the IV of {s}."),
        (_, Output::FinishedKey(s)) => format!("{w} derives the finished_key of {s}, the key of its Finished MAC."),
        (_, Output::Secret(s @ Secret::TicketPsk(_))) => format!("{w} derives the PSK a ticket stands for ({s})."),
        (_, Output::Secret(s)) => {
            format!("{w} derives the {s} from the {}.", d.parent().map_or_else(|| "zeros".to_string(), |p| p.to_string()))
        }
    };
    let detail = match &d.hkdf {
        Hkdf::DeriveSecret { transcript_hash, messages, .. } => format!(
            "{} = {}; the transcript hash of {} is {}. Value {}.",
            d.output,
            formula(d),
            covers(messages),
            short(&transcript_hash.0),
            short(&d.value.0)
        ),
        _ => format!("{} = {}; value {}.", d.output, formula(d), short(&d.value.0)),
    };
    Narration { plain, detail, section: "7.1" }
}

fn alert_plain(w: &str, description: AlertDescription) -> String {
    if description == AlertDescription::close_notify {
        format!("{w} sends close_notify: it will send nothing more.")
    } else {
        format!("{w} stops the connection and sends the alert {description}.")
    }
}

/// What the page says about one event of `trace`.
pub fn narrate(trace: &Trace, e: &TraceEvent) -> Narration {
    let w = who(e.side);
    let n = |plain: String, detail: String, section: &'static str| Narration { plain, detail, section };
    let ev = match e.event() {
        Some(ev) => ev,
        None => {
            let Some(net) = e.network() else { return n(String::new(), String::new(), "5") };
            let mut said = network(net);
            // Whether the copied record can be read: the hellos and change_cipher_spec travel in plaintext.
            if let NetworkEvent::Copied { .. } = net {
                let sent = trace.deliveries.iter().find(|d| (d.first..d.end).contains(&e.index)).and_then(|d| trace.events.get(d.sent));
                match sent.and_then(TraceEvent::event) {
                    Some(Event::RecordSent { protection: Some(_), .. }) => {
                        said.plain.push_str(" It cannot read this one: it is encrypted.")
                    }
                    Some(Event::RecordSent { protection: None, .. }) => said.plain.push_str(" It can read this one: it is not encrypted."),
                    _ => {}
                }
            }
            return said;
        }
    };
    match ev {
        Event::HandshakeSent { message, bytes, .. } => message_sent(trace, e, w, message, &bytes.0),
        Event::HandshakeReceived { message: Some(m), .. } => n(
            format!("{w} receives and decodes the {m}."),
            "Handshake messages may be split across records or share one; the receiver reassembles them before decoding (and rejects trailing bytes).".into(),
            "4",
        ),
        Event::HandshakeReceived { message: None, .. } => n(format!("{w} receives a handshake message it cannot decode."), String::new(), "4"),
        Event::RecordSent { bytes, protection, carries, .. } => match (protection, carries) {
            (None, Carries::ChangeCipherSpec) => n(
                format!("{w} sends a change_cipher_spec record. It does nothing in TLS 1.3: it only makes the connection look like TLS 1.2 to old middleboxes, and it is never encrypted."),
                "A plaintext record 14 03 03 00 01 01, sent in middlebox compatibility mode and dropped by the receiver.".into(),
                "D.4",
            ),
            (None, _) => n(
                format!("{w} puts the message in a plaintext record and sends it. Anyone on the network can read it."),
                format!("TLSPlaintext: type, legacy_record_version 0x0303, a 2-byte length, then {} bytes of fragment.", bytes.0.len().saturating_sub(5)),
                "5.1",
            ),
            (Some(p), _) => n(
                format!(
                    "{w} encrypts a record with {}. On the wire it is just \"application data\": a {} byte record whose encrypted part is {} bytes; its real type and content are hidden.",
                    aead_name(record_suite(trace, e, p.secret)),
                    bytes.0.len(),
                    bytes.0.len().saturating_sub(5)
                ),
                format!(
                    "Sealed with the key and IV of {} (sequence number {}): nonce = iv XOR sequence number = {}, additional data = the record header {}, inner content type {}, tag {}.",
                    p.secret,
                    p.sequence_number,
                    hex(&p.nonce.0),
                    hex(&p.additional_data.0),
                    p.content_type,
                    short(&p.tag.0)
                ),
                "5.2",
            ),
        },
        Event::RecordReceived { ignored: true, content_type: ContentType::application_data, bytes, .. } => n(
            format!("{w} skips a protected record of {} bytes it cannot decrypt: early data it did not accept.", bytes.0.len()),
            "A server that rejects the client's early data discards the records that fail to decrypt under its handshake keys, up to its max_early_data_size, then goes on with the handshake.".into(),
            "4.2.10",
        ),
        Event::RecordReceived { ignored: true, .. } => n(format!("{w} ignores the change_cipher_spec record, as TLS 1.3 says it must."), String::new(), "5"),
        Event::RecordReceived { protection: Some(p), .. } => n(
            format!("{w} decrypts the record. The tag checks out, so nobody changed it on the way."),
            format!("Opened with the key and IV of {} at sequence number {}; inner content type {}.", p.secret, p.sequence_number, p.content_type),
            "5.2",
        ),
        Event::RecordReceived { content_type, bytes, .. } => n(
            format!("{w} receives a {} record of {} bytes.", if *content_type == ContentType::application_data { "protected" } else { "plaintext" }, bytes.0.len()),
            String::new(),
            "5.1",
        ),
        Event::Offered { suites, groups, .. } => {
            let suites: Vec<String> = suites.iter().map(|s| s.to_string()).collect();
            let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
            let offer = trace.options.client;
            let who = if offer.preset == crate::sim::preset::Preset::Page { String::new() } else { format!(" As {} sends it:", offer.preset.who()) };
            let (left_groups, left_suites) = offer.left_out();
            let left: Vec<String> = left_groups.iter().map(|g| g.to_string()).chain(left_suites.iter().map(|s| s.to_string())).collect();
            let left = if left.is_empty() {
                String::new()
            } else {
                format!(" {} also lists {}, which this engine does not implement, so they are left out.", offer.preset.who(), list(&left))
            };
            n(
                format!("{w} gets its offer ready.{who} TLS 1.3, {}, {}.", the("cipher suite", "cipher suites", &suites), the("group", "groups", &groups)),
                format!("supported_versions, cipher_suites, supported_groups, key_share and signature_algorithms of the ClientHello.{left}"),
                "4.1.2",
            )
        }
        Event::Chose { suite, group, signature_scheme, alpn } => n(
            format!("{w} chooses what both support: TLS 1.3, {suite}, the group {group}{}.", alpn.as_ref().map(|a| format!(" and the application protocol {a}")).unwrap_or_default()),
            format!("Its CertificateVerify will use {signature_scheme}."),
            "4.1.3",
        ),
        Event::HelloRetry { group } => match e.side {
            Side::Server => n(format!("{w} finds no key share for {group} in the ClientHello, though the client supports it: it asks for one with a HelloRetryRequest."), String::new(), "4.1.4"),
            _ => n(format!("{w} is asked for a {group} key share: it sends a second ClientHello, the same as the first but for the key share."), String::new(), "4.1.4"),
        },
        // The words for X25519 and the hybrids go only into a build that has them (cfg!).
        Event::KeyPair { group, public_key, public_parts, .. } if cfg!(feature = "mlkem") && !public_parts.is_empty() => {
            let post_quantum = "ML-KEM-768 is a key encapsulation mechanism thought to resist a quantum computer, so traffic recorded today cannot be decrypted later by one (\"harvest now, decrypt later\"); the ECDH part keeps the classical guarantee.";
            if public_parts.iter().any(|p| p.kind == KeyPartKind::Ciphertext) {
                n(
                    format!("{w} answers both halves of the client's hybrid key share: it encapsulates a fresh secret to the client's ML-KEM-768 key, and makes a fresh {} key pair. Its key share is the ciphertext and its public key, {} bytes.", component(public_parts.iter().find(|p| p.kind == KeyPartKind::PublicKey).map_or(NamedGroup::x25519, |p| p.component)), public_key.0.len()),
                    format!("{group} key share: {}. {post_quantum}", parts(public_parts)),
                    "4.2.8",
                )
            } else {
                n(
                    format!("{w} makes a fresh hybrid key for this connection only: an ML-KEM-768 key pair and an elliptic-curve key pair. Both public halves go into its hello, {} bytes in one key share; the private halves never leave.", public_key.0.len()),
                    format!("{group} key share: {}. {post_quantum}", parts(public_parts)),
                    "4.2.8",
                )
            }
        }
        Event::KeyPair { group, public_key, .. } => n(
            format!("{w} makes a fresh key pair for this connection only. The public half goes into its hello; the private half never leaves."),
            if cfg!(feature = "x25519") && *group == NamedGroup::x25519 {
                format!("Ephemeral X25519 key (RFC 7748): a random 32-byte private scalar; public key X25519(private, 9) = {} ({} bytes).", short(&public_key.0), public_key.0.len())
            } else {
                format!("Ephemeral {group} key; public key 04 || x || y = {} ({} bytes).", short(&public_key.0), public_key.0.len())
            },
            "4.2.8.2",
        ),
        Event::PeerPublicKey { group, public_key, parts: ps } if cfg!(feature = "mlkem") && !ps.is_empty() => n(
            format!("{w} checks each part of the other side's {group} key share before using it."),
            format!("{}: an encapsulation key must pass FIPS 203's modulus check, a ciphertext must be 1088 bytes, a P-256 point must be on the curve; anything else gets illegal_parameter. {} bytes in all.", parts(ps), public_key.0.len()),
            "4.2.8",
        ),
        Event::PeerPublicKey { group, public_key, .. } if cfg!(feature = "x25519") && *group == NamedGroup::x25519 => n(
            format!("{w} checks that the other side's X25519 public key is 32 bytes."),
            format!("Public key {} accepted; any other length gets illegal_parameter. A key of small order would give an all-zero shared secret, which is refused next (RFC 8446 §7.4.2).", short(&public_key.0)),
            "4.2.8.2",
        ),
        Event::PeerPublicKey { group, public_key, .. } => n(
            format!("{w} checks that the other side's public key is a valid point on the {group} curve."),
            format!("Uncompressed point {} accepted; compressed, truncated or off-curve points get illegal_parameter.", short(&public_key.0)),
            "4.2.8.2",
        ),
        Event::SharedSecret { group, value, parts: ps } if cfg!(feature = "mlkem") && !ps.is_empty() => n(
            format!("{w} gets the shared secret from both halves: ML-KEM-768 (the client decapsulates what the server encapsulated) and elliptic-curve Diffie-Hellman. The other side gets the same value; it was never sent. An attacker would have to break both."),
            format!("{group}: the two secrets joined in the draft's order, {} ({} bytes): {}.", short(&value.0), value.0.len(), parts(ps)),
            "7.4",
        ),
        Event::SharedSecret { group, value, .. } if cfg!(feature = "x25519") && *group == NamedGroup::x25519 => n(
            format!("{w} combines its private key with the other's public key and gets the shared secret. The other side gets the same value; it was never sent."),
            format!("X25519(private key, the other's public key) = {} ({} bytes), which must not be all zeros (RFC 8446 §7.4.2); it is the input keying material of the handshake secret.", short(&value.0), value.0.len()),
            "7.4.2",
        ),
        Event::SharedSecret { value, .. } => n(
            format!("{w} combines its private key with the other's public key and gets the shared secret. The other side gets the same value; it was never sent."),
            format!("ECDHE: the x coordinate of the shared point, {} ({} bytes), is the input keying material of the handshake secret.", short(&value.0), value.0.len()),
            "7.4.2",
        ),
        Event::EphemeralKeyErased { .. } => n(
            format!("{w} erases its ephemeral private key: the shared secret is all it needed it for. Once both sides have done so, nobody can recompute this connection's keys from recorded traffic, not even with the server's certificate key (forward secrecy)."),
            "The (EC)DHE private key is used once and zeroed. The certificate's key only signs (CertificateVerify); it never encrypts or derives a session key, so stealing it later does not decrypt past connections.".into(),
            "E.1",
        ),
        Event::Derived(d) => derivation(w, d),
        Event::KeysInstalled { direction, secret, .. } => n(
            match direction {
                Direction::Write => format!("{w} will now encrypt the records it sends with keys from {secret}."),
                Direction::Read => format!("{w} will now decrypt the records it receives with keys from {secret}."),
            },
            "Traffic key = HKDF-Expand-Label(secret, \"key\", \"\", 16), IV = HKDF-Expand-Label(secret, \"iv\", \"\", 12).".into(),
            "7.3",
        ),
        Event::Certificate { info } if e.side == Side::Server => n(
            format!("{w} reads the client's certificate: it is for {} and was issued by {}.", info.subject, info.issuer),
            format!("Serial {}, valid {} to {}, key usage {}, extended key usage {}.", info.serial, info.not_before, info.not_after, list(&info.key_usage), list(&info.extended_key_usage)),
            "4.4.2",
        ),
        Event::CertificateRequested { authorities, required, .. } => n(
            match required {
                Some(true) => format!("{w} will ask the client for a certificate, and will not go on without one."),
                _ => format!("{w} is asked for a certificate from {}.", list(authorities)),
            },
            format!("certificate_authorities: {}.", list(authorities)),
            "4.3.2",
        ),
        Event::ClientCertificateAnswer { answer } => n(
            match answer {
                CertificateAnswer::Chain { .. } => format!("{w} has a certificate from that CA: it will send it, and sign the handshake with its key."),
                CertificateAnswer::NoCertificate => format!("{w} has no certificate to send."),
                CertificateAnswer::NoSchemeInCommon => format!("{w} cannot sign with a scheme the server accepts: it sends no certificate."),
            },
            String::new(),
            "4.4.2",
        ),
        Event::Certificate { info } => n(
            format!("{w} reads the certificate: it is for {} and was issued by {}.", list(&info.dns_names), info.issuer),
            format!("Serial {}, valid {} to {}, key usage {}, extended key usage {}.", info.serial, info.not_before, info.not_after, list(&info.key_usage), list(&info.extended_key_usage)),
            "4.4.2",
        ),
        Event::Check(c) => check(e.side, c),
        Event::Signed { scheme, content, .. } => n(
            format!("{w} signs the handshake so far (its transcript hash) with its certificate's private key."),
            format!("{scheme} over {} bytes: 64 spaces, the context string, a zero byte and the transcript hash through Certificate.", content.0.len()),
            "4.4.3",
        ),
        Event::FinishedComputed { verify_data } => n(format!("{w} computes its Finished value."), format!("verify_data {}.", short(&verify_data.0)), "4.4.4"),
        Event::TicketIssued { lifetime, .. } => n(
            format!("{w} issues a session ticket, valid for {lifetime} seconds."),
            "ticket_lifetime, ticket_age_add, ticket_nonce and an opaque ticket; the PSK is derived from the resumption master secret and the nonce.".into(),
            "4.6.1",
        ),
        Event::TicketStored { lifetime, ticket_len, psk, .. } => n(
            format!("{w} keeps the {ticket_len}-byte ticket (valid {lifetime} seconds) and the PSK it stands for, to resume a later connection."),
            format!("The PSK ({psk}) is HKDF-Expand-Label(resumption_master_secret, \"resumption\", ticket_nonce, 32)."),
            "4.6.1",
        ),
        Event::AppDataSent { data } => n(
            format!("{w} hands {} bytes of application data to TLS to send: {}.", data.0.len(), quoted(&preview(&data.0))),
            "Application data is cut into records of at most 2^14 bytes, each encrypted under the application traffic key.".into(),
            "5.2",
        ),
        Event::AppDataReceived { data } => n(format!("{w} decrypts and receives {} bytes: {}.", data.0.len(), quoted(&preview(&data.0))), String::new(), "5.2"),
        Event::AlertSent { description, fatal, encrypted } => n(
            alert_plain(w, *description),
            format!(
                "Alert level {}, description {} ({}), {}.",
                if *fatal { "fatal" } else { "warning" },
                description,
                description.0,
                if *encrypted { "encrypted" } else { "in plaintext (no keys yet)" }
            ),
            "6",
        ),
        Event::AlertReceived { description, .. } => n(format!("{w} receives the alert {description}."), String::new(), "6"),
        Event::IgnoredAfterClose { records, bytes } => n(
            format!(
                "{w} ignores {bytes} bytes ({records} whole record{}) that arrived after the other side's close_notify: nothing is read after a close.",
                if *records == 1 { "" } else { "s" }
            ),
            "After a closure alert, anything received is ignored: it is neither decrypted nor answered.".into(),
            "6.1",
        ),
        Event::KeysDiscarded { secrets, reason } => {
            let names = secrets.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let (why, section) = match reason {
                DiscardReason::HandshakeDone => ("the handshake is over, so its handshake traffic secrets are no longer needed", "4.4.4"),
                DiscardReason::Closed => ("both sides have sent close_notify", "6.1"),
                DiscardReason::Failed => ("the connection failed", "6.2"),
                DiscardReason::PeerFailed => ("the other side ended the connection with an error", "6.2"),
            };
            n(format!("{w} erases {}: {why}.", list(&names)), "The secrets and the keys derived from them are overwritten with zeros as they are dropped.".into(), section)
        }
        Event::Phase { to, .. } => n(
            match to {
                Phase::Failed => format!("{w}'s connection has failed: it sends and accepts nothing more."),
                Phase::Closed => format!("{w}'s connection is closed."),
                _ => format!("{w} is now {}.", waiting_for(*to)),
            },
            if *to == Phase::Connected { "The handshake is complete: application data may flow in both directions.".into() } else { String::new() },
            if *to == Phase::Connected { "4.4.4" } else { "A" },
        ),
        Event::Error { message, alert } => n(
            format!("{w} gives up. The reason: {message}."),
            alert.map(|a| format!("The alert for this is {a} ({}).", a.0)).unwrap_or_default(),
            "6.2",
        ),
        other => resume::narrate(w, e.side, other).unwrap_or_else(|| n(String::new(), String::new(), "4")),
    }
}

pub(crate) fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// A one-line description for a side's log.
pub fn log_line(e: &TraceEvent) -> Option<String> {
    let s = match e.event()? {
        Event::HandshakeSent { message, .. } => format!("sent {message}"),
        Event::HandshakeReceived { message: Some(m), .. } => format!("received {m}"),
        // A hybrid server makes no ML-KEM key pair: it encapsulates to the client's key.
        Event::KeyPair { group, public_parts, .. } if public_parts.iter().any(|p| p.kind == KeyPartKind::Ciphertext) => {
            format!(
                "encapsulated to the client's ML-KEM-768 key and made a fresh {} key pair ({group})",
                component(public_parts.iter().find(|p| p.kind == KeyPartKind::PublicKey).map_or(NamedGroup::x25519, |p| p.component))
            )
        }
        Event::KeyPair { group, .. } => format!("made a fresh {group} key pair"),
        Event::SharedSecret { .. } => "computed the shared secret".into(),
        Event::EphemeralKeyErased { group } => format!("erased its {group} ephemeral private key"),
        Event::KeysInstalled { direction, secret, .. } => {
            format!("{} keys: {secret}", if *direction == Direction::Write { "write" } else { "read" })
        }
        Event::Check(c) => format!("checked {}: {}", check_name(&c.kind), if c.ok { "✓" } else { "✗" }),
        Event::AppDataSent { data } => format!("sent {} bytes of data", data.0.len()),
        Event::AppDataReceived { data } => format!("received {} bytes of data", data.0.len()),
        Event::AlertSent { description, .. } => format!("sent alert {description}"),
        Event::AlertReceived { description, .. } => format!("received alert {description}"),
        Event::KeysDiscarded { reason: DiscardReason::HandshakeDone, .. } => "erased its handshake keys".into(),
        Event::KeysDiscarded { .. } => "erased its traffic keys".into(),
        Event::IgnoredAfterClose { bytes, .. } => format!("ignored {bytes} bytes after close_notify"),
        Event::TicketStored { .. } => "kept a session ticket".into(),
        Event::HelloRetry { group } if e.side == Side::Server => format!("asked for a {group} key share"),
        Event::Error { message, .. } => format!("failed: {message}"),
        _ => return None,
    };
    Some(s)
}

/// A short name for a check, as the log shows it.
pub fn check_name(k: &CheckKind) -> &'static str {
    match k {
        CheckKind::TrustAnchor { .. } => "issuer",
        CheckKind::ChainLength { .. } => "chain length",
        CheckKind::IssuerSignature { .. } => "chain",
        CheckKind::MayIssue { .. } => "may issue",
        CheckKind::Validity { .. } => "validity",
        CheckKind::Name { .. } => "name",
        CheckKind::Usage { .. } | CheckKind::ClientUsage { .. } => "usage",
        CheckKind::ClientCertificate { .. } => "client certificate",
        CheckKind::ApplicationProtocol { .. } | CheckKind::ApplicationProtocolSelected { .. } => "ALPN",
        CheckKind::CertificateVerify { .. } => "CertificateVerify",
        CheckKind::Finished { .. } => "Finished",
        CheckKind::RecordDecryption { .. } => "record",
        CheckKind::Binder { .. } => "binder",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::codec::Bytes;
    use crate::tls::enums::SignatureScheme;
    use crate::tls::events::{Failure, UnixTime};

    fn ok(kind: CheckKind) -> Check {
        Check { kind, ok: true, failure: None }
    }

    fn failed(kind: CheckKind, alert: AlertDescription) -> Check {
        Check { kind, ok: false, failure: Some(Failure { error: "x".into(), alert }) }
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn a_resumed_connection_is_not_said_to_show_a_certificate() {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(8), scenario: crate::sim::Scenario::Resume, ..Default::default() });
        assert!(!t.resumed(1) && t.resumed(2) && !t.resumed(3) && !t.resumed(0));
        assert!(step_intro(Step::Authentication, t.resumed(1)).contains("must show a certificate that leads to a CA"));
        let second = step_intro(Step::Authentication, t.resumed(2));
        assert!(second.starts_with("no certificate this time") && !second.contains("signs the conversation"), "{second}");
        assert!(step_intro(Step::SessionKeys, true).contains("PSK"));
        assert_eq!(step_intro(Step::Hello, true), step_intro(Step::Hello, false));
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn the_replay_opens_one_connection_and_sends_the_rest_on_it() {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(8), scenario: crate::sim::Scenario::Replay, ..Default::default() });
        let told: Vec<String> = t
            .events
            .iter()
            .filter_map(|e| e.network())
            .filter(|n| matches!(n, NetworkEvent::Replayed { .. }))
            .map(|n| network(n).plain)
            .collect();
        assert!(told.len() >= 2, "{told:?}");
        assert!(
            told[0].starts_with("The attacker opens a connection of its own to the server and sends the copied record 0 again"),
            "{told:?}"
        );
        assert!(told[1..].iter().all(|p| p.starts_with("On that connection, the attacker sends the copied record")), "{told:?}");
    }

    #[test]
    fn certificate_verify_says_what_it_signs_and_with_which_key() {
        let n = server_sends(crate::sim::Scenario::Normal, 1, HandshakeType::certificate_verify);
        // RFC 8446 §4.4.3: a signature over the transcript hash, with the certificate's key.
        assert!(n.plain.contains("a signature over the handshake so far, made with the certificate's private key"), "{}", n.plain);
        assert!(!n.plain.contains("that signature"), "{}", n.plain);
    }

    /// The sentence of the server's `typ` message in connection `connection` of a run of this
    /// scenario.
    fn server_sends(scenario: crate::sim::Scenario, connection: u32, typ: HandshakeType) -> Narration {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(8), scenario, ..Default::default() });
        let e = t
            .events
            .iter()
            .find(|e| {
                e.side == Side::Server
                    && e.connection == connection
                    && matches!(e.event(), Some(Event::HandshakeSent { message, .. }) if message.typ == typ)
            })
            .unwrap_or_else(|| panic!("the server sent no {typ:?} in connection {connection}"));
        narrate(&t, e)
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn encrypted_extensions_is_told_from_what_the_message_carries() {
        // The page's server speaks http/1.1 and acknowledges the client's server_name.
        let full = server_sends(crate::sim::Scenario::Normal, 1, HandshakeType::encrypted_extensions);
        assert!(full.plain.ends_with("already encrypted: the application protocol, http/1.1."), "{}", full.plain);
        assert!(full.detail.contains("an empty server_name") && !full.detail.contains("early_data"), "{}", full.detail);
        // The resumed connection that sends 0-RTT data: the server accepts it, and says so here.
        let early = server_sends(crate::sim::Scenario::EarlyData, 2, HandshakeType::encrypted_extensions);
        assert!(early.plain.contains("http/1.1, and that it accepts the 0-RTT data."), "{}", early.plain);
        assert!(early.detail.contains("an empty early_data"), "{}", early.detail);
    }

    /// Narrate a check with one field changed: the sentence must change with it.
    fn differs(a: CheckKind, b: CheckKind) {
        let (x, y) = (check(Side::Client, &ok(a)), check(Side::Client, &ok(b)));
        assert_ne!((x.plain.clone(), x.detail.clone()), (y.plain, y.detail), "a changed field left the narration as it was: {}", x.plain);
    }

    #[test]
    fn the_trust_anchor_check_says_when_the_names_match_but_the_signature_does_not() {
        let k = |names_match, signature_valid| CheckKind::TrustAnchor {
            certificate: "CN=example.com".into(),
            issuer: "CN=Demo CA".into(),
            anchor: "CN=Demo CA".into(),
            names_match,
            signature_valid,
            algorithm: "ecdsa-with-SHA256".into(),
        };
        let same_name = check(Side::Client, &failed(k(true, false), AlertDescription::unknown_ca));
        assert!(same_name.plain.contains("the same name as the CA the client trusts"), "{}", same_name.plain);
        assert!(same_name.plain.contains("unknown_ca"));
        assert!(!same_name.plain.contains("CN=Demo CA, which is not"), "the same name is not told twice as if it differed");
        let good = check(Side::Client, &ok(k(true, true)));
        assert!(good.plain.ends_with("✓."), "{}", good.plain);
        let other = CheckKind::TrustAnchor {
            certificate: "CN=example.com".into(),
            issuer: "CN=Other CA".into(),
            anchor: "CN=Demo CA".into(),
            names_match: false,
            signature_valid: false,
            algorithm: "ecdsa-with-SHA256".into(),
        };
        differs(k(false, false), other);
    }

    #[test]
    fn the_validity_check_names_the_dates_and_the_clock() {
        let k = |now| CheckKind::Validity {
            certificate: "CN=a".into(),
            not_before: UnixTime(1_700_000_000),
            not_after: UnixTime(1_800_000_000),
            now: UnixTime(now),
        };
        let n = check(Side::Client, &ok(k(1_750_000_000)));
        assert!(n.plain.contains("2023-11-14") && n.plain.contains("2027-01-15"), "{}", n.plain);
        let late = check(Side::Client, &failed(k(1_900_000_000), AlertDescription::certificate_expired));
        assert!(late.plain.contains("has expired") && late.plain.contains("certificate_expired"), "{}", late.plain);
        let early = check(Side::Client, &failed(k(1_600_000_000), AlertDescription::certificate_expired));
        assert!(early.plain.contains("not valid yet"), "{}", early.plain);
        differs(k(1_750_000_000), k(1_750_086_400));
    }

    #[test]
    fn the_name_check_names_what_was_asked_and_what_the_certificate_holds() {
        let k = |asked: &str| CheckKind::Name { asked: asked.into(), names: vec!["example.com".into()] };
        let n = check(Side::Client, &failed(k("not-example.com"), AlertDescription::bad_certificate));
        assert!(
            n.plain.contains("not-example.com") && n.plain.contains("for example.com") && n.plain.contains("bad_certificate"),
            "{}",
            n.plain
        );
        differs(k("example.com"), k("www.example.com"));
        differs(k("a.example"), CheckKind::Name { asked: "a.example".into(), names: vec!["b.example".into(), "c.example".into()] });
    }

    #[test]
    fn the_usage_check_names_the_certificate_s_key_usages() {
        let k = |is_ca| CheckKind::Usage {
            certificate: "CN=a".into(),
            is_ca,
            key_usage: vec!["digitalSignature".into()],
            extended_key_usage: vec!["serverAuth".into()],
        };
        assert!(check(Side::Client, &ok(k(false))).detail.contains("keyUsage [digitalSignature]"));
        differs(k(false), k(true));
    }

    #[test]
    fn the_issuer_signature_check_names_both_certificates() {
        let k = |issuer: &str| CheckKind::IssuerSignature {
            certificate: "CN=leaf".into(),
            issuer: issuer.into(),
            algorithm: "ecdsa-with-SHA256".into(),
        };
        assert!(check(Side::Client, &ok(k("CN=Intermediate"))).plain.contains("CN=Intermediate signed the certificate of CN=leaf"));
        differs(k("CN=One"), k("CN=Two"));
    }

    #[test]
    fn the_may_issue_check_says_which_rule_an_issuer_breaks() {
        let k = |is_ca, key_cert_sign, path_len, intermediates_below| CheckKind::MayIssue {
            issuer: "CN=attacker.example".into(),
            is_ca,
            key_cert_sign,
            path_len,
            intermediates_below,
        };
        let leaf = check(Side::Client, &failed(k(false, Some(false), None, 0), AlertDescription::bad_certificate));
        assert!(
            leaf.plain.contains("CN=attacker.example") && leaf.plain.contains("not a CA") && leaf.plain.contains("bad_certificate"),
            "{}",
            leaf.plain
        );
        let no_sign = check(Side::Client, &failed(k(true, Some(false), None, 0), AlertDescription::bad_certificate));
        assert!(no_sign.plain.contains("no keyCertSign"), "{}", no_sign.plain);
        let good = check(Side::Client, &ok(k(true, Some(true), Some(0), 0)));
        assert!(good.plain.contains("at most 0 CAs may stand below it (0 do)") && good.plain.ends_with("✓."), "{}", good.plain);
        differs(k(true, Some(true), Some(0), 0), k(true, Some(true), Some(1), 0));
        differs(k(true, Some(true), Some(1), 0), k(true, Some(true), Some(1), 1));
        differs(k(true, Some(true), None, 0), k(true, None, None, 0));
        assert_eq!(check_name(&k(true, None, None, 0)), "may issue");
    }

    #[test]
    fn the_chain_length_check_names_the_count_and_the_limit() {
        let k = |certificates| CheckKind::ChainLength { certificates, limit: 10 };
        let over = check(Side::Client, &failed(k(11), AlertDescription::bad_certificate));
        assert!(over.plain.contains("11") && over.plain.contains("at most 10") && over.plain.contains("bad_certificate"), "{}", over.plain);
        differs(k(2), k(3));
        assert_eq!(check_name(&k(2)), "chain length");
    }

    #[test]
    fn the_certificate_verify_check_says_whose_signature_it_is_and_whether_it_held() {
        let k = |signer| CheckKind::CertificateVerify {
            signer,
            scheme: SignatureScheme::ecdsa_secp256r1_sha256,
            content: Bytes(vec![0x20; 130]),
            signature: Bytes(vec![1; 70]),
        };
        let good = check(Side::Client, &ok(k(Endpoint::Server)));
        assert!(good.plain.contains("server's CertificateVerify") && good.plain.contains('✓'));
        let bad = check(Side::Client, &failed(k(Endpoint::Server), AlertDescription::decrypt_error));
        assert!(bad.plain.contains("does not verify") && bad.plain.contains("decrypt_error"), "{}", bad.plain);
        differs(k(Endpoint::Server), k(Endpoint::Client));
    }

    #[test]
    fn the_finished_and_record_checks_say_what_failed() {
        let f = |sender| CheckKind::Finished { sender, verify_data: Bytes(vec![7; 32]) };
        assert!(check(Side::Server, &ok(f(Endpoint::Client))).plain.contains("client's Finished"));
        differs(f(Endpoint::Client), f(Endpoint::Server));
        let r = |n| CheckKind::RecordDecryption { secret: Secret::ServerHandshakeTraffic, sequence_number: n };
        let bad = check(Side::Client, &failed(r(0), AlertDescription::bad_record_mac));
        assert!(bad.plain.contains("cannot decrypt") && bad.plain.contains("bad_record_mac"), "{}", bad.plain);
        differs(r(0), r(1));
    }

    #[test]
    fn bytes_ignored_after_close_are_counted_in_the_sentence() {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(4), ..Default::default() });
        let at = |records, bytes| TraceEvent {
            index: 0,
            connection: 1,
            side: Side::Server,
            happening: crate::sim::Happening::Endpoint(Event::IgnoredAfterClose { records, bytes }),
        };
        let one = narrate(&t, &at(1, 29));
        assert!(one.plain.contains("ignores 29 bytes (1 whole record)") && one.plain.contains("close_notify"), "{}", one.plain);
        assert_eq!(one.section, "6.1");
        assert_ne!(one.plain, narrate(&t, &at(2, 29)).plain);
        assert_ne!(one.plain, narrate(&t, &at(1, 30)).plain);
        assert_eq!(log_line(&at(3, 7)).as_deref(), Some("ignored 7 bytes after close_notify"));
    }

    #[test]
    fn a_skipped_record_of_early_data_is_not_told_as_a_change_cipher_spec() {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(4), ..Default::default() });
        let at = |content_type, len| TraceEvent {
            index: 0,
            connection: 1,
            side: Side::Server,
            happening: crate::sim::Happening::Endpoint(Event::RecordReceived {
                content_type,
                bytes: crate::tls::codec::Bytes(vec![0; len]),
                protection: None,
                ignored: true,
            }),
        };
        let early = narrate(&t, &at(ContentType::application_data, 45));
        assert!(early.plain.contains("skips a protected record of 45 bytes") && early.plain.contains("early data"), "{}", early.plain);
        assert_eq!(early.section, "4.2.10");
        assert_ne!(early.plain, narrate(&t, &at(ContentType::application_data, 46)).plain);
        assert!(narrate(&t, &at(ContentType::change_cipher_spec, 6)).plain.contains("change_cipher_spec"));
    }

    #[test]
    fn appendices_link_to_their_appendix_anchor() {
        assert_eq!(rfc_url("D.4"), "https://www.rfc-editor.org/rfc/rfc8446#appendix-D.4");
        assert_eq!(rfc_url("4.1.2"), "https://www.rfc-editor.org/rfc/rfc8446#section-4.1.2");
    }

    #[test]
    fn every_event_of_every_scenario_has_a_sentence() {
        for s in crate::sim::Scenario::ALL {
            let t = crate::sim::run(&crate::sim::Options { seed: Some(4), scenario: s.clone(), key_update: true, ..Default::default() });
            for e in &t.events {
                let n = narrate(&t, e);
                assert!(!n.plain.is_empty(), "{s:?}: event {} has no sentence", e.index);
                assert!(!n.plain.contains("{"), "{s:?}: {}", n.plain);
            }
        }
    }

    #[test]
    fn a_derive_secret_over_no_messages_names_the_empty_transcript() {
        let t = crate::sim::run(&crate::sim::Options { seed: Some(4), ..Default::default() });
        let derived = t
            .events
            .iter()
            .find_map(|e| match e.event()? {
                Event::Derived(d) if d.output == Output::Secret(Secret::DerivedFromEarly) => Some(derivation("The client", d)),
                _ => None,
            })
            .expect("a derived step");
        assert!(derived.detail.contains("hash of the empty string"), "{}", derived.detail);
        assert!(derived.detail.contains("e3b0c44298fc1c14"), "the hash of \"\" is shown: {}", derived.detail);
    }

    fn trace_of(scenario: crate::sim::Scenario, key_update: bool) -> Trace {
        crate::sim::run(&crate::sim::Options { seed: Some(8), scenario, key_update, ..Default::default() })
    }

    /// The sentences of the events `pick` selects.
    fn said(t: &Trace, pick: impl Fn(&TraceEvent) -> bool) -> Vec<Narration> {
        t.events.iter().filter(|e| pick(e)).map(|e| narrate(t, e)).collect()
    }

    fn sent(e: &TraceEvent, typ: HandshakeType) -> bool {
        matches!(e.event(), Some(Event::HandshakeSent { message, .. }) if message.typ == typ)
    }

    #[test]
    fn a_server_that_sends_another_name_s_certificate_is_not_said_to_have_used_the_name_asked_for() {
        // WrongName: the client asks for not-example.com and gets example.com's certificate; the
        // empty server_name only acknowledges the name (RFC 6066 §3).
        let t = trace_of(crate::sim::Scenario::WrongName, false);
        let ee = said(&t, |e| sent(e, HandshakeType::encrypted_extensions)).remove(0).detail;
        assert!(!ee.contains("used the name") && ee.contains("acknowledges the name the client asked for"), "{ee}");
    }

    #[test]
    fn an_untrusted_chain_is_not_said_to_lead_to_the_trusted_ca() {
        let t = trace_of(crate::sim::Scenario::UntrustedCa, false);
        let cert = said(&t, |e| sent(e, HandshakeType::certificate)).remove(0);
        assert!(!cert.plain.contains("that lead to one the client trusts"), "{}", cert.plain);
        assert!(!cert.detail.contains("the client needs to build a path"), "{}", cert.detail);
        // The chain's last certificate, the one whose issuer is checked, is the intermediate CA's.
        let issuer = said(&t, |e| matches!(e.event(), Some(Event::Check(c)) if matches!(c.kind, CheckKind::TrustAnchor { .. }))).remove(0);
        assert!(issuer.plain.starts_with("The client checks who issued CN=Handshake Visualizer Demo Intermediate CA"), "{}", issuer.plain);
    }

    #[test]
    fn the_chain_length_limit_is_said_to_be_the_client_s_own() {
        // RFC 5280 §6.1 sets no maximum path length; 10 is this client's.
        let n = check(Side::Client, &ok(CheckKind::ChainLength { certificates: 2, limit: 10 }));
        assert!(!n.detail.contains("may hold at most 10 below the trust anchor (RFC 5280"), "{}", n.detail);
        assert!(n.detail.contains("its own limit"), "{}", n.detail);
    }

    #[test]
    fn a_server_checking_a_client_s_chain_counts_the_client_s_certificates_with_its_own_limit() {
        let n = check(Side::Server, &ok(CheckKind::ChainLength { certificates: 2, limit: 10 }));
        assert!(n.plain.contains("the certificates the client sent") && n.detail.contains("the server follows a path"), "{n:?}");
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn a_resuming_server_hello_s_detail_names_its_pre_shared_key() {
        // RFC 8446 §4.2.11: the ServerHello that accepts a ticket carries pre_shared_key.
        let t = trace_of(crate::sim::Scenario::Resume, false);
        let hellos = said(&t, |e| sent(e, HandshakeType::server_hello) && e.connection == 2);
        assert!(hellos[0].detail.contains("pre_shared_key"), "{}", hellos[0].detail);
        let full = said(&t, |e| sent(e, HandshakeType::server_hello) && e.connection == 1);
        assert!(!full[0].detail.contains("pre_shared_key"), "{}", full[0].detail);
    }

    #[test]
    fn a_key_update_is_said_to_be_sent_and_only_the_requested_one_asks_for_another() {
        // The client's KeyUpdate is update_requested, the server's answer update_not_requested (RFC 8446 §4.6.3).
        let t = trace_of(crate::sim::Scenario::Normal, true);
        let of = |side: Side| said(&t, |e| e.side == side && sent(e, HandshakeType::key_update)).remove(0).plain;
        let (client, server) = (of(Side::Client), of(Side::Server));
        assert!(client.contains("sends KeyUpdate") && client.contains("asks the other side to do the same"), "{client}");
        assert!(server.contains("sends KeyUpdate") && !server.contains("asks"), "{server}");
    }

    #[test]
    #[cfg(feature = "resumption")]
    fn the_attacker_copying_a_first_flight_can_read_its_hello_but_not_its_0_rtt_data() {
        let t = trace_of(crate::sim::Scenario::Replay, false);
        let copies = said(&t, |e| matches!(e.network(), Some(NetworkEvent::Copied { .. })));
        // The flight: ClientHello and change_cipher_spec in plaintext, then the 0-RTT record.
        assert_eq!(copies.len(), 3);
        assert!(copies[0].plain.contains("record 0") && copies[0].plain.contains("It can read this one"), "{}", copies[0].plain);
        assert!(copies[2].plain.contains("It cannot read this one: it is encrypted"), "{}", copies[2].plain);
    }

    #[test]
    fn the_step_intros_state_what_a_step_requires_not_that_it_succeeded() {
        // UntrustedCa and MitmOwnCert show a certificate from no trusted CA; under MitmKeyShare the
        // two sides' keys differ: the intros must hold for them too.
        let auth = step_intro(Step::Authentication, false);
        assert!(auth.contains("must show") && !auth.contains("shows a certificate signed by"), "{auth}");
        let keys = step_intro(Step::SessionKeys, false);
        assert!(keys.contains("When nobody interferes") && !keys.contains("Both reach the same shared secret"), "{keys}");
    }
}
