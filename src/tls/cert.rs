//! X.509 certificates (RFC 5280): a P-256 CA and a server certificate encoded with
//! [`super::x509::der`], parsed back into named fields (the same parse annotates the bytes), and
//! the client's checks of RFC 8446 §4.4.2 and §6.2: chain to a trust anchor, validity, name, key
//! usage.
//!
//! Written against DER directly rather than through `x509-cert`: the page carries this code in its
//! WebAssembly, and the general-purpose crates cost it about 75 KB gzipped. `tests/x509_crosscheck.rs`
//! checks both directions against `x509-cert`, and the interop tests against OpenSSL.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::SecretKey;
use rand_core::CryptoRng;

use super::codec::{hex, Bytes, Field};
use super::error::Error;
use super::events::CertificateInfo;
use super::x509::der::{self, context, malformed, DerReader, DerWriter, OCTET_STRING, SEQUENCE, SET};
use super::x509::time::DateTime;
use super::x509::{ecdsa, oid};

pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const PRIME256V1: &str = "1.2.840.10045.3.1.7";
pub const COMMON_NAME: &str = "2.5.4.3";
pub const ORGANIZATION: &str = "2.5.4.10";
const BASIC_CONSTRAINTS: &str = "2.5.29.19";
const KEY_USAGE: &str = "2.5.29.15";
const EXT_KEY_USAGE: &str = "2.5.29.37";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";
const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";

/// RFC 5280 §4.2.1.3, in bit order.
const KEY_USAGE_BITS: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// A certificate and the private key of its subject.
#[derive(Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub key: SigningKey,
}

/// The demo CA's name, in DER order (RFC 4514 writes it the other way round).
pub const CA_NAME: [(&str, &str); 2] = [(ORGANIZATION, "TLS Handshake Visualizer"), (COMMON_NAME, "Handshake Visualizer Demo CA")];

/// A fresh P-256 private key from `rng`.
pub fn generate_key<R: CryptoRng + ?Sized>(rng: &mut R) -> SecretKey {
    loop {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        if let Ok(k) = SecretKey::from_slice(&b) {
            return k;
        }
    }
}

/// A `Name` (RFC 5280 §4.1.2.4): one attribute per relative distinguished name, as UTF8String.
pub fn encode_name(attrs: &[(&str, &str)]) -> Vec<u8> {
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

fn extension(w: &mut DerWriter, oid: &str, critical: bool, value: impl FnOnce(&mut DerWriter)) {
    w.tlv(SEQUENCE, |w| {
        w.oid(oid);
        if critical {
            w.boolean(true);
        }
        w.tlv(OCTET_STRING, value);
    });
}

/// A KeyUsage BIT STRING: named bits, trailing zero bits dropped (X.690 §11.2.2).
fn key_usage(w: &mut DerWriter, bits: &[usize]) {
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
    let not_before = DateTime::from_unix(t.not_before).ok_or(Error::Internal("time out of range"))?;
    let not_after = DateTime::from_unix(t.not_after).ok_or(Error::Internal("time out of range"))?;
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
    let t = Template { kind: Kind::Ca, subject: &name, issuer: &name, not_before: now.saturating_sub(3600), not_after: now + 10 * 365 * 86400 };
    let signer = SigningKey::from(&key);
    let der = issue(rng, &t, &key, &signer)?;
    Ok(Issued { der, key: signer })
}

/// A server certificate for `hostname`, signed by `ca`, valid from an hour before `now` for 90 days.
pub fn generate_leaf<R: CryptoRng + ?Sized>(rng: &mut R, ca: &Issued, hostname: &str, now: u64) -> Result<Issued, Error> {
    generate_leaf_valid(rng, ca, hostname, now.saturating_sub(3600), now + 90 * 86400)
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
        return Err(Error::Internal("a dNSName is a non-empty ASCII name"));
    }
    let key = generate_key(rng);
    let issuer = parse(&ca.der).map_err(|_| Error::Internal("CA certificate"))?.subject.der;
    let subject = encode_name(&[(COMMON_NAME, hostname)]);
    let t = Template { kind: Kind::Leaf(hostname), subject: &subject, issuer, not_before, not_after };
    let der = issue(rng, &t, &key, &ca.key)?;
    Ok(Issued { der, key: SigningKey::from(&key) })
}

