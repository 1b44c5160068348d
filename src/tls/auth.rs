//! RFC 8446 §4.4.3 CertificateVerify: what is signed, signing it, and checking it. Client and
//! server both use this (the server signs, the client checks; with client certificates, the other
//! way round too). The keys are ECDSA P-256 and, with the `rsa` feature, RSA (signing with
//! rsa_pss_rsae_sha256, RFC 8446 §4.2.3 and RFC 8017 §8.1).

use p256::ecdsa::signature::{Signer, Verifier};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use super::enums::SignatureScheme;
use super::error::Error;
use super::events::Endpoint;
use super::x509::ecdsa::{ecdsa_signature_from_der, ecdsa_signature_to_der};

/// The signature schemes this build signs and checks CertificateVerify with, in its order of
/// preference. rsa_pkcs1_* is never among them: RFC 8446 §4.2.3 forbids it in CertificateVerify.
pub const SUPPORTED: &[SignatureScheme] = &[
    SignatureScheme::ecdsa_secp256r1_sha256,
    #[cfg(feature = "rsa")]
    SignatureScheme::rsa_pss_rsae_sha256,
];

/// The kind of a certificate's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// id-ecPublicKey on prime256v1 (RFC 5480).
    EcdsaP256,
    /// rsaEncryption (RFC 8017 appendix A.1); the demo keys are 2048 bits.
    Rsa,
}

impl KeyType {
    /// The CertificateVerify schemes a key of this type can sign with (RFC 8446 §4.2.3), in its
    /// order of preference; none for RSA in a build without the `rsa` feature.
    pub fn schemes(self) -> &'static [SignatureScheme] {
        match self {
            KeyType::EcdsaP256 => &[SignatureScheme::ecdsa_secp256r1_sha256],
            #[cfg(feature = "rsa")]
            KeyType::Rsa => &[SignatureScheme::rsa_pss_rsae_sha256],
            #[cfg(not(feature = "rsa"))]
            KeyType::Rsa => &[],
        }
    }
}

/// A private key that signs CertificateVerify (and, in the demo PKI, certificates).
#[derive(Clone, Debug)]
pub enum SigningKey {
    EcdsaP256(p256::ecdsa::SigningKey),
    #[cfg(feature = "rsa")]
    Rsa(Box<rsa::PrivateKey>),
}

impl From<p256::ecdsa::SigningKey> for SigningKey {
    fn from(k: p256::ecdsa::SigningKey) -> Self {
        SigningKey::EcdsaP256(k)
    }
}

#[cfg(feature = "rsa")]
impl From<rsa::PrivateKey> for SigningKey {
    fn from(k: rsa::PrivateKey) -> Self {
        SigningKey::Rsa(Box::new(k))
    }
}

impl SigningKey {
    pub fn key_type(&self) -> KeyType {
        match self {
            SigningKey::EcdsaP256(_) => KeyType::EcdsaP256,
            #[cfg(feature = "rsa")]
            SigningKey::Rsa(_) => KeyType::Rsa,
        }
    }

    /// The ECDSA key, if this is one.
    pub fn as_p256(&self) -> Option<&p256::ecdsa::SigningKey> {
        match self {
            SigningKey::EcdsaP256(k) => Some(k),
            #[cfg(feature = "rsa")]
            SigningKey::Rsa(_) => None,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            SigningKey::EcdsaP256(k) => PublicKey::EcdsaP256(*k.verifying_key()),
            #[cfg(feature = "rsa")]
            SigningKey::Rsa(k) => PublicKey::Rsa(Box::new(k.to_public_key())),
        }
    }
}

/// A certificate's public key, as CertificateVerify is checked with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    EcdsaP256(p256::ecdsa::VerifyingKey),
    #[cfg(feature = "rsa")]
    Rsa(Box<rsa::PublicKey>),
}

impl PublicKey {
    pub fn key_type(&self) -> KeyType {
        match self {
            PublicKey::EcdsaP256(_) => KeyType::EcdsaP256,
            #[cfg(feature = "rsa")]
            PublicKey::Rsa(_) => KeyType::Rsa,
        }
    }
}

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

/// RFC 8446 §4.2.3, §4.4.3: the scheme a signer with `key` uses, the first of `preference`
/// (the signer's own order) that its key can do and `offered` (the peer's
/// signature_algorithms) contains.
pub fn choose(key: KeyType, preference: &[SignatureScheme], offered: &[SignatureScheme]) -> Option<SignatureScheme> {
    preference.iter().copied().find(|s| SUPPORTED.contains(s) && key.schemes().contains(s) && offered.contains(s))
}

