//! One error type, and the one place that maps it to the alert RFC 8446 asks for.

use super::enums::AlertDescription;

/// Everything that can end a connection. Each variant names the RFC 8446 reason; the alert sent
/// for it comes from [`Error::alert`], nowhere else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// §6: a message could not be parsed (truncated, bad length, trailing bytes).
    Decode(&'static str),
    /// §4, §5: a message or record that is not allowed in the current state.
    UnexpectedMessage(&'static str),
    /// §5.2: a protected record failed authentication.
    BadRecordMac,
    /// §5.1, §5.2, §5.4: a record over the size limit.
    RecordOverflow(&'static str),
    /// A field with a value that is not allowed.
    IllegalParameter(&'static str),
    /// §9.2: a required extension is missing.
    MissingExtension(&'static str),
    /// §4.2: an extension in a response that was never offered.
    UnsupportedExtension(&'static str),
    /// §4.1.1: nothing in common.
    HandshakeFailure(&'static str),
    /// §4.2.1: no TLS 1.3 in supported_versions.
    ProtocolVersion,
    /// §4.4.3, §4.4.4: a signature or Finished check failed.
    DecryptError(&'static str),
    /// §4.4.2.4: the chain does not lead to a trust anchor.
    UnknownCa(String),
    /// §6.2: outside the validity window.
    CertificateExpired(String),
    /// §6.2: not acceptable (name mismatch, wrong key usage, unparsable).
    BadCertificate(String),
    /// §6.2: a certificate of a kind this build cannot use (a key or signature algorithm it
    /// does not implement).
    UnsupportedCertificate(String),
    /// §4.4.2.4: the server requires a client certificate and the client sent none.
    CertificateRequired(&'static str),
    /// RFC 7301 §3.2: the server speaks none of the application protocols the client offers.
    NoApplicationProtocol(&'static str),
    /// The peer sent this alert.
    PeerAlert(AlertDescription),
    /// The application asked for something the connection cannot do now (not the peer's fault).
    Usage(&'static str),
    /// A failure inside this engine.
    Internal(&'static str),
}

impl Error {
    /// RFC 8446 §6.2: the alert that reports this error to the peer.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Error::Decode(_) => AlertDescription::decode_error,
            Error::UnexpectedMessage(_) => AlertDescription::unexpected_message,
            Error::BadRecordMac => AlertDescription::bad_record_mac,
            Error::RecordOverflow(_) => AlertDescription::record_overflow,
            Error::IllegalParameter(_) => AlertDescription::illegal_parameter,
            Error::MissingExtension(_) => AlertDescription::missing_extension,
            Error::UnsupportedExtension(_) => AlertDescription::unsupported_extension,
            Error::HandshakeFailure(_) => AlertDescription::handshake_failure,
            Error::ProtocolVersion => AlertDescription::protocol_version,
            Error::DecryptError(_) => AlertDescription::decrypt_error,
            Error::UnknownCa(_) => AlertDescription::unknown_ca,
            Error::CertificateExpired(_) => AlertDescription::certificate_expired,
            Error::BadCertificate(_) => AlertDescription::bad_certificate,
            Error::UnsupportedCertificate(_) => AlertDescription::unsupported_certificate,
            Error::CertificateRequired(_) => AlertDescription::certificate_required,
            Error::NoApplicationProtocol(_) => AlertDescription::no_application_protocol,
            Error::PeerAlert(_) | Error::Usage(_) | Error::Internal(_) => AlertDescription::internal_error,
        }
    }

    /// Whether an alert should go to the peer for this error.
    pub fn sends_alert(&self) -> bool {
        !matches!(self, Error::PeerAlert(_) | Error::Usage(_))
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Decode(s) => write!(f, "could not decode: {s}"),
            Error::UnexpectedMessage(s) => write!(f, "unexpected message: {s}"),
            Error::BadRecordMac => write!(f, "record failed authentication (altered, or the keys differ)"),
            Error::RecordOverflow(s) => write!(f, "record too long: {s}"),
            Error::IllegalParameter(s) => write!(f, "illegal parameter: {s}"),
            Error::MissingExtension(s) => write!(f, "missing extension: {s}"),
            Error::UnsupportedExtension(s) => write!(f, "unsupported extension: {s}"),
            Error::HandshakeFailure(s) => write!(f, "handshake failure: {s}"),
            Error::ProtocolVersion => write!(f, "the peer does not offer TLS 1.3"),
            Error::DecryptError(s) => write!(f, "verification failed: {s}"),
            Error::UnknownCa(s) => write!(f, "untrusted certificate: {s}"),
            Error::CertificateExpired(s) => write!(f, "certificate not valid now: {s}"),
            Error::BadCertificate(s) => write!(f, "bad certificate: {s}"),
            Error::UnsupportedCertificate(s) => write!(f, "unsupported certificate: {s}"),
            Error::CertificateRequired(s) => write!(f, "certificate required: {s}"),
            Error::NoApplicationProtocol(s) => write!(f, "no application protocol: {s}"),
            Error::PeerAlert(a) => write!(f, "the peer sent the alert {a}"),
            Error::Usage(s) => write!(f, "{s}"),
            Error::Internal(s) => write!(f, "internal error: {s}"),
        }
    }
}

impl std::error::Error for Error {}
