//! RFC 8446 §7.1 key schedule as a chain of types: each stage is consumed by the next, so a
//! secret can only be used once the one it comes from was derived.
//!
//! ```text
//!              0
//!              |
//!              v
//!    PSK ->  HKDF-Extract = Early Secret
//!              |
//!              +-----> Derive-Secret(., "res binder", "")
//!              |                     = binder_key
//!              +-----> Derive-Secret(., "c e traffic", ClientHello)
//!              |                     = client_early_traffic_secret
//!              +-----> Derive-Secret(., "e exp master", ClientHello)
//!              |                     = early_exporter_master_secret
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//! (EC)DHE -> HKDF-Extract = Handshake Secret
//!              |
//!              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
//!              |                     = client_handshake_traffic_secret
//!              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
//!              |                     = server_handshake_traffic_secret
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!   0 -> HKDF-Extract = Master Secret
//!              |
//!              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
//! ```
//!
//! Every stage carries the cipher suite it runs under: its hash gives Hash.length (the length of
//! every secret, 32 or 48 bytes) and the HKDF/HMAC function, its AEAD the length of the traffic
//! keys. Every derivation is logged as a [`Derivation`] with its typed inputs and that hash, for
//! the trace. Secret bytes are zeroed when the value holding them is dropped.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::codec::Bytes;
use super::crypto::{hkdf_expand_label, hkdf_extract, HashAlgorithm, IV_LEN};
use super::events::{Derivation, ExpandContext, Hkdf, KeyInput, Output, Secret as Name};
use super::suite::Suite;
use super::transcript::TranscriptHash;

/// A secret's bytes (Hash.length of them); zeroed when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(pub Vec<u8>);

/// RFC 8446 §7.1 Derive-Secret(Secret, Label, Messages).
fn derive_secret(
    log: &mut Vec<Derivation>,
    suite: Suite,
    name: Name,
    from: (Name, &SecretBytes),
    label: &str,
    th: &TranscriptHash,
) -> SecretBytes {
    let hash = suite.hash;
    let out = SecretBytes(hkdf_expand_label(hash, &from.1 .0, label, &th.hash, hash.len()));
    log.push(Derivation {
        output: Output::Secret(name),
        hkdf: Hkdf::DeriveSecret {
            secret: from.0,
            label: label.into(),
            transcript_hash: Bytes(th.hash.clone()),
            messages: th.covers.clone(),
        },
        hash,
        value: Bytes(out.0.clone()),
    });
    out
}

fn extract(log: &mut Vec<Derivation>, hash: HashAlgorithm, name: Name, salt: (KeyInput, &[u8]), ikm: (KeyInput, &[u8])) -> SecretBytes {
    let out = SecretBytes(hkdf_extract(hash, salt.1, ikm.1));
    log.push(Derivation {
        output: Output::Secret(name),
        hkdf: Hkdf::Extract { salt: salt.0, ikm: ikm.0 },
        hash,
        value: Bytes(out.0.clone()),
    });
    out
}

/// RFC 8446 §7.1 "0": a string of Hash.length zero bytes.
fn zeros(hash: HashAlgorithm) -> Vec<u8> {
    vec![0; hash.len()]
}

pub struct EarlySecret {
    secret: SecretBytes,
    suite: Suite,
}

impl EarlySecret {
    /// HKDF-Extract(0, 0): no PSK in a full handshake.
    pub fn new(log: &mut Vec<Derivation>, suite: Suite) -> Self {
        let z = zeros(suite.hash);
        EarlySecret { secret: extract(log, suite.hash, Name::EarlySecret, (KeyInput::Zeros, &z), (KeyInput::Zeros, &z)), suite }
    }

    /// HKDF-Extract(0, PSK): a resumption (RFC 8446 §7.1, §4.6.1), the PSK a ticket stands for.
    /// `suite` is the ticket's (the client's offer, its 0-RTT data) or the connection's (the
    /// server, which only resumes with a PSK of its suite's hash).
    pub fn from_psk(log: &mut Vec<Derivation>, suite: Suite, psk: &SecretBytes) -> Self {
        let z = zeros(suite.hash);
        EarlySecret { secret: extract(log, suite.hash, Name::EarlySecret, (KeyInput::Zeros, &z), (KeyInput::Psk, &psk.0)), suite }
    }

