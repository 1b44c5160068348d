//! X.509 certificates: a P-256 CA and a server certificate made with `x509-cert`, and the client's
//! checks of RFC 8446 §4.4.2 and §6.2 (chain to a trust anchor, validity, name, key usage).

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Ia5String, UtcTime};
use der::{Decode, Encode};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use p256::SecretKey;
use rand_core::CryptoRng;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

use super::codec::{opaque_value, Bytes, Field};
use super::error::Error;
use super::events::CertificateInfo;

const OID_SERVER_AUTH: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const OID_ECDSA_SHA256: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A certificate and the private key of its subject.
#[derive(Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub key: SigningKey,
}

pub const CA_NAME: &str = "CN=Handshake Visualizer Demo CA,O=TLS Handshake Visualizer";

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

enum Kind {
    Ca,
    Leaf(String),
}

struct Profile {
    subject: Name,
    issuer: Name,
    kind: Kind,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let s = &self.subject;
        let mut out = Vec::new();
        match &self.kind {
            Kind::Ca => {
                out.push((&BasicConstraints { ca: true, path_len_constraint: Some(0) }).to_extension(s, &[])?);
                out.push(
                    (&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature))
                        .to_extension(s, &[])?,
                );
            }
            Kind::Leaf(host) => {
                out.push((&BasicConstraints { ca: false, path_len_constraint: None }).to_extension(s, &[])?);
                out.push((&KeyUsage(KeyUsages::DigitalSignature.into())).to_extension(s, &[])?);
                out.push((&ExtendedKeyUsage(vec![OID_SERVER_AUTH])).to_extension(s, &[])?);
                let dns = Ia5String::new(host.as_str())?;
                out.push((&SubjectAltName(vec![GeneralName::DnsName(dns)])).to_extension(s, &[])?);
            }
        }
        Ok(out)
    }
}

fn utc(secs: u64) -> Result<Time, Error> {
    UtcTime::from_unix_duration(Duration::from_secs(secs))
        .map(Time::UtcTime)
        .map_err(|_| Error::Internal("time out of UTCTime range"))
}

fn issue<R: CryptoRng + ?Sized>(
    rng: &mut R,
    profile: Profile,
    subject_key: &SecretKey,
    signer: &SigningKey,
    not_before: u64,
    not_after: u64,
) -> Result<Vec<u8>, Error> {
    let mut serial = [0u8; 16];
    rng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let serial = SerialNumber::new(&serial).map_err(|_| Error::Internal("serial"))?;
    let validity = Validity::new(utc(not_before)?, utc(not_after)?);
    let spki_der = subject_key.public_key().to_public_key_der().map_err(|_| Error::Internal("spki"))?;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der.as_bytes()).map_err(|_| Error::Internal("spki"))?;
    let builder = CertificateBuilder::new(profile, serial, validity, spki).map_err(|_| Error::Internal("builder"))?;
    let cert = builder.build::<_, DerSignature>(signer).map_err(|_| Error::Internal("certificate signing"))?;
    cert.to_der().map_err(|_| Error::Internal("certificate encoding"))
}

/// A self-signed CA valid from an hour before `now` for ten years.
pub fn generate_ca<R: CryptoRng + ?Sized>(rng: &mut R, now: u64) -> Result<Issued, Error> {
    let key = generate_key(rng);
    let name = Name::from_str(CA_NAME).map_err(|_| Error::Internal("CA name"))?;
    let profile = Profile { subject: name.clone(), issuer: name, kind: Kind::Ca };
    let signer = SigningKey::from(&key);
    let der = issue(rng, profile, &key, &signer, now.saturating_sub(3600), now + 10 * 365 * 86400)?;
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
    let key = generate_key(rng);
    let ca_cert = Certificate::from_der(&ca.der).map_err(|_| Error::Internal("CA certificate"))?;
    let subject = Name::from_str(&format!("CN={hostname}")).map_err(|_| Error::Internal("subject name"))?;
    let profile = Profile { subject, issuer: ca_cert.tbs_certificate().subject().clone(), kind: Kind::Leaf(hostname.into()) };
    let der = issue(rng, profile, &key, &ca.key, not_before, not_after)?;
    Ok(Issued { der, key: SigningKey::from(&key) })
}

