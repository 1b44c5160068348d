//! A man in the middle: an attacker on the wire who runs engine pieces of its own (key exchange,
//! the key schedule, record protection, a whole engine server with its own certificate), as a
//! real one would. It is part of the network: the endpoints and the engine know nothing of it.
//!
//! Each [`Attack`] acts on the first hellos only and relays everything else, re-encrypting it when
//! it holds keys for both sides. What it does is reported as [`NetworkEvent`]s, with the bytes.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

use super::NetworkEvent;
use crate::sim::split_records;
use crate::tls::codec::{Bytes, Writer};
use crate::tls::conn::{Common, RecordOptions, Role};
use crate::tls::enums::{ContentType, ExtensionType, HandshakeType, NamedGroup};
use crate::tls::events::{Endpoint, Event, Message, Phase};
use crate::tls::extensions::Extension;
use crate::tls::handshake::Handshake;
use crate::tls::key_schedule::EarlySecret;
use crate::tls::kx::{self, KeyExchange};
use crate::tls::record::{plaintext_record, RawRecord, RecordCipher, HEADER_LEN, MAX_PLAINTEXT};
use crate::tls::server::{Server, ServerConfig};
use crate::tls::transcript::Transcript;
use crate::tls::x509::issue::{self, Purpose, Request};

/// What the attacker in the middle does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attack {
    /// Keep the client's records from the server and answer them with an engine server of its
    /// own, holding a certificate for the name the client asks for from a CA of its own.
    OwnCert,
    /// Put its own key share in the ClientHello and in the ServerHello, compute a shared secret
    /// with each side, and relay the rest, decrypting and re-encrypting every record.
    KeyShare,
    /// Delete the client's key share, so the server asks again with a HelloRetryRequest; keep that
    /// from the client and answer it with the client's own first ClientHello.
    ForceRetry,
    /// Delete supported_versions from the ClientHello.
    StripVersions,
}

/// The name of the attacker's own CA in [`Attack::OwnCert`].
pub const ATTACKER_CA: &str = "Attacker CA";

/// What the attacker derived with one side: the (EC)DHE shared secret, the transcript hash of the
/// two hellos that side saw, and the two handshake traffic secrets (RFC 8446 §7.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegSecrets {
    pub shared_secret: Bytes,
    pub transcript_hash: Bytes,
    pub client_handshake_traffic_secret: Bytes,
    pub server_handshake_traffic_secret: Bytes,
}

/// What one record's carrying made the attacker do.
#[derive(Default)]
pub(crate) struct Carried {
    /// What arrives at the record's receiver.
    pub onward: Vec<Vec<u8>>,
    /// What the attacker sends back to the record's sender.
    pub back: Vec<Vec<u8>>,
    pub events: Vec<NetworkEvent>,
}

/// Handshake messages of one direction as they complete.
#[derive(Default)]
struct Reassembly(Vec<u8>);

impl Reassembly {
    /// Add bytes; the whole messages they complete (4-byte header included).
    fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.0.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(&[_, a, b, c]) = self.0.get(..4) {
            let len = 4 + (usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c));
            if self.0.len() < len {
                break;
            }
            out.push(self.0.drain(..len).collect());
        }
        out
    }
}

/// Record protection both ways once the attacker holds both sides' handshake keys.
struct Relay {
    from_server: RecordCipher,
    to_client: RecordCipher,
    from_client: RecordCipher,
    to_server: RecordCipher,
    /// Handshake bytes each way inside the encryption, to name the messages (client, server).
    inside: [Reassembly; 2],
}

/// [`Attack::KeyShare`] between the hellos: the ClientHello as the client sent it and as the server
/// got it, and for each key share the client sent, its public key and the attacker's own key pair
/// of that group, offered to the server in its place.
struct Pending {
    original: Vec<u8>,
    forwarded: Vec<u8>,
    shares: Vec<(Vec<u8>, KeyExchange)>,
}

/// The attacker's state during a run.
pub(crate) struct Attacker {
    attack: Attack,
    /// Its randomness, and a place for the engine pieces it runs to log into (nobody reads it).
    scratch: Common,
    now: u64,
    /// The first handshake message of each side (client, server) as it arrives.
    hello: [Reassembly; 2],
    /// The record number the client's first ClientHello was completed in, and its bytes as sent.
    client_hello: Option<(usize, Vec<u8>)>,
    /// [`Attack::KeyShare`], between the hellos.
    pending: Option<Pending>,
    relay: Option<Relay>,
    /// [`Attack::OwnCert`]: its own server, and the name it holds a certificate for.
    impostor: Option<Server>,
    name: String,
    /// Done with the hellos: everything else passes as it is (or re-encrypted, with a relay).
    done: bool,
}

