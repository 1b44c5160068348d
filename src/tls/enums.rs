//! TLS code points as newtypes with named constants (like rustls' `enum_builder!`): an unknown
//! value still round-trips, and the RFC name and a plain meaning are one call away.

use serde::{Deserialize, Serialize};

/// An integer newtype that is a TLS code point (`CipherSuite(0x1301)`).
pub trait Wire: Copy {
    const SIZE: usize;
    fn from_raw(v: u32) -> Self;
    fn raw(self) -> u32;
    /// The RFC's name, or `unknown` for a code point this engine does not know.
    fn name(self) -> String;
    fn meaning(self) -> &'static str;
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident($int:ty, $size:expr) { $($(#[$vdoc:meta])* $konst:ident = $val:expr => $meaning:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $int);

        /// Serialised as the RFC name (`"close_notify"`), or the number when unknown.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.known_name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_u64(u64::from(self.0)),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Repr {
                    Name(String),
                    Num($int),
                }
                match Repr::deserialize(d)? {
                    Repr::Num(n) => Ok($name(n)),
                    Repr::Name(s) => match s.as_str() {
                        $(stringify!($konst) => Ok($name::$konst),)*
                        _ => Err(serde::de::Error::custom("unknown code point name")),
                    },
                }
            }
        }

        #[allow(non_upper_case_globals)]
        impl $name {
            $($(#[$vdoc])* pub const $konst: $name = $name($val);)*

            /// The RFC's name for this code point, if this engine knows it.
            pub fn known_name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($konst)),)*
                    _ => None,
                }
            }
        }

        impl Wire for $name {
            const SIZE: usize = $size;
            fn from_raw(v: u32) -> Self {
                $name(v as $int)
            }
            fn raw(self) -> u32 {
                u32::from(self.0)
            }
            fn name(self) -> String {
                self.to_string()
            }
            fn meaning(self) -> &'static str {
                match self.0 {
                    $($val => $meaning,)*
                    _ => "a value this engine does not know (ignored where RFC 8446 allows)",
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.known_name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "unknown(0x{:0w$x})", self.0, w = $size * 2),
                }
            }
        }
    };
}

wire_enum! {
    /// RFC 8446 §5.1 `ContentType`.
    ContentType(u8, 1) {
        invalid = 0 => "invalid: no content type",
        change_cipher_spec = 20 => "a compatibility record that does nothing in TLS 1.3",
        alert = 21 => "an alert: something went wrong, or the connection is closing",
        handshake = 22 => "handshake messages",
        application_data = 23 => "application data, or (in TLS 1.3) any encrypted record",
    }
}

wire_enum! {
    /// RFC 8446 §4 `HandshakeType`.
    HandshakeType(u8, 1) {
        client_hello = 1 => "the client's opening message",
        server_hello = 2 => "the server's answer: the chosen version, suite and key share",
        new_session_ticket = 4 => "a ticket the client may use to resume later",
        end_of_early_data = 5 => "end of 0-RTT data",
        encrypted_extensions = 8 => "server settings, already encrypted",
        certificate = 11 => "a certificate chain",
        certificate_request = 13 => "the server asks for a client certificate",
        certificate_verify = 15 => "a signature proving possession of the certificate's key",
        finished = 20 => "a MAC over the whole handshake so far",
        key_update = 24 => "switch to the next generation of traffic keys",
        message_hash = 254 => "a synthetic message replacing ClientHello1 after HelloRetryRequest",
    }
}

impl HandshakeType {
    /// The message's name as RFC 8446 writes it (`ClientHello`).
    pub fn message_name(self) -> &'static str {
        match self {
            HandshakeType::client_hello => "ClientHello",
            HandshakeType::server_hello => "ServerHello",
            HandshakeType::new_session_ticket => "NewSessionTicket",
            HandshakeType::end_of_early_data => "EndOfEarlyData",
            HandshakeType::encrypted_extensions => "EncryptedExtensions",
            HandshakeType::certificate => "Certificate",
            HandshakeType::certificate_request => "CertificateRequest",
            HandshakeType::certificate_verify => "CertificateVerify",
            HandshakeType::finished => "Finished",
            HandshakeType::key_update => "KeyUpdate",
            HandshakeType::message_hash => "message_hash",
            _ => "Handshake",
        }
    }
}

wire_enum! {
    /// RFC 8446 §4.1.2 and §4.2.1 protocol versions.
    ProtocolVersion(u16, 2) {
        TLSv1_0 = 0x0301 => "TLS 1.0 (used in the first record header for compatibility)",
        TLSv1_2 = 0x0303 => "TLS 1.2 (the frozen legacy version field; the real version is negotiated in an extension)",
        TLSv1_3 = 0x0304 => "TLS 1.3",
    }
}

