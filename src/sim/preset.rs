//! What a client offers in its ClientHello: the page's own client, or the lists a known client
//! sends today (its groups in order, the groups it sends key shares for, its cipher suites and
//! signature schemes), or a group and a suite of the visitor's choice.
//!
//! A list names what the real client sends, GREASE values (RFC 8701) left out. The engine can
//! only offer what it can compute: [`ClientOffer::groups`] and [`ClientOffer::suites`] keep the
//! entries this build runs, and [`ClientOffer::left_out`] names the others, so the page can say
//! what the real client would have added.

use serde::{Deserialize, Serialize};

use crate::tls::enums::{CipherSuite, NamedGroup, SignatureScheme};
use crate::tls::{kx, suite};

/// A known client's opening offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The page's own client: P-256 and TLS_AES_128_GCM_SHA256 only, which every TLS 1.3
    /// endpoint must support (RFC 8446 §9.1), so its run fits the page's lighter build.
    Page,
    Chrome,
    Firefox,
    Curl,
}

/// The lists of a preset.
pub struct Lists {
    pub groups: &'static [NamedGroup],
    pub key_shares: &'static [NamedGroup],
    pub suites: &'static [CipherSuite],
    pub schemes: &'static [SignatureScheme],
}

const PAGE: Lists = Lists {
    groups: &[NamedGroup::secp256r1],
    key_shares: &[NamedGroup::secp256r1],
    suites: &[CipherSuite::TLS_AES_128_GCM_SHA256],
    schemes: &[SignatureScheme::ecdsa_secp256r1_sha256],
};

// Chrome 131 and later (BoringSSL's defaults as Chromium sets them; the hybrid replaced
// X25519Kyber768Draft00 in Chrome 131, November 2024): supported_groups X25519MLKEM768, x25519,
// secp256r1, secp384r1, with key shares for the first two; TLS 1.3 suites in BoringSSL's order on
// a machine with AES instructions; signature_algorithms as Chromium's SSL config lists them.
const CHROME: Lists = Lists {
    groups: &[NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1],
    key_shares: &[NamedGroup::X25519MLKEM768, NamedGroup::x25519],
    suites: &[CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_CHACHA20_POLY1305_SHA256],
    schemes: &[
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pkcs1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::rsa_pss_rsae_sha384,
        SignatureScheme::rsa_pkcs1_sha384,
        SignatureScheme::rsa_pss_rsae_sha512,
        SignatureScheme::rsa_pkcs1_sha512,
    ],
};

// Firefox 132 and later (NSS as Firefox configures it): supported_groups X25519MLKEM768, x25519,
// secp256r1, secp384r1, secp521r1, ffdhe2048, ffdhe3072, with key shares for the first three;
// TLS 1.3 suites AES-128-GCM, ChaCha20-Poly1305, AES-256-GCM; NSS's signature schemes.
const FIREFOX: Lists = Lists {
    groups: &[
        NamedGroup::X25519MLKEM768,
        NamedGroup::x25519,
        NamedGroup::secp256r1,
        NamedGroup::secp384r1,
        NamedGroup::secp521r1,
        NamedGroup::ffdhe2048,
        NamedGroup::ffdhe3072,
    ],
    key_shares: &[NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1],
    suites: &[CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384],
    schemes: &[
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ecdsa_secp521r1_sha512,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,
        SignatureScheme::rsa_pss_rsae_sha512,
        SignatureScheme::rsa_pkcs1_sha256,
        SignatureScheme::rsa_pkcs1_sha384,
        SignatureScheme::rsa_pkcs1_sha512,
        SignatureScheme::ecdsa_sha1,
        SignatureScheme::rsa_pkcs1_sha1,
    ],
};

