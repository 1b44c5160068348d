//! The client's checks of a server's certificate chain (RFC 8446 §4.4.2.4 and §6.2): chain to a
//! trust anchor, validity, name and key usage, each recorded as a [`Check`] for the trace.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::VerifyingKey;

use super::describe::{extended_key_usage_list, key_usage_list};
use super::ecdsa;
use super::oid::{self, ECDSA_SHA256, EC_PUBLIC_KEY, PRIME256V1, SERVER_AUTH};
use super::parse::{parse, Parsed};
use crate::tls::error::Error;
use crate::tls::events::{Check, CheckKind, Failure, UnixTime};

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

/// Record the outcome of one check; a failure carries the error it ends the handshake with.
fn record(checks: &mut Vec<Check>, kind: CheckKind, result: Result<(), Error>) -> Result<(), Error> {
    checks.push(Check { kind, ok: result.is_ok(), failure: result.as_ref().err().map(Failure::of) });
    result
}

/// RFC 8446 §4.4.2.4 and §6.2: check a server's chain (leaf first) against one trust anchor at
/// time `now`, for `hostname`. Returns the leaf's key; every check made goes into `checks`, in
/// order, and the first failed one is the error.
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
    let anchor = parse(anchor).map_err(|_| Error::BadCertificate("the trust anchor does not parse".into()))?;
    let anchor_key = public_key(&anchor)?;
    let certs = chain.iter().map(|c| parse(c)).collect::<Result<Vec<_>, _>>()?;

    // 1. Chain: each certificate is signed by the next one, the last by the trust anchor.
    let mut last = &certs[0];
    for (i, cert) in certs.iter().enumerate() {
        last = cert;
        if cert.issuer.der == anchor.subject.der && signed_by(cert, &anchor_key) {
            break;
        }
        let Some(next) = certs.get(i + 1) else { break };
        let next_key = public_key(next)?;
        let signed = cert.issuer.der == next.subject.der && signed_by(cert, &next_key);
        let kind = CheckKind::IssuerSignature {
            certificate: cert.subject.text.clone(),
            issuer: next.subject.text.clone(),
            algorithm: oid::oid_name(&cert.signature_algorithm),
        };
        let res =
            if signed { Ok(()) } else { Err(Error::BadCertificate("a certificate in the chain is not signed by the next one".into())) };
        record(checks, kind, res)?;
    }
    let names_match = last.issuer.der == anchor.subject.der;
    let signature_valid = signed_by(last, &anchor_key);
    let kind = CheckKind::TrustAnchor {
        certificate: last.subject.text.clone(),
        issuer: last.issuer.text.clone(),
        anchor: anchor.subject.text.clone(),
        names_match,
        signature_valid,
        algorithm: oid::oid_name(&last.signature_algorithm),
    };
    let res = if names_match && signature_valid {
        Ok(())
    } else if names_match {
        Err(Error::UnknownCa("the issuer's name is the trusted CA's, but the signature is not the trusted CA's".into()))
    } else {
        Err(Error::UnknownCa(format!("the issuer \"{}\" is not the trusted CA", last.issuer.text)))
    };
    record(checks, kind, res)?;

    // 2. Validity window of every certificate in the chain.
    for cert in &certs {
        let (nb, na) = (cert.not_before.unix(), cert.not_after.unix());
        let kind = CheckKind::Validity {
            certificate: cert.subject.text.clone(),
            not_before: UnixTime(nb),
            not_after: UnixTime(na),
            now: UnixTime(now),
        };
        let res = if now < nb {
            Err(Error::CertificateExpired("the certificate is not yet valid".into()))
        } else if now > na {
            Err(Error::CertificateExpired("the certificate has expired".into()))
        } else {
            Ok(())
        };
        record(checks, kind, res)?;
    }

    // 3. Name: a subjectAltName dNSName must match.
    let leaf = &certs[0];
    let ext = &leaf.extensions;
    let kind = CheckKind::Name { asked: hostname.to_string(), names: ext.dns_names.clone() };
    let res = if ext.dns_names.iter().any(|n| name_matches(n, hostname)) {
        Ok(())
    } else {
        Err(Error::BadCertificate(format!("no name in the certificate matches \"{hostname}\"")))
    };
    record(checks, kind, res)?;

    // 4. Usage: not a CA; digitalSignature and serverAuth, where the extensions are present.
    let ku_ok = ext.key_usage.as_ref().is_none_or(|k| k.contains(&"digitalSignature"));
    let eku_ok = ext.extended_key_usage.as_ref().is_none_or(|e| e.iter().any(|p| p == SERVER_AUTH));
    let kind = CheckKind::Usage {
        certificate: leaf.subject.text.clone(),
        is_ca: ext.is_ca,
        key_usage: key_usage_list(ext),
        extended_key_usage: extended_key_usage_list(ext),
    };
    let res = if ku_ok && eku_ok && !ext.is_ca {
        Ok(())
    } else {
        Err(Error::BadCertificate("the certificate may not sign TLS handshakes for a server".into()))
    };
    record(checks, kind, res)?;
    public_key(leaf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::x509::issue::{generate_ca, generate_leaf};
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
        assert!(checks.iter().all(|c| c.ok));
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
    fn a_clock_at_either_end_of_u64_is_outside_the_validity_and_nothing_overflows() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ca = generate_ca(&mut rng, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &ca, "example.com", NOW).unwrap();
        for now in [0, u64::MAX] {
            let err = verify_server_chain(std::slice::from_ref(&leaf.der), &ca.der, "example.com", now, &mut Vec::new()).unwrap_err();
            assert!(matches!(err, Error::CertificateExpired(_)), "{now}: {err:?}");
        }
        // Issuing at the end of time is refused, not wrapped around.
        assert!(matches!(generate_ca(&mut rng, u64::MAX), Err(Error::Usage(_))));
        assert!(matches!(generate_leaf(&mut rng, &ca, "example.com", u64::MAX - 10), Err(Error::Usage(_))));
    }

    #[test]
    fn wildcards_match_one_label_only() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
    }
}