wire_enum! {
    /// RFC 8446 §B.4 cipher suites.
    CipherSuite(u16, 2) {
        TLS_AES_128_GCM_SHA256 = 0x1301 => "AES-128 in GCM mode for records, SHA-256 for the key schedule",
        TLS_AES_256_GCM_SHA384 = 0x1302 => "AES-256 in GCM mode for records, SHA-384 for the key schedule",
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303 => "ChaCha20-Poly1305 for records, SHA-256 for the key schedule",
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "a TLS 1.2 signalling value",
    }
}

wire_enum! {
    /// RFC 8446 §4.2 extension types.
    ExtensionType(u16, 2) {
        server_name = 0 => "the host name the client wants to reach (SNI)",
        supported_groups = 10 => "the key-exchange groups the client supports",
        ec_point_formats = 11 => "a TLS 1.2 extension (ignored in TLS 1.3)",
        signature_algorithms = 13 => "the signature schemes the client accepts",
        application_layer_protocol_negotiation = 16 => "the application protocols offered or chosen (ALPN)",
        encrypt_then_mac = 22 => "a TLS 1.2 extension (ignored in TLS 1.3)",
        extended_master_secret = 23 => "a TLS 1.2 extension (ignored in TLS 1.3)",
        session_ticket = 35 => "a TLS 1.2 extension (ignored in TLS 1.3)",
        pre_shared_key = 41 => "a pre-shared key for resumption",
        early_data = 42 => "0-RTT data",
        supported_versions = 43 => "the TLS versions offered, or the one chosen",
        cookie = 44 => "a cookie the server asks the client to echo",
        psk_key_exchange_modes = 45 => "how a pre-shared key may be used",
        certificate_authorities = 47 => "the CAs the peer trusts",
        post_handshake_auth = 49 => "the client will answer a later certificate request",
        signature_algorithms_cert = 50 => "signature schemes accepted in certificates",
        key_share = 51 => "Diffie-Hellman public keys",
        renegotiation_info = 0xff01 => "a TLS 1.2 extension (ignored in TLS 1.3)",
    }
}

wire_enum! {
    /// RFC 8446 §4.2.7 named groups.
    NamedGroup(u16, 2) {
        secp256r1 = 0x0017 => "the NIST P-256 elliptic curve",
        secp384r1 = 0x0018 => "the NIST P-384 curve (this engine does not implement it)",
        secp521r1 = 0x0019 => "the NIST P-521 curve (this engine does not implement it)",
        x25519 = 0x001d => "Curve25519 (RFC 7748)",
        x448 = 0x001e => "Curve448 (this engine does not implement it)",
        ffdhe2048 = 0x0100 => "finite-field Diffie-Hellman, 2048 bits (RFC 7919; this engine does not implement it)",
        ffdhe3072 = 0x0101 => "finite-field Diffie-Hellman, 3072 bits (RFC 7919; this engine does not implement it)",
        ffdhe4096 = 0x0102 => "finite-field Diffie-Hellman, 4096 bits (RFC 7919; this engine does not implement it)",
        ffdhe6144 = 0x0103 => "finite-field Diffie-Hellman, 6144 bits (RFC 7919; this engine does not implement it)",
        ffdhe8192 = 0x0104 => "finite-field Diffie-Hellman, 8192 bits (RFC 7919; this engine does not implement it)",
        /// ML-KEM-768 alone (FIPS 203); the engine uses it only inside the two hybrids below,
        /// and the trace names it as their post-quantum component.
        MLKEM768 = 0x0201 => "ML-KEM-768 alone (FIPS 203; this engine uses it only inside a hybrid)",
        /// draft-ietf-tls-ecdhe-mlkem: P-256 ECDH and ML-KEM-768, the ECDH part first.
        SecP256r1MLKEM768 = 0x11eb => "hybrid: P-256 ECDH and the post-quantum ML-KEM-768 together",
        /// draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 and X25519, the ML-KEM part first.
        X25519MLKEM768 = 0x11ec => "hybrid: the post-quantum ML-KEM-768 and X25519 together",
    }
}

