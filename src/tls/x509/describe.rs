//! What the page shows of a certificate: its fields as text in a [`CertificateInfo`], and its
//! annotated DER.

use super::oid;
use super::parse::{parse, Extensions};
use crate::tls::codec::Bytes;
use crate::tls::error::Error;
use crate::tls::events::{CertificateInfo, UnixTime};

pub(crate) fn key_usage_list(ext: &Extensions) -> Vec<String> {
    ext.key_usage.iter().flatten().map(|k| k.to_string()).collect()
}

pub(crate) fn extended_key_usage_list(ext: &Extensions) -> Vec<String> {
    ext.extended_key_usage.iter().flatten().map(|o| oid::oid_name(o)).collect()
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
        not_before: UnixTime(cert.not_before.unix()),
        not_after: UnixTime(cert.not_after.unix()),
        dns_names: cert.extensions.dns_names.clone(),
        key_usage: key_usage_list(&cert.extensions),
        extended_key_usage: extended_key_usage_list(&cert.extensions),
        is_ca: cert.extensions.is_ca,
        public_key: Bytes(cert.public_key.to_vec()),
        signature_algorithm: oid::oid_name(&cert.signature_algorithm),
        signature: Bytes(cert.signature.to_vec()),
        der: Bytes(der_bytes.to_vec()),
        fields: cert.fields,
    })
}