/// The outcome of one check, for the trace.
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

fn parse(der: &[u8]) -> Result<Certificate, Error> {
    Certificate::from_der(der).map_err(|e| Error::BadCertificate(format!("the certificate does not parse: {e}")))
}

fn public_key(cert: &Certificate) -> Result<VerifyingKey, Error> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
        .map_err(|_| Error::BadCertificate("the key is not a P-256 public key".into()))
}

fn signed_by(cert: &Certificate, issuer_key: &VerifyingKey) -> bool {
    if cert.signature_algorithm().oid != OID_ECDSA_SHA256 {
        return false;
    }
    let (Ok(tbs), Some(sig)) = (cert.tbs_certificate().to_der(), cert.signature().as_bytes()) else {
        return false;
    };
    match Signature::from_der(sig) {
        Ok(sig) => issuer_key.verify(&tbs, &sig).is_ok(),
        Err(_) => false,
    }
}

fn name_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    if let Some(rest) = p.strip_prefix("*.") {
        // A wildcard stands for exactly one leftmost label.
        return h.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest);
    }
    p == h
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
        if cert.tbs_certificate().issuer() == anchor.tbs_certificate().subject() && signed_by(cert, &anchor_key) {
            trusted = true;
            break;
        }
        let Some(next) = certs.get(i + 1) else { break };
        let next_key = public_key(next)?;
        if cert.tbs_certificate().issuer() != next.tbs_certificate().subject() || !signed_by(cert, &next_key) {
            break;
        }
    }
    let issuer = certs[0].tbs_certificate().issuer().to_string();
    let anchor_name = anchor.tbs_certificate().subject().to_string();
    if !trusted {
        let detail = format!("issuer \"{issuer}\" is not signed for by the trusted CA \"{anchor_name}\"");
        checks.push(Check { name: "issuer", ok: false, detail: detail.clone() });
        return Err(Error::UnknownCa(detail));
    }
    checks.push(Check { name: "issuer", ok: true, detail: format!("signed by the trusted CA \"{anchor_name}\"") });

    // 2. Validity window of every certificate in the chain.
    for cert in &certs {
        let v = cert.tbs_certificate().validity();
        let (nb, na) = (v.not_before.to_unix_duration().as_secs(), v.not_after.to_unix_duration().as_secs());
        if now < nb || now > na {
            let detail = format!("valid from {} to {}, but now is {}", v.not_before, v.not_after, fmt_time(now));
            checks.push(Check { name: "validity", ok: false, detail: detail.clone() });
            return Err(Error::CertificateExpired(detail));
        }
    }
    let v = certs[0].tbs_certificate().validity();
    checks.push(Check { name: "validity", ok: true, detail: format!("valid from {} to {}", v.not_before, v.not_after) });

    // 3. Name: a subjectAltName dNSName must match.
    let info = extension_facts(&certs[0])?;
    if !info.dns_names.iter().any(|n| name_matches(n, hostname)) {
        let detail = format!("certificate names {:?} do not include \"{hostname}\"", info.dns_names);
        checks.push(Check { name: "name", ok: false, detail: detail.clone() });
        return Err(Error::BadCertificate(detail));
    }
    checks.push(Check { name: "name", ok: true, detail: format!("\"{hostname}\" is in subjectAltName") });

    // 4. Usage: digitalSignature and serverAuth, where the extensions are present.
    let ku_ok = info.key_usage.is_empty() || info.key_usage.contains("digitalSignature");
    let eku_ok = info.extended_key_usage.is_empty() || info.extended_key_usage.contains("serverAuth");
    if !ku_ok || !eku_ok || info.is_ca {
        let detail = format!("key usage \"{}\", extended key usage \"{}\"", info.key_usage, info.extended_key_usage);
        checks.push(Check { name: "usage", ok: false, detail: detail.clone() });
        return Err(Error::BadCertificate(detail));
    }
    checks.push(Check { name: "usage", ok: true, detail: "may sign TLS handshakes for a server".into() });
    public_key(&certs[0])
}

