//! X.509 certificates (RFC 5280) over a small DER codec, one concern per file: [`der`], the DER
//! writer and strict reader; [`oid`], object identifiers; [`time`], UTCTime and GeneralizedTime;
//! [`ecdsa`], ECDSA signatures in DER.

pub mod der;
pub mod ecdsa;
pub mod oid;
pub mod time;
