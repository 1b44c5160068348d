//! RFC 8446 §4.2.8.2 ECDHE on secp256r1.

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};

use super::codec::Bytes;
use super::conn::Common;
use super::enums::NamedGroup;
use super::error::Error;
use super::events::Event;

/// An ephemeral key pair. This is a teaching tool: the trace shows the private key too.
pub struct KeyExchange {
    secret: SecretKey,
    pub public: Vec<u8>,
}

impl KeyExchange {
    pub fn generate(common: &mut Common) -> Self {
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
        KeyExchange { secret, public }
    }

    /// The shared secret: the x coordinate of the ECDH point (RFC 8446 §7.4.2). This consumes the
    /// key pair: the private key is needed for nothing else, and `SecretKey` zeroes itself when
    /// dropped, so the side keeps no way to recompute this secret (forward secrecy).
    pub fn agree(self, common: &mut Common, peer: &PublicKey) -> Vec<u8> {
        let shared = self.secret.diffie_hellman(peer).raw_secret_bytes().to_vec();
        common.events.push(Event::SharedSecret { group: NamedGroup::secp256r1, value: Bytes(shared.clone()) });
        drop(self);
        common.events.push(Event::EphemeralKeyErased { group: NamedGroup::secp256r1 });
        shared
    }
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