fn fmt_time(unix: u64) -> String {
    match der::DateTime::from_unix_duration(Duration::from_secs(unix)) {
        Ok(t) => t.to_string(),
        Err(_) => format!("{unix}"),
    }
}

/// What a certificate's extensions say: its names and what it may be used for.
struct ExtensionFacts {
    dns_names: Vec<String>,
    key_usage: String,
    extended_key_usage: String,
    is_ca: bool,
}

fn extension_facts(cert: &Certificate) -> Result<ExtensionFacts, Error> {
    let mut f = ExtensionFacts { dns_names: Vec::new(), key_usage: String::new(), extended_key_usage: String::new(), is_ca: false };
    for ext in cert.tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or(&[]) {
        let v = ext.extn_value.as_bytes();
        match ext.extn_id.to_string().as_str() {
            "2.5.29.17" => {
                let san = SubjectAltName::from_der(v).map_err(|_| Error::BadCertificate("subjectAltName".into()))?;
                for n in san.0 {
                    if let GeneralName::DnsName(d) = n {
                        f.dns_names.push(d.to_string());
                    }
                }
            }
            "2.5.29.15" => {
                let ku = KeyUsage::from_der(v).map_err(|_| Error::BadCertificate("keyUsage".into()))?;
                let names = [(ku.digital_signature(), "digitalSignature"), (ku.key_cert_sign(), "keyCertSign"), (ku.crl_sign(), "cRLSign")];
                f.key_usage = names.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>().join(", ");
            }
            "2.5.29.37" => {
                let eku = ExtendedKeyUsage::from_der(v).map_err(|_| Error::BadCertificate("extKeyUsage".into()))?;
                f.extended_key_usage = eku.0.iter().map(|o| oid_name(&o.to_string())).collect::<Vec<_>>().join(", ");
            }
            "2.5.29.19" => {
                let bc = BasicConstraints::from_der(v).map_err(|_| Error::BadCertificate("basicConstraints".into()))?;
                f.is_ca = bc.ca;
            }
            _ => {}
        }
    }
    Ok(f)
}

/// The fields of a certificate a reader cares about, and its annotated DER.
pub fn describe(der_bytes: &[u8]) -> Result<CertificateInfo, Error> {
    let cert = parse(der_bytes)?;
    let tbs = cert.tbs_certificate();
    let f = extension_facts(&cert)?;
    Ok(CertificateInfo {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: tbs.serial_number().to_string(),
        not_before: tbs.validity().not_before.to_string(),
        not_after: tbs.validity().not_after.to_string(),
        dns_names: f.dns_names,
        key_usage: f.key_usage,
        extended_key_usage: f.extended_key_usage,
        is_ca: f.is_ca,
        public_key: Bytes(tbs.subject_public_key_info().subject_public_key.raw_bytes().to_vec()),
        signature_algorithm: oid_name(&cert.signature_algorithm().oid.to_string()),
        signature: Bytes(cert.signature().raw_bytes().to_vec()),
        der: Bytes(der_bytes.to_vec()),
        fields: annotate_der(der_bytes),
    })
}

fn oid_name(oid: &str) -> String {
    let n = match oid {
        "1.2.840.10045.2.1" => "id-ecPublicKey",
        "1.2.840.10045.3.1.7" => "prime256v1 (P-256)",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "2.5.4.3" => "commonName",
        "2.5.4.10" => "organizationName",
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.37" => "extKeyUsage",
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        _ => return oid.to_string(),
    };
    format!("{n} ({oid})")
}