/// A distinguished name as decoded: its encoding (compared byte for byte when chaining, RFC 5280
/// §7.1) and its text in RFC 4514 form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name<'a> {
    pub der: &'a [u8],
    pub text: String,
}

/// What the extensions say (RFC 5280 §4.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions {
    pub dns_names: Vec<String>,
    /// The KeyUsage bits that are set, `None` without the extension.
    pub key_usage: Option<Vec<&'static str>>,
    /// The ExtendedKeyUsage purposes, `None` without the extension.
    pub extended_key_usage: Option<Vec<String>>,
    pub is_ca: bool,
}

/// A decoded certificate. Byte slices point into the DER it came from.
#[derive(Clone, Debug)]
pub struct Parsed<'a> {
    /// The whole `tbsCertificate`: the bytes the signature covers.
    pub tbs: &'a [u8],
    pub serial: &'a [u8],
    pub tbs_signature_algorithm: String,
    pub issuer: Name<'a>,
    pub subject: Name<'a>,
    pub not_before: DateTime,
    pub not_after: DateTime,
    pub key_algorithm: String,
    pub key_parameters: Option<String>,
    pub public_key: &'a [u8],
    pub extensions: Extensions,
    pub signature_algorithm: String,
    pub signature: &'a [u8],
    /// Every element, named, with its byte range.
    pub fields: Vec<Field>,
}

/// RFC 4514 §2.4: escape what would change the meaning of the string form.
fn escape_rdn_value(v: &str) -> String {
    let mut out = String::new();
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        if c == '\0' {
            out.push_str("\\00");
        } else {
            out.push(c);
        }
    }
    out
}

fn short_name(oid: &str) -> &str {
    match oid {
        COMMON_NAME => "CN",
        ORGANIZATION => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        other => other,
    }
}

/// A `Name`: a SEQUENCE of RelativeDistinguishedName SETs of type-value pairs.
fn read_name<'a>(r: &mut DerReader<'a>, field: &str, meaning: &str) -> Result<Name<'a>, Error> {
    let rdns = r.constructed(SEQUENCE, field, meaning, |r| {
        let mut rdns = Vec::new();
        while !r.is_empty() {
            let rdn = r.constructed(SET, "RelativeDistinguishedName", "one part of the name", |r| {
                let mut parts = Vec::new();
                while !r.is_empty() {
                    parts.push(r.constructed(SEQUENCE, "AttributeTypeAndValue", "an attribute and its value", |r| {
                        let oid = r.oid("type", "which attribute this is")?;
                        let value = r.string("value", "the attribute's value")?;
                        Ok(format!("{}={}", short_name(&oid), escape_rdn_value(&value)))
                    })?);
                }
                if parts.is_empty() {
                    return Err(malformed("an empty RelativeDistinguishedName"));
                }
                Ok(parts.join("+"))
            })?;
            r.describe_last(rdn.clone());
            rdns.push(rdn);
        }
        Ok(rdns)
    })?;
    let text = rdns.iter().rev().cloned().collect::<Vec<_>>().join(",");
    r.describe_last(text.clone());
    Ok(Name { der: r.last(), text })
}

/// An AlgorithmIdentifier: the algorithm and its parameters (a named curve, or absent).
fn read_algorithm(r: &mut DerReader, field: &str, meaning: &str) -> Result<(String, Option<String>), Error> {
    r.constructed(SEQUENCE, field, meaning, |r| {
        let oid = r.oid("algorithm", "the algorithm's identifier")?;
        let params = match r.peek_tag() {
            None => None,
            Some(der::OID) => Some(r.oid("parameters", "the named curve")?),
            Some(_) => Some(hex(r.any("parameters", "the algorithm's parameters")?.1)),
        };
        Ok((oid, params))
    })
}

