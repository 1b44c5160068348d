//! RFC 8446 §7.1 key schedule as a chain of types: each stage is consumed by the next, so a
//! secret can only be used once the one it comes from was derived.
//!
//! ```text
//!              0
//!              |
//!              v
//!    PSK ->  HKDF-Extract = Early Secret
//!              |
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!   (EC)DHE -> HKDF-Extract = Handshake Secret
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
//! Every derivation is logged as a [`Derivation`] with its inputs, for the trace.

use super::codec::Bytes;
use super::crypto::{hkdf_expand_label, hkdf_extract, hmac_sha256, sha256, HASH_LEN, IV_LEN, KEY_LEN};
use super::events::Derivation;
use super::transcript::TranscriptHash;

type Secret = [u8; HASH_LEN];

fn to_secret(v: Vec<u8>) -> Secret {
    let mut s = [0u8; HASH_LEN];
    let n = v.len().min(HASH_LEN);
    s[..n].copy_from_slice(&v[..n]);
    s
}

/// RFC 8446 §7.1 Derive-Secret(Secret, Label, Messages).
fn derive_secret(
    log: &mut Vec<Derivation>,
    name: &str,
    from: (&str, &Secret),
    label: &str,
    th: &TranscriptHash,
) -> Secret {
    let out = to_secret(hkdf_expand_label(from.1, label, &th.hash, HASH_LEN));
    log.push(Derivation {
        name: name.into(),
        function: "Derive-Secret".into(),
        from: from.0.into(),
        label: label.into(),
        transcript_hash: Some(Bytes(th.hash.to_vec())),
        covers: th.covers.clone(),
        value: Bytes(out.to_vec()),
    });
    out
}

fn extract(log: &mut Vec<Derivation>, name: &str, salt: (&str, &[u8]), ikm: (&str, &[u8])) -> Secret {
    let out = hkdf_extract(salt.1, ikm.1);
    log.push(Derivation {
        name: name.into(),
        function: "HKDF-Extract".into(),
        from: format!("salt = {}, IKM = {}", salt.0, ikm.0),
        label: String::new(),
        transcript_hash: None,
        covers: Vec::new(),
        value: Bytes(out.to_vec()),
    });
    out
}

/// The transcript hash of no messages, for the "derived" steps.
fn empty_hash() -> TranscriptHash {
    TranscriptHash { hash: sha256(b""), covers: Vec::new() }
}

pub struct EarlySecret(Secret);

impl EarlySecret {
    /// HKDF-Extract(0, 0): no PSK in a full handshake.
    pub fn new(log: &mut Vec<Derivation>) -> Self {
        EarlySecret(extract(log, "early_secret", ("0", &[0u8; HASH_LEN]), ("0 (no PSK)", &[0u8; HASH_LEN])))
    }

    /// Mix in the (EC)DHE shared secret.
    pub fn into_handshake_secret(self, log: &mut Vec<Derivation>, ecdhe: &[u8]) -> HandshakeSecret {
        let derived = derive_secret(log, "derived (from early)", ("early_secret", &self.0), "derived", &empty_hash());
        HandshakeSecret(extract(
            log,
            "handshake_secret",
            ("derived (from early)", &derived),
            ("ECDHE shared secret", ecdhe),
        ))
    }
}

pub struct HandshakeSecret(Secret);

impl HandshakeSecret {
    /// RFC 8446 test vectors inject the handshake secret directly.
    pub fn from_raw(s: Secret) -> Self {
        HandshakeSecret(s)
    }

    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        TrafficSecret::new(
            "client_handshake_traffic_secret",
            derive_secret(log, "client_handshake_traffic_secret", ("handshake_secret", &self.0), "c hs traffic", th),
        )
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        TrafficSecret::new(
            "server_handshake_traffic_secret",
            derive_secret(log, "server_handshake_traffic_secret", ("handshake_secret", &self.0), "s hs traffic", th),
        )
    }

    pub fn into_master_secret(self, log: &mut Vec<Derivation>) -> MasterSecret {
        let derived = derive_secret(log, "derived (from handshake)", ("handshake_secret", &self.0), "derived", &empty_hash());
        MasterSecret(extract(log, "master_secret", ("derived (from handshake)", &derived), ("0", &[0u8; HASH_LEN])))
    }
}

