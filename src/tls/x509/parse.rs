//! A certificate decoded (RFC 5280 §4.1) into [`Parsed`]: its names in RFC 4514 form, its
//! algorithms, validity and key, and the extensions the checks use. The same strict DER parse
//! records every element as an annotated field.

use super::der::{self, context, malformed, DerReader, OCTET_STRING, SEQUENCE, SET};
use super::oid::{
    AUTHORITY_KEY_IDENTIFIER, BASIC_CONSTRAINTS, COMMON_NAME, EXT_KEY_USAGE, KEY_USAGE, MGF1, ORGANIZATION, RSASSA_PSS, RSA_ENCRYPTION,
    SHA1, SUBJECT_ALT_NAME, SUBJECT_KEY_IDENTIFIER,
};
use crate::tls::codec::{hex, Field};
use crate::tls::error::Error;
use crate::tls::time::DateTime;

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
    /// basicConstraints cA (false without the extension).
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint: how many CA certificates may follow this one in a
    /// path (a value too large for `u32` reads as `u32::MAX`).
    pub path_len: Option<u32>,
    /// RFC 5280 §4.2.1.2 subjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// RFC 5280 §4.2.1.1 authorityKeyIdentifier's keyIdentifier: the issuer's subjectKeyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
}

/// An AlgorithmIdentifier's parameters (RFC 5280 §4.1.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parameters {
    /// None at all (ecdsa-with-SHA256, RFC 5758 §3.2).
    Absent,
    /// NULL (rsaEncryption and sha256WithRSAEncryption, RFC 4055 §5).
    Null,
    /// An object identifier: a named curve (RFC 5480 §2.1.1), or MGF1's hash as its bare
    /// identifier.
    Oid(String),
    /// An AlgorithmIdentifier of a hash (MGF1's parameters, RFC 4055 §2.2): its identifier.
    Hash(String),
    /// RFC 4055 §3.1 RSASSA-PSS-params.
    Pss(PssParams),
    /// Anything else, in hex.
    Other(String),
}

/// RFC 4055 §3.1 `RSASSA-PSS-params`, with the defaults filled in for what is absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PssParams {
    /// The hash of the message (default SHA-1).
    pub hash: String,
    /// The mask generation function (default MGF1) and its hash (default SHA-1).
    pub mask_gen: String,
    pub mask_hash: String,
    /// The salt's length in bytes (default 20).
    pub salt_len: u64,
    /// The trailer field (default 1, the byte 0xbc).
    pub trailer: u64,
}

/// An RSA public key's parts (RFC 8017 appendix A.1.1 `RSAPublicKey`), big-endian without sign
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsaKey<'a> {
    pub modulus: &'a [u8],
    pub public_exponent: &'a [u8],
}

/// A decoded certificate. Byte slices point into the DER it came from.
#[derive(Clone, Debug)]
pub struct Parsed<'a> {
    /// The whole `tbsCertificate`: the bytes the signature covers.
    pub tbs: &'a [u8],
    pub serial: &'a [u8],
    pub tbs_signature_algorithm: String,
    pub tbs_signature_parameters: Parameters,
    pub issuer: Name<'a>,
    pub subject: Name<'a>,
    pub not_before: DateTime,
    pub not_after: DateTime,
    pub key_algorithm: String,
    pub key_parameters: Parameters,
    /// The subjectPublicKey's bits: `04 || x || y` for P-256, the RSAPublicKey DER for RSA.
    pub public_key: &'a [u8],
    /// The modulus and exponent, for an rsaEncryption key.
    pub rsa_key: Option<RsaKey<'a>>,
    pub extensions: Extensions,
    pub signature_algorithm: String,
    pub signature_parameters: Parameters,
    pub signature: &'a [u8],
    /// Every element, named, with its byte range.
    pub fields: Vec<Field>,
}

/// RFC 4514 §2.4: escape what would change the meaning of the string form.
fn escape_rdn_value(v: &str) -> String {
    let mut out = String::new();
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let special =
            matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\') || (i == 0 && (c == '#' || c == ' ')) || (i == last && c == ' ');
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
fn read_name<'a>(r: &mut DerReader<'a>, field: &'static str, meaning: &'static str) -> Result<Name<'a>, Error> {
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

