//! `peer trace` takes every option of the page and prints the same trace as the simulation run
//! in-process, and `peer capture` writes the library's capture of that run; a bad option is
//! refused with status 2 and a message naming it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tlsviz::sim::{self, Options, Scenario};

/// The peer example beside this test binary. `cargo build --all-targets` (or `--examples`, or a
/// plain `cargo test`) builds it there; `cargo test --all-targets` builds only its test harness,
/// so a binary older than its sources is refused rather than tested.
fn peer() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let p = dir.join("examples").join("peer");
    let build = "build it with `cargo build --examples` (or `--all-targets`)";
    let built = std::fs::metadata(&p).and_then(|m| m.modified()).unwrap_or_else(|_| panic!("{} is missing: {build}", p.display()));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(newer) = sources(root).into_iter().find(|f| std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|t| t > built)) {
        panic!("{} is older than {}: {build}", p.display(), newer.display());
    }
    p
}

/// The files the peer example is built from: itself, and the library (not the page's own code).
fn sources(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.join("examples/peer.rs"), root.join("Cargo.toml")];
    let mut dirs = vec![root.join("src")];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.ends_with("src/ui") || path.ends_with("src/ui.rs") || path.ends_with("src/main.rs") {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

fn trace(args: &[&str]) -> Output {
    Command::new(peer()).arg("trace").args(args).output().unwrap()
}

#[test]
fn every_option_is_echoed_and_the_trace_equals_the_simulations() {
    let out = trace(&[
        "--seed",
        "5",
        "--scenario",
        "wrong-name",
        "--hostname",
        "example.org",
        "--message",
        "hi",
        "--message",
        "there",
        "--key-update",
        "--max-fragment",
        "100",
    ]);
    assert!(out.status.success(), "peer trace failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();

    let json: serde_json::Value = serde_json::from_str(&stdout).expect("peer trace prints JSON");
    assert_eq!(json["schema"], 2);
    assert_eq!(json["seed"], 5);
    let o = &json["options"];
    assert_eq!(o["seed"], 5);
    assert_eq!(o["hostname"], "example.org");
    assert_eq!(o["client_messages"], serde_json::json!(["hi", "there"]));
    assert_eq!(o["key_update"], true);
    assert_eq!(o["max_fragment"], 100);
    assert_eq!(o["scenario"]["kind"], "wrong_name");

    let opts = Options {
        seed: Some(5),
        scenario: Scenario::WrongName,
        hostname: "example.org".into(),
        client_messages: vec!["hi".into(), "there".into()],
        key_update: true,
        max_fragment: 100,
        ..Default::default()
    };
    let expected = sim::run(&opts).to_json();
    assert!(stdout == format!("{expected}\n"), "peer trace differs from sim::run with the same options");
}

#[test]
fn the_default_options_are_those_of_the_page() {
    let out = trace(&["--seed", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = sim::run(&Options { seed: Some(1), ..Default::default() }).to_json();
    assert!(String::from_utf8(out.stdout).unwrap() == format!("{expected}\n"));
}

#[test]
fn every_scenario_key_of_the_page_is_accepted() {
    for s in Scenario::ALL {
        let out = trace(&["--seed", "2", "--scenario", s.key()]);
        assert!(out.status.success(), "--scenario {}: {}", s.key(), String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["options"]["scenario"], serde_json::to_value(&s).unwrap(), "--scenario {}", s.key());
    }
}

#[test]
fn bad_invocations_exit_with_status_2_and_name_the_problem() {
    let long = "x".repeat(sim::MAX_MESSAGE + 1);
    let cases: &[(&[&str], &[&str])] = &[
        (&["--colour", "red"], &["unknown option", "--colour"]),
        (&["--seed"], &["--seed", "needs a value"]),
        (&["--seed", "five"], &["--seed", "whole number", "five"]),
        (&["--seed", "-1"], &["--seed", "whole number"]),
        (&["--seed", "18446744073709551616"], &["--seed", "18446744073709551615"]),
        (&["--seed", "1", "--seed", "2"], &["--seed", "more than once"]),
        (&["--scenario", "sunny"], &["sunny", "normal, retry, tamper, wrong-name, expired, untrusted"]),
        (&["--scenario"], &["--scenario", "needs a value"]),
        (&["--hostname", ""], &["--hostname", "empty"]),
        (&["--hostname", "--key-update"], &["--hostname", "needs a value"]),
        (&["--message", "   "], &["--message", "nothing to encrypt"]),
        (&["--message", "ok", "--message", &long], &["--message #2", "at most 16384 bytes"]),
        (&["--max-fragment", "0"], &["--max-fragment", "1 to 16384"]),
        (&["--max-fragment", "16385"], &["--max-fragment", "1 to 16384"]),
        (&["--max-fragment", "lots"], &["--max-fragment", "lots"]),
        (&["--key-update", "yes"], &["unexpected argument", "yes"]),
    ];
    for (args, words) in cases {
        let out = trace(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "peer trace {args:?} should exit with status 2; stderr: {stderr}");
        assert!(out.stdout.is_empty(), "peer trace {args:?} printed a trace");
        assert_eq!(stderr.trim_end().lines().count(), 1, "peer trace {args:?}: one line, not {stderr:?}");
        for w in *words {
            assert!(stderr.contains(w), "peer trace {args:?}: {stderr:?} does not mention {w:?}");
        }
    }
}

fn capture(args: &[&str]) -> Output {
    Command::new(peer()).arg("capture").args(args).output().unwrap()
}

#[test]
fn peer_capture_writes_the_capture_of_the_run_peer_trace_prints() {
    let path = std::env::temp_dir().join(format!("tlsviz-peer-capture-{}.pcapng", std::process::id()));
    let file = path.to_str().unwrap();
    // "--out" as a message is the message's text, not the option.
    let out = capture(&["--seed", "4", "--scenario", "tamper", "--message", "--out", "--out", file, "--max-fragment", "200"]);
    assert!(out.status.success(), "peer capture failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let written = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let opts = Options {
        seed: Some(4),
        scenario: sim::scenario::PAGE_TAMPER,
        client_messages: vec!["--out".into()],
        max_fragment: 200,
        ..Default::default()
    };
    assert!(written == sim::capture::pcapng(&sim::run(&opts)), "peer capture differs from the library's capture of the same run");
}

#[test]
fn bad_capture_invocations_exit_with_status_2_and_name_the_problem() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["--seed", "1"], &["--out FILE is required"]),
        (&["--out"], &["--out", "needs a file name"]),
        (&["--out", "--seed", "1"], &["--out", "needs a file name", "--seed"]),
        (&["--out", "a.pcapng", "--out", "b.pcapng"], &["--out", "more than once"]),
        (&["--out", "x.pcapng", "--scenario", "sunny"], &["sunny", "normal, retry, tamper"]),
        (&["--out", "x.pcapng", "--seed", "five"], &["--seed", "five"]),
        (&["--out", "x.pcapng", "--colour", "red"], &["unknown option", "--colour"]),
    ];
    for (args, words) in cases {
        let out = capture(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "peer capture {args:?} should exit with status 2; stderr: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "peer capture {args:?}: one line, not {stderr:?}");
        assert!(stderr.starts_with("peer capture: "), "{stderr:?}");
        for w in *words {
            assert!(stderr.contains(w), "peer capture {args:?}: {stderr:?} does not mention {w:?}");
        }
        assert!(!Path::new("x.pcapng").exists() && !Path::new("a.pcapng").exists(), "a refused capture wrote a file");
    }
}
