//! Every fuzz target over its saved corpus (`fuzz/corpus/<target>/`) and over the seeds made fresh
//! from the simulation, on stable and under the fuzzers' limits: no panic, no input over 16 MiB of
//! live memory or 1 s. The targets are the cargo-fuzz ones (`fuzz/src/targets.rs`, `make fuzz`).
//! Inputs that found a bug in the engine are kept in `fuzz/regressions/<target>/`, each with a test
//! of its own.

#[path = "../fuzz/src/guard.rs"]
mod guard;
#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The counters of the allocator are global: one input at a time, whichever test runs it.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The whole walk's budget, shared by the four targets: `make test` spends at most a minute here.
const BUDGET: Duration = Duration::from_secs(15);

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn walk(target: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_, run) = targets::TARGETS.iter().find(|(n, _)| *n == target).unwrap();
    // The certificates every input shares are made before the first one is measured.
    targets::contexts();
    let mut inputs: Vec<(String, Vec<u8>)> =
        corpus(target).into_iter().map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect();
    let saved = inputs.len();
    for (i, (_, input)) in targets::seeds().into_iter().filter(|(t, _)| *t == target).enumerate() {
        inputs.push((format!("fresh seed #{i}"), input));
    }
    assert!(saved > 0 && inputs.len() > saved, "{target}: the corpus and the seeds are both there");
    let started = Instant::now();
    let mut findings = Vec::new();
    for (name, input) in &inputs {
        let mut outcome = Ok(());
        let cost = guard::measure(|| outcome = catch_unwind(AssertUnwindSafe(|| run(input))));
        match (outcome, cost.over_limit()) {
            (Err(panic), _) => {
                let why = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                findings.push(format!("{name}: panicked: {}", why.unwrap_or_default()));
            }
            (Ok(()), Some(why)) => findings.push(format!("{name}: {why}")),
            (Ok(()), None) => {}
        }
    }
    let took = started.elapsed();
    assert!(findings.is_empty(), "{target}: {} of {} inputs are findings:\n{}", findings.len(), inputs.len(), findings.join("\n"));
    assert!(took < BUDGET, "{target}: {} inputs took {took:?}, over the {BUDGET:?} budget: minimise the corpus", inputs.len());
}

#[test]
fn the_client_target_passes_its_corpus() {
    walk("client");
}

#[test]
fn the_server_target_passes_its_corpus() {
    walk("server");
}

#[test]
fn the_x509_target_passes_its_corpus() {
    walk("x509");
}

#[test]
fn the_handshake_target_passes_its_corpus() {
    walk("handshake");
}

/// The seeds are worth their name only if the rebuilt endpoints accept them as the simulation's
/// did: a run whose handshake completes completes again from its records alone, on each side.
/// The seeds are the records as sent, so for the client the run compared is the same one on an
/// honest network (the tamper scenario's attacker changes a server record only in flight, and the
/// client takes the server's records as sent). With a man in the middle the server's records
/// answer the attacker's hello, not the client's (or there are none), so only the server's side
/// is compared there.
#[test]
fn the_seeds_replay_whole_handshakes_through_the_client_and_server_targets() {
    use tlsviz::sim::{run, run_with, Network, Setup};
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let seeds = targets::seeds();
    let mut whole = 0;
    for (i, opts) in targets::context_options().iter().enumerate() {
        let seed = |t: &str| seeds.iter().find(|(n, s)| *n == t && usize::from(s[0]) == i && s[1] == 0).unwrap().1.clone();
        let honest = run_with(opts, Setup { network: Network::honest(), ..opts.scenario.setup(opts) });
        let completed = run(opts).connections[0].handshake_complete;
        if opts.scenario.setup(opts).network.attacker.is_none() {
            assert_eq!(targets::client_connects(&seed("client")), honest.connections[0].handshake_complete, "client, {opts:?}");
        }
        assert_eq!(targets::server_connects(&seed("server")), completed, "server, {opts:?}");
        whole += usize::from(completed);
    }
    assert!(whole >= 3, "most seeds are whole handshakes");
}

/// Found by the handshake target: a ClientHello whose server_name list holds only entries of
/// another name_type than host_name decoded to the EncryptedExtensions form of server_name, which
/// a ClientHello's decoder refuses once encoded. It is now kept as it came.
#[test]
fn handshake_regressions_survive_encoding_and_decoding() {
    use tlsviz::tls::handshake::Handshake;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/handshake");
    let mut n = 0;
    for file in std::fs::read_dir(&dir).unwrap().flatten() {
        let data = std::fs::read(file.path()).unwrap();
        let (m, _) = Handshake::decode(&data);
        let m = m.unwrap_or_else(|e| panic!("{}: {e}", file.path().display()));
        let (again, _) = Handshake::decode(&m.encode());
        assert_eq!(again, Ok(m), "{}", file.path().display());
        n += 1;
    }
    assert!(n > 0);
}
