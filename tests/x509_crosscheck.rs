//! The engine's own certificate code (src/tls/x509/) checked against RustCrypto's `x509-cert`, an
//! independent implementation of RFC 5280: it reads our certificates with the same meaning, its
//! builder writes the same bytes from the same inputs, and what it writes, ours reads and verifies.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::tls::error::Error;
use tlsviz::tls::x509::describe::describe;
use tlsviz::tls::x509::issue::{self, Issued};
use tlsviz::tls::x509::parse::parse;
use tlsviz::tls::x509::verify::verify_server_chain;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

const NOW: u64 = 1_795_000_000;

fn chain(seed: u64, host: &str) -> (Issued, Issued) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let ca = issue::generate_ca(&mut rng, NOW).unwrap();
    let leaf = issue::generate_leaf(&mut rng, &ca, host, NOW).unwrap();
    (ca, leaf)
}

/// A root, an intermediate it signed, and a leaf the intermediate signed.
fn three(seed: u64, host: &str) -> (Issued, Issued, Issued) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let ca = issue::generate_ca(&mut rng, NOW).unwrap();
    let inter = issue::generate_intermediate(&mut rng, &ca, NOW).unwrap();
    let leaf = issue::generate_leaf(&mut rng, &inter, host, NOW).unwrap();
    (ca, inter, leaf)
}

/// x509-cert's reading of the two key identifier extensions (RFC 5280 §4.2.1.1–2).
fn key_ids(der: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let c = Certificate::from_der(der).unwrap();
    let exts = c.tbs_certificate().extensions().cloned().unwrap_or_default();
    let find = |oid: &str| exts.iter().find(|e| e.extn_id.to_string() == oid).map(|e| e.extn_value.as_bytes().to_vec());
    let ski = find("2.5.29.14").map(|v| SubjectKeyIdentifier::from_der(&v).unwrap().0.as_bytes().to_vec());
    let aki = find("2.5.29.35").and_then(|v| AuthorityKeyIdentifier::from_der(&v).unwrap().key_identifier.map(|k| k.as_bytes().to_vec()));
    (ski, aki)
}

#[test]
fn x509_cert_reads_our_certificates_with_the_same_fields() {
    for seed in 0..4 {
        let (ca, leaf) = chain(seed, "www.example.com");
        for der in [&ca.der, &leaf.der] {
            let theirs = Certificate::from_der(der).expect("x509-cert parses the certificate");
            assert_eq!(&theirs.to_der().unwrap(), der, "x509-cert re-encodes it identically, so it is DER");
            let tbs = theirs.tbs_certificate();
            let ours = describe(der).unwrap();
            assert_eq!(ours.subject, tbs.subject().to_string());
            assert_eq!(ours.issuer, tbs.issuer().to_string());
            assert_eq!(ours.serial, tbs.serial_number().to_string());
            assert_eq!(ours.not_before.0, tbs.validity().not_before.to_unix_duration().as_secs());
            assert_eq!(ours.not_after.0, tbs.validity().not_after.to_unix_duration().as_secs());
            assert_eq!(ours.public_key.0, tbs.subject_public_key_info().subject_public_key.raw_bytes());
            assert_eq!(ours.signature.0, theirs.signature().raw_bytes());
            let parsed = parse(der).unwrap();
            assert_eq!(parsed.tbs, tbs.to_der().unwrap(), "the signed bytes");
        }
        // Both read the same key identifiers, and each is what RFC 7093 §2 method 1 gives for
        // the certificate's key; a leaf names its CA's, a self-signed CA none.
        let (root, inter, leaf3) = three(seed, "www.example.com");
        for der in [&ca.der, &leaf.der, &root.der, &inter.der, &leaf3.der] {
            let ours = parse(der).unwrap();
            let (ski, aki) = key_ids(der);
            assert_eq!(ours.extensions.subject_key_id, ski, "subjectKeyIdentifier");
            assert_eq!(ours.extensions.authority_key_id, aki, "authorityKeyIdentifier");
            assert_eq!(ski.as_deref(), Some(&issue::key_identifier(ours.public_key)[..]));
        }
        let ski = |der: &[u8]| key_ids(der).0;
        assert_eq!(key_ids(&ca.der).1, None);
        assert_eq!(key_ids(&leaf.der).1, ski(&ca.der));
        assert_eq!(key_ids(&inter.der).1, ski(&root.der));
        assert_eq!(key_ids(&leaf3.der).1, ski(&inter.der));
        let inter_info = describe(&inter.der).unwrap();
        assert!(inter_info.is_ca && inter_info.issuer == describe(&root.der).unwrap().subject);
        let path_len = |der: &[u8]| {
            let c = Certificate::from_der(der).unwrap();
            let exts = c.tbs_certificate().extensions().cloned().unwrap_or_default();
            let bc = exts.iter().find(|e| e.extn_id.to_string() == "2.5.29.19").unwrap();
            BasicConstraints::from_der(bc.extn_value.as_bytes()).unwrap().path_len_constraint
        };
        assert_eq!((path_len(&root.der), parse(&root.der).unwrap().extensions.path_len), (None, None));
        assert_eq!((path_len(&inter.der), parse(&inter.der).unwrap().extensions.path_len), (Some(0), Some(0)));

        let (ca_info, leaf_info) = (describe(&ca.der).unwrap(), describe(&leaf.der).unwrap());
        assert!(ca_info.is_ca && !leaf_info.is_ca);
        assert_eq!(leaf_info.dns_names, ["www.example.com"]);
        assert_eq!(ca_info.key_usage, ["digitalSignature", "keyCertSign", "cRLSign"]);
        assert_eq!(leaf_info.key_usage, ["digitalSignature"]);
        assert_eq!(leaf_info.extended_key_usage, ["serverAuth (1.3.6.1.5.5.7.3.1)"]);
    }
}

