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
//! Every derivation is logged as a [`Derivation`] with its typed inputs, for the trace. Secret
//! bytes are zeroed when the value holding them is dropped.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::codec::Bytes;
use super::crypto::{hkdf_expand_label, hkdf_extract, hmac_sha256, HASH_LEN, IV_LEN, KEY_LEN};
use super::events::{Derivation, ExpandContext, Hkdf, KeyInput, Output, Secret as Name};
use super::transcript::TranscriptHash;

/// A secret's bytes; zeroed when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(pub [u8; HASH_LEN]);

fn to_secret(v: Vec<u8>) -> SecretBytes {
    let mut s = [0u8; HASH_LEN];
    let n = v.len().min(HASH_LEN);
    s[..n].copy_from_slice(&v[..n]);
    let mut v = v;
    v.zeroize();
    SecretBytes(s)
}

/// RFC 8446 §7.1 Derive-Secret(Secret, Label, Messages).
fn derive_secret(log: &mut Vec<Derivation>, name: Name, from: (Name, &SecretBytes), label: &str, th: &TranscriptHash) -> SecretBytes {
    let out = to_secret(hkdf_expand_label(&from.1 .0, label, &th.hash, HASH_LEN));
    log.push(Derivation {
        output: Output::Secret(name),
        hkdf: Hkdf::DeriveSecret {
            secret: from.0,
            label: label.into(),
            transcript_hash: Bytes(th.hash.to_vec()),
            messages: th.covers.clone(),
        },
        value: Bytes(out.0.to_vec()),
    });
    out
}

fn extract(log: &mut Vec<Derivation>, name: Name, salt: (KeyInput, &[u8]), ikm: (KeyInput, &[u8])) -> SecretBytes {
    let out = SecretBytes(hkdf_extract(salt.1, ikm.1));
    log.push(Derivation { output: Output::Secret(name), hkdf: Hkdf::Extract { salt: salt.0, ikm: ikm.0 }, value: Bytes(out.0.to_vec()) });
    out
}

pub struct EarlySecret(SecretBytes);

impl EarlySecret {
    /// HKDF-Extract(0, 0): no PSK in a full handshake.
    pub fn new(log: &mut Vec<Derivation>) -> Self {
        EarlySecret(extract(log, Name::EarlySecret, (KeyInput::Zeros, &[0u8; HASH_LEN]), (KeyInput::Zeros, &[0u8; HASH_LEN])))
    }

    /// HKDF-Extract(0, PSK): a resumption (RFC 8446 §7.1, §4.6.1), the PSK a ticket stands for.
    pub fn from_psk(log: &mut Vec<Derivation>, psk: &SecretBytes) -> Self {
        EarlySecret(extract(log, Name::EarlySecret, (KeyInput::Zeros, &[0u8; HASH_LEN]), (KeyInput::Psk, &psk.0)))
    }

    /// RFC 8446 §4.2.11.2: the key of the PSK binder ("res binder": a resumption PSK).
    pub fn binder_key(&self, log: &mut Vec<Derivation>) -> BinderKey {
        let name = Name::BinderKey;
        BinderKey(TrafficSecret {
            name,
            secret: derive_secret(log, name, (Name::EarlySecret, &self.0), "res binder", &TranscriptHash::empty()),
        })
    }

    /// RFC 8446 §7.1: the key of 0-RTT data, over the ClientHello; and the early exporter secret
    /// beside it (derived, and logged, as OpenSSL does when it uses early data).
    pub fn client_early_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        derive_secret(log, Name::EarlyExporterMaster, (Name::EarlySecret, &self.0), "e exp master", th);
        let name = Name::ClientEarlyTraffic;
        TrafficSecret { name, secret: derive_secret(log, name, (Name::EarlySecret, &self.0), "c e traffic", th) }
    }

    /// Mix in the (EC)DHE shared secret.
    pub fn into_handshake_secret(self, log: &mut Vec<Derivation>, ecdhe: &[u8]) -> HandshakeSecret {
        self.into_handshake(log, (KeyInput::SharedSecret, ecdhe))
    }

    /// RFC 8446 §7.1, psk_ke: no (EC)DHE, so zeros stand for the shared secret.
    pub fn into_handshake_secret_without_dhe(self, log: &mut Vec<Derivation>) -> HandshakeSecret {
        self.into_handshake(log, (KeyInput::Zeros, &[0u8; HASH_LEN]))
    }

    fn into_handshake(self, log: &mut Vec<Derivation>, ikm: (KeyInput, &[u8])) -> HandshakeSecret {
        let derived = derive_secret(log, Name::DerivedFromEarly, (Name::EarlySecret, &self.0), "derived", &TranscriptHash::empty());
        HandshakeSecret(extract(log, Name::HandshakeSecret, (KeyInput::Secret(Name::DerivedFromEarly), &derived.0), ikm))
    }
}

/// RFC 8446 §4.2.11.2: binder_key; a binder is computed like a Finished over the partial
/// ClientHello, with the finished key of this secret.
pub struct BinderKey(TrafficSecret);

