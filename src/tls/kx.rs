//! RFC 8446 §4.2.8.2 (EC)DHE: secp256r1, X25519 (RFC 7748) where the `x25519` feature is on, and
//! the hybrids X25519MLKEM768 and SecP256r1MLKEM768 (draft-ietf-tls-ecdhe-mlkem, ML-KEM-768 from
//! FIPS 203) where the `mlkem` feature is on.

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};

use super::codec::Bytes;
use super::conn::Common;
use super::enums::NamedGroup;
use super::error::Error;
use super::events::{Event, KeyPart, KeyPartKind};

/// The groups this build can do a key exchange in, in the engine's order of preference.
pub const SUPPORTED: &[NamedGroup] = &[
    #[cfg(feature = "mlkem")]
    NamedGroup::X25519MLKEM768,
    #[cfg(feature = "x25519")]
    NamedGroup::x25519,
    #[cfg(feature = "mlkem")]
    NamedGroup::SecP256r1MLKEM768,
    NamedGroup::secp256r1,
];

/// Whether this build can do a key exchange in `group`.
pub fn supports(group: NamedGroup) -> bool {
    SUPPORTED.contains(&group)
}

/// FIPS 203 §8 table 3, ML-KEM-768: the encapsulation key and ciphertext sizes.
pub const MLKEM768_EK_LEN: usize = 1184;
pub const MLKEM768_CT_LEN: usize = 1088;

/// draft-ietf-tls-ecdhe-mlkem §4.1: how a hybrid group lays out its shares and shared secret.
/// X25519MLKEM768 puts the ML-KEM part first everywhere, SecP256r1MLKEM768 the ECDH part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hybrid {
    /// The ECDH component.
    pub ecdh: NamedGroup,
    pub mlkem_first: bool,
    /// The ECDH public key's length: 32 for X25519, 65 for an uncompressed P-256 point.
    pub ecdh_len: usize,
}

/// The layout of a hybrid group, `None` for a plain (EC)DH group.
pub fn hybrid(group: NamedGroup) -> Option<Hybrid> {
    match group {
        NamedGroup::X25519MLKEM768 => Some(Hybrid { ecdh: NamedGroup::x25519, mlkem_first: true, ecdh_len: 32 }),
        NamedGroup::SecP256r1MLKEM768 => Some(Hybrid { ecdh: NamedGroup::secp256r1, mlkem_first: false, ecdh_len: 65 }),
        _ => None,
    }
}

impl Hybrid {
    /// The two components' bytes in this group's order, with their parts.
    fn join(&self, mlkem: (KeyPartKind, &[u8]), ecdh: (KeyPartKind, &[u8])) -> (Vec<u8>, Vec<KeyPart>) {
        let m = (NamedGroup::MLKEM768, mlkem.0, mlkem.1);
        let e = (self.ecdh, ecdh.0, ecdh.1);
        let ordered = if self.mlkem_first { [m, e] } else { [e, m] };
        let mut whole = Vec::new();
        let mut parts = Vec::new();
        for (component, kind, bytes) in ordered {
            parts.push(KeyPart { component, kind, offset: whole.len(), value: Bytes(bytes.to_vec()) });
            whole.extend_from_slice(bytes);
        }
        (whole, parts)
    }

    /// Split a share whose ML-KEM part is `mlkem_len` bytes into (ML-KEM part, ECDH part),
    /// refusing any other total length (draft-ietf-tls-ecdhe-mlkem §4.1: illegal_parameter).
    fn split<'a>(&self, share: &'a [u8], mlkem_len: usize) -> Result<(&'a [u8], &'a [u8]), Error> {
        if share.len() != mlkem_len + self.ecdh_len {
            return Err(Error::IllegalParameter("a hybrid key share of the wrong length"));
        }
        Ok(if self.mlkem_first {
            share.split_at(mlkem_len)
        } else {
            let (e, m) = share.split_at(self.ecdh_len);
            (m, e)
        })
    }
}

