//! Drive a client and a server against each other in memory and record every event: the
//! [`Trace`] the page plays back. The same seed gives the same bytes, keys and trace.
//!
//! Like quinn's test `Pair`: [`Pair::step`] moves the bytes one side has written to the other,
//! one record at a time, and [`Pair::drive`] steps until both sides are quiet.

pub mod capture;
pub mod clock;
pub mod network;
pub mod preset;
mod resume;
pub mod scenario;
pub mod trace;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::tls::auth::KeyType;
use crate::tls::client::{Client, ClientCertificate, ClientConfig};
use crate::tls::conn::{RecordOptions, Role};
use crate::tls::enums::KeyUpdateRequest;
use crate::tls::enums::SignatureScheme;
use crate::tls::error::Error;
use crate::tls::events::{Endpoint, Event, Phase};
use crate::tls::record::HEADER_LEN;
use crate::tls::server::{ClientAuth, Server, ServerConfig};
use crate::tls::x509::issue::{self, Issued};
pub use network::{Network, NetworkEvent};
pub use scenario::{Anchor, Scenario, ServerChain, Setup};
pub use trace::{Happening, Side, Trace, TraceEvent};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// `None` draws a fresh seed from the OS (recorded in the trace, so it can be replayed).
    pub seed: Option<u64>,
    pub hostname: String,
    /// Unix seconds.
    pub now: u64,
    /// Messages the client sends after the handshake; the server answers each with the reply at
    /// the same position (or an acknowledgement when there is none).
    pub client_messages: Vec<String>,
    pub server_replies: Vec<String>,
    /// Run a KeyUpdate (requested, so both sides move on) after the messages.
    pub key_update: bool,
    pub scenario: Scenario,
    /// Largest record fragment; small values split handshake messages across records.
    pub max_fragment: usize,
    /// What the client offers: the page's own client, a known client's lists, or a group and a
    /// suite of the visitor's choice.
    #[serde(default)]
    pub client: preset::ClientOffer,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: None,
            hostname: "example.com".into(),
            now: 1_795_000_000,
            client_messages: vec!["GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".into()],
            server_replies: vec!["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nHello over TLS 1.3!".into()],
            key_update: false,
            scenario: Scenario::Normal,
            max_fragment: crate::tls::record::MAX_PLAINTEXT,
            client: preset::ClientOffer::default(),
        }
    }
}

impl Options {
    /// Whether this build of the engine can run these options: the scenario's feature (see
    /// [`Scenario::feature`]), and for a client offer other than the page's own, every group
    /// and suite a preset may offer. The page's default build loads the full one otherwise.
    pub fn runs_here(&self) -> bool {
        let every_algorithm = cfg!(all(feature = "x25519", feature = "aes256", feature = "chacha20", feature = "mlkem"));
        self.scenario.runs_here() && (every_algorithm || self.client.is_page_default())
    }

    /// These options as a list of strings, for a message to the page's export worker (which runs
    /// the same connection again and writes its trace as JSON): seed, scenario, key update,
    /// hostname, clock, largest fragment, the client preset, its chosen group and suite (empty
    /// when none), the number of client messages, the client messages, then the server replies.
    /// [`Options::from_strings`] reads it back.
    pub fn to_strings(&self) -> Vec<String> {
        let mut out = vec![
            self.seed.map(|s| s.to_string()).unwrap_or_default(),
            self.scenario.key().to_string(),
            if self.key_update { "1" } else { "0" }.to_string(),
            self.hostname.clone(),
            self.now.to_string(),
            self.max_fragment.to_string(),
            self.client.preset.key().to_string(),
            self.client.group.and_then(|g| g.known_name()).unwrap_or_default().to_string(),
            self.client.suite.and_then(|s| s.known_name()).unwrap_or_default().to_string(),
            self.client_messages.len().to_string(),
        ];
        out.extend(self.client_messages.iter().cloned());
        out.extend(self.server_replies.iter().cloned());
        out
    }

