//! The demo PKI (RFC 5280 §4.1): fresh P-256 keys, a self-signed root CA, the intermediate CAs it
//! signs, and server certificates, encoded with the DER writer (`der::DerWriter`). Every
//! certificate carries a subjectKeyIdentifier, and every one that is not self-signed an
//! authorityKeyIdentifier naming its issuer's key (RFC 5280 §4.2.1.1–2), so a client can build
//! the path from the leaf up.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::Signature;
use p256::SecretKey;
use rand_core::CryptoRng;

use super::der::{self, context, DerWriter, OCTET_STRING, SEQUENCE, SET};
use super::ecdsa;
use super::oid::{
    AUTHORITY_KEY_IDENTIFIER, BASIC_CONSTRAINTS, CLIENT_AUTH, COMMON_NAME, ECDSA_SHA256, EC_PUBLIC_KEY, EXT_KEY_USAGE, KEY_USAGE,
    ORGANIZATION, PRIME256V1, SERVER_AUTH, SUBJECT_ALT_NAME, SUBJECT_KEY_IDENTIFIER,
};
use super::parse::parse_unannotated;
use crate::tls::auth::{KeyType, PublicKey, SigningKey};
use crate::tls::error::Error;
use crate::tls::time::DateTime;

/// A certificate and the private key of its subject.
#[derive(Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub key: SigningKey,
}

/// The demo CA's name, in DER order (RFC 4514 writes it the other way round).
const CA_NAME: [(&str, &str); 2] = [(ORGANIZATION, "TLS Handshake Visualizer"), (COMMON_NAME, "Handshake Visualizer Demo CA")];

/// The organizationName of the demo CAs.
pub const ORGANIZATION_NAME: &str = "TLS Handshake Visualizer";

/// RFC 5280 §4.2.1.2 key identifier, by RFC 7093 §2 method 1: the leftmost 160 bits of the
/// SHA-256 hash of the subjectPublicKey BIT STRING's value (without tag, length and unused-bits
/// byte). RFC 5280's own example method takes SHA-1 of the same bits; SHA-256 is already in the
/// page, SHA-1 would be a crate more for this one use.
pub fn key_identifier(subject_public_key: &[u8]) -> [u8; 20] {
    let h = crate::tls::crypto::sha256(subject_public_key);
    let mut id = [0u8; 20];
    id.copy_from_slice(&h[..20]);
    id
}

/// The size of the demo RSA keys, in bits: the size of most of the web's certificate keys.
pub const RSA_BITS: usize = 2048;

/// A fresh private key of `key_type` from `rng` (RSA keys take a while: a search for two primes).
pub fn generate_signing_key<R: CryptoRng + ?Sized>(rng: &mut R, key_type: KeyType) -> Result<SigningKey, Error> {
    match key_type {
        KeyType::EcdsaP256 => Ok(SigningKey::from(p256::ecdsa::SigningKey::from(&generate_key(rng)))),
        #[cfg(feature = "rsa")]
        KeyType::Rsa => rsa::PrivateKey::new(rng, RSA_BITS).map(SigningKey::from).map_err(|_| Error::Internal("RSA key generation failed")),
        #[cfg(not(feature = "rsa"))]
        KeyType::Rsa => Err(Error::Usage("RSA keys need a build with the rsa feature")),
    }
}

/// A fresh P-256 private key from `rng`.
pub(crate) fn generate_key<R: CryptoRng + ?Sized>(rng: &mut R) -> SecretKey {
    loop {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        if let Ok(k) = SecretKey::from_slice(&b) {
            return k;
        }
    }
}

/// A `Name` (RFC 5280 §4.1.2.4): one attribute per relative distinguished name, as UTF8String.
fn encode_name(attrs: &[(&str, &str)]) -> Vec<u8> {
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        for (oid, value) in attrs {
            w.tlv(SET, |w| {
                w.tlv(SEQUENCE, |w| {
                    w.oid(oid);
                    w.primitive(der::UTF8_STRING, value.as_bytes());
                })
            });
        }
    });
    w.buf
}

