//! Helpers shared by the integration tests: a client and a server with fresh certificates, the
//! records between them, and a man in the middle who knows the keys (the trace shows them) and
//! can alter messages inside encryption.
#![allow(dead_code)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::sim::{self, Anchor};
use tlsviz::tls::client::{Client, ClientCertificate, ClientConfig};
use tlsviz::tls::conn::{RecordOptions, Role};
use tlsviz::tls::crypto::Aead;
use tlsviz::tls::enums::{AlertDescription, ContentType};
use tlsviz::tls::events::{Event, Output, Phase, Protection, Secret};
use tlsviz::tls::handshake::{ClientHello, Handshake, ServerHello};
use tlsviz::tls::record::{header, plaintext_record};
use tlsviz::tls::server::{ClientAuth, Server, ServerConfig};

pub const NOW: u64 = 1_795_000_000;

pub fn pair(seed: u64) -> (Client, Server) {
    pair_with(seed, true, RecordOptions::default())
}

pub fn pair_with(seed: u64, initial_key_share: bool, records: RecordOptions) -> (Client, Server) {
    let (client, server, _) = configs(seed, initial_key_share, records);
    (Client::new(client, ChaCha20Rng::seed_from_u64(seed + 1000)), Server::new(server, ChaCha20Rng::seed_from_u64(seed + 2000)))
}

/// A pair whose client offers `client` and whose server accepts `server` (cipher suites, most
/// preferred first).
pub fn pair_with_suites(
    seed: u64,
    initial_key_share: bool,
    client: &[tlsviz::tls::enums::CipherSuite],
    server: &[tlsviz::tls::enums::CipherSuite],
) -> (Client, Server) {
    let (mut c, mut s, _) = configs(seed, initial_key_share, RecordOptions::default());
    c.suites = client.to_vec();
    s.suites = server.to_vec();
    (Client::new(c, ChaCha20Rng::seed_from_u64(seed + 1000)), Server::new(s, ChaCha20Rng::seed_from_u64(seed + 2000)))
}

/// The configurations of [`pair_with`], and the certificates they use.
pub fn configs(seed: u64, initial_key_share: bool, records: RecordOptions) -> (ClientConfig, ServerConfig, sim::Pki) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pki = sim::make_pki(&mut rng, "example.com", NOW, Anchor::Issuer).unwrap();
    let client = ClientConfig {
        server_name: "example.com".into(),
        trust_anchor: pki.anchor.der.clone(),
        now: NOW,
        alpn: vec![b"http/1.1".to_vec()],
        initial_key_share,
        records: records.clone(),
        groups: vec![tlsviz::tls::enums::NamedGroup::secp256r1],
        suites: vec![tlsviz::tls::enums::CipherSuite::TLS_AES_128_GCM_SHA256],
        key_shares: vec![],
        certificate: None,
        signature_schemes: vec![tlsviz::tls::enums::SignatureScheme::ecdsa_secp256r1_sha256],
    };
    let server = ServerConfig {
        chain: pki.chain.clone(),
        key: pki.leaf.key.clone(),
        alpn: vec![b"http/1.1".to_vec()],
        tickets: 1,
        records,
        groups: vec![tlsviz::tls::enums::NamedGroup::secp256r1],
        suites: vec![tlsviz::tls::enums::CipherSuite::TLS_AES_128_GCM_SHA256],
        client_auth: None,
        signature_schemes: vec![tlsviz::tls::enums::SignatureScheme::ecdsa_secp256r1_sha256],
    };
    (client, server, pki)
}

/// A pair whose server asks for a client certificate from the demo root (`required`: refusing
/// a client without one), and whose client has one (`with_cert`) that the demo intermediate
/// issued, sent with the intermediate; `edit` changes the configurations before the pair is made.
pub fn mtls_pair_with(
    seed: u64,
    required: bool,
    with_cert: bool,
    edit: impl FnOnce(&mut ClientConfig, &mut ServerConfig, &sim::Pki),
) -> (Client, Server) {
    let (mut client, mut server, pki) = configs(seed, true, RecordOptions::default());
    let mut rng = ChaCha20Rng::seed_from_u64(seed + 3000);
    let cert = tlsviz::tls::x509::issue::generate_client(&mut rng, &pki.intermediate, NOW).unwrap();
    if with_cert {
        client.certificate = Some(ClientCertificate { chain: vec![cert.der.clone(), pki.intermediate.der.clone()], key: cert.key.clone() });
    }
    server.client_auth = Some(ClientAuth { trust_anchor: pki.ca.der.clone(), required, now: NOW });
    edit(&mut client, &mut server, &pki);
    (Client::new(client, ChaCha20Rng::seed_from_u64(seed + 1000)), Server::new(server, ChaCha20Rng::seed_from_u64(seed + 2000)))
}