// curl built with OpenSSL 3.0, as Debian 12 ships it: curl leaves groups and TLS 1.3 suites to
// OpenSSL, whose defaults are these (ssl/t1_lib.c, ssl/ssl_ciph.c); one key share, for x25519.
// tests/presets.rs checks this list against the ClientHello this machine's `openssl s_client`
// sends.
const CURL: Lists = Lists {
    groups: &[
        NamedGroup::x25519,
        NamedGroup::secp256r1,
        NamedGroup::x448,
        NamedGroup::secp521r1,
        NamedGroup::secp384r1,
        NamedGroup::ffdhe2048,
        NamedGroup::ffdhe3072,
        NamedGroup::ffdhe4096,
        NamedGroup::ffdhe6144,
        NamedGroup::ffdhe8192,
    ],
    key_shares: &[NamedGroup::x25519],
    suites: &[CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_CHACHA20_POLY1305_SHA256, CipherSuite::TLS_AES_128_GCM_SHA256],
    schemes: &[
        SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384,
        SignatureScheme::ecdsa_secp521r1_sha512,
        SignatureScheme::ed25519,
        SignatureScheme::ed448,
        SignatureScheme::rsa_pss_pss_sha256,
        SignatureScheme::rsa_pss_pss_sha384,
        SignatureScheme::rsa_pss_pss_sha512,
        SignatureScheme::rsa_pss_rsae_sha256,
        SignatureScheme::rsa_pss_rsae_sha384,
        SignatureScheme::rsa_pss_rsae_sha512,
        SignatureScheme::rsa_pkcs1_sha256,
        SignatureScheme::rsa_pkcs1_sha384,
        SignatureScheme::rsa_pkcs1_sha512,
    ],
};

impl Preset {
    pub const ALL: [Preset; 4] = [Preset::Page, Preset::Chrome, Preset::Firefox, Preset::Curl];

    /// The name in a link (`client=chrome`).
    pub fn key(self) -> &'static str {
        match self {
            Preset::Page => "page",
            Preset::Chrome => "chrome",
            Preset::Firefox => "firefox",
            Preset::Curl => "curl",
        }
    }

    pub fn from_key(key: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The menu's words for it.
    pub fn title(self) -> &'static str {
        match self {
            Preset::Page => "This page's client (P-256, AES-128-GCM)",
            Preset::Chrome => "As Chrome sends it",
            Preset::Firefox => "As Firefox sends it",
            Preset::Curl => "As curl with OpenSSL 3.0 sends it",
        }
    }

    /// Who sends this offer, in a sentence ("Chrome").
    pub fn who(self) -> &'static str {
        match self {
            Preset::Page => "this page's client",
            Preset::Chrome => "Chrome",
            Preset::Firefox => "Firefox",
            Preset::Curl => "curl with OpenSSL 3.0",
        }
    }

    pub fn lists(self) -> &'static Lists {
        match self {
            Preset::Page => &PAGE,
            Preset::Chrome => &CHROME,
            Preset::Firefox => &FIREFOX,
            Preset::Curl => &CURL,
        }
    }
}

/// The page's server's groups, most preferred first, as many servers order them today: the
/// post-quantum hybrid with X25519, X25519, the hybrid with P-256, P-256 (those this build runs).
pub fn server_groups() -> Vec<NamedGroup> {
    [NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::SecP256r1MLKEM768, NamedGroup::secp256r1]
        .into_iter()
        .filter(|g| kx::supports(*g))
        .collect()
}

/// The page's server's suites, most preferred first: every suite this build runs, AES-128-GCM
/// first.
pub fn server_suites() -> Vec<CipherSuite> {
    suite::all()
}

/// The groups a visitor may choose from (those the page's full build runs).
pub const GROUP_CHOICES: [NamedGroup; 4] =
    [NamedGroup::X25519MLKEM768, NamedGroup::SecP256r1MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1];

/// The suites a visitor may choose from.
pub const SUITE_CHOICES: [CipherSuite; 3] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];

/// A group of [`GROUP_CHOICES`] by its name.
pub fn group_named(name: &str) -> Option<NamedGroup> {
    GROUP_CHOICES.into_iter().find(|g| g.known_name() == Some(name))
}

/// A suite of [`SUITE_CHOICES`] by its name.
pub fn suite_named(name: &str) -> Option<CipherSuite> {
    SUITE_CHOICES.into_iter().find(|s| s.known_name() == Some(name))
}

/// What the client offers: a preset, or one group and one suite of the visitor's choice in
/// place of the preset's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientOffer {
    pub preset: Preset,
    pub group: Option<NamedGroup>,
    pub suite: Option<CipherSuite>,
}

