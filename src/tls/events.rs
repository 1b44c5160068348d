//! What a connection reports as it runs: typed values only. The simulation turns these into the
//! trace; the page and the command line make sentences from them. Every value here is the one the
//! engine computed, never a copy typed by hand, and nothing here is text to be parsed back.

use serde::{Deserialize, Serialize};

use super::codec::{Bytes, Field};
use super::crypto::HashAlgorithm;
use super::enums::{AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, PskKeyExchangeMode, SignatureScheme};
use super::error::Error;
use super::time::DateTime;

/// The two ends of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    Client,
    Server,
}

impl Endpoint {
    pub fn peer(self) -> Endpoint {
        match self {
            Endpoint::Client => Endpoint::Server,
            Endpoint::Server => Endpoint::Client,
        }
    }
}

impl core::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Endpoint::Client => "client",
            Endpoint::Server => "server",
        })
    }
}

/// What a connection is waiting for (rustls names its states the same way). Derived from the
/// engine's state; the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Start,
    ExpectServerHello,
    ExpectEncryptedExtensions,
    ExpectCertificate,
    ExpectCertificateVerify,
    ExpectFinished,
    ExpectClientHello,
    /// RFC 8446 §4.5: the server accepted 0-RTT data and reads it until EndOfEarlyData.
    ExpectEndOfEarlyData,
    /// RFC 8446 §4.4.2: the server sent CertificateRequest and waits for the client's Certificate.
    ExpectClientCertificate,
    /// RFC 8446 §4.4.3: the client sent certificates; their CertificateVerify must follow.
    ExpectClientCertificateVerify,
    ExpectClientFinished,
    Connected,
    Closed,
    Failed,
}

/// A handshake message as the trace names it: its `HandshakeType`, and whether a `server_hello`
/// is the HelloRetryRequest (RFC 8446 §4.1.4: same type, a special random).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub typ: HandshakeType,
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub hello_retry_request: bool,
}

impl Message {
    pub fn new(typ: HandshakeType) -> Self {
        Message { typ, hello_retry_request: false }
    }
}

/// RFC 8446's name for the message: `ClientHello`, `HelloRetryRequest`, `Finished`.
impl core::fmt::Display for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.hello_retry_request {
            f.write_str("HelloRetryRequest")
        } else {
            f.write_str(self.typ.message_name())
        }
    }
}

/// One message a transcript hash covers, and who sent it (`None`: the synthetic message_hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Covered {
    pub message: Message,
    pub sender: Option<Endpoint>,
}

/// The secrets of the RFC 8446 §7.1 key schedule, named as the RFC names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Secret {
    EarlySecret,
    BinderKey,
    ClientEarlyTraffic,
    /// Derive-Secret(Early Secret, "derived", ""): the salt of the handshake secret.
    DerivedFromEarly,
    HandshakeSecret,
    ClientHandshakeTraffic,
    ServerHandshakeTraffic,
    /// Derive-Secret(Handshake Secret, "derived", ""): the salt of the master secret.
    DerivedFromHandshake,
    MasterSecret,
    /// client_application_traffic_secret_N (RFC 8446 §7.2: N counts KeyUpdates).
    ClientApplicationTraffic(u32),
    ServerApplicationTraffic(u32),
    ExporterMaster,
    ResumptionMaster,
    /// Derive-Secret(Early Secret, "e exp master", ClientHello).
    EarlyExporterMaster,
    /// RFC 8446 §4.6.1: the PSK the ticket with this nonce stands for.
    TicketPsk(u32),
}

impl Secret {
    /// RFC 8446 §7.2: the next generation of an application traffic secret.
    pub fn next_generation(self) -> Option<Secret> {
        match self {
            Secret::ClientApplicationTraffic(n) => Some(Secret::ClientApplicationTraffic(n.checked_add(1)?)),
            Secret::ServerApplicationTraffic(n) => Some(Secret::ServerApplicationTraffic(n.checked_add(1)?)),
            _ => None,
        }
    }

