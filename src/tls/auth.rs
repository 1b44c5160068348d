//! RFC 8446 §4.4.3 CertificateVerify: what is signed, signing it, and checking it. Client and
//! server both use this (the server signs, the client checks; with client certificates, the other
//! way round too).

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

use super::enums::SignatureScheme;
use super::events::Endpoint;
use super::x509::ecdsa::{ecdsa_signature_from_der, ecdsa_signature_to_der};

/// The one signature scheme this engine signs and checks with.
pub const SCHEME: SignatureScheme = SignatureScheme::ecdsa_secp256r1_sha256;

/// RFC 8446 §4.4.3: the context string of the signer's role.
pub fn context(signer: Endpoint) -> &'static [u8] {
    match signer {
        Endpoint::Server => b"TLS 1.3, server CertificateVerify",
        Endpoint::Client => b"TLS 1.3, client CertificateVerify",
    }
}

/// RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
pub fn signed_content(transcript_hash: &[u8], signer: Endpoint) -> Vec<u8> {
    let mut c = vec![0x20u8; 64];
    c.extend_from_slice(context(signer));
    c.push(0);
    c.extend_from_slice(transcript_hash);
    c
}

/// Sign `content` with ECDSA P-256 / SHA-256; the signature in DER, as TLS carries it.
pub fn sign(key: &SigningKey, content: &[u8]) -> Vec<u8> {
    let sig: Signature = key.sign(content);
    ecdsa_signature_to_der(&sig)
}

/// Whether `signature` (DER) over `content` verifies with `key`.
pub fn verify(key: &VerifyingKey, content: &[u8], signature: &[u8]) -> bool {
    ecdsa_signature_from_der(signature).is_some_and(|s| key.verify(content, &s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_content_starts_with_64_spaces_and_names_the_signer() {
        let c = signed_content(&[7; 32], Endpoint::Server);
        assert_eq!(&c[..64], &[0x20; 64][..]);
        assert_eq!(&c[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(c[97], 0);
        assert_eq!(&c[98..], &[7; 32][..]);
        assert_ne!(signed_content(&[7; 32], Endpoint::Client), c);
    }
}
