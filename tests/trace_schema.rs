//! The trace JSON against its schema: every run of the page (each scenario, the four of a man in
//! the middle among them, a KeyUpdate, small fragments) and runs with an attacker who drops,
//! replaces or injects records round-trip through JSON unchanged, number their events and
//! connections as docs/trace-schema.md says, and produce exactly the event kinds that document
//! lists: none undocumented, none documented in vain.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use rand_core::SeedableRng;
use tlsviz::sim::network::{Action, Rule, Select};
use tlsviz::sim::trace::SCHEMA_VERSION;
use tlsviz::sim::{self, Network, Options, Scenario, Trace};
use tlsviz::tls::conn::Role;

const SCHEMA_DOC: &str = include_str!("../docs/trace-schema.md");

/// The runs the schema is checked against, by name.
fn runs() -> Vec<(String, Trace)> {
    let mut out = Vec::new();
    for s in Scenario::ALL {
        let opts = Options { seed: Some(1), scenario: s.clone(), ..Default::default() };
        out.push((format!("scenario {}", s.key()), sim::run(&opts)));
    }
    out.push(("key_update".into(), sim::run(&Options { seed: Some(2), key_update: true, ..Default::default() })));
    out.push(("max_fragment 50".into(), sim::run(&Options { seed: Some(3), max_fragment: 50, ..Default::default() })));

    // No scenario of the page drops, replaces or injects records; an attacker of the test's own
    // does, on the first record (the ClientHello).
    let attacks = [
        ("dropped ClientHello", Action::Drop),
        // A handshake record whose one byte is not a whole message.
        ("replaced ClientHello", Action::Replace { bytes: vec![22, 3, 3, 0, 1, 1] }),
        // A change_cipher_spec before the ClientHello, which is not allowed there.
        ("injected change_cipher_spec", Action::InjectBefore { bytes: vec![20, 3, 3, 0, 1, 1] }),
    ];
    for (name, action) in attacks {
        let opts = Options { seed: Some(4), ..Default::default() };
        let mut setup = Scenario::Normal.setup(&opts);
        setup.network = Network::honest();
        setup.network.rules.push(Rule { select: Select::Record(0), action });
        out.push((name.into(), sim::run_with(&opts, setup)));
    }
    // A resuming ClientHello whose ticket the network altered (the last byte of the identity, before
    // the 4-byte obfuscated age and the 35 bytes of binders): the server cannot unseal it, and the
    // client learns that it was not resumed and that its early data was not accepted.
    let opts = Options { seed: Some(6), scenario: Scenario::EarlyData, ..Default::default() };
    let mut setup = Scenario::EarlyData.setup(&opts);
    let flip = Rule { select: Select::Record(0), action: Action::FlipFromEnd { back: 39, xor: 0x01 } };
    setup.resume.as_mut().unwrap().network = Network::with(flip);
    out.push(("a resumption with an altered ticket".into(), sim::run_with(&opts, setup)));
    // Records that arrive after close_notify are ignored and counted (RFC 8446 §6.1): the
    // network of a page run carries nothing then, so the test delivers one itself.
    let opts = Options { seed: Some(5), ..Default::default() };
    let setup = Scenario::Normal.setup(&opts);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let pki = sim::make_pki(&mut rng, &opts.hostname, opts.now, setup.anchor).unwrap();
    let mut p = sim::pair(&opts, setup, 5, &pki, &mut rng);
    sim::run_pair(&mut p, &opts);
    assert!(p.server.common.received_close);
    p.server.receive(&[23, 3, 3, 0, 2, 1, 2]);
    p.collect();
    p.trace.finish(p.connection, &p.client, &p.server);
    out.push(("a record after close_notify".into(), p.trace));
    out
}

/// The event kinds of the document's table (the first column, in backticks), with its side column.
fn documented_kinds() -> BTreeMap<String, String> {
    let section = SCHEMA_DOC.split("\n## Event kinds\n").nth(1).expect("docs/trace-schema.md has a section \"## Event kinds\"");
    let table = section.lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|'));
    let mut kinds = BTreeMap::new();
    // The header and the |---| line come first.
    for row in table.skip(2) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (kind, side) = (cells[1], cells.get(2).copied().unwrap_or(""));
        let name = kind.strip_prefix('`').and_then(|k| k.strip_suffix('`'));
        let name = name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        let name = name.unwrap_or_else(|| panic!("the first cell of {row:?} is not one kind in backticks"));
        assert!(kinds.insert(name.to_string(), side.to_string()).is_none(), "`{name}` is listed twice");
    }
    assert!(!kinds.is_empty(), "the event kinds table is empty");
    kinds
}

#[test]
fn every_run_round_trips_through_json_and_numbers_its_events() {
    for (name, trace) in runs() {
        let json = trace.to_json();
        let back: Trace = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: the JSON does not read back: {e}"));
        assert!(back == trace, "{name}: the trace read back differs from the one written");
        assert!(back.to_json() == json, "{name}: the JSON written again differs");

        assert_eq!(trace.schema, 2, "{name}");
        assert_eq!(SCHEMA_VERSION, 2);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["schema"], 2, "{name}");

        // One connection, or (the scenarios that resume) two, and three for the replay.
        let expected = match trace.options.scenario {
            Scenario::Replay => 3,
            Scenario::Resume | Scenario::EarlyData | Scenario::BadBinder => 2,
            _ => 1,
        };
        assert_eq!(trace.connections.len(), expected, "{name}: connections");
        for (k, o) in trace.connections.iter().enumerate() {
            assert_eq!(o.connection as usize, k + 1, "{name}: connections are numbered from 1 in order");
        }
        assert!(!trace.events.is_empty(), "{name}: no events");
        for (i, e) in trace.events.iter().enumerate() {
            assert_eq!(e.index, i, "{name}: event {i} has index {}", e.index);
            assert!((1..=expected as u32).contains(&e.connection), "{name}: event {i} belongs to connection {}", e.connection);
        }
        // The connections follow one another in the trace.
        assert!(trace.events.windows(2).all(|w| w[0].connection <= w[1].connection), "{name}: connections interleaved");
    }
}

