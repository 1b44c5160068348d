//! The demo PKI (RFC 5280 §4.1): fresh P-256 keys, a self-signed CA, and server certificates it
//! signs, encoded with the DER writer (`der::DerWriter`).

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::SecretKey;
use rand_core::CryptoRng;

use super::der::{self, context, DerWriter, OCTET_STRING, SEQUENCE, SET};
use super::ecdsa;
use super::oid::{
    BASIC_CONSTRAINTS, COMMON_NAME, ECDSA_SHA256, EC_PUBLIC_KEY, EXT_KEY_USAGE, KEY_USAGE, ORGANIZATION, PRIME256V1, SERVER_AUTH,
    SUBJECT_ALT_NAME,
};
use super::parse::parse;
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

enum Kind<'a> {
    Ca,
    Leaf(&'a str),
}

/// What goes into one certificate.
struct Template<'a> {
    kind: Kind<'a>,
    subject: &'a [u8],
    issuer: &'a [u8],
    not_before: u64,
    not_after: u64,
}

/// Encode and sign a certificate (RFC 5280 §4.1): a v3 certificate with a random positive
/// 16-byte serial, signed with ECDSA P-256 / SHA-256 (RFC 5758 §3.2).
fn issue<R: CryptoRng + ?Sized>(rng: &mut R, t: &Template, subject_key: &SecretKey, signer: &SigningKey) -> Result<Vec<u8>, Error> {
    let mut serial = [0u8; 16];
    rng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let not_before =
        DateTime::from_unix(t.not_before).ok_or(Error::Usage("a certificate time out of the range of UTCTime and GeneralizedTime"))?;
    let not_after =
        DateTime::from_unix(t.not_after).ok_or(Error::Usage("a certificate time out of the range of UTCTime and GeneralizedTime"))?;
    let point = subject_key.public_key().to_sec1_point(false);
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.tlv(context(0, true), |w| w.uint(&[2]));
        w.uint(&serial);
        algorithm(w, ECDSA_SHA256);
        w.buf.extend_from_slice(t.issuer);
        w.tlv(SEQUENCE, |w| {
            w.time(not_before);
            w.time(not_after);
        });
        w.buf.extend_from_slice(t.subject);
        w.tlv(SEQUENCE, |w| {
            w.tlv(SEQUENCE, |w| {
                w.oid(EC_PUBLIC_KEY);
                w.oid(PRIME256V1);
            });
            w.bit_string(0, point.as_bytes());
        });
        w.tlv(context(3, true), |w| {
            w.tlv(SEQUENCE, |w| match t.kind {
                Kind::Ca => {
                    extension(w, BASIC_CONSTRAINTS, true, |w| {
                        w.tlv(SEQUENCE, |w| {
                            w.boolean(true);
                            w.uint(&[0]);
                        })
                    });
                    extension(w, KEY_USAGE, true, |w| key_usage(w, &[0, 5, 6]));
                }
                Kind::Leaf(host) => {
                    extension(w, BASIC_CONSTRAINTS, true, |w| w.tlv(SEQUENCE, |_| {}));
                    extension(w, KEY_USAGE, true, |w| key_usage(w, &[0]));
                    extension(w, EXT_KEY_USAGE, false, |w| w.tlv(SEQUENCE, |w| w.oid(SERVER_AUTH)));
                    extension(w, SUBJECT_ALT_NAME, false, |w| w.tlv(SEQUENCE, |w| w.primitive(context(2, false), host.as_bytes())));
                }
            })
        });
    });
    let tbs = w.buf;
    let signature: Signature = signer.sign(&tbs);
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.buf.extend_from_slice(&tbs);
        algorithm(w, ECDSA_SHA256);
        w.bit_string(0, &ecdsa::ecdsa_signature_to_der(&signature));
    });
    Ok(w.buf)
}

/// A self-signed CA valid from an hour before `now` for ten years.
pub fn generate_ca<R: CryptoRng + ?Sized>(rng: &mut R, now: u64) -> Result<Issued, Error> {
    let key = generate_key(rng);
    let name = encode_name(&CA_NAME);
    let t = Template {
        kind: Kind::Ca,
        subject: &name,
        issuer: &name,
        not_before: now.saturating_sub(3600),
        not_after: now.saturating_add(10 * 365 * 86400),
    };
    let signer = SigningKey::from(&key);
    let der = issue(rng, &t, &key, &signer)?;
    Ok(Issued { der, key: signer })
}

/// A server certificate for `hostname`, signed by `ca`, valid from an hour before `now` for 90 days.
pub fn generate_leaf<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, hostname: &str, now: u64) -> Result<Issued, Error> {
    generate_leaf_valid(rng, ca, hostname, now.saturating_sub(3600), now.saturating_add(90 * 86400))
}

/// A server certificate with an explicit validity window (tests use it for expired ones).
pub fn generate_leaf_valid<R: CryptoRng + ?Sized>(
    rng: &mut R,
    ca: &Issued,
    hostname: &str,
    not_before: u64,
    not_after: u64,
) -> Result<Issued, Error> {
    if hostname.is_empty() || !hostname.is_ascii() {
        return Err(Error::Usage("a dNSName is a non-empty ASCII name"));
    }
    let key = generate_key(rng);
    let issuer = parse(&ca.der).map_err(|_| Error::Usage("the issuing CA certificate does not parse"))?.subject.der;
    let subject = encode_name(&[(COMMON_NAME, hostname)]);
    let t = Template { kind: Kind::Leaf(hostname), subject: &subject, issuer, not_before, not_after };
    let der = issue(rng, &t, &key, &ca.key)?;
    Ok(Issued { der, key: SigningKey::from(&key) })
}