pub fn mtls_pair(seed: u64, required: bool, with_cert: bool) -> (Client, Server) {
    mtls_pair_with(seed, required, with_cert, |_, _, _| {})
}

/// Run a pair until neither side has more to say.
pub fn run_pair(c: &mut Client, s: &mut Server) -> (Vec<Event>, Vec<Event>) {
    let (mut ce, mut se) = (Vec::new(), Vec::new());
    c.start();
    for _ in 0..6 {
        s.receive(&c.common.take_output());
        se.extend(s.common.take_events());
        c.receive(&s.common.take_output());
        ce.extend(c.common.take_events());
    }
    (ce, se)
}

/// Cut a byte stream into records, as the simulation's network does.
pub use tlsviz::sim::split_records as records;

/// Whole handshake messages in a byte string.
pub fn messages(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= content.len() {
        let len = 4 + ((usize::from(content[at + 1]) << 16) | (usize::from(content[at + 2]) << 8) | usize::from(content[at + 3]));
        out.push(content[at..at + len].to_vec());
        at += len;
    }
    out
}

/// The client's first ClientHello, decoded.
pub fn first_client_hello(seed: u64) -> ClientHello {
    let (mut c, _) = pair(seed);
    c.start();
    let out = c.common.take_output();
    match Handshake::decode(&out[5..]).0.unwrap() {
        Handshake::ClientHello(ch) => ch,
        _ => unreachable!(),
    }
}

pub fn hello_record(ch: ClientHello) -> Vec<u8> {
    plaintext_record(ContentType::handshake, &Handshake::ClientHello(ch).encode())
}

/// What the server sent in answer to a good ClientHello: the client (having sent it), the
/// server's records, and the protection details of the server's encrypted records.
pub struct ServerFlight {
    pub client: Client,
    pub server: Server,
    pub records: Vec<Vec<u8>>,
    pub protections: Vec<Protection>,
}

pub fn server_flight(seed: u64) -> ServerFlight {
    let (client, server) = pair(seed);
    flight_of(client, server)
}

/// [`server_flight`] for a given client and server.
pub fn flight_of(mut client: Client, mut server: Server) -> ServerFlight {
    client.start();
    server.receive(&client.common.take_output());
    let _ = client.common.take_events();
    let protections = server
        .common
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::RecordSent { protection: Some(p), .. } => Some(p),
            _ => None,
        })
        .collect();
    let records = records(&server.common.take_output());
    ServerFlight { client, server, records, protections }
}

pub fn server_hello_of(record: &[u8]) -> ServerHello {
    match Handshake::decode(&record[5..]).0.unwrap() {
        Handshake::ServerHello(sh) => sh,
        _ => unreachable!(),
    }
}

pub fn sh_record(sh: ServerHello) -> Vec<u8> {
    plaintext_record(ContentType::handshake, &Handshake::ServerHello(sh).encode())
}

/// Re-encrypt a record with the keys and sequence number it was sealed with, after `edit`
/// changes its inner plaintext (content || type || zeros).
pub fn reseal(p: &Protection, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut inner = p.inner_plaintext.0.clone();
    edit(&mut inner);
    let hdr = header(ContentType::application_data, inner.len() + 16);
    let nonce: [u8; 12] = p.nonce.0.clone().try_into().unwrap();
    let aead = tlsviz::tls::suite::lookup(p.suite).expect("a suite this build runs").aead;
    let (ct, tag) = aead.seal(&p.key.0, &nonce, &hdr, &inner).unwrap();
    let mut rec = hdr.to_vec();
    rec.extend_from_slice(&ct);
    rec.extend_from_slice(&tag);
    rec
}