    /// Whether this is a traffic secret (one that keys records).
    pub fn is_traffic(self) -> bool {
        matches!(
            self,
            Secret::ClientEarlyTraffic
                | Secret::ClientHandshakeTraffic
                | Secret::ServerHandshakeTraffic
                | Secret::ClientApplicationTraffic(_)
                | Secret::ServerApplicationTraffic(_)
        )
    }

    /// Who writes with the keys of a traffic secret.
    pub fn writer(self) -> Option<Endpoint> {
        match self {
            Secret::ClientEarlyTraffic | Secret::ClientHandshakeTraffic | Secret::ClientApplicationTraffic(_) => Some(Endpoint::Client),
            Secret::ServerHandshakeTraffic | Secret::ServerApplicationTraffic(_) => Some(Endpoint::Server),
            _ => None,
        }
    }

    const FIXED: [(Secret, &'static str); 12] = [
        (Secret::EarlySecret, "early_secret"),
        (Secret::BinderKey, "binder_key"),
        (Secret::ClientEarlyTraffic, "client_early_traffic_secret"),
        (Secret::DerivedFromEarly, "derived_from_early_secret"),
        (Secret::HandshakeSecret, "handshake_secret"),
        (Secret::ClientHandshakeTraffic, "client_handshake_traffic_secret"),
        (Secret::ServerHandshakeTraffic, "server_handshake_traffic_secret"),
        (Secret::DerivedFromHandshake, "derived_from_handshake_secret"),
        (Secret::MasterSecret, "master_secret"),
        (Secret::ExporterMaster, "exporter_master_secret"),
        (Secret::ResumptionMaster, "resumption_master_secret"),
        (Secret::EarlyExporterMaster, "early_exporter_master_secret"),
    ];
    const NUMBERED: [(&'static str, Numbered); 3] = [
        ("client_application_traffic_secret_", Secret::ClientApplicationTraffic),
        ("server_application_traffic_secret_", Secret::ServerApplicationTraffic),
        ("ticket_psk_", Secret::TicketPsk),
    ];
}

/// Makes a numbered secret (an application traffic generation, a ticket's PSK) from its number.
type Numbered = fn(u32) -> Secret;

/// The RFC's label for the secret (`client_handshake_traffic_secret`, `master_secret`); the
/// trace's JSON uses the same text.
impl core::fmt::Display for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (prefix, n) = match *self {
            Secret::ClientApplicationTraffic(n) => (Secret::NUMBERED[0].0, n),
            Secret::ServerApplicationTraffic(n) => (Secret::NUMBERED[1].0, n),
            Secret::TicketPsk(n) => (Secret::NUMBERED[2].0, n),
            fixed => {
                let name = Secret::FIXED.iter().find(|(s, _)| *s == fixed).map_or("secret", |(_, n)| n);
                return f.write_str(name);
            }
        };
        write!(f, "{prefix}{n}")
    }
}

impl core::str::FromStr for Secret {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((secret, _)) = Secret::FIXED.iter().find(|(_, n)| *n == s) {
            return Ok(*secret);
        }
        Secret::NUMBERED
            .iter()
            .find_map(|(prefix, make)| s.strip_prefix(prefix).and_then(|n| n.parse().ok()).map(make))
            .ok_or("not the name of a TLS 1.3 secret")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a derivation produced: a secret, or the traffic key, IV or finished key of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    Secret(Secret),
    /// RFC 8446 §7.3 `[sender]_write_key`.
    Key(Secret),
    /// RFC 8446 §7.3 `[sender]_write_iv`.
    Iv(Secret),
    /// RFC 8446 §4.4.4 finished_key.
    FinishedKey(Secret),
}

impl Output {
    /// The secret this output is, or belongs to.
    pub fn secret(self) -> Secret {
        match self {
            Output::Secret(s) | Output::Key(s) | Output::Iv(s) | Output::FinishedKey(s) => s,
        }
    }
}