    /// The suite this secret was made under.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Go on under `suite`, the one the server chose: RFC 8446 §4.2.11, a PSK may be used with
    /// any suite of its hash. `None` for a suite of another hash.
    pub fn with_suite(self, suite: Suite) -> Option<Self> {
        (suite.hash == self.suite.hash).then(|| EarlySecret { secret: self.secret.clone(), suite })
    }

    /// RFC 8446 §4.2.11.2: the key of the PSK binder ("res binder": a resumption PSK).
    pub fn binder_key(&self, log: &mut Vec<Derivation>) -> BinderKey {
        let name = Name::BinderKey;
        let th = TranscriptHash::empty(self.suite.hash);
        BinderKey(TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::EarlySecret, &self.secret), "res binder", &th),
            suite: self.suite,
        })
    }

    /// RFC 8446 §7.1: the key of 0-RTT data, over the ClientHello; and the early exporter secret
    /// beside it (derived, and logged, as OpenSSL does when it uses early data).
    pub fn client_early_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        derive_secret(log, self.suite, Name::EarlyExporterMaster, (Name::EarlySecret, &self.secret), "e exp master", th);
        let name = Name::ClientEarlyTraffic;
        TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::EarlySecret, &self.secret), "c e traffic", th),
            suite: self.suite,
        }
    }

    /// Mix in the (EC)DHE shared secret.
    pub fn into_handshake_secret(self, log: &mut Vec<Derivation>, ecdhe: &[u8]) -> HandshakeSecret {
        self.into_handshake(log, (KeyInput::SharedSecret, ecdhe))
    }

    /// RFC 8446 §7.1, psk_ke: no (EC)DHE, so zeros stand for the shared secret.
    pub fn into_handshake_secret_without_dhe(self, log: &mut Vec<Derivation>) -> HandshakeSecret {
        let z = zeros(self.suite.hash);
        self.into_handshake(log, (KeyInput::Zeros, &z))
    }

    fn into_handshake(self, log: &mut Vec<Derivation>, ikm: (KeyInput, &[u8])) -> HandshakeSecret {
        let suite = self.suite;
        let th = TranscriptHash::empty(suite.hash);
        let derived = derive_secret(log, suite, Name::DerivedFromEarly, (Name::EarlySecret, &self.secret), "derived", &th);
        let secret = extract(log, suite.hash, Name::HandshakeSecret, (KeyInput::Secret(Name::DerivedFromEarly), &derived.0), ikm);
        HandshakeSecret { secret, suite }
    }
}

/// RFC 8446 §4.2.11.2: binder_key; a binder is computed like a Finished over the partial
/// ClientHello, with the finished key of this secret.
pub struct BinderKey(TrafficSecret);

impl BinderKey {
    /// HMAC(finished_key(binder_key), Transcript-Hash(Truncate(ClientHello))): Hash.length bytes.
    pub fn binder(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> Vec<u8> {
        verify_data(&self.0.finished_key(log), th)
    }
}

pub struct HandshakeSecret {
    secret: SecretBytes,
    suite: Suite,
}

impl HandshakeSecret {
    /// RFC 8446 test vectors inject the handshake secret directly.
    pub fn from_raw(suite: Suite, s: Vec<u8>) -> Self {
        HandshakeSecret { secret: SecretBytes(s), suite }
    }

    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ClientHandshakeTraffic;
        TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::HandshakeSecret, &self.secret), "c hs traffic", th),
            suite: self.suite,
        }
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ServerHandshakeTraffic;
        TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::HandshakeSecret, &self.secret), "s hs traffic", th),
            suite: self.suite,
        }
    }

    pub fn into_master_secret(self, log: &mut Vec<Derivation>) -> MasterSecret {
        let suite = self.suite;
        let th = TranscriptHash::empty(suite.hash);
        let derived = derive_secret(log, suite, Name::DerivedFromHandshake, (Name::HandshakeSecret, &self.secret), "derived", &th);
        let z = zeros(suite.hash);
        let secret =
            extract(log, suite.hash, Name::MasterSecret, (KeyInput::Secret(Name::DerivedFromHandshake), &derived.0), (KeyInput::Zeros, &z));
        MasterSecret { secret, suite }
    }
}

pub struct MasterSecret {
    secret: SecretBytes,
    suite: Suite,
}