fn algorithm(w: &mut DerWriter, oid: &str) {
    w.tlv(SEQUENCE, |w| w.oid(oid));
}

pub(crate) fn extension(w: &mut DerWriter, oid: &str, critical: bool, value: impl FnOnce(&mut DerWriter)) {
    w.tlv(SEQUENCE, |w| {
        w.oid(oid);
        if critical {
            w.boolean(true);
        }
        w.tlv(OCTET_STRING, value);
    });
}

/// A KeyUsage BIT STRING: named bits, trailing zero bits dropped (X.690 §11.2.2).
pub(crate) fn key_usage(w: &mut DerWriter, bits: &[usize]) {
    let top = bits.iter().copied().max().unwrap_or(0);
    let mut bytes = vec![0u8; top / 8 + 1];
    for &b in bits {
        bytes[b / 8] |= 0x80 >> (b % 8);
    }
    w.bit_string((7 - top % 8) as u8, &bytes);
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// A CA: basicConstraints cA=TRUE (with this pathLenConstraint, if any) and keyUsage
    /// digitalSignature, cRLSign and, when `key_cert_sign`, keyCertSign. Tests issue CAs without
    /// it, to see them refused.
    Ca { path_len: Option<u8>, key_cert_sign: bool },
    /// A server certificate for this dNSName: cA=FALSE, digitalSignature, serverAuth.
    Server(&'a str),
    /// A client certificate (RFC 8446 §4.4.2.4): cA=FALSE, digitalSignature, clientAuth; the
    /// subject's commonName names the client, and there is no dNSName.
    Client,
}

/// One certificate to issue.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub purpose: Purpose<'a>,
    /// The subject: organizationName (if any), then commonName.
    pub organization: Option<&'a str>,
    pub common_name: &'a str,
    pub not_before: u64,
    pub not_after: u64,
}

/// What goes into one certificate.
struct Template<'a> {
    purpose: Purpose<'a>,
    subject: &'a [u8],
    issuer: &'a [u8],
    not_before: u64,
    not_after: u64,
    /// The issuer's key identifier, for authorityKeyIdentifier (`None`: self-signed).
    authority_key_id: Option<[u8; 20]>,
}

/// RFC 5280 §4.1.2.7 subjectPublicKeyInfo: the algorithm (id-ecPublicKey on prime256v1, RFC
/// 5480 §2.1.1; or rsaEncryption with NULL parameters, RFC 3279 §2.3.1) and the key's bits
/// (`04 || x || y`; or the RSAPublicKey DER, RFC 8017 appendix A.1.1).
fn public_key_info(key: &PublicKey) -> (Vec<u8>, Vec<u8>) {
    let mut w = DerWriter::new();
    let bits = match key {
        PublicKey::EcdsaP256(k) => {
            w.tlv(SEQUENCE, |w| {
                w.oid(EC_PUBLIC_KEY);
                w.oid(PRIME256V1);
            });
            k.to_sec1_point(false).as_bytes().to_vec()
        }
        #[cfg(feature = "rsa")]
        PublicKey::Rsa(k) => {
            use rsa::traits::PublicKeyParts;
            w.tlv(SEQUENCE, |w| {
                w.oid(super::oid::RSA_ENCRYPTION);
                w.null();
            });
            let mut key = DerWriter::new();
            key.tlv(SEQUENCE, |w| {
                w.uint(&k.n().to_be_bytes());
                w.uint(&k.e().to_be_bytes());
            });
            key.buf
        }
    };
    (w.buf, bits)
}