impl BinderKey {
    /// HMAC(finished_key(binder_key), Transcript-Hash(Truncate(ClientHello))).
    pub fn binder(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> [u8; HASH_LEN] {
        verify_data(&self.0.finished_key(log), th)
    }
}

pub struct HandshakeSecret(SecretBytes);

impl HandshakeSecret {
    /// RFC 8446 test vectors inject the handshake secret directly.
    pub fn from_raw(s: [u8; HASH_LEN]) -> Self {
        HandshakeSecret(SecretBytes(s))
    }

    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ClientHandshakeTraffic;
        TrafficSecret { name, secret: derive_secret(log, name, (Name::HandshakeSecret, &self.0), "c hs traffic", th) }
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ServerHandshakeTraffic;
        TrafficSecret { name, secret: derive_secret(log, name, (Name::HandshakeSecret, &self.0), "s hs traffic", th) }
    }

    pub fn into_master_secret(self, log: &mut Vec<Derivation>) -> MasterSecret {
        let derived = derive_secret(log, Name::DerivedFromHandshake, (Name::HandshakeSecret, &self.0), "derived", &TranscriptHash::empty());
        MasterSecret(extract(
            log,
            Name::MasterSecret,
            (KeyInput::Secret(Name::DerivedFromHandshake), &derived.0),
            (KeyInput::Zeros, &[0u8; HASH_LEN]),
        ))
    }
}

pub struct MasterSecret(SecretBytes);

impl MasterSecret {
    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ClientApplicationTraffic(0);
        TrafficSecret { name, secret: derive_secret(log, name, (Name::MasterSecret, &self.0), "c ap traffic", th) }
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        let name = Name::ServerApplicationTraffic(0);
        TrafficSecret { name, secret: derive_secret(log, name, (Name::MasterSecret, &self.0), "s ap traffic", th) }
    }

    pub fn exporter(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> SecretBytes {
        derive_secret(log, Name::ExporterMaster, (Name::MasterSecret, &self.0), "exp master", th)
    }

    /// The resumption master secret, over the transcript through the client's Finished; the
    /// master secret itself is consumed (and zeroed).
    pub fn into_resumption(self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> ResumptionMaster {
        ResumptionMaster(derive_secret(log, Name::ResumptionMaster, (Name::MasterSecret, &self.0), "res master", th))
    }
}

/// RFC 8446 §7.1 resumption_master_secret: what tickets' PSKs are derived from.
pub struct ResumptionMaster(SecretBytes);

impl ResumptionMaster {
    /// RFC 8446 §4.6.1: the PSK of ticket number `n`, whose ticket_nonce is `nonce`.
    pub fn ticket_psk(&self, log: &mut Vec<Derivation>, n: u32, nonce: &[u8]) -> SecretBytes {
        let out = to_secret(hkdf_expand_label(&self.0 .0, "resumption", nonce, HASH_LEN));
        log.push(Derivation {
            output: Output::Secret(Name::TicketPsk(n)),
            hkdf: Hkdf::ExpandLabel {
                secret: Name::ResumptionMaster,
                label: "resumption".into(),
                context: Bytes(nonce.to_vec()),
                context_is: ExpandContext::TicketNonce,
                length: HASH_LEN,
            },
            value: Bytes(out.0.to_vec()),
        });
        out
    }
}

/// A traffic secret and what RFC 8446 §7.3 and §4.4.4 derive from it. Zeroed when dropped.
#[derive(Clone)]
pub struct TrafficSecret {
    pub name: Name,
    pub secret: SecretBytes,
}

/// RFC 8446 §7.3 traffic key and IV. Zeroed when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TrafficKeys {
    #[zeroize(skip)]
    pub secret: Name,
    pub key: [u8; KEY_LEN],
    pub iv: [u8; IV_LEN],
}

impl TrafficSecret {
    fn expand(&self, log: &mut Vec<Derivation>, output: Output, label: &str, len: usize) -> Vec<u8> {
        let v = hkdf_expand_label(&self.secret.0, label, b"", len);
        log.push(Derivation {
            output,
            hkdf: Hkdf::ExpandLabel {
                secret: self.name,
                label: label.into(),
                context: Bytes(Vec::new()),
                context_is: ExpandContext::Empty,
                length: len,
            },
            value: Bytes(v.clone()),
        });
        v
    }

    pub fn keys(&self, log: &mut Vec<Derivation>) -> TrafficKeys {
        let mut k = self.expand(log, Output::Key(self.name), "key", KEY_LEN);
        let mut i = self.expand(log, Output::Iv(self.name), "iv", IV_LEN);
        let mut key = [0u8; KEY_LEN];
        let mut iv = [0u8; IV_LEN];
        key.copy_from_slice(&k);
        iv.copy_from_slice(&i);
        k.zeroize();
        i.zeroize();
        TrafficKeys { secret: self.name, key, iv }
    }

    pub fn finished_key(&self, log: &mut Vec<Derivation>) -> SecretBytes {
        to_secret(self.expand(log, Output::FinishedKey(self.name), "finished", HASH_LEN))
    }

    /// RFC 8446 §7.2: application_traffic_secret_N+1. `None` for a secret that has no next
    /// generation (a handshake traffic secret, or generation 2^32 - 1).
    pub fn next(&self, log: &mut Vec<Derivation>) -> Option<TrafficSecret> {
        let name = self.name.next_generation()?;
        let v = self.expand(log, Output::Secret(name), "traffic upd", HASH_LEN);
        Some(TrafficSecret { name, secret: to_secret(v) })
    }
}

/// RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)).
pub fn verify_data(finished_key: &SecretBytes, th: &TranscriptHash) -> [u8; HASH_LEN] {
    hmac_sha256(&finished_key.0, &th.hash)
}