/// One extension's value (the DER inside extnValue). Unknown extensions are skipped, unless they
/// are critical: RFC 5280 §4.2 says such a certificate MUST be rejected.
fn read_extension_value(r: &mut DerReader, id: &str, critical: bool, ext: &mut Extensions) -> Result<(), Error> {
    match id {
        BASIC_CONSTRAINTS => r.constructed(SEQUENCE, "BasicConstraints", "whether the subject is a CA", |r| {
            if r.peek_tag() == Some(der::BOOLEAN) {
                ext.is_ca = r.boolean("cA", "TRUE: the subject may sign certificates")?;
            }
            if !r.is_empty() {
                r.uint("pathLenConstraint", "how many CAs may follow below this one")?;
            }
            Ok(())
        }),
        KEY_USAGE => {
            let (unused, bits) = r.bit_string("KeyUsage", "what the key may be used for")?;
            let mut set = Vec::new();
            let total = bits.len() * 8 - usize::from(unused);
            for i in 0..total.min(KEY_USAGE_BITS.len()) {
                if bits[i / 8] & (0x80 >> (i % 8)) != 0 {
                    set.push(KEY_USAGE_BITS[i]);
                }
            }
            r.describe_last(set.join(", "));
            ext.key_usage = Some(set);
            Ok(())
        }
        EXT_KEY_USAGE => {
            let purposes = r.constructed(SEQUENCE, "ExtKeyUsageSyntax", "the purposes the key may serve", |r| {
                let mut v = Vec::new();
                while !r.is_empty() {
                    v.push(r.oid("KeyPurposeId", "one purpose")?);
                }
                Ok(v)
            })?;
            if purposes.is_empty() {
                return Err(malformed("an empty extKeyUsage"));
            }
            ext.extended_key_usage = Some(purposes);
            Ok(())
        }
        SUBJECT_ALT_NAME => {
            r.constructed(SEQUENCE, "GeneralNames", "other names for the subject", |r| {
                if r.is_empty() {
                    return Err(malformed("an empty subjectAltName"));
                }
                while !r.is_empty() {
                    if r.peek_tag() == Some(context(2, false)) {
                        let name = r.ascii(context(2, false), "dNSName", "a host name this certificate is for")?;
                        ext.dns_names.push(name);
                    } else {
                        r.any("GeneralName", "a kind of name this client does not match against")?;
                    }
                }
                Ok(())
            })
        }
        _ if critical => Err(Error::BadCertificate(format!("an unknown critical extension {id}"))),
        _ => {
            r.rest("value", "an extension this client does not interpret");
            Ok(())
        }
    }
}

fn read_extensions(r: &mut DerReader) -> Result<Extensions, Error> {
    r.constructed(context(3, true), "extensions", "[3] EXPLICIT: what the certificate may be used for", |r| {
        r.constructed(SEQUENCE, "Extensions", "one entry per extension", |r| {
            let mut ext = Extensions::default();
            let mut seen: Vec<String> = Vec::new();
            while !r.is_empty() {
                r.constructed(SEQUENCE, "Extension", "one extension", |r| {
                    let id = r.oid("extnID", "which extension this is")?;
                    if seen.contains(&id) {
                        return Err(malformed(&format!("extension {id} appears twice")));
                    }
                    let critical = if r.peek_tag() == Some(der::BOOLEAN) {
                        r.boolean("critical", "TRUE: a client that does not understand it must reject the certificate")?
                    } else {
                        false
                    };
                    r.constructed(OCTET_STRING, "extnValue", "the extension's value, itself DER", |r| {
                        read_extension_value(r, &id, critical, &mut ext)
                    })?;
                    seen.push(id);
                    Ok(())
                })?;
            }
            if seen.is_empty() {
                return Err(malformed("an empty extensions list"));
            }
            Ok(ext)
        })
    })
}