    /// The options [`Options::to_strings`] wrote, or what is wrong with the list.
    pub fn from_strings(v: &[String]) -> Result<Options, String> {
        let [seed, scenario, key_update, hostname, now, max_fragment, preset, group, suite, clients, rest @ ..] = v else {
            return Err(format!("expected at least 10 values, got {}", v.len()));
        };
        let client = preset::ClientOffer {
            preset: preset::Preset::from_key(preset).ok_or_else(|| format!("there is no client preset {preset:?}"))?,
            group: match group.as_str() {
                "" => None,
                g => Some(preset::group_named(g).ok_or_else(|| format!("there is no group {g:?} to choose"))?),
            },
            suite: match suite.as_str() {
                "" => None,
                c => Some(preset::suite_named(c).ok_or_else(|| format!("there is no cipher suite {c:?} to choose"))?),
            },
        };
        let number = |what: &str, s: &str| s.parse::<u64>().map_err(|_| format!("{what} is not a whole number: {s:?}"));
        let clients = usize::try_from(number("the number of client messages", clients)?).unwrap_or(usize::MAX);
        if clients > rest.len() {
            return Err(format!("{clients} client messages announced, {} values left", rest.len()));
        }
        let max_fragment = usize::try_from(number("the largest fragment", max_fragment)?).unwrap_or(0);
        if !(1..=crate::tls::record::MAX_PLAINTEXT).contains(&max_fragment) {
            return Err(format!("the largest fragment must be from 1 to {}", crate::tls::record::MAX_PLAINTEXT));
        }
        check_hostname(hostname)?;
        Ok(Options {
            seed: if seed.is_empty() { None } else { Some(number("the seed", seed)?) },
            scenario: Scenario::from_key(scenario).ok_or_else(|| format!("there is no scenario {scenario:?}"))?,
            key_update: match key_update.as_str() {
                "1" => true,
                "0" => false,
                other => return Err(format!("the key update flag is 0 or 1, not {other:?}")),
            },
            hostname: hostname.clone(),
            now: number("the clock", now)?,
            max_fragment,
            client,
            client_messages: rest[..clients].to_vec(),
            server_replies: rest[clients..].to_vec(),
        })
    }
}

/// The largest message a visitor may send at once: one full record (RFC 8446 §5.1: 2^14 bytes).
pub const MAX_MESSAGE: usize = 1 << 14;

/// Check a message a person typed before it is sent: a clear reason when it cannot be.
pub fn check_message(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("Type a message first: there is nothing to encrypt.".into());
    }
    if text.len() > MAX_MESSAGE {
        return Err(format!(
            "That message is {} bytes; the page sends at most {} bytes (one TLS record) at a time.",
            text.len(),
            MAX_MESSAGE
        ));
    }
    Ok(())
}

/// Check a host name before it goes into a ClientHello and a certificate: a DNS name of at most
/// 253 characters in labels of 1 to 63 letters, digits and hyphens, none starting or ending with a
/// hyphen (RFC 1035 §2.3.1, RFC 6066 §3; a server certificate's dNSName has the same form).
pub fn check_hostname(name: &str) -> Result<(), String> {
    let shown: String = name.chars().take(40).collect();
    if name.is_empty() {
        return Err("a host name cannot be empty".into());
    }
    if name.len() > 253 {
        return Err(format!("a host name has at most 253 characters, not {}", name.len()));
    }
    for label in name.split('.') {
        let ok_chars = label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if label.is_empty() || label.len() > 63 || !ok_chars || label.starts_with('-') || label.ends_with('-') {
            return Err(format!("\"{shown}\" is not a DNS host name: labels of 1 to 63 letters, digits and hyphens, separated by dots"));
        }
    }
    Ok(())
}