fn side(e: Endpoint) -> usize {
    match e {
        Endpoint::Client => 0,
        Endpoint::Server => 1,
    }
}

/// `msg` in plaintext handshake records.
fn records_of(msg: &[u8]) -> Vec<Vec<u8>> {
    msg.chunks(MAX_PLAINTEXT).map(|c| plaintext_record(ContentType::handshake, c)).collect()
}

fn encoded(e: &Extension) -> Vec<u8> {
    let mut w = Writer::new();
    e.encode(&mut w);
    w.buf
}

/// The key share a ServerHello answers with: its group and its key_exchange, to replace.
fn chosen_share(exts: &mut [Extension]) -> Option<(NamedGroup, &mut Vec<u8>)> {
    exts.iter_mut().find_map(|e| match e {
        Extension::KeyShareChosen(s) => Some((s.group, &mut s.key_exchange)),
        _ => None,
    })
}

fn rewritten(
    record: usize,
    towards: Endpoint,
    msg: &Handshake,
    extension: ExtensionType,
    removed: Vec<u8>,
    inserted: Vec<u8>,
) -> NetworkEvent {
    let bytes = records_of(&msg.encode()).concat();
    NetworkEvent::Rewritten {
        record,
        towards,
        message: msg.message(),
        extension,
        removed: Bytes(removed),
        inserted: Bytes(inserted),
        bytes: Bytes(bytes),
    }
}

impl Attacker {
    pub(crate) fn new(attack: Attack, seed: [u8; 32], now: u64) -> Self {
        let scratch = Common::new(ChaCha20Rng::from_seed(seed), Endpoint::Server, Phase::Start, RecordOptions::default());
        Attacker {
            attack,
            scratch,
            now,
            hello: Default::default(),
            client_hello: None,
            pending: None,
            relay: None,
            impostor: None,
            name: String::new(),
            done: false,
        }
    }

    /// Whether `e` is connected to anyone at all: with [`Attack::OwnCert`] the server never hears
    /// from the client.
    pub(crate) fn reaches(attack: Attack, e: Endpoint) -> bool {
        !(attack == Attack::OwnCert && e == Endpoint::Server)
    }

    /// Carry record number `n` from `from`. (This and the steps below are kept out of line:
    /// inlined into the simulation's loop they make the page's WebAssembly larger.)
    #[inline(never)]
    pub(crate) fn carry(&mut self, n: usize, from: Endpoint, record: Vec<u8>) -> Carried {
        if self.attack == Attack::OwnCert {
            return self.own_cert(n, from, record);
        }
        if let Some(relay) = &mut self.relay {
            return relay.carry(n, from, record);
        }
        let is_handshake = record.first() == Some(&ContentType::handshake.0);
        if self.done || !is_handshake {
            return Carried { onward: vec![record], ..Carried::default() };
        }
        let Some(msg) = self.hello[side(from)].push(record.get(HEADER_LEN..).unwrap_or(&[])).into_iter().next() else {
            // The rest of the message is still to come: nothing goes on yet.
            return Carried::default();
        };
        let (Ok(mut hs), _) = Handshake::decode(&msg) else {
            self.done = true;
            return Carried { onward: records_of(&msg), ..Carried::default() };
        };
        let mut out = Carried::default();
        match (self.attack, from, &mut hs) {
            (Attack::StripVersions, Endpoint::Client, Handshake::ClientHello(ch)) => {
                self.done = true;
                let removed: Vec<u8> =
                    ch.extensions.iter().filter(|e| e.typ() == ExtensionType::supported_versions).flat_map(encoded).collect();
                ch.extensions.retain(|e| e.typ() != ExtensionType::supported_versions);
                out.events.push(rewritten(n, Endpoint::Server, &hs, ExtensionType::supported_versions, removed, Vec::new()));
            }
            (Attack::ForceRetry, Endpoint::Client, Handshake::ClientHello(ch)) => {
                self.client_hello = Some((n, msg.clone()));
                let mut removed = Vec::new();
                for e in &mut ch.extensions {
                    if let Extension::KeyShareOffered(v) = e {
                        removed.extend(v.drain(..).flat_map(|s| s.key_exchange));
                    }
                }
                out.events.push(rewritten(n, Endpoint::Server, &hs, ExtensionType::key_share, removed, Vec::new()));
            }
            (Attack::ForceRetry, Endpoint::Server, Handshake::ServerHello(sh)) if sh.is_retry_request() => {
                // The client never sees the HelloRetryRequest; the server gets the client's first
                // ClientHello, key share and all, as the second one it asked for.
                self.done = true;
                if let Some((first, hello)) = self.client_hello.take() {
                    let bytes = records_of(&hello);
                    out.events.push(NetworkEvent::Withheld { record: n, from, messages: vec![hs.message()] });
                    out.events.push(NetworkEvent::Resent { record: first, towards: Endpoint::Server, bytes: Bytes(bytes.concat()) });
                    out.back = bytes;
                    return out;
                }
            }
            (Attack::KeyShare, Endpoint::Client, Handshake::ClientHello(ch)) => {
                // Every key share the client sent, of a group the attacker can do too, replaced by
                // the attacker's own of the same group: whichever the server picks is the attacker's.
                let mut shares = Vec::new();
                for e in &mut ch.extensions {
                    if let Extension::KeyShareOffered(v) = e {
                        for share in v.iter_mut().filter(|s| kx::supports(s.group)) {
                            let key = KeyExchange::generate(&mut self.scratch, share.group);
                            let client_share = std::mem::replace(&mut share.key_exchange, key.public.clone());
                            shares.push((client_share, key));
                        }
                    }
                }
                if shares.is_empty() {
                    self.done = true;
                } else {
                    for (client_share, key) in &shares {
                        let (removed, inserted) = (client_share.clone(), key.public.clone());
                        out.events.push(rewritten(n, Endpoint::Server, &hs, ExtensionType::key_share, removed, inserted));
                    }
                    self.pending = Some(Pending { original: msg.clone(), forwarded: hs.encode(), shares });
                }
            }
            (Attack::KeyShare, Endpoint::Server, Handshake::ServerHello(_)) => {
                self.done = true;
                if let Some(events) = self.swap_server_share(n, &mut hs, &msg) {
                    out.events.extend(events);
                }
            }
            _ => self.done = true,
        }
        out.onward = records_of(&hs.encode());
        out
    }

