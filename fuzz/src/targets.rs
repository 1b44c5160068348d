//! What each fuzz target does with one input, in one place: the cargo-fuzz binaries
//! (`fuzz/fuzz_targets/*.rs`, through the `tlsviz_fuzz` library) and the stable corpus walk of
//! `cargo test` (`tests/fuzz_corpus.rs`) include this file, and `examples/fuzz_seeds.rs` writes the
//! seed corpus with [`seeds`]. It depends on the engine and the simulation only.
//!
//! - `client`: bytes from a "server" to a client that has sent its ClientHello;
//! - `server`: bytes from a "client" to a fresh server;
//! - `x509`: a certificate for the parser, the page's description and the client's checks;
//! - `handshake`: one handshake message for the codec, re-encoded when it decodes.
//!
//! An input for `client` and `server` is `[context, piece, bytes…]`: `context` picks one of
//! [`contexts`] (a scenario of the page, or a run with a KeyUpdate and small records), whose
//! endpoint is built exactly as the simulation builds it, so the bytes of that run's other side
//! are accepted as they are, encrypted records included, and the fuzzer starts from whole
//! handshakes; `piece` is how many bytes go to the engine at a time (0: all at once).
//!
//! Besides not panicking, each target checks what the page relies on: the events serialise to
//! JSON, every annotated field lies inside the bytes it describes, and a message that decodes
//! encodes back to the same bytes.
#![allow(dead_code)]

use std::sync::OnceLock;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::sim::{self, Options, Pki, Scenario, Setup};
use tlsviz::tls::codec::Field;
use tlsviz::tls::conn::{Role, Status};
use tlsviz::tls::enums::KeyUpdateRequest;
use tlsviz::tls::events::{Event, Phase};
use tlsviz::tls::handshake::Handshake;
use tlsviz::tls::x509::{describe, parse, verify};

/// The seed of every run the targets rebuild and the seed corpus is taken from.
pub const SEED: u64 = 0x7f5a_2026;

/// A fuzz target: one input in, a panic for a finding.
pub type Target = fn(&[u8]);

/// The targets by name, as cargo-fuzz and the corpus folders name them.
pub const TARGETS: [(&str, Target); 4] = [("client", client), ("server", server), ("x509", x509), ("handshake", handshake)];

/// The runs an input may pick: every scenario of the page, then a normal run with a KeyUpdate and
/// 64-byte records (handshake messages split across records).
pub fn context_options() -> Vec<Options> {
    let mut all: Vec<Options> =
        Scenario::ALL.iter().map(|s| Options { seed: Some(SEED), scenario: s.clone(), ..Options::default() }).collect();
    all.push(Options { seed: Some(SEED), key_update: true, max_fragment: 64, ..Options::default() });
    all
}

/// One run's endpoints as [`sim::run`] builds them, up to the point where it makes the pair.
pub struct Context {
    pub opts: Options,
    setup: Setup,
    pki: Pki,
    /// The run's generator after the certificates were made: [`sim::pair`] continues from here.
    rng: ChaCha20Rng,
}

/// Every context, made once per process (certificates cost more than most inputs).
pub fn contexts() -> &'static [Context] {
    static ALL: OnceLock<Vec<Context>> = OnceLock::new();
    ALL.get_or_init(|| {
        context_options()
            .into_iter()
            .map(|opts| {
                let setup = opts.scenario.setup(&opts);
                let mut rng = ChaCha20Rng::seed_from_u64(SEED);
                let pki = sim::make_pki(&mut rng, &opts.hostname, opts.now, setup.anchor).expect("the demo certificates");
                Context { opts, setup, pki, rng }
            })
            .collect()
    })
}

impl Context {
    fn pair(&self) -> sim::Pair {
        sim::pair(&self.opts, self.setup.clone(), SEED, &self.pki, &mut self.rng.clone())
    }
}

/// The context and piece size an input asks for, and its bytes.
fn split(data: &[u8]) -> Option<(&'static Context, usize, &[u8])> {
    let (&which, rest) = data.split_first()?;
    let (&piece, bytes) = rest.split_first()?;
    let all = contexts();
    Some((&all[usize::from(which) % all.len()], usize::from(piece), bytes))
}

/// Feed `bytes` to an endpoint, then do what an application would with a live connection (send,
/// KeyUpdate, close), then end the transport; check what it said along the way.
/// Returns whether the handshake completed.
fn drive(role: &mut dyn Role, bytes: &[u8], piece: usize) -> bool {
    let mut events = Vec::new();
    let pieces: Vec<&[u8]> = if piece == 0 { vec![bytes] } else { bytes.chunks(piece).collect() };
    for p in pieces {
        let _ = role.receive(p);
        events.extend(role.common().take_events());
        let _ = role.common().take_output();
    }
    let connected = role.phase() == Phase::Connected || role.common().status == Status::Closed;
    if role.phase() == Phase::Connected {
        let _ = role.send(b"fuzz");
        let _ = role.key_update(KeyUpdateRequest::update_requested);
        role.close();
    }
    role.end_of_input();
    events.extend(role.common().take_events());
    let _ = role.common().take_output();
    check_events(&events);
    connected
}

