//! RFC 8446 §B.4 cipher suites: each names the AEAD that protects records and the hash of the
//! key schedule (transcript hash, HKDF, Finished, binders, ticket PSKs).
//!
//! TLS_AES_128_GCM_SHA256 is always there (RFC 8446 §9.1: the one suite a TLS 1.3 endpoint
//! MUST implement); TLS_AES_256_GCM_SHA384 comes with the `aes256` feature and
//! TLS_CHACHA20_POLY1305_SHA256 with the `chacha20` feature, both on by default and off for the
//! page.

use super::crypto::{Aead, HashAlgorithm, IV_LEN};
use super::enums::CipherSuite;

/// A cipher suite this build can run: its code point, its record AEAD and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    pub wire: CipherSuite,
    pub aead: Aead,
    pub hash: HashAlgorithm,
}

pub const TLS_AES_128_GCM_SHA256: Suite =
    Suite { wire: CipherSuite::TLS_AES_128_GCM_SHA256, aead: Aead::Aes128Gcm, hash: HashAlgorithm::Sha256 };
#[cfg(feature = "aes256")]
pub const TLS_AES_256_GCM_SHA384: Suite =
    Suite { wire: CipherSuite::TLS_AES_256_GCM_SHA384, aead: Aead::Aes256Gcm, hash: HashAlgorithm::Sha384 };
#[cfg(feature = "chacha20")]
pub const TLS_CHACHA20_POLY1305_SHA256: Suite =
    Suite { wire: CipherSuite::TLS_CHACHA20_POLY1305_SHA256, aead: Aead::ChaCha20Poly1305, hash: HashAlgorithm::Sha256 };

/// The suites this build can run, in the engine's order of preference.
pub const SUPPORTED: &[Suite] = &[
    TLS_AES_128_GCM_SHA256,
    #[cfg(feature = "aes256")]
    TLS_AES_256_GCM_SHA384,
    #[cfg(feature = "chacha20")]
    TLS_CHACHA20_POLY1305_SHA256,
];

/// The suite of a code point, if this build can run it.
pub fn lookup(wire: CipherSuite) -> Option<Suite> {
    SUPPORTED.iter().copied().find(|s| s.wire == wire)
}

/// Whether this build can run `wire`.
pub fn supports(wire: CipherSuite) -> bool {
    lookup(wire).is_some()
}

/// The code points of every suite this build runs, in its order of preference.
pub fn all() -> Vec<CipherSuite> {
    SUPPORTED.iter().map(|s| s.wire).collect()
}

impl Suite {
    /// RFC 8446 §7.3 key_length.
    pub const fn key_len(self) -> usize {
        self.aead.key_len()
    }

    /// RFC 8446 §7.3 iv_length: 12 for every TLS 1.3 AEAD.
    pub const fn iv_len(self) -> usize {
        IV_LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8446 §B.4 and §7.3: the code points, and the lengths of the hash, key and IV each
    /// suite's name stands for.
    #[test]
    fn each_suite_has_the_code_point_and_lengths_of_its_name() {
        let s = TLS_AES_128_GCM_SHA256;
        assert_eq!((s.wire.0, s.hash.len(), s.key_len(), s.iv_len()), (0x1301, 32, 16, 12));
        #[cfg(feature = "aes256")]
        {
            let s = TLS_AES_256_GCM_SHA384;
            assert_eq!((s.wire.0, s.hash.len(), s.key_len(), s.iv_len()), (0x1302, 48, 32, 12));
        }
        #[cfg(feature = "chacha20")]
        {
            let s = TLS_CHACHA20_POLY1305_SHA256;
            assert_eq!((s.wire.0, s.hash.len(), s.key_len(), s.iv_len()), (0x1303, 32, 32, 12));
        }
        assert_eq!(lookup(CipherSuite(0x1304)), None, "TLS_AES_128_CCM_SHA256 is not run");
        assert_eq!(lookup(CipherSuite(0x0a0a)), None, "GREASE");
    }
}