/// The parts of a key share for `group` as the trace names them (empty for a plain group, or a
/// share of the wrong length): a client's share (`from_client`) holds an encapsulation key, a
/// server's a ciphertext.
pub fn share_parts(group: NamedGroup, share: &[u8], from_client: bool) -> Vec<KeyPart> {
    let Some(h) = hybrid(group) else { return Vec::new() };
    let (len, kind) =
        if from_client { (MLKEM768_EK_LEN, KeyPartKind::EncapsulationKey) } else { (MLKEM768_CT_LEN, KeyPartKind::Ciphertext) };
    match h.split(share, len) {
        Ok((m, e)) => h.join((kind, m), (KeyPartKind::PublicKey, e)).1,
        Err(_) => Vec::new(),
    }
}

enum Private {
    P256(SecretKey),
    /// RFC 7748 §5: 32 random bytes (clamped by the X25519 function itself), zeroed when dropped.
    #[cfg(feature = "x25519")]
    X25519(zeroize::Zeroizing<[u8; 32]>),
    /// A client's hybrid key: the ECDH key and the ML-KEM decapsulation key (zeroed when dropped).
    #[cfg(feature = "mlkem")]
    Hybrid(Hybrid, Box<Private>, Box<ml_kem::DecapsulationKey768>),
}

/// An ephemeral key pair. This is a teaching tool: the trace shows the private key too.
pub struct KeyExchange {
    pub group: NamedGroup,
    secret: Private,
    pub public: Vec<u8>,
}

/// A fresh ECDH key of `group` (X25519 where the feature is on, P-256 otherwise): the key, its
/// private bytes, its public key.
fn ecdh_generate(common: &mut Common, group: NamedGroup) -> (Private, Vec<u8>, Vec<u8>) {
    #[cfg(feature = "x25519")]
    if group == NamedGroup::x25519 {
        let private = zeroize::Zeroizing::new(common.random::<32>());
        let public = x25519(*private, X25519_BASE_POINT).to_vec();
        let bytes = private.to_vec();
        return (Private::X25519(private), bytes, public);
    }
    let _ = group;
    let secret = super::x509::issue::generate_key(&mut common.rng);
    let public = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
    let bytes = secret.to_bytes().to_vec();
    (Private::P256(secret), bytes, public)
}

/// The ECDH shared secret of a private key and the peer's public key (RFC 8446 §7.4).
fn ecdh_agree(private: &Private, peer: &[u8]) -> Result<Vec<u8>, Error> {
    match private {
        Private::P256(secret) => Ok(secret.diffie_hellman(&parse_public(peer)?).raw_secret_bytes().to_vec()),
        #[cfg(feature = "x25519")]
        Private::X25519(private) => {
            let u: [u8; 32] = peer.try_into().map_err(|_| Error::IllegalParameter("an X25519 key share must be 32 bytes"))?;
            let shared = x25519(**private, u);
            if ct_eq(&shared, &[0u8; 32]) {
                return Err(Error::IllegalParameter("the X25519 shared secret is all zeros (a low-order key share)"));
            }
            Ok(shared.to_vec())
        }
        #[cfg(feature = "mlkem")]
        Private::Hybrid(..) => Err(Error::Internal("a hybrid key inside a hybrid")),
    }
}

impl KeyExchange {
    /// A fresh key pair for `group`, which must be one of [`SUPPORTED`] (secp256r1 otherwise).
    /// For a hybrid this is the client's side: an ML-KEM-768 key pair from a 64-byte seed
    /// (FIPS 203 §7.1 ML-KEM.KeyGen_internal(d, z)) and an ECDH key pair.
    pub fn generate(common: &mut Common, group: NamedGroup) -> Self {
        #[cfg(feature = "mlkem")]
        if let Some(h) = hybrid(group) {
            let seed = zeroize::Zeroizing::new(common.random::<64>());
            let (dk, ek) = mlkem768_key_pair(&seed);
            let (ecdh, ecdh_private, ecdh_public) = ecdh_generate(common, h.ecdh);
            let (public, public_parts) = h.join((KeyPartKind::EncapsulationKey, &ek), (KeyPartKind::PublicKey, &ecdh_public));
            let (private, private_parts) = h.join((KeyPartKind::DecapsulationKeySeed, &seed[..]), (KeyPartKind::PrivateKey, &ecdh_private));
            common.events.push(Event::KeyPair {
                group,
                private_key: Bytes(private),
                public_key: Bytes(public.clone()),
                private_parts,
                public_parts,
            });
            return KeyExchange { group, secret: Private::Hybrid(h, Box::new(ecdh), Box::new(dk)), public };
        }
        let group = if supports(group) && hybrid(group).is_none() { group } else { NamedGroup::secp256r1 };
        let (secret, private, public) = ecdh_generate(common, group);
        common.events.push(Event::KeyPair {
            group,
            private_key: Bytes(private),
            public_key: Bytes(public.clone()),
            private_parts: Vec::new(),
            public_parts: Vec::new(),
        });
        KeyExchange { group, secret, public }
    }

