//! X.509 certificates (RFC 5280): a P-256 root CA, an intermediate and server certificates encoded
//! over a small DER codec, parsed back into named fields (the same parse annotates the bytes), and
//! the client's checks of RFC 8446 §4.4.2 and §6.2: a path to the trust anchor validated as
//! RFC 5280 §6.1 asks, validity, name, key usage.
//!
//! Written against DER directly rather than through `x509-cert`: the page carries this code in its
//! WebAssembly, and the general-purpose crates cost it about 75 KB gzipped. `tests/x509_crosscheck.rs`
//! checks both directions against `x509-cert`, and the interop tests against OpenSSL.
//!
//! One concern per file:
//! - `der`: the DER writer and strict reader;
//! - `oid`: object identifiers, their encoding and names;
//! - times are `crate::tls::time`, shared with the trace;
//! - `ecdsa`: ECDSA signatures in DER, for certificates and CertificateVerify alike;
//! - [`issue`]: the demo PKI, a root, intermediate CAs and the server certificates they sign;
//! - [`parse`]: a certificate decoded into named fields;
//! - [`verify`]: the client's checks of a server's chain;
//! - [`describe`]: what the page shows of a certificate.

pub(crate) mod der;
pub mod describe;
pub(crate) mod ecdsa;
pub mod issue;
pub(crate) mod oid;
pub mod parse;
pub mod verify;