/// Decode a certificate (RFC 5280 §4.1), annotating every element; byte offsets in the fields
/// are relative to `base`.
pub fn parse_at(der: &[u8], base: usize) -> Result<Parsed<'_>, Error> {
    let mut r = DerReader::new(der, base);
    let mut cert = r.constructed(SEQUENCE, "Certificate", "an X.509 certificate (RFC 5280 §4.1)", |r| {
        let mut cert = r.constructed(SEQUENCE, "tbsCertificate", "everything the issuer signs", |r| {
            let version = if r.peek_tag() == Some(context(0, true)) {
                r.constructed(context(0, true), "version", "[0] EXPLICIT", |r| {
                    let v = r.uint("version", "2 means X.509 v3")?;
                    match v {
                        [0] | [1] | [2] => Ok(v[0]),
                        _ => Err(malformed("an unknown version")),
                    }
                })?
            } else {
                0
            };
            let serial = r.uint("serialNumber", "a number the issuer gives each certificate it signs")?;
            let (tbs_signature_algorithm, _) = read_algorithm(r, "signature", "the algorithm the issuer signs with")?;
            let issuer = read_name(r, "issuer", "who signed this certificate")?;
            let (not_before, not_after) = r.constructed(SEQUENCE, "validity", "the certificate is valid only between these times", |r| {
                let nb = r.time("notBefore", "valid from")?;
                let na = r.time("notAfter", "valid until")?;
                Ok((nb, na))
            })?;
            let subject = read_name(r, "subject", "whom this certificate is for")?;
            let (key_algorithm, key_parameters, public_key) =
                r.constructed(SEQUENCE, "subjectPublicKeyInfo", "the subject's public key", |r| {
                    let (alg, params) = read_algorithm(r, "algorithm", "the kind of key")?;
                    let (unused, key) = r.bit_string("subjectPublicKey", "the public key itself: 04 || x || y for P-256")?;
                    if unused != 0 {
                        return Err(malformed("a public key that is not whole bytes"));
                    }
                    Ok((alg, params, key))
                })?;
            // issuerUniqueID [1] and subjectUniqueID [2] (v2 and later) carry nothing checked here.
            for n in [1, 2] {
                if version >= 1 && r.peek_tag() == Some(context(n, false)) {
                    r.any("uniqueIdentifier", "an obsolete identifier")?;
                }
            }
            let extensions = if r.peek_tag().is_some() {
                if version != 2 {
                    return Err(malformed("extensions in a certificate that is not v3"));
                }
                read_extensions(r)?
            } else {
                Extensions::default()
            };
            Ok(Parsed {
                tbs: &[],
                serial,
                tbs_signature_algorithm,
                issuer,
                subject,
                not_before: DateTime::from_unix(not_before).ok_or_else(|| malformed("a time out of range"))?,
                not_after: DateTime::from_unix(not_after).ok_or_else(|| malformed("a time out of range"))?,
                key_algorithm,
                key_parameters,
                public_key,
                extensions,
                signature_algorithm: String::new(),
                signature: &[],
                fields: Vec::new(),
            })
        })?;
        cert.tbs = r.last();
        (cert.signature_algorithm, _) = read_algorithm(r, "signatureAlgorithm", "the algorithm of the signature below")?;
        let (unused, sig) = r.bit_string("signatureValue", "the issuer's signature over tbsCertificate")?;
        if unused != 0 {
            return Err(malformed("a signature that is not whole bytes"));
        }
        cert.signature = sig;
        Ok(cert)
    })?;
    if !r.is_empty() {
        return Err(malformed("bytes after the certificate"));
    }
    cert.fields = r.into_fields();
    Ok(cert)
}

pub fn parse(der: &[u8]) -> Result<Parsed<'_>, Error> {
    parse_at(der, 0)
}

/// The subject's key, which must be a P-256 key (RFC 5480 §2.1.1.1).
fn public_key(cert: &Parsed) -> Result<VerifyingKey, Error> {
    if cert.key_algorithm != EC_PUBLIC_KEY || cert.key_parameters.as_deref() != Some(PRIME256V1) {
        return Err(Error::BadCertificate("the key is not a P-256 public key".into()));
    }
    VerifyingKey::from_sec1_bytes(cert.public_key).map_err(|_| Error::BadCertificate("the key is not a P-256 public key".into()))
}

/// Whether `issuer_key` signed `cert`: ECDSA P-256 with SHA-256, named the same inside and outside
/// the signed part (RFC 5280 §4.1.1.2).
fn signed_by(cert: &Parsed, issuer_key: &VerifyingKey) -> bool {
    if cert.signature_algorithm != ECDSA_SHA256 || cert.tbs_signature_algorithm != ECDSA_SHA256 {
        return false;
    }
    ecdsa::ecdsa_signature_from_der(cert.signature).is_some_and(|sig| issuer_key.verify(cert.tbs, &sig).is_ok())
}

fn name_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    if let Some(rest) = p.strip_prefix("*.") {
        // A wildcard stands for exactly one leftmost label.
        return h.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest);
    }
    p == h
}

