//! What the page says about each event: a plain sentence for a beginner, the technical detail
//! for someone checking against RFC 8446, and the section to read. Values come from the trace.

use tlsviz::sim::{Side, Step, TraceEvent};
use tlsviz::tls::codec::{hex, Field};
use tlsviz::tls::enums::ContentType;
use tlsviz::tls::events::{Direction, Event, Phase};

pub struct Narration {
    pub plain: String,
    pub detail: String,
    /// RFC 8446 section number, e.g. "4.1.2".
    pub section: &'static str,
}

pub fn rfc_url(section: &str) -> String {
    format!("https://www.rfc-editor.org/rfc/rfc8446#section-{section}")
}

fn short(b: &[u8]) -> String {
    let h = hex(b);
    if h.len() > 16 {
        format!("{}…", &h[..16])
    } else {
        h
    }
}

/// Whether a field tree has a field of this name anywhere in it.
fn has_field(fields: &[Field], name: &str) -> bool {
    fields.iter().any(|f| f.name == name || has_field(&f.children, name))
}

fn who(side: Side) -> &'static str {
    match side {
        Side::Client => "The client",
        Side::Server => "The server",
        Side::Wire => "On the network,",
    }
}

pub fn step_intro(step: Step) -> &'static str {
    match step {
        Step::Hello => "Hello: the client lists the TLS versions and cipher suites it supports and sends a fresh public key; the server picks one of each and answers with its own.",
        Step::SessionKeys => "Session keys: each side combines its own private key with the other's public key. Both reach the same shared secret, which never crosses the network, and derive the same keys from it.",
        Step::Authentication => "Authentication: the server shows a certificate signed by a CA the client trusts, and signs the conversation to prove it holds the certificate's key. Finished messages confirm both sides saw the same handshake.",
        Step::SecureConnection => "Secure connection: data now travels encrypted. An eavesdropper sees only ciphertext, and any change to it makes decryption fail.",
        Step::Closing => "Closing: each side sends close_notify, so nobody can cut the conversation short unnoticed, and the keys are thrown away.",
    }
}

