//! The client's checks of a server's certificate chain (RFC 8446 §4.4.2.4 and §6.2): chain to a
//! trust anchor, validity, name and key usage, each recorded as a [`Check`] for the trace.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::VerifyingKey;

use super::describe::{extended_key_usage_text, key_usage_text};
use super::ecdsa;
use super::oid::{ECDSA_SHA256, EC_PUBLIC_KEY, PRIME256V1, SERVER_AUTH};
use super::parse::{parse, Parsed};
use super::time::DateTime;
use crate::tls::error::Error;

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
}