impl core::fmt::Display for Output {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Output::Secret(s) => write!(f, "{s}"),
            Output::Key(s) => write!(f, "{s} key"),
            Output::Iv(s) => write!(f, "{s} iv"),
            Output::FinishedKey(s) => write!(f, "{s} finished_key"),
        }
    }
}

/// An input of HKDF-Extract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyInput {
    /// A string of Hash.length zero bytes (RFC 8446 §7.1: "0").
    Zeros,
    /// The (EC)DHE shared secret.
    SharedSecret,
    /// A pre-shared key.
    Psk,
    Secret(Secret),
}

/// One component's bytes inside a hybrid group's key, key share or shared secret
/// (draft-ietf-tls-ecdhe-mlkem §4.1): `value` is `whole[offset..offset + value.len()]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPart {
    /// The component: `MLKEM768`, or the ECDH group (`x25519`, `secp256r1`).
    pub component: NamedGroup,
    pub kind: KeyPartKind,
    pub offset: usize,
    pub value: Bytes,
}

/// What a [`KeyPart`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPartKind {
    /// An ECDH private key (the X25519 scalar, the P-256 secret).
    PrivateKey,
    /// An ECDH public key (RFC 8446 §4.2.8.2 form).
    PublicKey,
    /// The ML-KEM decapsulation key in its seed form d ‖ z (FIPS 203 §7.1, 64 bytes).
    DecapsulationKeySeed,
    /// The ML-KEM encapsulation key ek (FIPS 203 §7.1, 1184 bytes for ML-KEM-768).
    EncapsulationKey,
    /// The server's random m for ML-KEM.Encaps (FIPS 203 §7.2, 32 bytes).
    EncapsulationRandomness,
    /// The ML-KEM ciphertext c (FIPS 203 §7.2, 1088 bytes for ML-KEM-768).
    Ciphertext,
    /// A component's shared secret: the ML-KEM shared key K, or the ECDH secret (§7.4).
    SharedSecret,
}

/// The HKDF function of a derivation, with its inputs (RFC 8446 §7.1, RFC 5869).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "function", rename_all = "snake_case")]
pub enum Hkdf {
    /// HKDF-Extract(salt, IKM).
    Extract { salt: KeyInput, ikm: KeyInput },
    /// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length).
    DeriveSecret { secret: Secret, label: String, transcript_hash: Bytes, messages: Vec<Covered> },
    /// HKDF-Expand-Label(Secret, Label, Context, Length).
    ExpandLabel { secret: Secret, label: String, context: Bytes, context_is: ExpandContext, length: usize },
}

/// What the context of an HKDF-Expand-Label is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpandContext {
    /// The empty string.
    Empty,
    /// RFC 8446 §4.6.1: the ticket_nonce of a NewSessionTicket.
    TicketNonce,
}

/// One step of the key schedule (RFC 8446 §7.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    pub output: Output,
    #[serde(flatten)]
    pub hkdf: Hkdf,
    /// The hash of HKDF and of the transcript hash: the cipher suite's (RFC 8446 §7.1). A
    /// client's binder and 0-RTT secrets use the ticket's suite's, the rest the negotiated one's.
    #[serde(default)]
    pub hash: HashAlgorithm,
    pub value: Bytes,
}

impl Derivation {
    /// The value this one was computed from: the salt of an extract (the key schedule's trunk),
    /// the secret of an expansion; `None` for the first extract.
    pub fn parent(&self) -> Option<Secret> {
        match &self.hkdf {
            Hkdf::Extract { salt: KeyInput::Secret(s), .. } => Some(*s),
            Hkdf::Extract { .. } => None,
            Hkdf::DeriveSecret { secret, .. } | Hkdf::ExpandLabel { secret, .. } => Some(*secret),
        }
    }

    /// The HKDF label, without the `tls13 ` prefix (empty for an extract).
    pub fn label(&self) -> &str {
        match &self.hkdf {
            Hkdf::Extract { .. } => "",
            Hkdf::DeriveSecret { label, .. } | Hkdf::ExpandLabel { label, .. } => label,
        }
    }
}