/// Replace the handshake messages of an encrypted flight (keeping its content type).
pub fn reseal_messages(p: &Protection, edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    reseal(p, |inner| {
        let content_len = inner.len() - 1 - p.padding;
        let mut msgs = messages(&inner[..content_len]);
        edit(&mut msgs);
        let mut new: Vec<u8> = msgs.concat();
        new.push(p.content_type.0);
        *inner = new;
    })
}

/// The checks of bad-input.md for a failed side: it is in Failed, exactly one fatal alert went
/// out (encrypted or not as expected), it is the last record it sent, and no application data
/// was handed over. Returns the alert.
pub fn single_fatal_alert(events: &[Event], output: &[u8], encrypted: bool, phase: Phase) -> AlertDescription {
    assert_eq!(phase, Phase::Failed, "the connection did not fail; events: {events:#?}");
    let alerts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::AlertSent { description, fatal, encrypted } => Some((*description, *fatal, *encrypted)),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 1, "expected exactly one alert, got {alerts:?}");
    let (desc, fatal, enc) = alerts[0];
    assert!(fatal, "the alert is not fatal");
    assert_eq!(enc, encrypted, "alert encryption");
    let last = records(output).pop().expect("nothing was sent");
    if encrypted {
        assert_eq!((last[0], last.len()), (0x17, 5 + 2 + 1 + 16), "the last record is not an encrypted alert");
    } else {
        assert_eq!(last, vec![0x15, 3, 3, 0, 2, 2, desc.0], "the last record is not the plaintext alert");
    }
    let alert_pos = events.iter().rposition(|e| matches!(e, Event::AlertSent { .. })).unwrap();
    let sent_after = events[alert_pos + 1..].iter().filter(|e| matches!(e, Event::RecordSent { .. })).count();
    assert_eq!(sent_after, 1, "the alert's record must be the only record sent after it");
    assert!(!events.iter().any(|e| matches!(e, Event::AppDataReceived { .. })), "application data was handed over");
    desc
}

/// Forget what `side` has sent and recorded so far, feed it `bytes`, and return the single fatal
/// alert it answers with.
pub fn alert_after<R: Role>(side: &mut R, bytes: &[u8], encrypted: bool) -> AlertDescription {
    let _ = side.common().take_output();
    let _ = side.common().take_events();
    side.receive(bytes);
    let out = side.common().take_output();
    let ev = side.common().take_events();
    let phase = side.phase();
    single_fatal_alert(&ev, &out, encrypted, phase)
}

/// Feed `bytes` to a fresh server and return the single fatal alert it sends.
pub fn server_alert(bytes: &[u8]) -> AlertDescription {
    let (_, mut s) = pair(7);
    alert_after(&mut s, bytes, false)
}

/// Feed `records` to the client of `f` and return its single fatal alert.
pub fn client_alert(mut f: ServerFlight, records: &[Vec<u8>], encrypted: bool) -> AlertDescription {
    alert_after(&mut f.client, &records.concat(), encrypted)
}

/// RFC 8446 §7.1 HKDF-Expand-Label(secret, label, context, length) over SHA-256, written out here
/// so a test can act as a client the engine's own client is not.
pub fn expand_label(secret: &[u8], label: &str, context: &[u8], length: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::new();
    info.extend_from_slice(&u16::try_from(length).unwrap().to_be_bytes());
    info.push(u8::try_from(full.len()).unwrap());
    info.extend_from_slice(full.as_bytes());
    info.push(u8::try_from(context.len()).unwrap());
    info.extend_from_slice(context);
    let hk = hkdf::Hkdf::<sha2::Sha256>::from_prk(secret).unwrap();
    let mut out = vec![0u8; length];
    hk.expand(&info, &mut out).unwrap();
    out
}

/// Seal `content` of type `typ` as the first record under traffic keys `key`/`iv` (sequence 0).
pub fn seal_first(key: &[u8], iv: &[u8], typ: ContentType, content: &[u8]) -> Vec<u8> {
    let mut inner = content.to_vec();
    inner.push(typ.0);
    let hdr = header(ContentType::application_data, inner.len() + 16);
    assert_eq!(key.len(), 16, "AES-128-GCM keys");
    let nonce: [u8; 12] = iv.try_into().unwrap();
    let (ct, tag) = Aead::Aes128Gcm.seal(key, &nonce, &hdr, &inner).unwrap();
    let mut rec = hdr.to_vec();
    rec.extend_from_slice(&ct);
    rec.extend_from_slice(&tag);
    rec
}

