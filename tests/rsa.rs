//! RSA against known answers made by OpenSSL (tests/vectors/rsa, with the commands in make.sh):
//! an rsa_pss_rsae_sha256 signature, certificates signed with sha256WithRSAEncryption (PKCS#1
//! v1.5) and RSASSA-PSS, their annotated fields; and the engine's RSA server in a pair.
//! Without the `rsa` feature the same certificates are refused with unsupported_certificate.

#![cfg_attr(not(feature = "rsa"), allow(dead_code, unused_imports))]

mod common;

use tlsviz::tls::auth::{self, KeyType};
use tlsviz::tls::enums::{AlertDescription, SignatureScheme as S};
use tlsviz::tls::error::Error;
use tlsviz::tls::x509::verify::{certificate_key, verify_server_chain};

const CA: &[u8] = include_bytes!("vectors/rsa/ca.der");
const LEAF_PKCS1: &[u8] = include_bytes!("vectors/rsa/leaf-pkcs1.der");
const LEAF_PSS: &[u8] = include_bytes!("vectors/rsa/leaf-pss.der");
const MESSAGE: &[u8] = include_bytes!("vectors/rsa/message.txt");
const MESSAGE_PSS: &[u8] = include_bytes!("vectors/rsa/message.pss.sig");
const MESSAGE_PKCS1: &[u8] = include_bytes!("vectors/rsa/message.pkcs1.sig");

/// 2027-01-15, inside the OpenSSL certificates' validity (December 2026 for 100 years).
const NOW: u64 = 1_800_000_000;

#[cfg(feature = "rsa")]
#[test]
fn an_openssl_rsa_pss_signature_verifies_as_rsa_pss_rsae_sha256_and_nothing_else_does() {
    let key = certificate_key(LEAF_PSS).unwrap();
    assert_eq!(key.key_type(), KeyType::Rsa);
    assert_eq!(MESSAGE_PSS.len(), 256, "a 2048-bit signature");
    assert!(auth::verify(&key, S::rsa_pss_rsae_sha256, MESSAGE, MESSAGE_PSS));
    // Another message, a flipped bit of the signature, a shorter or longer signature.
    assert!(!auth::verify(&key, S::rsa_pss_rsae_sha256, b"another message", MESSAGE_PSS));
    let mut flipped = MESSAGE_PSS.to_vec();
    flipped[100] ^= 0x10;
    assert!(!auth::verify(&key, S::rsa_pss_rsae_sha256, MESSAGE, &flipped));
    assert!(!auth::verify(&key, S::rsa_pss_rsae_sha256, MESSAGE, &MESSAGE_PSS[1..]));
    assert!(!auth::verify(&key, S::rsa_pss_rsae_sha256, MESSAGE, &[MESSAGE_PSS, &[0]].concat()));
    // OpenSSL's PKCS#1 v1.5 signature of the same message is no RSA-PSS signature, and
    // rsa_pkcs1_sha256 is never a CertificateVerify scheme (RFC 8446 §4.2.3).
    assert!(!auth::verify(&key, S::rsa_pss_rsae_sha256, MESSAGE, MESSAGE_PKCS1));
    assert!(!auth::verify(&key, S::rsa_pkcs1_sha256, MESSAGE, MESSAGE_PKCS1));
    // Nor is an ECDSA scheme an RSA key's.
    assert!(!auth::verify(&key, S::ecdsa_secp256r1_sha256, MESSAGE, MESSAGE_PSS));
}

#[cfg(feature = "rsa")]
#[test]
fn openssl_rsa_certificates_signed_with_pkcs1_and_with_pss_verify_up_to_the_openssl_root() {
    for (leaf, algorithm) in
        [(LEAF_PKCS1, "sha256WithRSAEncryption (1.2.840.113549.1.1.11)"), (LEAF_PSS, "id-RSASSA-PSS (1.2.840.113549.1.1.10)")]
    {
        let mut checks = Vec::new();
        let key = verify_server_chain(&[leaf.to_vec()], CA, "rsa.example", NOW, &mut checks);
        assert!(key.is_ok(), "{algorithm}: {key:?} {checks:?}");
        assert_eq!(key.unwrap().key_type(), KeyType::Rsa);
        let anchor = checks.iter().find_map(|c| match &c.kind {
            tlsviz::tls::events::CheckKind::TrustAnchor { algorithm, signature_valid, .. } => Some((algorithm.clone(), *signature_valid)),
            _ => None,
        });
        assert_eq!(anchor, Some((algorithm.to_string(), true)));
        // One bit of the signature, or of the signed part, and the CA did not sign it.
        for at in [leaf.len() - 10, 200] {
            let mut bad = leaf.to_vec();
            bad[at] ^= 0x01;
            let res = verify_server_chain(&[bad], CA, "rsa.example", NOW, &mut Vec::new());
            assert!(matches!(res, Err(Error::UnknownCa(_)) | Err(Error::BadCertificate(_))), "{algorithm} byte {at}: {res:?}");
        }
    }
}