/// How one protected record was sealed or opened (RFC 8446 §5.2, §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// The traffic secret the key and IV come from.
    pub secret: Secret,
    pub suite: CipherSuite,
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

/// What a record carries, as its sender knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carries {
    /// These handshake messages, whole or in part (a message may be split across records).
    Handshake(Vec<Message>),
    Alert(AlertDescription),
    /// This many bytes of application data.
    ApplicationData(usize),
    ChangeCipherSpec,
}

/// A point in time, in Unix seconds; shown as UTC (`2026-11-20 10:13:20 UTC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub u64);

impl core::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match DateTime::from_unix(self.0) {
            Some(t) => write!(f, "{t}"),
            None => write!(f, "{} s after 1970", self.0),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    pub dns_names: Vec<String>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub is_ca: bool,
    pub public_key: Bytes,
    pub signature_algorithm: String,
    pub signature: Bytes,
    pub der: Bytes,
    /// Every DER element, named, from the parse that checks the certificate.
    pub fields: Vec<Field>,
}

/// A check one side made, with its evidence (RFC 8446 §4.4.2.4, §4.4.3, §4.4.4, §5.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum CheckKind {
    /// The chain leads to the trust anchor: `certificate`'s issuer is the anchor's subject and its
    /// signature verifies with the anchor's key.
    TrustAnchor { certificate: String, issuer: String, anchor: String, names_match: bool, signature_valid: bool, algorithm: String },
    /// RFC 5280 §6.1: the server sent `certificates` certificates, and a path may hold at most
    /// `limit` (the leaf and its intermediates; the trust anchor is the client's own).
    ChainLength { certificates: usize, limit: usize },
    /// `issuer` signed `certificate`: the issuer's name is the certificate's issuer name, byte for
    /// byte, and its key verifies the signature (one link of the path from the leaf up).
    IssuerSignature { certificate: String, issuer: String, algorithm: String },
    /// RFC 5280 §6.1.4 (k)–(n): `issuer` may issue certificates: basicConstraints cA (`is_ca`),
    /// keyUsage keyCertSign (`key_cert_sign`: `None` without a keyUsage extension, which allows
    /// it), and its pathLenConstraint (`path_len`, if any) at least the number of CA certificates
    /// below it in the path (`intermediates_below`, not counting self-issued ones).
    MayIssue { issuer: String, is_ca: bool, key_cert_sign: Option<bool>, path_len: Option<u32>, intermediates_below: usize },
    /// The certificate is valid at `now`.
    Validity { certificate: String, not_before: UnixTime, not_after: UnixTime, now: UnixTime },
    /// The name the client asked for is among the certificate's subjectAltName dNSNames.
    Name { asked: String, names: Vec<String> },
    /// The leaf may sign TLS handshakes for a server: not a CA, digitalSignature, serverAuth.
    Usage { certificate: String, is_ca: bool, key_usage: Vec<String>, extended_key_usage: Vec<String> },
    /// The client's leaf may sign TLS handshakes for a client: not a CA, digitalSignature, and
    /// clientAuth where it has an extendedKeyUsage (RFC 5280 §4.2.1.12).
    ClientUsage { certificate: String, is_ca: bool, key_usage: Vec<String>, extended_key_usage: Vec<String> },
    /// RFC 8446 §4.4.2.4: the server asked for a client certificate (`required`: it needs one)
    /// and the client sent `certificates` of them (0: an empty Certificate).
    ClientCertificate { required: bool, certificates: usize },
    /// RFC 7301 §3.2: the server's choice among the application protocols the client offered,
    /// by its own preference (`supported`, first preferred); `None`: none in common.
    ApplicationProtocol { offered: Vec<String>, supported: Vec<String>, selected: Option<String> },
    /// RFC 7301 §3.1: the protocol the server selected is one the client offered.
    ApplicationProtocolSelected { offered: Vec<String>, selected: String },
    /// RFC 8446 §4.4.3: the CertificateVerify signature over the transcript verifies with the
    /// certificate's key.
    CertificateVerify { signer: Endpoint, scheme: SignatureScheme, content: Bytes, signature: Bytes },
    /// RFC 8446 §4.4.4: the peer's Finished equals the value this side computes.
    Finished { sender: Endpoint, verify_data: Bytes },
    /// RFC 8446 §5.2: a protected record authenticated under the current read key.
    RecordDecryption { secret: Secret, sequence_number: u64 },
    /// RFC 8446 §4.2.11.2: the binder of the offered ticket `identity` (counted from 0) is the
    /// HMAC the server computes with the ticket's PSK over the partial ClientHello.
    Binder { identity: u16, binder: Bytes },
}

