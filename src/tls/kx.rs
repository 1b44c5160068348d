//! RFC 8446 §4.2.8.2 (EC)DHE: secp256r1, and X25519 (RFC 7748) where the `x25519` feature is on.

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};

use super::codec::Bytes;
use super::conn::Common;
use super::enums::NamedGroup;
use super::error::Error;
use super::events::Event;

/// The groups this build can do a key exchange in, in the engine's order of preference.
pub const SUPPORTED: &[NamedGroup] = &[
    #[cfg(feature = "x25519")]
    NamedGroup::x25519,
    NamedGroup::secp256r1,
];

/// Whether this build can do a key exchange in `group`.
pub fn supports(group: NamedGroup) -> bool {
    SUPPORTED.contains(&group)
}

enum Private {
    P256(SecretKey),
    /// RFC 7748 §5: 32 random bytes (clamped by the X25519 function itself), zeroed when dropped.
    #[cfg(feature = "x25519")]
    X25519(zeroize::Zeroizing<[u8; 32]>),
}

/// An ephemeral key pair. This is a teaching tool: the trace shows the private key too.
pub struct KeyExchange {
    pub group: NamedGroup,
    secret: Private,
    pub public: Vec<u8>,
}

impl KeyExchange {
    /// A fresh key pair for `group`, which must be one of [`SUPPORTED`] (secp256r1 otherwise).
    pub fn generate(common: &mut Common, group: NamedGroup) -> Self {
        #[cfg(feature = "x25519")]
        if group == NamedGroup::x25519 {
            let private = zeroize::Zeroizing::new(common.random::<32>());
            let public = x25519(*private, X25519_BASE_POINT).to_vec();
            common.events.push(Event::KeyPair { group, private_key: Bytes(private.to_vec()), public_key: Bytes(public.clone()) });
            return KeyExchange { group, secret: Private::X25519(private), public };
        }
        let _ = group;
        let secret = super::x509::issue::generate_key(&mut common.rng);
        Self::from_secret(common, secret)
    }

    pub fn from_secret(common: &mut Common, secret: SecretKey) -> Self {
        let public = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
        common.events.push(Event::KeyPair {
            group: NamedGroup::secp256r1,
            private_key: Bytes(secret.to_bytes().to_vec()),
            public_key: Bytes(public.clone()),
        });
        KeyExchange { group: NamedGroup::secp256r1, secret: Private::P256(secret), public }
    }

    /// Check the peer's key share for this key's group (RFC 8446 §4.2.8.2: a P-256 point on the
    /// curve in uncompressed form; an X25519 share is 32 bytes).
    pub fn check_peer(&self, peer: &[u8]) -> Result<(), Error> {
        check_public(self.group, peer)
    }

    /// The shared secret (RFC 8446 §7.4): for P-256 the x coordinate of the ECDH point, for X25519
    /// the X25519 function's output, which must not be all zeros (§7.4.2). This consumes the key
    /// pair: the private key is needed for nothing else and is zeroed when dropped, so the side
    /// keeps no way to recompute this secret (forward secrecy).
    pub fn agree(self, common: &mut Common, peer: &[u8]) -> Result<Vec<u8>, Error> {
        let group = self.group;
        let shared = match &self.secret {
            Private::P256(secret) => secret.diffie_hellman(&parse_public(peer)?).raw_secret_bytes().to_vec(),
            #[cfg(feature = "x25519")]
            Private::X25519(private) => {
                let u: [u8; 32] = peer.try_into().map_err(|_| Error::IllegalParameter("an X25519 key share must be 32 bytes"))?;
                let shared = x25519(**private, u);
                if ct_eq(&shared, &[0u8; 32]) {
                    return Err(Error::IllegalParameter("the X25519 shared secret is all zeros (a low-order key share)"));
                }
                shared.to_vec()
            }
        };
        common.events.push(Event::SharedSecret { group, value: Bytes(shared.clone()) });
        drop(self);
        common.events.push(Event::EphemeralKeyErased { group });
        Ok(shared)
    }
}

/// RFC 7748 §5: the X25519 function of a private scalar (clamped here) and a u-coordinate.
#[cfg(feature = "x25519")]
pub fn x25519(private: [u8; 32], u: [u8; 32]) -> [u8; 32] {
    x25519_dalek::x25519(private, u)
}

/// RFC 7748 §6.1: the u-coordinate 9 of the X25519 base point, for a public key.
#[cfg(feature = "x25519")]
pub const X25519_BASE_POINT: [u8; 32] = x25519_dalek::X25519_BASEPOINT_BYTES;

/// Check a key share for `group` (see [`KeyExchange::check_peer`]).
pub fn check_public(group: NamedGroup, bytes: &[u8]) -> Result<(), Error> {
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