    /// [`Attack::KeyShare`] at the ServerHello: its own key share for the client's, a shared secret
    /// with each side, each side's handshake keys, and a relay that re-encrypts from now on.
    #[inline(never)]
    fn swap_server_share(&mut self, n: usize, hs: &mut Handshake, server_hello: &[u8]) -> Option<Vec<NetworkEvent>> {
        let Handshake::ServerHello(sh) = hs else { return None };
        let suite = crate::tls::suite::lookup(sh.cipher_suite)?;
        let Pending { original, forwarded, shares } = self.pending.take()?;
        let (group, share) = chosen_share(&mut sh.extensions)?;
        // The server answered the attacker's key of the group it chose: the attacker agrees on a
        // secret with the server with it, and answers the client's key of that group as a server
        // would (for a hybrid, an encapsulation to the client's ML-KEM key).
        let (client_share, to_server) = shares.into_iter().find(|(_, k)| k.group == group)?;
        kx::check_public(group, &client_share).ok()?;
        to_server.check_peer(share).ok()?;
        let with_server_secret = to_server.agree(&mut self.scratch, share).ok()?;
        let (to_client, with_client_secret) = kx::respond(&mut self.scratch, group, &client_share).ok()?;
        let removed = std::mem::replace(share, to_client.clone());
        let rewritten = rewritten(n, Endpoint::Client, hs, ExtensionType::key_share, removed, to_client);
        // Each side's handshake keys, over the hellos that side saw (RFC 8446 §7.1).
        let leg = |shared: Vec<u8>, hellos: [&[u8]; 2]| {
            let mut t = Transcript::default();
            t.set_hash(suite.hash);
            t.add(Message::new(HandshakeType::client_hello), Endpoint::Client, hellos[0]);
            t.add(Message::new(HandshakeType::server_hello), Endpoint::Server, hellos[1]);
            let th = t.current();
            let mut log = Vec::new();
            let secret = EarlySecret::new(&mut log, suite).into_handshake_secret(&mut log, &shared);
            let (c, s) = (secret.client_traffic(&mut log, &th), secret.server_traffic(&mut log, &th));
            let told = LegSecrets {
                shared_secret: Bytes(shared),
                transcript_hash: Bytes(th.hash.clone()),
                client_handshake_traffic_secret: Bytes(c.secret.0.clone()),
                server_handshake_traffic_secret: Bytes(s.secret.0.clone()),
            };
            Some((told, RecordCipher::new(c.keys(&mut log)), RecordCipher::new(s.keys(&mut log))))
        };
        let (with_server, to_server_c, from_server_s) = leg(with_server_secret, [&forwarded, server_hello])?;
        let (with_client, from_client_c, to_client_s) = leg(with_client_secret, [&original, &hs.encode()])?;
        self.relay = Some(Relay {
            from_server: from_server_s,
            to_client: to_client_s,
            from_client: from_client_c,
            to_server: to_server_c,
            inside: Default::default(),
        });
        Some(vec![rewritten, NetworkEvent::AttackerKeys { with_client, with_server }])
    }