/// What the server made of a ticket it was offered (RFC 8446 §4.6.1, §4.2.11, §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum TicketVerdict {
    /// It unsealed, is within its lifetime, its age agrees with the client's, and it is unused.
    Usable { age_ms: u64, client_age_ms: u32, lifetime: u32 },
    /// It does not unseal with the server's ticket key: not this server's, or altered.
    Unknown,
    /// Older than its lifetime (seconds).
    Expired { age_ms: u64, lifetime: u32 },
    /// The client's idea of its age (in ms) and the server's differ by more than the window allows.
    AgeMismatch { client_ms: u32, server_ms: u64 },
    /// RFC 8446 §8.1: the server saw this ticket once already (a replay, or a client reusing it).
    AlreadyUsed,
    /// RFC 8446 §4.2.11: the ticket is for `suite`, whose hash is not that of the suite the server
    /// chose, so its PSK cannot be used (a full handshake).
    OtherHash { suite: CipherSuite },
}

/// What a client sends when the server asks for its certificate (RFC 8446 §4.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum CertificateAnswer {
    /// Its chain of `certificates`, leaf first, then a CertificateVerify.
    Chain { certificates: usize },
    /// An empty Certificate: it has no certificate.
    NoCertificate,
    /// An empty Certificate: its key signs with no scheme the server accepts.
    NoSchemeInCommon,
}

/// Why a server does not accept 0-RTT data the client offered (RFC 8446 §4.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarlyDataRefusal {
    /// The server did not resume with the client's first ticket.
    NotResumed,
    /// The ticket (or the server) allows no early data.
    NotAllowed,
    /// Another ALPN protocol than the ticket's connection chose.
    OtherAlpn,
    /// RFC 8446 §4.2.10: the server chose another cipher suite than the ticket's (of the same
    /// hash, or it would not have resumed).
    OtherSuite,
}

/// Why a check failed: the engine's reason and the alert it sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub error: String,
    pub alert: AlertDescription,
}