wire_enum! {
    /// RFC 8446 §4.2.3 signature schemes.
    SignatureScheme(u16, 2) {
        ecdsa_secp256r1_sha256 = 0x0403 => "ECDSA on P-256 with SHA-256",
        ecdsa_secp384r1_sha384 = 0x0503 => "ECDSA on P-384 with SHA-384 (this engine does not implement it)",
        ecdsa_secp521r1_sha512 = 0x0603 => "ECDSA on P-521 with SHA-512 (this engine does not implement it)",
        rsa_pss_rsae_sha256 = 0x0804 => "RSA-PSS with SHA-256, for an rsaEncryption key",
        rsa_pss_rsae_sha384 = 0x0805 => "RSA-PSS with SHA-384, for an rsaEncryption key (this engine does not implement it)",
        rsa_pss_rsae_sha512 = 0x0806 => "RSA-PSS with SHA-512, for an rsaEncryption key (this engine does not implement it)",
        ed25519 = 0x0807 => "Ed25519 (this engine does not implement it)",
        ed448 = 0x0808 => "Ed448 (this engine does not implement it)",
        rsa_pss_pss_sha256 = 0x0809 => "RSA-PSS with SHA-256, for an RSASSA-PSS key (this engine does not implement it)",
        rsa_pss_pss_sha384 = 0x080a => "RSA-PSS with SHA-384, for an RSASSA-PSS key (this engine does not implement it)",
        rsa_pss_pss_sha512 = 0x080b => "RSA-PSS with SHA-512, for an RSASSA-PSS key (this engine does not implement it)",
        rsa_pkcs1_sha256 = 0x0401 => "RSA PKCS#1 v1.5 with SHA-256 (for certificates only in TLS 1.3)",
        rsa_pkcs1_sha384 = 0x0501 => "RSA PKCS#1 v1.5 with SHA-384 (for certificates only in TLS 1.3; this engine does not implement it)",
        rsa_pkcs1_sha512 = 0x0601 => "RSA PKCS#1 v1.5 with SHA-512 (for certificates only in TLS 1.3; this engine does not implement it)",
        ecdsa_sha1 = 0x0203 => "ECDSA with SHA-1 (legacy, for certificates only)",
        rsa_pkcs1_sha1 = 0x0201 => "RSA PKCS#1 v1.5 with SHA-1 (legacy, for certificates only)",
    }
}

wire_enum! {
    /// RFC 8446 §6 alert levels.
    AlertLevel(u8, 1) {
        warning = 1 => "warning",
        fatal = 2 => "fatal: the connection ends",
    }
}

wire_enum! {
    /// RFC 8446 §6 alert descriptions.
    AlertDescription(u8, 1) {
        close_notify = 0 => "the sender will send no more data: an orderly close",
        unexpected_message = 10 => "a message arrived that was not allowed at this point",
        bad_record_mac = 20 => "a record could not be decrypted: it was altered or the keys differ",
        record_overflow = 22 => "a record was longer than the protocol allows",
        handshake_failure = 40 => "no acceptable set of parameters could be agreed",
        bad_certificate = 42 => "the certificate is not acceptable (here: its name does not match)",
        unsupported_certificate = 43 => "the certificate is of an unsupported type",
        certificate_revoked = 44 => "the certificate was revoked",
        certificate_expired = 45 => "the certificate is expired or not yet valid",
        certificate_unknown = 46 => "the certificate could not be accepted",
        illegal_parameter = 47 => "a field had a value that is not allowed",
        unknown_ca = 48 => "the certificate chain does not lead to a trusted CA",
        access_denied = 49 => "access denied",
        decode_error = 50 => "a message could not be parsed",
        decrypt_error = 51 => "a signature or Finished check failed",
        protocol_version = 70 => "no protocol version in common",
        insufficient_security = 71 => "the peer's parameters are too weak",
        internal_error = 80 => "an internal error unrelated to the peer",
        user_canceled = 90 => "the user cancelled the handshake",
        missing_extension = 109 => "a required extension is missing",
        unsupported_extension = 110 => "an extension was sent that was not offered",
        unrecognized_name = 112 => "no server is known by the requested name",
        certificate_required = 116 => "a client certificate is required",
        no_application_protocol = 120 => "no application protocol in common",
    }
}

wire_enum! {
    /// RFC 8446 §4.2.9 `PskKeyExchangeMode`.
    PskKeyExchangeMode(u8, 1) {
        psk_ke = 0 => "resume with the PSK alone (no new key exchange)",
        psk_dhe_ke = 1 => "resume with the PSK and a fresh (EC)DHE key exchange",
    }
}

wire_enum! {
    /// RFC 8446 §4.6.3 `KeyUpdateRequest`.
    KeyUpdateRequest(u8, 1) {
        update_not_requested = 0 => "the peer need not update its own keys",
        update_requested = 1 => "the peer must answer with a KeyUpdate of its own",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_code_points_round_trip_and_display_their_value() {
        let grease = CipherSuite(0x0a0a);
        assert_eq!(grease.known_name(), None);
        assert_eq!(grease.to_string(), "unknown(0x0a0a)");
        assert_eq!(CipherSuite::from_raw(grease.raw()), grease);
    }

    #[test]
    fn known_code_points_display_the_rfc_name() {
        assert_eq!(CipherSuite(0x1301).to_string(), "TLS_AES_128_GCM_SHA256");
        assert_eq!(AlertDescription(51).to_string(), "decrypt_error");
    }
}