/// The signature CertificateVerify carries: ECDSA's in DER; RSA-PSS (RFC 8017 §8.1) with
/// MGF1-SHA-256 and a salt as long as the hash (RFC 8446 §4.2.3), of the modulus' length.
#[cfg_attr(not(feature = "rsa"), allow(unused_variables))]
pub fn sign<R: CryptoRng + ?Sized>(key: &SigningKey, scheme: SignatureScheme, content: &[u8], rng: &mut R) -> Result<Vec<u8>, Error> {
    if !key.key_type().schemes().contains(&scheme) {
        return Err(Error::Internal("a signature scheme the key cannot do"));
    }
    match key {
        SigningKey::EcdsaP256(k) => {
            let sig: p256::ecdsa::Signature = k.sign(content);
            Ok(ecdsa_signature_to_der(&sig))
        }
        #[cfg(feature = "rsa")]
        SigningKey::Rsa(k) => {
            use rsa::signature::{RandomizedSigner, SignatureEncoding};
            let signer = rsa::pss::SigningKey::<sha2::Sha256>::new((**k).clone());
            let sig = signer.try_sign_with_rng(rng, content).map_err(|_| Error::Internal("RSA-PSS signing failed"))?;
            Ok(sig.to_vec())
        }
    }
}

/// Whether `signature` over `content` verifies with `key` under `scheme` (a scheme the key
/// cannot do never verifies).
pub fn verify(key: &PublicKey, scheme: SignatureScheme, content: &[u8], signature: &[u8]) -> bool {
    if !key.key_type().schemes().contains(&scheme) {
        return false;
    }
    match key {
        PublicKey::EcdsaP256(k) => ecdsa_signature_from_der(signature).is_some_and(|s| k.verify(content, &s).is_ok()),
        #[cfg(feature = "rsa")]
        PublicKey::Rsa(k) => rsa_pss_sha256_verify(k, content, signature),
    }
}

/// RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with SHA-256, MGF1-SHA-256 and a 32-byte salt; the
/// signature must be exactly as long as the modulus (RFC 8017 §8.1.2 step 1).
#[cfg(feature = "rsa")]
pub(crate) fn rsa_pss_sha256_verify(key: &rsa::PublicKey, content: &[u8], signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    if signature.len() != key.size() {
        return false;
    }
    let Ok(sig) = rsa::pss::Signature::try_from(signature) else { return false };
    rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_salt_len(key.clone(), 32).verify(content, &sig).is_ok()
}

/// RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2) with SHA-256: sha256WithRSAEncryption, the
/// signature of most of the web's certificates.
#[cfg(feature = "rsa")]
pub(crate) fn rsa_pkcs1_sha256_verify(key: &rsa::PublicKey, content: &[u8], signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    if signature.len() != key.size() {
        return false;
    }
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else { return false };
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone()).verify(content, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::enums::SignatureScheme as S;

    #[test]
    fn the_signed_content_starts_with_64_spaces_and_names_the_signer() {
        let c = signed_content(&[7; 32], Endpoint::Server);
        assert_eq!(&c[..64], &[0x20; 64][..]);
        assert_eq!(&c[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(c[97], 0);
        assert_eq!(&c[98..], &[7; 32][..]);
        assert_ne!(signed_content(&[7; 32], Endpoint::Client), c);
    }

    #[test]
    fn a_scheme_is_chosen_only_for_its_key_type_and_when_offered() {
        let both = [S::rsa_pss_rsae_sha256, S::ecdsa_secp256r1_sha256];
        assert_eq!(choose(KeyType::EcdsaP256, &both, &both), Some(S::ecdsa_secp256r1_sha256));
        assert_eq!(choose(KeyType::EcdsaP256, &both, &[S::rsa_pss_rsae_sha256]), None);
        // rsa_pkcs1_sha256 is never chosen for CertificateVerify (RFC 8446 §4.2.3).
        assert_eq!(choose(KeyType::Rsa, &[S::rsa_pkcs1_sha256], &[S::rsa_pkcs1_sha256]), None);
        #[cfg(feature = "rsa")]
        assert_eq!(choose(KeyType::Rsa, &both, &both), Some(S::rsa_pss_rsae_sha256));
        #[cfg(not(feature = "rsa"))]
        assert_eq!(choose(KeyType::Rsa, &both, &both), None);
    }
}