/// The signatureAlgorithm of a certificate `signer` signs: ecdsa-with-SHA256 (no parameters, RFC
/// 5758 §3.2) or sha256WithRSAEncryption (NULL parameters, RFC 4055 §5).
fn signature_algorithm(w: &mut DerWriter, signer: &SigningKey) {
    match signer {
        SigningKey::EcdsaP256(_) => algorithm(w, ECDSA_SHA256),
        #[cfg(feature = "rsa")]
        SigningKey::Rsa(_) => w.tlv(SEQUENCE, |w| {
            w.oid(super::oid::SHA256_WITH_RSA);
            w.null();
        }),
    }
}

/// The signatureValue's bits: ECDSA-Sig-Value in DER, or the RSASSA-PKCS1-v1_5 signature
/// (RFC 8017 §8.2.1), as long as the modulus.
fn sign_tbs(signer: &SigningKey, tbs: &[u8]) -> Vec<u8> {
    match signer {
        SigningKey::EcdsaP256(k) => {
            let signature: Signature = k.sign(tbs);
            ecdsa::ecdsa_signature_to_der(&signature)
        }
        #[cfg(feature = "rsa")]
        SigningKey::Rsa(k) => {
            use rsa::signature::SignatureEncoding;
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone()).sign(tbs).to_vec()
        }
    }
}

/// Encode and sign a certificate (RFC 5280 §4.1): a v3 certificate with a random positive
/// 16-byte serial, signed with ECDSA P-256 / SHA-256 (RFC 5758 §3.2) or, by an RSA key, with
/// sha256WithRSAEncryption (RFC 4055 §5), as most of the web's CAs sign.
fn issue<R: CryptoRng + ?Sized>(rng: &mut R, t: &Template, subject_key: &PublicKey, signer: &SigningKey) -> Result<Vec<u8>, Error> {
    let mut serial = [0u8; 16];
    rng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let not_before =
        DateTime::from_unix(t.not_before).ok_or(Error::Usage("a certificate time out of the range of UTCTime and GeneralizedTime"))?;
    let not_after =
        DateTime::from_unix(t.not_after).ok_or(Error::Usage("a certificate time out of the range of UTCTime and GeneralizedTime"))?;
    let (key_algorithm, key_bits) = public_key_info(subject_key);
    let subject_key_id = key_identifier(&key_bits);
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.tlv(context(0, true), |w| w.uint(&[2]));
        w.uint(&serial);
        signature_algorithm(w, signer);
        w.buf.extend_from_slice(t.issuer);
        w.tlv(SEQUENCE, |w| {
            w.time(not_before);
            w.time(not_after);
        });
        w.buf.extend_from_slice(t.subject);
        w.tlv(SEQUENCE, |w| {
            w.buf.extend_from_slice(&key_algorithm);
            w.bit_string(0, &key_bits);
        });
        w.tlv(context(3, true), |w| {
            w.tlv(SEQUENCE, |w| {
                match t.purpose {
                    Purpose::Ca { path_len, key_cert_sign } => {
                        extension(w, BASIC_CONSTRAINTS, true, |w| {
                            w.tlv(SEQUENCE, |w| {
                                w.boolean(true);
                                if let Some(n) = path_len {
                                    w.uint(&[n]);
                                }
                            })
                        });
                        let bits: &[usize] = if key_cert_sign { &[0, 5, 6] } else { &[0, 6] };
                        extension(w, KEY_USAGE, true, |w| key_usage(w, bits));
                    }
                    Purpose::Server(host) => {
                        extension(w, BASIC_CONSTRAINTS, true, |w| w.tlv(SEQUENCE, |_| {}));
                        extension(w, KEY_USAGE, true, |w| key_usage(w, &[0]));
                        extension(w, EXT_KEY_USAGE, false, |w| w.tlv(SEQUENCE, |w| w.oid(SERVER_AUTH)));
                        extension(w, SUBJECT_ALT_NAME, false, |w| w.tlv(SEQUENCE, |w| w.primitive(context(2, false), host.as_bytes())));
                    }
                    Purpose::Client => {
                        extension(w, BASIC_CONSTRAINTS, true, |w| w.tlv(SEQUENCE, |_| {}));
                        extension(w, KEY_USAGE, true, |w| key_usage(w, &[0]));
                        extension(w, EXT_KEY_USAGE, false, |w| w.tlv(SEQUENCE, |w| w.oid(CLIENT_AUTH)));
                    }
                }
                // RFC 5280 §4.2.1.2: KeyIdentifier ::= OCTET STRING.
                extension(w, SUBJECT_KEY_IDENTIFIER, false, |w| w.primitive(OCTET_STRING, &subject_key_id));
                // RFC 5280 §4.2.1.1: SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier, … }.
                if let Some(id) = t.authority_key_id {
                    extension(w, AUTHORITY_KEY_IDENTIFIER, false, |w| w.tlv(SEQUENCE, |w| w.primitive(context(0, false), &id)));
                }
            })
        });
    });
    let tbs = w.buf;
    let signature = sign_tbs(signer, &tbs);
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.buf.extend_from_slice(&tbs);
        signature_algorithm(w, signer);
        w.bit_string(0, &signature);
    });
    Ok(w.buf)
}