    pub fn from_secret(common: &mut Common, secret: SecretKey) -> Self {
        let public = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
        common.events.push(Event::KeyPair {
            group: NamedGroup::secp256r1,
            private_key: Bytes(secret.to_bytes().to_vec()),
            public_key: Bytes(public.clone()),
            private_parts: Vec::new(),
            public_parts: Vec::new(),
        });
        KeyExchange { group: NamedGroup::secp256r1, secret: Private::P256(secret), public }
    }

    /// Check the server's key share for this key's group (RFC 8446 §4.2.8.2: a P-256 point on
    /// the curve in uncompressed form; an X25519 share is 32 bytes; a hybrid's is the ML-KEM
    /// ciphertext and the ECDH share, each of its length).
    pub fn check_peer(&self, peer: &[u8]) -> Result<(), Error> {
        #[cfg(feature = "mlkem")]
        if let Some(h) = hybrid(self.group) {
            let (_, e) = h.split(peer, MLKEM768_CT_LEN)?;
            return check_public(h.ecdh, e);
        }
        check_public(self.group, peer)
    }

    /// The shared secret (RFC 8446 §7.4): for P-256 the x coordinate of the ECDH point, for X25519
    /// the X25519 function's output, which must not be all zeros (§7.4.2); for a hybrid, the
    /// client decapsulates the server's ciphertext (FIPS 203 §7.3) and joins the two secrets in the
    /// group's order. This consumes the key pair: the private key is needed for nothing else and
    /// is zeroed when dropped, so the side keeps no way to recompute this secret (forward secrecy).
    pub fn agree(self, common: &mut Common, peer: &[u8]) -> Result<Vec<u8>, Error> {
        let group = self.group;
        let (shared, parts) = match &self.secret {
            #[cfg(feature = "mlkem")]
            Private::Hybrid(h, ecdh, dk) => {
                let (ct, e) = h.split(peer, MLKEM768_CT_LEN)?;
                let ecdh_shared = ecdh_agree(ecdh, e)?;
                let k = mlkem768_decapsulate(dk, ct)?;
                h.join((KeyPartKind::SharedSecret, &k), (KeyPartKind::SharedSecret, &ecdh_shared))
            }
            other => (ecdh_agree(other, peer)?, Vec::new()),
        };
        common.events.push(Event::SharedSecret { group, value: Bytes(shared.clone()), parts });
        drop(self);
        common.events.push(Event::EphemeralKeyErased { group });
        Ok(shared)
    }

    /// Erase a key the peer did not choose (a second key share the server passed over).
    pub fn discard(self, common: &mut Common) {
        let group = self.group;
        drop(self);
        common.events.push(Event::EphemeralKeyErased { group });
    }
}