impl Failure {
    /// The failure `e` ends the connection with.
    pub fn of(e: &Error) -> Self {
        Failure { error: e.to_string(), alert: e.alert() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    #[serde(flatten)]
    pub kind: CheckKind,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// Why a side let keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardReason {
    /// RFC 8446 §4.4.4: the handshake is over; its traffic secrets and keys are no longer needed.
    HandshakeDone,
    /// RFC 8446 §6.1: both sides sent close_notify.
    Closed,
    /// RFC 8446 §6.2: a fatal alert was sent.
    Failed,
    /// RFC 8446 §6.2: a fatal alert was received.
    PeerFailed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Phase {
        from: Phase,
        to: Phase,
    },
    /// A whole handshake message this side encoded, with its annotations.
    HandshakeSent {
        message: Message,
        bytes: Bytes,
        fields: Vec<Field>,
    },
    /// A whole handshake message this side reassembled (`message` is `None` when its type byte
    /// is one the engine does not decode).
    HandshakeReceived {
        message: Option<Message>,
        bytes: Bytes,
        fields: Vec<Field>,
    },
    /// A record this side wrote to the wire. `content_type` is the real type (for a protected
    /// record, the one inside the encryption; on the wire it says application_data).
    RecordSent {
        content_type: ContentType,
        carries: Carries,
        bytes: Bytes,
        fields: Vec<Field>,
        protection: Option<Protection>,
    },
    /// A record this side read from the wire (`ignored`: a compatibility change_cipher_spec).
    RecordReceived {
        content_type: ContentType,
        bytes: Bytes,
        protection: Option<Protection>,
        ignored: bool,
    },
    /// What the client offers in a ClientHello (RFC 8446 §4.1.2): TLS 1.3 only, its cipher
    /// suites, groups, the groups it sends key shares for, signature schemes and ALPN protocols.
    Offered {
        /// The host name of server_name (RFC 6066 §3), readable by anyone on the network.
        server_name: Option<String>,
        suites: Vec<CipherSuite>,
        groups: Vec<NamedGroup>,
        key_shares: Vec<NamedGroup>,
        signature_schemes: Vec<SignatureScheme>,
        alpn: Vec<String>,
    },
    /// What the server chose for this connection (RFC 8446 §4.1.3, §4.3.1).
    Chose {
        suite: CipherSuite,
        group: NamedGroup,
        signature_scheme: SignatureScheme,
        alpn: Option<String>,
    },
    /// RFC 8446 §4.1.4: the server asks for a key share for `group` (sent by the server, acted
    /// upon by the client).
    HelloRetry {
        group: NamedGroup,
    },
    /// RFC 8446 §4.3.2: the server asks the client for a certificate, one it can verify with
    /// `signature_schemes` and from one of the CAs `authorities` names (RFC 4514 form). Sent by
    /// the server (`required`: whether it goes on without one) and acted upon by the client
    /// (which is not told, `None`).
    CertificateRequested {
        signature_schemes: Vec<SignatureScheme>,
        authorities: Vec<String>,
        required: Option<bool>,
    },
    /// RFC 8446 §4.4.2: what the client answers a CertificateRequest with.
    ClientCertificateAnswer {
        answer: CertificateAnswer,
    },
    /// This side's ephemeral key for `group`; `public_key` is the key share it sends. For a
    /// hybrid group the parts say which bytes belong to which component (a client's share holds
    /// an ML-KEM encapsulation key and an ECDH public key; a server's, made after the client's
    /// share arrived, a ciphertext and an ECDH public key); empty for a plain (EC)DH group.
    KeyPair {
        group: NamedGroup,
        private_key: Bytes,
        public_key: Bytes,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        private_parts: Vec<KeyPart>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        public_parts: Vec<KeyPart>,
    },
    /// The peer's key share, checked to be a valid public key of `group` (for a hybrid, each
    /// part: see `KeyPair`).
    PeerPublicKey {
        group: NamedGroup,
        public_key: Bytes,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        parts: Vec<KeyPart>,
    },
    /// The (EC)DHE shared secret, the input to the handshake secret (RFC 8446 §7.1); for a
    /// hybrid, the concatenation of the components' shared secrets (draft-ietf-tls-ecdhe-mlkem
    /// §4.1), each a part.
    SharedSecret {
        group: NamedGroup,
        value: Bytes,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        parts: Vec<KeyPart>,
    },
    /// The ephemeral private key was erased once the shared secret was computed.
    EphemeralKeyErased {
        group: NamedGroup,
    },
    Derived(Derivation),
    /// New keys in use for one direction.
    KeysInstalled {
        direction: Direction,
        secret: Secret,
        key: Bytes,
        iv: Bytes,
    },
    Certificate {
        info: CertificateInfo,
    },
    Check(Check),
    /// This side signed CertificateVerify content.
    Signed {
        scheme: SignatureScheme,
        content: Bytes,
        signature: Bytes,
    },
    /// This side computed its Finished.
    FinishedComputed {
        verify_data: Bytes,
    },
    /// RFC 8446 §4.6.1: a ticket the server issues, and the PSK it stands for (`max_early_data_size`
    /// 0: no early data with it).
    TicketIssued {
        lifetime: u32,
        age_add: u32,
        nonce: Bytes,
        ticket: Bytes,
        psk: Secret,
        #[serde(default)]
        max_early_data_size: u32,
    },
    /// RFC 8446 §4.6.1: a ticket the client keeps, and the PSK it derived for it.
    TicketStored {
        lifetime: u32,
        ticket_len: usize,
        psk: Secret,
        #[serde(default)]
        max_early_data_size: u32,
    },
    /// RFC 8446 §4.2.11: the client offers a ticket from an earlier connection, with the PSK it
    /// derived for it there (`psk`), in the modes `modes`, and sends `early_data` bytes of 0-RTT
    /// data with its ClientHello (0: none).
    ResumptionOffered {
        ticket: Bytes,
        /// The suite of the connection that issued the ticket: its hash makes the binder, its
        /// AEAD protects 0-RTT data.
        suite: CipherSuite,
        psk: Secret,
        ticket_age_ms: u32,
        obfuscated_ticket_age: u32,
        modes: Vec<PskKeyExchangeMode>,
        binder: Bytes,
        early_data: usize,
    },
    /// The server's judgement of offered ticket `identity` (counted from 0).
    TicketChecked {
        identity: u16,
        #[serde(flatten)]
        verdict: TicketVerdict,
    },
    /// The connection resumes with the PSK of ticket `identity`: no certificate, no signature
    /// (RFC 8446 §2.2); `mode` says whether a fresh (EC)DHE exchange is mixed in.
    Resumed {
        identity: u16,
        mode: PskKeyExchangeMode,
    },
    /// The client offered a ticket and the server's ServerHello did not take it: a full handshake.
    ResumptionDeclined,
    /// RFC 8446 §4.2.10: the server accepts 0-RTT data, up to `max_early_data_size` bytes.
    EarlyDataAccepted {
        max_early_data_size: u32,
    },
    /// RFC 8446 §4.2.10: the server does not accept the 0-RTT data (the client learns no reason).
    EarlyDataRejected {
        reason: Option<EarlyDataRefusal>,
    },
    AppDataSent {
        data: Bytes,
    },
    AppDataReceived {
        data: Bytes,
    },
    AlertSent {
        description: AlertDescription,
        fatal: bool,
        encrypted: bool,
    },
    AlertReceived {
        description: AlertDescription,
        fatal: bool,
    },
    /// RFC 8446 §6.1: bytes that arrived after the peer's close_notify, ignored unread: how many,
    /// and how many whole records they made.
    IgnoredAfterClose {
        records: usize,
        bytes: usize,
    },
    /// Traffic secrets and keys this side erased (RFC 8446 §6.1, §6.2, §4.4.4).
    KeysDiscarded {
        secrets: Vec<Secret>,
        reason: DiscardReason,
    },
    /// The connection ends for this error; `alert` is what went to the peer, if anything did.
    Error {
        message: String,
        alert: Option<AlertDescription>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Read,
    Write,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_named_as_rfc_8446_names_them_and_parse_back() {
        assert_eq!(Secret::ClientHandshakeTraffic.to_string(), "client_handshake_traffic_secret");
        assert_eq!(Secret::ServerApplicationTraffic(2).to_string(), "server_application_traffic_secret_2");
        for s in [Secret::EarlySecret, Secret::DerivedFromHandshake, Secret::ClientApplicationTraffic(0), Secret::TicketPsk(3)] {
            assert_eq!(s.to_string().parse::<Secret>(), Ok(s));
        }
        assert!("client_application_traffic_secret_x".parse::<Secret>().is_err());
    }

    #[test]
    fn a_hello_retry_request_is_named_as_such() {
        let hrr = Message { typ: HandshakeType::server_hello, hello_retry_request: true };
        assert_eq!(hrr.to_string(), "HelloRetryRequest");
        assert_eq!(Message::new(HandshakeType::server_hello).to_string(), "ServerHello");
    }
}