pub struct MasterSecret(Secret);

impl MasterSecret {
    pub fn client_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        TrafficSecret::new(
            "client_application_traffic_secret_0",
            derive_secret(log, "client_application_traffic_secret_0", ("master_secret", &self.0), "c ap traffic", th),
        )
    }

    pub fn server_traffic(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> TrafficSecret {
        TrafficSecret::new(
            "server_application_traffic_secret_0",
            derive_secret(log, "server_application_traffic_secret_0", ("master_secret", &self.0), "s ap traffic", th),
        )
    }

    pub fn exporter(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> Secret {
        derive_secret(log, "exporter_master_secret", ("master_secret", &self.0), "exp master", th)
    }

    pub fn resumption(&self, log: &mut Vec<Derivation>, th: &TranscriptHash) -> Secret {
        derive_secret(log, "resumption_master_secret", ("master_secret", &self.0), "res master", th)
    }
}

/// RFC 8446 §4.6.1: the PSK a ticket stands for.
pub fn ticket_psk(log: &mut Vec<Derivation>, resumption_master: &Secret, nonce: &[u8]) -> Secret {
    let out = to_secret(hkdf_expand_label(resumption_master, "resumption", nonce, HASH_LEN));
    log.push(Derivation {
        name: "ticket PSK".into(),
        function: "HKDF-Expand-Label".into(),
        from: "resumption_master_secret".into(),
        label: "resumption".into(),
        transcript_hash: Some(Bytes(nonce.to_vec())),
        covers: vec!["ticket_nonce".into()],
        value: Bytes(out.to_vec()),
    });
    out
}

/// A traffic secret and what RFC 8446 §7.3 and §4.4.4 derive from it.
#[derive(Clone)]
pub struct TrafficSecret {
    pub name: String,
    pub secret: Secret,
}

/// RFC 8446 §7.3 traffic key and IV.
#[derive(Clone)]
pub struct TrafficKeys {
    pub secret_name: String,
    pub key: [u8; KEY_LEN],
    pub iv: [u8; IV_LEN],
}

impl TrafficSecret {
    pub fn new(name: &str, secret: Secret) -> Self {
        TrafficSecret { name: name.into(), secret }
    }

    fn expand(&self, log: &mut Vec<Derivation>, name: String, label: &str, len: usize) -> Vec<u8> {
        let v = hkdf_expand_label(&self.secret, label, b"", len);
        log.push(Derivation {
            name,
            function: "HKDF-Expand-Label".into(),
            from: self.name.clone(),
            label: label.into(),
            transcript_hash: None,
            covers: Vec::new(),
            value: Bytes(v.clone()),
        });
        v
    }

    pub fn keys(&self, log: &mut Vec<Derivation>) -> TrafficKeys {
        let k = self.expand(log, format!("{} key", self.name), "key", KEY_LEN);
        let i = self.expand(log, format!("{} iv", self.name), "iv", IV_LEN);
        let mut key = [0u8; KEY_LEN];
        let mut iv = [0u8; IV_LEN];
        key.copy_from_slice(&k);
        iv.copy_from_slice(&i);
        TrafficKeys { secret_name: self.name.clone(), key, iv }
    }

    pub fn finished_key(&self, log: &mut Vec<Derivation>) -> Secret {
        to_secret(self.expand(log, format!("{} finished_key", self.name), "finished", HASH_LEN))
    }

    /// RFC 8446 §7.2: application_traffic_secret_N+1.
    pub fn next(&self, log: &mut Vec<Derivation>) -> TrafficSecret {
        let name = match self.name.rsplit_once('_') {
            Some((base, n)) => format!("{base}_{}", n.parse::<u64>().map(|n| n + 1).unwrap_or(1)),
            None => format!("{}+1", self.name),
        };
        let v = self.expand(log, name.clone(), "traffic upd", HASH_LEN);
        TrafficSecret::new(&name, to_secret(v))
    }
}

/// RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)).
pub fn verify_data(finished_key: &Secret, th: &TranscriptHash) -> [u8; HASH_LEN] {
    hmac_sha256(finished_key, &th.hash)
}