/// The client's Finished for a server that has sent its flight, computed from what the server
/// recorded (the handshake it saw, the client handshake traffic secret and the key it reads
/// with), sealed as the client would seal it. The server accepts it whoever sent the
/// ClientHello, so a test can finish a handshake it began with a hand-made hello.
pub fn client_finished_for(server_events: &[Event]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    use tlsviz::tls::events::{Direction, Output, Secret};
    let mut transcript = sha2::Sha256::new();
    let (mut secret, mut keys) = (None, None);
    for e in server_events {
        match e {
            Event::HandshakeReceived { bytes, .. } | Event::HandshakeSent { bytes, .. } => transcript.update(&bytes.0),
            Event::Derived(d) if d.output == Output::Secret(Secret::ClientHandshakeTraffic) => secret = Some(d.value.0.clone()),
            Event::KeysInstalled { direction: Direction::Read, secret: Secret::ClientHandshakeTraffic, key, iv } => {
                keys = Some((key.0.clone(), iv.0.clone()))
            }
            _ => {}
        }
    }
    let finished_key = expand_label(&secret.expect("the server derived the client's handshake secret"), "finished", &[], 32);
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&finished_key).unwrap();
    mac.update(&transcript.finalize());
    let verify_data = mac.finalize().into_bytes();
    let (key, iv) = keys.expect("the server reads with client handshake keys");
    let msg = Handshake::Finished(verify_data.to_vec()).encode();
    seal_first(&key, &iv, ContentType::handshake, &msg)
}

/// A client and a server that completed their handshake (the server's ticket delivered), with
/// their events and output so far taken.
pub fn connected(seed: u64) -> (Client, Server) {
    let (mut c, mut s) = pair(seed);
    c.start();
    for _ in 0..4 {
        s.receive(&c.common.take_output());
        c.receive(&s.common.take_output());
    }
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    let _ = (c.common.take_events(), s.common.take_events());
    (c, s)
}

/// A sealer for records under the traffic keys a side logged (the man in the middle who knows
/// the keys, as the trace shows them).
pub struct Sealer {
    secret: Vec<u8>,
    key: Vec<u8>,
    iv: Vec<u8>,
    seq: u64,
}

impl Sealer {
    /// A sealer for a flight whose first record was sealed with `p` (its key, IV and sequence).
    pub fn continuing(p: &Protection) -> Self {
        let iv = p.iv.0.clone();
        Sealer { secret: Vec::new(), key: p.key.0.clone(), iv, seq: p.sequence_number }
    }

    pub fn new(secret: Vec<u8>) -> Self {
        let (key, iv) = (expand_label(&secret, "key", &[], 16), expand_label(&secret, "iv", &[], 12));
        Sealer { secret, key, iv, seq: 0 }
    }

    /// RFC 8446 §7.2: the next generation, after a KeyUpdate.
    pub fn update(&mut self) {
        *self = Sealer::new(expand_label(&self.secret, "traffic upd", &[], 32));
    }

    pub fn seal(&mut self, typ: ContentType, content: &[u8]) -> Vec<u8> {
        let mut iv = self.iv.clone();
        for (b, s) in iv.iter_mut().skip(4).zip(self.seq.to_be_bytes()) {
            *b ^= s;
        }
        self.seq += 1;
        seal_first(&self.key, &iv, typ, content)
    }
}

/// A connected pair, and a sealer that writes as the client to the server.
/// A connected pair, and a sealer that writes to the server as the client would (the events it
/// took are the server's first flight and handshake).
pub fn connected_with_sealer(seed: u64) -> (Client, Server, Sealer) {
    let (mut c, mut s) = pair(seed);
    c.start();
    let mut secret = None;
    for _ in 0..4 {
        s.receive(&c.common.take_output());
        c.receive(&s.common.take_output());
        for e in s.common.take_events() {
            if let Event::Derived(d) = e {
                if d.output == Output::Secret(Secret::ClientApplicationTraffic(0)) {
                    secret = Some(d.value.0);
                }
            }
        }
    }
    assert_eq!((c.phase(), s.phase()), (Phase::Connected, Phase::Connected));
    (c, s, Sealer::new(secret.unwrap()))
}

pub mod resume;