pub fn narrate(e: &TraceEvent) -> Narration {
    let w = who(e.side);
    let n = |plain: String, detail: String, section: &'static str| Narration { plain, detail, section };
    match &e.event {
        Event::HandshakeSent { name, bytes, fields } => match name.as_str() {
            "ClientHello" => n(
                if has_field(fields, "KeyShareEntry") {
                    format!("{w} says hello: it offers TLS 1.3, the cipher suite TLS_AES_128_GCM_SHA256, and a fresh P-256 public key (a key share). It signs nothing and has no certificate.")
                } else {
                    format!("{w} says hello: it offers TLS 1.3 and the cipher suite TLS_AES_128_GCM_SHA256, and lists P-256 among its groups, but sends no public key yet (its key_share is empty).")
                },
                format!("ClientHello, {} bytes: legacy_version 0x0303, 32 random bytes, a 32-byte legacy_session_id (middlebox compatibility), cipher_suites, and extensions server_name, supported_versions, supported_groups, signature_algorithms, key_share, ALPN.", bytes.0.len()),
                "4.1.2",
            ),
            "HelloRetryRequest" => n(
                format!("{w} has no key share it can use, so it asks the client to try again with a P-256 key."),
                "A ServerHello whose random is the fixed SHA-256 of \"HelloRetryRequest\", with a key_share naming secp256r1. The transcript replaces ClientHello1 by a message_hash.".into(),
                "4.1.4",
            ),
            "ServerHello" => n(
                format!("{w} answers: it picks TLS 1.3 and the cipher suite, and sends its own P-256 public key. Everything it sends after this is encrypted (apart from a dummy change_cipher_spec record)."),
                format!("ServerHello, {} bytes: the selected supported_versions 0x0304, cipher_suite 0x1301 and the server's key_share; legacy_session_id_echo repeats the client's.", bytes.0.len()),
                "4.1.3",
            ),
            "EncryptedExtensions" => n(
                format!("{w} sends its remaining settings (here, the application protocol), already encrypted."),
                "EncryptedExtensions carries extensions not needed to set up keys: ALPN and an empty server_name acknowledgement. It is the first message under the handshake traffic keys.".into(),
                "4.3.1",
            ),
            "Certificate" => n(
                format!("{w} sends its certificate. In TLS 1.3 this travels encrypted: an eavesdropper cannot even see which certificate it is."),
                format!("Certificate, {} bytes: an empty certificate_request_context and one CertificateEntry with the DER leaf certificate.", bytes.0.len()),
                "4.4.2",
            ),
            "CertificateVerify" => n(
                format!("{w} sends CertificateVerify, carrying that signature: it proves the server holds the certificate's private key, not just a copy of the certificate."),
                "ECDSA P-256 with SHA-256 over 64 spaces, \"TLS 1.3, server CertificateVerify\", a zero byte and the transcript hash.".into(),
                "4.4.3",
            ),
            "Finished" => n(
                format!("{w} sends Finished: a MAC over the whole handshake. If anything had been altered, the other side would compute a different value."),
                "verify_data = HMAC-SHA256(finished_key, transcript hash), finished_key = HKDF-Expand-Label(handshake traffic secret, \"finished\", \"\", 32).".into(),
                "4.4.4",
            ),
            "NewSessionTicket" => n(
                format!("{w} gives the client a ticket it could use to reconnect faster later."),
                "NewSessionTicket after the handshake; the PSK it stands for is HKDF-Expand-Label(resumption_master_secret, \"resumption\", ticket_nonce, 32).".into(),
                "4.6.1",
            ),
            "KeyUpdate" => n(
                format!("{w} moves to fresh keys without a new handshake."),
                "KeyUpdate: the next application traffic secret is HKDF-Expand-Label(current, \"traffic upd\", \"\", 32).".into(),
                "4.6.3",
            ),
            other => n(format!("{w} sends {other}."), String::new(), "4"),
        },
        Event::HandshakeReceived { name, .. } => n(
            format!("{w} receives and decodes {name}."),
            "Handshake messages may be split across records or share one; the receiver reassembles them before decoding (and rejects trailing bytes).".into(),
            "4",
        ),
        Event::RecordSent { bytes, protection, .. } => match protection {
            None if bytes.0.first() == Some(&ContentType::change_cipher_spec.0) => n(
                format!("{w} sends a change_cipher_spec record. It does nothing in TLS 1.3: it only makes the connection look like TLS 1.2 to old middleboxes."),
                "A plaintext record 14 03 03 00 01 01, sent in middlebox compatibility mode and dropped by the receiver.".into(),
                "D.4",
            ),
            None => n(
                format!("{w} puts the message in a plaintext record and sends it. Anyone on the network can read it."),
                format!("TLSPlaintext: type, legacy_record_version 0x0303, a 2-byte length, then {} bytes of fragment.", bytes.0.len().saturating_sub(5)),
                "5.1",
            ),
            Some(p) => n(
                format!("{w} encrypts a record with AES-128-GCM. On the wire it is just \"application data\" of {} bytes: its real type and content are hidden.", bytes.0.len()),
                format!(
                    "Sealed with {} (sequence number {}): nonce = iv XOR sequence number = {}, additional data = the record header {}, inner content type {}, tag {}.",
                    p.secret, p.sequence_number, hex(&p.nonce.0), hex(&p.additional_data.0), p.content_type, short(&p.tag.0)
                ),
                "5.2",
            ),
        },
        Event::RecordReceived { ignored: true, .. } => n(format!("{w} ignores the change_cipher_spec record, as TLS 1.3 says it must."), String::new(), "5"),
        Event::RecordReceived { protection: Some(p), .. } => n(
            format!("{w} decrypts the record. The tag checks out, so nobody changed it on the way."),
            format!("Opened with {} at sequence number {}; inner content type {}.", p.secret, p.sequence_number, p.content_type),
            "5.2",
        ),
        Event::RecordReceived { .. } => n(format!("{w} receives a record."), String::new(), "5.1"),
        Event::KeyPair { public_key, .. } => n(
            format!("{w} makes a fresh key pair for this connection only. The public half goes into its hello; the private half never leaves."),
            format!("Ephemeral secp256r1 key; public key 04 || x || y = {} (65 bytes).", short(&public_key.0)),
            "4.2.8.2",
        ),
        Event::PeerPublicKey { public_key, .. } => n(
            format!("{w} checks that the other side's public key is a valid point on the P-256 curve."),
            format!("Uncompressed point {} accepted; compressed, truncated or off-curve points get illegal_parameter.", short(&public_key.0)),
            "4.2.8.2",
        ),
        Event::SharedSecret { value } => n(
            format!("{w} combines its private key with the other's public key and gets the shared secret. The other side gets the same value; it was never sent."),
            format!("ECDHE: the x coordinate of the shared point, {} (32 bytes), is the input keying material of the handshake secret.", short(&value.0)),
            "7.4.2",
        ),
        Event::EphemeralKeyErased { .. } => n(
            format!("{w} erases its ephemeral private key: the shared secret is all it needed it for. Once both sides have done so, nobody can recompute this connection's keys from recorded traffic, not even with the server's certificate key (forward secrecy)."),
            "The (EC)DHE private key is used once and zeroed. The certificate's key only signs (CertificateVerify); it never encrypts or derives a session key, so stealing it later does not decrypt past connections.".into(),
            "E.1",
        ),
        Event::Derived(d) => n(
            match d.extract_inputs() {
                Some((_, ikm)) if ikm.contains("ECDHE") => format!("{w} mixes the ECDHE shared secret into the key schedule: the result is {}.", d.name),
                Some((salt, ikm)) => format!("{w} computes {} with HKDF-Extract from {salt} and {ikm}.", d.name),
                None if d.label == "derived" => format!("{w} derives from {} the salt for the next stage of the key schedule.", d.from),
                None => format!("{w} derives {} from {}.", d.name, d.from),
            },
            if d.label.is_empty() {
                format!("{}; value {}.", d.function, short(&d.value.0))
            } else if d.covers.is_empty() {
                format!("{} with label \"tls13 {}\"; value {}.", d.function, d.label, short(&d.value.0))
            } else {
                format!("{} with label \"tls13 {}\" over the transcript hash of {}; value {}.", d.function, d.label, d.covers.join(", "), short(&d.value.0))
            },
            "7.1",
        ),
        Event::KeysInstalled { direction, secret, .. } => n(
            format!("{w} now {} with keys from {secret}.", if *direction == Direction::Write { "encrypts what it sends" } else { "decrypts what it receives" }),
            "Traffic key = HKDF-Expand-Label(secret, \"key\", \"\", 16), IV = HKDF-Expand-Label(secret, \"iv\", \"\", 12).".into(),
            "7.3",
        ),
        Event::Certificate { info } => n(
            format!("{w} reads the certificate: it is for {} and was issued by {}.", info.dns_names.join(", "), info.issuer),
            format!("Serial {}, valid {} to {}, key usage {}, extended key usage {}.", info.serial, info.not_before, info.not_after, info.key_usage, info.extended_key_usage),
            "4.4.2",
        ),
        // The certificate's own checks (its issuer's signature among them) are §4.4.2.4; the
        // CertificateVerify signature is a signature over this handshake, §4.4.3.
        Event::Check { check, ok, detail } => {
            let mark = if *ok { "✓" } else { "✗ failed" };
            match check.as_str() {
                "issuer" | "validity" | "name" | "usage" => n(format!("{w} checks the certificate's {check}: {mark}."), detail.clone(), "4.4.2.4"),
                _ => n(format!("{w} checks the {check}: {mark}."), detail.clone(), "4.4.3"),
            }
        }
        Event::Signature { signed, ok, .. } => n(
            if *signed { format!("{w} signs the handshake so far (its transcript hash) with its certificate's private key.") } else { format!("{w} verifies the signature with the key from the certificate: {}.", if *ok { "valid" } else { "invalid" }) },
            "The signed content is 64 spaces, the context string, a zero byte and the transcript hash through Certificate.".into(),
            "4.4.3",
        ),
        Event::Finished { sent, ok, verify_data } => n(
            if *sent { format!("{w} computes its Finished value.") } else if *ok { format!("{w} recomputes the Finished value and gets the same: both sides saw the same handshake and hold the same keys.") } else { format!("{w} gets a different Finished value: the handshake was altered.") },
            format!("verify_data {}.", short(&verify_data.0)),
            "4.4.4",
        ),
        Event::AppDataSent { data } => n(
            format!("{w} hands {} bytes of application data to TLS to send: {:?}.", data.0.len(), preview(&data.0)),
            "Application data is cut into records of at most 2^14 bytes, each encrypted under the application traffic key.".into(),
            "5.2",
        ),
        Event::AppDataReceived { data } => n(
            format!("{w} decrypts and receives {} bytes: {:?}.", data.0.len(), preview(&data.0)),
            String::new(),
            "5.2",
        ),
        Event::AlertSent { description, fatal, encrypted } => n(
            if description.0 == 0 { format!("{w} sends close_notify: it will send nothing more.") } else { format!("{w} stops the connection and sends the alert {description}.") },
            format!("Alert level {}, description {} ({}), {}.", if *fatal { "fatal" } else { "warning" }, description, description.0, if *encrypted { "encrypted" } else { "in plaintext (no keys yet)" }),
            "6",
        ),
        Event::AlertReceived { description, .. } => n(format!("{w} receives the alert {description}."), String::new(), "6"),
        Event::KeysDiscarded { what } => n(format!("{w} erases its traffic secrets and keys: {what}."), "After close or failure the traffic secrets and keys are erased; nothing after this uses them.".into(), "6.1"),
        Event::Phase { to, .. } => n(
            match to {
                Phase::Failed => format!("{w}'s connection has failed: it sends and accepts nothing more."),
                Phase::Closed => format!("{w}'s connection is closed."),
                _ => format!("{w} is now {}.", to.waiting_for()),
            },
            if *to == Phase::Connected { "The handshake is complete: application data may flow in both directions.".into() } else { String::new() },
            if *to == Phase::Connected { "4.4.4" } else { "A" },
        ),
        Event::Note { text } => n(format!("{w} {text}."), String::new(), "2"),
        Event::Error { message, alert } => n(
            format!("{w} gives up. The reason: {message}."),
            alert.map(|a| format!("The alert for this is {a} ({}).", a.0)).unwrap_or_default(),
            "6.2",
        ),
    }
}

fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// A one-line description for a side's log.
pub fn log_line(e: &TraceEvent) -> Option<String> {
    let s = match &e.event {
        Event::HandshakeSent { name, .. } => format!("sent {name}"),
        Event::HandshakeReceived { name, .. } => format!("received {name}"),
        Event::KeyPair { .. } => "made a fresh P-256 key pair".into(),
        Event::SharedSecret { .. } => "computed the shared secret".into(),
        Event::EphemeralKeyErased { .. } => "erased its ephemeral private key".into(),
        Event::KeysInstalled { direction, secret, .. } => format!("{} keys: {secret}", if *direction == Direction::Write { "write" } else { "read" }),
        Event::Check { check, ok, .. } => format!("checked {check}: {}", if *ok { "✓" } else { "✗" }),
        Event::Finished { sent: false, ok, .. } => format!("verified Finished: {}", if *ok { "✓" } else { "✗" }),
        Event::AppDataSent { data } => format!("sent {} bytes of data", data.0.len()),
        Event::AppDataReceived { data } => format!("received {} bytes of data", data.0.len()),
        Event::AlertSent { description, .. } => format!("sent alert {description}"),
        Event::AlertReceived { description, .. } => format!("received alert {description}"),
        Event::KeysDiscarded { .. } => "discarded its keys".into(),
        Event::Error { message, .. } => format!("failed: {message}"),
        Event::Note { text } => text.clone(),
        _ => return None,
    };
    Some(s)
}
