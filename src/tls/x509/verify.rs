//! The client's checks of a server's certificate chain (RFC 8446 §4.4.2.4 and §6.2), as RFC 5280
//! §6.1 asks for what this engine supports: a path is built from the leaf through the certificates
//! the server sent, in any order and with unrelated ones among them, by issuer and subject name
//! (byte for byte) and by authority and subject key identifier, up to the trust anchor; then every
//! link's signature, every issuer's right to issue (cA, keyCertSign, pathLenConstraint), the
//! validity of every certificate of the path, and the leaf's name and usage. Each is recorded as
//! a [`Check`] for the trace.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::VerifyingKey;

use super::describe::{extended_key_usage_list, key_usage_list};
use super::ecdsa;
use super::oid::{self, CLIENT_AUTH, ECDSA_SHA256, EC_PUBLIC_KEY, PRIME256V1, RSASSA_PSS, RSA_ENCRYPTION, SERVER_AUTH, SHA256_WITH_RSA};
use super::parse::{parse_unannotated, Parameters, Parsed};
use crate::tls::auth::PublicKey;
use crate::tls::error::Error;
use crate::tls::events::{Check, CheckKind, Failure, UnixTime};

/// The most certificates a path may hold below the trust anchor (the leaf included), and the
/// most a server may send: more is bad_certificate.
pub const MAX_CHAIN: usize = 10;

/// How many steps the search for a path may take before it gives up (unknown_ca). With at most
/// [`MAX_CHAIN`] certificates and each signature checked once, this bounds the time a hostile
/// list of look-alike CAs can cost.
const MAX_SEARCH_STEPS: usize = 1000;

/// The subject's key: a P-256 key (RFC 5480 §2.1.1.1) or, with the `rsa` feature, an RSA key
/// (RFC 3279 §2.3.1) of 1024 to 8192 bits. Another kind of key is unsupported_certificate; a
/// key that does not decode is bad_certificate.
pub(crate) fn public_key(cert: &Parsed) -> Result<PublicKey, Error> {
    match (cert.key_algorithm.as_str(), &cert.key_parameters) {
        (EC_PUBLIC_KEY, Parameters::Oid(curve)) if curve == PRIME256V1 => VerifyingKey::from_sec1_bytes(cert.public_key)
            .map(PublicKey::EcdsaP256)
            .map_err(|_| Error::BadCertificate("the key is not a P-256 public key".into())),
        (RSA_ENCRYPTION, Parameters::Null) => rsa_key(cert),
        (alg, _) => Err(Error::UnsupportedCertificate(format!("a key of a kind this client does not use: {}", oid::oid_name(alg)))),
    }
}

/// The public key of the certificate `der` (for a test's known answers): what
/// [`verify_server_chain`] returns for a leaf.
pub fn certificate_key(der: &[u8]) -> Result<PublicKey, Error> {
    public_key(&parse_unannotated(der)?)
}

#[cfg(feature = "rsa")]
fn rsa_key(cert: &Parsed) -> Result<PublicKey, Error> {
    let Some(k) = cert.rsa_key else { return Err(Error::BadCertificate("an RSA key without its parts".into())) };
    let n = rsa::BoxedUint::from_be_slice_vartime(k.modulus);
    let e = rsa::BoxedUint::from_be_slice_vartime(k.public_exponent);
    rsa::PublicKey::new(n, e)
        .map(|k| PublicKey::Rsa(Box::new(k)))
        .map_err(|_| Error::BadCertificate("the RSA key's modulus or exponent is not acceptable".into()))
}

#[cfg(not(feature = "rsa"))]
fn rsa_key(_: &Parsed) -> Result<PublicKey, Error> {
    Err(Error::UnsupportedCertificate("an RSA key, which this build cannot use".into()))
}

/// Whether this build can check a signature of `cert`'s algorithm at all (a certificate that
/// names two different algorithms inside and outside its signed part is simply not signed).
fn algorithm_supported(cert: &Parsed) -> bool {
    if cert.signature_algorithm != cert.tbs_signature_algorithm {
        return true;
    }
    let alg = cert.signature_algorithm.as_str();
    alg == ECDSA_SHA256 || (cfg!(feature = "rsa") && matches!(alg, SHA256_WITH_RSA | RSASSA_PSS))
}