/// The outcome of one check, for the trace.
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// RFC 8446 §4.4.2.4 and §6.2: check a server's chain (leaf first) against one trust anchor at
/// time `now`, for `hostname`. Returns the leaf's key and the checks made, in order; the first
/// failed check is the error.
pub fn verify_server_chain(
    chain: &[Vec<u8>],
    anchor: &[u8],
    hostname: &str,
    now: u64,
    checks: &mut Vec<Check>,
) -> Result<VerifyingKey, Error> {
    if chain.is_empty() {
        return Err(Error::Decode("empty certificate list"));
    }
    let anchor = parse(anchor).map_err(|_| Error::Internal("the trust anchor does not parse"))?;
    let anchor_key = public_key(&anchor).map_err(|_| Error::Internal("the trust anchor key"))?;
    let certs = chain.iter().map(|c| parse(c)).collect::<Result<Vec<_>, _>>()?;

    // 1. Chain: each certificate is signed by the next one, the last by the trust anchor.
    let mut trusted = false;
    for (i, cert) in certs.iter().enumerate() {
        if cert.issuer.der == anchor.subject.der && signed_by(cert, &anchor_key) {
            trusted = true;
            break;
        }
        let Some(next) = certs.get(i + 1) else { break };
        let next_key = public_key(next)?;
        if cert.issuer.der != next.subject.der || !signed_by(cert, &next_key) {
            break;
        }
    }
    let (issuer, anchor_name) = (&certs[0].issuer.text, &anchor.subject.text);
    if !trusted {
        let detail = format!("issuer \"{issuer}\" is not signed for by the trusted CA \"{anchor_name}\"");
        checks.push(Check { name: "issuer", ok: false, detail: detail.clone() });
        return Err(Error::UnknownCa(detail));
    }
    checks.push(Check { name: "issuer", ok: true, detail: format!("signed by the trusted CA \"{anchor_name}\"") });

    // 2. Validity window of every certificate in the chain.
    for cert in &certs {
        let (nb, na) = (cert.not_before, cert.not_after);
        if now < nb.unix() || now > na.unix() {
            let now = DateTime::from_unix(now).map_or_else(|| now.to_string(), |t| t.to_string());
            let detail = format!("valid from {nb} to {na}, but now is {now}");
            checks.push(Check { name: "validity", ok: false, detail: detail.clone() });
            return Err(Error::CertificateExpired(detail));
        }
    }
    let leaf = &certs[0];
    checks.push(Check { name: "validity", ok: true, detail: format!("valid from {} to {}", leaf.not_before, leaf.not_after) });

    // 3. Name: a subjectAltName dNSName must match.
    let ext = &leaf.extensions;
    if !ext.dns_names.iter().any(|n| name_matches(n, hostname)) {
        let names = ext.dns_names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        let detail = format!("certificate names [{names}] do not include \"{hostname}\"");
        checks.push(Check { name: "name", ok: false, detail: detail.clone() });
        return Err(Error::BadCertificate(detail));
    }
    checks.push(Check { name: "name", ok: true, detail: format!("\"{hostname}\" is in subjectAltName") });

    // 4. Usage: digitalSignature and serverAuth, where the extensions are present.
    let ku_ok = ext.key_usage.as_ref().is_none_or(|k| k.contains(&"digitalSignature"));
    let eku_ok = ext.extended_key_usage.as_ref().is_none_or(|e| e.iter().any(|p| p == SERVER_AUTH));
    if !ku_ok || !eku_ok || ext.is_ca {
        let detail = format!("key usage \"{}\", extended key usage \"{}\"", key_usage_text(ext), extended_key_usage_text(ext));
        checks.push(Check { name: "usage", ok: false, detail: detail.clone() });
        return Err(Error::BadCertificate(detail));
    }
    checks.push(Check { name: "usage", ok: true, detail: "may sign TLS handshakes for a server".into() });
    public_key(leaf)
}

fn key_usage_text(ext: &Extensions) -> String {
    ext.key_usage.as_ref().map(|k| k.join(", ")).unwrap_or_default()
}

fn extended_key_usage_text(ext: &Extensions) -> String {
    let purposes = ext.extended_key_usage.as_deref().unwrap_or_default();
    purposes.iter().map(|o| oid::oid_name(o)).collect::<Vec<_>>().join(", ")
}