/// The decoder names the parts of an RSA certificate OpenSSL made: the RSAPublicKey's modulus
/// (2048 bits) and exponent (65537), the RSASSA-PSS parameters; the named leaves cover every
/// byte, once, in order.
#[test]
fn the_annotated_view_of_an_openssl_rsa_certificate_names_its_rsa_fields() {
    let info = tlsviz::tls::x509::describe::describe(LEAF_PSS).unwrap();
    fn all(f: &tlsviz::tls::codec::Field, out: &mut Vec<(String, String)>) {
        out.push((f.name.to_string(), f.value.clone()));
        for c in &f.children {
            all(c, out);
        }
    }
    let mut named = Vec::new();
    for f in &info.fields {
        all(f, &mut named);
    }
    let value = |name: &str| named.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    assert_eq!(value("modulus"), vec!["2048 bits"]);
    assert_eq!(value("publicExponent"), vec!["010001"], "65537");
    assert!(value("saltLength").contains(&"32".to_string()), "{:?}", value("saltLength"));
    assert_eq!(value("RSASSA-PSS-params").len(), 2, "in tbsCertificate and in signatureAlgorithm");
    assert!(value("algorithm").iter().any(|v| v == "rsaEncryption (1.2.840.113549.1.1.1)"));
    assert!(value("algorithm").iter().any(|v| v == "id-sha256 (2.16.840.1.101.3.4.2.1)"));
    assert_eq!(info.signature_algorithm, "id-RSASSA-PSS (1.2.840.113549.1.1.10)");
    let mut at = 0;
    for leaf in info.fields[0].leaves() {
        assert_eq!(leaf.start, at, "a gap before {}", leaf.name);
        at += leaf.len;
    }
    assert_eq!(at, LEAF_PSS.len());
}

#[test]
fn every_truncation_of_an_rsa_certificate_is_an_error_not_a_panic() {
    for n in 0..LEAF_PSS.len() {
        assert!(tlsviz::tls::x509::parse::parse(&LEAF_PSS[..n]).is_err(), "{n} bytes parsed");
    }
}

/// Without the `rsa` feature: RFC 8446 §6.2 unsupported_certificate, for an RSA key and for a
/// certificate signed with RSA alike.
#[cfg(not(feature = "rsa"))]
#[test]
fn without_rsa_an_rsa_certificate_is_unsupported_certificate() {
    assert!(matches!(certificate_key(LEAF_PSS), Err(Error::UnsupportedCertificate(_))));
    for leaf in [LEAF_PKCS1, LEAF_PSS] {
        let res = verify_server_chain(&[leaf.to_vec()], CA, "rsa.example", NOW, &mut Vec::new());
        assert_eq!(res.map(|_| ()).map_err(|e| e.alert()), Err(AlertDescription::unsupported_certificate));
    }
    assert!(auth::choose(KeyType::Rsa, &[S::rsa_pss_rsae_sha256], &[S::rsa_pss_rsae_sha256]).is_none());
}

/// The simulation's RSA server (its fixed test key, under the P-256 demo CAs) and the engine's
/// client: the server signs with rsa_pss_rsae_sha256, the client's check passes.
#[cfg(feature = "rsa")]
#[test]
fn the_simulated_rsa_server_signs_with_rsa_pss_and_the_client_verifies_it() {
    use tlsviz::sim::{self, Options};
    use tlsviz::tls::events::{CheckKind, Event};
    let opts = Options { seed: Some(3), ..Options::default() };
    let mut setup = opts.scenario.setup(&opts);
    setup.server_key = KeyType::Rsa;
    let t = sim::run_with(&opts, setup);
    assert!(t.connections[0].handshake_complete, "{:?}", t.connections[0].alerts);
    let events: Vec<&Event> = t.events.iter().filter_map(|e| e.event()).collect();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Signed { scheme: S::rsa_pss_rsae_sha256, signature, .. } if signature.0.len() == 256)));
    assert!(events.iter().any(|e| matches!(e, Event::Check(c) if c.ok
        && matches!(c.kind, CheckKind::CertificateVerify { scheme: S::rsa_pss_rsae_sha256, .. }))));
}

/// RFC 8446 §4.2.3, §4.1.1: a server with an RSA key and a client that offers only ECDSA: the
/// server has no scheme to sign with and ends the handshake with handshake_failure.
#[cfg(feature = "rsa")]
#[test]
fn an_rsa_server_and_a_client_offering_only_ecdsa_is_handshake_failure() {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use tlsviz::tls::client::Client;
    use tlsviz::tls::server::Server;
    let (c, mut s, pki) = common::configs(5, true, Default::default());
    let key = tlsviz::sim::test_rsa_key().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let leaf = tlsviz::tls::x509::issue::generate_leaf_for(&mut rng, &pki.intermediate, "example.com", common::NOW, key).unwrap();
    s.chain = vec![leaf.der, pki.intermediate.der.clone()];
    s.key = leaf.key;
    s.signature_schemes = vec![S::rsa_pss_rsae_sha256, S::ecdsa_secp256r1_sha256];
    assert_eq!(c.signature_schemes, vec![S::ecdsa_secp256r1_sha256]);
    let mut client = Client::new(c, ChaCha20Rng::seed_from_u64(7));
    let mut server = Server::new(s, ChaCha20Rng::seed_from_u64(8));
    client.start();
    let hello = client.common.take_output();
    assert_eq!(common::alert_after(&mut server, &hello, false), AlertDescription::handshake_failure);
}