    /// [`Attack::OwnCert`]: nothing from the client reaches the server; the attacker's own server
    /// answers, with a certificate for the name the client asked for.
    #[inline(never)]
    fn own_cert(&mut self, n: usize, from: Endpoint, record: Vec<u8>) -> Carried {
        let mut out = Carried::default();
        let fresh = self.impostor.is_none();
        let input = if fresh {
            let is_handshake = from == Endpoint::Client && record.first() == Some(&ContentType::handshake.0);
            let hello =
                is_handshake.then(|| self.hello[0].push(record.get(HEADER_LEN..).unwrap_or(&[]))).and_then(|m| m.into_iter().next());
            let Some(msg) = hello else { return out };
            let name = match Handshake::decode(&msg).0 {
                Ok(Handshake::ClientHello(ch)) => ch.extensions.into_iter().find_map(|e| match e {
                    Extension::ServerName(Some(n)) => Some(n),
                    _ => None,
                }),
                _ => None,
            };
            let Some(server) = name.as_deref().and_then(|name| self.impostor_for(name)) else { return out };
            self.impostor = Some(server);
            self.name = name.unwrap_or_default();
            records_of(&msg).concat()
        } else if from == Endpoint::Client {
            record
        } else {
            return out;
        };
        let Some(server) = &mut self.impostor else { return out };
        server.receive(&input);
        let events = server.common.take_events();
        out.back = split_records(&server.common.take_output());
        out.events.push(if fresh {
            let key_share = events.into_iter().find_map(|e| match e {
                Event::KeyPair { public_key, .. } => Some(public_key),
                _ => None,
            });
            NetworkEvent::Impersonated {
                record: n,
                towards: Endpoint::Client,
                name: self.name.clone(),
                issuer: format!("CN={ATTACKER_CA}"),
                key_share: key_share.unwrap_or_default(),
                records: out.back.iter().cloned().map(Bytes).collect(),
            }
        } else {
            NetworkEvent::Withheld { record: n, from, messages: Vec::new() }
        });
        out
    }

    /// An engine server holding a certificate for `name` from the attacker's own CA.
    fn impostor_for(&mut self, name: &str) -> Option<Server> {
        let rng = &mut self.scratch.rng;
        let ca = Request {
            purpose: Purpose::Ca { path_len: None, key_cert_sign: true },
            organization: None,
            common_name: ATTACKER_CA,
            not_before: self.now.saturating_sub(3600),
            not_after: self.now.saturating_add(365 * 86400),
        };
        let ca = issue::issue_cert(rng, &ca, None).ok()?;
        let leaf = issue::generate_leaf(rng, &ca, name, self.now).ok()?;
        let config = ServerConfig {
            chain: vec![leaf.der],
            key: leaf.key,
            alpn: vec![b"http/1.1".to_vec()],
            tickets: 0,
            records: RecordOptions::default(),
            // Whatever the client offers, as the page's server would take it.
            groups: crate::sim::preset::server_groups(),
            suites: crate::sim::preset::server_suites(),
            client_auth: None,
            signature_schemes: crate::tls::auth::SUPPORTED.to_vec(),
        };
        Some(Server::new(config, ChaCha20Rng::from_seed(self.scratch.random::<32>())))
    }
}

impl Relay {
    /// Decrypt with the keys of the sender's side, encrypt again with the receiver's.
    #[inline(never)]
    fn carry(&mut self, n: usize, from: Endpoint, record: Vec<u8>) -> Carried {
        let pass = |record| Carried { onward: vec![record], ..Carried::default() };
        if record.first() != Some(&ContentType::application_data.0) {
            return pass(record);
        }
        let (open, seal) = match from {
            Endpoint::Server => (&mut self.from_server, &mut self.to_client),
            Endpoint::Client => (&mut self.from_client, &mut self.to_server),
        };
        let raw = RawRecord { typ: ContentType::application_data, bytes: record.clone() };
        let Ok((typ, content, p)) = open.open(&raw) else { return pass(record) };
        let Ok((sealed, _)) = seal.seal(typ, &content, p.padding) else { return pass(record) };
        let messages = if typ == ContentType::handshake {
            self.inside[side(from)].push(&content).iter().filter_map(|m| m.first()).map(|t| Message::new(HandshakeType(*t))).collect()
        } else {
            Vec::new()
        };
        let event = NetworkEvent::Reencrypted {
            record: n,
            towards: from.peer(),
            content_type: typ,
            messages,
            plaintext: Bytes(content),
            bytes: Bytes(sealed.clone()),
        };
        Carried { onward: vec![sealed], back: Vec::new(), events: vec![event] }
    }
}
