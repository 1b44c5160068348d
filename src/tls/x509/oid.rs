//! Object identifiers (X.690 §8.19): their encoding, the identifiers these certificates use, and
//! the names they are shown with.

/// X.690 §8.19: the content octets of an OBJECT IDENTIFIER given in dotted form.
pub(crate) fn oid_encode(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    let (a, b) = (arcs.first().copied().unwrap_or(0), arcs.get(1).copied().unwrap_or(0));
    for arc in std::iter::once(a * 40 + b).chain(arcs.iter().skip(2).copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

/// The dotted form of an OBJECT IDENTIFIER's content octets; `None` if they are malformed.
pub(crate) fn oid_decode(c: &[u8]) -> Option<String> {
    if c.is_empty() || c.last().is_some_and(|&b| b & 0x80 != 0) {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    let mut fresh = true;
    for &b in c {
        if fresh && b == 0x80 {
            return None; // a non-minimal subidentifier
        }
        if v > u64::MAX >> 7 {
            return None;
        }
        v = (v << 7) | u64::from(b & 0x7f);
        fresh = b & 0x80 == 0;
        if fresh {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    Some(arcs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join("."))
}

// The identifiers the certificate code writes and matches on.
pub(crate) const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub(crate) const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub(crate) const PRIME256V1: &str = "1.2.840.10045.3.1.7";
/// RFC 8017 appendix A.1 / RFC 3279 §2.3.1: an RSA public key (parameters NULL).
pub(crate) const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// RFC 8017 appendix A.2.4 / RFC 4055 §5: RSASSA-PKCS1-v1_5 with SHA-256 (parameters NULL).
pub(crate) const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
/// RFC 4055 §3.1 / RFC 8017 appendix A.2.3: RSASSA-PSS, its hash and salt in the parameters.
pub(crate) const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
/// RFC 4055 §2.2 / RFC 8017 appendix B.2.1: the mask generation function MGF1.
pub(crate) const MGF1: &str = "1.2.840.113549.1.1.8";
/// RFC 4055 §2.1 / NIST: SHA-256 and SHA-1 as AlgorithmIdentifiers.
#[cfg_attr(not(feature = "rsa"), allow(dead_code))]
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub(crate) const SHA1: &str = "1.3.14.3.2.26";
pub(crate) const COMMON_NAME: &str = "2.5.4.3";
pub(crate) const ORGANIZATION: &str = "2.5.4.10";
pub(crate) const BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub(crate) const KEY_USAGE: &str = "2.5.29.15";
pub(crate) const EXT_KEY_USAGE: &str = "2.5.29.37";
pub(crate) const SUBJECT_ALT_NAME: &str = "2.5.29.17";
pub(crate) const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
pub(crate) const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
pub(crate) const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
pub(crate) const AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";

/// The object identifiers these certificates use, with their names.
const OIDS: &[(&str, &str)] = &[
    ("1.2.840.10045.2.1", "id-ecPublicKey"),
    ("1.2.840.10045.3.1.7", "prime256v1 (P-256)"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.113549.1.1.1", "rsaEncryption"),
    ("1.2.840.113549.1.1.8", "id-mgf1"),
    ("1.2.840.113549.1.1.10", "id-RSASSA-PSS"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("2.16.840.1.101.3.4.2.1", "id-sha256"),
    ("1.3.14.3.2.26", "id-sha1"),
    ("2.5.4.3", "commonName"),
    ("2.5.4.6", "countryName"),
    ("2.5.4.10", "organizationName"),
    ("2.5.4.11", "organizationalUnitName"),
    ("2.5.29.14", "subjectKeyIdentifier"),
    ("2.5.29.15", "keyUsage"),
    ("2.5.29.17", "subjectAltName"),
    ("2.5.29.19", "basicConstraints"),
    ("2.5.29.35", "authorityKeyIdentifier"),
    ("2.5.29.37", "extKeyUsage"),
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
];

/// `name (dotted)` for a known identifier, the dotted form otherwise.
pub(crate) fn oid_name(dotted: &str) -> String {
    match OIDS.iter().find(|(o, _)| *o == dotted) {
        Some((_, n)) => format!("{n} ({dotted})"),
        None => dotted.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_identifiers_match_x690_examples() {
        // X.690 §8.19.5's example 2.999.3 and the P-256 OID as OpenSSL writes it.
        assert_eq!(oid_encode("2.999.3"), vec![0x88, 0x37, 0x03]);
        assert_eq!(oid_decode(&[0x88, 0x37, 0x03]).as_deref(), Some("2.999.3"));
        assert_eq!(oid_encode("1.2.840.10045.3.1.7"), vec![0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        assert_eq!(oid_decode(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]).as_deref(), Some("1.2.840.10045.3.1.7"));
        assert_eq!(oid_decode(&[0x2a, 0x80, 0x01]), None, "non-minimal");
        assert_eq!(oid_decode(&[0x2a, 0x86]), None, "truncated");
    }
}
