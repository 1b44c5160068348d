//! `make bench`, native half: how long a full simulated handshake takes, with and without
//! certificate generation. Prints figures (no pass/fail) and writes them to
//! target/bench-native-<profile>.json for the browser half to compare against. `make bench` runs
//! it twice: optimised for speed (profile bench-native, opt-level 3 throughout) and with the page's
//! own settings (profile release: "z", the cryptography at 2), so the WebAssembly figure can be
//! compared with both.

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tlsviz::sim::preset::{self, ClientOffer};
use tlsviz::sim::{self, Options};

const RUNS: usize = 200;

struct Stats {
    median: f64,
    p10: f64,
    p90: f64,
    min: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stats { median: at(0.5), p10: at(0.1), p90: at(0.9), min: v[0], max: v[v.len() - 1] }
}

fn print(name: &str, s: &Stats) {
    println!("{name:<44} median {:>8.3} ms   p10 {:>8.3}   p90 {:>8.3}   min {:>8.3}   max {:>8.3}", s.median, s.p10, s.p90, s.min, s.max);
}

fn main() {
    let opts = Options::default();
    // Warm up caches and lazy statics.
    for i in 0..10 {
        sim::run(&Options { seed: Some(i), ..opts.clone() });
    }
    let full: Vec<f64> = (0..RUNS as u64)
        .map(|i| {
            let t = Instant::now();
            let trace = sim::run(&Options { seed: Some(1000 + i), ..opts.clone() });
            assert!(trace.connections[0].handshake_complete);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let setup = opts.scenario.setup(&opts);
    let pki = sim::make_pki_with(&mut rng, &opts.hostname, opts.now, setup.anchor, setup.chain).expect("certificates");
    let handshake: Vec<f64> = (0..RUNS as u64)
        .map(|i| {
            let mut rng = ChaCha20Rng::seed_from_u64(2000 + i);
            let t = Instant::now();
            let mut p = sim::pair(&opts, setup.clone(), i, &pki, &mut rng);
            sim::run_pair(&mut p, &opts);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (f, h) = (stats(full), stats(handshake));
    let profile = if cfg!(debug_assertions) { "debug" } else { option_env!("TLSVIZ_BENCH_PROFILE").unwrap_or("release") };
    println!("native, {RUNS} runs each (profile {profile}):");
    print("full connection, certificates generated", &f);
    print("full connection, certificates reused", &h);
    // How long a reader takes through the page's normal run, at each speed (the beats' reading
    // times, computed by the same code the page runs).
    let play = tlsviz::model::playback::playback(&sim::run(&Options { seed: Some(1), ..opts.clone() }));
    println!(
        "page playback of a normal run: {} beats; at 1× {:.0} s, at 2× {:.0} s, at 4× {:.0} s",
        play.beats.len(),
        play.total_ms(1) as f64 / 1000.0,
        play.total_ms(2) as f64 / 1000.0,
        play.total_ms(4) as f64 / 1000.0
    );
    // Each group (with TLS_AES_128_GCM_SHA256) and each suite (with secp256r1), certificates
    // generated: what a key exchange or a record protection costs beside the others.
    println!("by group and by suite, {RUNS} runs each:");
    let offers = preset::GROUP_CHOICES
        .iter()
        .filter(|g| tlsviz::tls::kx::supports(**g))
        .map(|g| (true, g.to_string(), ClientOffer { group: Some(*g), ..ClientOffer::default() }))
        .chain(
            preset::SUITE_CHOICES
                .iter()
                .filter(|c| tlsviz::tls::suite::supports(**c))
                .map(|c| (false, c.to_string(), ClientOffer { suite: Some(*c), ..ClientOffer::default() })),
        );
    let (mut by_group, mut by_suite) = (Vec::new(), Vec::new());
    for (is_group, name, client) in offers {
        let times: Vec<f64> = (0..RUNS as u64)
            .map(|i| {
                let t = Instant::now();
                let trace = sim::run(&Options { seed: Some(3000 + i), client, ..opts.clone() });
                assert!(trace.connections[0].handshake_complete, "{name}");
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        let s = stats(times);
        print(&format!("  {name}"), &s);
        let by = if is_group { &mut by_group } else { &mut by_suite };
        by.push(format!("\"{name}\":{}", s.median));
    }
    // The browser half (tests/browser/bench.mjs) times the same groups and suites in WebAssembly
    // and sets them beside these.
    let json = format!(
        "{{\"profile\":\"{profile}\",\"runs\":{RUNS},\"full_median_ms\":{},\"full_min_ms\":{},\"handshake_median_ms\":{},\"by_group_median_ms\":{{{}}},\"by_suite_median_ms\":{{{}}}}}\n",
        f.median,
        f.min,
        h.median,
        by_group.join(","),
        by_suite.join(",")
    );
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write(format!("target/bench-native-{profile}.json"), json);
}