impl Default for ClientOffer {
    fn default() -> Self {
        ClientOffer { preset: Preset::Page, group: None, suite: None }
    }
}

impl ClientOffer {
    /// The groups offered, in order: the chosen group, or the preset's groups this build runs.
    pub fn groups(&self) -> Vec<NamedGroup> {
        let listed = match self.group {
            Some(g) => vec![g],
            None => self.preset.lists().groups.to_vec(),
        };
        listed.into_iter().filter(|g| kx::supports(*g)).collect()
    }

    /// The groups the first ClientHello sends a key share for.
    pub fn key_shares(&self) -> Vec<NamedGroup> {
        let groups = self.groups();
        match self.group {
            Some(_) => groups,
            None => self.preset.lists().key_shares.iter().copied().filter(|g| groups.contains(g)).collect(),
        }
    }

    /// The suites offered, in order.
    pub fn suites(&self) -> Vec<CipherSuite> {
        match self.suite {
            Some(s) => vec![s],
            None => self.preset.lists().suites.to_vec(),
        }
        .into_iter()
        .filter(|s| suite::supports(*s))
        .collect()
    }

    /// What the real client also lists that this build cannot offer: groups, then suites.
    pub fn left_out(&self) -> (Vec<NamedGroup>, Vec<CipherSuite>) {
        let l = self.preset.lists();
        let groups = if self.group.is_some() { Vec::new() } else { l.groups.iter().copied().filter(|g| !kx::supports(*g)).collect() };
        let suites = if self.suite.is_some() { Vec::new() } else { l.suites.iter().copied().filter(|s| !suite::supports(*s)).collect() };
        (groups, suites)
    }

    /// Whether the page's lighter build (secp256r1 and TLS_AES_128_GCM_SHA256 only) can run it.
    pub fn is_page_default(&self) -> bool {
        *self == ClientOffer::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_client_offers_p256_and_aes_128_only() {
        let o = ClientOffer::default();
        assert_eq!(o.groups(), vec![NamedGroup::secp256r1]);
        assert_eq!(o.key_shares(), vec![NamedGroup::secp256r1]);
        assert_eq!(o.suites(), vec![CipherSuite::TLS_AES_128_GCM_SHA256]);
        assert_eq!(o.left_out(), (vec![], vec![]));
    }

    /// The code points of the draft (draft-ietf-tls-ecdhe-mlkem §4.1) and RFC 8446 §4.2.7.
    #[test]
    fn the_presets_name_the_iana_code_points() {
        assert_eq!(CHROME.groups.iter().map(|g| g.0).collect::<Vec<_>>(), [0x11ec, 0x001d, 0x0017, 0x0018]);
        assert_eq!(FIREFOX.key_shares.iter().map(|g| g.0).collect::<Vec<_>>(), [0x11ec, 0x001d, 0x0017]);
        assert_eq!(CURL.suites.iter().map(|s| s.0).collect::<Vec<_>>(), [0x1302, 0x1303, 0x1301]);
    }

    #[cfg(all(feature = "mlkem", feature = "aes256", feature = "chacha20"))]
    #[test]
    fn a_browser_preset_keeps_what_the_engine_runs_and_names_the_rest() {
        let o = ClientOffer { preset: Preset::Firefox, group: None, suite: None };
        assert_eq!(o.groups(), vec![NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1]);
        assert_eq!(o.key_shares(), vec![NamedGroup::X25519MLKEM768, NamedGroup::x25519, NamedGroup::secp256r1]);
        assert_eq!(o.suites().len(), 3);
        let (groups, suites) = o.left_out();
        assert_eq!(groups, vec![NamedGroup::secp384r1, NamedGroup::secp521r1, NamedGroup::ffdhe2048, NamedGroup::ffdhe3072]);
        assert!(suites.is_empty());
        let chosen =
            ClientOffer { preset: Preset::Chrome, group: Some(NamedGroup::x25519), suite: Some(CipherSuite::TLS_AES_256_GCM_SHA384) };
        assert_eq!(
            (chosen.groups(), chosen.key_shares(), chosen.suites()),
            (vec![NamedGroup::x25519], vec![NamedGroup::x25519], vec![CipherSuite::TLS_AES_256_GCM_SHA384])
        );
    }
}