/// RFC 4055 §3.1, §3.3: the one RSASSA-PSS profile accepted, SHA-256 with MGF1-SHA-256 and a
/// 32-byte salt (the profile of rsa_pss_rsae_sha256, RFC 8446 §4.2.3).
#[cfg_attr(not(feature = "rsa"), allow(dead_code))]
fn pss_sha256(p: &Parameters) -> bool {
    matches!(p, Parameters::Pss(p) if p.hash == oid::SHA256 && p.mask_gen == oid::MGF1 && p.mask_hash == oid::SHA256
        && p.salt_len == 32 && p.trailer == 1)
}

/// Whether `issuer` signed `cert`: ECDSA P-256 with SHA-256, or RSA with sha256WithRSAEncryption
/// (RFC 4055 §5, parameters NULL or absent) or RSASSA-PSS with SHA-256 (RFC 4055 §3), named the
/// same inside and outside the signed part (RFC 5280 §4.1.1.2), with the issuer's key.
fn signed_by(cert: &Parsed, issuer: &Parsed) -> bool {
    if cert.signature_algorithm != cert.tbs_signature_algorithm || cert.signature_parameters != cert.tbs_signature_parameters {
        return false;
    }
    let Ok(key) = public_key(issuer) else { return false };
    let (alg, params) = (cert.signature_algorithm.as_str(), &cert.signature_parameters);
    match key {
        PublicKey::EcdsaP256(key) if alg == ECDSA_SHA256 && *params == Parameters::Absent => {
            ecdsa::ecdsa_signature_from_der(cert.signature).is_some_and(|sig| key.verify(cert.tbs, &sig).is_ok())
        }
        #[cfg(feature = "rsa")]
        PublicKey::Rsa(key) if alg == SHA256_WITH_RSA && matches!(params, Parameters::Null | Parameters::Absent) => {
            crate::tls::auth::rsa_pkcs1_sha256_verify(&key, cert.tbs, cert.signature)
        }
        #[cfg(feature = "rsa")]
        PublicKey::Rsa(key) if alg == RSASSA_PSS && pss_sha256(params) => {
            crate::tls::auth::rsa_pss_sha256_verify(&key, cert.tbs, cert.signature)
        }
        _ => false,
    }
}

/// Whether `issuer` is, by name and key identifier, the certificate that issued `cert` (RFC 5280
/// §6.1.3 (a)(4): the names are compared byte for byte; §4.2.1.1: an authorityKeyIdentifier
/// names the issuer's subjectKeyIdentifier, and when both are there they must be equal).
fn names_issuer(cert: &Parsed, issuer: &Parsed) -> bool {
    let ids_agree = match (&cert.extensions.authority_key_id, &issuer.extensions.subject_key_id) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    };
    cert.issuer.der == issuer.subject.der && ids_agree
}

/// A certificate is self-issued when its subject and issuer are the same name (RFC 5280 §6.1).
fn self_issued(cert: &Parsed) -> bool {
    cert.issuer.der == cert.subject.der
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

/// The search for a path from the leaf (index 0 of `certs`) to the anchor.
struct Search<'c, 'a> {
    certs: &'c [Parsed<'a>],
    anchor: &'c Parsed<'a>,
    /// `signed[child][issuer]`: the signature check, made at most once per pair.
    signed: Vec<Vec<Option<bool>>>,
    /// The same for the anchor as the issuer.
    signed_by_anchor: Vec<Option<bool>>,
    steps: usize,
    /// The longest path found that does not reach the anchor, for the report.
    best: Vec<usize>,
}

impl Search<'_, '_> {
    fn signs(&mut self, child: usize, issuer: usize) -> bool {
        let (certs, cell) = (self.certs, &mut self.signed[child][issuer]);
        *cell.get_or_insert_with(|| signed_by(&certs[child], &certs[issuer]))
    }

    fn anchor_signs(&mut self, child: usize) -> bool {
        let (certs, anchor, cell) = (self.certs, self.anchor, &mut self.signed_by_anchor[child]);
        // The anchor's own key decides: a key identifier only helps to choose among certificates sent.
        *cell.get_or_insert_with(|| certs[child].issuer.der == anchor.subject.der && signed_by(&certs[child], anchor))
    }