/// The server's side of the key exchange for `group` with the client's share `peer` (already
/// checked with [`check_public`]): its own key share and the shared secret. For (EC)DH a fresh
/// key pair and the agreement; for a hybrid, an ECDH key pair and ML-KEM.Encaps to the client's
/// encapsulation key with 32 fresh random bytes m (FIPS 203 §7.2), the server's share being the
/// ciphertext and its ECDH public key in the group's order.
pub fn respond(common: &mut Common, group: NamedGroup, peer: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    #[cfg(feature = "mlkem")]
    if let Some(h) = hybrid(group) {
        let (ek, e) = h.split(peer, MLKEM768_EK_LEN)?;
        let (ecdh, ecdh_private, ecdh_public) = ecdh_generate(common, h.ecdh);
        let m = zeroize::Zeroizing::new(common.random::<32>());
        let (ct, k) = mlkem768_encapsulate(ek, &m)?;
        let (public, public_parts) = h.join((KeyPartKind::Ciphertext, &ct), (KeyPartKind::PublicKey, &ecdh_public));
        let (private, private_parts) = h.join((KeyPartKind::EncapsulationRandomness, &m[..]), (KeyPartKind::PrivateKey, &ecdh_private));
        common.events.push(Event::KeyPair {
            group,
            private_key: Bytes(private),
            public_key: Bytes(public.clone()),
            private_parts,
            public_parts,
        });
        let ecdh_shared = ecdh_agree(&ecdh, e)?;
        drop(ecdh);
        let (shared, parts) = h.join((KeyPartKind::SharedSecret, &k), (KeyPartKind::SharedSecret, &ecdh_shared));
        common.events.push(Event::SharedSecret { group, value: Bytes(shared.clone()), parts });
        common.events.push(Event::EphemeralKeyErased { group });
        return Ok((public, shared));
    }
    let key = KeyExchange::generate(common, group);
    let public = key.public.clone();
    Ok((public, key.agree(common, peer)?))
}

/// FIPS 203 §6.1 ML-KEM.KeyGen_internal(d, z) from the 64 bytes `d ‖ z`: the decapsulation key
/// and the encoded encapsulation key (1184 bytes).
#[cfg(feature = "mlkem")]
pub fn mlkem768_key_pair(d_z: &[u8; 64]) -> (ml_kem::DecapsulationKey768, Vec<u8>) {
    use ml_kem::KeyExport;
    let dk = ml_kem::DecapsulationKey768::from_seed((*d_z).into());
    let ek = dk.encapsulation_key().to_bytes().to_vec();
    (dk, ek)
}

/// FIPS 203 §7.2 ML-KEM.Encaps with the randomness `m` (§6.2 ML-KEM.Encaps_internal(ek, m)),
/// after the input check of `ek`: the ciphertext (1088 bytes) and the shared key K.
#[cfg(feature = "mlkem")]
pub fn mlkem768_encapsulate(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, [u8; 32]), Error> {
    let (ct, k) = parse_encapsulation_key(ek)?.encapsulate_deterministic(&(*m).into());
    Ok((ct.to_vec(), k.into()))
}

/// FIPS 203 §7.3 ML-KEM.Decaps: the shared key for a 1088-byte ciphertext (a wrong one gives the
/// implicit-rejection key, not an error).
#[cfg(feature = "mlkem")]
pub fn mlkem768_decapsulate(dk: &ml_kem::DecapsulationKey768, ct: &[u8]) -> Result<[u8; 32], Error> {
    use ml_kem::Decapsulate;
    let ct = ml_kem::Ciphertext::<ml_kem::MlKem768>::try_from(ct)
        .map_err(|_| Error::IllegalParameter("an ML-KEM-768 ciphertext must be 1088 bytes"))?;
    Ok(dk.decapsulate(&ct).into())
}

/// FIPS 203 §7.2 input checking of an encapsulation key: 1184 bytes whose coefficients all
/// decode below q (the modulus check); draft-ietf-tls-ecdhe-mlkem §4.1: illegal_parameter.
#[cfg(feature = "mlkem")]
fn parse_encapsulation_key(ek: &[u8]) -> Result<ml_kem::EncapsulationKey768, Error> {
    let bad = || Error::IllegalParameter("the ML-KEM-768 encapsulation key fails the FIPS 203 modulus check");
    let key = ml_kem::Key::<ml_kem::EncapsulationKey768>::try_from(ek).map_err(|_| bad())?;
    ml_kem::EncapsulationKey768::new(&key).map_err(|_| bad())
}

/// RFC 7748 §5: the X25519 function of a private scalar (clamped here) and a u-coordinate.
#[cfg(feature = "x25519")]
pub fn x25519(private: [u8; 32], u: [u8; 32]) -> [u8; 32] {
    x25519_dalek::x25519(private, u)
}

