//! The page's "what goes wrong" demonstrations, each a configuration of the two endpoints and the
//! network: nothing in the engine knows which one runs. A scenario that needs no new protocol
//! feature is added here and nowhere else (the page lists [`Scenario::ALL`]).

use serde::{Deserialize, Serialize};

use super::network::{Action, Attack, Network, Rule, Select};
use super::Options;
use crate::tls::auth::KeyType;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    /// Everything as it should be.
    Normal,
    /// The client sends no key share at first: the server answers with HelloRetryRequest.
    HelloRetry,
    /// An attacker on the wire flips bits of one byte of one record (records counted from 0, both
    /// directions; the byte counted from the record's first header byte).
    Tamper { record: usize, offset: usize, xor: u8 },
    /// The client asks for a name the certificate does not carry.
    WrongName,
    /// The client's clock is past the certificate's validity.
    Expired,
    /// The server's certificate comes from a CA the client does not trust.
    UntrustedCa,
    /// The server's certificate for the asked name is signed by a leaf certificate (cA=FALSE)
    /// that the real CA issued to another site.
    LeafAsCa,
    /// A second connection resumes with the first's ticket (RFC 8446 §2.2).
    Resume,
    /// … and sends its request as 0-RTT data, which the server accepts (§2.3).
    EarlyData,
    /// … and an attacker who copied that first flight replays it to the server as a third
    /// connection (§8): the single-use ticket is refused.
    Replay,
    /// An attacker alters one byte of the resuming ClientHello's binder (§4.2.11.2).
    BadBinder,
    /// A man in the middle answers the client itself, with its own certificate for the asked
    /// name from a CA the client does not trust; the server never hears from the client.
    MitmOwnCert,
    /// A man in the middle puts its own key share in both hellos and relays the server's
    /// certificate and signature.
    MitmKeyShare,
    /// A man in the middle deletes the client's key share, so the server asks again, and answers
    /// the HelloRetryRequest itself with the client's first ClientHello.
    MitmForceRetry,
    /// A man in the middle deletes supported_versions from the ClientHello.
    MitmStripVersions,
    /// The server asks for the client's certificate and requires one; the client has one
    /// (RFC 8446 §4.3.2, §4.4.2).
    ClientCert,
    /// … and the client has none: an empty Certificate, and certificate_required.
    NoClientCert,
    /// The server speaks no application protocol the client offers (RFC 7301 §3.2).
    NoAlpn,
}

/// The application protocols the client offers, most preferred first (RFC 7301).
pub const CLIENT_ALPN: [&str; 2] = ["h2", "http/1.1"];

/// The server asks for a client certificate (RFC 8446 §4.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientCertRequest {
    /// Refuse a client without one (certificate_required).
    pub required: bool,
    /// The client has a certificate from the demo intermediate CA to answer with.
    pub client_has_one: bool,
}

/// A second connection of the run, resuming with a ticket of the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    /// The client sends its first message as 0-RTT data.
    pub early_data: bool,
    /// The network of the second connection.
    pub network: Network,
    /// The network replays the second connection's first flight as a third connection.
    pub replay: bool,
}

/// Which CA the client trusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The CA that issued the server's certificate.
    Issuer,
    /// Another CA, made for this run, with the same name.
    Stranger,
}

/// What the server sends as its chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerChain {
    /// Its certificate, then the intermediate CA that issued it.
    Intermediate,
    /// A certificate for the asked name signed by the key of a leaf certificate the intermediate
    /// issued to [`OTHER_SITE`], then that leaf, then the intermediate.
    SignedByLeaf,
}

/// The site whose genuine leaf certificate signs the forged one in [`Scenario::LeafAsCa`].
pub const OTHER_SITE: &str = "attacker.example";

/// How a scenario sets up one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The server_name the client asks for.
    pub server_name: String,
    /// The client's clock, in Unix seconds.
    pub client_now: u64,
    /// Whether the first ClientHello carries a key share.
    pub initial_key_share: bool,
    pub anchor: Anchor,
    pub chain: ServerChain,
    /// The kind of key the server's certificate holds (and signs CertificateVerify with); an
    /// RSA server uses the fixed test key [`crate::sim::test_rsa_key`], since a fresh 2048-bit
    /// key takes too long to make for each run.
    pub server_key: KeyType,
    pub network: Network,
    /// A second connection that resumes, if any.
    pub resume: Option<Resume>,
    /// The server asks for the client's certificate, if this is set.
    pub client_cert: Option<ClientCertRequest>,
    /// The server's application protocols, most preferred first.
    pub server_alpn: &'static [&'static str],
}