    /// Depth first from the last certificate of `path`: the anchor first, then the certificates
    /// sent, in the order sent. Returns whether `path` now reaches the anchor.
    fn extend(&mut self, path: &mut Vec<usize>) -> bool {
        let certs = self.certs;
        let Some(&at) = path.last() else { return false };
        self.steps += 1;
        if self.anchor_signs(at) {
            return true;
        }
        if path.len() > self.best.len() {
            self.best = path.clone();
        }
        if path.len() >= MAX_CHAIN || self.steps > MAX_SEARCH_STEPS {
            return false;
        }
        for next in 0..certs.len() {
            let fresh = !path.iter().any(|&p| certs[p].tbs == certs[next].tbs);
            if fresh && names_issuer(&certs[at], &certs[next]) && self.signs(at, next) {
                path.push(next);
                if self.extend(path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
}

/// RFC 5280 §6.1.4 (k)–(n): whether `issuer`, with `below` non-self-issued CA certificates
/// between it and the leaf, may have issued the certificate below it.
fn may_issue(checks: &mut Vec<Check>, issuer: &Parsed, below: usize) -> Result<(), Error> {
    let ext = &issuer.extensions;
    let key_cert_sign = ext.key_usage.as_ref().map(|k| k.contains(&"keyCertSign"));
    let within = ext.path_len.is_none_or(|n| usize::try_from(n).map_or(true, |n| below <= n));
    let kind = CheckKind::MayIssue {
        issuer: issuer.subject.text.clone(),
        is_ca: ext.is_ca,
        key_cert_sign,
        path_len: ext.path_len,
        intermediates_below: below,
    };
    let res = if !ext.is_ca {
        Err(Error::BadCertificate(format!("\"{}\" is not a CA (basicConstraints cA is not TRUE)", issuer.subject.text)))
    } else if key_cert_sign == Some(false) {
        Err(Error::BadCertificate(format!("the key of \"{}\" may not sign certificates (no keyCertSign)", issuer.subject.text)))
    } else if !within {
        Err(Error::BadCertificate(format!("\"{}\" has more CAs below it than its pathLenConstraint allows", issuer.subject.text)))
    } else {
        Ok(())
    };
    record(checks, kind, res)
}

/// RFC 8446 §4.4.2.4 and §6.2: check a server's chain (leaf first, then certificates that help
/// build a path, in any order) against one trust anchor at time `now`, for `hostname`. Returns
/// the leaf's key; every check made goes into `checks`, in order, and the first failed one is the
/// error.
pub fn verify_server_chain(
    chain: &[Vec<u8>],
    anchor: &[u8],
    hostname: &str,
    now: u64,
    checks: &mut Vec<Check>,
) -> Result<PublicKey, Error> {
    verify_chain(chain, anchor, Some(hostname), now, checks)
}

/// RFC 8446 §4.4.2.4: the server's checks of a client's chain, the same as the client's of a
/// server's but for the name (a client certificate names no host) and the purpose: the leaf
/// must allow clientAuth where it has an extendedKeyUsage.
pub fn verify_client_chain(chain: &[Vec<u8>], anchor: &[u8], now: u64, checks: &mut Vec<Check>) -> Result<PublicKey, Error> {
    verify_chain(chain, anchor, None, now, checks)
}

/// A server's chain for `hostname`, or (`None`) a client's.
fn verify_chain(chain: &[Vec<u8>], anchor: &[u8], hostname: Option<&str>, now: u64, checks: &mut Vec<Check>) -> Result<PublicKey, Error> {
    if chain.is_empty() {
        return Err(Error::Decode("empty certificate list"));
    }
    let kind = CheckKind::ChainLength { certificates: chain.len(), limit: MAX_CHAIN };
    let res = if chain.len() > MAX_CHAIN {
        Err(Error::BadCertificate(format!("{} certificates, more than a path may hold ({MAX_CHAIN})", chain.len())))
    } else {
        Ok(())
    };
    record(checks, kind, res)?;
    let anchor_der = anchor;
    let anchor = parse_unannotated(anchor).map_err(|_| Error::BadCertificate("the trust anchor does not parse".into()))?;
    // The trust anchor itself, if the server sent it too, is the anchor and not a link.
    let certs = chain
        .iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || c.as_slice() != anchor_der)
        .map(|(_, c)| parse_unannotated(c))
        .collect::<Result<Vec<_>, _>>()?;

    // 1. The path, from the leaf up to the anchor.
    let n = certs.len();
    let mut search = Search {
        certs: &certs,
        anchor: &anchor,
        signed: vec![vec![None; n]; n],
        signed_by_anchor: vec![None; n],
        steps: 0,
        best: Vec::new(),
    };
    let mut path = vec![0];
    let complete = search.extend(&mut path);
    let path = if complete { path } else { std::mem::take(&mut search.best) };

    // 2. Each link of it: the signature, then the issuer's right to issue.
    let mut below = 0;
    for pair in path.windows(2) {
        let (child, issuer) = (&certs[pair[0]], &certs[pair[1]]);
        let kind = CheckKind::IssuerSignature {
            certificate: child.subject.text.clone(),
            issuer: issuer.subject.text.clone(),
            algorithm: oid::oid_name(&child.signature_algorithm),
        };
        record(checks, kind, Ok(()))?;
        may_issue(checks, issuer, below)?;
        below += usize::from(!self_issued(issuer));
    }
    let Some(&last_index) = path.last() else { return Err(Error::Internal("a path without a leaf")) };
    let last = &certs[last_index];
    if !complete {
        // Why the path ends here: a certificate sent under the issuer's name whose signature does
        // not verify, or no issuer at all.
        if let Some(impostor) = certs.iter().find(|c| names_issuer(last, c) && !path.iter().any(|&p| certs[p].tbs == c.tbs)) {
            let kind = CheckKind::IssuerSignature {
                certificate: last.subject.text.clone(),
                issuer: impostor.subject.text.clone(),
                algorithm: oid::oid_name(&last.signature_algorithm),
            };
            let err = if algorithm_supported(last) {
                Error::UnknownCa(format!(
                    "the signature of \"{}\" does not verify with the key of \"{}\"",
                    last.subject.text, impostor.subject.text
                ))
            } else {
                Error::UnsupportedCertificate(format!(
                    "\"{}\" is signed with {}, which this client cannot check",
                    last.subject.text,
                    oid::oid_name(&last.signature_algorithm)
                ))
            };
            record(checks, kind, Err(err))?;
        }
    }
    let names_match = last.issuer.der == anchor.subject.der;
    // The search checked the anchor's signature on every certificate it reached whose issuer
    // names the anchor: a second ECDSA verification would only repeat it.
    let signature_valid = match search.signed_by_anchor[last_index] {
        Some(valid) if names_match => valid,
        _ => signed_by(last, &anchor),
    };
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
    } else if names_match && !algorithm_supported(last) {
        Err(Error::UnsupportedCertificate(format!(
            "\"{}\" is signed with {}, which this client cannot check",
            last.subject.text,
            oid::oid_name(&last.signature_algorithm)
        )))
    } else if names_match {
        Err(Error::UnknownCa("the issuer's name is the trusted CA's, but the signature is not the trusted CA's".into()))
    } else {
        Err(Error::UnknownCa(format!("the issuer \"{}\" is not the trusted CA", last.issuer.text)))
    };
    record(checks, kind, res)?;
    may_issue(checks, &anchor, below)?;

    // 3. Validity window of every certificate of the path (RFC 5280 §6.1.3 (a)(2)).
    for &i in &path {
        let cert = &certs[i];
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

    // 4. Name: a subjectAltName dNSName must match (a server's certificate only).
    let leaf = &certs[0];
    let ext = &leaf.extensions;
    if let Some(hostname) = hostname {
        let kind = CheckKind::Name { asked: hostname.to_string(), names: ext.dns_names.clone() };
        let res = if ext.dns_names.iter().any(|n| name_matches(n, hostname)) {
            Ok(())
        } else {
            Err(Error::BadCertificate(format!("no name in the certificate matches \"{hostname}\"")))
        };
        record(checks, kind, res)?;
    }

    // 5. Usage: not a CA; digitalSignature and serverAuth (clientAuth for a client), where the
    // extensions are present.
    let purpose = if hostname.is_some() { SERVER_AUTH } else { CLIENT_AUTH };
    let ku_ok = ext.key_usage.as_ref().is_none_or(|k| k.contains(&"digitalSignature"));
    let eku_ok = ext.extended_key_usage.as_ref().is_none_or(|e| e.iter().any(|p| p == purpose));
    let (certificate, is_ca, key_usage, extended_key_usage) =
        (leaf.subject.text.clone(), ext.is_ca, key_usage_list(ext), extended_key_usage_list(ext));
    let kind = if hostname.is_some() {
        CheckKind::Usage { certificate, is_ca, key_usage, extended_key_usage }
    } else {
        CheckKind::ClientUsage { certificate, is_ca, key_usage, extended_key_usage }
    };
    let res = if ku_ok && eku_ok && !ext.is_ca {
        Ok(())
    } else if hostname.is_some() {
        Err(Error::BadCertificate("the certificate may not sign TLS handshakes for a server".into()))
    } else {
        Err(Error::BadCertificate("the certificate may not sign TLS handshakes for a client".into()))
    };
    record(checks, kind, res)?;
    public_key(leaf)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::x509::issue::{
        generate_ca, generate_intermediate, generate_leaf, generate_leaf_valid, issue_cert, Issued, Purpose, Request,
    };
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
        // Chain length, the anchor's signature and its right to issue, validity, name, usage.
        assert_eq!(checks.len(), 6);
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

    fn ca(rng: &mut ChaCha20Rng, name: &str, path_len: Option<u8>, key_cert_sign: bool, issuer: &Issued) -> Issued {
        let req = Request {
            purpose: Purpose::Ca { path_len, key_cert_sign },
            organization: None,
            common_name: name,
            not_before: NOW - 3600,
            not_after: NOW + 86400,
        };
        issue_cert(rng, &req, Some(issuer)).unwrap()
    }

    fn run(chain: &[&Issued], anchor: &Issued) -> (Result<PublicKey, Error>, Vec<Check>) {
        let ders: Vec<Vec<u8>> = chain.iter().map(|c| c.der.clone()).collect();
        let mut checks = Vec::new();
        let res = verify_server_chain(&ders, &anchor.der, "example.com", NOW, &mut checks);
        (res, checks)
    }

    fn kinds(checks: &[Check]) -> Vec<String> {
        checks.iter().map(|c| serde_json::to_value(c).unwrap()["check"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn a_path_through_an_intermediate_is_checked_link_by_link() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let inter = generate_intermediate(&mut rng, &root, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
        let (res, checks) = run(&[&leaf, &inter], &root);
        assert!(res.is_ok(), "{res:?}");
        assert!(checks.iter().all(|c| c.ok));
        assert_eq!(
            kinds(&checks),
            ["chain_length", "issuer_signature", "may_issue", "trust_anchor", "may_issue", "validity", "validity", "name", "usage"]
        );
        let may: Vec<(bool, Option<bool>, Option<u32>, usize)> = checks
            .iter()
            .filter_map(|c| match &c.kind {
                CheckKind::MayIssue { is_ca, key_cert_sign, path_len, intermediates_below, .. } => {
                    Some((*is_ca, *key_cert_sign, *path_len, *intermediates_below))
                }
                _ => None,
            })
            .collect();
        assert_eq!(may, [(true, Some(true), Some(0), 0), (true, Some(true), None, 1)]);
        // Without the intermediate there is no path to the anchor.
        let (res, checks) = run(&[&leaf], &root);
        assert!(matches!(res, Err(Error::UnknownCa(_))), "{res:?}");
        assert_eq!(kinds(&checks).last().map(String::as_str), Some("trust_anchor"));
    }

    #[test]
    fn intermediates_out_of_order_or_among_unrelated_certificates_are_found_by_name_and_key_identifier() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let a = ca(&mut rng, "CA A", None, true, &root);
        let b = ca(&mut rng, "CA B", None, true, &a);
        let leaf = generate_leaf(&mut rng, &b, "example.com", NOW).unwrap();
        let stranger = generate_ca(&mut rng, NOW).unwrap();
        let unrelated = generate_leaf(&mut rng, &stranger, "other.example", NOW).unwrap();
        // A CA with B's name but another key: only the key identifier tells it apart.
        let twin = ca(&mut rng, "CA B", None, true, &a);
        for chain in [vec![&leaf, &a, &b], vec![&leaf, &unrelated, &b, &root, &a], vec![&leaf, &twin, &a, &b]] {
            let (res, checks) = run(&chain, &root);
            assert!(res.is_ok(), "{res:?} {checks:#?}");
            assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
        }
    }

    #[test]
    fn a_leaf_certificate_may_not_act_as_a_ca() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let inter = generate_intermediate(&mut rng, &root, NOW).unwrap();
        let other = generate_leaf(&mut rng, &inter, "attacker.example", NOW).unwrap();
        let forged = generate_leaf(&mut rng, &other, "example.com", NOW).unwrap();
        let (res, checks) = run(&[&forged, &other, &inter], &root);
        assert!(matches!(res, Err(Error::BadCertificate(_))), "{res:?}");
        let last = checks.last().unwrap();
        assert!(!last.ok);
        assert!(matches!(&last.kind, CheckKind::MayIssue { issuer, is_ca: false, .. } if issuer == "CN=attacker.example"), "{last:?}");
        // The signature itself was genuine: the link was checked and held.
        assert!(checks
            .iter()
            .any(|c| c.ok && matches!(&c.kind, CheckKind::IssuerSignature { issuer, .. } if issuer == "CN=attacker.example")));
    }

    #[test]
    fn a_ca_without_key_cert_sign_may_not_issue() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let inter = ca(&mut rng, "No Signing CA", None, false, &root);
        let leaf = generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
        let (res, checks) = run(&[&leaf, &inter], &root);
        assert!(matches!(res, Err(Error::BadCertificate(_))), "{res:?}");
        assert!(matches!(checks.last().unwrap().kind, CheckKind::MayIssue { is_ca: true, key_cert_sign: Some(false), .. }));
    }

    #[test]
    fn a_path_longer_than_a_path_len_constraint_allows_is_refused() {
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let root = generate_ca(&mut rng, NOW).unwrap();
        for (limit, ok) in [(0u8, false), (1, true)] {
            let top = ca(&mut rng, "Top CA", Some(limit), true, &root);
            let below = ca(&mut rng, "Lower CA", None, true, &top);
            let leaf = generate_leaf(&mut rng, &below, "example.com", NOW).unwrap();
            let (res, checks) = run(&[&leaf, &below, &top], &root);
            assert_eq!(res.is_ok(), ok, "pathLenConstraint {limit}: {res:?}");
            if !ok {
                assert!(matches!(res, Err(Error::BadCertificate(_))));
                assert!(matches!(checks.last().unwrap().kind, CheckKind::MayIssue { path_len: Some(0), intermediates_below: 1, .. }));
            }
        }
    }

    #[test]
    fn ten_certificates_make_a_path_and_eleven_are_over_the_limit() {
        let mut rng = ChaCha20Rng::seed_from_u64(15);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let mut cas = vec![ca(&mut rng, "CA 1", None, true, &root)];
        for i in 2..=10 {
            let next = ca(&mut rng, &format!("CA {i}"), None, true, cas.last().unwrap());
            cas.push(next);
        }
        let leaf9 = generate_leaf(&mut rng, &cas[8], "example.com", NOW).unwrap();
        let mut chain: Vec<&Issued> = vec![&leaf9];
        chain.extend(cas[..9].iter().rev());
        assert_eq!(chain.len(), MAX_CHAIN);
        let (res, _) = run(&chain, &root);
        assert!(res.is_ok(), "{res:?}");
        let leaf10 = generate_leaf(&mut rng, &cas[9], "example.com", NOW).unwrap();
        let mut chain: Vec<&Issued> = vec![&leaf10];
        chain.extend(cas.iter().rev());
        let (res, checks) = run(&chain, &root);
        assert!(matches!(res, Err(Error::BadCertificate(_))), "{res:?}");
        assert_eq!(checks.len(), 1);
        assert!(matches!(checks[0].kind, CheckKind::ChainLength { certificates: 11, limit: 10 }));
    }

    #[test]
    fn every_certificate_of_the_path_must_be_valid_now() {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let req = Request {
            purpose: Purpose::Ca { path_len: None, key_cert_sign: true },
            organization: None,
            common_name: "Expired CA",
            not_before: NOW - 1000,
            not_after: NOW - 10,
        };
        let inter = issue_cert(&mut rng, &req, Some(&root)).unwrap();
        let leaf = generate_leaf_valid(&mut rng, &inter, "example.com", NOW - 100, NOW + 100).unwrap();
        let (res, checks) = run(&[&leaf, &inter], &root);
        assert!(matches!(res, Err(Error::CertificateExpired(_))), "{res:?}");
        assert!(matches!(&checks.last().unwrap().kind, CheckKind::Validity { certificate, .. } if certificate == "CN=Expired CA"));
    }

    #[test]
    fn an_issuer_with_another_name_does_not_chain_even_with_the_right_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(17);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let inter = generate_intermediate(&mut rng, &root, NOW).unwrap();
        let leaf = generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
        // The same key under another name: the leaf's issuer name is not its subject.
        let renamed = Issued { der: ca(&mut rng, "Renamed CA", None, true, &root).der, key: inter.key.clone() };
        let (res, _) = run(&[&leaf, &renamed], &root);
        assert!(matches!(res, Err(Error::UnknownCa(_))), "{res:?}");
    }

    #[test]
    fn look_alike_cas_that_sign_each_other_cost_bounded_time() {
        // Nine self-issued CAs with one name and one key: each is an issuer of every other, and
        // none leads to the anchor. The search gives up after a bounded number of steps.
        let mut rng = ChaCha20Rng::seed_from_u64(18);
        let key = crate::tls::x509::issue::generate_signing_key(&mut rng, crate::tls::auth::KeyType::EcdsaP256).unwrap();
        let req = Request {
            purpose: Purpose::Ca { path_len: None, key_cert_sign: true },
            organization: None,
            common_name: "Loop CA",
            not_before: NOW - 1,
            not_after: NOW + 1,
        };
        let first = crate::tls::x509::issue::issue_cert_for(&mut rng, &req, key.clone(), None).unwrap();
        let certs: Vec<Issued> =
            (0..9).map(|_| crate::tls::x509::issue::issue_cert_for(&mut rng, &req, key.clone(), Some(&first)).unwrap()).collect();
        let leaf = generate_leaf(&mut rng, &first, "example.com", NOW).unwrap();
        let stranger = generate_ca(&mut rng, NOW).unwrap();
        let mut chain = vec![&leaf];
        chain.extend(certs.iter());
        let started = std::time::Instant::now();
        let (res, checks) = run(&chain, &stranger);
        assert!(matches!(res, Err(Error::UnknownCa(_))), "{res:?}");
        assert!(kinds(&checks).iter().filter(|k| *k == "issuer_signature").count() >= 2, "the links were found: {checks:#?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
    }

    #[test]
    fn wildcards_match_one_label_only() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
    }

    #[test]
    fn a_client_chain_is_checked_without_a_name_and_needs_client_auth() {
        let mut rng = ChaCha20Rng::seed_from_u64(30);
        let root = generate_ca(&mut rng, NOW).unwrap();
        let inter = generate_intermediate(&mut rng, &root, NOW).unwrap();
        let client = crate::tls::x509::issue::generate_client(&mut rng, &inter, NOW).unwrap();
        let chain = [client.der.clone(), inter.der.clone()];
        let mut checks = Vec::new();
        assert!(verify_client_chain(&chain, &root.der, NOW, &mut checks).is_ok(), "{checks:#?}");
        assert_eq!(
            kinds(&checks),
            ["chain_length", "issuer_signature", "may_issue", "trust_anchor", "may_issue", "validity", "validity", "client_usage"]
        );
        // A server's certificate (serverAuth only) may not act for a client.
        let server = generate_leaf(&mut rng, &inter, "example.com", NOW).unwrap();
        let mut checks = Vec::new();
        let err = verify_client_chain(&[server.der, inter.der.clone()], &root.der, NOW, &mut checks).unwrap_err();
        assert!(matches!(err, Error::BadCertificate(_)), "{err:?}");
        assert_eq!(kinds(&checks).last().map(String::as_str), Some("client_usage"));
        // Nor a client's for a server: it names no host.
        let err = verify_server_chain(&chain, &root.der, "example.com", NOW, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, Error::BadCertificate(_)), "{err:?}");
        // And one from another CA is unknown_ca, as for a server.
        let other = generate_ca(&mut rng, NOW).unwrap();
        assert!(matches!(verify_client_chain(&chain, &other.der, NOW, &mut Vec::new()), Err(Error::UnknownCa(_))));
    }
}