#[test]
fn the_event_kinds_produced_are_exactly_those_documented() {
    let documented = documented_kinds();
    // Each kind produced, the sides that produced it, and the first run it appeared in.
    let mut produced: BTreeMap<String, (BTreeSet<String>, String)> = BTreeMap::new();
    for (name, trace) in runs() {
        let value: serde_json::Value = serde_json::from_str(&trace.to_json()).unwrap();
        for e in value["events"].as_array().unwrap() {
            let kind = e["kind"].as_str().unwrap_or_else(|| panic!("{name}: an event without a kind: {e}"));
            let side = e["side"].as_str().unwrap().to_string();
            produced.entry(kind.to_string()).or_insert_with(|| (BTreeSet::new(), name.clone())).0.insert(side);
        }
    }

    let undocumented: Vec<String> =
        produced.iter().filter(|(k, _)| !documented.contains_key(*k)).map(|(k, (_, run))| format!("{k} (in {run})")).collect();
    assert!(undocumented.is_empty(), "kinds the engine produces that docs/trace-schema.md does not list: {undocumented:?}");
    let unproduced: Vec<&String> = documented.keys().filter(|k| !produced.contains_key(*k)).collect();
    assert!(unproduced.is_empty(), "kinds docs/trace-schema.md lists that no run here produces: {unproduced:?}");

    // The side column says who produces each kind.
    for (kind, (sides, run)) in &produced {
        let allowed: &[&str] = match documented[kind].as_str() {
            "client" => &["client"],
            "server" => &["server"],
            "endpoint" => &["client", "server"],
            "network" => &["network"],
            other => panic!("`{kind}`: the side column says {other:?}, not client, server, endpoint or network"),
        };
        assert!(
            sides.iter().all(|s| allowed.contains(&s.as_str())),
            "`{kind}` is documented for {allowed:?} but comes from {sides:?} (in {run})"
        );
    }
}

/// docs/trace-schema.md, Derivation: every `derived` event names the hash of its derivation,
/// and a page run (TLS_AES_128_GCM_SHA256 only) uses SHA-256 throughout; its secrets are
/// Hash.length (32) bytes.
#[test]
fn every_derived_event_names_its_hash_and_a_page_run_uses_sha256() {
    for (name, trace) in runs() {
        let value: serde_json::Value = serde_json::from_str(&trace.to_json()).unwrap();
        for e in value["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "derived") {
            assert_eq!(e["hash"], "sha256", "{name}: {e}");
            if e["output"].get("secret").is_some() {
                assert_eq!(e["value"].as_str().unwrap().len(), 64, "{name}: {e}");
            }
        }
    }
}

/// A hybrid group's key pair, peer key share and shared secret serialise with their typed parts
/// as the document says: each part's `component`, `kind`, `offset` and `value`, every `kind` one
/// the document names, the parts in order making up the whole, and the JSON reading back the same.
#[cfg(feature = "mlkem")]
#[test]
fn hybrid_key_events_carry_the_documented_parts() {
    use tlsviz::tls::enums::NamedGroup;
    use tlsviz::tls::events::Event;
    let (mut cc, mut sc, _) = common::configs(51, true, Default::default());
    cc.groups = vec![NamedGroup::X25519MLKEM768];
    sc.groups = vec![NamedGroup::X25519MLKEM768];
    let mut c = tlsviz::tls::client::Client::new(cc, rand_chacha::ChaCha20Rng::seed_from_u64(1));
    let mut s = tlsviz::tls::server::Server::new(sc, rand_chacha::ChaCha20Rng::seed_from_u64(2));
    let (ce, se) = common::run_pair(&mut c, &mut s);
    let mut seen = BTreeSet::new();
    for e in ce.iter().chain(&se) {
        let fields: &[(&str, &str)] = match e {
            Event::KeyPair { .. } => &[("private_parts", "private_key"), ("public_parts", "public_key")],
            Event::PeerPublicKey { .. } => &[("parts", "public_key")],
            Event::SharedSecret { .. } => &[("parts", "value")],
            _ => continue,
        };
        let json = serde_json::to_value(e).unwrap();
        assert_eq!(serde_json::to_value(serde_json::from_value::<Event>(json.clone()).unwrap()).unwrap(), json);
        for (parts, whole) in fields {
            let list = json[parts].as_array().unwrap_or_else(|| panic!("no {parts} in {json}"));
            assert_eq!(list.len(), 2);
            let mut joined = String::new();
            for p in list {
                assert_eq!(p["offset"].as_u64().unwrap() as usize * 2, joined.len(), "{p}");
                joined += p["value"].as_str().unwrap();
                let kind = p["kind"].as_str().unwrap().to_string();
                assert!(SCHEMA_DOC.contains(&format!("`{kind}`")), "part kind {kind} is not documented");
                assert!(["MLKEM768", "x25519"].contains(&p["component"].as_str().unwrap()), "{p}");
                seen.insert(kind);
            }
            assert_eq!(joined, json[whole].as_str().unwrap());
        }
    }
    let all = [
        "private_key",
        "public_key",
        "decapsulation_key_seed",
        "encapsulation_key",
        "encapsulation_randomness",
        "ciphertext",
        "shared_secret",
    ];
    assert_eq!(seen, all.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>());
}