/// A fresh seed from the operating system (or the browser's crypto API).
pub fn fresh_seed() -> u64 {
    let mut b = [0u8; 8];
    // If the OS has no randomness, a fixed seed still gives a working (if predictable) demo.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// A client and a server joined by an in-memory [`Network`].
pub struct Pair {
    pub client: Client,
    pub server: Server,
    pub network: Network,
    pub trace: Trace,
    /// The connection these two endpoints make, counting from 1.
    pub connection: u32,
    /// The trace indices of each side's RecordSent events whose records are not yet carried.
    unsent: [std::collections::VecDeque<usize>; 2],
}

impl Pair {
    /// Move the endpoints' new events into the trace.
    pub fn collect(&mut self) {
        let n = self.connection;
        for (i, side) in [Endpoint::Client, Endpoint::Server].into_iter().enumerate() {
            let events = match side {
                Endpoint::Client => self.client.common.take_events(),
                Endpoint::Server => self.server.common.take_events(),
            };
            for e in events {
                if matches!(e, Event::RecordSent { .. }) {
                    self.unsent[i].push_back(self.trace.events.len());
                }
                self.trace.push(n, side, e);
            }
        }
    }

    /// Move every record one side has written to the other, one record at a time, through the
    /// network. Returns whether anything moved.
    pub fn step(&mut self) -> bool {
        let mut moved = false;
        for from in [Endpoint::Client, Endpoint::Server] {
            let out = match from {
                Endpoint::Client => self.client.common.take_output(),
                Endpoint::Server => self.server.common.take_output(),
            };
            let queue = if from == Endpoint::Client { 0 } else { 1 };
            for rec in split_records(&out) {
                // Each record written has its RecordSent event, in the same order.
                let sent = self.unsent[queue].pop_front();
                let first = self.trace.events.len();
                let (arrive, events) = self.network.carry(from, rec);
                for e in events {
                    self.trace.push_network(self.connection, e);
                }
                // What arrives at the receiver, then what an attacker in the middle sent back to
                // the sender itself.
                let back = self.network.take_back();
                let to = arrive.into_iter().map(|p| (from.peer(), p)).chain(back.into_iter().map(|p| (from, p)));
                for (to, piece) in to {
                    let start = clock::now_us();
                    match to {
                        Endpoint::Client => self.client.receive(&piece),
                        Endpoint::Server => self.server.receive(&piece),
                    };
                    self.trace.spent.add(to, clock::now_us().saturating_sub(start));
                    self.collect();
                }
                if let Some(sent) = sent {
                    self.trace.deliveries.push(trace::Delivery { sent, first, end: self.trace.events.len() });
                }
                moved = true;
            }
        }
        self.collect();
        moved
    }

    pub fn drive(&mut self) {
        // Each step delivers at least one record; a handshake needs a handful. The bound only
        // guards against a bug turning into an endless page.
        for _ in 0..1000 {
            if !self.step() {
                break;
            }
        }
    }

    fn finished(&self) -> bool {
        let done = |ph: Phase| matches!(ph, Phase::Failed | Phase::Closed);
        done(self.client.phase()) && done(self.server.phase())
    }
}

/// Cut a byte stream into whole records (a trailing partial one is kept as is).
pub fn split_records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = match bytes.get(at + 3..at + 5) {
            Some(l) => HEADER_LEN + usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => bytes.len() - at,
        };
        let end = (at + len).min(bytes.len());
        out.push(bytes[at..end].to_vec());
        at = end;
    }
    out
}

/// The certificates of one run: a root CA, an intermediate CA it signed, and a server
/// certificate the intermediate signed; the server sends its certificate and the intermediate.
pub struct Pki {
    /// The root.
    pub ca: Issued,
    pub intermediate: Issued,
    /// The server's certificate and key.
    pub leaf: Issued,
    /// What the server sends, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// What the client trusts (another CA in the untrusted-CA scenario).
    pub anchor: Issued,
}

/// The certificates of a run with an honest server: root → intermediate → leaf.
pub fn make_pki(rng: &mut ChaCha20Rng, hostname: &str, now: u64, anchor: Anchor) -> Result<Pki, Error> {
    make_pki_with(rng, hostname, now, anchor, ServerChain::Intermediate)
}