/// Uppercase hex bytes separated by colons, as certificate viewers show serial numbers.
fn colon_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect::<Vec<_>>().join(":")
}

/// The fields of a certificate a reader cares about, and its annotated DER.
pub fn describe(der_bytes: &[u8]) -> Result<CertificateInfo, Error> {
    let cert = parse(der_bytes)?;
    Ok(CertificateInfo {
        subject: cert.subject.text.clone(),
        issuer: cert.issuer.text.clone(),
        serial: colon_hex(cert.serial),
        not_before: cert.not_before.to_string(),
        not_after: cert.not_after.to_string(),
        dns_names: cert.extensions.dns_names.clone(),
        key_usage: key_usage_text(&cert.extensions),
        extended_key_usage: extended_key_usage_text(&cert.extensions),
        is_ca: cert.extensions.is_ca,
        public_key: Bytes(cert.public_key.to_vec()),
        signature_algorithm: oid::oid_name(&cert.signature_algorithm),
        signature: Bytes(cert.signature.to_vec()),
        der: Bytes(der_bytes.to_vec()),
        fields: cert.fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    const NOW: u64 = 1_790_000_000;

    #[test]
    fn generated_chain_verifies_for_its_name_and_not_for_another() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &ca, "example.com", NOW).unwrap();
        let mut checks = Vec::new();
        assert!(verify_server_chain(std::slice::from_ref(&leaf.der), &ca.der, "example.com", NOW, &mut checks).is_ok());
        assert_eq!(checks.len(), 4);
        let mut checks = Vec::new();
        let err = verify_server_chain(&[leaf.der], &ca.der, "other.example", NOW, &mut checks).unwrap_err();
        assert!(matches!(err, Error::BadCertificate(_)));
    }

    #[test]
    fn a_certificate_from_another_ca_is_unknown_ca() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let other = generate_ca(&mut rng, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &other, "example.com", NOW).unwrap();
        let err = verify_server_chain(&[leaf.der], &ca.der, "example.com", NOW, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::UnknownCa(_)));
    }

    #[test]
    fn wildcards_match_one_label_only() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
    }

    #[test]
    fn the_parse_names_every_field_of_the_tbs_certificate() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let c = parse_at(&ca.der, 10).unwrap();
        assert_eq!((c.fields[0].start, c.fields[0].len), (10, ca.der.len()));
        let names: Vec<&str> = c.fields[0].children[0].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["version", "serialNumber", "signature", "issuer", "validity", "subject", "subjectPublicKeyInfo", "extensions"]);
        assert_eq!(c.subject.text, "CN=Handshake Visualizer Demo CA,O=TLS Handshake Visualizer");
    }

    #[test]
    fn rfc4514_escapes_special_characters() {
        assert_eq!(escape_rdn_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_rdn_value(" #x "), "\\ #x\\ ");
        assert_eq!(escape_rdn_value("#x"), "\\#x");
    }

    #[test]
    fn an_unknown_critical_extension_is_rejected_and_a_known_one_is_not() {
        let mut w = DerWriter::new();
        w.tlv(context(3, true), |w| {
            w.tlv(SEQUENCE, |w| {
                extension(w, "1.2.3.4", false, |w| w.primitive(der::INTEGER, &[1]));
                extension(w, KEY_USAGE, true, |w| key_usage(w, &[0]));
            })
        });
        let ext = read_extensions(&mut DerReader::new(&w.buf, 0)).unwrap();
        assert_eq!(ext.key_usage, Some(vec!["digitalSignature"]));
        let mut w = DerWriter::new();
        w.tlv(context(3, true), |w| w.tlv(SEQUENCE, |w| extension(w, "1.2.3.4", true, |w| w.primitive(der::INTEGER, &[1]))));
        assert!(matches!(read_extensions(&mut DerReader::new(&w.buf, 0)), Err(Error::BadCertificate(_))));
    }

    #[test]
    fn every_truncation_of_a_certificate_is_an_error_not_a_panic() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &ca, "example.com", NOW).unwrap();
        for n in 0..leaf.der.len() {
            assert!(parse(&leaf.der[..n]).is_err(), "{n} bytes parsed");
        }
    }
}