/// Issue a certificate for a fresh key, signed by `issuer`, or self-signed without one. The
/// issuer's name and key identifier come from its certificate.
pub fn issue_cert<R: CryptoRng + ?Sized>(rng: &mut R, req: &Request, issuer: Option<&Issued>) -> Result<Issued, Error> {
    issue_cert_typed(rng, req, KeyType::EcdsaP256, issuer)
}

/// [`issue_cert`] for a fresh key of `key_type`.
pub fn issue_cert_typed<R: CryptoRng + ?Sized>(
    rng: &mut R,
    req: &Request,
    key_type: KeyType,
    issuer: Option<&Issued>,
) -> Result<Issued, Error> {
    let key = generate_signing_key(rng, key_type)?;
    issue_cert_for(rng, req, key, issuer)
}

/// [`issue_cert`] for a given subject key (tests give several certificates one key; the
/// simulation's RSA server has a fixed one).
pub fn issue_cert_for<R: CryptoRng + ?Sized>(
    rng: &mut R,
    req: &Request,
    key: SigningKey,
    issuer: Option<&Issued>,
) -> Result<Issued, Error> {
    if let Purpose::Server(host) = req.purpose {
        if host.is_empty() || !host.is_ascii() {
            return Err(Error::Usage("a dNSName is a non-empty ASCII name"));
        }
    }
    let mut attrs = Vec::new();
    if let Some(o) = req.organization {
        attrs.push((ORGANIZATION, o));
    }
    attrs.push((COMMON_NAME, req.common_name));
    let subject = encode_name(&attrs);
    let (issuer_name, authority_key_id, signer) = match issuer {
        Some(ca) => {
            let c = parse_unannotated(&ca.der).map_err(|_| Error::Usage("the issuing certificate does not parse"))?;
            let id = c.extensions.subject_key_id.as_deref().and_then(|i| <[u8; 20]>::try_from(i).ok());
            (c.subject.der.to_vec(), Some(id.unwrap_or_else(|| key_identifier(c.public_key))), &ca.key)
        }
        None => (subject.clone(), None, &key),
    };
    let t = Template {
        purpose: req.purpose,
        subject: &subject,
        issuer: &issuer_name,
        not_before: req.not_before,
        not_after: req.not_after,
        authority_key_id,
    };
    let der = issue(rng, &t, &key.public_key(), signer)?;
    Ok(Issued { der, key })
}

/// The demo root: a self-signed CA valid from an hour before `now` for ten years, with no
/// pathLenConstraint.
pub fn generate_ca<R: CryptoRng + ?Sized>(rng: &mut R, now: u64) -> Result<Issued, Error> {
    generate_ca_typed(rng, now, KeyType::EcdsaP256)
}