/// RFC 7748 §6.1: the u-coordinate 9 of the X25519 base point, for a public key.
#[cfg(feature = "x25519")]
pub const X25519_BASE_POINT: [u8; 32] = x25519_dalek::X25519_BASEPOINT_BYTES;

/// Check a key share for `group` (see [`KeyExchange::check_peer`]); for a hybrid, a client's
/// share: the encapsulation key passes FIPS 203's checks and the ECDH share RFC 8446's.
pub fn check_public(group: NamedGroup, bytes: &[u8]) -> Result<(), Error> {
    #[cfg(feature = "mlkem")]
    if let Some(h) = hybrid(group) {
        let (ek, e) = h.split(bytes, MLKEM768_EK_LEN)?;
        check_public(h.ecdh, e)?;
        return parse_encapsulation_key(ek).map(|_| ());
    }
    #[cfg(feature = "x25519")]
    if group == NamedGroup::x25519 {
        return if bytes.len() == 32 { Ok(()) } else { Err(Error::IllegalParameter("an X25519 key share must be 32 bytes")) };
    }
    let _ = group;
    parse_public(bytes).map(|_| ())
}

/// RFC 8446 §4.2.8.2: only the uncompressed form `04 || X || Y` of a point on the curve.
pub fn parse_public(bytes: &[u8]) -> Result<PublicKey, Error> {
    if bytes.len() != 65 || bytes[0] != 4 {
        return Err(Error::IllegalParameter("a P-256 key share must be an uncompressed 65-byte point"));
    }
    PublicKey::from_sec1_bytes(bytes).map_err(|_| Error::IllegalParameter("the key share is not a point on P-256"))
}

/// Constant-time comparison for Finished values.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(all(test, feature = "x25519"))]
mod tests {
    use super::*;
    use crate::tls::conn::RecordOptions;
    use crate::tls::events::{Endpoint, Phase};
    use rand_core::SeedableRng;

    fn unhex(s: &str) -> [u8; 32] {
        let v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
        v.try_into().unwrap()
    }

    /// RFC 7748 §6.1: Alice's and Bob's key pairs and their shared secret.
    #[test]
    fn x25519_gives_the_rfc_7748_keys_and_shared_secret() {
        let a = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let b = unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        let a_pub = x25519(a, X25519_BASE_POINT);
        let b_pub = x25519(b, X25519_BASE_POINT);
        assert_eq!(a_pub, unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        assert_eq!(b_pub, unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
        let k = unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(x25519(a, b_pub), k);
        assert_eq!(x25519(b, a_pub), k);
    }

    fn common() -> Common {
        Common::new(rand_chacha::ChaCha20Rng::from_seed([7; 32]), Endpoint::Client, Phase::Start, RecordOptions::default())
    }

    #[test]
    fn an_x25519_share_of_the_wrong_length_or_of_low_order_is_refused() {
        let mut c = common();
        let key = KeyExchange::generate(&mut c, NamedGroup::x25519);
        assert_eq!(key.public.len(), 32);
        assert!(matches!(key.check_peer(&[9; 31]), Err(Error::IllegalParameter(_))));
        assert!(matches!(key.check_peer(&[9; 33]), Err(Error::IllegalParameter(_))));
        // u = 0 has order 1: the shared secret is all zeros, which RFC 8446 §7.4.2 forbids.
        assert!(matches!(key.agree(&mut c, &[0; 32]), Err(Error::IllegalParameter(_))));
        // Two fresh key pairs agree, and the private key is erased after use.
        let (x, y) = (KeyExchange::generate(&mut c, NamedGroup::x25519), KeyExchange::generate(&mut c, NamedGroup::x25519));
        let (xp, yp) = (x.public.clone(), y.public.clone());
        assert_eq!(x.agree(&mut c, &yp).unwrap(), y.agree(&mut c, &xp).unwrap());
        assert!(c.events.iter().any(|e| matches!(e, Event::EphemeralKeyErased { group: NamedGroup::x25519 })));
    }
}
