//! What a connection reports as it runs. The simulation turns these into the trace; the page shows
//! them. Every value here is the one the engine computed, never a copy typed by hand.

use serde::{Deserialize, Serialize};

use super::codec::{Bytes, Field};
use super::enums::{AlertDescription, ContentType};

/// What a connection is waiting for (rustls names its states the same way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Start,
    ExpectServerHello,
    ExpectEncryptedExtensions,
    ExpectCertificate,
    ExpectCertificateVerify,
    ExpectFinished,
    ExpectClientHello,
    ExpectClientFinished,
    Connected,
    Closed,
    Failed,
}

impl Phase {
    /// A plain description for the page.
    pub fn waiting_for(self) -> &'static str {
        match self {
            Phase::Start => "not started",
            Phase::ExpectServerHello => "waiting for ServerHello",
            Phase::ExpectEncryptedExtensions => "waiting for EncryptedExtensions",
            Phase::ExpectCertificate => "waiting for the server's Certificate",
            Phase::ExpectCertificateVerify => "waiting for CertificateVerify",
            Phase::ExpectFinished => "waiting for the server's Finished",
            Phase::ExpectClientHello => "waiting for ClientHello",
            Phase::ExpectClientFinished => "waiting for the client's Finished",
            Phase::Connected => "connected: application data may flow",
            Phase::Closed => "closed",
            Phase::Failed => "failed",
        }
    }
}

/// One step of the key schedule (RFC 8446 §7.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    /// What was derived (`client_handshake_traffic_secret`, `… key`, `… iv`).
    pub name: String,
    /// `HKDF-Extract`, `Derive-Secret` or `HKDF-Expand-Label`.
    pub function: String,
    /// The secret (or salt and IKM) it was derived from.
    pub from: String,
    /// The HKDF label, without the `tls13 ` prefix.
    pub label: String,
    /// The transcript hash used as context, when there is one.
    pub transcript_hash: Option<Bytes>,
    /// The handshake messages that hash covers.
    pub covers: Vec<String>,
    pub value: Bytes,
}

impl Derivation {
    /// For an HKDF-Extract step, its salt and input keying material, as named in `from`
    /// ("salt = …, IKM = …"); `None` for the other functions.
    pub fn extract_inputs(&self) -> Option<(&str, &str)> {
        if self.function != "HKDF-Extract" {
            return None;
        }
        let rest = self.from.strip_prefix("salt = ").unwrap_or(&self.from);
        Some(rest.split_once(", IKM = ").unwrap_or((rest, "")))
    }

    /// What this value was computed from: the salt of an extract (the key schedule's trunk), the
    /// secret otherwise.
    pub fn parent(&self) -> &str {
        self.extract_inputs().map_or(&self.from, |(salt, _)| salt)
    }
}

/// How one protected record was sealed or opened (RFC 8446 §5.2, §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// The traffic secret the key and IV come from.
    pub secret: String,
    pub key: Bytes,
    pub iv: Bytes,
    pub sequence_number: u64,
    /// iv XOR the sequence number, left-padded to 12 bytes.
    pub nonce: Bytes,
    /// The additional data: the 5-byte record header.
    pub additional_data: Bytes,
    /// TLSInnerPlaintext: content || ContentType || zeros.
    pub inner_plaintext: Bytes,
    pub content_type: ContentType,
    pub padding: usize,
    pub ciphertext: Bytes,
    pub tag: Bytes,
    /// The field tree of the inner plaintext.
    pub inner_fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub dns_names: Vec<String>,
    pub key_usage: String,
    pub extended_key_usage: String,
    pub is_ca: bool,
    pub public_key: Bytes,
    pub signature_algorithm: String,
    pub signature: Bytes,
    pub der: Bytes,
    /// Every DER element, named, from the parse that checks the certificate.
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Phase { from: Phase, to: Phase },
    /// A whole handshake message this side encoded, with its annotations.
    HandshakeSent { name: String, bytes: Bytes, fields: Vec<Field> },
    HandshakeReceived { name: String, bytes: Bytes, fields: Vec<Field> },
    /// A record this side wrote to the wire.
    RecordSent { bytes: Bytes, fields: Vec<Field>, protection: Option<Protection> },
    /// A record this side read from the wire (`ignored`: a compatibility change_cipher_spec).
    RecordReceived { bytes: Bytes, protection: Option<Protection>, ignored: bool },
    KeyPair { group: String, private_key: Bytes, public_key: Bytes },
    PeerPublicKey { group: String, public_key: Bytes },
    SharedSecret { value: Bytes },
    /// The ephemeral private key was erased once the shared secret was computed.
    EphemeralKeyErased { group: String },
    Derived(Derivation),
    /// New keys in use for one direction.
    KeysInstalled { direction: Direction, secret: String, key: Bytes, iv: Bytes },
    Certificate { info: CertificateInfo },
    Check { check: String, ok: bool, detail: String },
    /// A CertificateVerify signature made or checked.
    Signature { signed: bool, scheme: String, content: Bytes, signature: Bytes, ok: bool },
    Finished { sent: bool, verify_data: Bytes, ok: bool },
    AppDataSent { data: Bytes },
    AppDataReceived { data: Bytes },
    AlertSent { description: AlertDescription, fatal: bool, encrypted: bool },
    AlertReceived { description: AlertDescription, fatal: bool },
    Note { text: String },
    KeysDiscarded { what: String },
    Error { message: String, alert: Option<AlertDescription> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Read,
    Write,
}