/// The tamper scenario the page offers: one bit of the server's first encrypted record.
pub const PAGE_TAMPER: Scenario = Scenario::Tamper { record: 3, offset: 60, xor: 0x01 };

impl Scenario {
    /// Every scenario the page offers, in its menu's order.
    pub const ALL: [Scenario; 18] = [
        Scenario::Normal,
        Scenario::HelloRetry,
        PAGE_TAMPER,
        Scenario::WrongName,
        Scenario::Expired,
        Scenario::UntrustedCa,
        Scenario::LeafAsCa,
        Scenario::Resume,
        Scenario::EarlyData,
        Scenario::Replay,
        Scenario::BadBinder,
        Scenario::MitmOwnCert,
        Scenario::MitmKeyShare,
        Scenario::MitmForceRetry,
        Scenario::MitmStripVersions,
        Scenario::ClientCert,
        Scenario::NoClientCert,
        Scenario::NoAlpn,
    ];

    /// The name in the page's address (`?scenario=wrong-name`): a public interface, kept stable.
    pub fn key(&self) -> &'static str {
        match self {
            Scenario::Normal => "normal",
            Scenario::HelloRetry => "retry",
            Scenario::Tamper { .. } => "tamper",
            Scenario::WrongName => "wrong-name",
            Scenario::Expired => "expired",
            Scenario::UntrustedCa => "untrusted",
            Scenario::LeafAsCa => "leaf-as-ca",
            Scenario::Resume => "resume",
            Scenario::EarlyData => "early-data",
            Scenario::Replay => "replay",
            Scenario::BadBinder => "bad-binder",
            Scenario::MitmOwnCert => "mitm-own-cert",
            Scenario::MitmKeyShare => "mitm-key-share",
            Scenario::MitmForceRetry => "mitm-force-retry",
            Scenario::MitmStripVersions => "mitm-strip-versions",
            Scenario::ClientCert => "client-cert",
            Scenario::NoClientCert => "no-client-cert",
            Scenario::NoAlpn => "no-alpn",
        }
    }

    /// The label of the page's menu.
    pub fn title(&self) -> &'static str {
        match self {
            Scenario::Normal => "Everything goes right",
            Scenario::HelloRetry => "Server asks again (HelloRetryRequest)",
            Scenario::Tamper { .. } => "An attacker flips a bit on the wire",
            Scenario::WrongName => "Certificate for another name",
            Scenario::Expired => "Expired certificate",
            Scenario::UntrustedCa => "Certificate from an unknown CA",
            Scenario::LeafAsCa => "A leaf certificate tries to act as a CA",
            Scenario::Resume => "Come back later: resume with a ticket",
            Scenario::EarlyData => "Resume and send data at once (0-RTT)",
            Scenario::Replay => "An attacker replays the 0-RTT data",
            Scenario::BadBinder => "An attacker alters the ticket's binder",
            Scenario::MitmOwnCert => "Man in the middle: own certificate",
            Scenario::MitmKeyShare => "Man in the middle: own key shares",
            Scenario::MitmForceRetry => "Man in the middle: hidden retry",
            Scenario::MitmStripVersions => "Man in the middle: no TLS 1.3 offer",
            Scenario::ClientCert => "The server asks who you are",
            Scenario::NoClientCert => "… and you have no certificate",
            Scenario::NoAlpn => "No application protocol in common",
        }
    }

    /// The cargo feature a run of this scenario needs beyond the engine itself: `resumption`
    /// (a second connection with a ticket, 0-RTT) or `mitm` (an attacker that speaks TLS). The
    /// page's default build has neither (its weight budget, see README): index.html loads the full
    /// build for these, by the same keys.
    pub fn feature(&self) -> Option<&'static str> {
        match self {
            Scenario::Resume | Scenario::EarlyData | Scenario::Replay | Scenario::BadBinder => Some("resumption"),
            Scenario::MitmOwnCert | Scenario::MitmKeyShare | Scenario::MitmForceRetry | Scenario::MitmStripVersions => Some("mitm"),
            _ => None,
        }
    }

    /// Whether this build can run this scenario (see [`Scenario::feature`]).
    pub fn runs_here(&self) -> bool {
        const BUILT: [(&str, bool); 2] = [("resumption", cfg!(feature = "resumption")), ("mitm", cfg!(feature = "mitm"))];
        self.feature().is_none_or(|f| BUILT.iter().any(|(name, on)| *name == f && *on))
    }

    /// The scenario with this key, as the page offers it.
    pub fn from_key(key: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The endpoints and the network of a run of this scenario.
    pub fn setup(&self, opts: &Options) -> Setup {
        let mut s = Setup {
            server_name: opts.hostname.clone(),
            client_now: opts.now,
            initial_key_share: true,
            anchor: Anchor::Issuer,
            chain: ServerChain::Intermediate,
            server_key: KeyType::EcdsaP256,
            network: Network::honest(),
            resume: None,
            client_cert: None,
            server_alpn: &["http/1.1"],
        };
        let resume = |early_data, network, replay| Some(Resume { early_data, network, replay });
        match *self {
            Scenario::Normal => {}
            Scenario::HelloRetry => s.initial_key_share = false,
            Scenario::Tamper { record, offset, xor } => {
                s.network = Network::with(Rule { select: Select::Record(record), action: Action::Flip { offset, xor } })
            }
            Scenario::WrongName => s.server_name = format!("not-{}", opts.hostname),
            // Past the end of the leaf's validity (it is issued for 90 days around `now`).
            Scenario::Expired => s.client_now = opts.now.saturating_add(400 * 86_400),
            Scenario::UntrustedCa => s.anchor = Anchor::Stranger,
            Scenario::LeafAsCa => s.chain = ServerChain::SignedByLeaf,
            Scenario::Resume => s.resume = resume(false, Network::honest(), false),
            Scenario::EarlyData => s.resume = resume(true, Network::honest(), false),
            Scenario::Replay => s.resume = resume(true, Network::copying_first_flight(), true),
            // The binder is the last 32 bytes of the ClientHello, its first record.
            Scenario::BadBinder => {
                let flip = Rule { select: Select::Record(0), action: Action::FlipFromEnd { back: 0, xor: 0x01 } };
                s.resume = resume(false, Network::with(flip), false)
            }
            Scenario::MitmOwnCert => s.network = Network::attacked(Attack::OwnCert),
            Scenario::MitmKeyShare => s.network = Network::attacked(Attack::KeyShare),
            Scenario::MitmForceRetry => s.network = Network::attacked(Attack::ForceRetry),
            Scenario::MitmStripVersions => s.network = Network::attacked(Attack::StripVersions),
            Scenario::ClientCert => s.client_cert = Some(ClientCertRequest { required: true, client_has_one: true }),
            Scenario::NoClientCert => s.client_cert = Some(ClientCertRequest { required: true, client_has_one: false }),
            // A mail server: it speaks IMAP only.
            Scenario::NoAlpn => s.server_alpn = &["imap"],
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_has_a_distinct_key_that_finds_it_again() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_key(s.key()), Some(s.clone()));
        }
        assert_eq!(Scenario::from_key("nonsense"), None);
    }

    /// index.html chooses the build before any Rust runs: its list of the scenarios only the full
    /// build runs must be the engine's.
    #[test]
    fn the_page_loader_knows_which_scenarios_need_the_full_build() {
        let html = include_str!("../../index.html");
        let start = html.find("const fullScenarios = [").expect("index.html lists the full build's scenarios");
        let list = &html[start..start + html[start..].find(']').expect("the list ends")];
        let listed: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
        let needed: Vec<&str> = Scenario::ALL.iter().filter(|s| s.feature().is_some()).map(|s| s.key()).collect();
        assert_eq!(listed, needed);
        assert_eq!(needed.len(), 8);
        for s in Scenario::ALL {
            let built = match s.feature() {
                None => true,
                Some("resumption") => cfg!(feature = "resumption"),
                Some(_) => cfg!(feature = "mitm"),
            };
            assert_eq!(s.runs_here(), built, "{}", s.key());
        }
    }

    #[test]
    fn an_expired_clock_near_the_end_of_time_does_not_overflow() {
        let opts = Options { now: u64::MAX - 5, ..Options::default() };
        assert_eq!(Scenario::Expired.setup(&opts).client_now, u64::MAX);
    }
}