/// [`generate_ca`] with a key of `key_type`.
pub fn generate_ca_typed<R: CryptoRng + ?Sized>(rng: &mut R, now: u64, key_type: KeyType) -> Result<Issued, Error> {
    let (organization, common_name) = (CA_NAME[0].1, CA_NAME[1].1);
    let req = Request {
        purpose: Purpose::Ca { path_len: None, key_cert_sign: true },
        organization: Some(organization),
        common_name,
        not_before: now.saturating_sub(3600),
        not_after: now.saturating_add(10 * 365 * 86400),
    };
    issue_cert_typed(rng, &req, key_type, None)
}

/// The name of the demo intermediate CA.
pub const INTERMEDIATE_NAME: &str = "Handshake Visualizer Demo Intermediate CA";

/// An intermediate CA signed by `ca`, valid from an hour before `now` for five years, with
/// pathLenConstraint 0: it may sign server certificates, not other CAs.
pub fn generate_intermediate<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, now: u64) -> Result<Issued, Error> {
    generate_intermediate_typed(rng, ca, now, KeyType::EcdsaP256)
}

/// [`generate_intermediate`] with a key of `key_type`.
pub fn generate_intermediate_typed<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, now: u64, key_type: KeyType) -> Result<Issued, Error> {
    let req = Request {
        purpose: Purpose::Ca { path_len: Some(0), key_cert_sign: true },
        organization: Some(ORGANIZATION_NAME),
        common_name: INTERMEDIATE_NAME,
        not_before: now.saturating_sub(3600),
        not_after: now.saturating_add(5 * 365 * 86400),
    };
    issue_cert_typed(rng, &req, key_type, Some(ca))
}

/// A server certificate for `hostname`, signed by `ca`, valid from an hour before `now` for 90 days.
pub fn generate_leaf<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, hostname: &str, now: u64) -> Result<Issued, Error> {
    generate_leaf_valid(rng, ca, hostname, now.saturating_sub(3600), now.saturating_add(90 * 86400))
}

/// A server certificate for `hostname` and the given key, signed by `ca`, valid as
/// [`generate_leaf`]'s.
pub fn generate_leaf_for<R: CryptoRng + ?Sized>(
    rng: &mut R,
    ca: &Issued,
    hostname: &str,
    now: u64,
    key: SigningKey,
) -> Result<Issued, Error> {
    let req = Request {
        purpose: Purpose::Server(hostname),
        organization: None,
        common_name: hostname,
        not_before: now.saturating_sub(3600),
        not_after: now.saturating_add(90 * 86400),
    };
    issue_cert_for(rng, &req, key, Some(ca))
}

/// A server certificate with an explicit validity window (tests use it for expired ones).
pub fn generate_leaf_valid<R: CryptoRng + ?Sized>(
    rng: &mut R,
    ca: &Issued,
    hostname: &str,
    not_before: u64,
    not_after: u64,
) -> Result<Issued, Error> {
    let req = Request { purpose: Purpose::Server(hostname), organization: None, common_name: hostname, not_before, not_after };
    issue_cert(rng, &req, Some(ca))
}

/// The commonName of the demo client certificate.
pub const CLIENT_NAME: &str = "Handshake Visualizer Demo Client";

/// A client certificate signed by `ca` (the demo intermediate, as for the server), valid from an
/// hour before `now` for 90 days.
pub fn generate_client<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, now: u64) -> Result<Issued, Error> {
    generate_client_typed(rng, ca, now, KeyType::EcdsaP256)
}

/// [`generate_client`] with a key of `key_type`.
pub fn generate_client_typed<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, now: u64, key_type: KeyType) -> Result<Issued, Error> {
    let req = Request {
        purpose: Purpose::Client,
        organization: Some(ORGANIZATION_NAME),
        common_name: CLIENT_NAME,
        not_before: now.saturating_sub(3600),
        not_after: now.saturating_add(90 * 86400),
    };
    issue_cert_typed(rng, &req, key_type, Some(ca))
}