/// An AlgorithmIdentifier: the algorithm and its parameters, which the algorithm decides how to
/// read.
fn read_algorithm(r: &mut DerReader, field: &'static str, meaning: &'static str) -> Result<(String, Parameters), Error> {
    r.constructed(SEQUENCE, field, meaning, |r| {
        let oid = r.oid("algorithm", "the algorithm's identifier")?;
        let params = match r.peek_tag() {
            None => Parameters::Absent,
            Some(der::NULL) => {
                r.null("parameters", "this algorithm takes no parameters")?;
                Parameters::Null
            }
            // Built without RSA (the page's default build), PSS parameters are shown as bytes.
            Some(SEQUENCE) if oid == RSASSA_PSS && cfg!(feature = "rsa") => Parameters::Pss(read_pss_params(r)?),
            Some(SEQUENCE) if oid == MGF1 => Parameters::Hash(read_algorithm(r, "parameters", "the hash MGF1 uses")?.0),
            Some(der::OID) => Parameters::Oid(r.oid("parameters", "the named curve")?),
            Some(_) => Parameters::Other(hex(r.any("parameters", "the algorithm's parameters")?.1)),
        };
        Ok((oid, params))
    })
}

/// A small non-negative INTEGER (a salt length, a trailer field).
fn small_uint(r: &mut DerReader, name: &'static str, meaning: &'static str) -> Result<u64, Error> {
    let b = r.uint(name, meaning)?;
    if b.len() > 8 {
        return Err(malformed("an INTEGER too large"));
    }
    Ok(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}

/// RFC 4055 §3.1: `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1,
/// maskGenAlgorithm [1] DEFAULT mgf1SHA1, saltLength [2] DEFAULT 20, trailerField [3] DEFAULT 1 }`,
/// each explicitly tagged.
fn read_pss_params(r: &mut DerReader) -> Result<PssParams, Error> {
    r.constructed(SEQUENCE, "RSASSA-PSS-params", "how the RSA-PSS signature was made (RFC 4055 §3.1)", |r| {
        let mut p = PssParams { hash: SHA1.into(), mask_gen: MGF1.into(), mask_hash: SHA1.into(), salt_len: 20, trailer: 1 };
        if r.peek_tag() == Some(context(0, true)) {
            p.hash = r.constructed(context(0, true), "hashAlgorithm", "[0]: the hash of the signed data", |r| {
                Ok(read_algorithm(r, "HashAlgorithm", "the hash")?.0)
            })?;
        }
        if r.peek_tag() == Some(context(1, true)) {
            (p.mask_gen, p.mask_hash) =
                r.constructed(context(1, true), "maskGenAlgorithm", "[1]: the mask generation function and its hash", |r| {
                    match read_algorithm(r, "MaskGenAlgorithm", "the mask generation function")? {
                        (g, Parameters::Hash(h)) => Ok((g, h)),
                        _ => Err(malformed("a mask generation function without its hash")),
                    }
                })?;
        }
        if r.peek_tag() == Some(context(2, true)) {
            p.salt_len = r.constructed(context(2, true), "saltLength", "[2]: the salt's length in bytes", |r| {
                small_uint(r, "saltLength", "bytes of random salt")
            })?;
        }
        if r.peek_tag() == Some(context(3, true)) {
            p.trailer = r.constructed(context(3, true), "trailerField", "[3]: 1 means the trailer byte 0xbc", |r| {
                small_uint(r, "trailerField", "the trailer")
            })?;
        }
        Ok(p)
    })
}

/// RFC 8017 appendix A.1.1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn read_rsa_public_key<'a>(r: &mut DerReader<'a>) -> Result<RsaKey<'a>, Error> {
    r.constructed(SEQUENCE, "RSAPublicKey", "an RSA public key (RFC 8017 appendix A.1.1)", |r| {
        let modulus = r.uint("modulus", "n, the product of two secret primes")?;
        if r.annotates() {
            let bits = (modulus.len() * 8).saturating_sub(modulus.first().map_or(8, |b| b.leading_zeros() as usize));
            r.describe_last(format!("{bits} bits"));
        }
        let public_exponent = r.uint("publicExponent", "e, usually 65537")?;
        Ok(RsaKey { modulus, public_exponent })
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
                let n = r.uint("pathLenConstraint", "how many CAs may follow below this one")?;
                ext.path_len = Some(n.iter().try_fold(0u32, |a, &b| a.checked_mul(256)?.checked_add(u32::from(b))).unwrap_or(u32::MAX));
            }
            Ok(())
        }),
        SUBJECT_KEY_IDENTIFIER => {
            let id = r.octet_string("keyIdentifier", "identifies this certificate's public key, to find it as an issuer")?;
            ext.subject_key_id = Some(id.to_vec());
            Ok(())
        }
        AUTHORITY_KEY_IDENTIFIER => r.constructed(SEQUENCE, "AuthorityKeyIdentifier", "which key signed this certificate", |r| {
            if r.peek_tag() == Some(context(0, false)) {
                let id = r.primitive(
                    context(0, false),
                    "keyIdentifier",
                    "the issuer's subjectKeyIdentifier",
                    |_| Ok(()),
                    crate::tls::codec::opaque_value,
                )?;
                ext.authority_key_id = Some(id.to_vec());
            }
            // authorityCertIssuer [1] and authorityCertSerialNumber [2], which come together.
            if r.peek_tag() == Some(context(1, true)) {
                r.any("authorityCertIssuer", "the issuer's issuer, by name")?;
            }
            if r.peek_tag() == Some(context(2, false)) {
                r.any("authorityCertSerialNumber", "the issuer's serial number")?;
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
            if r.annotates() {
                r.describe_last(set.join(", "));
            }
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
        SUBJECT_ALT_NAME => r.constructed(SEQUENCE, "GeneralNames", "other names for the subject", |r| {
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
        }),
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
pub(crate) fn parse_at(der: &[u8], base: usize) -> Result<Parsed<'_>, Error> {
    parse_with(DerReader::new(der, base))
}

/// [`parse`] without the fields (empty): the same checks, the same values, for code that checks a
/// certificate and shows nothing of it (a chain's signatures, an issuer's name).
pub fn parse_unannotated(der: &[u8]) -> Result<Parsed<'_>, Error> {
    parse_with(DerReader::unannotated(der))
}

fn parse_with(mut r: DerReader<'_>) -> Result<Parsed<'_>, Error> {
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
            let (tbs_signature_algorithm, tbs_signature_parameters) =
                read_algorithm(r, "signature", "the algorithm the issuer signs with")?;
            let issuer = read_name(r, "issuer", "who signed this certificate")?;
            let (not_before, not_after) =
                r.constructed(SEQUENCE, "validity", "the certificate is valid only between these times", |r| {
                    let nb = r.time("notBefore", "valid from")?;
                    let na = r.time("notAfter", "valid until")?;
                    Ok((nb, na))
                })?;
            let subject = read_name(r, "subject", "whom this certificate is for")?;
            let (key_algorithm, key_parameters, public_key, rsa_key) =
                r.constructed(SEQUENCE, "subjectPublicKeyInfo", "the subject's public key", |r| {
                    let (alg, params) = read_algorithm(r, "algorithm", "the kind of key")?;
                    // Built without RSA, an RSA key is read as its bit string (and refused later).
                    if alg == RSA_ENCRYPTION && cfg!(feature = "rsa") {
                        let (key, bits) =
                            r.bit_string_der("subjectPublicKey", "the public key itself, an RSAPublicKey in DER", read_rsa_public_key)?;
                        return Ok((alg, params, bits, Some(key)));
                    }
                    let (unused, key) = r.bit_string("subjectPublicKey", "the public key itself: 04 || x || y for P-256")?;
                    if unused != 0 {
                        return Err(malformed("a public key that is not whole bytes"));
                    }
                    Ok((alg, params, key, None))
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
                tbs_signature_parameters,
                issuer,
                subject,
                not_before: DateTime::from_unix(not_before).ok_or_else(|| malformed("a time out of range"))?,
                not_after: DateTime::from_unix(not_after).ok_or_else(|| malformed("a time out of range"))?,
                key_algorithm,
                key_parameters,
                public_key,
                rsa_key,
                extensions,
                signature_algorithm: String::new(),
                signature_parameters: Parameters::Absent,
                signature: &[],
                fields: Vec::new(),
            })
        })?;
        cert.tbs = r.last();
        (cert.signature_algorithm, cert.signature_parameters) =
            read_algorithm(r, "signatureAlgorithm", "the algorithm of the signature below")?;
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

/// Decode a distinguished name on its own (RFC 8446 §4.2.4 certificate_authorities carries
/// them): its RFC 4514 text and its fields, offsets relative to `base`.
pub(crate) fn parse_name_at(der: &[u8], base: usize) -> Result<(String, Vec<Field>), Error> {
    let mut r = DerReader::new(der, base);
    let name = read_name(&mut r, "Name", "a distinguished name (RFC 5280 §4.1.2.4)")?;
    if !r.is_empty() {
        return Err(malformed("bytes after the name"));
    }
    let text = name.text;
    Ok((text, r.into_fields()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::x509::der::DerWriter;
    use crate::tls::x509::issue::{extension, generate_ca, generate_leaf, key_usage};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    const NOW: u64 = 1_790_000_000;

    #[test]
    fn the_parse_names_every_field_of_the_tbs_certificate() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let c = parse_at(&ca.der, 10).unwrap();
        assert_eq!((c.fields[0].start, c.fields[0].len), (10, ca.der.len()));
        // Every element starts with its tag and its length, then its content.
        let top: Vec<&str> = c.fields[0].children.iter().map(|c| &*c.name).collect();
        assert_eq!(top, ["tag", "length", "tbsCertificate", "signatureAlgorithm", "signatureValue"]);
        let names: Vec<&str> = c.fields[0].children[2].children.iter().map(|c| &*c.name).collect();
        assert_eq!(
            names,
            [
                "tag",
                "length",
                "version",
                "serialNumber",
                "signature",
                "issuer",
                "validity",
                "subject",
                "subjectPublicKeyInfo",
                "extensions"
            ]
        );
        // The leaves cover every byte of the certificate, once, in order.
        let mut at = 10;
        for leaf in c.fields[0].leaves() {
            assert_eq!(leaf.start, at, "a gap before {}", leaf.name);
            at += leaf.len;
        }
        assert_eq!(at, 10 + ca.der.len());
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

    /// A parse's values and error, its fields left out.
    fn outcome(r: Result<Parsed<'_>, Error>) -> String {
        format!("{:?}", r.map(|c| Parsed { fields: Vec::new(), ..c }))
    }

    #[test]
    fn the_unannotated_parse_agrees_with_the_annotated_one_on_every_altered_byte() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &ca, "example.com", NOW).unwrap();
        let good = parse_unannotated(&leaf.der).unwrap();
        assert!(good.fields.is_empty());
        assert_eq!(good.subject.text, "CN=example.com");
        assert_eq!(good.extensions.dns_names, ["example.com"]);
        let (mut refused, mut accepted) = (0, 0);
        for i in 0..leaf.der.len() {
            for bits in [0x01, 0x80, 0xff] {
                let mut der = leaf.der.clone();
                der[i] ^= bits;
                let annotated = outcome(parse(&der));
                assert_eq!(outcome(parse_unannotated(&der)), annotated, "byte {i} ^ {bits:#x}");
                if annotated.starts_with("Err") {
                    refused += 1;
                } else {
                    accepted += 1;
                }
            }
        }
        // Both kinds of outcome were compared: a changed key or signature byte still parses, a
        // changed tag or length does not.
        assert!(refused > 100 && accepted > 100, "{refused} refused, {accepted} accepted");
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