/// Field names of RFC 5280 §4.1 by position, for the first two levels of a certificate.
const CERT_FIELDS: [&str; 3] = ["tbsCertificate", "signatureAlgorithm", "signatureValue"];
const TBS_FIELDS: [&str; 8] =
    ["version", "serialNumber", "signature", "issuer", "validity", "subject", "subjectPublicKeyInfo", "extensions"];

/// Annotate DER by walking its tag-length-value structure (X.690 §8.1).
pub fn annotate_der(bytes: &[u8]) -> Vec<Field> {
    let mut out = Vec::new();
    walk(bytes, 0, 0, &mut out, 0);
    if let Some(cert) = out.first_mut() {
        cert.name = "Certificate".into();
        for (c, n) in cert.children.iter_mut().zip(CERT_FIELDS) {
            c.name = n.into();
        }
        if let Some(tbs) = cert.children.first_mut() {
            for (c, n) in tbs.children.iter_mut().zip(TBS_FIELDS) {
                c.name = n.into();
            }
        }
    }
    out
}

fn walk(bytes: &[u8], base: usize, depth: usize, out: &mut Vec<Field>, mut at: usize) {
    while at < bytes.len() && depth < 12 {
        let start = at;
        let tag = bytes[at];
        at += 1;
        let Some(&first) = bytes.get(at) else { return };
        at += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 3 || at + n > bytes.len() {
                return;
            }
            let l = bytes[at..at + n].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
            at += n;
            l
        };
        if at + len > bytes.len() {
            return;
        }
        let content = &bytes[at..at + len];
        let (name, value, meaning) = describe_tlv(tag, content);
        let mut f = Field::new(&name, base + start, at + len - start, value, &meaning);
        let constructed = tag & 0x20 != 0;
        if constructed {
            walk(content, base + at, depth + 1, &mut f.children, 0);
        } else if tag == 0x04 && content.first().is_some_and(|&b| b == 0x30) {
            // An extension's OCTET STRING wraps more DER.
            walk(content, base + at, depth + 1, &mut f.children, 0);
        }
        out.push(f);
        at += len;
    }
}

fn describe_tlv(tag: u8, content: &[u8]) -> (String, String, String) {
    match tag {
        0x30 => ("SEQUENCE".into(), format!("{} bytes", content.len()), String::new()),
        0x31 => ("SET".into(), format!("{} bytes", content.len()), String::new()),
        0x02 => ("INTEGER".into(), opaque_value(content), String::new()),
        0x01 => ("BOOLEAN".into(), (content != [0]).to_string(), String::new()),
        0x03 => ("BIT STRING".into(), opaque_value(content), String::new()),
        0x04 => ("OCTET STRING".into(), opaque_value(content), String::new()),
        0x05 => ("NULL".into(), String::new(), String::new()),
        0x06 => {
            let oid = der::oid::ObjectIdentifier::from_bytes(content).map(|o| o.to_string()).unwrap_or_default();
            ("OBJECT IDENTIFIER".into(), oid_name(&oid), String::new())
        }
        0x0c | 0x13 | 0x16 => ("string".into(), String::from_utf8_lossy(content).into_owned(), String::new()),
        0x17 | 0x18 => ("time".into(), String::from_utf8_lossy(content).into_owned(), String::new()),
        t if t & 0xc0 == 0x80 => (format!("[{}]", t & 0x1f), opaque_value(content), String::new()),
        t => (format!("tag 0x{t:02x}"), opaque_value(content), String::new()),
    }
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
    fn der_annotation_names_the_tbs_fields() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let f = annotate_der(&ca.der);
        assert_eq!(f[0].len, ca.der.len());
        let names: Vec<&str> = f[0].children[0].children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(&names[..3], &["version", "serialNumber", "signature"]);
    }
}