impl MasterSecret {
    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ClientApplicationTraffic(0);
        TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::MasterSecret, &self.secret), "c ap traffic", th),
            suite: self.suite,
        }
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ServerApplicationTraffic(0);
        TrafficSecret {
            name,
            secret: derive_secret(log, self.suite, name, (Name::MasterSecret, &self.secret), "s ap traffic", th),
            suite: self.suite,
        }
    }

    pub fn exporter(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> SecretBytes {
        derive_secret(log, self.suite, Name::ExporterMaster, (Name::MasterSecret, &self.secret), "exp master", th)
    }

    /// The resumption master secret, over the transcript through the client's Finished; the
    /// master secret itself is consumed (and zeroed).
    pub fn into_resumption(self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> ResumptionMaster {
        let secret = derive_secret(log, self.suite, Name::ResumptionMaster, (Name::MasterSecret, &self.secret), "res master", th);
        ResumptionMaster { secret, suite: self.suite }
    }
}

/// RFC 8446 §7.1 resumption_master_secret: what tickets' PSKs are derived from.
pub struct ResumptionMaster {
    secret: SecretBytes,
    suite: Suite,
}

impl ResumptionMaster {
    /// The suite of the connection, which its tickets are for (RFC 8446 §4.6.1).
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// RFC 8446 §4.6.1: the PSK of ticket number `n`, whose ticket_nonce is `nonce`.
    pub fn ticket_psk(&self, log: &mut Vec<Derivation>, n: u32, nonce: &[u8]) -> SecretBytes {
        let hash = self.suite.hash;
        let out = SecretBytes(hkdf_expand_label(hash, &self.secret.0, "resumption", nonce, hash.len()));
        log.push(Derivation {
            output: Output::Secret(Name::TicketPsk(n)),
            hkdf: Hkdf::ExpandLabel {
                secret: Name::ResumptionMaster,
                label: "resumption".into(),
                context: Bytes(nonce.to_vec()),
                context_is: ExpandContext::TicketNonce,
                length: hash.len(),
            },
            hash,
            value: Bytes(out.0.clone()),
        });
        out
    }
}

/// A traffic secret, the suite it belongs to, and what RFC 8446 §7.3 and §4.4.4 derive from it.
/// Zeroed when dropped.
#[derive(Clone)]
pub struct TrafficSecret {
    pub name: Name,
    pub secret: SecretBytes,
    pub suite: Suite,
}

/// RFC 8446 §7.3 traffic key (key_length bytes of the suite's AEAD) and IV. Zeroed when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TrafficKeys {
    #[zeroize(skip)]
    pub secret: Name,
    #[zeroize(skip)]
    pub suite: Suite,
    pub key: Vec<u8>,
    pub iv: [u8; IV_LEN],
}

impl TrafficSecret {
    fn expand(&self, log: &mut Vec<Derivation>, output: Output, label: &str, len: usize) -> Vec<u8> {
        let hash = self.suite.hash;
        let v = hkdf_expand_label(hash, &self.secret.0, label, b"", len);
        log.push(Derivation {
            output,
            hkdf: Hkdf::ExpandLabel {
                secret: self.name,
                label: label.into(),
                context: Bytes(Vec::new()),
                context_is: ExpandContext::Empty,
                length: len,
            },
            hash,
            value: Bytes(v.clone()),
        });
        v
    }

    pub fn keys(&self, log: &mut Vec<Derivation>) -> TrafficKeys {
        let key = self.expand(log, Output::Key(self.name), "key", self.suite.key_len());
        let mut i = self.expand(log, Output::Iv(self.name), "iv", IV_LEN);
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&i);
        i.zeroize();
        TrafficKeys { secret: self.name, suite: self.suite, key, iv }
    }

    pub fn finished_key(&self, log: &mut Vec<Derivation>) -> SecretBytes {
        SecretBytes(self.expand(log, Output::FinishedKey(self.name), "finished", self.suite.hash.len()))
    }

    /// RFC 8446 §7.2: application_traffic_secret_N+1. `None` for a secret that has no next
    /// generation (a handshake traffic secret, or generation 2^32 - 1).
    pub fn next(&self, log: &mut Vec<Derivation>) -> Option<TrafficSecret> {
        let name = self.name.next_generation()?;
        let v = self.expand(log, Output::Secret(name), "traffic upd", self.suite.hash.len());
        Some(TrafficSecret { name, secret: SecretBytes(v), suite: self.suite })
    }
}

/// RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)), with the hash of the
/// transcript (the suite's): Hash.length bytes.
pub fn verify_data(finished_key: &SecretBytes, th: &TranscriptHash) -> Vec<u8> {
    th.algorithm.hmac(&finished_key.0, &th.hash)
}