fn check_events(events: &[Event]) {
    for e in events {
        match e {
            Event::HandshakeReceived { bytes, fields, .. } | Event::HandshakeSent { bytes, fields, .. } => inside(fields, bytes.0.len()),
            Event::RecordSent { bytes, fields, .. } => inside(fields, bytes.0.len()),
            Event::Certificate { info } => inside(&info.fields, info.der.0.len()),
            _ => {}
        }
    }
    if let Err(e) = serde_json::to_string(events) {
        panic!("the events do not serialise: {e}");
    }
}

/// Every field, at every depth, lies inside the `len` bytes it annotates.
fn inside(fields: &[Field], len: usize) {
    for f in fields {
        match f.start.checked_add(f.len) {
            Some(end) if end <= len => inside(&f.children, len),
            _ => panic!("field {} at {}+{} is outside the {len} annotated bytes", f.name, f.start, f.len),
        }
    }
}

/// Bytes from a server to a client that has sent its first ClientHello.
pub fn client(data: &[u8]) {
    client_connects(data);
}

/// [`client`], saying whether the handshake completed.
pub fn client_connects(data: &[u8]) -> bool {
    let Some((ctx, piece, bytes)) = split(data) else { return false };
    let mut c = ctx.pair().client;
    c.start();
    let _ = c.common.take_output();
    drive(&mut c, bytes, piece)
}

/// Bytes from a client to a fresh server.
pub fn server(data: &[u8]) {
    server_connects(data);
}

/// [`server`], saying whether the handshake completed.
pub fn server_connects(data: &[u8]) -> bool {
    let Some((ctx, piece, bytes)) = split(data) else { return false };
    let mut s = ctx.pair().server;
    drive(&mut s, bytes, piece)
}

/// A certificate: parsed, described for the page, and checked as the client checks a chain.
pub fn x509(data: &[u8]) {
    if let Ok(c) = parse::parse(data) {
        inside(&c.fields, data.len());
    }
    if let Ok(info) = describe::describe(data) {
        inside(&info.fields, data.len());
        if let Err(e) = serde_json::to_string(&info) {
            panic!("the description does not serialise: {e}");
        }
    }
    let ctx = &contexts()[0];
    let mut checks = Vec::new();
    let _ = verify::verify_server_chain(&[data.to_vec()], &ctx.pki.ca.der, &ctx.opts.hostname, ctx.opts.now, &mut checks);
}

/// One handshake message: decoded with its annotations; what decodes encodes to bytes that decode
/// to the same message. (Not always to the input's bytes: entries the decoder may ignore, such as
/// a server_name of an unknown name_type, RFC 6066 §3, are not kept.)
pub fn handshake(data: &[u8]) {
    let (decoded, fields) = Handshake::decode(data);
    inside(&fields, data.len());
    let Ok(m) = decoded else { return };
    let bytes = m.encode();
    let (again, fields) = Handshake::decode(&bytes);
    assert_eq!(again.as_ref(), Ok(&m), "{} decodes, but not once encoded again:\n in  {data:02x?}\n out {bytes:02x?}", m.message());
    inside(&fields, bytes.len());
}

/// The seed corpus: from each context's run, the records each side sent (as one stream, for the
/// other side's target), the certificates the client received, and every handshake message.
/// Returns (target, input) pairs, without duplicates.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, input: Vec<u8>| {
        if !out.iter().any(|(t, i)| *t == target && *i == input) {
            out.push((target, input));
        }
    };
    for (i, opts) in context_options().iter().enumerate() {
        let trace = sim::run(opts);
        let which = u8::try_from(i).expect("a few contexts");
        let mut streams = [vec![which, 0], vec![which, 0]];
        for e in &trace.events {
            match e.event() {
                // The client's records go to the server's target and the server's to the client's.
                Some(Event::RecordSent { bytes, .. }) => streams[usize::from(e.side == sim::Side::Server)].extend_from_slice(&bytes.0),
                Some(Event::Certificate { info }) => add("x509", info.der.0.clone()),
                Some(Event::HandshakeSent { bytes, .. }) => add("handshake", bytes.0.clone()),
                _ => {}
            }
        }
        let [to_server, to_client] = streams;
        // The same bytes a few at a time, so record and message boundaries fall inside reads.
        if i == 0 {
            let mut chunked = to_client.clone();
            chunked[1] = 7;
            add("client", chunked);
            let mut chunked = to_server.clone();
            chunked[1] = 7;
            add("server", chunked);
        }
        add("client", to_client);
        add("server", to_server);
    }
    // The server sends its certificate alone; the CA's is a certificate too.
    add("x509", contexts()[0].pki.ca.der.clone());
    out
}
