//! ECDSA signatures in DER, the form both certificates and TLS 1.3's CertificateVerify carry.

use super::der::{malformed, DerReader, DerWriter, SEQUENCE};

/// RFC 5480 §2.2 / RFC 3279 §2.2.3 `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, the
/// signature format of certificates and of TLS 1.3's ecdsa_secp256r1_sha256 (RFC 8446 §4.2.3).
pub(crate) fn ecdsa_signature_to_der(sig: &p256::ecdsa::Signature) -> Vec<u8> {
    let rs = sig.to_bytes();
    let mut w = DerWriter::new();
    w.tlv(SEQUENCE, |w| {
        w.uint(&rs[..32]);
        w.uint(&rs[32..]);
    });
    w.buf
}

/// The inverse of [`ecdsa_signature_to_der`]: strict DER, each integer in 1..n.
pub(crate) fn ecdsa_signature_from_der(der: &[u8]) -> Option<p256::ecdsa::Signature> {
    let mut r = DerReader::unannotated(der);
    let mut rs = [0u8; 64];
    r.constructed(SEQUENCE, "ECDSA-Sig-Value", "", |r| {
        for half in rs.chunks_mut(32) {
            let v = r.uint("integer", "")?;
            if v.len() > 32 {
                return Err(malformed("an ECDSA integer over 32 bytes"));
            }
            half[32 - v.len()..].copy_from_slice(v);
        }
        Ok(())
    })
    .ok()?;
    if !r.is_empty() {
        return None;
    }
    p256::ecdsa::Signature::from_slice(&rs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signatures_round_trip_and_reject_non_der() {
        use p256::ecdsa::signature::Signer;
        let key = p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap();
        let sig: p256::ecdsa::Signature = key.sign(b"message");
        let der = ecdsa_signature_to_der(&sig);
        assert_eq!(ecdsa_signature_from_der(&der), Some(sig));
        assert_eq!(der[0], SEQUENCE);
        assert_eq!(usize::from(der[1]) + 2, der.len());
        // A zero integer, an extra byte, a long-form length for a short value.
        assert_eq!(ecdsa_signature_from_der(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]), None);
        let mut longer = der.clone();
        longer.push(0);
        assert_eq!(ecdsa_signature_from_der(&longer), None);
        let mut long_form = vec![0x30, 0x81, der[1]];
        long_form.extend_from_slice(&der[2..]);
        assert_eq!(ecdsa_signature_from_der(&long_form), None);
    }
}