/// The certificates of a run whose server sends the chain `shape` describes.
pub fn make_pki_with(rng: &mut ChaCha20Rng, hostname: &str, now: u64, anchor: Anchor, shape: ServerChain) -> Result<Pki, Error> {
    make_pki_keyed(rng, hostname, now, anchor, shape, KeyType::EcdsaP256)
}

/// A fixed 2048-bit RSA private key for the simulation's RSA server, as a PKCS#1 RSAPrivateKey
/// (RFC 8017 appendix A.1.2) in DER, generated once with OpenSSL 3.0's
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER`. A TEST KEY: it
/// is public, in this repository, and protects nothing.
#[cfg(feature = "rsa")]
pub const TEST_RSA_KEY_PKCS1: &[u8] = include_bytes!("sim/test-key-rsa2048.pkcs1.der");

/// [`TEST_RSA_KEY_PKCS1`] decoded.
pub fn test_rsa_key() -> Result<crate::tls::auth::SigningKey, Error> {
    #[cfg(feature = "rsa")]
    {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        rsa::PrivateKey::from_pkcs1_der(TEST_RSA_KEY_PKCS1).map(Into::into).map_err(|_| Error::Internal("the RSA test key does not decode"))
    }
    #[cfg(not(feature = "rsa"))]
    Err(Error::Usage("an RSA server needs a build with the rsa feature"))
}

/// [`make_pki_with`] for a server whose certificate holds a key of `server_key` (under the same
/// P-256 CAs: an RSA server's chain is mixed, as when a CA signs with ECDSA).
pub fn make_pki_keyed(
    rng: &mut ChaCha20Rng,
    hostname: &str,
    now: u64,
    anchor: Anchor,
    shape: ServerChain,
    server_key: KeyType,
) -> Result<Pki, Error> {
    let ca = issue::generate_ca(rng, now)?;
    let intermediate = issue::generate_intermediate(rng, &ca, now)?;
    let (leaf, chain) = match shape {
        ServerChain::Intermediate => {
            let leaf = match server_key {
                KeyType::EcdsaP256 => issue::generate_leaf(rng, &intermediate, hostname, now)?,
                KeyType::Rsa => issue::generate_leaf_for(rng, &intermediate, hostname, now, test_rsa_key()?)?,
            };
            let chain = vec![leaf.der.clone(), intermediate.der.clone()];
            (leaf, chain)
        }
        ServerChain::SignedByLeaf => {
            // A real certificate the intermediate issued to another site, whose key then signs a
            // certificate for the name the client asks for.
            let other = issue::generate_leaf(rng, &intermediate, scenario::OTHER_SITE, now)?;
            let forged = issue::generate_leaf(rng, &other, hostname, now)?;
            let chain = vec![forged.der.clone(), other.der.clone(), intermediate.der.clone()];
            (forged, chain)
        }
    };
    let anchor = match anchor {
        Anchor::Issuer => ca.clone(),
        Anchor::Stranger => issue::generate_ca(rng, now)?,
    };
    Ok(Pki { ca, intermediate, leaf, chain, anchor })
}

/// Build a pair from options, the scenario's setup and certificates (the benchmark reuses
/// certificates).
pub fn pair(opts: &Options, setup: Setup, seed: u64, pki: &Pki, rng: &mut ChaCha20Rng) -> Pair {
    let records = RecordOptions { max_fragment: opts.max_fragment, padding: 0 };
    let protocols = |l: &[&str]| l.iter().map(|p| p.as_bytes().to_vec()).collect();
    let mut client = Client::new(
        ClientConfig {
            server_name: setup.server_name,
            trust_anchor: pki.anchor.der.clone(),
            now: setup.client_now,
            alpn: protocols(&scenario::CLIENT_ALPN),
            initial_key_share: setup.initial_key_share,
            records: records.clone(),
            groups: opts.client.groups(),
            suites: opts.client.suites(),
            key_shares: opts.client.key_shares(),
            certificate: None,
            signature_schemes: sim_schemes(setup.server_key),
        },
        ChaCha20Rng::from_seed(seed_bytes(rng)),
    );
    // The server trusts the demo root for client certificates too.
    let client_auth = setup.client_cert.map(|r| ClientAuth { trust_anchor: pki.ca.der.clone(), required: r.required, now: opts.now });
    let server = Server::new(
        ServerConfig {
            chain: pki.chain.clone(),
            key: pki.leaf.key.clone(),
            alpn: protocols(setup.server_alpn),
            tickets: 1,
            records,
            groups: preset::server_groups(),
            suites: preset::server_suites(),
            client_auth,
            signature_schemes: sim_schemes(setup.server_key),
        },
        ChaCha20Rng::from_seed(seed_bytes(rng)),
    );
    let mut network = setup.network;
    if network.attacker.is_some() {
        // Drawn after the endpoints' seeds, so runs without an attacker keep their bytes.
        network.arm(seed_bytes(rng), opts.now);
    }
    if setup.client_cert.is_some_and(|r| r.client_has_one) {
        // Drawn last, for the same reason: a certificate the intermediate issues to the client,
        // sent with the intermediate, as the server's is.
        if let Ok(c) = issue::generate_client(rng, &pki.intermediate, opts.now) {
            client.set_certificate(ClientCertificate { chain: vec![c.der, pki.intermediate.der.clone()], key: c.key });
        }
    }
    Pair { client, server, network, trace: Trace::new(seed, opts), connection: 1, unsent: Default::default() }
}

/// The signature schemes of a run: the page's one (its build has no other), so a native run
/// with a P-256 server is the page's run; RSA-PSS too when the server's key is RSA.
fn sim_schemes(server_key: KeyType) -> Vec<SignatureScheme> {
    match server_key {
        KeyType::EcdsaP256 => vec![SignatureScheme::ecdsa_secp256r1_sha256],
        KeyType::Rsa => vec![SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::rsa_pss_rsae_sha256],
    }
}

fn seed_bytes(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}

/// Run a whole connection: handshake, the scripted messages, optional KeyUpdate, close. The
/// options' scenario sets up the endpoints and the network.
pub fn run(opts: &Options) -> Trace {
    run_with(opts, opts.scenario.setup(opts))
}

/// [`run`] with a setup of the caller's (a test's own network, say).
pub fn run_with(opts: &Options, setup: Setup) -> Trace {
    match Prepared::new(opts, setup) {
        Ok(p) => p.run(opts),
        Err(t) => t,
    }
}

/// A run whose certificates are made, ready to connect: [`run_with`] in two halves, so the page
/// can do each in a task of its own.
pub struct Prepared {
    seed: u64,
    rng: ChaCha20Rng,
    pki: Pki,
    setup: Setup,
}

impl Prepared {
    /// Draw the seed and make the certificates. A run that cannot start is its trace already.
    #[allow(clippy::result_large_err)]
    pub fn new(opts: &Options, setup: Setup) -> Result<Prepared, Trace> {
        let seed = opts.seed.unwrap_or_else(fresh_seed);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let pki = check_hostname(&opts.hostname).map_err(|why| format!("the host name cannot be used: {why}")).and_then(|_| {
            make_pki_keyed(&mut rng, &opts.hostname, opts.now, setup.anchor, setup.chain, setup.server_key)
                .map_err(|e| format!("could not make certificates: {e}"))
        });
        match pki {
            Ok(pki) => Ok(Prepared { seed, rng, pki, setup }),
            Err(message) => Err(Trace::failed_setup(seed, opts, message)),
        }
    }

    /// Connect, run the script and close: the trace. A scenario that resumes runs its later
    /// connections into the same trace.
    pub fn run(mut self, opts: &Options) -> Trace {
        // A build without resumption runs the first connection only (the page's default build
        // never runs such a scenario: see Options::runs_here).
        let later = self.setup.resume.take().filter(|_| cfg!(feature = "resumption"));
        let mut p = pair(opts, self.setup, self.seed, &self.pki, &mut self.rng);
        p.trace.set_pki(&self.pki);
        let keeper = later.as_ref().map(|r| resume::keeper(&mut p, r, opts, &mut self.rng));
        run_pair(&mut p, opts);
        p.trace.finish(p.connection, &p.client, &p.server);
        match (later, keeper) {
            (Some(r), Some(k)) => resume::later_connections(p, opts, r, k, &self.pki, &mut self.rng),
            _ => p.trace,
        }
    }
}

/// The script of [`run`] on an existing pair.
pub fn run_pair(p: &mut Pair, opts: &Options) {
    run_script(p, opts, false);
}

/// [`run_pair`]; with `first_sent_early`, the first message already went as 0-RTT data and only
/// the server's reply to it is left.
fn run_script(p: &mut Pair, opts: &Options, first_sent_early: bool) {
    let start = clock::now_us();
    p.client.start();
    p.trace.spent.add(Endpoint::Client, clock::now_us().saturating_sub(start));
    p.collect();
    p.drive();
    if p.client.phase() == Phase::Connected && p.server.phase() == Phase::Connected {
        for (i, m) in opts.client_messages.iter().enumerate() {
            if !(first_sent_early && i == 0) && p.client.send(m.as_bytes()).is_err() {
                break;
            }
            p.collect();
            p.drive();
            let reply = opts.server_replies.get(i).cloned().unwrap_or_else(|| format!("received {} bytes: {m}", m.len()));
            if p.server.phase() != Phase::Connected || p.server.send(reply.as_bytes()).is_err() {
                break;
            }
            p.collect();
            p.drive();
        }
        if opts.key_update && p.client.key_update(KeyUpdateRequest::update_requested).is_ok() {
            p.collect();
            p.drive();
        }
    }
    if p.client.common.stalled() || p.server.common.stalled() {
        close_transport(p);
    }
    if p.client.phase() == Phase::Connected {
        p.client.close();
        p.collect();
        p.drive();
        // The server answers the client's close_notify, if it arrived.
        if p.server.common.received_close {
            p.server.close();
            p.collect();
            p.drive();
        }
    }
    if !p.finished() {
        close_transport(p);
    }
    p.collect();
}

/// A side waits for bytes that will never come (an attacker altered a length field, say): the
/// transport closes, and each engine judges what it holds.
fn close_transport(p: &mut Pair) {
    p.trace.push_network(p.connection, NetworkEvent::TransportClosed);
    // Whatever the engines send from now on (an alert about the end, say) goes nowhere.
    p.network.close();
    // A side the network never connected (the attacker kept the server out) has nothing to judge.
    if p.network.reaches(Endpoint::Client) {
        p.client.end_of_input();
    }
    if p.network.reaches(Endpoint::Server) {
        p.server.end_of_input();
    }
    p.collect();
    p.drive();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_must_be_dns_names() {
        for good in ["example.com", "a", "xn--bcher-kva.example", "a-b.c0"] {
            assert_eq!(check_hostname(good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "-a.com", "a-.com", "a..com", "é.com", &"a".repeat(64), &format!("{}.com", "a.".repeat(126))] {
            assert!(check_hostname(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_host_name_that_cannot_be_used_gives_a_trace_with_one_failed_connection() {
        let t = run(&Options { seed: Some(1), hostname: "é.com".into(), ..Default::default() });
        assert_eq!(t.connections.len(), 1);
        assert!(!t.connections[0].handshake_complete);
        assert!(matches!(t.events.last().and_then(|e| e.event()), Some(crate::tls::events::Event::Error { alert: None, .. })));
    }

    #[test]
    fn nothing_arrives_after_the_transport_closed() {
        // A length field made larger than the record (256 more, by its high byte): the receiver
        // waits for bytes that never come.
        let t = run(&Options { seed: Some(3), scenario: Scenario::Tamper { record: 0, offset: 3, xor: 0x01 }, ..Default::default() });
        let closed = t.events.iter().position(|e| e.network() == Some(&NetworkEvent::TransportClosed)).expect("the transport closed");
        let received_after =
            t.events[closed..].iter().filter(|e| matches!(e.event(), Some(crate::tls::events::Event::RecordReceived { .. }))).count();
        assert_eq!(received_after, 0);
    }

    #[test]
    fn rejects_empty_and_oversized_messages_with_a_reason() {
        assert!(check_message("   ").unwrap_err().contains("nothing to encrypt"));
        assert!(check_message(&"x".repeat(100 * 1024)).unwrap_err().contains("at most 16384 bytes"));
        assert!(check_message(&"x".repeat(MAX_MESSAGE)).is_ok());
        assert!(check_message("héllo ✓ \u{0} <script>").is_ok());
    }

    #[test]
    fn a_rejected_certificate_is_not_reported_as_a_network_event() {
        let t = run(&Options { seed: Some(3), scenario: Scenario::WrongName, ..Default::default() });
        assert!(!t.connections[0].handshake_complete);
        assert!(t.events.iter().all(|e| e.side != Side::Network), "the network did nothing in this run");
    }

    #[test]
    fn the_tamper_scenario_of_the_page_is_caught_by_the_client() {
        let t = run(&Options { seed: Some(3), scenario: scenario::PAGE_TAMPER, ..Default::default() });
        assert!(!t.connections[0].handshake_complete);
        assert_eq!(t.connections[0].alerts, vec![(Side::Client, crate::tls::enums::AlertDescription::bad_record_mac)]);
    }

    #[test]
    fn options_survive_the_trip_to_the_export_worker_and_bad_lists_are_refused() {
        let o = Options {
            seed: Some(u64::MAX),
            scenario: Scenario::MitmKeyShare,
            key_update: true,
            client_messages: vec!["GET / HTTP/1.1\r\n\r\n".into(), "".into(), "héllo ✓".into()],
            server_replies: vec!["one".into()],
            max_fragment: 100,
            client: preset::ClientOffer {
                preset: preset::Preset::Chrome,
                group: Some(crate::tls::enums::NamedGroup::SecP256r1MLKEM768),
                suite: Some(crate::tls::enums::CipherSuite::TLS_CHACHA20_POLY1305_SHA256),
            },
            ..Default::default()
        };
        assert_eq!(Options::from_strings(&o.to_strings()), Ok(o));
        let fresh = Options::default();
        assert_eq!(Options::from_strings(&fresh.to_strings()), Ok(fresh));
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (bad, why) in [
            (strings(&["1", "normal", "0", "example.com", "0", "100", "page", "", ""]), "at least 10"),
            (strings(&["x", "normal", "0", "example.com", "0", "100", "page", "", "", "0"]), "the seed"),
            (strings(&["1", "nonsense", "0", "example.com", "0", "100", "page", "", "", "0"]), "no scenario"),
            (strings(&["1", "normal", "2", "example.com", "0", "100", "page", "", "", "0"]), "0 or 1"),
            (strings(&["1", "normal", "0", "-bad-", "0", "100", "page", "", "", "0"]), "not a DNS host name"),
            (strings(&["1", "normal", "0", "example.com", "0", "0", "page", "", "", "0"]), "largest fragment"),
            (strings(&["1", "normal", "0", "example.com", "0", "100", "netscape", "", "", "0"]), "no client preset"),
            (strings(&["1", "normal", "0", "example.com", "0", "100", "page", "ffdhe2048", "", "0"]), "no group"),
            (strings(&["1", "normal", "0", "example.com", "0", "100", "page", "", "TLS_AES_128_CCM_SHA256", "0"]), "no cipher suite"),
            (strings(&["1", "normal", "0", "example.com", "0", "100", "page", "", "", "2", "only one"]), "2 client messages announced"),
        ] {
            let err = Options::from_strings(&bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