/// The extensions the engine puts in its certificates, through x509-cert's builder.
struct Profile {
    subject: Name,
    issuer: Name,
    /// `None` for a CA (with this pathLenConstraint), the dNSName of a server certificate.
    leaf_host: Option<String>,
    path_len: Option<u8>,
    /// The subject's and, unless self-signed, the issuer's key identifiers.
    subject_key_id: Vec<u8>,
    authority_key_id: Option<Vec<u8>>,
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
        let mut exts = match &self.leaf_host {
            None => vec![
                (&BasicConstraints { ca: true, path_len_constraint: self.path_len }).to_extension(s, &[])?,
                (&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature)).to_extension(s, &[])?,
            ],
            Some(host) => vec![
                (&BasicConstraints { ca: false, path_len_constraint: None }).to_extension(s, &[])?,
                (&KeyUsage(KeyUsages::DigitalSignature.into())).to_extension(s, &[])?,
                (&ExtendedKeyUsage(vec![der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1")])).to_extension(s, &[])?,
                (&SubjectAltName(vec![GeneralName::DnsName(Ia5String::new(host.as_str())?)])).to_extension(s, &[])?,
            ],
        };
        exts.push((&SubjectKeyIdentifier(OctetString::new(self.subject_key_id.clone())?)).to_extension(s, &[])?);
        if let Some(id) = &self.authority_key_id {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(id.clone())?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push((&aki).to_extension(s, &[])?);
        }
        Ok(exts)
    }
}

/// Rebuild `ours` with x509-cert from its serial, validity and key, signed by `signer`.
fn rebuild(ours: &[u8], profile: Profile, signer: &SigningKey) -> Vec<u8> {
    let c = Certificate::from_der(ours).unwrap();
    let tbs = c.tbs_certificate();
    let builder =
        CertificateBuilder::new(profile, tbs.serial_number().clone(), *tbs.validity(), tbs.subject_public_key_info().clone()).unwrap();
    builder.build::<_, DerSignature>(signer).unwrap().to_der().unwrap()
}

#[test]
fn x509_cert_builder_writes_the_same_bytes_from_the_same_inputs() {
    // ECDSA signing is deterministic (RFC 6979), so equal inputs give equal certificates.
    let (ca, inter, leaf) = three(9, "localhost");
    let id = |der: &[u8]| issue::key_identifier(parse(der).unwrap().public_key).to_vec();
    let ca_name = Name::from_str("CN=Handshake Visualizer Demo CA,O=TLS Handshake Visualizer").unwrap();
    let inter_name = Name::from_str("CN=Handshake Visualizer Demo Intermediate CA,O=TLS Handshake Visualizer").unwrap();
    let ca_profile = Profile {
        subject: ca_name.clone(),
        issuer: ca_name.clone(),
        leaf_host: None,
        path_len: None,
        subject_key_id: id(&ca.der),
        authority_key_id: None,
    };
    assert_eq!(rebuild(&ca.der, ca_profile, ca.key.as_p256().unwrap()), ca.der);
    let inter_profile = Profile {
        subject: inter_name.clone(),
        issuer: ca_name,
        leaf_host: None,
        path_len: Some(0),
        subject_key_id: id(&inter.der),
        authority_key_id: Some(id(&ca.der)),
    };
    assert_eq!(rebuild(&inter.der, inter_profile, ca.key.as_p256().unwrap()), inter.der);
    let leaf_profile = Profile {
        subject: Name::from_str("CN=localhost").unwrap(),
        issuer: inter_name,
        leaf_host: Some("localhost".into()),
        path_len: None,
        subject_key_id: id(&leaf.der),
        authority_key_id: Some(id(&inter.der)),
    };
    assert_eq!(rebuild(&leaf.der, leaf_profile, inter.key.as_p256().unwrap()), leaf.der);
}

/// A server certificate written by x509-cert, with what the engine never writes itself: several
/// subjectAltNames of different kinds, a PrintableString-free multi-attribute subject, a
/// GeneralizedTime, no extKeyUsage.
fn foreign_leaf(ca: &Issued, not_after: u64) -> Vec<u8> {
    struct Foreign(Name, Name);
    impl BuilderProfile for Foreign {
        fn get_issuer(&self, _subject: &Name) -> Name {
            self.1.clone()
        }
        fn get_subject(&self) -> Name {
            self.0.clone()
        }
        fn build_extensions(
            &self,
            _spk: SubjectPublicKeyInfoRef<'_>,
            _issuer_spk: SubjectPublicKeyInfoRef<'_>,
            _tbs: &TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<Extension>> {
            let names = vec![
                GeneralName::IpAddress(OctetString::new(vec![127, 0, 0, 1])?),
                GeneralName::DnsName(Ia5String::new("a.example")?),
                GeneralName::DnsName(Ia5String::new("*.b.example")?),
            ];
            Ok(vec![
                (&KeyUsage(KeyUsages::DigitalSignature.into())).to_extension(&self.0, &[])?,
                (&SubjectAltName(names)).to_extension(&self.0, &[])?,
            ])
        }
    }
    let issuer = Certificate::from_der(&ca.der).unwrap().tbs_certificate().subject().clone();
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_der(key.verifying_key().to_public_key_der().unwrap().as_bytes()).unwrap();
    let time = |t: u64| Time::try_from(std::time::UNIX_EPOCH + Duration::from_secs(t)).unwrap();
    let validity = Validity::new(time(NOW - 86400), time(not_after));
    let subject = Name::from_str("CN=b.example,OU=Web,O=Example\\, Inc.,C=NZ").unwrap();
    let builder = CertificateBuilder::new(Foreign(subject, issuer), SerialNumber::from(7u32), validity, spki).unwrap();
    builder.build::<_, DerSignature>(ca.key.as_p256().unwrap()).unwrap().to_der().unwrap()
}

#[test]
fn our_checks_accept_a_certificate_x509_cert_wrote() {
    let (ca, _) = chain(10, "unused.example");
    // 2051 needs a GeneralizedTime (RFC 5280 §4.1.2.5).
    let der = foreign_leaf(&ca, 2_556_143_999);
    let theirs = Certificate::from_der(&der).unwrap();
    assert!(matches!(theirs.tbs_certificate().validity().not_after, Time::GeneralTime(_)));
    let info = describe(&der).unwrap();
    assert_eq!(info.subject, theirs.tbs_certificate().subject().to_string());
    assert_eq!(info.not_after.0, theirs.tbs_certificate().validity().not_after.to_unix_duration().as_secs());
    assert_eq!(info.dns_names, ["a.example", "*.b.example"]);
    for host in ["a.example", "www.b.example"] {
        let mut checks = Vec::new();
        assert!(verify_server_chain(std::slice::from_ref(&der), &ca.der, host, NOW, &mut checks).is_ok(), "{host}");
        assert!(checks.iter().all(|c| c.ok));
    }
    let err = verify_server_chain(&[der], &ca.der, "b.example", NOW, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, Error::BadCertificate(_)), "a wildcard does not match the bare domain");
}

#[test]
fn a_certificate_x509_cert_decodes_differently_is_not_accepted_by_ours() {
    // DER's strictness in both: a BER long-form length where the short form fits.
    let (_, leaf) = chain(11, "example.com");
    let mut ber = vec![leaf.der[0], 0x83, 0x00];
    ber.extend_from_slice(&leaf.der[2..]);
    assert!(Certificate::from_der(&ber).is_err());
    assert!(parse(&ber).is_err());
}
